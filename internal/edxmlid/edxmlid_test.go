package edxmlid_test

import (
	"testing"

	"github.com/vanthu/vanthu/internal/edxmlid"
)

// TestIdentifier: an identifier of the envelope spelled with white space
// a pretty-printer, a word processor or a person leaves is the same
// identifier; one that differs in a part stays distinct. Read again, an
// identifier is itself (migration 18 of storage/gormdb relies on it: run
// twice, it changes nothing).
func TestIdentifier(t *testing.T) {
	const docID = "000.00.12.H13,2026/12/01,15/QĐ-UBND"
	for _, c := range []struct{ in, want string }{
		{docID, docID},
		{"  " + docID + "\n\t", docID},
		{"\u00a0" + docID + "\u00a0", docID},
		{"000.00.12.H13, 2026/12/01, 15/QĐ-UBND", docID},
		{"000.00.12.H13,\n          2026/12/01,\n          15/QĐ-UBND", docID},
		{"000.00.12.H13 ,2026 / 12 / 01,15 / QĐ-UBND", docID},
		{"000.00.12.H13,\u00a02026/12/01,\u202f15/QĐ-UBND", docID},
		{"000.00.12.H13,\r\n2026/12/01,\u200315/QĐ-UBND", docID},
		{"000.00.12.H13,2026/12/01,15/QĐ  UBND", "000.00.12.H13,2026/12/01,15/QĐ UBND"},
		{"000.00.12.H13,2026/12/01,15/QĐ\n\u00a0UBND", "000.00.12.H13,2026/12/01,15/QĐ UBND"},
		{"000.00.12.H13,2026/12/01,15/QĐUBND", "000.00.12.H13,2026/12/01,15/QĐUBND"},
		{" 000.00. 12.H13 ", "000.00.12.H13"},
		{"vxp.saas.03", "vxp.saas.03"},
		{"\t9fbfbad2-f1f8-4256-a2eb-50fb1061cddb\n", "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"},
		{" \u00a0\n", ""},
	} {
		if got := edxmlid.Identifier(c.in); got != c.want {
			t.Errorf("Identifier(%q) = %q, want %q", c.in, got, c.want)
		}
		if again := edxmlid.Identifier(c.want); again != c.want {
			t.Errorf("Identifier(%q) = %q: an identifier read again changes", c.want, again)
		}
	}
}
