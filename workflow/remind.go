package workflow

import (
	"context"
	"time"
)

// The deadline reminders (nhắc hạn xử lý; notify.Reminder, README
// "E-mail notifications"): once a day each handler is mailed the incoming
// documents assigned to them, not yet completed, whose processing
// deadline (DueDate) is today or tomorrow or has passed; and each user
// who assigned documents now overdue, a summary of them. The same mail
// lists the outgoing documents that have waited on the user for a while
// (Waiting): to review and to sign for their named signer, to issue for
// the clerks.

// ReminderKind is which of a day's reminders a mail is: a user gets at
// most one of each a day.
type ReminderKind string

const (
	// RemindDue: to a handler, the work assigned to them due today or
	// tomorrow or overdue.
	RemindDue ReminderKind = "due"
	// RemindOverdue: to whoever assigned documents now overdue (an
	// official, or a clerk on their behalf), a summary of them.
	RemindOverdue ReminderKind = "overdue"
)

// RemindedStates are the states of an incoming document its handler is
// reminded of: assigned and not completed.
var RemindedStates = []State{Assigned, InProgress}

// DueWork is one document a user is reminded of, with the user's name
// and address: the handler's (RemindDue) or the assigner's
// (RemindOverdue, with the handler's name: Handler).
type DueWork struct {
	UserID   string
	UserName string
	Address  string
	Document *Document
	Handler  string
}

// ReminderStore reads the work due and queues the reminders
// (storage/gormdb.DB).
type ReminderStore interface {
	// DueWork returns the incoming documents in RemindedStates, with an
	// assignee, due on or before through, whose assignee is not disabled
	// and wants mail (an address, notifications on): by assignee, then
	// due date (most late first), then ID. It reads them in SQL.
	DueWork(ctx context.Context, through Date) ([]DueWork, error)
	// OverdueByAssigner returns the incoming documents in RemindedStates
	// due before day, each for the user who last assigned it (not
	// disabled, wanting mail), with its handler's name: by assigner, then
	// due date, then ID. It reads them in SQL.
	OverdueByAssigner(ctx context.Context, day Date) ([]DueWork, error)
	// QueueReminder queues n, user n.UserID's reminder of kind of day
	// listing documents documents, in the mail outbox, once: false (and
	// nothing queued) when it was queued already, by this or another
	// instance.
	QueueReminder(ctx context.Context, day Date, kind ReminderKind, documents int, n Notification) (bool, error)
	// WaitingOutgoing returns the outgoing documents in WaitingStates
	// that entered their state (their last transition into it) at or
	// before since, each for every user it waits on (WaitingOn; not
	// disabled, wanting mail, who may see it): by user, then longest
	// waiting first, then ID. It reads them in SQL, in a few statements
	// whatever their number.
	WaitingOutgoing(ctx context.Context, since time.Time) ([]Waiting, error)
	// PurgeReminders deletes at most limit rows of the reminders queued
	// on days before before (mail_reminders), oldest first, and says how
	// many it deleted.
	PurgeReminders(ctx context.Context, before Date, limit int) (int64, error)
}

// WaitingStates are the states of an outgoing document that wait on a
// person, with the action awaited: the named signer reviews a submitted
// draft (Approve) and signs it (Sign); a clerk numbers and issues a
// signed one (Issue). Any official may approve, but the document names
// the one who is to approve and sign it (reassignRules): only she is
// reminded.
var WaitingStates = map[State]Action{InReview: Approve, Approved: Sign, OfficerSigned: Issue}

// Waiting is an outgoing document that has waited on a user since Since
// (when it entered its state) for Action.
type Waiting struct {
	UserID   string
	UserName string
	Address  string
	Document *Document
	Action   Action
	Since    time.Time
}

// WaitingOn reports whether d, in one of WaitingStates, waits on u for
// the state's action: the inbox's rule (WaitsFor: the role, the party,
// who may see it, not disabled), the review narrowed to the named
// signer.
func WaitingOn(u *User, d *Document) (Action, bool) {
	a, ok := WaitingStates[d.State]
	if !ok || d.Direction != Outgoing || (d.State == InReview && d.SignerID != u.ID) {
		return "", false
	}
	return a, WaitsFor(u, d, a)
}

// DaysLate is how many days past its due date a document is on day
// today (0: due today, -1: due tomorrow).
func DaysLate(due, today Date) int {
	return int(today.Midnight(time.UTC).Sub(due.Midnight(time.UTC)).Hours() / 24)
}
