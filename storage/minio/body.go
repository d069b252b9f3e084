package minio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/vanthu/vanthu/internal/ctxio"
	"github.com/vanthu/vanthu/workflow"
)

// maxBuffered is the largest content of a source that cannot seek which
// a Put holds in memory so that its PUT can be tried again.
const maxBuffered = 1 << 20

// putBody is what a Put sends: the next size bytes of its source,
// counted. minio-go tries a request again after a transient failure (a
// connection reset, 503 SlowDown, a 5xx without a body) only when it can
// seek the body back to its start; putBody can whenever the source can
// (an upload spooled to a file, bytes in memory, an object of the work
// store), from the offset the source was at, or when the source is small
// enough to be held in memory. A larger source that cannot seek is sent
// once, as it arrives, and a failure is the Put's.
//
// It must not implement io.Closer: minio-go closes a body that does, and
// the source is the caller's.
type putBody struct {
	r    io.Reader
	seek io.Seeker // nil: cannot go back
	base int64     // the source's offset when the Put began
	size int64
	n    int64 // bytes read since the last rewind
	eof  bool  // the source ended (maybe before size bytes)
	// srcErr is the first error the source returned (io.EOF aside): a
	// failed PUT whose body failed is the source's failure, not the
	// store's.
	srcErr error
	keep   *keeper // the bytes sent, for the cache (nil: not kept)
}

// newPutBody wraps r, which holds size bytes from where it is. A source
// that is read into memory and turns out shorter than size is EINVALID.
func newPutBody(ctx context.Context, key string, r io.Reader, size int64) (*putBody, error) {
	if size == 0 {
		return &putBody{r: bytes.NewReader(nil), seek: bytes.NewReader(nil)}, nil
	}
	if rs, ok := r.(io.ReadSeeker); ok {
		if base, err := rs.Seek(0, io.SeekCurrent); err == nil {
			return &putBody{r: rs, seek: rs, base: base, size: size}, nil
		}
	}
	if size > maxBuffered {
		return &putBody{r: r, size: size}, nil
	}
	buf := make([]byte, size)
	n, err := io.ReadFull(ctxio.Reader(ctx, r), buf)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return nil, workflow.Errorf(workflow.EINVALID, "content of %q is %d bytes, not %d", key, n, size)
	case err != nil:
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, ctxio.SourceError(key, err) // the caller's source, not the store
	}
	br := bytes.NewReader(buf)
	return &putBody{r: br, seek: br, size: size}, nil
}

func (b *putBody) Read(p []byte) (int, error) {
	if rest := b.size - b.n; int64(len(p)) > rest {
		if rest == 0 {
			return 0, io.EOF
		}
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.keep.wrote(p[:n])
	switch {
	case err == io.EOF:
		b.eof = true
	case err != nil && b.srcErr == nil:
		b.srcErr = err
	}
	return n, err
}

// rewindable reports whether the body can be sent again.
func (b *putBody) rewindable() bool { return b.seek != nil }

// Seek implements io.Seeker over the body's size bytes, for minio-go's
// retries. A body that cannot go back fails (minio-go then does not
// retry; it checks for io.Seeker with a type assertion, so putBody is
// given to it as a plain io.Reader in that case: see sendable).
func (b *putBody) Seek(offset int64, whence int) (int64, error) {
	if b.seek == nil {
		return 0, errors.New("minio: the content cannot be read again")
	}
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = b.n + offset
	case io.SeekEnd:
		abs = b.size + offset
	default:
		return 0, fmt.Errorf("minio: seek: invalid whence %d", whence)
	}
	if abs < 0 {
		return 0, errors.New("minio: seek: negative position")
	}
	if _, err := b.seek.Seek(b.base+abs, io.SeekStart); err != nil {
		return 0, err
	}
	b.n, b.eof = abs, false
	b.keep.moved(abs)
	return abs, nil
}

// rewind goes back to the start of the body.
func (b *putBody) rewind() error {
	_, err := b.Seek(0, io.SeekStart)
	return err
}

// onlyReader hides a body's Seek from minio-go.
type onlyReader struct{ io.Reader }

// sendable is the body as minio-go gets it: an io.ReadSeeker when it can
// go back (minio-go retries), else a plain reader (one try).
func (b *putBody) sendable() io.Reader {
	if b.rewindable() {
		return b
	}
	return onlyReader{b}
}
