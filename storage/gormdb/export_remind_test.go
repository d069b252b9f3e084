package gormdb

import "context"

// ReminderRows lists the rows of mail_reminders as "user day kind", by
// day then user then kind.
func ReminderRows(ctx context.Context, d *DB) ([]string, error) {
	var out []string
	err := d.gdb.WithContext(ctx).Raw(`SELECT user_id || ' ' || day || ' ' || kind FROM mail_reminders ORDER BY day, user_id, kind`).
		Scan(&out).Error
	return out, err
}
