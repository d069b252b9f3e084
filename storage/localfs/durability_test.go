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

// syncLog records, in one order, the renames into the store and the
// start and end of each fsync of a directory, and each Put's return.
type syncLog struct {
	mu  sync.Mutex
	ops []string
}

func (l *syncLog) add(op string) {
	l.mu.Lock()
	l.ops = append(l.ops, op)
	l.mu.Unlock()
}

// record makes s log into l, and calls hold (if not nil) before each
// sync of a temporary file.
func (l *syncLog) record(s *Store, hold func()) {
	rel := func(p string) string { r, _ := filepath.Rel(s.dir, p); return filepath.ToSlash(r) }
	s.syncFile = func(f *os.File) error {
		name := rel(f.Name())
		if strings.HasPrefix(name, "tmp/") {
			if hold != nil {
				hold()
			}
			return f.Sync()
		}
		l.add("start " + name)
		err := f.Sync()
		l.add("end " + name)
		return err
	}
	s.rename = func(a, b string) error {
		err := os.Rename(a, b)
		l.add("rename " + rel(b))
		return err
	}
}

// checkDurable fails unless each Put of keys found, after renaming its
// content, a sync of the content's directory begun after the rename and
// ended before the metadata's rename, and after that a sync of the
// metadata's directory begun after its rename and ended before the Put
// returned ("return <key>").
func (l *syncLog) checkDurable(t *testing.T, keys []string) {
	t.Helper()
	at := func(op string, from int) int {
		i := slices.Index(l.ops[from:], op)
		if i < 0 {
			return -1
		}
		return from + i
	}
	// synced reports whether a sync of dir starts after from and ends before to.
	synced := func(dir string, from, to int) bool {
		for i := from + 1; i < to; i++ {
			if l.ops[i] == "start "+dir && at("end "+dir, i) < to && at("end "+dir, i) > 0 {
				return true
			}
		}
		return false
	}
	for _, k := range keys {
		obj, meta, ret := at("rename objects/"+k, 0), at("rename meta/"+k, 0), at("return "+k, 0)
		if obj < 0 || meta < obj || ret < meta {
			t.Errorf("%s: renames and return out of order or missing (%d, %d, %d)", k, obj, meta, ret)
			continue
		}
		dir := filepath.ToSlash(filepath.Dir(k))
		if !synced("objects/"+dir, obj, meta) {
			t.Errorf("%s: metadata renamed before a sync of objects/%s that covers the content", k, dir)
		}
		if !synced("meta/"+dir, meta, ret) {
			t.Errorf("%s: Put returned before a sync of meta/%s that covers the metadata", k, dir)
		}
	}
}

// distinctStripes returns n keys under prefix whose locks differ (same
// when same is set: n keys under one lock).
func distinctStripes(s *Store, prefix string, n int, same bool) []string {
	var keys []string
	seen := map[*sync.RWMutex]bool{}
	for i := 0; len(keys) < n; i++ {
		k := fmt.Sprintf("%s/object-%d", prefix, i)
		mu := s.lock(k)
		switch {
		case same && (len(keys) == 0 || mu == s.lock(keys[0])), !same && !seen[mu]:
			keys = append(keys, k)
			seen[mu] = true
		}
	}
	return keys
}

// putAll puts each key at once, holding every temporary file's sync until
// all of them have begun (so every Put is announced before any renames),
// and logs each return.
func putAll(t *testing.T, s *Store, l *syncLog, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Add(2 * len(keys)) // two temporary files per Put
	l.record(s, func() { wg.Done(); wg.Wait() })
	errs := make(chan error, len(keys))
	for _, k := range keys {
		go func() {
			body := []byte("content of " + k)
			h := sha256.Sum256(body)
			_, err := s.Put(context.Background(), k, bytes.NewReader(body), int64(len(body)), hex.EncodeToString(h[:]), workflow.PutOptions{})
			l.add("return " + k)
			errs <- err
		}()
	}
	deadlock := time.After(time.Minute)
	for range keys {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-deadlock:
			t.Fatalf("Puts still running after a minute: deadlocked (ops %q)", l.ops)
		}
	}
}

// TestAnnouncedPutsShareOneSync: Puts into one new directory, all written
// before any of them renames (an archive record's objects), take one
// sync of the directory per tree, not one each, and each still returns
// only after syncs that cover its content, then its metadata.
func TestAnnouncedPutsShareOneSync(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var l syncLog
	keys := distinctStripes(s, "records/doc1/v5", 4, false)
	putAll(t, s, &l, keys)
	t.Logf("ops: %q", l.ops)
	l.checkDurable(t, keys)
	for _, dir := range []string{"objects/records/doc1/v5", "meta/records/doc1/v5"} {
		if n := strings.Count(strings.Join(l.ops, "\n")+"\n", "start "+dir+"\n"); n != 1 {
			t.Errorf("%d syncs of %s for %d Puts announced together, want 1", n, dir, len(keys))
		}
	}
	if len(s.dirs) != 0 {
		t.Errorf("directory sync state left: %v", s.dirs)
	}
}

// TestAnnouncedPutsUnderOneLock: Puts whose keys share a lock stripe, all
// announced at once, finish (the one waiting for the lock does not hold
// up the sync the holder waits for) and each is durable.
func TestAnnouncedPutsUnderOneLock(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var l syncLog
	keys := distinctStripes(s, "records/doc2/v1", 3, true)
	putAll(t, s, &l, keys)
	l.checkDurable(t, keys)
	if len(s.dirs) != 0 {
		t.Errorf("directory sync state left: %v", s.dirs)
	}
}
