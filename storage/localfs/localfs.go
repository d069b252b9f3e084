// Package localfs is the embedded object store: objects are plain files in
// a local folder, each with a JSON metadata file (SHA-256, retention, legal
// hold, content type) in a parallel tree.
//
// Layout under the store's directory:
//
//	objects/<key>   the content, byte for byte
//	meta/<key>      JSON metadata; an object exists when its metadata does
//	tmp/            files being written, renamed into place when complete
//
// Content is written to tmp/, hashed while written, fsynced and renamed
// into place, so no partial object is ever visible. Objects under
// retention or legal hold are made read-only (0444) and the store refuses
// to delete or overwrite them. This protects against mistakes through the
// application only: anyone with write access to the folder can still
// change the files. Only S3 object lock (storage/minio) holds against
// someone with disk access.
package localfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vanthu/vanthu/internal/ctxio"
	"github.com/vanthu/vanthu/workflow"
)

// Store is a workflow.Blobs in a local folder. It is safe for concurrent
// use within one process; several processes must not share a folder.
type Store struct {
	dir string
	// Now is the clock used for retention decisions (time.Now by default).
	Now func() time.Time

	locks [64]sync.RWMutex // striped by key

	// syncFile and rename are (*os.File).Sync and os.Rename; a test
	// replaces them to see what Put makes durable, and in which order.
	syncFile func(*os.File) error
	rename   func(oldpath, newpath string) error

	// dirMu guards made: the directories a Put made whose entry in their
	// parent is not yet durable, each with a channel closed once it is.
	// Another Put that finds such a directory waits for it before it
	// calls its own object durable.
	dirMu sync.Mutex
	made  map[string]chan struct{}
	// dirs are the directories with fsyncs running, waited for or
	// announced (syncDirShared; guarded by dirMu).
	dirs map[string]*dirSyncs
}

var _ workflow.Blobs = (*Store)(nil)

// New opens (creating if needed) a store rooted at dir.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("localfs: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localfs: %w", err)
	}
	for _, sub := range []string{"objects", "meta", "tmp"} {
		if err := os.MkdirAll(filepath.Join(abs, sub), 0o755); err != nil {
			return nil, fmt.Errorf("localfs: %w", err)
		}
	}
	// The store's own directories are durable before anything is put in
	// them (Put syncs only the directories it makes itself).
	for _, d := range []string{filepath.Dir(abs), abs} {
		if err := syncDir(d); err != nil {
			return nil, fmt.Errorf("localfs: %w", err)
		}
	}
	return &Store{dir: abs, Now: time.Now, syncFile: (*os.File).Sync, rename: os.Rename, made: map[string]chan struct{}{}, dirs: map[string]*dirSyncs{}}, nil
}

// Dir returns the store's root directory.
func (s *Store) Dir() string { return s.dir }

// Path returns the file holding key's content (whether or not it exists).
// It is meant for tests and tools that inspect the folder.
func (s *Store) Path(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return s.objectPath(key), nil
}

func (s *Store) objectPath(key string) string {
	return filepath.Join(s.dir, "objects", filepath.FromSlash(key))
}

func (s *Store) metaPath(key string) string {
	return filepath.Join(s.dir, "meta", filepath.FromSlash(key))
}

func (s *Store) lock(key string) *sync.RWMutex {
	h := fnv.New32a()
	h.Write([]byte(key))
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

// meta is the JSON metadata file of one object.
type meta struct {
	Key         string     `json:"key"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	ContentType string     `json:"content_type,omitempty"`
	Modtime     time.Time  `json:"modtime"`
	RetainUntil *time.Time `json:"retain_until,omitempty"`
	LegalHold   bool       `json:"legal_hold,omitempty"`
}

func (m *meta) info() workflow.ObjectInfo {
	oi := workflow.ObjectInfo{
		Key:         m.Key,
		Size:        m.Size,
		SHA256:      m.SHA256,
		Modtime:     m.Modtime,
		LegalHold:   m.LegalHold,
		ContentType: m.ContentType,
	}
	if m.RetainUntil != nil {
		oi.RetainUntil = *m.RetainUntil
	}
	return oi
}

// locked reports whether the object may not be deleted or overwritten at now.
func (m *meta) locked(now time.Time) bool {
	return m.LegalHold || (m.RetainUntil != nil && now.Before(*m.RetainUntil))
}

func (s *Store) readMeta(key string) (*meta, error) {
	b, err := os.ReadFile(s.metaPath(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) {
			return nil, workflow.Errorf(workflow.ENOTFOUND, "object %q not found", key)
		}
		return nil, fmt.Errorf("localfs: read metadata of %q: %w", key, err)
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("localfs: metadata of %q: %w", key, err)
	}
	if m.Key != key {
		return nil, fmt.Errorf("localfs: metadata of %q names key %q", key, m.Key)
	}
	return &m, nil
}

// Put implements workflow.Blobs.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return workflow.ObjectInfo{}, err
	}
	if err := validateSHA256(sum); err != nil {
		return workflow.ObjectInfo{}, err
	}
	if size < 0 {
		return workflow.ObjectInfo{}, workflow.Errorf(workflow.EINVALID, "negative size %d", size)
	}
	now := s.Now()
	if !opts.RetainUntil.IsZero() && !opts.RetainUntil.After(now) {
		return workflow.ObjectInfo{}, workflow.Errorf(workflow.EINVALID, "retain-until %s is not in the future", opts.RetainUntil.Format(time.RFC3339))
	}

	// Cheap early answer for retries and refusals, before reading r.
	if oi, done, err := s.existing(key, size, sum, now); err != nil {
		return oi, err
	} else if done {
		mu := s.lock(key)
		mu.Lock()
		oi, done, err = s.touchLocked(key, size, sum, opts.ContentType)
		mu.Unlock()
		if done || err != nil {
			return oi, err
		}
	}

	m := &meta{Key: key, Size: size, SHA256: sum, ContentType: opts.ContentType, Modtime: now.UTC(), LegalHold: opts.LegalHold}
	if !opts.RetainUntil.IsZero() {
		ru := opts.RetainUntil.UTC()
		m.RetainUntil = &ru
	}
	mode := os.FileMode(0o644)
	if m.locked(now) {
		mode = 0o444
	}

	// The content and the metadata are written to temporary files and
	// made durable together: both fsyncs are in flight at once, so a Put
	// waits for one device flush there instead of two in a row.
	dataF, err := s.writeData(ctx, key, r, size, sum, mode)
	if err != nil {
		return workflow.ObjectInfo{}, err
	}
	dataTmp := dataF.Name()
	defer os.Remove(dataTmp) // no-op once renamed
	metaF, err := s.writeMetaFile(m, mode)
	if err != nil {
		dataF.Close()
		return workflow.ObjectInfo{}, err
	}
	metaTmp := metaF.Name()
	defer os.Remove(metaTmp)
	// Announced from here to each rename: a sync of either directory
	// waited for meanwhile waits for this Put's rename and covers it too.
	tk := &ticket{dirs: [2]string{filepath.Dir(s.objectPath(key)), filepath.Dir(s.metaPath(key))}}
	s.announce(tk)
	defer s.withdraw(tk)
	if err := s.syncClose(dataF, metaF); err != nil {
		return workflow.ObjectInfo{}, fmt.Errorf("localfs: put %q: %w", key, err)
	}

	mu := s.lockAnnounced(key, tk)
	defer mu.Unlock()
	// Re-check under the lock: another Put may have won meanwhile.
	if _, done, err := s.existing(key, size, sum, s.Now()); err != nil {
		return workflow.ObjectInfo{}, err
	} else if done {
		if oi, done, err := s.touchLocked(key, size, sum, opts.ContentType); done || err != nil {
			return oi, err
		}
	}
	if err := s.install(key, dataTmp, metaTmp, tk); err != nil {
		return workflow.ObjectInfo{}, err
	}
	return m.info(), nil
}

// install renames a Put's content, then its metadata, into place (the
// object becomes visible with its metadata), holding the key's lock.
//
// What is durable when it returns, and in which order:
//   - the content's name and the directories made for it (each new
//     directory's entry in its parent) before the metadata is renamed:
//     metadata that survives a crash always finds its content, and an
//     overwrite never pairs new metadata with old content;
//   - then the metadata's name and the directories made for it.
//
// Each directory is synced once; the syncs of one step run at once. The
// sync of the file's directory is shared with the Puts announced with tk
// (an archive record's objects, written at once, take one per tree).
func (s *Store) install(key, dataTmp, metaTmp string, tk *ticket) error {
	obj, mp := s.objectPath(key), s.metaPath(key)
	objStep, metaStep := &dirStep{}, &dirStep{}
	// Whatever happens, the directories made are no longer pending once
	// install returns (on an error, this Put fails; a Put that waited on
	// them fails only on its own syncs). Each step also releases its own
	// as soon as it has synced them, before waiting on anyone else's, so
	// no two Puts wait on each other.
	defer s.release(metaStep)
	defer s.release(objStep)
	for _, x := range []struct {
		p    string
		step *dirStep
	}{{obj, objStep}, {mp, metaStep}} {
		if err := s.mkdirAll(filepath.Dir(x.p), x.step); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
				return workflow.Wrap(workflow.EINVALID, err, "key %q collides with an existing object", key)
			}
			return fmt.Errorf("localfs: put %q: %w", key, err)
		}
	}
	// Content first, then metadata: the object becomes visible when its
	// metadata is renamed into place.
	if err := s.rename(dataTmp, obj); err != nil {
		if isDirCollision(err) {
			return workflow.Wrap(workflow.EINVALID, err, "key %q collides with an existing prefix", key)
		}
		return fmt.Errorf("localfs: put %q: %w", key, err)
	}
	if err := s.finish(objStep, tk.arrive(0)); err != nil {
		return fmt.Errorf("localfs: put %q: %w", key, err)
	}
	if err := s.rename(metaTmp, mp); err != nil {
		return fmt.Errorf("localfs: put %q: %w", key, err)
	}
	if err := s.finish(metaStep, tk.arrive(1)); err != nil {
		return fmt.Errorf("localfs: put %q: %w", key, err)
	}
	return nil
}

// dirStep is what one step of install (the content's or the metadata's
// name) must make durable: the directories it made, and the directories
// on its path that another Put made and has not yet made durable.
type dirStep struct {
	made []string
	mine []chan struct{}
	wait []chan struct{}
}

// finish makes a step durable: it syncs the file's directory (in the
// round the Put was announced in there) and the parent of each directory
// the step made (once each, at once), releases the step's own
// directories, then waits for those another Put made.
func (s *Store) finish(st *dirStep, a announced) error {
	dirs := []string{a.dir}
	for _, d := range st.made {
		if p := filepath.Dir(d); !slices.Contains(dirs, p) {
			dirs = append(dirs, p)
		}
	}
	if err := s.syncDirs(dirs, a.round); err != nil {
		return err
	}
	s.release(st)
	for _, ch := range st.wait {
		<-ch
	}
	return nil
}

// release marks the step's directories durable (or given up on).
func (s *Store) release(st *dirStep) {
	if len(st.mine) == 0 {
		return
	}
	s.dirMu.Lock()
	for _, d := range st.made {
		delete(s.made, d)
	}
	s.dirMu.Unlock()
	for _, ch := range st.mine {
		close(ch)
	}
	st.mine = nil
}

// mkdirAll is os.MkdirAll for one step of install: it records in st the
// directories it made, outermost first, with a channel each (closed by
// release), and the channels of the directories on dir's path that
// another Put made and has not yet made durable.
func (s *Store) mkdirAll(dir string, st *dirStep) error {
	s.dirMu.Lock()
	defer s.dirMu.Unlock()
	var missing []string
	for d := dir; ; {
		if ch, ok := s.made[d]; ok {
			st.wait = append(st.wait, ch)
		}
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return &fs.PathError{Op: "mkdir", Path: d, Err: syscall.ENOTDIR}
			}
			// Its ancestors exist; some may still be pending.
			for p := filepath.Dir(d); p != d && len(p) > len(s.dir); d, p = p, filepath.Dir(p) {
				if ch, ok := s.made[p]; ok {
					st.wait = append(st.wait, ch)
				}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		p := filepath.Dir(d)
		if p == d {
			break
		}
		d = p
	}
	slices.Reverse(missing)
	for _, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
		ch := make(chan struct{})
		s.made[d] = ch
		st.made = append(st.made, d)
		st.mine = append(st.mine, ch)
	}
	return nil
}

// syncClose makes the files durable, in parallel, and closes them.
func (s *Store) syncClose(files ...*os.File) error {
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files[1:] {
		wg.Go(func() { errs[i+1] = s.syncFile(f) })
	}
	errs[0] = s.syncFile(files[0])
	wg.Wait()
	for i, f := range files {
		if err := f.Close(); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	return errors.Join(errs...)
}

// syncDirs makes the directories' entries durable, in parallel; the first
// directory's sync is the round r the caller was announced in, if any.
func (s *Store) syncDirs(dirs []string, r *syncRound) error {
	errs := make([]error, len(dirs))
	var wg sync.WaitGroup
	for i, d := range dirs[1:] {
		wg.Go(func() { errs[i+1] = s.syncDirShared(d, nil) })
	}
	errs[0] = s.syncDirShared(dirs[0], r)
	wg.Wait()
	return errors.Join(errs...)
}

// dirSyncs is the state of one directory's fsyncs (guarded by dirMu). A
// Put announces its renames before it syncs its temporary files, in each
// directory's open round; after a rename it waits for that round. The
// first waiter closes a round to announcements; a closed round starts
// once every Put announced in it has renamed (or withdrawn) and no sync
// of the directory runs. So a sync always begins after the renames of
// those who wait for it, and the Puts of an archive record, written at
// once, share one sync per tree instead of one each.
type dirSyncs struct {
	running bool
	open    *syncRound   // taking announcements, no waiter yet
	closed  []*syncRound // waited for, not started
}

// syncRound is one fsync of a directory, shared by the calls that wait
// for it.
type syncRound struct {
	announced int // Puts announced in it that have not renamed
	done      chan struct{}
	err       error
}

// ticket is a Put's announcements: in its content's directory, then in
// its metadata's.
type ticket struct {
	dirs   [2]string
	rounds [2]*syncRound // nil once used or withdrawn
}

// announced is a directory and the round a Put was announced in.
type announced struct {
	dir   string
	round *syncRound
}

// announce announces a Put's renames into tk's directories.
func (s *Store) announce(tk *ticket) {
	s.dirMu.Lock()
	defer s.dirMu.Unlock()
	for i, d := range tk.dirs {
		st := s.dirs[d]
		if st == nil {
			st = &dirSyncs{}
			s.dirs[d] = st
		}
		if st.open == nil {
			st.open = &syncRound{done: make(chan struct{})}
		}
		st.open.announced++
		tk.rounds[i] = st.open
	}
}

// lockAnnounced takes key's lock (exclusive) for a Put announced with tk.
// The holder may be waiting for a sync that counts on this Put's rename:
// a Put that must wait for the lock withdraws its announcements
// meanwhile, and announces again once it holds the lock.
func (s *Store) lockAnnounced(key string, tk *ticket) *sync.RWMutex {
	mu := s.lock(key)
	if !mu.TryLock() {
		s.withdraw(tk)
		mu.Lock()
		s.announce(tk)
	}
	return mu
}

// arrive hands over, after the rename into its i-th directory, the round
// the Put was announced in there (syncDirShared waits for it).
func (tk *ticket) arrive(i int) announced {
	r := tk.rounds[i]
	tk.rounds[i] = nil
	return announced{tk.dirs[i], r}
}

// withdraw takes back the announcements not used: the Put will not
// rename there (it failed), or not soon (it waits for a key's lock).
func (s *Store) withdraw(tk *ticket) {
	var start []func()
	s.dirMu.Lock()
	for i, r := range tk.rounds {
		if r == nil {
			continue
		}
		tk.rounds[i] = nil
		r.announced--
		if run := s.startable(tk.dirs[i]); run != nil {
			start = append(start, run)
		}
	}
	s.dirMu.Unlock()
	for _, run := range start {
		go run()
	}
}

// syncDirShared makes dir's entries as they are now durable: it waits for
// r, the round the caller was announced in, or (r nil) joins the open
// round or a new one; the round's sync begins after this call does.
func (s *Store) syncDirShared(dir string, r *syncRound) error {
	s.dirMu.Lock()
	st := s.dirs[dir]
	if st == nil {
		st = &dirSyncs{}
		s.dirs[dir] = st
	}
	switch {
	case r != nil:
		r.announced--
	case st.open != nil:
		r = st.open
	default:
		r = &syncRound{done: make(chan struct{})}
		st.closed = append(st.closed, r)
	}
	if st.open == r {
		st.open = nil
		st.closed = append(st.closed, r)
	}
	run := s.startable(dir)
	s.dirMu.Unlock()
	if run != nil {
		run()
	}
	<-r.done
	return r.err
}

// startable, holding dirMu, takes dir's closed rounds that wait for no
// announced rename, if no sync of dir runs, and returns the func that
// syncs dir for them (nil if none); dir is forgotten once idle.
func (s *Store) startable(dir string) func() {
	st := s.dirs[dir]
	if st.open != nil && st.open.announced == 0 {
		st.open = nil // withdrawn from, and nobody waits for it
	}
	if st.running {
		return nil
	}
	var run []*syncRound
	rest := st.closed[:0]
	for _, r := range st.closed {
		if r.announced == 0 {
			run = append(run, r)
		} else {
			rest = append(rest, r)
		}
	}
	clear(st.closed[len(rest):])
	st.closed = rest
	if len(run) == 0 {
		if st.open == nil && len(st.closed) == 0 {
			delete(s.dirs, dir)
		}
		return nil
	}
	st.running = true
	return func() {
		err := s.syncOne(dir)
		s.dirMu.Lock()
		st.running = false
		next := s.startable(dir)
		s.dirMu.Unlock()
		for _, r := range run {
			r.err = err
			close(r.done)
		}
		if next != nil {
			go next()
		}
	}
}

// syncOne fsyncs one directory.
func (s *Store) syncOne(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	return s.syncClose(f)
}

func isDirCollision(err error) bool {
	return errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTDIR)
}

// existing decides a Put against the object already under key: done with
// its info when the content is identical, ECONFLICT when different content
// would replace a locked object, not done when the Put should proceed.
func (s *Store) existing(key string, size int64, sum string, now time.Time) (workflow.ObjectInfo, bool, error) {
	m, err := s.readMeta(key)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return workflow.ObjectInfo{}, false, nil
	}
	if err != nil {
		return workflow.ObjectInfo{}, false, err
	}
	if m.SHA256 == sum && m.Size == size {
		return m.info(), true, nil
	}
	if m.locked(now) {
		return workflow.ObjectInfo{}, false, workflow.Errorf(workflow.ECONFLICT, "object %q is under retention or legal hold and holds different content", key)
	}
	return workflow.ObjectInfo{}, false, nil
}

// touchLocked answers a Put of the content already stored under key,
// holding the key's lock: an object that is not locked gets its Modtime
// set to now (a blob re-used by a new upload is as young as the upload,
// so a collector of unreferenced blobs, which takes only those older than
// its grace period, leaves it alone) and contentType when it names one
// (else it keeps its own); a locked one is left as it is. Not done when
// the object is gone or holds other content (the Put proceeds).
func (s *Store) touchLocked(key string, size int64, sum, contentType string) (workflow.ObjectInfo, bool, error) {
	m, err := s.readMeta(key)
	switch {
	case workflow.ErrorCode(err) == workflow.ENOTFOUND:
		return workflow.ObjectInfo{}, false, nil
	case err != nil:
		return workflow.ObjectInfo{}, false, err
	case m.SHA256 != sum || m.Size != size:
		return workflow.ObjectInfo{}, false, nil
	}
	now := s.Now()
	if m.locked(now) {
		return m.info(), true, nil
	}
	m.Modtime = now.UTC()
	if contentType != "" {
		m.ContentType = contentType // named again: recorded; not named: kept
	}
	tmp, err := s.writeMetaTemp(m, 0o644)
	if err != nil {
		return workflow.ObjectInfo{}, false, err
	}
	defer os.Remove(tmp) // no-op once renamed
	mp := s.metaPath(key)
	if err := os.Rename(tmp, mp); err != nil {
		return workflow.ObjectInfo{}, false, fmt.Errorf("localfs: touch %q: %w", key, err)
	}
	if err := syncDir(filepath.Dir(mp)); err != nil {
		return workflow.ObjectInfo{}, false, fmt.Errorf("localfs: touch %q: %w", key, err)
	}
	return m.info(), true, nil
}

// writeData copies exactly size bytes of r into a new temporary file,
// checking their SHA-256, and returns the file, open and not yet synced.
func (s *Store) writeData(ctx context.Context, key string, r io.Reader, size int64, sum string, mode os.FileMode) (_ *os.File, err error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "data-*")
	if err != nil {
		return nil, fmt.Errorf("localfs: put %q: %w", key, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	src := &ctxio.Recorder{R: ctxio.Reader(ctx, r)}
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(src, size+1))
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case src.Err != nil: // the caller's source, not this store
			return nil, ctxio.SourceError(key, src.Err)
		}
		return nil, fmt.Errorf("localfs: put %q: write content: %w", key, err)
	}
	if n != size {
		return nil, workflow.Errorf(workflow.EINVALID, "content of %q is not %d bytes long", key, size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return nil, workflow.Wrap(workflow.EINVALID, workflow.ErrDigestMismatch, "SHA-256 of %q is %s, not %s as declared", key, got, sum)
	}
	if err := f.Chmod(mode); err != nil {
		return nil, fmt.Errorf("localfs: put %q: %w", key, err)
	}
	return f, nil
}

// writeMetaTemp writes m to a new temporary file, synced and closed, and
// returns its name.
func (s *Store) writeMetaTemp(m *meta, mode os.FileMode) (string, error) {
	f, err := s.writeMetaFile(m, mode)
	if err != nil {
		return "", err
	}
	if err := s.syncClose(f); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("localfs: metadata of %q: %w", m.Key, err)
	}
	return f.Name(), nil
}

// writeMetaFile writes m to a new temporary file and returns the file,
// open and not yet synced.
func (s *Store) writeMetaFile(m *meta, mode os.FileMode) (_ *os.File, err error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("localfs: metadata of %q: %w", m.Key, err)
	}
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "meta-*")
	if err != nil {
		return nil, fmt.Errorf("localfs: metadata of %q: %w", m.Key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("localfs: metadata of %q: %w", m.Key, err)
	}
	if err := f.Chmod(mode); err != nil {
		return nil, fmt.Errorf("localfs: metadata of %q: %w", m.Key, err)
	}
	return f, nil
}

// openMeta validates key, takes its lock (exclusive when write) and reads
// its metadata; the caller releases the lock with unlock.
func (s *Store) openMeta(ctx context.Context, key string, write bool) (m *meta, unlock func(), err error) {
	if err := ValidateKey(key); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	mu := s.lock(key)
	if write {
		mu.Lock()
		unlock = mu.Unlock
	} else {
		mu.RLock()
		unlock = mu.RUnlock
	}
	if m, err = s.readMeta(key); err != nil {
		unlock()
		return nil, nil, err
	}
	return m, unlock, nil
}

// Get implements workflow.Blobs.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, workflow.ObjectInfo, error) {
	m, unlock, err := s.openMeta(ctx, key, false)
	if err != nil {
		return nil, workflow.ObjectInfo{}, err
	}
	defer unlock()
	f, err := os.Open(s.objectPath(key))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, workflow.ObjectInfo{}, fmt.Errorf("localfs: content of %q is missing: %w", key, err)
		}
		return nil, workflow.ObjectInfo{}, fmt.Errorf("localfs: get %q: %w", key, err)
	}
	return &content{f: f, key: key}, m.info(), nil
}

// content is an object's content being read: a read that fails is this
// store's failure (a disk error), EUNAVAILABLE, so that a copy of it into
// another store, or into an answer, is not taken for its source's fault
// or a bug. It can seek and read at an offset, as the file can (a Put
// into MinIO rewinds a seekable source to retry).
type content struct {
	f   *os.File
	key string
}

func (c *content) readErr(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return workflow.Wrap(workflow.EUNAVAILABLE, err, "the local store could not read %q", c.key)
}

func (c *content) Read(p []byte) (int, error) {
	n, err := c.f.Read(p)
	return n, c.readErr(err)
}

func (c *content) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.f.ReadAt(p, off)
	return n, c.readErr(err)
}

func (c *content) Seek(off int64, whence int) (int64, error) { return c.f.Seek(off, whence) }

func (c *content) Close() error { return c.f.Close() }

// Stat implements workflow.Blobs.
func (s *Store) Stat(ctx context.Context, key string) (workflow.ObjectInfo, error) {
	m, unlock, err := s.openMeta(ctx, key, false)
	if err != nil {
		return workflow.ObjectInfo{}, err
	}
	defer unlock()
	return m.info(), nil
}

// Delete implements workflow.Blobs.
func (s *Store) Delete(ctx context.Context, key string) error {
	m, unlock, err := s.openMeta(ctx, key, true)
	if err != nil {
		return err
	}
	defer unlock()
	if m.locked(s.Now()) {
		if m.LegalHold {
			return workflow.Errorf(workflow.EFORBIDDEN, "object %q is under legal hold", key)
		}
		return workflow.Errorf(workflow.EFORBIDDEN, "object %q is retained until %s", key, m.RetainUntil.Format(time.RFC3339))
	}
	// Metadata first: the object is gone once its metadata is.
	mp := s.metaPath(key)
	if err := os.Remove(mp); err != nil {
		return fmt.Errorf("localfs: delete %q: %w", key, err)
	}
	if err := syncDir(filepath.Dir(mp)); err != nil {
		return fmt.Errorf("localfs: delete %q: %w", key, err)
	}
	if err := os.Remove(s.objectPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localfs: delete %q: %w", key, err)
	}
	return nil
}

// List implements workflow.Blobs.
func (s *Store) List(ctx context.Context, prefix string, fn func(workflow.ObjectInfo) error) error {
	// Walk only the directory the prefix lies in.
	start := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
		if err := ValidateKey(start); err != nil {
			return workflow.Errorf(workflow.EINVALID, "invalid prefix %q", prefix)
		}
	}
	root := filepath.Join(s.dir, "meta")
	base := filepath.Join(root, filepath.FromSlash(start))
	var keys []string
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if k := filepath.ToSlash(rel); strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("localfs: list %q: %w", prefix, err)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		oi, err := s.Stat(ctx, k)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			continue // deleted since the walk
		}
		if err != nil {
			return err
		}
		if err := fn(oi); err != nil {
			return err
		}
	}
	return nil
}

// SetLegalHold implements workflow.Blobs.
func (s *Store) SetLegalHold(ctx context.Context, key string, on bool) error {
	m, unlock, err := s.openMeta(ctx, key, true)
	if err != nil {
		return err
	}
	defer unlock()
	if m.LegalHold == on {
		return nil
	}
	m.LegalHold = on
	mode := os.FileMode(0o644)
	if m.locked(s.Now()) {
		mode = 0o444
	}
	tmp, err := s.writeMetaTemp(m, mode)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Chmod(s.objectPath(key), mode); err != nil {
		return fmt.Errorf("localfs: legal hold on %q: %w", key, err)
	}
	mp := s.metaPath(key)
	if err := os.Rename(tmp, mp); err != nil {
		return fmt.Errorf("localfs: legal hold on %q: %w", key, err)
	}
	if err := syncDir(filepath.Dir(mp)); err != nil {
		return fmt.Errorf("localfs: legal hold on %q: %w", key, err)
	}
	return nil
}

// ValidateKey is workflow.ValidateKey, the key rule shared by every store.
func ValidateKey(key string) error { return workflow.ValidateKey(key) }

func validateSHA256(sum string) error {
	if len(sum) != 64 {
		return workflow.Errorf(workflow.EINVALID, "SHA-256 %q is not 64 hex digits", sum)
	}
	for _, c := range sum {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return workflow.Errorf(workflow.EINVALID, "SHA-256 %q is not lowercase hex", sum)
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
