package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Store is what the notifier reads and writes (storage/gormdb.DB).
type Store interface {
	MailCursor(ctx context.Context) (int64, bool, error)
	SetMailCursor(ctx context.Context, seq int64) error
	EventsAfter(ctx context.Context, after int64, limit int) ([]workflow.Event, error)
	AuditHead(ctx context.Context) (*workflow.Event, error)
	Document(ctx context.Context, id string) (*workflow.Document, error)
	User(ctx context.Context, id string) (*workflow.User, error)
	Users(ctx context.Context) ([]*workflow.User, error)
	UserMail(ctx context.Context, userID string) (workflow.MailSettings, error)
	EnqueueNotifications(ctx context.Context, ns []workflow.Notification) error
	DueNotifications(ctx context.Context, now time.Time, limit int) ([]workflow.Notification, error)
	NotificationSent(ctx context.Context, id int64, at time.Time) error
	NotificationFailed(ctx context.Context, id int64, attempts int, next time.Time, why string) error
	NotificationRefused(ctx context.Context, id int64, attempts int, at time.Time, why string) error
	PurgeSentMail(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Sender delivers one mail (*SMTP).
type Sender interface {
	// Send delivers n; an error that Refused reports is final (the
	// server refused the address or the message for good).
	Send(ctx context.Context, n workflow.Notification) error
}

// Notifier derives the mail owed from the audit trail and sends it. Run
// it on one instance at a time (serve holds the lease "mail" around each
// Run): two instances would send a mail twice.
type Notifier struct {
	Store     Store
	Sender    Sender
	PublicURL string
	Log       *slog.Logger
	Now       func() time.Time
	// RetryAfter is the wait after a first failed send (0 = 30 s),
	// doubled after each further one, at most an hour.
	RetryAfter time.Duration
	// KeepSent is how long a sent mail stays in the outbox (0 = for
	// ever); Run deletes older ones at most once per PurgeEvery.
	KeepSent time.Duration

	lastPurge time.Time
}

// PurgeEvery is how often Run deletes the sent mail older than KeepSent.
const PurgeEvery = time.Hour

// batch is how many events, or mails, one step reads.
const batch = 100

// Backoff is the wait after the n-th failed send of a mail (n ≥ 1):
// first, doubled each time, at most an hour. A mail is dropped only
// when the server refuses it for good (Refused).
func Backoff(n int, first time.Duration) time.Duration {
	d := first
	if d <= 0 {
		d = 30 * time.Second
	}
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Run derives the mail of the events appended since the last run, then
// sends what is due. The first run ever starts at the trail's head: the
// events before notifications were turned on tell nobody.
func (n *Notifier) Run(ctx context.Context) error {
	if err := n.Derive(ctx); err != nil {
		return err
	}
	if err := n.SendDue(ctx); err != nil {
		return err
	}
	return n.PurgeSent(ctx)
}

// PurgeSent deletes the mail sent more than KeepSent ago, a batch at a
// time, unless it did so less than PurgeEvery ago (or KeepSent is 0).
// The outbox's one row per event and user is what keeps a batch derived
// twice after a crash from mailing twice: those rows are minutes old,
// never KeepSent.
func (n *Notifier) PurgeSent(ctx context.Context) error {
	now := n.now()
	if n.KeepSent <= 0 || (!n.lastPurge.IsZero() && now.Sub(n.lastPurge) < PurgeEvery) {
		return nil
	}
	before, total := now.Add(-n.KeepSent), int64(0)
	for {
		k, err := n.Store.PurgeSentMail(ctx, before, batch)
		if err != nil {
			return err
		}
		if total += k; k < batch || ctx.Err() != nil {
			break
		}
	}
	n.lastPurge = now
	if total > 0 {
		n.Log.InfoContext(ctx, "sent mail deleted from the outbox", "mails", total, "sent_before", before)
	}
	return nil
}

// Derive stores the mail owed for the events after the cursor and moves
// the cursor past them, a batch at a time. A crash between the two
// derives the batch again: the outbox keeps one mail per event and user.
func (n *Notifier) Derive(ctx context.Context) error {
	cur, ok, err := n.Store.MailCursor(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return n.start(ctx)
	}
	var users []*workflow.User
	loadUsers := func() ([]*workflow.User, error) {
		if users != nil {
			return users, nil
		}
		var err error
		users, err = n.Store.Users(ctx)
		return users, err
	}
	for {
		events, err := n.Store.EventsAfter(ctx, cur, batch)
		if err != nil || len(events) == 0 {
			return err
		}
		var owed []workflow.Notification
		last := cur
		for _, e := range events {
			if e.Seq != last+1 {
				break // not yet visible: the next run reads it
			}
			ns, err := n.owed(ctx, e, loadUsers)
			if err != nil {
				return err
			}
			owed, last = append(owed, ns...), e.Seq
		}
		if last == cur {
			return nil
		}
		if err := n.Store.EnqueueNotifications(ctx, owed); err != nil {
			return err
		}
		if err := n.Store.SetMailCursor(ctx, last); err != nil {
			return err
		}
		cur = last
	}
}

// start sets the cursor at the head of the trail.
func (n *Notifier) start(ctx context.Context) error {
	var seq int64
	head, err := n.Store.AuditHead(ctx)
	if err != nil {
		return err
	}
	if head != nil {
		seq = head.Seq
	}
	return n.Store.SetMailCursor(ctx, seq)
}

// owed is the mail event e owes: one per target with an address who has
// not turned notifications off. users reads the accounts (once a run).
func (n *Notifier) owed(ctx context.Context, e workflow.Event, users func() ([]*workflow.User, error)) ([]workflow.Notification, error) {
	if e.DocumentID == "" || (e.Kind != workflow.EventTransition && e.Kind != workflow.EventDeliveryRefused && e.Kind != workflow.EventReassigned) {
		return nil, nil
	}
	d, err := n.Store.Document(ctx, e.DocumentID)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var all []*workflow.User
	if NeedsUsers(e) {
		if all, err = users(); err != nil {
			return nil, err
		}
	}
	var out []workflow.Notification
	var actor *workflow.User
	for _, t := range Targets(e, d, all) {
		s, err := n.Store.UserMail(ctx, t.UserID)
		if err != nil {
			return nil, err
		}
		if s.Email == "" || s.Off {
			continue
		}
		if actor == nil {
			if actor, err = n.Store.User(ctx, e.Actor); err != nil {
				actor = nil // a system action, or a user gone: the mail names nobody
			}
		}
		m := Compose(t.Reason, d, actor, e, n.PublicURL)
		out = append(out, workflow.Notification{EventSeq: e.Seq, UserID: t.UserID, Address: s.Email, Subject: m.Subject, Body: m.Body})
	}
	return out, nil
}

// SendDue sends the mail due now. A failed send is tried again after
// Backoff, one the server refused for good (Refused) never; the other
// mails go on. It stops at the first error of the
// store, or when ctx ends.
func (n *Notifier) SendDue(ctx context.Context) error {
	for {
		due, err := n.Store.DueNotifications(ctx, n.now(), batch)
		if err != nil || len(due) == 0 {
			return err
		}
		for _, m := range due {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := n.send(ctx, m); err != nil {
				return err
			}
		}
		if len(due) < batch {
			return nil
		}
	}
}

// send sends m and marks it: sent; refused for good (Refused: never sent
// again, logged once); or failed, to be tried again after Backoff. It
// returns the store's errors, or ctx's when it ends.
func (n *Notifier) send(ctx context.Context, m workflow.Notification) error {
	err := n.Sender.Send(ctx, m)
	switch {
	case err == nil:
		return n.Store.NotificationSent(ctx, m.ID, n.now())
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return ctx.Err()
	case Refused(err):
		m.Attempts++
		n.Log.WarnContext(ctx, "notification refused for good: not sent again", "id", m.ID, "to", m.Address, "user", m.UserID,
			"attempts", m.Attempts, "err", err)
		return n.Store.NotificationRefused(ctx, m.ID, m.Attempts, n.now(), err.Error())
	}
	m.Attempts++
	next := n.now().Add(Backoff(m.Attempts, n.RetryAfter))
	n.Log.WarnContext(ctx, "notification not sent", "id", m.ID, "to", m.Address, "attempts", m.Attempts, "next", next, "err", err)
	return n.Store.NotificationFailed(ctx, m.ID, m.Attempts, next, err.Error())
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}
