package gormdb

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// loginRow is a user's last successful login (migration 20): a table of
// its own, not a column of users, so that a login writes one small row
// and an admin's change of the user (UpdateUser writes every column of
// users) cannot put back an older time.
type loginRow struct {
	UserID      string    `gorm:"primaryKey"`
	LastLoginAt time.Time `gorm:"not null"`
}

func (loginRow) TableName() string { return "user_logins" }

// userLoginsV20 creates user_logins. Nothing before it recorded logins:
// the users who exist have none until they next log in.
func userLoginsV20(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable("user_logins") { // a re-run over a database whose schema_migrations was lost
		return nil
	}
	return g.Table("user_logins").Migrator().CreateTable(&loginRow{})
}

// RecordLogin records at as the last login of userID, inside the
// transaction that opens the session (auth.LoginRecorder).
func (c *conn) RecordLogin(ctx context.Context, userID string, at time.Time) error {
	err := c.q(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"last_login_at"})}).
		Create(&loginRow{UserID: userID, LastLoginAt: utc(at)}).Error
	if err != nil {
		return c.db.translate(err, "record login")
	}
	return nil
}

// LastLogins returns the last login of every user who has one, by user
// ID (auth.LastLoginReader; an office has hundreds of users at most).
func (d *DB) LastLogins(ctx context.Context) (map[string]time.Time, error) {
	var rows []loginRow
	if err := d.conn(ctx).Find(&rows).Error; err != nil {
		return nil, d.translate(err, "last logins")
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.UserID] = fromDB(r.LastLoginAt)
	}
	return out, nil
}
