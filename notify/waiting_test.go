package notify

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestComposeWaiting: the outgoing documents waiting follow the incoming
// work in the same mail, each with what it waits for, how long and since
// when, a classified one without its subject; alone, they make a mail of
// their own; the subject line counts them.
func TestComposeWaiting(t *testing.T) {
	now := time.Date(2026, 12, 7, 7, 30, 0, 0, workflow.Vietnam)
	today := workflow.VietnamDate(now)
	due := today.AddDays(-1)
	work := []workflow.DueWork{{UserID: "u-o1", Document: &workflow.Document{ID: "d-late", Direction: workflow.Incoming, Type: workflow.CongVan,
		Subject: "Báo cáo tình hình thu ngân sách", Confidentiality: workflow.Public, DueDate: &due, OriginalNumber: "1234/UBND-KT", Number: 41}}}
	out := func(id, subject string, conf workflow.Confidentiality, a workflow.Action, ago time.Duration) workflow.Waiting {
		return workflow.Waiting{UserID: "u-o1", Action: a, Since: now.Add(-ago), Document: &workflow.Document{ID: id,
			Direction: workflow.Outgoing, Type: "QĐ", Subject: subject, Confidentiality: conf}}
	}
	waiting := []workflow.Waiting{
		out("d-review", "Quyết định phê duyệt\nkế hoạch chuyển đổi số", workflow.Public, workflow.Approve, 80*time.Hour),
		out("d-secret", "Phương án bảo vệ mục tiêu", workflow.Secret, workflow.Sign, 50*time.Hour),
		out("d-issue", "Quyết định khen thưởng", workflow.Public, workflow.Issue, 47*time.Hour),
	}
	m := compose(Planned{Kind: workflow.RemindDue, Work: work, Waiting: waiting}, now, "https://vanthu.binhthuy.test/")
	if want := "[vanthu] Nhắc hạn xử lý: 1 văn bản quá hạn; 3 văn bản đi chờ bạn xử lý"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	golden(t, "reminder-waiting.txt", m.Body)
	if strings.Contains(m.Body, "Phương án bảo vệ") {
		t.Error("a classified document's subject is mailed")
	}
	alone := compose(Planned{Kind: workflow.RemindDue, Waiting: waiting[2:]}, now, "https://vanthu.binhthuy.test")
	if want := "[vanthu] Nhắc việc: 1 văn bản đi chờ bạn xử lý"; alone.Subject != want {
		t.Errorf("subject %q, want %q", alone.Subject, want)
	}
	golden(t, "waiting.txt", alone.Body)
	summary := compose(Planned{Kind: workflow.RemindOverdue, Work: work, Waiting: waiting[:1]}, now, "")
	if want := "[vanthu] Văn bản quá hạn xử lý: 1 văn bản do bạn giao; 1 văn bản đi chờ bạn xử lý"; summary.Subject != want ||
		strings.Count(summary.Body, "\n-- \n") != 1 || !strings.Contains(summary.Body, "Chờ duyệt đã 3 ngày") {
		t.Errorf("summary %q:\n%s", summary.Subject, summary.Body)
	}
}

// planStore is a workflow.ReminderStore answering from fixed lists and
// recording what it was asked.
type planStore struct {
	due, overdue []workflow.DueWork
	waiting      []workflow.Waiting
	since        []time.Time
	purged       []string
	queued       []string
}

func (s *planStore) DueWork(context.Context, workflow.Date) ([]workflow.DueWork, error) {
	return s.due, nil
}

func (s *planStore) OverdueByAssigner(context.Context, workflow.Date) ([]workflow.DueWork, error) {
	return s.overdue, nil
}

func (s *planStore) WaitingOutgoing(_ context.Context, since time.Time) ([]workflow.Waiting, error) {
	s.since = append(s.since, since)
	return s.waiting, nil
}

func (s *planStore) PurgeReminders(_ context.Context, before workflow.Date, limit int) (int64, error) {
	s.purged = append(s.purged, before.String())
	if len(s.purged) < 3 {
		return int64(limit), nil
	}
	return 0, nil
}

func (s *planStore) QueueReminder(_ context.Context, _ workflow.Date, kind workflow.ReminderKind, n int, m workflow.Notification) (bool, error) {
	s.queued = append(s.queued, m.UserID+" "+string(kind)+" "+m.Subject)
	return true, nil
}

// TestRunWaiting: the outgoing documents waiting on a user go in their
// mail of the day — a handler's reminder, an official's summary — or in
// one of their own; never a second mail; none with Wait 0; the store is
// asked for those waiting since Wait ago; the run then forgets the
// reminders of before 60 days ago, batch after batch.
func TestRunWaiting(t *testing.T) {
	now := time.Date(2026, 12, 7, 7, 30, 0, 0, workflow.Vietnam)
	due := workflow.VietnamDate(now)
	in := func(user, id string) workflow.DueWork {
		return workflow.DueWork{UserID: user, Address: user + "@quan.test", Handler: "h",
			Document: &workflow.Document{ID: id, Direction: workflow.Incoming, DueDate: &due}}
	}
	wait := func(user, id string, a workflow.Action) workflow.Waiting {
		return workflow.Waiting{UserID: user, Address: user + "@quan.test", Action: a, Since: now.Add(-72 * time.Hour),
			Document: &workflow.Document{ID: id, Direction: workflow.Outgoing}}
	}
	newStore := func() *planStore {
		return &planStore{
			due:     []workflow.DueWork{in("u-h1", "d-1")},
			overdue: []workflow.DueWork{in("u-boss", "d-1")},
			waiting: []workflow.Waiting{wait("u-boss", "d-2", workflow.Approve), wait("u-boss", "d-3", workflow.Sign),
				wait("u-clerk", "d-4", workflow.Issue), wait("u-clerk", "d-5", workflow.Issue)},
		}
	}
	st := newStore()
	r := &Reminder{Store: st, Now: func() time.Time { return now }, Wait: 48 * time.Hour}
	if n, err := r.Run(context.Background()); err != nil || n != 3 {
		t.Fatalf("queued %d, %v; want 3", n, err)
	}
	want := []string{
		"u-h1 due [vanthu] Nhắc hạn xử lý: 1 văn bản sắp đến hạn",
		"u-boss overdue [vanthu] Văn bản quá hạn xử lý: 1 văn bản do bạn giao; 2 văn bản đi chờ bạn xử lý",
		"u-clerk due [vanthu] Nhắc việc: 2 văn bản đi chờ bạn xử lý",
	}
	if !reflect.DeepEqual(st.queued, want) {
		t.Errorf("queued %q,\nwant %q", st.queued, want)
	}
	if len(st.since) != 1 || !st.since[0].Equal(now.Add(-48*time.Hour)) {
		t.Errorf("asked for the documents waiting since %v, want %s", st.since, now.Add(-48*time.Hour))
	}
	if w := []string{"2026-10-08", "2026-10-08", "2026-10-08"}; !reflect.DeepEqual(st.purged, w) {
		t.Errorf("purged before %v, want %v (60 days, until a batch is short)", st.purged, w)
	}
	st = newStore()
	r = &Reminder{Store: st, Now: func() time.Time { return now }}
	if n, err := r.Run(context.Background()); err != nil || n != 2 || st.since != nil {
		t.Errorf("Wait 0: queued %d (%v), asked for the waiting %v; want 2, not asked", n, err, st.since)
	}
}
