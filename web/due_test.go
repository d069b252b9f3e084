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
