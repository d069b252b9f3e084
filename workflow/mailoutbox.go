package workflow

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// EventMailRetried: an admin made a notification the SMTP server had
// refused for good due again ("Gửi lại" on the outbox page, POST
// /mail/{id}/retry). Data: mail (the outbox row's id), user (whom it is
// for), address (where it goes now), refused_address when that differs
// (the address the server refused), refused (the server's answer). A
// kind of its own, not user: no account changed.
const EventMailRetried EventKind = "mail_retried"

// MailState is where a notification of the outbox is.
type MailState string

const (
	MailPending MailState = "pending" // not sent yet, tried again after its next_at
	MailFailed  MailState = "failed"  // refused for good: never sent again unless an admin retries it
	MailSent    MailState = "sent"
)

// OutboxMail is a notification as the admin's outbox page shows it: its
// subject (what the notifier wrote there: a classified document's
// subject line names no trích yếu), never its body.
type OutboxMail struct {
	Notification
	State     MailState
	CreatedAt time.Time
	FailedAt  time.Time // zero unless failed
}

// MailCounts are the outbox's counts: pending and failed mail in all,
// mail sent since the count's start.
type MailCounts struct {
	Pending, Failed, Sent int
	SentSince             time.Time
}

// MailQuery selects a page of the outbox: State pending or failed (""
// = both, the failed first), each newest first; Cursor the page's
// start (the previous page's next, "" = the first); Limit its size.
type MailQuery struct {
	State  MailState
	Cursor string
	Limit  int
}

// MailOutboxStore reads the outbox and retries a failed mail
// (storage/gormdb.DB).
type MailOutboxStore interface {
	// CountMail counts the pending and failed mail, and the mail sent
	// since sentSince, in one statement.
	CountMail(ctx context.Context, sentSince time.Time) (MailCounts, error)
	// ListMail returns a page of q in one statement and the cursor of
	// the next page ("" on the last). EINVALID for a cursor it did not
	// write.
	ListMail(ctx context.Context, q MailQuery) ([]OutboxMail, string, error)
	// RetryMail makes failed mail id due at now, to the current address
	// of the user it is for, and appends EventMailRetried by actorID, in
	// one transaction. seen, when not zero, is when the failure the admin
	// was shown happened: a mail no longer failed, or failed at another
	// time since, is left alone and RetryMail reports false (a second
	// click). ENOTFOUND for no such mail; ECONFLICT when its user has no
	// address now or turned the notifications off.
	RetryMail(ctx context.Context, actorID string, id int64, seen, now time.Time) (bool, error)
}

// MailAdmin shows the outbox to the admins and lets them send a mail
// refused for good again.
type MailAdmin struct {
	Store MailOutboxStore
	Now   func() time.Time
	// SentDays is how many days back the sent mail is counted (0 = 7).
	SentDays int
}

func (m *MailAdmin) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func requireMailAdmin(actor *User) error {
	if actor == nil || actor.Disabled || !actor.Has(RoleAdmin) {
		return Errorf(EFORBIDDEN, "the mail outbox is for admins")
	}
	return nil
}

// Counts counts the outbox for the actor (an admin: EFORBIDDEN
// otherwise).
func (m *MailAdmin) Counts(ctx context.Context, actor *User) (MailCounts, error) {
	if err := requireMailAdmin(actor); err != nil {
		return MailCounts{}, err
	}
	days := m.SentDays
	if days <= 0 {
		days = 7
	}
	c, err := m.Store.CountMail(ctx, m.now().AddDate(0, 0, -days))
	if err != nil {
		return MailCounts{}, fmt.Errorf("count mail: %w", err)
	}
	return c, nil
}

// List returns a page of the outbox for the actor (an admin), and the
// next page's cursor. EINVALID on state for a state other than pending
// or failed.
func (m *MailAdmin) List(ctx context.Context, actor *User, q MailQuery) ([]OutboxMail, string, error) {
	if err := requireMailAdmin(actor); err != nil {
		return nil, "", err
	}
	switch q.State {
	case "", MailPending, MailFailed:
	default:
		return nil, "", Errorf(EINVALID, "state must be pending or failed").On("state")
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	ms, next, err := m.Store.ListMail(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("list mail: %w", err)
	}
	return ms, next, nil
}

// Retry makes failed mail id due again, to its user's current address
// (RetryMail), as the actor (an admin). It reports false when there was
// nothing to retry: already retried (a double click) or no longer
// failed.
func (m *MailAdmin) Retry(ctx context.Context, actor *User, id int64, seen time.Time) (bool, error) {
	if err := requireMailAdmin(actor); err != nil {
		return false, err
	}
	ok, err := m.Store.RetryMail(ctx, actor.ID, id, seen, m.now())
	if err != nil {
		return false, fmt.Errorf("retry mail %d: %w", id, err)
	}
	return ok, nil
}

// MailRetried is the audit event of actorID retrying mail n, refused
// for good, to address.
func MailRetried(actorID string, n Notification, address string, at time.Time) *Event {
	data := map[string]string{"mail": strconv.FormatInt(n.ID, 10), "user": n.UserID, "address": address, "refused": n.LastError}
	if n.Address != address {
		data["refused_address"] = n.Address
	}
	return &Event{Kind: EventMailRetried, Actor: actorID, At: at, Data: data}
}

// UserFailedMail is implemented by stores that say which notifications
// to one user the SMTP server refused for good (storage/gormdb.DB): the
// user's own account page says so, where before only the admin's outbox
// did.
type UserFailedMail interface {
	// FailedMailTo returns the notifications to user userID refused for
	// good and not retried since, newest refusal first, at most limit,
	// in one statement (never a body).
	FailedMailTo(ctx context.Context, userID string, limit int) ([]OutboxMail, error)
}
