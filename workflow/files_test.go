package workflow_test

import (
	"bytes"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestTailOf: a revision is a tail only when it starts with its base's
// bytes, but for at most its first MaxHead, and adds 1 to MaxTail bytes.
func TestTailOf(t *testing.T) {
	base := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("base "), 30)...)
	bf := workflow.File{SHA256: "b", Size: int64(len(base))}
	for _, c := range []struct {
		name string
		b    []byte
		want bool
	}{
		{"appended", append(bytes.Clone(base), "tail\n"...), true},
		{"longest tail", append(bytes.Clone(base), make([]byte, workflow.MaxTail)...), true},
		{"tail too long", append(bytes.Clone(base), make([]byte, workflow.MaxTail+1)...), false},
		{"rewritten", append(bytes.ToUpper(base), "tail\n"...), false},
		{"changed past the head", append(append(bytes.Clone(base[:workflow.MaxHead]), bytes.ToUpper(base[workflow.MaxHead:])...), "tail\n"...), false},
		{"header raised", append(append([]byte("%PDF-1.8"), base[8:]...), "tail\n"...), true},
		{"nothing added", bytes.Clone(base), false},
		{"shorter", base[:5], false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tl, ok := workflow.TailOf(c.b, bf, base, "s")
			if ok != c.want {
				t.Fatalf("TailOf = %v, want %v", ok, c.want)
			}
			made := append(append(bytes.Clone(tl.Head), base[len(tl.Head):]...), tl.Bytes...)
			if ok && (tl.Base != "b" || tl.BaseSize != int64(len(base)) || !bytes.Equal(made, c.b)) {
				t.Errorf("tail %+v does not make the revision", tl)
			}
		})
	}
}
