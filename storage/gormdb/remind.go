package gormdb

import (
	"cmp"
	"context"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.ReminderStore = (*DB)(nil)

// mailReminderRow is one deadline reminder queued (migration 31;
// notify.Reminder): one per user, day (Vietnam calendar day,
// "YYYY-MM-DD") and kind (workflow.ReminderKind), inserted in the transaction that queues its mail in
// mail_outbox, so instances sharing the database and restarts queue one
// a day. Times are Unix milliseconds, as mail_outbox's.
type mailReminderRow struct {
	UserID    string `gorm:"primaryKey"`
	Day       string `gorm:"primaryKey"`
	Kind      string `gorm:"primaryKey"`
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
	for _, doc := range docs {
		ids = append(ids, doc.AssigneeID)
	}
	users, err := d.remindedUsers(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	out := make([]workflow.DueWork, 0, len(docs))
	for _, doc := range docs {
		u, ok := users[doc.AssigneeID]
		if !ok {
			continue // changed between the statements: tomorrow's reminder
		}
		out = append(out, workflow.DueWork{UserID: doc.AssigneeID, UserName: u.name(), Address: u.Email, Document: doc})
	}
	return out, nil
}

type remindedUser struct{ ID, FullName, Username, Email string }

func (u remindedUser) name() string {
	if u.FullName != "" {
		return u.FullName
	}
	return u.Username
}

// remindedUsers reads the names and addresses of users ids, in one
// statement (any without an address row: none).
func (d *DB) remindedUsers(ctx context.Context, c *conn, ids []string) (map[string]remindedUser, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var users []remindedUser
	err := c.q(ctx).Raw(`SELECT u.id AS id, u.full_name AS full_name, u.username AS username, COALESCE(m.email, '') AS email
FROM users u LEFT JOIN user_mail m ON m.user_id = u.id WHERE u.id IN ?`, ids).Scan(&users).Error
	if err != nil {
		return nil, d.translate(err, "users of the reminders")
	}
	out := make(map[string]remindedUser, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// overdueWhere selects the overdue documents of OverdueByAssigner and who
// last assigned each (the audit trail's last assign transition, by the
// index on audit_events.document_id).
const overdueWhere = `SELECT d.id AS id, a.actor AS assigner FROM documents d
JOIN audit_events a ON a.seq = (SELECT MAX(e.seq) FROM audit_events e WHERE e.document_id = d.id AND e.kind = ? AND e.action = ?)
WHERE d.direction = ? AND d.state IN (?, ?) AND d.assignee_id <> '' AND d.due_date IS NOT NULL AND d.due_date < ?
AND a.actor IN (SELECT u.id FROM users u JOIN user_mail m ON m.user_id = u.id WHERE u.disabled = ? AND m.email <> '' AND m.mail_off = ?)`

// OverdueByAssigner implements workflow.ReminderStore in three
// statements: the documents and their assigners, the documents, the
// users' names.
func (d *DB) OverdueByAssigner(ctx context.Context, day workflow.Date) ([]workflow.DueWork, error) {
	c := d.reader(ctx)
	var pairs []struct{ ID, Assigner string }
	err := c.q(ctx).Raw(overdueWhere, string(workflow.EventTransition), string(workflow.Assign), string(workflow.Incoming),
		string(workflow.RemindedStates[0]), string(workflow.RemindedStates[1]), day, false, false).Scan(&pairs).Error
	if err != nil || len(pairs) == 0 {
		return nil, d.translate(err, "overdue documents before %s", day)
	}
	var ids, people []string
	for _, p := range pairs {
		ids, people = append(ids, p.ID), append(people, p.Assigner)
	}
	docs, err := c.DocumentsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, doc := range docs {
		people = append(people, doc.AssigneeID)
	}
	users, err := d.remindedUsers(ctx, c, people)
	if err != nil {
		return nil, err
	}
	out := make([]workflow.DueWork, 0, len(pairs))
	for _, p := range pairs {
		doc, u := docs[p.ID], users[p.Assigner]
		if doc == nil || u.Email == "" {
			continue // changed between the statements: tomorrow's summary
		}
		out = append(out, workflow.DueWork{UserID: p.Assigner, UserName: u.name(), Address: u.Email, Document: doc,
			Handler: users[doc.AssigneeID].name()})
	}
	slices.SortFunc(out, func(a, b workflow.DueWork) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), a.Document.DueDate.Compare(*b.Document.DueDate),
			cmp.Compare(a.Document.ID, b.Document.ID))
	})
	return out, nil
}

// ReminderSeq is the event_seq of the outbox row of a reminder of kind
// of day: minus its date as the number YYYYMMDD followed by the kind's
// digit (0 due, 1 overdue), which no audit event has (their seqs are
// positive), so the outbox's key (event_seq, user_id) is one reminder of
// a kind per user and day too, and its Message-ID names the day.
func ReminderSeq(day workflow.Date, kind workflow.ReminderKind) int64 {
	k := int64(0)
	if kind == workflow.RemindOverdue {
		k = 1
	}
	return -(int64(day.Year*10000+int(day.Month)*100+day.Day)*10 + k)
}

// QueueReminder implements workflow.ReminderStore: the mail_reminders
// row and the mail, in one transaction; of two instances queueing the
// same user's reminder of a day, one inserts the row and the other
// (after the first commits, on PostgreSQL) finds it and queues nothing.
func (d *DB) QueueReminder(ctx context.Context, day workflow.Date, kind workflow.ReminderKind, documents int, n workflow.Notification) (bool, error) {
	var queued bool
	err := d.Atomic(ctx, func(ctx context.Context, _ workflow.Tx) error {
		now := millis(d.Now())
		res := d.writer(ctx).q(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&mailReminderRow{UserID: n.UserID, Day: day.String(), Kind: string(kind), Documents: documents, CreatedAt: now})
		if res.Error != nil {
			return d.translate(res.Error, "reminder of %s on %s", n.UserID, day)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		row := mailOutboxRow{EventSeq: ReminderSeq(day, kind), UserID: n.UserID, Address: n.Address, Subject: n.Subject,
			Body: n.Body, NextAt: now, CreatedAt: now}
		if err := d.writer(ctx).q(ctx).Create(&row).Error; err != nil {
			return d.translate(err, "queue the reminder of %s on %s", n.UserID, day)
		}
		queued = true
		return nil
	})
	return queued, err
}
