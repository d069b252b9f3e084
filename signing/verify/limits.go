package verify

import (
	"errors"
	"fmt"
)

// Limits bound every quantity of a PDF that its author controls, so that
// reading any file takes bounded time and memory. A file past a bound is
// not parsed further: Verify reports it as indeterminate with the reason,
// and intake (signing.Inspect) rejects it.
//
// The defaults are scaled to real documents: a 100 MB scan has a few
// thousand objects and one or two revisions; the largest text documents a
// district office handles have some hundred thousand objects; no real file
// nests arrays or dictionaries more than a dozen levels deep.
type Limits struct {
	// MaxDepth is the deepest nesting of arrays and dictionaries inside
	// one object, and of the walks over the page tree and the form
	// field tree.
	MaxDepth int
	// MaxRefChain is the longest chain of references to references that
	// is followed before giving up (a reference that leads only to
	// another reference).
	MaxRefChain int
	// MaxSections is the number of cross-reference sections (revisions:
	// the original plus every incremental update).
	MaxSections int
	// MaxObjects bounds object numbers (every number in a cross-reference
	// table or stream must be below it), and so the number of entries in
	// one section. The PDF specification's implementation limit is
	// 8,388,607; the default is a quarter of that.
	MaxObjects int
	// MaxStateEntries bounds the sum, over all revisions, of the objects
	// each revision can see: the memory of the per-revision view.
	MaxStateEntries int
	// MaxStreamBytes bounds one decoded (inflated) stream.
	MaxStreamBytes int64
	// MaxDecodedBytes bounds the decoded bytes of all streams of a file.
	MaxDecodedBytes int64
	// MaxColumns bounds a predictor's /Columns (bytes per row are
	// Columns × Colors × BitsPerComponent / 8).
	MaxColumns int
	// MaxFilters bounds the length of a stream's /Filter array.
	MaxFilters int
	// MaxAfterEOF bounds the bytes after the last %%EOF marker (Precheck
	// only: general readers search for the marker backwards in ever larger
	// reads, in time quadratic in that distance).
	MaxAfterEOF int
	// Work is the total work per file, in steps (a token read, an object
	// looked up, 4 bytes of a signed range copied and hashed, 64 bytes
	// inflated): WorkBase plus WorkPerByte for every byte of the file.
	// Real documents need under one step per byte (measured: signed
	// 1,000-page and 100 MB scanned documents, the interop corpus).
	WorkBase    int64
	WorkPerByte int64
	// MaxRoleVisits bounds the work of finding every object's role in
	// every revision after a signature (each revision is walked once): a
	// file with thousands of updates over thousands of objects is reported
	// as too large to analyse (indeterminate) instead of taking unbounded
	// time and memory.
	MaxRoleVisits int
}

// DefaultLimits are the limits Verify and intake use.
var DefaultLimits = Limits{
	MaxDepth:        100,
	MaxRefChain:     32,
	MaxSections:     1024,
	MaxObjects:      1 << 21,
	MaxStateEntries: 1 << 22,
	MaxStreamBytes:  64 << 20,
	MaxDecodedBytes: 256 << 20,
	MaxColumns:      1 << 16,
	MaxFilters:      8,
	MaxAfterEOF:     64 << 10,
	WorkBase:        10_000_000,
	WorkPerByte:     4,
	MaxRoleVisits:   4 << 20,
}

// ErrLimit is wrapped by every error that reports a file past one of the
// Limits (test with errors.Is).
var ErrLimit = errors.New("the PDF exceeds a processing limit")

// limitError is an error for a file past a limit.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return ErrLimit }

func limitf(format string, args ...any) error {
	return &limitError{msg: fmt.Sprintf(format, args...)}
}

// budget counts the work done on one file.
type budget struct {
	left    int64
	decoded int64 // decoded stream bytes so far
	err     error // set once the budget is spent; sticky
}

func newBudget(lim *Limits, size int) *budget {
	return &budget{left: lim.WorkBase + lim.WorkPerByte*int64(size)}
}

// fail records err (a limit error) as the file's first limit error and
// returns it. Work done after a limit error is not trusted: Verify reports
// the file as past its limits whatever else it found.
func (b *budget) fail(err error) error {
	if b != nil && b.err == nil {
		b.err = err
	}
	return err
}

// spend takes n units of work and reports the limit error once the budget
// is gone (and for every call after that).
func (b *budget) spend(n int64) error {
	if b == nil {
		return nil
	}
	if b.err != nil {
		return b.err
	}
	b.left -= n
	if b.left < 0 {
		b.err = limitf("the PDF needs more work to read than the verifier allows for a file of its size")
	}
	return b.err
}
