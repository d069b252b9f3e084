package signproc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// DefaultTimeout bounds a call when Config.Timeout is 0: a worker that has
// not answered by then (its start included) is taken for hung and killed.
// A signature takes 10–100 ms; a time-stamp or OCSP request gives up after
// seconds.
const DefaultTimeout = 2 * time.Minute

// Config says how a Pool starts its workers.
type Config struct {
	// Size is how many workers there are, and so how many calls run at
	// once; the others wait for a worker (at least 1).
	Size int
	// Command returns a new worker's command: a program that runs Serve
	// on file descriptors 3 (the calls) and 4 (the answers), which the
	// pool adds.
	Command func() *exec.Cmd
	// Start starts cmd (nil: cmd.Start); cmd/vanthu starts it at a lower
	// CPU priority.
	Start func(cmd *exec.Cmd) error
	// Epoch (nil: none) is sent with every call: a number that changes
	// whenever the server stores a revocation (gormdb's
	// RevocationEpoch). A worker forgets the revocation statuses and OCSP
	// responses it reuses when it sees it change (Serve), so that its
	// next signature sees the revocation as the server's own would.
	Epoch func() uint64
	// Timeout bounds a call (DefaultTimeout when 0).
	Timeout time.Duration
	// View (nil: the whole document) is what of a document crosses to
	// the worker: the fields its signer reads (signing.SignerView). With
	// it a layer 2 call also brings back the verification of its result,
	// which the VerifyDocument of those bytes then takes instead
	// of sending them back to a worker (Pool.VerifyDocument).
	View   func(*workflow.Document) *workflow.Document
	Logger *slog.Logger
}

// Pool is a workflow.Signer whose calls run in worker processes. A worker
// that dies or does not answer within the timeout is killed, the call
// fails with EUNAVAILABLE (retryable: 503), and a new worker is started at
// once (or by the next call, if that fails). Safe for concurrent use.
type Pool struct {
	cfg   Config
	slots chan *proc // one per worker; nil: not running
	done  chan struct{}
	once  sync.Once

	mu       sync.Mutex
	verified []verifiedPDF // layer 2 results with their verification, not yet asked for
}

var (
	_ workflow.Signer           = (*Pool)(nil)
	_ workflow.DocumentVerifier = (*Pool)(nil)
)

// New returns a pool; its workers start with Start, or with the first
// calls.
func New(cfg Config) *Pool {
	cfg.Size = max(cfg.Size, 1)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Start == nil {
		cfg.Start = (*exec.Cmd).Start
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pool{cfg: cfg, slots: make(chan *proc, cfg.Size), done: make(chan struct{})}
	for range cfg.Size {
		p.slots <- nil
	}
	return p
}

// Start starts every worker and waits until each can sign: a worker that
// cannot (its configuration, its keys) fails the server's start.
func (p *Pool) Start(ctx context.Context) error {
	var errs []error
	for range p.cfg.Size {
		w, err := p.acquire(ctx)
		if err != nil {
			errs = append(errs, err) // acquire gave the slot back
			continue
		}
		p.release(w)
	}
	return errors.Join(errs...)
}

// Close stops the workers: it waits for the calls in flight (until ctx
// ends), closes each worker's pipe, which ends its Serve, and kills one
// that has not exited 5 seconds later. Calls after Close fail with
// EUNAVAILABLE.
func (p *Pool) Close(ctx context.Context) {
	p.once.Do(func() { close(p.done) })
	for range p.cfg.Size {
		select {
		case w := <-p.slots:
			if w != nil {
				w.stop(5 * time.Second)
			}
			defer p.release(nil) // after the loop: every slot is taken once
		case <-ctx.Done():
			return
		}
	}
}

// acquire takes a worker, starting one when its slot has none (or its
// process has exited since).
func (p *Pool) acquire(ctx context.Context) (*proc, error) {
	closed := workflow.Errorf(workflow.EUNAVAILABLE, "the server is shutting down: signatures are no longer made")
	var w *proc
	select {
	case w = <-p.slots:
	case <-p.done:
		return nil, closed
	case <-ctx.Done():
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, context.Cause(ctx), "no signing worker became free before the request ended; try again")
	}
	select {
	case <-p.done: // closed meanwhile: Close stops what the slot holds
		p.release(w)
		return nil, closed
	default:
	}
	if w != nil && !w.exited() {
		return w, nil
	}
	if w != nil {
		p.cfg.Logger.Warn("signing worker exited while idle: starting a new one", "pid", w.pid(), "exit", w.exitStatus())
	}
	w, err := p.start(ctx)
	if err != nil {
		p.release(nil)
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "the signing worker could not start; try again")
	}
	return w, nil
}

// release gives the slot back, with its worker (nil when it was stopped).
func (p *Pool) release(w *proc) { p.slots <- w }

// call sends one call to a worker and returns its answer. A failure of
// the worker itself (it died, was killed, answered nonsense or not in
// time) stops it and is EUNAVAILABLE; the worker's own errors keep their
// code.
func (p *Pool) call(ctx context.Context, req *request, pdf []byte) (response, []byte, error) {
	if uint64(len(pdf)) > maxBody { // refused before a worker is taken: not the worker's failure
		return response{}, nil, workflow.Errorf(workflow.ETOOLARGE, "a PDF of %d bytes is too large for the signing worker", len(pdf))
	}
	w, err := p.acquire(ctx)
	if err != nil {
		return response{}, nil, err
	}
	if p.cfg.Epoch != nil { // read now: a revocation stored before this call counts
		req.Epoch = p.cfg.Epoch()
	}
	p.cfg.Logger.Debug("signature sent to worker", "op", req.Op, "pid", w.pid(), "bytes", len(pdf))
	// The exchange does not end with ctx: a worker cannot be told to drop
	// a call, and killing it for a caller that went away (a client that
	// disconnects) would cost a new worker's start each time. The caller
	// gets its answer at once; the worker finishes (or times out) and
	// goes back to the pool.
	answer := make(chan exchange, 1)
	go func() {
		resp, out, err := w.roundTrip(context.WithoutCancel(ctx), p.cfg.Timeout, *req, pdf)
		answer <- exchange{resp, out, p.settle(w, req.Op, err)}
	}()
	select {
	case a := <-answer:
		if a.err != nil {
			return response{}, nil, a.err
		}
		return a.resp, a.out, a.resp.err()
	case <-ctx.Done():
		return response{}, nil, workflow.Wrap(workflow.EUNAVAILABLE, context.Cause(ctx), "the signature was abandoned: the request ended before the worker answered")
	}
}

// exchange is one call's outcome.
type exchange struct {
	resp response
	out  []byte
	err  error
}

// settle gives w back after its exchange, or, when the exchange failed
// (the worker died, was killed, answered nonsense or not in time), stops
// it, starts a new one in its place and returns the EUNAVAILABLE to
// answer.
func (p *Pool) settle(w *proc, op string, err error) error {
	if err == nil {
		p.release(w)
		return nil
	}
	w.stop(0)
	p.cfg.Logger.Warn("signing worker failed: stopped, starting a new one", "op", op, "pid", w.pid(), "err", err, "exit", w.exitStatus())
	go p.replace()
	return workflow.Wrap(workflow.EUNAVAILABLE, err, "the signing worker stopped before it answered; try again")
}

// replace starts a worker in place of one that failed, holding its slot
// meanwhile; if it cannot, the next call tries again.
func (p *Pool) replace() {
	select {
	case <-p.done:
		p.release(nil)
		return
	default:
	}
	w, err := p.start(context.Background())
	if err != nil {
		p.cfg.Logger.Error("signing worker could not be restarted: the next signature tries again", "err", err)
	}
	p.release(w)
}

// signed is call for the operations that return a PDF.
func (p *Pool) signed(ctx context.Context, op string, d *workflow.Document, u *workflow.User, pdf []byte) ([]byte, error) {
	_, out, err := p.call(ctx, &request{Op: op, Doc: p.view(d), Signer: withoutSecrets(u)}, pdf)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// verify is call for the operations that return a report.
func (p *Pool) verify(ctx context.Context, op string, d *workflow.Document, pdf []byte) (workflow.Verification, error) {
	resp, _, err := p.call(ctx, &request{Op: op, Doc: p.view(d)}, pdf)
	if err != nil {
		return workflow.Verification{}, err
	}
	if resp.Verification == nil {
		return workflow.Verification{}, fmt.Errorf("signing worker: %s answered no report", op)
	}
	return *resp.Verification, nil
}

// withoutSecrets is u without what a signature does not need.
func withoutSecrets(u *workflow.User) *workflow.User {
	if u == nil {
		return nil
	}
	c := *u
	c.PasswordHash = ""
	return &c
}

// SignOfficial implements workflow.Signer in a worker.
func (p *Pool) SignOfficial(ctx context.Context, d *workflow.Document, signer *workflow.User, pdf []byte) ([]byte, error) {
	return p.signed(ctx, opOfficial, d, signer, pdf)
}

// SignAgency implements workflow.Signer in a worker. With Config.View the
// worker verifies the result in the same call (VerifyDocument of d), and
// the report is kept for the VerifyDocument call that an issue makes next
// on those bytes.
func (p *Pool) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return p.signAgency(ctx, d, pdf, "")
}

// SignAgencyOwn implements workflow.OwnLayer1Signer in a worker: SignAgency
// with own's SHA-256 sent along (the worker's signer checks it).
func (p *Pool) SignAgencyOwn(ctx context.Context, d *workflow.Document, pdf []byte, own workflow.OwnLayer1) ([]byte, error) {
	return p.signAgency(ctx, d, pdf, own.SHA256)
}

var _ workflow.OwnLayer1Signer = (*Pool)(nil)

func (p *Pool) signAgency(ctx context.Context, d *workflow.Document, pdf []byte, own string) ([]byte, error) {
	if p.cfg.View == nil {
		_, out, err := p.call(ctx, &request{Op: opAgency, Doc: d, Own: own}, pdf)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	req := &request{Op: opAgency, Doc: p.view(d), Verify: true, Own: own}
	resp, out, err := p.call(ctx, req, pdf)
	if err != nil {
		return nil, err
	}
	if resp.Verification != nil {
		p.keep(verifiedPDF{pdf: out, doc: req.Doc, epoch: req.Epoch, v: *resp.Verification, at: time.Now()})
	}
	return out, nil
}

// SignAttachment implements workflow.Signer in a worker.
func (p *Pool) SignAttachment(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return p.signed(ctx, opAttachment, d, nil, pdf)
}

var _ workflow.CopySigner = (*Pool)(nil)

// SignCopy implements workflow.CopySigner in a worker.
func (p *Pool) SignCopy(ctx context.Context, c *workflow.Copy, pdf []byte) ([]byte, error) {
	_, out, err := p.call(ctx, &request{Op: opCopy, Copy: c}, pdf)
	return out, err
}

// Verify implements workflow.Signer in a worker.
func (p *Pool) Verify(ctx context.Context, pdf []byte) (workflow.Verification, error) {
	return p.verify(ctx, opVerify, nil, pdf)
}

// VerifyDocument implements workflow.DocumentVerifier in a worker (which
// falls back to Verify when its signer has no document rules). The
// verification a layer 2 call brought back (SignAgency) answers it when
// pdf is that call's result byte for byte, the view of d is the one it
// was verified with, and no revocation was stored since (Config.Epoch);
// it is taken once.
func (p *Pool) VerifyDocument(ctx context.Context, d *workflow.Document, pdf []byte) (workflow.Verification, error) {
	if p.cfg.View != nil {
		var epoch uint64
		if p.cfg.Epoch != nil {
			epoch = p.cfg.Epoch()
		}
		if v, ok := p.take(pdf, p.view(d), epoch); ok {
			return v, nil
		}
	}
	return p.verify(ctx, opVerifyDocument, d, pdf)
}

// view is what of d crosses to a worker (Config.View).
func (p *Pool) view(d *workflow.Document) *workflow.Document {
	if d == nil || p.cfg.View == nil {
		return d
	}
	return p.cfg.View(d)
}

// verifiedPDF is a layer 2 result and its verification, made in the same
// worker call.
type verifiedPDF struct {
	pdf   []byte
	doc   *workflow.Document // the view it was verified with
	epoch uint64             // the revocation epoch the call was sent with
	v     workflow.Verification
	at    time.Time
}

// keepFor is how long a layer 2 result's verification is kept for the
// issue's VerifyDocument, which follows at once (after the attachments'
// signatures); one not asked for by then is dropped.
const keepFor = 30 * time.Second

// keep stores r, dropping what has waited longer than keepFor and, beyond
// two per worker, the oldest.
func (p *Pool) keep(r verifiedPDF) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.verified = slices.DeleteFunc(p.verified, func(k verifiedPDF) bool { return time.Since(k.at) > keepFor })
	if n := len(p.verified) - 2*p.cfg.Size + 1; n > 0 {
		p.verified = slices.Delete(p.verified, 0, n)
	}
	p.verified = append(p.verified, r)
}

// take returns and forgets the kept verification of pdf, made with the
// view doc at epoch.
func (p *Pool) take(pdf []byte, doc *workflow.Document, epoch uint64) (workflow.Verification, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, k := range p.verified {
		if !bytes.Equal(k.pdf, pdf) {
			continue
		}
		p.verified = slices.Delete(p.verified, i, i+1)
		if k.epoch != epoch || time.Since(k.at) > keepFor || !reflect.DeepEqual(k.doc, doc) {
			return workflow.Verification{}, false
		}
		return k.v, true
	}
	return workflow.Verification{}, false
}

// start starts a worker and waits for its ready frame.
func (p *Pool) start(ctx context.Context) (*proc, error) {
	cmd := p.cfg.Command()
	callsR, callsW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	answersR, answersW, err := os.Pipe()
	if err != nil {
		callsR.Close()
		callsW.Close()
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{callsR, answersW} // fd 3 and 4
	err = p.cfg.Start(cmd)
	callsR.Close() // the worker's ends: closed here, its exit ends our reads
	answersW.Close()
	if err != nil {
		callsW.Close()
		answersR.Close()
		return nil, fmt.Errorf("start signing worker: %w", err)
	}
	w := &proc{cmd: cmd, calls: callsW, answers: answersR, br: bufio.NewReaderSize(answersR, 64<<10), exit: make(chan struct{})}
	go func() {
		w.waitErr = cmd.Wait()
		close(w.exit)
	}()
	var ready response
	if err := w.await(ctx, p.cfg.Timeout, func() error { _, err := readFrame(w.br, &ready); return err }); err != nil || !ready.Ready {
		w.stop(0)
		return nil, fmt.Errorf("signing worker %d did not get ready (exit %s): %w", w.pid(), w.exitStatus(), err)
	}
	p.cfg.Logger.Info("signing worker started", "pid", w.pid())
	return w, nil
}
