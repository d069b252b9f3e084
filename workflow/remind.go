package workflow

import (
	"context"
	"time"
)

// The deadline reminders (nhắc hạn xử lý; notify.Reminder, README
// "E-mail notifications"): once a day each handler is mailed the incoming
// documents assigned to them, not yet completed, whose processing
// deadline (DueDate) is today or tomorrow or has passed.

// RemindedStates are the states of an incoming document its handler is
// reminded of: assigned and not completed.
var RemindedStates = []State{Assigned, InProgress}

// DueWork is one document a handler is reminded of, with the handler's
// name and address.
type DueWork struct {
	UserID   string
	UserName string
	Address  string
	Document *Document
}

// ReminderStore reads the work due and queues the reminders
// (storage/gormdb.DB).
type ReminderStore interface {
	// DueWork returns the incoming documents in RemindedStates, with an
	// assignee, due on or before through, whose assignee is not disabled
	// and wants mail (an address, notifications on): by assignee, then
	// due date (most late first), then ID. It reads them in SQL.
	DueWork(ctx context.Context, through Date) ([]DueWork, error)
	// QueueReminder queues n, user n.UserID's reminder of day listing
	// documents documents, in the mail outbox, once: false (and nothing
	// queued) when that user's reminder of day was queued already, by
	// this or another instance.
	QueueReminder(ctx context.Context, day Date, documents int, n Notification) (bool, error)
}

// DaysLate is how many days past its due date a document is on day
// today (0: due today, -1: due tomorrow).
func DaysLate(due, today Date) int {
	return int(today.Midnight(time.UTC).Sub(due.Midnight(time.UTC)).Hours() / 24)
}
