package gormdb

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.ReminderStore = (*DB)(nil)

// mailReminderRow is one deadline reminder queued (migration 31;
// notify.Reminder): one per user and day (Vietnam calendar day,
// "YYYY-MM-DD"), inserted in the transaction that queues its mail in
// mail_outbox, so instances sharing the database and restarts queue one
// a day. Times are Unix milliseconds, as mail_outbox's.
type mailReminderRow struct {
	UserID    string `gorm:"primaryKey"`
	Day       string `gorm:"primaryKey"`
	Documents int    `gorm:"not null"`
	CreatedAt int64  `gorm:"not null;autoCreateTime:false"`
}

func (mailReminderRow) TableName() string { return "mail_reminders" }

// mailRemindersV31 creates mail_reminders.
func mailRemindersV31(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable(&mailReminderRow{}) {
		return nil
	}
	return g.Migrator().CreateTable(&mailReminderRow{})
}

// dueWorkWhere selects the documents of DueWork: documents_work (direction,
// state, ..., due_date, ..., assignee_id) serves it.
const dueWorkWhere = ` WHERE direction = ? AND state IN (?, ?) AND assignee_id <> '' AND due_date IS NOT NULL AND due_date <= ?
AND assignee_id IN (SELECT u.id FROM users u JOIN user_mail m ON m.user_id = u.id WHERE u.disabled = ? AND m.email <> '' AND m.mail_off = ?)
ORDER BY assignee_id, due_date, id`

// DueWork implements workflow.ReminderStore in two statements: the
// documents, then their assignees' names and addresses.
func (d *DB) DueWork(ctx context.Context, through workflow.Date) ([]workflow.DueWork, error) {
	c := d.reader(ctx)
	rows, err := c.queryDocuments(ctx, 0, dueWorkWhere, string(workflow.Incoming),
		string(workflow.RemindedStates[0]), string(workflow.RemindedStates[1]), through, false, false)
	if err != nil {
		return nil, d.translate(err, "work due by %s", through)
	}
	docs, err := documentsOf(rows)
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	var ids []string
	for i, doc := range docs {
		if i == 0 || doc.AssigneeID != docs[i-1].AssigneeID {
			ids = append(ids, doc.AssigneeID)
		}
	}
	var users []struct{ ID, FullName, Username, Email string }
	err = c.q(ctx).Raw(`SELECT u.id AS id, u.full_name AS full_name, u.username AS username, m.email AS email
FROM users u JOIN user_mail m ON m.user_id = u.id WHERE u.id IN ?`, ids).Scan(&users).Error
	if err != nil {
		return nil, d.translate(err, "assignees of the work due")
	}
	byID := make(map[string]int, len(users))
	for i, u := range users {
		byID[u.ID] = i
	}
	out := make([]workflow.DueWork, 0, len(docs))
	for _, doc := range docs {
		i, ok := byID[doc.AssigneeID]
		if !ok {
			continue // changed between the statements: tomorrow's reminder
		}
		name := users[i].FullName
		if name == "" {
			name = users[i].Username
		}
		out = append(out, workflow.DueWork{UserID: doc.AssigneeID, UserName: name, Address: users[i].Email, Document: doc})
	}
	return out, nil
}

// ReminderSeq is the event_seq of the outbox row of a reminder of day:
// minus its date as the number YYYYMMDD, which no audit event has (their
// seqs are positive), so the outbox's key (event_seq, user_id) is one
// reminder per user and day too, and its Message-ID names the day.
func ReminderSeq(day workflow.Date) int64 {
	return -int64(day.Year*10000 + int(day.Month)*100 + day.Day)
}

// QueueReminder implements workflow.ReminderStore: the mail_reminders
// row and the mail, in one transaction; of two instances queueing the
// same user's reminder of a day, one inserts the row and the other
// (after the first commits, on PostgreSQL) finds it and queues nothing.
func (d *DB) QueueReminder(ctx context.Context, day workflow.Date, documents int, n workflow.Notification) (bool, error) {
	var queued bool
	err := d.Atomic(ctx, func(ctx context.Context, _ workflow.Tx) error {
		now := millis(d.Now())
		res := d.writer(ctx).q(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&mailReminderRow{UserID: n.UserID, Day: day.String(), Documents: documents, CreatedAt: now})
		if res.Error != nil {
			return d.translate(res.Error, "reminder of %s on %s", n.UserID, day)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		row := mailOutboxRow{EventSeq: ReminderSeq(day), UserID: n.UserID, Address: n.Address, Subject: n.Subject,
			Body: n.Body, NextAt: now, CreatedAt: now}
		if err := d.writer(ctx).q(ctx).Create(&row).Error; err != nil {
			return d.translate(err, "queue the reminder of %s on %s", n.UserID, day)
		}
		queued = true
		return nil
	})
	return queued, err
}
