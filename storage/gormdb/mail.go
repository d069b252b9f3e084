package gormdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

// The e-mail notifications' tables (migration 22; notify package):
// user_mail, each user's address and whether they want mail (beside
// users, whose columns the hot paths read by position); mail_cursor, the
// last audit event the notifier has derived mail from; mail_outbox, the
// mail owed, one row per (event, user), with its retries. Times are Unix
// milliseconds, as login_throttle's.
type userMailRow struct {
	UserID  string `gorm:"primaryKey"`
	Email   string `gorm:"not null;default:''"`
	MailOff bool   `gorm:"not null;default:false"`
}

func (userMailRow) TableName() string { return "user_mail" }

type mailCursorRow struct {
	Name string `gorm:"primaryKey"`
	Seq  int64  `gorm:"not null"`
}

func (mailCursorRow) TableName() string { return "mail_cursor" }

type mailOutboxRow struct {
	ID        int64  `gorm:"primaryKey;autoIncrement"`
	EventSeq  int64  `gorm:"not null;uniqueIndex:mail_outbox_event_user"`
	UserID    string `gorm:"not null;uniqueIndex:mail_outbox_event_user"`
	Address   string `gorm:"not null"`
	Subject   string `gorm:"not null"`
	Body      string `gorm:"not null"`
	Attempts  int    `gorm:"not null;default:0"`
	NextAt    int64  `gorm:"not null;index:mail_outbox_due,priority:2"`
	SentAt    int64  `gorm:"not null;default:0;index:mail_outbox_due,priority:1"`
	LastError string `gorm:"not null;default:''"`
	CreatedAt int64  `gorm:"not null;autoCreateTime:false"`
	// FailedAt: when the server refused it for good (never sent again);
	// 0 = not (migration 23).
	FailedAt int64 `gorm:"not null;default:0"`
}

func (mailOutboxRow) TableName() string { return "mail_outbox" }

// mailOutboxFailedV23 adds mail_outbox.failed_at (a fresh database has
// it from mailV22, which creates the table as it is now).
func mailOutboxFailedV23(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasColumn(&mailOutboxRow{}, "failed_at") {
		return nil
	}
	// As gorm declares it in a fresh table (integer on SQLite, bigint on
	// PostgreSQL): "bigint" on SQLite left an upgraded database's schema
	// unlike a fresh one's (TestMigrateFromV22WithRows).
	return g.Migrator().AddColumn(&mailOutboxRow{}, "FailedAt")
}

// mailV22 creates the three tables.
func mailV22(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, m := range []any{&userMailRow{}, &mailCursorRow{}, &mailOutboxRow{}} {
		if g.Migrator().HasTable(m) {
			continue
		}
		if err := g.Migrator().CreateTable(m); err != nil {
			return err
		}
	}
	return nil
}

// UserMail returns a user's mail settings (the zero value when none
// were ever set).
func (d *DB) UserMail(ctx context.Context, userID string) (workflow.MailSettings, error) {
	var r userMailRow
	err := d.writer(ctx).q(ctx).Where("user_id = ?", userID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return workflow.MailSettings{}, nil
	}
	if err != nil {
		return workflow.MailSettings{}, d.translate(err, "mail settings of %s", userID)
	}
	return workflow.MailSettings{Email: r.Email, Off: r.MailOff}, nil
}

// SetUserMail writes a user's mail settings and, when they change, the
// audit event of the change (workflow.MailChanged), in one transaction.
func (d *DB) SetUserMail(ctx context.Context, actorID, userID string, s workflow.MailSettings) error {
	return d.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		old, err := d.UserMail(ctx, userID)
		if err != nil {
			return err
		}
		e := workflow.MailChanged(actorID, userID, old, s, d.Now())
		if e == nil {
			return nil
		}
		err = d.writer(ctx).q(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"email", "mail_off"}),
		}).Create(&userMailRow{UserID: userID, Email: s.Email, MailOff: s.Off}).Error
		if err != nil {
			return d.translate(err, "set mail settings of %s", userID)
		}
		return tx.AppendEvent(ctx, e)
	})
}

// MailCursor returns the seq of the last audit event mail was derived
// from; ok false before the first.
func (d *DB) MailCursor(ctx context.Context) (seq int64, ok bool, err error) {
	var r mailCursorRow
	err = d.writer(ctx).q(ctx).Where("name = ?", "notify").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, d.translate(err, "mail cursor")
	}
	return r.Seq, true, nil
}

// SetMailCursor moves the cursor to seq.
func (d *DB) SetMailCursor(ctx context.Context, seq int64) error {
	err := d.writer(ctx).q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"seq"}),
	}).Create(&mailCursorRow{Name: "notify", Seq: seq}).Error
	return d.translate(err, "set mail cursor")
}

// EventsAfter returns at most limit audit events with seq > after, in
// seq order.
func (d *DB) EventsAfter(ctx context.Context, after int64, limit int) ([]workflow.Event, error) {
	var rows []eventRow
	if err := d.reader(ctx).q(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, d.translate(err, "audit events after %d", after)
	}
	out := make([]workflow.Event, 0, len(rows))
	for i := range rows {
		e, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// EnqueueNotifications stores the mail owed; one already stored for the
// same event and user is kept as it is.
func (d *DB) EnqueueNotifications(ctx context.Context, ns []workflow.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	now := millis(d.Now())
	rows := make([]mailOutboxRow, len(ns))
	for i, n := range ns {
		rows[i] = mailOutboxRow{EventSeq: n.EventSeq, UserID: n.UserID, Address: n.Address, Subject: n.Subject,
			Body: n.Body, NextAt: now, CreatedAt: now}
	}
	err := d.writer(ctx).q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
	return d.translate(err, "enqueue notifications")
}

// DueNotifications returns at most limit unsent notifications due at
// now, oldest first; none refused for good.
func (d *DB) DueNotifications(ctx context.Context, now time.Time, limit int) ([]workflow.Notification, error) {
	var rows []mailOutboxRow
	err := d.writer(ctx).q(ctx).Where("sent_at = 0 AND failed_at = 0 AND next_at <= ?", millis(now)).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, d.translate(err, "due notifications")
	}
	out := make([]workflow.Notification, len(rows))
	for i, r := range rows {
		out[i] = workflow.Notification{ID: r.ID, EventSeq: r.EventSeq, UserID: r.UserID, Address: r.Address,
			Subject: r.Subject, Body: r.Body, Attempts: r.Attempts, NextAt: fromMillis(r.NextAt), LastError: r.LastError}
	}
	return out, nil
}

// NotificationSent marks notification id sent at.
func (d *DB) NotificationSent(ctx context.Context, id int64, at time.Time) error {
	err := d.writer(ctx).q(ctx).Model(&mailOutboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"sent_at": max(millis(at), 1), "last_error": ""}).Error
	return d.translate(err, "notification %d sent", id)
}

// NotificationFailed records a failed send of notification id: its
// attempts so far, when to try again and why it failed.
func (d *DB) NotificationFailed(ctx context.Context, id int64, attempts int, next time.Time, why string) error {
	err := d.writer(ctx).q(ctx).Model(&mailOutboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"attempts": attempts, "next_at": millis(next), "last_error": why}).Error
	return d.translate(err, "notification %d failed", id)
}

// NotificationRefused marks notification id refused for good at (never
// due again), with its attempts and the server's answer.
func (d *DB) NotificationRefused(ctx context.Context, id int64, attempts int, at time.Time, why string) error {
	err := d.writer(ctx).q(ctx).Model(&mailOutboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"attempts": attempts, "failed_at": max(millis(at), 1), "last_error": why}).Error
	return d.translate(err, "notification %d refused", id)
}

// PurgeSentMail deletes at most limit mails sent before before, oldest
// first, and says how many it deleted. Unsent mail — waiting or refused
// for good — is never deleted; the audit trail keeps the events the mail
// told of.
func (d *DB) PurgeSentMail(ctx context.Context, before time.Time, limit int) (int64, error) {
	res := d.writer(ctx).q(ctx).Exec(`DELETE FROM mail_outbox WHERE id IN
		(SELECT id FROM mail_outbox WHERE sent_at > 0 AND sent_at < ? ORDER BY sent_at LIMIT ?)`, millis(before), limit)
	return res.RowsAffected, d.translate(res.Error, "purge sent mail")
}
