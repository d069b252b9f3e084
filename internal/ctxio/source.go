package ctxio

import (
	"errors"
	"io"
	"net/http"

	"github.com/vanthu/vanthu/workflow"
)

// SourceError is the error of a store's Put whose source failed to give
// its content: the caller's problem, not the store's (whose own failures
// and a done context are told apart before). A source that says what
// went wrong (a domain error: the object of another store that could not
// be read, EUNAVAILABLE) keeps its code; a request body over its limit
// (http.MaxBytesReader) is ETOOLARGE; anything else is a client's stream
// that broke or stalled (a reset, a read deadline passed): EINVALID.
// errors.Is and errors.As still find err.
func SourceError(key string, err error) error {
	var we *workflow.Error
	var mbe *http.MaxBytesError
	var timeout interface{ Timeout() bool }
	switch {
	case errors.As(err, &we):
		return err
	case errors.As(err, &mbe):
		return workflow.Wrap(workflow.ETOOLARGE, err, "content of %q is larger than the limit of %d bytes", key, mbe.Limit)
	case errors.As(err, &timeout) && timeout.Timeout():
		return workflow.Wrap(workflow.EINVALID, err, "content of %q: the sender stopped sending (timed out)", key)
	default:
		return workflow.Wrap(workflow.EINVALID, err, "cannot read the content of %q: %v", key, err)
	}
}

// Recorder is a reader that keeps the first error its source returned
// (io.EOF aside), so that a copy's failure can be told apart: the
// source's, or the destination's.
type Recorder struct {
	R   io.Reader
	Err error
}

func (r *Recorder) Read(p []byte) (int, error) {
	n, err := r.R.Read(p)
	if err != nil && err != io.EOF && r.Err == nil {
		r.Err = err
	}
	return n, err
}
