package workflow_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

func TestDateRoundTrip(t *testing.T) {
	d := workflow.NewDate(2026, 11, 20)
	b, err := json.Marshal(struct {
		D  workflow.Date  `json:"d"`
		P  *workflow.Date `json:"p"`
		Z  workflow.Date  `json:"z"`
		NP *workflow.Date `json:"np"`
	}{D: d, P: &d})
	if err != nil || string(b) != `{"d":"2026-11-20","p":"2026-11-20","z":null,"np":null}` {
		t.Fatalf("json: %s %v", b, err)
	}
	var back struct{ D, Z workflow.Date }
	if err := json.Unmarshal([]byte(`{"D":"2026-11-20","Z":""}`), &back); err != nil || back.D != d || !back.Z.IsZero() {
		t.Fatalf("unmarshal: %+v %v", back, err)
	}
	for _, bad := range []string{`"2026-11-31"`, `"20/11/2026"`, `"2026-1-2"`, `"2026-11-20T00:00:00Z"`, `20261120`} {
		var x workflow.Date
		if err := json.Unmarshal([]byte(bad), &x); err == nil {
			t.Errorf("%s accepted as %v", bad, x)
		}
	}
	if v, _ := d.Value(); v != "2026-11-20" {
		t.Errorf("Value = %v", v)
	}
	if v, _ := (workflow.Date{}).Value(); v != nil {
		t.Errorf("zero Value = %v, want NULL", v)
	}
}

// TestDateScan: a DATE reads back as its own day whatever the zone the
// driver gives its midnight; a legacy timestamp reads as its day in Vietnam.
func TestDateScan(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	kiri, _ := time.LoadLocation("Pacific/Kiritimati")
	want := workflow.NewDate(2026, 11, 20)
	vnMidnight := time.Date(2026, 11, 20, 0, 0, 0, 0, workflow.Vietnam)
	for _, tt := range []struct {
		name string
		src  any
	}{
		{"text", "2026-11-20"},
		{"bytes", []byte("2026-11-20")},
		{"DATE as UTC midnight", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{"DATE as Los Angeles midnight", time.Date(2026, 11, 20, 0, 0, 0, 0, la)},
		{"DATE as Kiritimati midnight", time.Date(2026, 11, 20, 0, 0, 0, 0, kiri)},
		{"legacy: Vietnam midnight in UTC", vnMidnight.UTC()},
		{"legacy: Vietnam midnight in Los Angeles", vnMidnight.In(la)},
		{"legacy: Vietnam midnight in Kiritimati", vnMidnight.In(kiri)},
		{"legacy: UTC midnight", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{"legacy text (SQLite)", "2026-11-19 17:00:00+00:00"},
		{"legacy text with fraction", "2026-11-19 17:00:00.000000+00:00"},
		{"legacy RFC 3339", "2026-11-19T17:00:00Z"},
	} {
		var d workflow.Date
		if err := d.Scan(tt.src); err != nil || d != want {
			t.Errorf("%s: Scan(%v) = %v, %v; want %v", tt.name, tt.src, d, err, want)
		}
	}
	var d workflow.Date
	if err := d.Scan(nil); err != nil || !d.IsZero() {
		t.Errorf("Scan(nil) = %v, %v", d, err)
	}
}

func TestOverdueIsByVietnamDay(t *testing.T) {
	due := workflow.NewDate(2026, 11, 20)
	d := &workflow.Document{DueDate: &due}
	for _, tt := range []struct {
		now  time.Time
		want bool
	}{
		{time.Date(2026, 11, 20, 23, 59, 0, 0, workflow.Vietnam), false},
		{time.Date(2026, 11, 21, 0, 0, 0, 0, workflow.Vietnam), true},
		{time.Date(2026, 11, 20, 16, 59, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC), true},
	} {
		if got := workflow.Overdue(d, tt.now); got != tt.want {
			t.Errorf("Overdue at %v = %v, want %v", tt.now, got, tt.want)
		}
	}
}
