package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// directPage renders page n of the file at path as handlePageImage does,
// without the server: what each page image must be.
func directPage(t testing.TB, path string, n, width int) []byte {
	t.Helper()
	scale, err := previewScale(context.Background(), path, n, width)
	if err != nil {
		t.Fatal(err)
	}
	ppm, err := exec.Command(pdftoppm, append(pageArgs(n, scale), path)...).Output()
	if err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	page, err := decodePPM(bytes.NewReader(ppm))
	if err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := encodePageImage(&img, page); err != nil {
		t.Fatal(err)
	}
	return img.Bytes()
}

// TestPageImagesSpoolOnce: reading every page of a long scan (the reader
// page, then each page's image, several at a time as a browser fetches
// them) copies the file out of the store once, and each page is the one
// a direct render of the file gives. On a server just started (a new
// cache), eight first requests at once for the same file spool it once.
func TestPageImagesSpoolOnce(t *testing.T) {
	if pdftoppm == "" || pdfinfo == "" {
		t.Skip("pdftoppm, pdfinfo not on PATH: no page images")
	}
	const pages = 24
	pdf := scannedPDF(t, pages, 400)
	orig := filepath.Join(t.TempDir(), "orig.pdf")
	if err := os.WriteFile(orig, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t)
	blobs := &countingBlobs{Blobs: e.docs.Blobs}
	e.docs.Blobs = blobs
	c := e.login("vanthu")
	id := uploadScan(t, c, pdf, "normal")
	blobs.gets.Store(0)
	blobs.bytes.Store(0)

	read := c.get("/documents/" + id + "/read")
	if imgs := srcsetAttr.FindAllStringSubmatch(read.Body, -1); read.Status != http.StatusOK || len(imgs) != pages {
		t.Fatalf("reader page: %d, %d images", read.Status, len(imgs))
	}
	want := make([][]byte, pages+1)
	for n := 1; n <= pages; n++ {
		want[n] = directPage(t, orig, n, 360)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6)
	for n := 1; n <= pages; n++ {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p := c.get(fmt.Sprintf("/documents/%s/page/%d?w=360", id, n))
			if p.Status != http.StatusOK || p.Body != string(want[n]) {
				t.Errorf("page %d: %d, %d bytes, not the direct render of the page", n, p.Status, len(p.Body))
			}
		})
	}
	wg.Wait()
	if g, b := blobs.gets.Load(), blobs.bytes.Load(); g != 1 || b != int64(len(pdf)) {
		t.Errorf("reading %d pages opened the file %d times, %d bytes out of the store; want once, %d bytes", pages, g, b, len(pdf))
	}
	// Another reader (no ETag to revalidate) gets the images rendered
	// for the first: nothing is filled again but a width not asked yet.
	var fills []string
	e.ui.pdfs.mu.Lock()
	e.ui.pdfs.filled = func(key string) { fills = append(fills, key) }
	e.ui.pdfs.mu.Unlock()
	other := e.login("lanhdao")
	for n := 1; n <= pages; n++ {
		if p := other.get(fmt.Sprintf("/documents/%s/page/%d?w=360", id, n)); p.Status != http.StatusOK || p.Body != string(want[n]) {
			t.Errorf("another reader, page %d: %d, not the page rendered for the first", n, p.Status)
		}
	}
	p := other.get(fmt.Sprintf("/documents/%s/page/1?w=361", id))
	e.ui.pdfs.mu.Lock()
	if p.Status != http.StatusOK || fmt.Sprint(fills) != fmt.Sprintf("[%s-1-361]", shaOf(pdf)) {
		t.Errorf("another reader filled %v; want only page 1 at 361 px", fills)
	}
	e.ui.pdfs.mu.Unlock()

	e.remount(t, Config{PreviewCacheDir: t.TempDir()})
	c = e.login("vanthu")
	blobs.gets.Store(0)
	for n := 1; n <= 8; n++ {
		wg.Go(func() {
			if p := c.get(fmt.Sprintf("/documents/%s/page/%d?w=720", id, n)); p.Status != http.StatusOK {
				t.Errorf("page %d: %d", n, p.Status)
			}
		})
	}
	wg.Wait()
	if g := blobs.gets.Load(); g != 1 {
		t.Errorf("8 first requests at once opened the file %d times, want 1", g)
	}
}

// TestPageImageRevalidation: a page image carries an ETag of the file,
// page and width and no-cache; asked again with it, the answer is a 304
// without the file being read — but only for a user signed in who may
// see the document. A classified document's page has no ETag, is no-store, and
// is rendered again whatever If-None-Match says; a user who may not see
// it gets 404 with the tag as without.
func TestPageImageRevalidation(t *testing.T) {
	if pdftoppm == "" || pdfinfo == "" {
		t.Skip("pdftoppm, pdfinfo not on PATH: no page images")
	}
	pdf := scannedPDF(t, 3, 300)
	sum := sha256.Sum256(pdf)
	sha := hex.EncodeToString(sum[:])
	e := newTestEnv(t)
	blobs := &countingBlobs{Blobs: e.docs.Blobs}
	e.docs.Blobs = blobs
	c := e.login("vanthu")
	id := uploadScan(t, c, pdf, "normal")
	get := func(c *client, path, inm string) page {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		return c.do(req)
	}
	first := get(c, "/documents/"+id+"/page/2?w=360", "")
	tag := first.Header.Get("ETag")
	if first.Status != http.StatusOK || tag != fmt.Sprintf(`"p2-%s-2-360"`, sha) || first.Header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("page 2: %d, ETag %q, Cache-Control %q", first.Status, tag, first.Header.Get("Cache-Control"))
	}
	before := blobs.gets.Load()
	if p := get(c, "/documents/"+id+"/page/2?w=360", tag); p.Status != http.StatusNotModified || p.Body != "" || p.Header.Get("ETag") != tag {
		t.Errorf("page 2 again with its tag: %d, ETag %q, %d bytes", p.Status, p.Header.Get("ETag"), len(p.Body))
	}
	for _, other := range []string{"/page/2?w=720", "/page/3?w=360", "/page/2"} {
		if p := get(c, "/documents/"+id+other, tag); p.Status != http.StatusOK || p.Header.Get("ETag") == tag {
			t.Errorf("%s with page 2's tag at 360 px: %d, ETag %q", other, p.Status, p.Header.Get("ETag"))
		}
	}
	if p := get(e.client(), "/documents/"+id+"/page/2?w=360", tag); p.Status == http.StatusNotModified || p.Header.Get("ETag") != "" {
		t.Errorf("signed out, with the tag: %d, ETag %q", p.Status, p.Header.Get("ETag"))
	}
	if p := get(c, "/documents/"+id+"/page/4?w=360", "*"); p.Status != http.StatusNotFound {
		t.Errorf("a page past the last, If-None-Match *: %d", p.Status)
	}
	if g := blobs.gets.Load(); g != before {
		t.Errorf("the 304 and the renders from the cache read the store %d times", g-before)
	}

	secret := uploadScan(t, c, pdf, "confidential") // the same file: the same tag would match
	path := "/documents/" + secret + "/page/2?w=360"
	p := get(c, path, tag)
	if p.Status != http.StatusOK || p.Body != first.Body || p.Header.Get("ETag") != "" || p.Header.Get("Cache-Control") != "private, no-store" {
		t.Errorf("classified, clerk, with the tag: %d, ETag %q, Cache-Control %q", p.Status, p.Header.Get("ETag"), p.Header.Get("Cache-Control"))
	}
	if p := get(c, "/documents/"+secret+"/read", ""); p.Status != http.StatusOK {
		t.Errorf("classified, the reader: %d", p.Status)
	}
	e.ui.pdfs.mu.Lock()
	for k := range e.ui.pdfs.byKey {
		if strings.HasPrefix(k, "x-") {
			t.Errorf("a classified document's file or page %s kept in the cache after its requests", k)
		}
	}
	e.ui.pdfs.mu.Unlock()
	if left, _ := filepath.Glob(filepath.Join(e.ui.pdfs.dir, "x-*")); len(left) > 0 {
		t.Errorf("classified files left on disk: %q", left)
	}
	h := e.login("chuyenvien")
	for _, inm := range []string{tag, "*", ""} {
		if p := get(h, path, inm); p.Status != http.StatusNotFound {
			t.Errorf("classified, a handler not given it, If-None-Match %q: %d", inm, p.Status)
		}
	}
}

// fillWith is a fill of the cache writing b.
func fillWith(b []byte) func(io.Writer) error {
	return func(w io.Writer) error { _, err := w.Write(b); return err }
}

func shaOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestPDFCacheBound: the files no render reads are kept within the bound,
// the least recently used removed first (from the disk too); a file being
// read is never removed, whatever the bound, and goes when released if
// the cache is over it.
func TestPDFCacheBound(t *testing.T) {
	c := newPDFCache(t.TempDir(), 350)
	var evicted []string
	c.evicted = func(sha string) { evicted = append(evicted, sha) }
	files := make([][]byte, 4)
	for i := range files {
		files[i] = bytes.Repeat([]byte{byte('a' + i)}, 100)
	}
	ctx := context.Background()
	paths := map[string]string{}
	use := func(i int) func() {
		t.Helper()
		path, release, err := c.acquire(ctx, shaOf(files[i]), fillWith(files[i]))
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, files[i]) {
			t.Fatalf("file %d: %q, %v", i, b, err)
		}
		if _, ok := paths[shaOf(files[i])]; !ok {
			paths[shaOf(files[i])] = path // the first spool's, checked gone when evicted
		}
		return release
	}
	check := func(what string, want ...int) {
		t.Helper()
		var w []string
		for _, i := range want {
			w = append(w, shaOf(files[i]))
		}
		if fmt.Sprint(evicted) != fmt.Sprint(w) {
			t.Errorf("%s: evicted %v, want %v (files %v); %d bytes kept", what, evicted, w, want, c.size)
		}
		for _, i := range want {
			if _, err := os.Stat(paths[shaOf(files[i])]); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: evicted file %d is still on disk: %v", what, i, err)
			}
		}
	}
	held := use(0) // the least recent, but being read
	use(1)()
	use(2)()
	use(1)() // 1 is now more recent than 2
	use(3)() // 400 bytes: 2 goes, the least recent not in use
	check("over the bound", 2)
	if _, err := os.Stat(paths[shaOf(files[0])]); err != nil {
		t.Errorf("the file in use was removed: %v", err)
	}
	held()
	use(2)() // spooled again: 0, released, the least recent, goes
	check("after the release", 2, 0)
	if c.size != 300 {
		t.Errorf("%d bytes kept, want 300 (bound 350)", c.size)
	}
	entries, _ := os.ReadDir(c.dir)
	if len(entries) != 4 { // 1, 2, 3 and the lock
		t.Errorf("the cache's directory holds %d entries, want 4", len(entries))
	}

	// A bound of none: files are kept while read, and go when released.
	c, evicted, paths = newPDFCache(t.TempDir(), -1), nil, map[string]string{}
	c.evicted = func(sha string) { evicted = append(evicted, sha) }
	r0, r1 := use(0), use(1)
	if p, r, _ := c.acquire(ctx, shaOf(files[0]), nil); p != paths[shaOf(files[0])] { // shared, not spooled again (fill nil)
		t.Errorf("a file in use was spooled again: %s", p)
	} else {
		r()
	}
	check("both in use")
	r1()
	check("1 released", 1)
	r0()
	check("0 released", 1, 0)
	if c.size != 0 {
		t.Errorf("%d bytes kept with a bound of none", c.size)
	}
}

// TestPDFCacheFailedSpool: a spool that fails part way, or whose content
// is not the file asked for, is never served nor left on disk; the next
// request spools again.
func TestPDFCacheFailedSpool(t *testing.T) {
	c := newPDFCache(t.TempDir(), 1<<20)
	want := []byte("%PDF-1.7 the whole file")
	sha := shaOf(want)
	ctx := context.Background()
	broken := errors.New("the store broke")
	for _, fill := range []func(io.Writer) error{
		func(w io.Writer) error { w.Write(want[:5]); return broken },
		fillWith([]byte("%PDF-1.7 another file")),
		fillWith(want[:10]),
	} {
		if _, _, err := c.acquire(ctx, sha, spoolChecked(sha, fill)); err == nil {
			t.Error("a failed spool was served")
		}
		if entries, _ := os.ReadDir(c.dir); len(entries) != 1 {
			t.Errorf("a failed spool left %d files", len(entries)-1)
		}
	}
	path, release, err := c.acquire(ctx, sha, spoolChecked(sha, fillWith(want)))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if b, _ := os.ReadFile(path); !bytes.Equal(b, want) {
		t.Errorf("got %q", b)
	}
}

// TestPDFCacheSingleflight: concurrent first requests spool once; when
// the spool fails, a waiter spools in its turn.
func TestPDFCacheSingleflight(t *testing.T) {
	c := newPDFCache(t.TempDir(), 1<<20)
	want := []byte("%PDF-1.7 one file")
	var spools atomic.Int32
	gate := make(chan struct{})
	fill := func(w io.Writer) error {
		if spools.Add(1) == 1 {
			<-gate // the others arrive meanwhile
			return errors.New("the first spool fails")
		}
		_, err := w.Write(want)
		return err
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 8 {
		wg.Go(func() {
			_, release, err := c.acquire(context.Background(), shaOf(want), fill)
			if err != nil {
				failed.Add(1)
				return
			}
			release()
		})
	}
	for { // all eight in: one spooling, seven waiting
		c.mu.Lock()
		_, busy := c.flights[shaOf(want)]
		c.mu.Unlock()
		if busy {
			break
		}
	}
	close(gate)
	wg.Wait()
	if spools.Load() != 2 || failed.Load() != 1 {
		t.Errorf("%d spools, %d failed; want 2 (the first failing), 1", spools.Load(), failed.Load())
	}
}

// TestPDFCacheStaleRuns: a cache starting removes the run directories
// left by processes gone, never one a live cache holds.
func TestPDFCacheStaleRuns(t *testing.T) {
	parent := t.TempDir()
	live := newPDFCache(parent, 1<<20)
	if err := live.open(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(parent, "run-gone")
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(stale, "lock"), nil, 0o600)
	os.WriteFile(filepath.Join(stale, "x.pdf"), []byte("old"), 0o600)
	next := newPDFCache(parent, 1<<20)
	if err := next.open(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale run directory is still there: %v", err)
	}
	if _, err := os.Stat(live.dir); err != nil || live.dir == next.dir {
		t.Errorf("the live cache's directory: %v (%s, %s)", err, live.dir, next.dir)
	}
}
