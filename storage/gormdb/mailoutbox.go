package gormdb

import (
	"context"
	"strconv"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

var (
	_ workflow.MailOutboxStore = (*DB)(nil)
	_ workflow.UserFailedMail  = (*DB)(nil)
)

// mailListColumns are the outbox's columns the admin's page reads: not
// the body.
var mailListColumns = []string{"id", "event_seq", "user_id", "address", "subject", "attempts", "next_at", "sent_at",
	"last_error", "created_at", "failed_at"}

// CountMail counts the pending and failed mail and the mail sent since
// sentSince, in one statement over the rows not sent or sent since (the
// index mail_outbox_due leads with sent_at).
func (d *DB) CountMail(ctx context.Context, sentSince time.Time) (workflow.MailCounts, error) {
	var c struct{ Pending, Failed, Sent int64 }
	err := d.reader(ctx).q(ctx).Model(&mailOutboxRow{}).
		Select(`COALESCE(SUM(CASE WHEN sent_at = 0 AND failed_at = 0 THEN 1 ELSE 0 END), 0) AS pending,
			COALESCE(SUM(CASE WHEN sent_at = 0 AND failed_at <> 0 THEN 1 ELSE 0 END), 0) AS failed,
			COALESCE(SUM(CASE WHEN sent_at <> 0 THEN 1 ELSE 0 END), 0) AS sent`).
		Where("sent_at = 0 OR sent_at >= ?", millis(sentSince)).Scan(&c).Error
	if err != nil {
		return workflow.MailCounts{}, d.translate(err, "count mail")
	}
	return workflow.MailCounts{Pending: int(c.Pending), Failed: int(c.Failed), Sent: int(c.Sent), SentSince: sentSince}, nil
}

// mailCursor reads a cursor of ListMail: "f" or "p" (the failed or the
// pending part) and the id the page starts below.
func mailCursor(s string) (failed bool, below int64, err error) {
	if s == "" {
		return false, 0, nil
	}
	id, perr := strconv.ParseInt(s[1:], 10, 64)
	if perr != nil || id <= 0 || (s[0] != 'f' && s[0] != 'p') {
		return false, 0, workflow.Errorf(workflow.EINVALID, "cursor %q is not one this server wrote", s).On("cursor")
	}
	return s[0] == 'f', id, nil
}

// ListMail returns a page of the unsent mail of q in one statement: the
// failed first, then the pending, each newest first.
func (d *DB) ListMail(ctx context.Context, q workflow.MailQuery) ([]workflow.OutboxMail, string, error) {
	failed, below, err := mailCursor(q.Cursor)
	if err != nil {
		return nil, "", err
	}
	g := d.reader(ctx).q(ctx).Select(mailListColumns).Where("sent_at = 0")
	switch q.State {
	case workflow.MailFailed:
		g = g.Where("failed_at <> 0")
	case workflow.MailPending:
		g = g.Where("failed_at = 0")
	}
	switch {
	case below == 0:
	case failed:
		g = g.Where("(failed_at <> 0 AND id < ?) OR failed_at = 0", below)
	default:
		g = g.Where("failed_at = 0 AND id < ?", below)
	}
	var rows []mailOutboxRow
	err = g.Order("CASE WHEN failed_at <> 0 THEN 0 ELSE 1 END, id DESC").Limit(q.Limit + 1).Find(&rows).Error
	if err != nil {
		return nil, "", d.translate(err, "list mail")
	}
	next := ""
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		last := rows[len(rows)-1]
		next = map[bool]string{true: "f", false: "p"}[last.FailedAt != 0] + strconv.FormatInt(last.ID, 10)
	}
	out := make([]workflow.OutboxMail, len(rows))
	for i, r := range rows {
		out[i] = workflow.OutboxMail{Notification: workflow.Notification{ID: r.ID, EventSeq: r.EventSeq, UserID: r.UserID,
			Address: r.Address, Subject: r.Subject, Attempts: r.Attempts, NextAt: fromMillis(r.NextAt), LastError: r.LastError},
			State: workflow.MailPending, CreatedAt: fromMillis(r.CreatedAt), FailedAt: fromMillis(r.FailedAt)}
		if r.FailedAt != 0 {
			out[i].State = workflow.MailFailed
		}
	}
	return out, next, nil
}

// FailedMailTo returns the mail to userID refused for good, newest
// refusal first, in one statement over the unsent rows (the index
// mail_outbox_due leads with sent_at: the unsent are the few).
func (d *DB) FailedMailTo(ctx context.Context, userID string, limit int) ([]workflow.OutboxMail, error) {
	var rows []mailOutboxRow
	err := d.reader(ctx).q(ctx).Select(mailListColumns).Where("sent_at = 0 AND failed_at <> 0 AND user_id = ?", userID).
		Order("failed_at DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, d.translate(err, "failed mail of %s", userID)
	}
	out := make([]workflow.OutboxMail, len(rows))
	for i, r := range rows {
		out[i] = workflow.OutboxMail{Notification: workflow.Notification{ID: r.ID, EventSeq: r.EventSeq, UserID: r.UserID,
			Address: r.Address, Subject: r.Subject, Attempts: r.Attempts, NextAt: fromMillis(r.NextAt), LastError: r.LastError},
			State: workflow.MailFailed, CreatedAt: fromMillis(r.CreatedAt), FailedAt: fromMillis(r.FailedAt)}
	}
	return out, nil
}

// RetryMail makes failed mail id due at now to its user's current
// address, with its audit event (workflow.MailRetried), in one
// transaction; the update is guarded by the failure it read, so of two
// clicks (or two instances) one retries and the other finds nothing.
func (d *DB) RetryMail(ctx context.Context, actorID string, id int64, seen, now time.Time) (bool, error) {
	var done bool
	err := d.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		var r mailOutboxRow
		if err := d.writer(ctx).q(ctx).Select(mailListColumns).Where("id = ?", id).Take(&r).Error; err != nil {
			return d.translate(err, "mail %d", id)
		}
		if r.SentAt != 0 || r.FailedAt == 0 || (!seen.IsZero() && r.FailedAt != millis(seen)) {
			return nil
		}
		s, err := d.UserMail(ctx, r.UserID)
		switch {
		case err != nil:
			return err
		case s.Email == "":
			return workflow.Errorf(workflow.ECONFLICT, "user %s has no e-mail address now: set one first", r.UserID)
		case s.Off:
			return workflow.Errorf(workflow.ECONFLICT, "user %s has turned the e-mail notifications off", r.UserID)
		}
		res := d.writer(ctx).q(ctx).Model(&mailOutboxRow{}).Where("id = ? AND sent_at = 0 AND failed_at = ?", id, r.FailedAt).
			Updates(map[string]any{"failed_at": 0, "next_at": millis(now), "address": s.Email, "attempts": 0, "last_error": ""})
		if res.Error != nil {
			return d.translate(res.Error, "retry mail %d", id)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		done = true
		n := workflow.Notification{ID: r.ID, UserID: r.UserID, Address: r.Address, LastError: r.LastError}
		return tx.AppendEvent(ctx, workflow.MailRetried(actorID, n, s.Email, now))
	})
	if err != nil {
		return false, err
	}
	return done, nil
}
