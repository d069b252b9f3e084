package localfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestPutDurability records what a Put makes durable, and in which order:
// both temporary files synced before either is renamed; the content's
// directory, and the parent of every directory made for it, synced after
// the content's rename and before the metadata's; the same for the
// metadata after its rename; every directory once, and nothing synced
// twice.
func TestPutDurability(t *testing.T) {
	tests := []struct {
		name, key string
		made      []string // directories the Put makes, in each tree
	}{
		{"new directories", "records/doc1/v5/signed.pdf", []string{"records", "records/doc1", "records/doc1/v5"}},
		{"existing directories", "records/doc1/v5/metadata.json", nil},
		{"one new directory", "records/doc1/v6/signed.pdf", []string{"records/doc1/v6"}},
	}
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ops []string
	rel := func(p string) string { r, _ := filepath.Rel(s.dir, p); return filepath.ToSlash(r) }
	s.syncFile = func(f *os.File) error {
		mu.Lock()
		ops = append(ops, "sync "+rel(f.Name()))
		mu.Unlock()
		return f.Sync()
	}
	s.rename = func(a, b string) error {
		mu.Lock()
		ops = append(ops, "rename "+rel(b))
		mu.Unlock()
		return os.Rename(a, b)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops = nil
			b := []byte("content of " + tt.key)
			h := sha256.Sum256(b)
			if _, err := s.Put(context.Background(), tt.key, bytes.NewReader(b), int64(len(b)), hex.EncodeToString(h[:]), workflow.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			t.Logf("ops: %q", ops)
			at := func(op string) int {
				t.Helper()
				i := slices.Index(ops, op)
				if i < 0 {
					t.Fatalf("%q not done (ops %q)", op, ops)
				}
				return i
			}
			seen := map[string]bool{}
			for _, op := range ops {
				if seen[op] {
					t.Errorf("%q done twice", op)
				}
				seen[op] = true
			}
			// Both temporary files synced before the first rename.
			renObj, renMeta := at("rename objects/"+tt.key), at("rename meta/"+tt.key)
			nTmp := 0
			for i, op := range ops {
				if strings.HasPrefix(op, "sync tmp/") {
					nTmp++
					if i > renObj {
						t.Errorf("%q after the content's rename", op)
					}
				}
			}
			if nTmp != 2 {
				t.Errorf("%d temporary files synced, want 2", nTmp)
			}
			dir := filepath.ToSlash(filepath.Dir(tt.key))
			for _, tree := range []string{"objects", "meta"} {
				want := []string{tree + "/" + dir}
				for _, m := range tt.made {
					want = append(want, strings.TrimSuffix(tree+"/"+filepath.ToSlash(filepath.Dir(m)), "/."))
				}
				for _, d := range want {
					i := at("sync " + d)
					switch tree {
					case "objects":
						if i < renObj || i > renMeta {
							t.Errorf("sync %s at %d: want between the content's rename (%d) and the metadata's (%d)", d, i, renObj, renMeta)
						}
					case "meta":
						if i < renMeta {
							t.Errorf("sync %s at %d: before the metadata's rename (%d)", d, i, renMeta)
						}
					}
				}
			}
		})
	}
}

// TestPutWaitsForDirectoriesMadeByAnother: a Put into a directory that a
// concurrent Put made returns only once that directory's entry in its
// parent is durable (the other Put synced the parent).
func TestPutWaitsForDirectoriesMadeByAnother(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blocked, unblock := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.syncFile = func(f *os.File) error {
		if f.Name() == filepath.Join(s.dir, "objects", "records") {
			once.Do(func() { close(blocked); <-unblock })
		}
		return f.Sync()
	}
	put := func(key string) error {
		b := []byte("content of " + key)
		h := sha256.Sum256(b)
		_, err := s.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), hex.EncodeToString(h[:]), workflow.PutOptions{})
		return err
	}
	first := make(chan error, 1)
	go func() { first <- put("records/doc1/a.pdf") }()
	<-blocked // the first Put made records/ and records/doc1/ and syncs objects/records
	second := make(chan error, 1)
	go func() { second <- put("records/doc1/b.pdf") }()
	select {
	case err := <-second:
		t.Fatalf("the second Put returned (%v) before the directory it used was durable", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(unblock)
	for _, ch := range []chan error{first, second} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if len(s.made) != 0 {
		t.Errorf("pending directories left: %v", s.made)
	}
}

// TestConcurrentPutsShareDirectorySyncs: Puts into one directory at once
// (an archive record's objects) share the directory's fsyncs — a Put
// waits for a sync begun after its rename, which may be another Put's —
// instead of one each; every Put still finds its name synced.
func TestConcurrentPutsShareDirectorySyncs(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(s.dir, "objects", "records", "doc1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "meta", "records", "doc1"), 0o755); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	dirSyncs := 0
	var renamed []string // names renamed into dir and not yet covered by a sync begun after
	s.syncFile = func(f *os.File) error {
		if f.Name() == dir {
			mu.Lock()
			dirSyncs++
			renamed = nil // a sync begun now covers every name renamed before
			mu.Unlock()
			time.Sleep(50 * time.Millisecond) // a slow device: the other Puts arrive meanwhile
		}
		return f.Sync()
	}
	s.rename = func(a, b string) error {
		if filepath.Dir(b) == dir {
			mu.Lock()
			renamed = append(renamed, b)
			mu.Unlock()
		}
		return os.Rename(a, b)
	}
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			key := fmt.Sprintf("records/doc1/object-%d", i)
			body := []byte("content of " + key)
			h := sha256.Sum256(body)
			_, err := s.Put(context.Background(), key, bytes.NewReader(body), int64(len(body)), hex.EncodeToString(h[:]), workflow.PutOptions{})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if len(renamed) != 0 {
		t.Errorf("names renamed and never synced after: %q", renamed)
	}
	if dirSyncs >= n || dirSyncs < 1 {
		t.Errorf("%d syncs of the directory for %d Puts at once: want them shared (fewer than %d)", dirSyncs, n, n)
	}
	t.Logf("%d syncs of the directory for %d Puts", dirSyncs, n)
}
