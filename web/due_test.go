package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestDueLeft: the days to a due date, in Vietnam's calendar days (late
// in the evening in UTC is already the next day there), for a document
// still to be handled; none for one handled, however late.
func TestDueLeft(t *testing.T) {
	now := time.Date(2026, 12, 6, 22, 30, 0, 0, time.UTC) // 05:30 on 7 December in Vietnam
	for _, tc := range []struct {
		name    string
		state   workflow.State
		due     string
		want    string
		overdue bool
	}{
		{"no due date", workflow.Assigned, "", "", false},
		{"in three days", workflow.Assigned, "2026-12-10", "còn 3 ngày", false},
		{"tomorrow", workflow.InProgress, "2026-12-08", "còn 1 ngày", false},
		{"today in Vietnam", workflow.Registered, "2026-12-07", "đến hạn hôm nay", false},
		{"yesterday in Vietnam, today in UTC", workflow.Assigned, "2026-12-06", "Quá hạn 1 ngày", true},
		{"long overdue", workflow.Received, "2026-11-20", "Quá hạn 17 ngày", true},
		{"across the new year", workflow.Assigned, "2027-01-10", "còn 34 ngày", false},
		{"completed late", workflow.Completed, "2026-11-20", "", false},
		{"archived", workflow.Archived, "2026-11-20", "", false},
		{"outgoing, in review late", workflow.InReview, "2026-12-01", "Quá hạn 6 ngày", true},
		{"outgoing, signed, due today", workflow.OfficerSigned, "2026-12-07", "đến hạn hôm nay", false},
		{"outgoing, issued late", workflow.Issued, "2026-12-01", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &workflow.Document{Direction: workflow.Incoming, State: tc.state}
			if strings.HasPrefix(tc.name, "outgoing") {
				d.Direction = workflow.Outgoing
			}
			if tc.due != "" {
				due, err := workflow.ParseDate(tc.due)
				if err != nil {
					t.Fatal(err)
				}
				d.DueDate = &due
			}
			if got := dueLeft(d, now); got != tc.want {
				t.Errorf("dueLeft = %q, want %q", got, tc.want)
			}
			if got := overdue(d, now); got != tc.overdue {
				t.Errorf("overdue = %v, want %v", got, tc.overdue)
			}
		})
	}
}

// TestPagesSayDaysLeft: the inbox, the list and the document page say
// how many days are left, or how many the document is late, beside its
// due date (they showed the date alone, and "Quá hạn" without by how
// much).
func TestPagesSayDaysLeft(t *testing.T) {
	e := newTestEnv(t) // 25/11/2026
	clerk := e.login("vanthu")
	soon := e.newIncoming(clerk, "Về việc đất đai phường An Bình", url.Values{"due_date": {"01/12/2026"}})
	late := e.newIncoming(clerk, "Về việc kiểm tra hồ sơ", url.Values{"due_date": {"20/11/2026"}})
	for _, path := range []string{"/", "/incoming"} {
		body := clerk.get(path).Body
		for _, want := range []string{"01/12/2026 <span class=\"due-left\">(còn 6 ngày)</span>", `20/11/2026 <strong class="overdue-mark">Quá hạn 5 ngày</strong>`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
	for id, want := range map[string]string{soon: "(còn 6 ngày)", late: "(Quá hạn 5 ngày)"} {
		if body := clerk.get("/documents/" + id).Body; !strings.Contains(body, `<span id="due-left">`+want+`</span>`) {
			t.Errorf("document page lacks %q", want)
		}
	}
}

// TestCompletedLate: an incoming document completed after its due date
// (31/12/2026) says on its page "Hoàn thành quá hạn N ngày", the days
// counted in Vietnam's calendar as the reminders count them (00:30 on
// 1 January in Hà Nội is a day late, though still 31 December in UTC),
// and keeps saying it, with the same N, days later; completed on its due
// day, or not completed, it says nothing of it. Once completed the page
// showed no sign of the deadline missed (walk 10).
func TestCompletedLate(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time // when the handler completes it (zero: not completed)
		want string
	}{
		{"on its due day", time.Date(2026, 12, 31, 23, 50, 0, 0, workflow.Vietnam), ""},
		{"after midnight in Hà Nội", time.Date(2027, 1, 1, 0, 30, 0, 0, workflow.Vietnam), "Hoàn thành quá hạn 1 ngày"},
		{"three days late", time.Date(2027, 1, 3, 15, 0, 0, 0, workflow.Vietnam), "Hoàn thành quá hạn 3 ngày"},
		{"not completed", time.Time{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			id := incomingBefore(t, e, e.login("vanthu"), workflow.Complete, false)
			if !tc.at.IsZero() {
				e.now = tc.at
				if _, err := e.docs.Apply(t.Context(), e.users["chuyenvien"], id, workflow.Complete, workflow.ActionInput{}); err != nil {
					t.Fatal(err)
				}
			}
			e.now = time.Date(2027, 1, 20, 9, 0, 0, 0, workflow.Vietnam)
			if got := textOf(byID(parseHTML(t, e.login("chuyenvien").get("/documents/"+id).Body), "completed-late")); got != tc.want {
				t.Errorf("completed %v: the page says %q, want %q", tc.at, got, tc.want)
			}
		})
	}
}
