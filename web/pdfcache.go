package web

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/vanthu/vanthu/workflow"
)

// The page images of a long document are many requests for one file: the
// reader of a 300-page scan asks for 300 pages of the same 49 MB. Each
// request used to copy the whole file out of the store into a temporary
// directory for its one page, and render it again for every reader.
// pdfCache keeps both instead, on disk: the copies of files, by their
// SHA-256, and the rendered page images, by the file's SHA-256, the page
// and the width (so never stale: a new revision is another key), within
// one bound, the least recently used removed first. It is reached only
// after the request's own access check (the document's Get) has passed;
// what it saves is the copy and the render, never the check.

// pdfCache is the bounded on-disk cache of spooled PDFs and their
// rendered pages.
type pdfCache struct {
	parent string // where the run directories are (Config.PreviewCacheDir)
	limit  int64  // bytes kept beyond the files in use (0: none)

	setup sync.Once
	dir   string   // this cache's run directory under parent
	lock  *os.File // its lock, held while the process lives
	err   error    // of setup

	mu      sync.Mutex
	size    int64                    // bytes of the files in byKey
	lru     *list.List               // of *pdfEntry, most recently used first
	byKey   map[string]*pdfEntry     // by key
	flights map[string]chan struct{} // spools in progress, closed when done
	seq     int                      // names each spooled file apart
	evicted func(key string)         // tests: told of each eviction (c.mu held)
	filled  func(key string)         // tests: told of each fill (c.mu held)
}

type pdfEntry struct {
	key       string
	path      string
	size      int64
	refs      int  // renders reading it: never removed while > 0
	transient bool // removed once no request reads it (transientKey)
	elem      *list.Element
}

// transientKey is the key of a classified document's file or page (Mật
// and above): kept only while requests read it — concurrent ones share
// it — and removed when the last is done, never left on disk for later,
// as a classified page is never stored by the browser (no-store).
func transientKey(key string, classified bool) string {
	if classified {
		return "x-" + key
	}
	return key
}

func newPDFCache(parent string, limit int64) *pdfCache {
	return &pdfCache{parent: parent, limit: max(limit, 0), lru: list.New(),
		byKey: map[string]*pdfEntry{}, flights: map[string]chan struct{}{}}
}

// open makes this cache's run directory under parent: a directory of its
// own, locked while the process lives, so that two servers (or two
// interfaces in one process) sharing parent never remove each other's
// files; the run directories of processes gone (not locked) are removed
// first — the cache keeps nothing across a restart.
func (c *pdfCache) open() error {
	c.setup.Do(func() {
		if c.err = os.MkdirAll(c.parent, 0o700); c.err != nil {
			return
		}
		var unlock func()
		if unlock, c.err = lockFile(filepath.Join(c.parent, "setup.lock"), true); c.err != nil {
			return
		}
		defer unlock()
		removeStaleRuns(c.parent)
		if c.dir, c.err = os.MkdirTemp(c.parent, "run-"); c.err != nil {
			return
		}
		c.lock, c.err = holdLock(filepath.Join(c.dir, "lock"))
	})
	return c.err
}

// removeStaleRuns removes the run directories under parent whose lock no
// process holds.
func removeStaleRuns(parent string) {
	runs, _ := filepath.Glob(filepath.Join(parent, "run-*"))
	for _, dir := range runs {
		unlock, err := lockFile(filepath.Join(dir, "lock"), false)
		if err != nil {
			continue // held: a live cache; or unreadable: left alone
		}
		os.RemoveAll(dir)
		unlock()
	}
}

// acquire returns the path of the file of key, written by fill when the
// cache does not have it, and the release the caller must call when done
// reading it (until then it is not removed). Concurrent first requests
// for one key fill it once: the others wait for it (or for ctx). A fill
// that fails is removed and never served, and its error returned.
// A key is a file name: letters, digits and dashes.
func (c *pdfCache) acquire(ctx context.Context, key string, fill func(io.Writer) error) (string, func(), error) {
	if err := c.open(); err != nil {
		return "", nil, fmt.Errorf("page preview cache: %w", err)
	}
	for {
		c.mu.Lock()
		if e, ok := c.byKey[key]; ok {
			e.refs++
			c.lru.MoveToFront(e.elem)
			c.mu.Unlock()
			return e.path, c.releaser(e), nil
		}
		wait, busy := c.flights[key]
		if !busy {
			done := make(chan struct{})
			c.flights[key] = done
			c.seq++
			path := filepath.Join(c.dir, key+"."+strconv.Itoa(c.seq))
			c.mu.Unlock()
			e, err := c.spool(key, path, fill)
			c.mu.Lock()
			delete(c.flights, key)
			close(done)
			if err != nil {
				c.mu.Unlock()
				return "", nil, err
			}
			c.add(e)
			c.mu.Unlock()
			return e.path, c.releaser(e), nil
		}
		c.mu.Unlock()
		select { // then look again: the file, or (the spool failed) a turn to spool it
		case <-wait:
		case <-ctx.Done():
			return "", nil, workflow.Wrap(workflow.EUNAVAILABLE, ctx.Err(), "the file is still being prepared")
		}
	}
}

// spool writes fill's content to path.
func (c *pdfCache) spool(key, path string, fill func(io.Writer) error) (*pdfEntry, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	cw := &countingWriter{w: f}
	err = fill(cw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return &pdfEntry{key: key, path: path, size: cw.n, refs: 1, transient: strings.HasPrefix(key, "x-")}, nil
}

// spoolChecked is a fill writing what copy writes, checking that its
// SHA-256 is sha: a copy cut short or of another content is refused.
func spoolChecked(sha string, copy func(io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error {
		h := sha256.New()
		if err := copy(io.MultiWriter(w, h)); err != nil {
			return err
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sha {
			return fmt.Errorf("the file read for %s has SHA-256 %s", sha, got)
		}
		return nil
	}
}

// add puts e, in use, into the cache (c.mu held).
func (c *pdfCache) add(e *pdfEntry) {
	e.elem = c.lru.PushFront(e)
	c.byKey[e.key] = e
	c.size += e.size
	if c.filled != nil {
		c.filled(e.key)
	}
	c.evict()
}

func (c *pdfCache) releaser(e *pdfEntry) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			e.refs--
			if e.transient && e.refs == 0 {
				c.remove(e)
			}
			c.evict()
		})
	}
}

// evict removes the least recently used files not in use until the cache
// is within its bound (c.mu held). Each spool has a name of its own, so a
// file removed is never one spooled again meanwhile.
func (c *pdfCache) evict() {
	for el := c.lru.Back(); el != nil && c.size > c.limit; {
		e := el.Value.(*pdfEntry)
		el = el.Prev()
		if e.refs > 0 {
			continue
		}
		c.remove(e)
	}
}

// remove takes e, not in use, out of the cache and its file off the disk
// (c.mu held).
func (c *pdfCache) remove(e *pdfEntry) {
	c.lru.Remove(e.elem)
	delete(c.byKey, e.key)
	c.size -= e.size
	os.Remove(e.path)
	if c.evicted != nil {
		c.evicted(e.key)
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
