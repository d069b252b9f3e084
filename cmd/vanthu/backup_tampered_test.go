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

// TestRestoreRefusesABrokenBackupFirst: `vanthu restore` of a backup
// whose copied objects do not match its manifest — an object changed or
// missing, a key outside the store, a line added or dropped — refuses it
// naming the problem and leaves the installation as it was (no
// database): the backup fixed, the same restore runs. Before, the
// database was loaded first and the object's mismatch found after, so
// the installation was left half restored and a second restore was
// refused ("vanthu.db exists").
func TestRestoreRefusesABrokenBackupFirst(t *testing.T) {
	env := func(dir string) map[string]string {
		return map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1"}
	}
	src := t.TempDir()
	if code, out, stderr := runCLI(t, env(src), "migrate"); code != 0 {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, stderr)
	}
	store, err := localfs.New(filepath.Join(src, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"%PDF-1.7 the first object", "%PDF-1.7 the second object"} {
		sum := sha256.Sum256([]byte(c))
		if _, err := store.Put(context.Background(), workflow.BlobKey(hex.EncodeToString(sum[:])), strings.NewReader(c), int64(len(c)),
			hex.EncodeToString(sum[:]), workflow.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bdir := filepath.Join(t.TempDir(), "backup")
	if code, out, stderr := runCLI(t, env(src), "backup", bdir); code != 0 {
		t.Fatalf("backup: exit %d\n%s%s", code, out, stderr)
	}
	manifest, err := os.ReadFile(filepath.Join(bdir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(bytes.TrimSpace(manifest), []byte("\n"))
	first := lines[0]
	key := string(first[bytes.Index(first, []byte(`"key":"`))+7:])
	key = key[:strings.IndexByte(key, '"')]
	tests := []struct {
		name   string
		change func(t *testing.T, b string)
		want   string
	}{
		{"an object changed", func(t *testing.T, b string) {
			rewrite(t, filepath.Join(b, "objects", "work", filepath.FromSlash(key)), []byte("%PDF-1.7 the first objecT"))
		}, key},
		{"an object missing", func(t *testing.T, b string) {
			if err := os.Remove(filepath.Join(b, "objects", "work", filepath.FromSlash(key))); err != nil {
				t.Fatal(err)
			}
		}, key},
		{"a key outside the store", func(t *testing.T, b string) {
			rewrite(t, filepath.Join(b, "manifest.jsonl"), bytes.Replace(manifest, []byte(key), []byte("../../"+key), 1))
		}, "not a clean path"},
		{"a line dropped", func(t *testing.T, b string) {
			rewrite(t, filepath.Join(b, "manifest.jsonl"), bytes.Join(lines[1:], nil))
		}, "backup.json says 2"},
		{"a line added", func(t *testing.T, b string) {
			rewrite(t, filepath.Join(b, "manifest.jsonl"), append(append([]byte{}, manifest...), first...))
		}, "backup.json says 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := filepath.Join(t.TempDir(), "backup")
			if err := os.CopyFS(b, os.DirFS(bdir)); err != nil {
				t.Fatal(err)
			}
			tt.change(t, b)
			dst := t.TempDir()
			code, out, stderr := runCLI(t, env(dst), "restore", b)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Fatalf("restore: exit %d, want 1 naming %q\n%s%s", code, tt.want, out, stderr)
			}
			if _, err := os.Stat(filepath.Join(dst, "vanthu.db")); err == nil {
				t.Fatal("the broken backup's database was restored")
			}
			if code, out, stderr := runCLI(t, env(dst), "restore", bdir); code != 0 {
				t.Fatalf("the same restore of the good backup: exit %d\n%s%s", code, out, stderr)
			}
		})
	}
}

func rewrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
