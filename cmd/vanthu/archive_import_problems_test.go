package main

import (
	"strings"
	"testing"
)

// TestImportRowEveryProblem: a row of the import's CSV is refused with
// every problem of its columns at once, the date's first (as it was when
// it alone was said), in its reason.
func TestImportRowEveryProblem(t *testing.T) {
	row := map[string]string{"type": "CV", "subject": "Công văn", "sender_name": "Sở Xây dựng", "original_number": "1/SXD",
		"original_date": "2018-01-02"}
	tests := []struct {
		name   string
		change map[string]string
		want   []string
	}{
		{"date, type, subject", map[string]string{"original_date": "2018-13-02", "type": "XX", "subject": ""},
			[]string{`original_date "2018-13-02"`, `unknown document type "XX"`, "subject is empty"}},
		{"sender, number, retention", map[string]string{"sender_name": "", "original_number": "", "retention": "7y"},
			[]string{"sender_name is empty", "original_number is empty", `retention "7y"`}},
		{"code, confidentiality, date empty", map[string]string{"sender_org_id": "H13", "confidentiality": "x", "original_date": ""},
			[]string{"original_date is empty", `sender_org_id "H13"`, `confidentiality "x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range row {
				m[k] = v
			}
			for k, v := range tt.change {
				m[k] = v
			}
			in, err := importInput(m)
			if err == nil {
				err = validateImport(&in, nil)
			}
			reason := problemsMessage(err)
			at := 0
			for _, w := range tt.want {
				i := strings.Index(reason[at:], w)
				if i < 0 {
					t.Fatalf("no %q (in order) in %q", w, reason)
				}
				at += i + len(w)
			}
			if n := strings.Count(reason, "; ") + 1; n != len(tt.want) {
				t.Errorf("%d problems in %q, want %d", n, reason, len(tt.want))
			}
		})
	}
}
