package interop_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/internal/interop"
)

func TestDirSkipsWithoutVariable(t *testing.T) {
	t.Setenv(interop.Env, "")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		interop.Dir(t, "pdf")
		t.Error("Dir returned without the variable")
	})
	if !skipped {
		t.Fatal("Dir did not skip")
	}
}

func TestDirAndFile(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "edxml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "edxml", "a.edxml"), []byte("<edXML/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(interop.Env, root)
	if got := interop.Dir(t, "edxml"); got != filepath.Join(root, "edxml") {
		t.Errorf("Dir = %q", got)
	}
	if b := interop.File(t, "edxml", "a.edxml"); string(b) != "<edXML/>" {
		t.Errorf("File = %q", b)
	}
	if f := interop.Files(t, "edxml", "*.edxml"); len(f) != 1 {
		t.Errorf("Files = %q", f)
	}
}
