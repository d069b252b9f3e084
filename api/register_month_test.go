package api_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestRegisterMonth: ?month= gives the lines of a register dated in that
// month, the same in JSON and in CSV; absent, the whole year; a month
// that is not 1–12 is refused.
func TestRegisterMonth(t *testing.T) {
	now := time.Date(2026, 10, 10, 9, 0, 0, 0, workflow.Vietnam)
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) { s.Now = func() time.Time { return now } })
	subjects := map[string]time.Time{
		"Công văn tháng mười": time.Date(2026, 10, 31, 23, 30, 0, 0, workflow.Vietnam),
		"Công văn đầu tháng":  time.Date(2026, 11, 1, 0, 10, 0, 0, workflow.Vietnam), // 31/10 17:10 UTC: November in Vietnam
		"Công văn cuối tháng": time.Date(2026, 11, 30, 16, 0, 0, 0, workflow.Vietnam),
	}
	for _, subject := range []string{"Công văn tháng mười", "Công văn đầu tháng", "Công văn cuối tháng"} {
		now = subjects[subject]
		m := incomingMeta()
		m["subject"] = subject
		d := f.create(t, "clerk", m)
		if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+d.ID+"/actions/register", nil); rec.Code != 200 {
			t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
		}
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Công văn tháng mười", "Công văn đầu tháng", "Công văn cuối tháng"}},
		{"?month=10", []string{"Công văn tháng mười"}},
		{"?month=11", []string{"Công văn đầu tháng", "Công văn cuối tháng"}},
		{"?month=12", nil},
	} {
		rec := f.do(t, "clerk", "GET", "/api/v1/registers/incoming/2026"+tc.query, nil, "")
		var reg struct {
			Month int
			Items []struct{ Subject string }
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &reg) != nil {
			t.Fatalf("%s: %d %s", tc.query, rec.Code, rec.Body.String())
		}
		var got []string
		for _, it := range reg.Items {
			got = append(got, it.Subject)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") || (tc.query == "") != (reg.Month == 0) {
			t.Errorf("%s: %q (month %d), want %q", tc.query, got, reg.Month, tc.want)
		}
		sep := "?"
		if tc.query != "" {
			sep = "&"
		}
		rec = f.do(t, "clerk", "GET", "/api/v1/registers/incoming/2026"+tc.query+sep+"format=csv", nil, "")
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if rec.Code != 200 || err != nil || len(rows) != len(tc.want)+1 {
			t.Fatalf("%s csv: %d %v %d rows\n%s", tc.query, rec.Code, err, len(rows), rec.Body.String())
		}
		for i, s := range tc.want {
			if rows[i+1][6] != s {
				t.Errorf("%s csv row %d: subject %q, want %q", tc.query, i+1, rows[i+1][6], s)
			}
		}
		if tc.query == "?month=11" && !strings.Contains(rec.Header().Get("Content-Disposition"), "register-incoming-2026-11.csv") {
			t.Errorf("csv of November named %q", rec.Header().Get("Content-Disposition"))
		}
	}
	for _, bad := range []string{"0", "13", "x"} {
		if rec := f.do(t, "clerk", "GET", "/api/v1/registers/incoming/2026?month="+bad, nil, ""); rec.Code != 400 {
			t.Errorf("month=%s: %d", bad, rec.Code)
		}
	}
}
