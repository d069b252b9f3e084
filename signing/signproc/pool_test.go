package signproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// The test binary is its own worker: with SIGNPROC_TEST_WORKER set it
// serves fakeSigner on fd 3 and 4 instead of running the tests.
func TestMain(m *testing.M) {
	if os.Getenv("SIGNPROC_TEST_WORKER") != "" {
		err := Serve(os.NewFile(3, "calls"), os.NewFile(4, "answers"), fakeSigner{}, func() { forgets++ }, slog.New(slog.NewTextHandler(os.Stderr, nil)))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// forgets counts the worker's calls of Serve's forget.
var forgets int

// fakeSigner does what the PDF says: "exit" ends the process, "hang"
// never answers, "slow" answers after 500 ms, "panic" panics, "err:CODE" fails with CODE; anything
// else is signed as "signed(notation,signer,password hash):pdf".
type fakeSigner struct{}

func (fakeSigner) act(pdf []byte) error {
	switch s := string(pdf); {
	case s == "exit":
		os.Exit(3)
	case s == "hang":
		time.Sleep(time.Hour)
	case s == "slow":
		time.Sleep(500 * time.Millisecond)
	case s == "panic":
		panic("fake signer panics")
	case strings.HasPrefix(s, "err:"):
		return workflow.Errorf(strings.TrimPrefix(s, "err:"), "fake failure")
	}
	return nil
}

func (f fakeSigner) SignOfficial(_ context.Context, d *workflow.Document, u *workflow.User, pdf []byte) ([]byte, error) {
	if err := f.act(pdf); err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "signed(%s,%s,%s):%s", d.Notation, u.Username, u.PasswordHash, pdf), nil
}

func (f fakeSigner) SignAgency(_ context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	if string(pdf) == "forgets" {
		return fmt.Appendf(nil, "forgets:%d", forgets), nil
	}
	if err := f.act(pdf); err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "agency(%s,%s):%s", d.Notation, d.IssuedAt.UTC().Format(time.RFC3339), pdf), nil
}

// SignAgencyOwn answers as SignAgency with the layer-1 record's hash it
// was handed.
func (f fakeSigner) SignAgencyOwn(ctx context.Context, d *workflow.Document, pdf []byte, own workflow.OwnLayer1) ([]byte, error) {
	out, err := f.SignAgency(ctx, d, pdf)
	return fmt.Appendf(nil, "own(%s)%s", own.SHA256, out), err
}

func (f fakeSigner) SignAttachment(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return f.SignAgency(ctx, d, pdf)
}

func (f fakeSigner) SignCopy(_ context.Context, c *workflow.Copy, pdf []byte) ([]byte, error) {
	if err := f.act(pdf); err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "copy(%s,%s,%s):%s", c.Form.Label(), c.Notation, c.DocumentID, pdf), nil
}

func (f fakeSigner) Verify(_ context.Context, pdf []byte) (workflow.Verification, error) {
	if bytes.HasPrefix(pdf, []byte("big:")) { // BenchmarkVerifyRoundTrip: a real report's size
		return workflow.Verification{Verdict: workflow.VerdictValid, Reasons: []string{"plain"}, Report: bigReport}, nil
	}
	if err := f.act(pdf); err != nil {
		return workflow.Verification{}, err
	}
	return workflow.Verification{Verdict: workflow.VerdictValid, Reasons: []string{"plain"}, Report: []byte(`{"n":1}`)}, nil
}

// bigReport is a report of a real one's size (6 KB: an issued document's).
var bigReport = fmt.Appendf(nil, `{"n":%q}`, strings.Repeat("x", 6200))

// verifies counts the worker's VerifyDocument calls.
var verifies int

func (f fakeSigner) VerifyDocument(_ context.Context, d *workflow.Document, pdf []byte) (workflow.Verification, error) {
	verifies++
	return workflow.Verification{Verdict: workflow.VerdictInvalid, Reasons: []string{"document " + d.ID + d.Subject, fmt.Sprintf("verification %d of %q", verifies, pdf)}}, nil
}

// newPool returns a pool of the test binary's fake workers, closed with
// the test.
func newPool(t *testing.T, size int, timeout time.Duration) *Pool {
	t.Helper()
	return newPoolEpoch(t, size, timeout, nil)
}

// newPoolEpoch is newPool with Config.Epoch.
func newPoolEpoch(t *testing.T, size int, timeout time.Duration, epoch func() uint64) *Pool {
	t.Helper()
	return newPoolConfig(t, Config{Size: size, Timeout: timeout, Epoch: epoch})
}

// newPoolConfig is newPool with cfg (its Command and Logger set here).
func newPoolConfig(t testing.TB, cfg Config) *Pool {
	t.Helper()
	var log bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
	p := New(Config{Size: cfg.Size, Timeout: cfg.Timeout, Epoch: cfg.Epoch, View: cfg.View, Logger: cfg.Logger,
		Command: func() *exec.Cmd {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "SIGNPROC_TEST_WORKER=1")
			cmd.Stderr = os.Stderr
			return cmd
		}})
	t.Cleanup(func() {
		p.Close(context.Background())
		if t.Failed() {
			t.Logf("pool log:\n%s", log.String())
		}
	})
	return p
}

// pids returns the worker processes running now.
func (p *Pool) pids(t *testing.T) []int {
	t.Helper()
	var out []int
	for range p.cfg.Size {
		w := <-p.slots
		if w != nil && !w.exited() {
			out = append(out, w.pid())
		}
		defer p.release(w)
	}
	return out
}

func TestPoolCalls(t *testing.T) {
	p := newPool(t, 2, 0)
	ctx := context.Background()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(p.pids(t)); n != 2 {
		t.Fatalf("%d workers after Start, want 2", n)
	}
	issued := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	d := &workflow.Document{ID: "d1", Notation: "15/QĐ-UBND", IssuedAt: &issued}
	u := &workflow.User{Username: "officer", PasswordHash: "$2a$secret"}
	t.Run("OK", func(t *testing.T) {
		out, err := p.SignOfficial(ctx, d, u, []byte("%PDF"))
		if want := "signed(15/QĐ-UBND,officer,):%PDF"; err != nil || string(out) != want {
			t.Errorf("SignOfficial = %q, %v; want %q (no password hash crosses)", out, err, want)
		}
		out, err = p.SignAgency(ctx, d, []byte("%PDF"))
		if want := "agency(15/QĐ-UBND,2026-12-02T09:00:00Z):%PDF"; err != nil || string(out) != want {
			t.Errorf("SignAgency = %q, %v; want %q", out, err, want)
		}
		out, err = p.SignCopy(ctx, &workflow.Copy{DocumentID: "d1", Form: workflow.CopySaoLuc, Notation: "07/SL-UBND"}, []byte("%PDF"))
		if want := "copy(SAO LỤC,07/SL-UBND,d1):%PDF"; err != nil || string(out) != want {
			t.Errorf("SignCopy = %q, %v; want %q", out, err, want)
		}
		v, err := p.Verify(ctx, []byte("%PDF"))
		if err != nil || v.Verdict != workflow.VerdictValid || string(v.Report) != `{"n":1}` || len(v.Reasons) != 1 {
			t.Errorf("Verify = %+v, %v", v, err)
		}
		v, err = p.VerifyDocument(ctx, d, []byte("%PDF"))
		if err != nil || v.Verdict != workflow.VerdictInvalid || v.Reasons[0] != "document d1" || !strings.HasSuffix(v.Reasons[1], `of "%PDF"`) {
			t.Errorf("VerifyDocument = %+v, %v", v, err)
		}
	})
	t.Run("OwnLayer1", func(t *testing.T) {
		// The layer-1 record's hash crosses with the call; without one
		// the worker's SignAgency answers.
		for _, own := range []string{"ab12", ""} {
			out, err := p.SignAgencyOwn(ctx, d, []byte("%PDF"), workflow.OwnLayer1{SHA256: own})
			want := "agency(15/QĐ-UBND,2026-12-02T09:00:00Z):%PDF"
			if own != "" {
				want = "own(" + own + ")" + want
			}
			if err != nil || string(out) != want {
				t.Errorf("SignAgencyOwn(%q) = %q, %v; want %q", own, out, err, want)
			}
		}
	})
	t.Run("ErrKeepsItsCode", func(t *testing.T) {
		_, err := p.SignAgency(ctx, d, []byte("err:"+workflow.EUNPROCESSABLE))
		if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || workflow.ErrorMessage(err) != "fake failure" {
			t.Errorf("err = %v, want %s: fake failure", err, workflow.EUNPROCESSABLE)
		}
	})
	t.Run("PanicIsInternal", func(t *testing.T) {
		before := p.pids(t)
		_, err := p.SignAgency(ctx, d, []byte("panic"))
		if workflow.ErrorCode(err) != workflow.EINTERNAL || !strings.Contains(err.Error(), "fake signer panics") {
			t.Errorf("err = %v, want an internal error naming the panic", err)
		}
		if after := p.pids(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("workers %v after a panic, want %v still", after, before)
		}
	})
}

// TestPoolEpoch: a worker forgets what it reuses about revocations before
// its first call and whenever the server's epoch changed since its last
// call, and only then.
func TestPoolEpoch(t *testing.T) {
	var epoch atomic.Uint64
	p := newPoolEpoch(t, 1, 0, epoch.Load)
	ctx := context.Background()
	d := &workflow.Document{IssuedAt: new(time.Time)}
	for i, c := range []struct {
		epoch uint64
		want  string
	}{{0, "forgets:1"}, {0, "forgets:1"}, {7, "forgets:2"}, {7, "forgets:2"}, {8, "forgets:3"}} {
		epoch.Store(c.epoch)
		out, err := p.SignAgency(ctx, d, []byte("forgets"))
		if err != nil || string(out) != c.want {
			t.Errorf("call %d at epoch %d: %q, %v; want %q", i, c.epoch, out, err, c.want)
		}
	}
}

// TestPoolAgencyVerified: with a view, layer 2 brings back the
// verification of its result, which the next VerifyDocument of those
// bytes takes once — not for other bytes, another view of the document,
// or after a revocation (the epoch moved); only the view crosses.
func TestPoolAgencyVerified(t *testing.T) {
	var epoch atomic.Uint64
	view := func(d *workflow.Document) *workflow.Document {
		return &workflow.Document{ID: d.ID, Notation: d.Notation, IssuedAt: d.IssuedAt}
	}
	p := newPoolConfig(t, Config{Size: 1, Epoch: epoch.Load, View: view})
	ctx := context.Background()
	issued := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	d := &workflow.Document{ID: "d1", Notation: "15/QĐ-UBND", IssuedAt: &issued, Subject: "not for the worker"}
	sign := func() []byte {
		t.Helper()
		out, err := p.SignAgency(ctx, d, []byte("%PDF"))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	verify := func(d *workflow.Document, pdf []byte) string {
		t.Helper()
		v, err := p.VerifyDocument(ctx, d, pdf)
		if err != nil || len(v.Reasons) != 2 || v.Reasons[0] != "document d1" {
			t.Fatalf("VerifyDocument = %+v, %v (want the view of document d1, without its subject)", v, err)
		}
		return v.Reasons[1]
	}
	out := sign()
	want := fmt.Sprintf("verification 1 of %q", out)
	if got := verify(d, bytes.Clone(out)); got != want {
		t.Errorf("after layer 2: %s, want %s (made in the layer 2 call)", got, want)
	}
	if got, want := verify(d, out), fmt.Sprintf("verification 2 of %q", out); got != want {
		t.Errorf("asked again: %s, want %s (a new call)", got, want)
	}
	out = sign() // 3
	if got, want := verify(d, []byte("%PDF other")), `verification 4 of "%PDF other"`; got != want {
		t.Errorf("other bytes: %s, want %s", got, want)
	}
	other := *d
	other.Notation = "16/QĐ-UBND"
	if got, want := verify(&other, out), fmt.Sprintf("verification 5 of %q", out); got != want {
		t.Errorf("another view: %s, want %s", got, want)
	}
	out = sign() // 6
	epoch.Add(1)
	if got, want := verify(d, out), fmt.Sprintf("verification 7 of %q", out); got != want {
		t.Errorf("after a revocation: %s, want %s", got, want)
	}
	out = sign() // 8
	if got, want := verify(d, out), fmt.Sprintf("verification 8 of %q", out); got != want {
		t.Errorf("same epoch again: %s, want %s", got, want)
	}
	if len(p.verified) != 0 {
		t.Errorf("%d verifications kept, want none: each was taken or dropped", len(p.verified))
	}
}

func TestPoolWorkerDies(t *testing.T) {
	ctx := context.Background()
	d := &workflow.Document{Notation: "1/QĐ-UBND", IssuedAt: new(time.Time)}
	t.Run("InACall", func(t *testing.T) {
		p := newPool(t, 1, 0)
		_, err := p.SignAgency(ctx, d, []byte("exit"))
		if workflow.ErrorCode(err) != workflow.EUNAVAILABLE || !strings.Contains(err.Error(), "exit status 3") {
			t.Fatalf("err = %v, want unavailable naming the exit status", err)
		}
		if _, err := p.SignAgency(ctx, d, []byte("%PDF")); err != nil {
			t.Errorf("the call after the crash: %v (a new worker should answer)", err)
		}
	})
	t.Run("Killed", func(t *testing.T) {
		p := newPool(t, 1, 0)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		old := p.pids(t)[0]
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Killed while idle: the next call finds it gone or loses it in
		// flight; either way the one after is answered by a new worker.
		_, err := p.SignAgency(ctx, d, []byte("%PDF"))
		if err != nil && workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
			t.Errorf("first call after kill -9: %v, want success or unavailable", err)
		}
		if _, err := p.SignAgency(ctx, d, []byte("%PDF")); err != nil {
			t.Errorf("second call after kill -9: %v", err)
		}
		if now := p.pids(t); len(now) != 1 || now[0] == old {
			t.Errorf("workers %v, want one new one (not %d)", now, old)
		}
	})
	t.Run("Hangs", func(t *testing.T) {
		p := newPool(t, 1, time.Second)
		_, err := p.SignAgency(ctx, d, []byte("hang"))
		if workflow.ErrorCode(err) != workflow.EUNAVAILABLE || !strings.Contains(err.Error(), "no answer within 1s") {
			t.Fatalf("err = %v, want unavailable: no answer within 1s", err)
		}
		if _, err := p.SignAgency(ctx, d, []byte("%PDF")); err != nil {
			t.Errorf("the call after the timeout: %v", err)
		}
	})
	t.Run("Canceled", func(t *testing.T) {
		// The caller is answered at once; the worker is not killed for it
		// but finishes its call (here: hangs until the timeout).
		p := newPool(t, 1, 2*time.Second)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		before := p.pids(t)
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(200*time.Millisecond, cancel)
		_, err := p.SignAgency(cctx, d, []byte("hang"))
		if workflow.ErrorCode(err) != workflow.EUNAVAILABLE || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want unavailable caused by the cancellation", err)
		}
		if _, err := p.SignAgency(ctx, d, []byte("%PDF")); err != nil {
			t.Errorf("the call after the cancellation: %v", err)
		}
		if now := p.pids(t); len(now) != 1 || now[0] == before[0] {
			t.Errorf("workers %v after the abandoned call timed out, want a new one (not %v)", now, before)
		}
	})
	t.Run("CanceledKeepsWorker", func(t *testing.T) {
		p := newPool(t, 1, 0)
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
		before := p.pids(t)
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(100*time.Millisecond, cancel)
		if _, err := p.SignAgency(cctx, d, []byte("slow")); workflow.ErrorCode(err) != workflow.EUNAVAILABLE || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want unavailable caused by the cancellation", err)
		}
		if _, err := p.SignAgency(ctx, d, []byte("%PDF")); err != nil {
			t.Errorf("the call after the cancellation: %v", err)
		}
		if now := p.pids(t); len(now) != 1 || now[0] != before[0] {
			t.Errorf("workers %v, want the same one (%v): a caller going away kills no worker", now, before)
		}
	})
}

func TestPoolStartFails(t *testing.T) {
	p := New(Config{Size: 1, Command: func() *exec.Cmd { return exec.Command("/bin/false") }})
	defer p.Close(context.Background())
	if err := p.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "did not get ready") {
		t.Errorf("Start = %v, want a worker that did not get ready", err)
	}
	_, err := p.Verify(context.Background(), []byte("%PDF"))
	if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("Verify = %v, want unavailable", err)
	}
}

func TestPoolClosed(t *testing.T) {
	p := newPool(t, 1, 0)
	ctx := context.Background()
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	pid := p.pids(t)[0]
	p.Close(ctx)
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("worker %d after Close: kill -0 = %v, want it gone", pid, err)
	}
	if _, err := p.Verify(ctx, []byte("%PDF")); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("Verify after Close = %v, want unavailable", err)
	}
}
