package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// countingBlobs counts Puts and, while gate is set, holds each Put until
// gate is closed (telling entered first).
type countingBlobs struct {
	workflow.Blobs
	puts    atomic.Int32
	skew    atomic.Int64 // added to the env's clock (idemEnv)
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

func (b *countingBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, o workflow.PutOptions) (workflow.ObjectInfo, error) {
	b.puts.Add(1)
	b.mu.Lock()
	gate, entered := b.gate, b.entered
	b.mu.Unlock()
	if gate != nil {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate
	}
	return b.Blobs.Put(ctx, key, r, size, sum, o)
}

// hold makes the next Puts wait until the returned release is called.
func (b *countingBlobs) hold() (entered <-chan struct{}, release func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gate, b.entered = make(chan struct{}), make(chan struct{}, 1)
	gate := b.gate
	return b.entered, func() {
		b.mu.Lock()
		b.gate = nil
		b.mu.Unlock()
		close(gate)
	}
}

func idemEnv(t *testing.T) (*env, *countingBlobs) {
	t.Helper()
	e := newEnv(t)
	b := &countingBlobs{Blobs: e.svc.Blobs}
	e.svc.Blobs = b
	e.svc.Now = func() time.Time { return e.now.Add(time.Duration(b.skew.Load())) }
	return e, b
}

// draftInput is an outgoing draft with key, its file's bytes pdf.
func (e *env) draftInput(key, subject string, pdf []byte) workflow.CreateInput {
	return workflow.CreateInput{Direction: workflow.Outgoing, Type: "QĐ", Subject: subject, SignerID: e.users[workflow.RoleOfficer].ID,
		File: &workflow.Upload{Name: "a.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}, IdempotencyKey: key}
}

func (e *env) countDocs(t *testing.T) int {
	t.Helper()
	docs, _, err := e.repo.Documents(context.Background(), workflow.DocumentFilter{SeeAll: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(docs)
}

func TestCreateIdempotent(t *testing.T) {
	ctx := context.Background()
	otherPDF := append(append([]byte(nil), minimalPDF...), "% another\n"...)
	t.Run("OK/replay", func(t *testing.T) {
		e, blobs := idemEnv(t)
		h := e.users[workflow.RoleHandler]
		first, created, err := e.svc.CreateOnce(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
		if err != nil || !created {
			t.Fatalf("first: created %v, %v", created, err)
		}
		puts, events := blobs.puts.Load(), len(mustEvents(t, e, first.ID))
		again, created, err := e.svc.CreateOnce(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
		if err != nil || created || again.ID != first.ID {
			t.Fatalf("replay: created %v, id %v (first %s), %v", created, again, first.ID, err)
		}
		if n := e.countDocs(t); n != 1 {
			t.Errorf("%d documents, want 1", n)
		}
		if got := blobs.puts.Load(); got != puts {
			t.Errorf("the replay stored %d blobs", got-puts)
		}
		if n := len(mustEvents(t, e, first.ID)); n != events {
			t.Errorf("the replay wrote %d events", n-events)
		}
	})
	t.Run("OK/no key creates twice", func(t *testing.T) {
		e, _ := idemEnv(t)
		for range 2 {
			if _, err := e.svc.Create(ctx, e.users[workflow.RoleHandler], e.draftInput("", "Về việc A", minimalPDF)); err != nil {
				t.Fatal(err)
			}
		}
		if n := e.countDocs(t); n != 2 {
			t.Errorf("%d documents, want 2", n)
		}
	})
	for _, tc := range []struct {
		name string
		in   func(e *env) workflow.CreateInput
	}{
		{"ErrKeyReused/subject", func(e *env) workflow.CreateInput { return e.draftInput("k-1", "Về việc B", minimalPDF) }},
		{"ErrKeyReused/file", func(e *env) workflow.CreateInput { return e.draftInput("k-1", "Về việc A", otherPDF) }},
		{"ErrKeyReused/attachment", func(e *env) workflow.CreateInput {
			in := e.draftInput("k-1", "Về việc A", minimalPDF)
			in.Attachments = []workflow.Upload{{Name: "b.pdf", Size: int64(len(otherPDF)), Content: bytes.NewReader(otherPDF)}}
			return in
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, blobs := idemEnv(t)
			h := e.users[workflow.RoleHandler]
			if _, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF)); err != nil {
				t.Fatal(err)
			}
			puts := blobs.puts.Load()
			_, err := e.svc.Create(ctx, h, tc.in(e))
			if code := workflow.ErrorCode(err); code != workflow.EKEYREUSED {
				t.Fatalf("code %q (%v), want %q", code, err, workflow.EKEYREUSED)
			}
			if n := e.countDocs(t); n != 1 || blobs.puts.Load() != puts {
				t.Errorf("%d documents, %d blobs stored by the refused request", n, blobs.puts.Load()-puts)
			}
		})
	}
	t.Run("OK/keys are per user", func(t *testing.T) {
		e, _ := idemEnv(t)
		a, errA := e.svc.Create(ctx, e.users[workflow.RoleHandler], e.draftInput("k-1", "Về việc A", minimalPDF))
		b, errB := e.svc.Create(ctx, e.other, e.draftInput("k-1", "Về việc A", minimalPDF))
		if errA != nil || errB != nil || a.ID == b.ID {
			t.Fatalf("two users, one key: %v %v, %v %v", a, errA, b, errB)
		}
	})
	t.Run("OK/key expires", func(t *testing.T) {
		e, _ := idemEnv(t)
		h := e.users[workflow.RoleHandler]
		a, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
		if err != nil {
			t.Fatal(err)
		}
		e.now = e.now.Add(workflow.IdempotencyTTL - time.Second)
		if b, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF)); err != nil || b.ID != a.ID {
			t.Fatalf("before expiry: %v, %v", b, err)
		}
		e.now = e.now.Add(time.Second)
		b, created, err := e.svc.CreateOnce(ctx, h, e.draftInput("k-1", "Về việc B", minimalPDF))
		if err != nil || !created || b.ID == a.ID {
			t.Fatalf("after expiry: created %v, %v", created, err)
		}
	})
	t.Run("OK/a failed attempt gives its key back", func(t *testing.T) {
		e, _ := idemEnv(t)
		h := e.users[workflow.RoleHandler]
		bad := e.draftInput("k-1", "Về việc A", minimalPDF)
		bad.SignerID = e.users[workflow.RoleClerk].ID // not an officer
		if _, err := e.svc.Create(ctx, h, bad); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Fatalf("bad signer: %v", err)
		}
		if _, created, err := e.svc.CreateOnce(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF)); err != nil || !created {
			t.Fatalf("corrected request: created %v, %v", created, err)
		}
	})
	t.Run("ErrForbidden/holds no key", func(t *testing.T) {
		e, _ := idemEnv(t)
		clerk := e.users[workflow.RoleClerk]
		if _, err := e.svc.Create(ctx, clerk, e.draftInput("k-1", "Về việc A", minimalPDF)); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
			t.Fatalf("clerk drafts: %v", err)
		}
	})
	t.Run("ErrInvalid/key", func(t *testing.T) {
		e, _ := idemEnv(t)
		h := e.users[workflow.RoleHandler]
		for _, k := range []string{string(make([]byte, workflow.MaxIdempotencyKey+1)), "a\nb", "khóa"} {
			if _, err := e.svc.Create(ctx, h, e.draftInput(k, "Về việc A", minimalPDF)); workflow.ErrorCode(err) != workflow.EINVALID {
				t.Errorf("key %q: %v", k, err)
			}
		}
	})
}

func mustEvents(t *testing.T, e *env, id string) []workflow.Event {
	t.Helper()
	evs, err := e.repo.Events(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestCreateIdempotentInFlight: while the first attempt runs (held in
// its store), the second is EINPROGRESS, and after it, a replay; an
// attempt that outlives DefaultIdempotencyLease is taken over and fails at its
// commit: one document either way.
func TestCreateIdempotentInFlight(t *testing.T) {
	ctx := context.Background()
	for _, takeOver := range []bool{false, true} {
		name := "ErrInProgress"
		if takeOver {
			name = "OK/stale attempt taken over"
		}
		t.Run(name, func(t *testing.T) {
			e, blobs := idemEnv(t)
			h := e.users[workflow.RoleHandler]
			entered, release := blobs.hold()
			type result struct {
				d   *workflow.Document
				err error
			}
			first := make(chan result, 1)
			go func() {
				d, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
				first <- result{d, err}
			}()
			<-entered
			if !takeOver {
				_, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
				if workflow.ErrorCode(err) != workflow.EINPROGRESS {
					t.Fatalf("second attempt in flight: %v, want %s", err, workflow.EINPROGRESS)
				}
				var ra interface{ RetryAfter() time.Duration }
				if !errors.As(err, &ra) || ra.RetryAfter() <= 0 {
					t.Errorf("no RetryAfter in %v", err)
				}
				release()
				r := <-first
				if r.err != nil {
					t.Fatal(r.err)
				}
				again, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
				if err != nil || again.ID != r.d.ID {
					t.Fatalf("after the first: %v, %v", again, err)
				}
			} else {
				blobs.skew.Store(int64(workflow.DefaultIdempotencyLease + time.Second))
				second := make(chan result, 1)
				go func() {
					d, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
					second <- result{d, err}
				}()
				<-entered
				release()
				r1, r2 := <-first, <-second
				if workflow.ErrorCode(r1.err) != workflow.EINPROGRESS || r2.err != nil {
					t.Fatalf("taken over: first %v, second %v", r1.err, r2.err)
				}
			}
			if n := e.countDocs(t); n != 1 {
				t.Errorf("%d documents, want 1", n)
			}
		})
	}
}

// TestCreateIdempotentLease: a retry under the key of an attempt still
// in flight (its instance killed, say) is refused (EINPROGRESS, naming
// when the key can be taken over) until Service.IdempotencyLease has
// passed since that attempt began, then takes the key over: one
// document. Before, the lease was a constant 2 minutes that no server
// could shorten (the fault run waited 2 minutes on each create cut by
// a kill -9).
func TestCreateIdempotentLease(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		lease    time.Duration // Service.IdempotencyLease (0: the default)
		after    time.Duration // when the retry comes, from the first attempt
		takeOver bool
		from     string // the takeover time the refusal names
	}{
		{name: "default lease, retry after 30s", after: 30 * time.Second, from: "2026-11-25T03:02:01Z"},
		{name: "default lease, retry after it", after: workflow.DefaultIdempotencyLease + time.Second, takeOver: true},
		{name: "lease 20s, retry after 10s", lease: 20 * time.Second, after: 10 * time.Second, from: "2026-11-25T03:00:21Z"},
		{name: "lease 20s, retry after 30s", lease: 20 * time.Second, after: 30 * time.Second, takeOver: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, blobs := idemEnv(t)
			e.svc.IdempotencyLease = tc.lease
			h := e.users[workflow.RoleHandler]
			entered, release := blobs.hold()
			first := make(chan error, 1)
			go func() {
				_, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
				first <- err
			}()
			<-entered
			blobs.skew.Store(int64(tc.after))
			second := make(chan error, 1)
			go func() {
				_, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
				second <- err
			}()
			if tc.takeOver {
				select {
				case <-entered: // the retry holds the key and stores its file
				case err := <-second:
					release()
					<-first
					t.Fatalf("retry %s after the first attempt: %v, want it to take the key over", tc.after, err)
				}
				release()
				if err1, err2 := <-first, <-second; workflow.ErrorCode(err1) != workflow.EINPROGRESS || err2 != nil {
					t.Fatalf("taken over: first %v, retry %v", err1, err2)
				}
			} else {
				err := <-second
				release()
				if workflow.ErrorCode(err) != workflow.EINPROGRESS || !strings.Contains(err.Error(), "from "+tc.from+" at the latest") ||
					!strings.Contains(err.Error(), "within "+workflow.DefaultInstanceStale.String()+" of its server stopping") {
					t.Errorf("retry while the first is in flight: %v, want %s naming %s", err, workflow.EINPROGRESS, tc.from)
				}
				if err := <-first; err != nil {
					t.Fatalf("first attempt: %v", err)
				}
			}
			if n := e.countDocs(t); n != 1 {
				t.Errorf("%d documents, want 1", n)
			}
		})
	}
}

// unavailableRepo answers AbandonIdempotent with EUNAVAILABLE while down
// is above 0 (counting it down): a database that is back after a while.
type unavailableRepo struct {
	workflow.Repository
	down atomic.Int32
}

func (r *unavailableRepo) AbandonIdempotent(ctx context.Context, userID, key, token string) error {
	if r.down.Add(-1) >= 0 {
		return workflow.Errorf(workflow.EUNAVAILABLE, "database unavailable")
	}
	return r.Repository.AbandonIdempotent(ctx, userID, key, token)
}

// unavailableBlobs fails the next Put with EUNAVAILABLE when fail is set.
type unavailableBlobs struct {
	workflow.Blobs
	fail atomic.Bool
}

func (b *unavailableBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, sum string, o workflow.PutOptions) (workflow.ObjectInfo, error) {
	if b.fail.Swap(false) {
		return workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "object store unreachable")
	}
	return b.Blobs.Put(ctx, key, r, size, sum, o)
}

// TestCreateIdempotentGiveBackRetried: a create that fails while the
// database is down cannot give its key back at once; it does once the
// database is back, so a retry then creates the document instead of being
// refused (EINPROGRESS) until the lease ends. Before, the key was given
// back with one try, and its retries waited the whole lease (2 minutes).
func TestCreateIdempotentGiveBackRetried(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	repo := &unavailableRepo{Repository: e.svc.Repo}
	blobs := &unavailableBlobs{Blobs: e.svc.Blobs}
	e.svc.Repo, e.svc.Blobs = repo, blobs
	h := e.users[workflow.RoleHandler]
	blobs.fail.Store(true)
	repo.down.Store(3) // the failed attempt's try and two more
	if _, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF)); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("attempt while the stores are down: %v, want %s", err, workflow.EUNAVAILABLE)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := e.svc.Create(ctx, h, e.draftInput("k-1", "Về việc A", minimalPDF))
		if err == nil {
			if d == nil || e.countDocs(t) != 1 {
				t.Fatalf("retry: %v, %d documents, want 1", d, e.countDocs(t))
			}
			return
		}
		if workflow.ErrorCode(err) != workflow.EINPROGRESS || time.Now().After(deadline) {
			t.Fatalf("retry once the database is back: %v (key still held %s after the failure)", err, 10*time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCreateIdempotentConcurrent: many attempts at once under one key
// make one document; each of the others is a replay of it or
// EINPROGRESS.
func TestCreateIdempotentConcurrent(t *testing.T) {
	e, _ := idemEnv(t)
	h := e.users[workflow.RoleHandler]
	var wg sync.WaitGroup
	ids := make([]string, 8)
	errs := make([]error, 8)
	for i := range ids {
		wg.Go(func() {
			d, err := e.svc.Create(context.Background(), h, e.draftInput("k-1", "Về việc A", minimalPDF))
			if d != nil {
				ids[i] = d.ID
			}
			errs[i] = err
		})
	}
	wg.Wait()
	var id string
	for i := range ids {
		switch {
		case errs[i] == nil && (id == "" || ids[i] == id):
			id = ids[i]
		case workflow.ErrorCode(errs[i]) == workflow.EINPROGRESS:
		default:
			t.Errorf("attempt %d: %s, %v", i, ids[i], errs[i])
		}
	}
	if n := e.countDocs(t); n != 1 {
		t.Errorf("%d documents, want 1", n)
	}
}
