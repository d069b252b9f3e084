package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
)

// TestBackupManifestOnly: `vanthu backup --objects manifest` records the
// objects without copying them, and `vanthu restore` of such a backup
// checks that each is already in the store with its hash: it succeeds
// where the objects are, and names the object where one is missing or
// differs.
func TestBackupManifestOnly(t *testing.T) {
	env := func(dir string) map[string]string {
		return map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	}
	src := t.TempDir()
	if code, out, stderr := runCLI(t, env(src), "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, stderr)
	}
	content := []byte("%PDF-1.7 an object of the work store")
	sum := sha256.Sum256(content)
	store, err := localfs.New(filepath.Join(src, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(context.Background(), "docs/a.pdf", bytes.NewReader(content), int64(len(content)), hex.EncodeToString(sum[:]), workflow.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	bdir := filepath.Join(t.TempDir(), "backup")
	code, out, stderr := runCLI(t, env(src), "backup", "--objects", "manifest", bdir)
	if code != 0 || !strings.Contains(out, "1 objects") || !strings.Contains(out, "(manifest)") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(bdir, "objects")); err == nil {
		t.Error("a manifest-only backup copied the objects")
	}

	withObjects := func(t *testing.T, change []byte) string {
		dst := t.TempDir()
		if err := os.CopyFS(filepath.Join(dst, "objects"), os.DirFS(filepath.Join(src, "objects"))); err != nil {
			t.Fatal(err)
		}
		if change != nil {
			s, err := localfs.New(filepath.Join(dst, "objects"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(context.Background(), "docs/a.pdf"); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(change)
			if _, err := s.Put(context.Background(), "docs/a.pdf", bytes.NewReader(change), int64(len(change)), hex.EncodeToString(sum[:]), workflow.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		return dst
	}
	tests := []struct {
		name string
		dst  func(t *testing.T) string
		code int
		want string
	}{
		{"OK/objects in place", func(t *testing.T) string { return withObjects(t, nil) }, 0, "restored"},
		{"ErrMissing", func(t *testing.T) string { return t.TempDir() }, 1, "work object docs/a.pdf (manifest-only backup)"},
		{"ErrChanged", func(t *testing.T) string { return withObjects(t, []byte("something else")) }, 1, "work object docs/a.pdf: SHA-256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, env(tt.dst(t)), "restore", bdir)
			if code != tt.code || !strings.Contains(out+stderr, tt.want) {
				t.Errorf("restore: exit %d, want %d with %q\n%s%s", code, tt.code, tt.want, out, stderr)
			}
		})
	}
}
