package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestRegisterMonthFilter: a register page filtered by month lists the
// lines dated in that month, says which month, keeps the month in its
// CSV link, and the CSV holds the same lines.
func TestRegisterMonthFilter(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	for _, x := range []struct {
		subject string
		at      time.Time
	}{
		{"Công văn về đê điều tháng mười", time.Date(2026, 10, 31, 23, 0, 0, 0, workflow.Vietnam)},
		{"Công văn về cấp nước tháng mười một", time.Date(2026, 11, 1, 0, 30, 0, 0, workflow.Vietnam)},
		{"Công văn về chiếu sáng tháng mười một", time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)},
	} {
		e.now = x.at
		id := e.newIncoming(clerk, x.subject, nil)
		if p := act(t, clerk, id, workflow.Register, nil); p.Status != http.StatusSeeOther {
			t.Fatalf("register: %d", p.Status)
		}
	}
	all := []string{"đê điều", "cấp nước", "chiếu sáng"}
	for _, tc := range []struct {
		query, heading, csvName string
		want                    []string
	}{
		{"", "Sổ văn bản đến năm 2026", "so-dang-ky-incoming-2026.csv", all},
		{"?month=10", "Sổ văn bản đến tháng 10 năm 2026", "so-dang-ky-incoming-2026-10.csv", all[:1]},
		{"?month=11", "Sổ văn bản đến tháng 11 năm 2026", "so-dang-ky-incoming-2026-11.csv", all[1:]},
		{"?month=1", "Sổ văn bản đến tháng 1 năm 2026", "so-dang-ky-incoming-2026-01.csv", nil},
	} {
		t.Run("month"+tc.query, func(t *testing.T) {
			p := clerk.get("/registers/incoming/2026" + tc.query)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, `<h1 id="h-register">`+tc.heading+"</h1>") {
				t.Fatalf("%d, heading %q missing\n%s", p.Status, tc.heading, p.Body)
			}
			csvLink := `href="/registers/incoming/2026/csv` + strings.ReplaceAll(tc.query, "&", "&amp;") + `"`
			if !strings.Contains(p.Body, csvLink) {
				t.Errorf("no CSV link %s", csvLink)
			}
			m := strings.TrimPrefix(tc.query, "?month=")
			if !strings.Contains(p.Body, `<option value="`+m+`" selected>`) {
				t.Errorf("month %q not selected in the filter", m)
			}
			csv := clerk.get("/registers/incoming/2026/csv" + tc.query)
			if !strings.Contains(csv.Header.Get("Content-Disposition"), tc.csvName) {
				t.Errorf("CSV named %q, want %s", csv.Header.Get("Content-Disposition"), tc.csvName)
			}
			for _, s := range all {
				want := false
				for _, w := range tc.want {
					want = want || w == s
				}
				if strings.Contains(p.Body, s) != want || strings.Contains(csv.Body, s) != want {
					t.Errorf("%q: on the page %v, in the CSV %v, want %v", s, strings.Contains(p.Body, s), strings.Contains(csv.Body, s), want)
				}
			}
			if len(tc.want) == 0 && !strings.Contains(p.Body, "Sổ chưa có văn bản nào trong tháng 1 năm 2026.") {
				t.Errorf("empty month not said")
			}
		})
	}
	for _, bad := range []string{"13", "0", "mười"} {
		if p := clerk.get("/registers/incoming/2026?month=" + url.QueryEscape(bad)); p.Status != http.StatusBadRequest {
			t.Errorf("month=%s: %d", bad, p.Status)
		}
		if p := clerk.get("/registers/incoming/2026/csv?month=" + url.QueryEscape(bad)); p.Status != http.StatusBadRequest {
			t.Errorf("csv month=%s: %d", bad, p.Status)
		}
	}
	// The chooser keeps the month.
	if p := clerk.get("/registers/go?kind=incoming&year=2026&month=11"); p.Status != http.StatusSeeOther || p.Location != "/registers/incoming/2026?month=11" {
		t.Errorf("chooser: %d %q", p.Status, p.Location)
	}
	if p := clerk.get("/registers"); !strings.Contains(p.Body, `name="month"`) || !strings.Contains(p.Body, "Tháng 12") {
		t.Errorf("the chooser has no month")
	}
}
