package csvsafe_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/vanthu/vanthu/internal/csvsafe"
)

func TestWriterNeutralisesFormulas(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"equals", "=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"},
		{"plus", "+1+1", "'+1+1"},
		{"minus", "-2+3", "'-2+3"},
		{"negative number", "-5", "'-5"},
		{"at", "@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"tab", "\t=1+1", "'\t=1+1"},
		{"carriage return", "\r=1+1", "'\r=1+1"},
		{"dde", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"plain text", "Về việc tổ chức họp", "Về việc tổ chức họp"},
		{"formula later in the cell", "a=1", "a=1"},
		{"number", "15", "15"},
		{"notation", "15/QĐ-UBND", "15/QĐ-UBND"},
		{"empty", "", ""},
		{"quote already", "'=1", "'=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := csvsafe.NewWriter(&buf)
			if err := w.Write([]string{tt.in, "x"}); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			if err := w.Error(); err != nil {
				t.Fatal(err)
			}
			rec, err := csv.NewReader(&buf).Read()
			if err != nil {
				t.Fatalf("read back %q: %v", buf.String(), err)
			}
			if rec[0] != tt.want || rec[1] != "x" {
				t.Errorf("cell %q written as %q, want %q", tt.in, rec[0], tt.want)
			}
		})
	}
}
