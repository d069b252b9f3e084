// Package storagetest is the conformance suite every workflow.Blobs
// implementation passes: storage/localfs always, storage/minio against a
// real MinIO server.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Run runs the conformance suite. newStore returns an empty store that
// supports retention and legal hold (for S3: a bucket with object lock);
// it is called once per subtest and must register its own cleanup.
//
// The retention subtests use retention periods of a few seconds and wait
// for them to pass; they run in parallel so the suite waits about once.
func Run(t *testing.T, newStore func(t *testing.T) workflow.Blobs) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, workflow.Blobs)
	}{
		{"PutGet", testPutGet},
		{"Empty", testEmpty},
		{"ErrSHA256Mismatch", testSHA256Mismatch},
		{"ErrSHA256MismatchKeepsOld", testSHA256MismatchKeepsOld},
		{"ErrShortContent", testShortContent},
		{"ErrSourceRead", testSourceRead},
		{"ErrInvalidInput", testInvalidInput},
		{"IdempotentPut", testIdempotentPut},
		{"RePutRefreshesModtime", testRePutRefreshesModtime},
		{"ContentTypeKept", testContentTypeKept},
		{"Overwrite", testOverwrite},
		{"NotFound", testNotFound},
		{"List", testList},
		{"Delete", testDelete},
		{"Concurrent", testConcurrent},
		{"Large", testLarge},
		{"LegalHoldWithoutRetention", testLegalHoldWithoutRetention},
		{"ErrRetentionInPast", testRetentionInPast},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
	// The tests that wait for a retention date to pass, side by side.
	t.Run("Retention", func(t *testing.T) {
		waiting := []struct {
			name string
			fn   func(*testing.T, workflow.Blobs)
		}{
			{"RefusesDeleteAndOverwrite", testRetention},
			{"LegalHoldOutlivesRetention", testLegalHoldOutlivesRetention},
		}
		for _, tt := range waiting {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tt.fn(t, newStore(t))
			})
		}
	})
}

// Sum returns the lowercase hex SHA-256 of b.
func Sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// RandomBytes returns n deterministic pseudo-random bytes.
func RandomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	r.Read(b)
	return b
}

func put(t *testing.T, s workflow.Blobs, key string, b []byte, opts workflow.PutOptions) workflow.ObjectInfo {
	t.Helper()
	oi, err := s.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), Sum(b), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return oi
}

// Get reads key whole from s, failing t if it cannot.
func Get(t *testing.T, s workflow.Blobs, key string) ([]byte, workflow.ObjectInfo) {
	t.Helper()
	return get(t, s, key)
}

func get(t *testing.T, s workflow.Blobs, key string) ([]byte, workflow.ObjectInfo) {
	t.Helper()
	rc, oi, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	return b, oi
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := workflow.ErrorCode(err); got != code {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, code)
	}
}

func wantAbsent(t *testing.T, s workflow.Blobs, key string) {
	t.Helper()
	_, err := s.Stat(context.Background(), key)
	wantCode(t, "Stat("+key+")", err, workflow.ENOTFOUND)
	_, _, err = s.Get(context.Background(), key)
	wantCode(t, "Get("+key+")", err, workflow.ENOTFOUND)
	var keys []string
	s.List(context.Background(), key, func(oi workflow.ObjectInfo) error {
		if oi.Key == key {
			keys = append(keys, oi.Key)
		}
		return nil
	})
	if len(keys) > 0 {
		t.Errorf("List(%q) shows %q, which should not exist", key, keys)
	}
}

func checkInfo(t *testing.T, what string, oi workflow.ObjectInfo, key string, b []byte) {
	t.Helper()
	if oi.Key != key || oi.Size != int64(len(b)) || oi.SHA256 != Sum(b) {
		t.Errorf("%s: info {Key %q Size %d SHA256 %s}, want {%q %d %s}", what, oi.Key, oi.Size, oi.SHA256, key, len(b), Sum(b))
	}
}

func testPutGet(t *testing.T, s workflow.Blobs) {
	const key = "docs/2026/bình-thủy/report.pdf"
	b := RandomBytes(1, 100<<10)
	before := time.Now().Add(-time.Minute)
	oi := put(t, s, key, b, workflow.PutOptions{ContentType: "application/pdf"})
	checkInfo(t, "Put", oi, key, b)

	got, gi := get(t, s, key)
	if !bytes.Equal(got, b) {
		t.Fatalf("Get returned %d bytes (sha %s), want the %d put (sha %s)", len(got), Sum(got), len(b), Sum(b))
	}
	checkInfo(t, "Get", gi, key, b)

	si, err := s.Stat(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, "Stat", si, key, b)
	// The type put is in the info (a HEAD is answered from it).
	if si.ContentType != "application/pdf" || gi.ContentType != "application/pdf" || oi.ContentType != "application/pdf" {
		t.Errorf("ContentType: Put %q, Get %q, Stat %q, want the application/pdf put", oi.ContentType, gi.ContentType, si.ContentType)
	}
	if si.Modtime.Before(before) || si.Modtime.After(time.Now().Add(time.Minute)) {
		t.Errorf("Stat: Modtime %v, want about now", si.Modtime)
	}
	if !si.RetainUntil.IsZero() || si.LegalHold {
		t.Errorf("Stat: RetainUntil %v LegalHold %v, want none", si.RetainUntil, si.LegalHold)
	}
}

func testEmpty(t *testing.T, s workflow.Blobs) {
	put(t, s, "empty", nil, workflow.PutOptions{})
	got, oi := get(t, s, "empty")
	if len(got) != 0 {
		t.Errorf("Get: %d bytes, want 0", len(got))
	}
	checkInfo(t, "Get", oi, "empty", nil)
}

func testSHA256Mismatch(t *testing.T, s workflow.Blobs) {
	b := RandomBytes(2, 10<<10)
	wrong := Sum([]byte("something else"))
	_, err := s.Put(context.Background(), "bad", bytes.NewReader(b), int64(len(b)), wrong, workflow.PutOptions{})
	wantCode(t, "Put with wrong SHA-256", err, workflow.EINVALID)
	if !errors.Is(err, workflow.ErrDigestMismatch) {
		t.Errorf("Put with wrong SHA-256: %v is not workflow.ErrDigestMismatch", err)
	}
	wantAbsent(t, s, "bad")

	// Also under retention: nothing may be locked in.
	_, err = s.Put(context.Background(), "bad-retained", bytes.NewReader(b), int64(len(b)), wrong,
		workflow.PutOptions{RetainUntil: time.Now().Add(time.Hour), LegalHold: true})
	wantCode(t, "Put with wrong SHA-256 and retention", err, workflow.EINVALID)
	wantAbsent(t, s, "bad-retained")
}

func testSHA256MismatchKeepsOld(t *testing.T, s workflow.Blobs) {
	old := []byte("the original")
	put(t, s, "k", old, workflow.PutOptions{})
	b := []byte("a replacement")
	_, err := s.Put(context.Background(), "k", bytes.NewReader(b), int64(len(b)), Sum([]byte("other")), workflow.PutOptions{})
	wantCode(t, "Put with wrong SHA-256 over an object", err, workflow.EINVALID)
	if got, _ := get(t, s, "k"); !bytes.Equal(got, old) {
		t.Errorf("after the refused Put the object reads %q, want %q", got, old)
	}
}

func testShortContent(t *testing.T, s workflow.Blobs) {
	b := []byte("twelve bytes")
	_, err := s.Put(context.Background(), "short", bytes.NewReader(b), int64(len(b))+10, Sum(b), workflow.PutOptions{})
	if err == nil {
		t.Fatal("Put of fewer bytes than declared succeeded")
	}
	wantAbsent(t, s, "short")
}

// failing is a source that cannot seek: it gives the first half of b,
// then fails with err.
type failing struct {
	b   []byte
	err error
}

func (f *failing) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, f.err
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// timeoutErr is a read deadline passed, as a stalled client's body says.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// testSourceRead: a source that fails to read (small, so that a store
// may hold it in memory, and one larger than that; neither can seek) is
// the caller's problem, not the store's: its own code when it carries
// one (a store's object that could not be read: EUNAVAILABLE); a request
// body over its limit ETOOLARGE; a broken or stalled client stream
// EINVALID — never an error without a code (a 500). Nothing is left.
func testSourceRead(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	for _, n := range []int{300, 3 << 20} {
		b := RandomBytes(uint64(n), n)
		for _, tc := range []struct {
			name string
			err  error
			code string
		}{
			{"broken", io.ErrUnexpectedEOF, workflow.EINVALID},
			{"reset", errors.New("read tcp 127.0.0.1:8080->127.0.0.1:50000: read: connection reset by peer"), workflow.EINVALID},
			{"timeout", timeoutErr{}, workflow.EINVALID},
			{"too large", &http.MaxBytesError{Limit: 100}, workflow.ETOOLARGE},
			{"store down", workflow.Errorf(workflow.EUNAVAILABLE, "object store unreachable"), workflow.EUNAVAILABLE},
		} {
			key := fmt.Sprintf("source/%d/%s", n, strings.ReplaceAll(tc.name, " ", "-"))
			_, err := s.Put(ctx, key, &failing{b: b[:n/2], err: tc.err}, int64(n), Sum(b), workflow.PutOptions{})
			wantCode(t, fmt.Sprintf("%d bytes, %s", n, tc.name), err, tc.code)
			wantAbsent(t, s, key)
		}
	}
}

func testInvalidInput(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	b := []byte("x")
	for _, key := range []string{"", "/abs", "a/../b", "../up", "a//b", "./a", "a/./b", "a/", ".", "..", `a\b`, "a\x00b", "nl\nx"} {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			_, err := s.Put(ctx, key, bytes.NewReader(b), 1, Sum(b), workflow.PutOptions{})
			wantCode(t, "Put", err, workflow.EINVALID)
			_, _, err = s.Get(ctx, key)
			wantCode(t, "Get", err, workflow.EINVALID)
			_, err = s.Stat(ctx, key)
			wantCode(t, "Stat", err, workflow.EINVALID)
			wantCode(t, "Delete", s.Delete(ctx, key), workflow.EINVALID)
			wantCode(t, "SetLegalHold", s.SetLegalHold(ctx, key, true), workflow.EINVALID)
		})
	}
	for _, sum := range []string{"", "abc", strings.ToUpper(Sum(b)), Sum(b)[:63] + "g"} {
		_, err := s.Put(ctx, "ok", bytes.NewReader(b), 1, sum, workflow.PutOptions{})
		wantCode(t, fmt.Sprintf("Put with SHA-256 %q", sum), err, workflow.EINVALID)
	}
	wantAbsent(t, s, "ok")
}

func testIdempotentPut(t *testing.T, s workflow.Blobs) {
	b := RandomBytes(3, 4096)
	first := put(t, s, "same", b, workflow.PutOptions{})
	second := put(t, s, "same", b, workflow.PutOptions{})
	checkInfo(t, "second Put", second, "same", b)
	if first.VersionID != second.VersionID && first.Modtime.Equal(second.Modtime) {
		t.Errorf("re-put made a new version: %q, then %q", first.VersionID, second.VersionID)
	}
	got, _ := get(t, s, "same")
	if !bytes.Equal(got, b) {
		t.Error("content changed after identical re-put")
	}
}

// testRePutRefreshesModtime: putting the content an unlocked object
// already holds makes it as young as the Put (content-addressed blobs
// re-used by a new upload must look new to the collector of unreferenced
// blobs, which takes only old ones); a locked object is left as it is.
func testRePutRefreshesModtime(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	b := RandomBytes(4, 2048)
	first := put(t, s, "reused", b, workflow.PutOptions{})
	time.Sleep(1100 * time.Millisecond) // S3 dates are to the second
	second := put(t, s, "reused", b, workflow.PutOptions{})
	if !second.Modtime.After(first.Modtime) {
		t.Errorf("re-put: Modtime %s, before %s: want later", second.Modtime, first.Modtime)
	}
	st, err := s.Stat(ctx, "reused")
	if err != nil || !st.Modtime.After(first.Modtime) || st.SHA256 != Sum(b) {
		t.Errorf("Stat after re-put: %+v %v, first Modtime %s", st, err, first.Modtime)
	}
	var listed workflow.ObjectInfo
	s.List(ctx, "reused", func(oi workflow.ObjectInfo) error { listed = oi; return nil })
	if !listed.Modtime.After(first.Modtime) {
		t.Errorf("List after re-put: Modtime %s, first %s", listed.Modtime, first.Modtime)
	}
	if got, _ := get(t, s, "reused"); !bytes.Equal(got, b) {
		t.Error("content changed by the re-put")
	}
}

// testContentTypeKept: an object keeps the type it was put with through
// everything that writes it again with the same content (a retry, an
// upload of the same bytes, a copy onto itself): a Put naming no type
// keeps it, one naming a type records that one; Get, Stat and List all
// give it. And a copy (Get, then Put of what it read with the type it
// gave, as the blob collector and restore copy) keeps it too.
func testContentTypeKept(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	types := []string{"application/pdf", "application/json", "image/png",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
	for i, ct := range types {
		key := fmt.Sprintf("typed/%d", i)
		b := RandomBytes(uint64(40+i), 512+i)
		put(t, s, key, b, workflow.PutOptions{ContentType: ct})
		// Written again with the same content, no type named.
		if oi := put(t, s, key, b, workflow.PutOptions{}); oi.ContentType != ct {
			t.Errorf("%s: Put again without a type: info says %q, want %q", key, oi.ContentType, ct)
		}
		wantType(t, s, key, ct)
		// Copied within the store with the type its Get gave.
		rc, gi, err := s.Get(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Put(ctx, "copied/"+key, rc, gi.Size, gi.SHA256, workflow.PutOptions{ContentType: gi.ContentType})
		rc.Close()
		if err != nil {
			t.Fatalf("copy %s: %v", key, err)
		}
		wantType(t, s, "copied/"+key, ct)
	}
	// Written again naming another type: that one.
	b := RandomBytes(49, 300)
	put(t, s, "retyped", b, workflow.PutOptions{ContentType: "application/octet-stream"})
	put(t, s, "retyped", b, workflow.PutOptions{ContentType: "application/pdf"})
	wantType(t, s, "retyped", "application/pdf")
}

// wantType checks that Get, Stat and List give key the type want.
func wantType(t *testing.T, s workflow.Blobs, key, want string) {
	t.Helper()
	ctx := context.Background()
	_, gi := get(t, s, key)
	si, err := s.Stat(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var li workflow.ObjectInfo
	s.List(ctx, key, func(oi workflow.ObjectInfo) error {
		if oi.Key == key {
			li = oi
		}
		return nil
	})
	if gi.ContentType != want || si.ContentType != want || li.ContentType != want {
		t.Errorf("%s: type: Get %q, Stat %q, List %q; want %q", key, gi.ContentType, si.ContentType, li.ContentType, want)
	}
}

func testOverwrite(t *testing.T, s workflow.Blobs) {
	put(t, s, "w", []byte("first"), workflow.PutOptions{})
	put(t, s, "w", []byte("second, longer"), workflow.PutOptions{})
	got, oi := get(t, s, "w")
	if string(got) != "second, longer" {
		t.Errorf("Get after overwrite: %q", got)
	}
	checkInfo(t, "Get after overwrite", oi, "w", []byte("second, longer"))
}

func testNotFound(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	_, _, err := s.Get(ctx, "missing/x")
	wantCode(t, "Get", err, workflow.ENOTFOUND)
	_, err = s.Stat(ctx, "missing/x")
	wantCode(t, "Stat", err, workflow.ENOTFOUND)
	wantCode(t, "Delete", s.Delete(ctx, "missing/x"), workflow.ENOTFOUND)
	wantCode(t, "SetLegalHold", s.SetLegalHold(ctx, "missing/x", true), workflow.ENOTFOUND)
	n := 0
	if err := s.List(ctx, "missing/", func(workflow.ObjectInfo) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("List of an empty prefix: %d objects, error %v", n, err)
	}
}

func testList(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	keys := []string{"b/2", "a/1", "a/10", "a/2", "a-x", "ab", "c", "a/sub/deep/z", "a/sub/y"}
	content := map[string][]byte{}
	for i, k := range keys {
		content[k] = RandomBytes(uint64(100+i), 10+i)
		put(t, s, k, content[k], workflow.PutOptions{})
	}
	for _, tt := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a-x", "a/1", "a/10", "a/2", "a/sub/deep/z", "a/sub/y", "ab", "b/2", "c"}},
		{"a/", []string{"a/1", "a/10", "a/2", "a/sub/deep/z", "a/sub/y"}},
		{"a", []string{"a-x", "a/1", "a/10", "a/2", "a/sub/deep/z", "a/sub/y", "ab"}},
		{"a/1", []string{"a/1", "a/10"}},
		{"a/sub/", []string{"a/sub/deep/z", "a/sub/y"}},
		{"a/su", []string{"a/sub/deep/z", "a/sub/y"}},
		{"b/2", []string{"b/2"}},
		{"d", nil},
		{"zz/top/", nil},
	} {
		var got []string
		err := s.List(ctx, tt.prefix, func(oi workflow.ObjectInfo) error {
			got = append(got, oi.Key)
			checkInfo(t, "List("+tt.prefix+")", oi, oi.Key, content[oi.Key])
			return nil
		})
		if err != nil {
			t.Errorf("List(%q): %v", tt.prefix, err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
	// fn's first error stops the listing and comes back as is.
	stop := errors.New("stop here")
	n := 0
	err := s.List(ctx, "", func(workflow.ObjectInfo) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("List with failing fn: %d calls, error %v, want 1 call and the fn's error", n, err)
	}
}

func testDelete(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	put(t, s, "d/1", []byte("one"), workflow.PutOptions{})
	put(t, s, "d/2", []byte("two"), workflow.PutOptions{})
	if err := s.Delete(ctx, "d/1"); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, s, "d/1")
	wantCode(t, "second Delete", s.Delete(ctx, "d/1"), workflow.ENOTFOUND)
	if got, _ := get(t, s, "d/2"); string(got) != "two" {
		t.Errorf("neighbour reads %q after Delete", got)
	}
	// An overwritten object is deleted with all it held.
	put(t, s, "d/3", []byte("old"), workflow.PutOptions{})
	put(t, s, "d/3", []byte("new"), workflow.PutOptions{})
	if err := s.Delete(ctx, "d/3"); err != nil {
		t.Fatal(err)
	}
	wantAbsent(t, s, "d/3")
	// And the key can be used again.
	put(t, s, "d/1", []byte("again"), workflow.PutOptions{})
	if got, _ := get(t, s, "d/1"); string(got) != "again" {
		t.Errorf("re-created object reads %q", got)
	}
}

func testConcurrent(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	const workers = 8
	const perWorker = 6
	shared := RandomBytes(7, 64<<10)
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*4)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				key := fmt.Sprintf("conc/%d/%d", w, i)
				b := RandomBytes(uint64(1000+w*perWorker+i), 1000+w*97+i*13)
				if _, err := s.Put(ctx, key, bytes.NewReader(b), int64(len(b)), Sum(b), workflow.PutOptions{}); err != nil {
					errs <- fmt.Errorf("Put %s: %w", key, err)
					continue
				}
				// Everyone also writes and reads the same object.
				if _, err := s.Put(ctx, "conc/shared", bytes.NewReader(shared), int64(len(shared)), Sum(shared), workflow.PutOptions{}); err != nil {
					errs <- fmt.Errorf("Put shared: %w", err)
				}
				for k, want := range map[string][]byte{key: b, "conc/shared": shared} {
					rc, _, err := s.Get(ctx, k)
					if err != nil {
						errs <- fmt.Errorf("Get %s: %w", k, err)
						continue
					}
					got, err := io.ReadAll(rc)
					rc.Close()
					if err != nil || !bytes.Equal(got, want) {
						errs <- fmt.Errorf("Get %s: %d bytes, error %v, want %d bytes", k, len(got), err, len(want))
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	if err := s.List(ctx, "conc/", func(workflow.ObjectInfo) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != workers*perWorker+1 {
		t.Errorf("List(conc/) found %d objects, want %d", n, workers*perWorker+1)
	}
}

// stream is an io.Reader of n pseudo-random bytes that never holds them all.
type stream struct {
	r *rand.ChaCha8
	n int64
}

func newStream(seed byte, n int64) *stream {
	return &stream{r: rand.NewChaCha8([32]byte{seed, 'v', 't'}), n: n}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	n, _ := s.r.Read(p)
	s.n -= int64(n)
	return n, nil
}

func testLarge(t *testing.T, s workflow.Blobs) {
	const size = 20 << 20
	h := sha256.New()
	io.Copy(h, newStream(9, size))
	sum := hex.EncodeToString(h.Sum(nil))

	ctx := context.Background()
	oi, err := s.Put(ctx, "large/20mb", newStream(9, size), size, sum, workflow.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if oi.Size != size || oi.SHA256 != sum {
		t.Errorf("Put: size %d sha %s, want %d %s", oi.Size, oi.SHA256, size, sum)
	}
	rc, _, err := s.Get(ctx, "large/20mb")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h.Reset()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != sum {
		t.Errorf("Get: %d bytes sha %s, want %d %s", n, got, size, sum)
	}

	// A corrupted large stream is refused too.
	_, err = s.Put(ctx, "large/bad", newStream(10, size), size, sum, workflow.PutOptions{})
	wantCode(t, "Put of 20 MB with wrong SHA-256", err, workflow.EINVALID)
	if !errors.Is(err, workflow.ErrDigestMismatch) {
		t.Errorf("Put of 20 MB with wrong SHA-256: %v is not workflow.ErrDigestMismatch", err)
	}
	wantAbsent(t, s, "large/bad")
}

func testLegalHoldWithoutRetention(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	put(t, s, "hold", []byte("held"), workflow.PutOptions{})
	if err := s.SetLegalHold(ctx, "hold", true); err != nil {
		t.Fatal(err)
	}
	if oi, err := s.Stat(ctx, "hold"); err != nil || !oi.LegalHold {
		t.Fatalf("Stat after SetLegalHold(true): LegalHold %v, error %v", oi.LegalHold, err)
	}
	wantCode(t, "Delete under legal hold", s.Delete(ctx, "hold"), workflow.EFORBIDDEN)
	b := []byte("changed")
	_, err := s.Put(ctx, "hold", bytes.NewReader(b), int64(len(b)), Sum(b), workflow.PutOptions{})
	wantCode(t, "overwrite under legal hold", err, workflow.ECONFLICT)
	if err := s.SetLegalHold(ctx, "hold", true); err != nil {
		t.Errorf("SetLegalHold(true) twice: %v", err)
	}
	if err := s.SetLegalHold(ctx, "hold", false); err != nil {
		t.Fatal(err)
	}
	if oi, err := s.Stat(ctx, "hold"); err != nil || oi.LegalHold {
		t.Fatalf("Stat after SetLegalHold(false): LegalHold %v, error %v", oi.LegalHold, err)
	}
	if err := s.Delete(ctx, "hold"); err != nil {
		t.Fatalf("Delete after the hold is lifted: %v", err)
	}
	wantAbsent(t, s, "hold")
}

func testRetentionInPast(t *testing.T, s workflow.Blobs) {
	b := []byte("x")
	_, err := s.Put(context.Background(), "past", bytes.NewReader(b), 1, Sum(b), workflow.PutOptions{RetainUntil: time.Now().Add(-time.Hour)})
	wantCode(t, "Put with retain-until in the past", err, workflow.EINVALID)
	wantAbsent(t, s, "past")
}

// retention is the short retention period of the waiting tests; S3
// COMPLIANCE retention cannot be shortened, so it must be tiny.
const retention = 3 * time.Second

func waitUntil(t *testing.T, until time.Time) {
	t.Helper()
	// A second of slack: S3 stores retain-until dates to the second and
	// the server's clock decides.
	time.Sleep(time.Until(until) + 1200*time.Millisecond)
}

func testRetention(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	until := time.Now().Add(retention).Truncate(time.Second).Add(time.Second)
	b := RandomBytes(11, 2048)
	oi := put(t, s, "rec/1", b, workflow.PutOptions{RetainUntil: until, ContentType: "application/pdf"})
	checkInfo(t, "Put", oi, "rec/1", b)

	si, err := s.Stat(ctx, "rec/1")
	if err != nil {
		t.Fatal(err)
	}
	if !si.RetainUntil.Equal(until) {
		t.Errorf("Stat: RetainUntil %v, want %v", si.RetainUntil, until)
	}
	_, gi := get(t, s, "rec/1")
	if !gi.RetainUntil.Equal(until) {
		t.Errorf("Get: RetainUntil %v, want %v", gi.RetainUntil, until)
	}

	wantCode(t, "Delete under retention", s.Delete(ctx, "rec/1"), workflow.EFORBIDDEN)
	other := []byte("forged")
	_, err = s.Put(ctx, "rec/1", bytes.NewReader(other), int64(len(other)), Sum(other), workflow.PutOptions{})
	wantCode(t, "overwrite under retention", err, workflow.ECONFLICT)
	_, err = s.Put(ctx, "rec/1", bytes.NewReader(other), int64(len(other)), Sum(other), workflow.PutOptions{RetainUntil: until.Add(time.Hour)})
	wantCode(t, "overwrite with retention under retention", err, workflow.ECONFLICT)
	// The same content again is the retry of an archive step: fine.
	put(t, s, "rec/1", b, workflow.PutOptions{RetainUntil: until})
	if got, _ := get(t, s, "rec/1"); !bytes.Equal(got, b) {
		t.Fatal("content changed under retention")
	}

	waitUntil(t, until)
	if err := s.Delete(ctx, "rec/1"); err != nil {
		t.Fatalf("Delete after retention: %v", err)
	}
	wantAbsent(t, s, "rec/1")
}

func testLegalHoldOutlivesRetention(t *testing.T, s workflow.Blobs) {
	ctx := context.Background()
	until := time.Now().Add(retention).Truncate(time.Second).Add(time.Second)
	b := RandomBytes(12, 1024)
	put(t, s, "rec/held", b, workflow.PutOptions{RetainUntil: until, LegalHold: true})
	si, err := s.Stat(ctx, "rec/held")
	if err != nil {
		t.Fatal(err)
	}
	if !si.LegalHold || !si.RetainUntil.Equal(until) {
		t.Errorf("Stat: LegalHold %v RetainUntil %v, want true %v", si.LegalHold, si.RetainUntil, until)
	}

	waitUntil(t, until)
	wantCode(t, "Delete under legal hold after retention", s.Delete(ctx, "rec/held"), workflow.EFORBIDDEN)
	other := []byte("forged")
	_, err = s.Put(ctx, "rec/held", bytes.NewReader(other), int64(len(other)), Sum(other), workflow.PutOptions{})
	wantCode(t, "overwrite under legal hold after retention", err, workflow.ECONFLICT)
	if got, _ := get(t, s, "rec/held"); !bytes.Equal(got, b) {
		t.Fatal("content changed under legal hold")
	}

	if err := s.SetLegalHold(ctx, "rec/held", false); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "rec/held"); err != nil {
		t.Fatalf("Delete after retention and hold: %v", err)
	}
	wantAbsent(t, s, "rec/held")
}
