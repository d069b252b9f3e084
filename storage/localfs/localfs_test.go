package localfs_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/storage/storagetest"
	"github.com/vanthu/vanthu/workflow"
)

func newStore(t *testing.T) *localfs.Store {
	t.Helper()
	s, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) workflow.Blobs {
		s := newStore(t)
		t.Cleanup(func() { checkNoTemp(t, s) })
		return s
	})
}

// checkNoTemp fails if a temporary file was left behind.
func checkNoTemp(t *testing.T, s *localfs.Store) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(s.Dir(), "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("temporary file %s left behind", e.Name())
	}
}

func put(t *testing.T, s *localfs.Store, key string, b []byte, opts workflow.PutOptions) {
	t.Helper()
	if _, err := s.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), storagetest.Sum(b), opts); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestReadOnlyUnderRetention(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }

	put(t, s, "work/draft", []byte("draft"), workflow.PutOptions{})
	put(t, s, "archive/rec", []byte("record"), workflow.PutOptions{RetainUntil: now.AddDate(10, 0, 0)})
	for _, tt := range []struct {
		key  string
		want os.FileMode
	}{{"work/draft", 0o644}, {"archive/rec", 0o444}} {
		p, err := s.Path(tt.key)
		if err != nil {
			t.Fatal(err)
		}
		if got := mode(t, p); got != tt.want {
			t.Errorf("%s: mode %v, want %v", tt.key, got, tt.want)
		}
		if b, err := os.ReadFile(p); err != nil || len(b) == 0 {
			t.Errorf("%s: content file unreadable: %v", tt.key, err)
		}
	}

	// The injected clock decides: ten years and a minute later it may go.
	if err := s.Delete(ctx, "archive/rec"); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("Delete under retention: %v, want EFORBIDDEN", err)
	}
	now = now.AddDate(10, 0, 0).Add(time.Minute)
	if err := s.SetLegalHold(ctx, "archive/rec", true); err != nil {
		t.Fatal(err)
	}
	p, _ := s.Path("archive/rec")
	if got := mode(t, p); got != 0o444 {
		t.Errorf("under legal hold: mode %v, want 0444", got)
	}
	if err := s.Delete(ctx, "archive/rec"); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("Delete under legal hold: %v, want EFORBIDDEN", err)
	}
	if err := s.SetLegalHold(ctx, "archive/rec", false); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, p); got != 0o644 {
		t.Errorf("after retention and hold: mode %v, want 0644", got)
	}
	if err := s.Delete(ctx, "archive/rec"); err != nil {
		t.Fatalf("Delete after retention: %v", err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("content file still there after Delete: %v", err)
	}
}

func TestKeyCollision(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	put(t, s, "a", []byte("file"), workflow.PutOptions{})
	put(t, s, "b/c", []byte("file"), workflow.PutOptions{})
	for _, key := range []string{"a/x", "b"} {
		b := []byte("new")
		_, err := s.Put(ctx, key, bytes.NewReader(b), 3, storagetest.Sum(b), workflow.PutOptions{})
		if workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("Put(%q) colliding with a file or folder: %v, want EINVALID", key, err)
		}
		if _, err := s.Stat(ctx, key); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("Stat(%q) after refused Put: %v, want ENOTFOUND", key, err)
		}
	}
	checkNoTemp(t, s)
}

// The content file on disk is the bytes put, so an outside tool (or an
// attacker with disk access) sees and can change exactly those bytes; Get
// does not hide such a change, the fixity audit finds it.
func TestContentOnDisk(t *testing.T) {
	s := newStore(t)
	b := storagetest.RandomBytes(5, 5000)
	put(t, s, "x/y.pdf", b, workflow.PutOptions{})
	p, err := s.Path("x/y.pdf")
	if err != nil {
		t.Fatal(err)
	}
	disk, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(disk, b) {
		t.Fatalf("file %s does not hold the content: %v", p, err)
	}
	disk[10] ^= 0xff
	if err := os.WriteFile(p, disk, 0o644); err != nil {
		t.Fatal(err)
	}
	rc, oi, err := s.Get(context.Background(), "x/y.pdf")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if storagetest.Sum(got) == oi.SHA256 {
		t.Error("corrupted content still matches the recorded SHA-256")
	}
	if oi.SHA256 != storagetest.Sum(b) {
		t.Errorf("recorded SHA-256 changed: %s", oi.SHA256)
	}
}

func TestCanceledPut(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := []byte("content")
	if _, err := s.Put(ctx, "k", bytes.NewReader(b), int64(len(b)), storagetest.Sum(b), workflow.PutOptions{}); err == nil {
		t.Fatal("Put with a canceled context succeeded")
	}
	if _, err := s.Stat(context.Background(), "k"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Errorf("Stat after canceled Put: %v", err)
	}
	checkNoTemp(t, s)
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := localfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	put(t, s, "keep", []byte("kept"), workflow.PutOptions{RetainUntil: until, LegalHold: true})
	s2, err := localfs.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	oi, err := s2.Stat(context.Background(), "keep")
	if err != nil {
		t.Fatal(err)
	}
	if !oi.RetainUntil.Equal(until) || !oi.LegalHold || oi.SHA256 != storagetest.Sum([]byte("kept")) {
		t.Errorf("after reopening: %+v", oi)
	}
}

func TestValidateKey(t *testing.T) {
	for _, tt := range []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"docs/2026/01/abc.pdf", true},
		{"văn-bản/Bình Thủy.pdf", true},
		{"a.b/c..d/...", true},
		{"", false},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{"a/./b", false},
		{"a/../b", false},
		{"..", false},
		{`a\b`, false},
		{"a\tb", false},
		{"\xff", false},
		{string(make([]byte, 1025)), false},
	} {
		err := localfs.ValidateKey(tt.key)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateKey(%q) = %v, want ok %v", tt.key, err, tt.ok)
		}
		if err != nil && workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("ValidateKey(%q): code %q", tt.key, workflow.ErrorCode(err))
		}
	}
}
