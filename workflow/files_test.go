package workflow_test

import (
	"bytes"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestTailOf: a revision is a tail only when it starts with its base's
// bytes and adds 1 to MaxTail bytes.
func TestTailOf(t *testing.T) {
	base := []byte("%PDF-1.7\nbase\n%%EOF\n")
	bf := workflow.File{SHA256: "b", Size: int64(len(base))}
	for _, c := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"appended", append(bytes.Clone(base), "tail\n"...), true},
		{"longest tail", append(bytes.Clone(base), make([]byte, workflow.MaxTail)...), true},
		{"tail too long", append(bytes.Clone(base), make([]byte, workflow.MaxTail+1)...), false},
		{"rewritten", append([]byte("%PDF-1.7\nBASE\n%%EOF\n"), "tail\n"...), false},
		{"nothing added", bytes.Clone(base), false},
		{"shorter", base[:5], false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl, ok := workflow.TailOf(c.b, bf, base, "s")
			if ok != c.want {
				t.Fatalf("TailOf = %v, want %v", ok, c.want)
			}
			if ok && (tl.Base != "b" || tl.BaseSize != int64(len(base)) || !bytes.Equal(append(bytes.Clone(base), tl.Bytes...), c.b)) {
				t.Errorf("tail %+v does not make the revision", tl)
			}
		})
	}
}
