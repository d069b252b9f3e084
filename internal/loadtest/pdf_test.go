package loadtest

import (
	"bytes"
	"fmt"
	"testing"
)

// TestPDFCopies: each lifecycle's PDF differs from every other one only
// in the numbered field, at the same length, so the template's offsets
// stay right (the server's upload checks in cmd/vanthu's loadtest tests
// parse them).
func TestPDFCopies(t *testing.T) {
	tpl, err := newPDFTemplate()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, i := range []int{0, 1, 9, 10, 12345, 9_999_999_999, 10_000_000_001} {
		b := tpl.copyFor(i)
		if len(b) != len(tpl.b) {
			t.Fatalf("copy %d: %d bytes, template %d", i, len(b), len(tpl.b))
		}
		if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b, []byte(fmt.Sprintf("vanthu loadtest %s%010d", tpl.run, i%10_000_000_000))) {
			t.Errorf("copy %d: no numbered field", i)
		}
		if !bytes.Equal(b[:tpl.at], tpl.b[:tpl.at]) || !bytes.Equal(b[tpl.at+len(pdfField):], tpl.b[tpl.at+len(pdfField):]) {
			t.Errorf("copy %d differs outside the field", i)
		}
		if j, ok := seen[string(b)]; ok && j%10_000_000_000 != i%10_000_000_000 {
			t.Errorf("copies %d and %d are the same", j, i)
		}
		seen[string(b)] = i
	}
	if bytes.Contains(tpl.b, []byte(pdfField)) == false {
		t.Error("copyFor changed the template")
	}
}
