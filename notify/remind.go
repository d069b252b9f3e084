package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Reminder queues the daily deadline reminders (nhắc hạn xử lý): to each
// handler with incoming documents assigned to them, not completed, due
// today or tomorrow or overdue, one mail listing them, most late first;
// to each user who assigned documents now overdue, one summary of them.
// The outgoing documents that have waited on a user for Wait or longer
// (workflow.WaitingOutgoing: to review, sign or issue) are listed in
// that user's mail of the day, or in one of their own when there is
// none: never a second mail for them. The store queues a user's reminder
// of a kind once a day whoever runs it (mail_reminders); the Notifier
// sends it like any other mail. Each run deletes the rows of
// mail_reminders older than KeepReminders days.
type Reminder struct {
	Store     workflow.ReminderStore
	PublicURL string
	Log       *slog.Logger
	Now       func() time.Time
	// At is the time of day (Vietnam) from which the day's reminders are
	// due: RunDue queues nothing earlier.
	At time.Duration
	// Wait is how long an outgoing document waits on a user before it is
	// listed in their reminder (VANTHU_REMINDER_WAIT); 0: never.
	Wait time.Duration

	done workflow.Date // the last day RunDue queued (or found queued)
}

// KeepReminders is how many days the rows of mail_reminders are kept: a
// row only stops a second reminder of its own day, and tells the
// operator what was queued lately. PurgeBatch rows are deleted a
// statement, at most PurgeBatches statements a run.
const (
	KeepReminders = 60
	PurgeBatch    = 1000
	PurgeBatches  = 10
)

// Planned is one user's reminder of a kind of a day: the incoming work
// due (Work) and the outgoing documents waiting on them (Waiting).
type Planned struct {
	Kind     workflow.ReminderKind
	UserID   string
	UserName string
	Address  string
	Work     []workflow.DueWork
	Waiting  []workflow.Waiting
	Mail     Message
}

// Plan returns today's reminders (Vietnam calendar day of Now): to each
// handler with something due, then to each user who assigned something
// overdue, in the order of the store, then to each user with only
// outgoing documents waiting; the outgoing ones go with the user's first.
func (r *Reminder) Plan(ctx context.Context) (workflow.Date, []Planned, error) {
	now := r.now()
	today := workflow.VietnamDate(now)
	due, err := r.Store.DueWork(ctx, today.AddDays(1))
	if err != nil {
		return today, nil, err
	}
	overdue, err := r.Store.OverdueByAssigner(ctx, today)
	if err != nil {
		return today, nil, err
	}
	out := plan(nil, workflow.RemindDue, due)
	out = plan(out, workflow.RemindOverdue, overdue)
	if r.Wait > 0 {
		waiting, err := r.Store.WaitingOutgoing(ctx, now.Add(-r.Wait))
		if err != nil {
			return today, nil, err
		}
		out = planWaiting(out, waiting)
	}
	for i := range out {
		out[i].Mail = compose(out[i], now, r.PublicURL)
	}
	return today, out, nil
}

// plan appends to out a reminder of kind per user of work (grouped by
// user).
func plan(out []Planned, kind workflow.ReminderKind, work []workflow.DueWork) []Planned {
	for i, w := range work {
		if i == 0 || w.UserID != work[i-1].UserID {
			out = append(out, Planned{Kind: kind, UserID: w.UserID, UserName: w.UserName, Address: w.Address})
		}
		p := &out[len(out)-1]
		p.Work = append(p.Work, w)
	}
	return out
}

// planWaiting adds the outgoing documents waiting (grouped by user) to
// each user's first reminder of out, or to a reminder of their own
// (RemindDue, the kind a user gets for their own work).
func planWaiting(out []Planned, waiting []workflow.Waiting) []Planned {
	first := map[string]int{}
	for i := len(out) - 1; i >= 0; i-- {
		first[out[i].UserID] = i
	}
	for _, w := range waiting {
		i, ok := first[w.UserID]
		if !ok {
			i = len(out)
			first[w.UserID] = i
			out = append(out, Planned{Kind: workflow.RemindDue, UserID: w.UserID, UserName: w.UserName, Address: w.Address})
		}
		out[i].Waiting = append(out[i].Waiting, w)
	}
	return out
}

// Run queues today's reminders and says how many it queued: none to a
// user whose reminder of today was queued already. Then it deletes the
// reminders' rows older than KeepReminders days.
func (r *Reminder) Run(ctx context.Context) (int, error) {
	today, plan, err := r.Plan(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, p := range plan {
		n := workflow.Notification{UserID: p.UserID, Address: p.Address, Subject: p.Mail.Subject, Body: p.Mail.Body}
		ok, err := r.Store.QueueReminder(ctx, today, p.Kind, len(p.Work)+len(p.Waiting), n)
		if err != nil {
			return queued, err
		}
		if ok {
			queued++
		}
	}
	if queued > 0 && r.Log != nil {
		r.Log.InfoContext(ctx, "deadline reminders queued", "day", today.String(), "mails", queued)
	}
	return queued, r.purge(ctx, today)
}

// purge deletes the rows of mail_reminders of the days before
// KeepReminders days ago, at most PurgeBatches batches.
func (r *Reminder) purge(ctx context.Context, today workflow.Date) error {
	before, total := today.AddDays(-KeepReminders), int64(0)
	for range PurgeBatches {
		k, err := r.Store.PurgeReminders(ctx, before, PurgeBatch)
		if err != nil {
			return err
		}
		if total += k; k < PurgeBatch {
			break
		}
	}
	if total > 0 && r.Log != nil {
		r.Log.InfoContext(ctx, "old reminders forgotten", "rows", total, "before", before.String())
	}
	return nil
}

// RunDue runs the reminders of today once At has passed (Vietnam time),
// unless it ran them today already. A day the server was down at At is
// run when it comes back that day; past days are never run.
func (r *Reminder) RunDue(ctx context.Context) error {
	now := r.now()
	today := workflow.VietnamDate(now)
	if r.done == today || now.Before(today.Midnight(workflow.Vietnam).Add(r.At)) {
		return nil
	}
	if _, err := r.Run(ctx); err != nil {
		return err
	}
	r.done = today
	return nil
}

func (r *Reminder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// ComposeReminder writes a handler's reminder of day today: the work due,
// in its order (most late first). A classified document's subject is
// never written (as Compose).
func ComposeReminder(work []workflow.DueWork, today workflow.Date, publicURL string) Message {
	late, soon := 0, 0
	for _, w := range work {
		if workflow.DaysLate(*w.Document.DueDate, today) > 0 {
			late++
		} else {
			soon++
		}
	}
	var counts []string
	if late > 0 {
		counts = append(counts, fmt.Sprintf("%d văn bản quá hạn", late))
	}
	if soon > 0 {
		counts = append(counts, fmt.Sprintf("%d văn bản sắp đến hạn", soon))
	}
	subject := "[vanthu] Nhắc hạn xử lý: " + strings.Join(counts, ", ")
	var b strings.Builder
	fmt.Fprintf(&b, "Nhắc hạn xử lý văn bản, ngày %s.\n\n", today.Format("02/01/2006"))
	fmt.Fprintf(&b, "Văn bản đến được giao cho bạn chưa hoàn thành xử lý: %s.\n", strings.Join(counts, ", "))
	for i, w := range work {
		b.WriteString("\n")
		writeDue(&b, i+1, w, today, publicURL)
	}
	b.WriteString("\n-- \nThư tự động của hệ thống quản lý văn bản (vanthu), gửi mỗi ngày khi có văn bản sắp đến hạn hoặc quá hạn. Tắt thông báo trên trang Tài khoản.\n")
	return Message{Subject: subject, Body: b.String()}
}

// writeDue writes item i of a reminder: d's deadline, what it is, its
// link.
func writeDue(b *strings.Builder, i int, w workflow.DueWork, today workflow.Date, publicURL string) {
	d := w.Document
	due := d.DueDate.Format("02/01/2006")
	switch late := workflow.DaysLate(*d.DueDate, today); {
	case late > 0:
		fmt.Fprintf(b, "%d. Quá hạn %d ngày (hạn xử lý %s)\n", i, late, due)
	case late == 0:
		fmt.Fprintf(b, "%d. Đến hạn hôm nay (hạn xử lý %s)\n", i, due)
	default:
		fmt.Fprintf(b, "%d. Đến hạn ngày mai (hạn xử lý %s)\n", i, due)
	}
	kind := workflow.DocTypes[d.Type]
	if kind == "" {
		kind = "Văn bản"
	}
	ref := kind
	if d.OriginalNumber != "" {
		ref += " số " + d.OriginalNumber
	}
	if d.Number > 0 {
		ref += fmt.Sprintf(" (số đến %d)", d.Number)
	}
	fmt.Fprintf(b, "   %s\n", ref)
	if d.Sender != nil && d.Sender.Name != "" {
		fmt.Fprintf(b, "   Cơ quan gửi: %s\n", d.Sender.Name)
	}
	if w.Handler != "" {
		fmt.Fprintf(b, "   Người xử lý: %s\n", w.Handler)
	}
	if d.Confidentiality.Classified() {
		b.WriteString("   Độ mật: văn bản mật — trích yếu không gửi qua thư điện tử; xem văn bản trên hệ thống.\n")
	} else {
		fmt.Fprintf(b, "   Trích yếu: %s\n", oneLine(d.Subject))
	}
	if publicURL != "" {
		fmt.Fprintf(b, "   Xem văn bản: %s/documents/%s\n", strings.TrimRight(publicURL, "/"), d.ID)
	}
}

// ComposeOverdueSummary writes the summary of day today to a user who
// assigned the overdue documents of work (most late first): each with
// its handler.
func ComposeOverdueSummary(work []workflow.DueWork, today workflow.Date, publicURL string) Message {
	subject := fmt.Sprintf("[vanthu] Văn bản quá hạn xử lý: %d văn bản do bạn giao", len(work))
	var b strings.Builder
	fmt.Fprintf(&b, "Tổng hợp văn bản quá hạn xử lý, ngày %s.\n\n", today.Format("02/01/2006"))
	fmt.Fprintf(&b, "Văn bản đến do bạn giao xử lý đã quá hạn mà chưa hoàn thành: %d văn bản.\n", len(work))
	for i, w := range work {
		b.WriteString("\n")
		writeDue(&b, i+1, w, today, publicURL)
	}
	b.WriteString("\n-- \nThư tự động của hệ thống quản lý văn bản (vanthu), gửi mỗi ngày khi có văn bản quá hạn. Tắt thông báo trên trang Tài khoản.\n")
	return Message{Subject: subject, Body: b.String()}
}
