package workflow

import (
	"bytes"
	"context"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key     string
	Size    int64
	SHA256  string // lowercase hex, as recorded when the object was written
	Modtime time.Time
	// RetainUntil is the object's retention date (zero: none). Objects
	// under retention or legal hold cannot be deleted or overwritten.
	RetainUntil time.Time
	LegalHold   bool
	VersionID   string // set by stores that keep versions (S3), else ""
	// ContentType is the type recorded at Put (PutOptions.ContentType);
	// "" where none was (a store may answer its default instead).
	ContentType string
}

// SniffLen is how many of a file's first bytes IsPDF looks at: readers
// find a PDF's header within its first 1,024 bytes (ISO 32000-2 7.5.2
// notes that they may).
const SniffLen = 1024

// PDFType is the media type of PDF files.
const PDFType = "application/pdf"

// IsPDF reports whether a file whose first bytes are head (any number of
// them; SniffLen are looked at) is a PDF: its header is among them.
func IsPDF(head []byte) bool {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	return bytes.Contains(head, []byte("%PDF-"))
}

// FileContentType is the type a document file's blob is stored with,
// decided by its content (a blob is named by its content, not by the
// name of a file it is): PDFType when IsPDF, else
// application/octet-stream. Served, a file's type is that of its name's
// extension when it is not a PDF (internal/mediatype). A HEAD does not
// trust the type an object was stored with: objects written before it
// was recorded say PDFType whatever they hold (a received .docx, .xlsx,
// image or .zip attachment), and a copy made without it (a restore)
// says nothing ("" on the local store, application/octet-stream on
// S3); it reads the object's first SniffLen bytes instead (ReadHead),
// as the GET does.
func FileContentType(head []byte) string {
	if IsPDF(head) {
		return PDFType
	}
	return "application/octet-stream"
}

// RangeReader is implemented by stores that read a part of an object
// alone (S3: a ranged GET), without sending the rest.
type RangeReader interface {
	// GetRange opens at most n bytes of the object key from its first
	// byte. ENOTFOUND if missing.
	GetRange(ctx context.Context, key string, n int64) (io.ReadCloser, error)
}

// ReadHead returns the first n bytes of the object key (all of it when
// it is shorter): a ranged read where b is a RangeReader, else a Get
// closed after them (a local file: nothing more is read). A HEAD that
// must know whether an object is a PDF reads no more than this. ENOTFOUND if missing.
func ReadHead(ctx context.Context, b Blobs, key string, n int) ([]byte, error) {
	var rc io.ReadCloser
	var err error
	if rr, ok := b.(RangeReader); ok {
		rc, err = rr.GetRange(ctx, key, int64(n))
	} else {
		rc, _, err = b.Get(ctx, key)
	}
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

// PutOptions are the optional parts of a Put.
type PutOptions struct {
	ContentType string
	// RetainUntil, when not zero, writes the object write-once until that
	// date (S3 object lock COMPLIANCE mode; read-only file on a local store).
	RetainUntil time.Time
	LegalHold   bool
}

// Blobs is an object store: the work area of documents and, with
// retention, the archive. Implementations are safe for concurrent use.
// storage/localfs and storage/minio implement it; storage/storagetest
// holds the conformance suite every implementation passes.
type Blobs interface {
	// Put stores size bytes from r under key. sha256 is the lowercase hex
	// SHA-256 of the content; the store verifies it (server-side checksum
	// where the backend has one) and returns EINVALID on mismatch without
	// leaving a partial object visible. Putting identical content under an
	// existing key is a no-op success (content-addressed keys make retries
	// safe): the object keeps the ContentType it has unless opts names
	// one (then, unless it is under retention or legal hold, that one);
	// different content under a key under retention is ECONFLICT.
	// A copy (Get, then Put) passes the ContentType Get gave.
	// A backend outage is EUNAVAILABLE. A failure to read r is not the
	// store's: r's own code when its error carries one, ETOOLARGE for a
	// request body over its limit, else EINVALID (a client's stream that
	// broke or stalled); nothing is left visible.
	Put(ctx context.Context, key string, r io.Reader, size int64, sha256 string, opts PutOptions) (ObjectInfo, error)
	// Get opens the object for streaming. ENOTFOUND if missing.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// Stat returns the object's info. ENOTFOUND if missing.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Delete removes the object. ENOTFOUND if missing; EFORBIDDEN while it
	// is under retention or legal hold.
	Delete(ctx context.Context, key string) error
	// List calls fn for every object whose key starts with prefix, in key
	// order, stopping at fn's first error (returned as is).
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	// SetLegalHold turns the legal hold of an object on or off.
	SetLegalHold(ctx context.Context, key string, on bool) error
}

// VerifiedReader is a reader Blobs.Get may return for a content-addressed
// key (BlobKey) whose bytes the store has already checked against the
// SHA-256 the key names, in this process (storage/minio's cache: the
// bytes were hashed, or accepted by the server under that SHA-256, when
// they were kept in memory). VerifiedSHA256 is that SHA-256. Files does
// not hash such a blob again; a reader of bytes from the server or the
// disk must not say it.
type VerifiedReader interface {
	VerifiedSHA256() string
}

// ValidateKey is the key rule of every Blobs store, so records move
// between them: EINVALID unless key is a clean relative slash path:
// no empty, "." or ".." segment, no leading or trailing slash, no
// backslash or control character, valid UTF-8, at most 1024 bytes.
func ValidateKey(key string) error {
	bad := func(why string) error {
		return Errorf(EINVALID, "invalid object key %q: %s", key, why)
	}
	switch {
	case key == "":
		return bad("empty")
	case len(key) > 1024:
		return bad("longer than 1024 bytes")
	case !utf8.ValidString(key):
		return bad("not UTF-8")
	case strings.HasPrefix(key, "/"):
		return bad("absolute")
	case strings.ContainsRune(key, '\\'):
		return bad("contains a backslash")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return bad("contains a control character")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("not a clean path")
		}
	}
	if path.Clean(key) != key {
		return bad("not a clean path")
	}
	return nil
}
