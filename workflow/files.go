package workflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// A signed revision of a PDF is the file it signed plus an incremental
// update appended to it (layer 1 appends to the draft, layer 2 to layer
// 1). Such a revision is stored as its tail: the bytes after the file it
// extends, in the database (Tail), written in the transaction of the
// action that makes it, not as a whole new blob in the work store. Its
// File names the file it extends (Base), a file of the same document;
// the chain ends at a whole blob. Files reads both kinds.

// MaxTail is the longest tail stored in the database; a revision with a
// longer one is stored whole, as a blob.
const MaxTail = 1 << 20

// Tail is the end of a file stored as the incremental update of another:
// the file is the BaseSize bytes of Base, the first len(Head) of them
// replaced by Head, followed by Bytes. Head is the signer's change in
// place of the base's first bytes (at most MaxHead): a header below
// PDF 1.5 raised to %PDF-1.5 before layer 1, same length, no offset
// moved (docs/signing.md, "Normalisation before layer 1").
type Tail struct {
	SHA256   string // the whole file's
	Base     string // SHA-256 of the file it extends
	BaseSize int64
	Head     []byte // nil: the base's bytes as they are
	Bytes    []byte
	// Made says this process made the tail (TailOf, from the bytes whose
	// SHA-256 is SHA256 and its base's content as Files read it) and kept
	// it in memory since: on a base whose content is known, the file is
	// known without hashing it (Files). Only a TailReader answering from
	// what it was given by PutTail in this process sets it; never for a
	// tail read from the database.
	Made bool
}

// MaxHead is the most of a base's first bytes a tail may replace.
const MaxHead = 64

// TailReader reads stored tails. storage/gormdb implements it on its
// Repository.
type TailReader interface {
	// Tail returns the tail of the file sha stored as an extension of
	// base: ENOTFOUND when there is none.
	Tail(ctx context.Context, sha, base string) (Tail, error)
}

// TailWriter is a Tx that stores tails: a tail written with PutTail
// commits with the transaction, or not at all. Its tails are TailOf's,
// of bytes whose SHA-256 the workflow computed, on their base's content
// as Files read it (storeRevision): a TailReader may answer them later,
// from memory, as Made.
type TailWriter interface {
	PutTail(ctx context.Context, t Tail) error
}

// Files reads a document's files: a whole one from the work store, a
// tailed one (File.Base set) as its base, read the same way, then its
// tail. Every file read is checked against its SHA-256: a mismatch is
// EINTERNAL (storage corruption), never served. The check hashes the
// whole file once, at the outermost level (a tailed file's base is not
// hashed on its own); it hashes nothing when every part is already known
// to be right in this process: a blob whose reader was checked against
// its SHA-256 (VerifiedReader: storage/minio's cache, which hashed the
// bytes, or had the server hash them, when it kept them) and tails this
// process made (Tail.Made). Bytes from anywhere else — the server, the
// disk, a tail read from the database — are hashed as they are read.
type Files struct {
	Blobs Blobs
	Tails TailReader // nil: whole files only (a tailed one is EINTERNAL)
}

// FilesOf is the file reader of blobs and of the tails r stores, when r
// stores them (TailReader).
func FilesOf(blobs Blobs, r Reader) Files {
	t, _ := r.(TailReader)
	return Files{Blobs: blobs, Tails: t}
}

// Open streams f, a file of files (the document's): the stream fails
// with EINTERNAL at its end when the content does not match f's SHA-256
// or size. ENOTFOUND when a blob is missing.
func (fs Files) Open(ctx context.Context, files []File, f File) (io.ReadCloser, error) {
	r, c, known, err := fs.open(ctx, files, f, 0)
	if err != nil {
		return nil, err
	}
	ch := &checked{r: r, c: c, f: f}
	if !known {
		ch.h = sha256.New()
	}
	return ch, nil
}

// Stat returns the info of the blob f's content starts with, without
// reading any content: f's own blob, or for a tailed file the whole blob
// its chain of bases ends at (its ContentType is f's: a tail changes no
// PDF into another kind of file). ENOTFOUND when the blob is missing;
// EINTERNAL when the chain cannot be followed.
func (fs Files) Stat(ctx context.Context, files []File, f File) (ObjectInfo, error) {
	for depth := 0; f.Base != ""; depth++ {
		base, ok := fileBySHA(files, f.Base)
		if !ok || depth >= maxTailDepth {
			return ObjectInfo{}, Errorf(EINTERNAL, "file %s extends %s, which cannot be read: storage corruption", f.SHA256, f.Base)
		}
		f = base
	}
	oi, err := fs.Blobs.Stat(ctx, BlobKey(f.SHA256))
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat blob %s: %w", f.SHA256, err)
	}
	return oi, nil
}

// Head returns the first n bytes of f, a file of files (all of it when
// it is shorter): a ranged read of the blob f's content starts with
// (ReadHead), or for a tailed file whose base is shorter than n, of the
// file as Open reads it. A HEAD reads this much of a file, no more, to
// know its type (FileContentType).
func (fs Files) Head(ctx context.Context, files []File, f File, n int) ([]byte, error) {
	root := f
	for depth := 0; root.Base != ""; depth++ {
		base, ok := fileBySHA(files, root.Base)
		if !ok || depth >= maxTailDepth {
			return nil, Errorf(EINTERNAL, "file %s extends %s, which cannot be read: storage corruption", root.SHA256, root.Base)
		}
		root = base
	}
	if root.SHA256 == f.SHA256 || root.Size >= int64(n) {
		head, err := ReadHead(ctx, fs.Blobs, BlobKey(root.SHA256), n)
		if err != nil {
			return nil, fmt.Errorf("read the head of blob %s: %w", root.SHA256, err)
		}
		return head, nil
	}
	rc, err := fs.Open(ctx, files, f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	head := make([]byte, n)
	got, err := io.ReadFull(rc, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	return head[:got], nil
}

// maxTailDepth bounds a chain of tails (a document has a few revisions).
const maxTailDepth = 16

// open returns f's content, unchecked, the closer of the blob it reads,
// and whether the content is known to be f's without hashing it: a blob
// whose reader says it was checked against f's SHA-256 (VerifiedReader),
// or a tail this process made (Tail.Made) on such a base.
func (fs Files) open(ctx context.Context, files []File, f File, depth int) (io.Reader, io.Closer, bool, error) {
	if f.Base == "" {
		rc, _, err := fs.Blobs.Get(ctx, BlobKey(f.SHA256))
		if err != nil {
			return nil, nil, false, fmt.Errorf("read blob %s: %w", f.SHA256, err)
		}
		v, ok := rc.(VerifiedReader)
		return rc, rc, ok && v.VerifiedSHA256() == f.SHA256, nil
	}
	base, ok := fileBySHA(files, f.Base)
	if !ok || depth >= maxTailDepth || fs.Tails == nil {
		return nil, nil, false, Errorf(EINTERNAL, "file %s extends %s, which cannot be read: storage corruption", f.SHA256, f.Base)
	}
	t, err := fs.Tails.Tail(ctx, f.SHA256, f.Base)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, false, Errorf(EINTERNAL, "file %s: its tail is missing: storage corruption", f.SHA256)
	} else if err != nil {
		return nil, nil, false, fmt.Errorf("read tail of %s: %w", f.SHA256, err)
	}
	if t.BaseSize != base.Size || t.BaseSize+int64(len(t.Bytes)) != f.Size || int64(len(t.Head)) > t.BaseSize {
		return nil, nil, false, Errorf(EINTERNAL, "file %s: its tail does not fit its base: storage corruption", f.SHA256)
	}
	r, c, known, err := fs.open(ctx, files, base, depth+1)
	if err != nil {
		return nil, nil, false, err
	}
	// The base is not checked on its own: the whole file's hash, checked
	// by Open at its end, covers every byte of the base it serves (a
	// base's first bytes that Head replaces are read and dropped).
	return io.MultiReader(bytes.NewReader(t.Head), &skip{r: r, n: int64(len(t.Head))}, bytes.NewReader(t.Bytes)), c, known && t.Made, nil
}

// Read returns the content of f, a file of files (see Open).
func (fs Files) Read(ctx context.Context, files []File, f File) ([]byte, error) {
	rc, err := fs.Open(ctx, files, f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// Sized from the record (io.ReadAll doubles its way there, about
	// twice the file in garbage); with bytes.MinRead to spare the read
	// meets EOF without growing.
	buf := bytes.NewBuffer(make([]byte, 0, min(max(f.Size, 0), maxBlobPresize)+bytes.MinRead))
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxBlobPresize bounds the buffer Read makes ahead of reading.
const maxBlobPresize = 256 << 20

// fileBySHA returns the file of files with that SHA-256.
func fileBySHA(files []File, sha string) (File, bool) {
	for _, f := range files {
		if f.SHA256 == sha {
			return f, true
		}
	}
	return File{}, false
}

// checked hashes what is read through it and fails the read that meets
// the end with EINTERNAL when the content is not f's. Without h (content
// known to be f's: open) it checks the size only.
type checked struct {
	r io.Reader
	c io.Closer
	f File
	h hash.Hash // nil: not hashed
	n int64
}

func (c *checked) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	c.n += int64(n)
	if err == io.EOF && (c.n != c.f.Size || c.h != nil && hex.EncodeToString(c.h.Sum(nil)) != c.f.SHA256) {
		return n, Errorf(EINTERNAL, "file %s does not match its hash: storage corruption", c.f.SHA256)
	}
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("read file %s: %w", c.f.SHA256, err)
	}
	return n, err
}

func (c *checked) Close() error { return c.c.Close() }

// TailOf returns the tail of b as an extension of base (whose content is
// baseBytes), and whether b is one: b starts with baseBytes, but for at
// most its first MaxHead bytes (Head), and the rest is at most MaxTail
// bytes long. A signer that rewrote the file gives no tail: the revision
// is stored whole.
func TailOf(b []byte, base File, baseBytes []byte, sha string) (Tail, bool) {
	n := len(baseBytes)
	if base.SHA256 == "" || int64(n) != base.Size || len(b) <= n || len(b)-n > MaxTail {
		return Tail{}, false
	}
	var head []byte
	if !bytes.Equal(b[:n], baseBytes) {
		if n <= MaxHead || !bytes.Equal(b[MaxHead:n], baseBytes[MaxHead:]) {
			return Tail{}, false
		}
		head = bytes.Clone(b[:MaxHead])
	}
	return Tail{SHA256: sha, Base: base.SHA256, BaseSize: int64(n), Head: head, Bytes: bytes.Clone(b[n:])}, true
}

// skip reads r without its first n bytes (read and dropped).
type skip struct {
	r io.Reader
	n int64
}

func (s *skip) Read(p []byte) (int, error) {
	if s.n > 0 {
		if _, err := io.CopyN(io.Discard, s.r, s.n); err != nil {
			return 0, err
		}
		s.n = 0
	}
	return s.r.Read(p)
}

// files is the service's file reader: its blobs, and its repository's
// tails.
func (s *Service) files() Files { return FilesOf(s.Blobs, s.Repo) }

// storeRevision stores b, the content of f (f.SHA256 computed from b:
// fileOf), a revision made by signing base (whose content is baseBytes,
// as Files read it: a tail kept in memory is Made on that): as its tail, written later in the
// action's transaction (pre.tails, putTails), when it extends base by at
// most MaxTail bytes and the repository keeps tails; else whole, in the
// work store now.
func (s *Service) storeRevision(ctx context.Context, f *File, b []byte, base File, baseBytes []byte, pre *prechecked) error {
	if _, ok := s.Repo.(TailReader); ok {
		if t, ok := TailOf(b, base, baseBytes, f.SHA256); ok {
			f.Base = base.SHA256
			pre.tails = append(pre.tails, t)
			return nil
		}
	}
	return s.storeBytes(ctx, *f, b)
}

// putTails writes tails in tx: EINTERNAL when tx cannot (its repository
// said it keeps tails).
func putTails(ctx context.Context, tx Tx, tails []Tail) error {
	if len(tails) == 0 {
		return nil
	}
	tw, ok := tx.(TailWriter)
	if !ok {
		return Errorf(EINTERNAL, "the transaction cannot store the tails of signed files")
	}
	for _, t := range tails {
		if err := tw.PutTail(ctx, t); err != nil {
			return fmt.Errorf("store the tail of %s: %w", t.SHA256, err)
		}
	}
	return nil
}

// revision is a signed file made from base, with both contents.
type revision struct {
	file      File
	bytes     []byte
	base      File
	baseBytes []byte
}
