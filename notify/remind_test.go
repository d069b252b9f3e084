package notify

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

var update = flag.Bool("update", false, "rewrite testdata/reminder.txt and testdata/overdue.txt")

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("body:\n%s\nwant (%s):\n%s", got, path, want)
	}
}

// TestComposeReminder: the reminder lists the work in its order with how
// late each is, a classified document without its subject, the links;
// the subject line counts the overdue and the nearly due.
func TestComposeReminder(t *testing.T) {
	today := workflow.NewDate(2026, 12, 7)
	day := func(n int) *workflow.Date { d := today.AddDays(n); return &d }
	doc := func(id string, due *workflow.Date, conf workflow.Confidentiality, subject, number string) workflow.DueWork {
		return workflow.DueWork{UserID: "u-h1", Document: &workflow.Document{ID: id, Direction: workflow.Incoming, Type: workflow.CongVan,
			Subject: subject, Confidentiality: conf, DueDate: due, OriginalNumber: number, Number: 41,
			Sender: &workflow.Org{Name: "UBND thành phố Cần Thơ"}}}
	}
	work := []workflow.DueWork{
		doc("d-late", day(-3), workflow.Public, "Báo cáo tình hình\nthu ngân sách quý IV", "1234/UBND-KT"),
		doc("d-secret", day(-1), workflow.Secret, "Kế hoạch bảo vệ bí mật", "12/KH-CA"),
		doc("d-today", day(0), workflow.Public, "Góp ý dự thảo quy chế", ""),
		doc("d-tomorrow", day(1), workflow.Public, "Mời họp giao ban", "88/GM-UBND"),
	}
	m := ComposeReminder(work, today, "https://vanthu.binhthuy.test/")
	if want := "[vanthu] Nhắc hạn xử lý: 2 văn bản quá hạn, 2 văn bản sắp đến hạn"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	golden(t, "reminder.txt", m.Body)
	if soon := ComposeReminder(work[3:], today, ""); soon.Subject != "[vanthu] Nhắc hạn xử lý: 1 văn bản sắp đến hạn" {
		t.Errorf("only nearly due: subject %q", soon.Subject)
	}
}

// TestComposeOverdueSummary: the summary to whoever assigned overdue
// documents names each one's handler; a classified one without its
// subject.
func TestComposeOverdueSummary(t *testing.T) {
	today := workflow.NewDate(2026, 12, 7)
	day := func(n int) *workflow.Date { d := today.AddDays(n); return &d }
	work := []workflow.DueWork{
		{UserID: "u-boss", Handler: "Trần Văn Bình", Document: &workflow.Document{ID: "d-late", Direction: workflow.Incoming, Type: "BC",
			Subject: "Báo cáo kết quả giải ngân", Confidentiality: workflow.Public, DueDate: day(-5), OriginalNumber: "45/BC-STC", Number: 12}},
		{UserID: "u-boss", Handler: "Lê Thị Hoa", Document: &workflow.Document{ID: "d-secret", Direction: workflow.Incoming, Type: workflow.CongVan,
			Subject: "Phương án bảo vệ", Confidentiality: workflow.Confidential, DueDate: day(-1), Number: 13}},
	}
	m := ComposeOverdueSummary(work, today, "https://vanthu.binhthuy.test")
	if want := "[vanthu] Văn bản quá hạn xử lý: 2 văn bản do bạn giao"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	golden(t, "overdue.txt", m.Body)
}

// remindStore is a workflow.ReminderStore of function fields.
type remindStore struct {
	due   func(through workflow.Date) []workflow.DueWork
	queue func(day workflow.Date, n workflow.Notification) bool
}

func (s remindStore) DueWork(_ context.Context, through workflow.Date) ([]workflow.DueWork, error) {
	return s.due(through), nil
}

func (s remindStore) OverdueByAssigner(context.Context, workflow.Date) ([]workflow.DueWork, error) {
	return nil, nil
}

func (remindStore) WaitingOutgoing(context.Context, time.Time) ([]workflow.Waiting, error) {
	return nil, nil
}

func (remindStore) PurgeReminders(context.Context, workflow.Date, int) (int64, error) {
	return 0, nil
}

func (s remindStore) QueueReminder(_ context.Context, day workflow.Date, _ workflow.ReminderKind, _ int, n workflow.Notification) (bool, error) {
	return s.queue(day, n), nil
}

// TestReminderRunDue: the day's reminders are queued from At (Vietnam
// time) on, once a day by an instance; a day the server came back after
// At is run that day; days missed before are never run; the work read is
// the work due by tomorrow.
func TestReminderRunDue(t *testing.T) {
	vn := workflow.Vietnam
	var now time.Time
	var runs []string
	due := workflow.NewDate(2026, 12, 1)
	st := remindStore{
		due: func(through workflow.Date) []workflow.DueWork {
			runs = append(runs, through.String())
			return []workflow.DueWork{{UserID: "u-h1", Address: "h1@quan.test",
				Document: &workflow.Document{ID: "d-1", Direction: workflow.Incoming, DueDate: &due}}}
		},
		queue: func(workflow.Date, workflow.Notification) bool { return true },
	}
	r := &Reminder{Store: st, Now: func() time.Time { return now }, At: 7*time.Hour + 30*time.Minute}
	for _, step := range []struct {
		at   time.Time
		want []string // the through dates read so far
	}{
		{time.Date(2026, 12, 7, 7, 29, 0, 0, vn), nil},
		{time.Date(2026, 12, 7, 7, 30, 0, 0, vn), []string{"2026-12-08"}},
		{time.Date(2026, 12, 7, 18, 0, 0, 0, vn), []string{"2026-12-08"}},
		// Down on the 8th and 9th at 07:30, back on the 10th at 10:00:
		// the 10th's reminders, not the 8th's nor the 9th's.
		{time.Date(2026, 12, 10, 10, 0, 0, 0, vn), []string{"2026-12-08", "2026-12-11"}},
		{time.Date(2026, 12, 10, 23, 59, 0, 0, vn), []string{"2026-12-08", "2026-12-11"}},
		// 00:30 UTC of the 11th is 07:30 in Vietnam.
		{time.Date(2026, 12, 11, 0, 30, 0, 0, time.UTC), []string{"2026-12-08", "2026-12-11", "2026-12-12"}},
	} {
		now = step.at
		if err := r.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(runs) != len(step.want) || (len(runs) > 0 && runs[len(runs)-1] != step.want[len(step.want)-1]) {
			t.Fatalf("at %s: read the work due by %v, want %v", step.at, runs, step.want)
		}
	}
}
