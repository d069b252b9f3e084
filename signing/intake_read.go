package signing

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime/debug"

	"golang.org/x/sync/semaphore"

	"github.com/vanthu/vanthu/workflow"
)

// DefaultInspectBudget is how many bytes of uploads all inspections in
// flight may hold in memory at once unless configured otherwise
// (VANTHU_INSPECT_BUDGET_MB): uploads that are not files (an exchange
// package's attachments, a small form the web server kept in memory) are
// copied whole for the parsers. A larger upload waits until it is alone.
// Files are mapped, outside the budget.
const DefaultInspectBudget = 128 << 20

// Intake checks uploads (Inspect) within a budget of its own for the
// bytes its inspections in flight hold in memory. Safe for concurrent
// use; one per process, made by cmd from the configuration.
type Intake struct{ inFlight *budget }

// NewIntake returns an Intake whose inspections in flight hold at most
// budget bytes (one larger upload at a time beyond it). EINVALID if
// budget is under one byte.
func NewIntake(budget int64) (*Intake, error) {
	if budget < 1 {
		return nil, workflow.Errorf(workflow.EINVALID, "the intake memory budget must be at least 1 byte, not %d", budget)
	}
	return &Intake{inFlight: newBudget(budget)}, nil
}

// Budget is the intake's budget in bytes.
func (in *Intake) Budget() int64 { return in.inFlight.size }

// InspectPDF implements workflow.PDFInspector with InspectContext.
func (in *Intake) InspectPDF(ctx context.Context, r io.ReaderAt, size int64) error {
	_, err := in.InspectContext(ctx, r, size)
	return err
}

// InspectActive implements workflow.ActiveInspector with InspectContext:
// what the PDF carries that acts when it is opened, found in the same
// parse (Info.Active).
func (in *Intake) InspectActive(ctx context.Context, r io.ReaderAt, size int64) (workflow.Active, error) {
	info, err := in.InspectContext(ctx, r, size)
	return info.Active, err
}

// Hold takes n bytes of the intake's budget (all of it when n is larger)
// for a check that holds a file of n bytes in memory outside Inspect — a
// verification on demand (a document's page or report, an uploaded file)
// — waiting for them until ctx is done (EUNAVAILABLE); release gives them
// back.
func (in *Intake) Hold(ctx context.Context, n int64) (release func(), err error) {
	return in.inFlight.acquire(ctx, n)
}

// defaultIntake serves the package's Inspect and InspectContext (and
// Service.InspectPDF), with DefaultInspectBudget.
var defaultIntake = &Intake{inFlight: newBudget(DefaultInspectBudget)}

// budget is a count of bytes handed out to whoever waits for them.
type budget struct {
	sem  *semaphore.Weighted
	size int64
}

func newBudget(size int64) *budget {
	return &budget{sem: semaphore.NewWeighted(size), size: size}
}

// acquire takes n bytes of b (all of it when n is larger), waiting until
// ctx is done; release gives them back. Waiting in vain is EUNAVAILABLE.
func (b *budget) acquire(ctx context.Context, n int64) (release func(), err error) {
	n = min(n, b.size)
	if n <= 0 {
		return func() {}, nil
	}
	// Free bytes are taken whatever ctx says (Acquire refuses a done ctx).
	if !b.sem.TryAcquire(n) {
		if err := b.sem.Acquire(ctx, n); err != nil {
			return nil, workflow.Wrap(workflow.EUNAVAILABLE, err,
				"the server is checking too many uploads at once; try again in a moment")
		}
	}
	return func() { b.sem.Release(n) }, nil
}

// fileSection finds the file r reads and where in it r starts, when r is
// an *os.File or a section of one (an *io.SectionReader, or a
// multipart.File that embeds one) with at least size bytes.
func fileSection(r io.ReaderAt, size int64) (*os.File, int64, bool) {
	var off int64
	for range 4 {
		switch v := r.(type) {
		case *os.File:
			return v, off, true
		case interface {
			Outer() (io.ReaderAt, int64, int64)
		}:
			inner, o, n := v.Outer()
			if off < 0 || size > n-off {
				return nil, 0, false // short: read it, for the same error
			}
			r, off = inner, o+off
		default:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// inspectMapped is inspectBytes of a mapped file. A fault reading the
// mapping (the file truncated under it) is an error, not a crash.
func inspectMapped(b []byte) (info Info, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			fault, ok := p.(interface {
				error
				Addr() uintptr
			})
			if !ok {
				panic(p)
			}
			info, err = Info{}, workflow.Wrap(workflow.EUNPROCESSABLE, errors.Join(workflow.ErrPDFDamaged, fault), "PDF cannot be read")
		}
	}()
	return inspectBytes(b)
}

// heldBytes is a bytes.Reader for ReadAt that can let go of its bytes:
// after release it reads nothing and keeps nothing reachable.
type heldBytes struct{ b []byte }

func (h *heldBytes) release() { h.b = nil }

// ReadAt is bytes.Reader's.
func (h *heldBytes) ReadAt(p []byte, off int64) (n int, err error) {
	if off < 0 {
		return 0, errors.New("bytes.Reader.ReadAt: negative offset")
	}
	if off >= int64(len(h.b)) {
		return 0, io.EOF
	}
	n = copy(p, h.b[off:])
	if n < len(p) {
		err = io.EOF
	}
	return n, err
}
