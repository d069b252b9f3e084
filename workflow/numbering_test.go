package workflow_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// heldSigner holds layer 2 until release is closed.
type heldSigner struct {
	workflowtest.Signer
	entered, release chan struct{}
}

func (s heldSigner) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.Signer.SignAgency(ctx, d, pdf)
}

// With SignConcurrency 1, a second issue waits for the first signature
// to end without taking a number: when its context ends first it answers
// EUNAVAILABLE and the register is untouched; once the turn is free it
// takes the next number.
func TestSignConcurrencyWaitsWithoutANumber(t *testing.T) {
	e := newEnv(t)
	sg := heldSigner{entered: make(chan struct{}, 2), release: make(chan struct{})}
	e.svc.Signer, e.svc.SignConcurrency = sg, 1
	a := e.walkTo(t, workflow.Outgoing, workflow.OfficerSigned)
	b := e.walkTo(t, workflow.Outgoing, workflow.OfficerSigned)
	clerk := e.users[workflow.RoleClerk]
	errc := make(chan error, 1)
	go func() {
		_, err := e.svc.Apply(context.Background(), clerk, a.ID, workflow.Issue, workflow.ActionInput{})
		errc <- err
	}()
	<-sg.entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.svc.Apply(ctx, clerk, b.ID, workflow.Issue, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("second issue while the only turn is taken: %v, want EUNAVAILABLE", err)
	}
	rs, err := e.repo.ReservationsOf(context.Background(), workflow.RegisterOutgoing, 2026)
	if err != nil || len(rs) != 1 || rs[0].DocumentID != a.ID || rs[0].Number != 1 {
		t.Fatalf("reservations while waiting: %+v %v (only the signing issue holds a number)", rs, err)
	}
	close(sg.release)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Apply(context.Background(), clerk, b.ID, workflow.Issue, workflow.ActionInput{})
	if err != nil || got.Number != 2 {
		t.Fatalf("issue after the turn is free: %v %v", got, err)
	}
	if rs, _ := e.repo.ReservationsOf(context.Background(), workflow.RegisterOutgoing, 2026); len(rs) != 0 {
		t.Fatalf("reservations left: %+v", rs)
	}
}

// heldBlobs holds one Put (after a value is sent on hold) until release
// is closed.
type heldBlobs struct {
	workflow.Blobs
	hold             chan bool
	entered, release chan struct{}
}

func (b heldBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, sha256 string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	select {
	case <-b.hold:
		b.entered <- struct{}{}
		<-b.release
	default:
	}
	return b.Blobs.Put(ctx, key, r, size, sha256, opts)
}

// The turn to sign covers the signature and its verification, not the
// storing of the signed files: with SignConcurrency 1, a second sign and
// a second issue sign while the first one's files are still being
// written.
func TestSignConcurrencyTurnNotHeldWhileStoring(t *testing.T) {
	for _, action := range []workflow.Action{workflow.Sign, workflow.Issue} {
		t.Run(string(action), func(t *testing.T) {
			e := newEnv(t)
			from, actor := workflow.Approved, e.users[workflow.RoleOfficer]
			if action == workflow.Issue {
				from, actor = workflow.OfficerSigned, e.users[workflow.RoleClerk]
			}
			a := e.walkTo(t, workflow.Outgoing, from)
			b := e.walkTo(t, workflow.Outgoing, from)
			hb := heldBlobs{Blobs: e.svc.Blobs, hold: make(chan bool, 1), entered: make(chan struct{}), release: make(chan struct{})}
			e.svc.Blobs, e.svc.SignConcurrency = hb, 1
			hb.hold <- true // the first Put of a's signed files waits
			errc := make(chan error, 1)
			go func() {
				_, err := e.svc.Apply(context.Background(), actor, a.ID, action, workflow.ActionInput{})
				errc <- err
			}()
			<-hb.entered
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := e.svc.Apply(ctx, actor, b.ID, action, workflow.ActionInput{}); err != nil {
				t.Errorf("second %s while the first stores its files: %v (the turn to sign is still held)", action, err)
			}
			close(hb.release)
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// onSigner records, for every Signer and Blobs call, whether it ran
// inside Service.SignOn.
type onSigner struct {
	workflowtest.Signer
	in    *atomic.Bool
	calls *[]string
	mu    *sync.Mutex
}

func (s onSigner) note(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*s.calls = append(*s.calls, fmt.Sprintf("%s in=%v", call, s.in.Load()))
}

func (s onSigner) SignOfficial(ctx context.Context, d *workflow.Document, u *workflow.User, pdf []byte) ([]byte, error) {
	s.note("SignOfficial")
	return s.Signer.SignOfficial(ctx, d, u, pdf)
}

func (s onSigner) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	s.note("SignAgency")
	return s.Signer.SignAgency(ctx, d, pdf)
}

func (s onSigner) Verify(ctx context.Context, pdf []byte) (workflow.Verification, error) {
	s.note("Verify")
	return s.Signer.Verify(ctx, pdf)
}

type onBlobs struct {
	workflow.Blobs
	s onSigner
}

func (b onBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, sha256 string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	b.s.note("Put")
	return b.Blobs.Put(ctx, key, r, size, sha256, opts)
}

// The signatures and the verification of a sign and an issue run inside
// SignOn (here on another goroutine), the storing of their files outside
// it.
func TestSignOnRunsTheSignaturesOnly(t *testing.T) {
	e := newEnv(t)
	a := e.walkTo(t, workflow.Outgoing, workflow.Approved)
	var in atomic.Bool
	var calls []string
	sg := onSigner{in: &in, calls: &calls, mu: &sync.Mutex{}}
	e.svc.Signer, e.svc.Blobs = sg, onBlobs{Blobs: e.svc.Blobs, s: sg}
	e.svc.SignOn = func(fn func()) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			in.Store(true)
			defer in.Store(false)
			fn()
		}()
		<-done
	}
	if _, err := e.svc.Apply(context.Background(), e.users[workflow.RoleOfficer], a.ID, workflow.Sign, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Apply(context.Background(), e.users[workflow.RoleClerk], a.ID, workflow.Issue, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"SignOfficial in=true", "Put in=false", "SignAgency in=true", "Verify in=true", "Put in=false"}
	if !slices.Equal(calls, want) {
		t.Errorf("calls:\n got %q\nwant %q", calls, want)
	}
}

// downRepo fails its next down Atomic calls with EUNAVAILABLE (the
// database gone), then passes them on.
type downRepo struct {
	workflow.Repository
	down atomic.Int32
	err  error // what a transaction fails with while down; EUNAVAILABLE when nil
}

func (r *downRepo) Atomic(ctx context.Context, fn func(ctx context.Context, tx workflow.Tx) error) error {
	if r.down.Add(-1) >= 0 {
		if r.err != nil {
			return r.err
		}
		return workflow.Errorf(workflow.EUNAVAILABLE, "database unavailable")
	}
	return r.Repository.Atomic(ctx, fn)
}

// downAtLayer2 fails layer 2 with EUNAVAILABLE once, taking the database
// down for the next n transactions as it does.
type downAtLayer2 struct {
	workflowtest.Signer
	repo *downRepo
	n    int32
	done atomic.Bool
}

func (s *downAtLayer2) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	if !s.done.Swap(true) {
		s.repo.down.Store(s.n)
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "database unavailable")
	}
	return s.Signer.SignAgency(ctx, d, pdf)
}

// TestReleaseNumberRetriedWhileDatabaseDown: an issue cut off by a
// database outage after its number was reserved cannot give the number
// back at once; it does once the database is back, so a retry of the
// issue then takes a number instead of being refused (ECONFLICT) for the
// reservation's TTL with its instance alive (10 minutes: the short fault
// run of the twenty-ninth session failed so once it kept the production
// TTL). Before, the release was tried once. The same when the release's
// transactions meet a concurrent change (PostgreSQL's serialization
// failure, a deadlock) or run out of time: before, tried again only while
// the database was unavailable.
func TestReleaseNumberRetriedWhileDatabaseDown(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"unavailable", nil},
		{"concurrent change", workflow.Errorf(workflow.ECONFLICT, "release: concurrent change, try again")},
		{"out of time", fmt.Errorf("lock reservation: %w", context.DeadlineExceeded)},
	} {
		t.Run(tc.name, func(t *testing.T) { releaseRetried(t, tc.err) })
	}
}

func releaseRetried(t *testing.T, downErr error) {
	e := newEnv(t)
	repo := &downRepo{Repository: e.svc.Repo, err: downErr}
	e.svc.Repo = repo
	e.svc.Signer = &downAtLayer2{repo: repo, n: 3} // the release's try and two more
	d := e.walkTo(t, workflow.Outgoing, workflow.OfficerSigned)
	clerk := e.users[workflow.RoleClerk]
	if _, err := e.svc.Apply(context.Background(), clerk, d.ID, workflow.Issue, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("issue while the database goes down: %v, want EUNAVAILABLE", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := e.svc.Apply(context.Background(), clerk, d.ID, workflow.Issue, workflow.ActionInput{})
		if err == nil {
			if got.Number != 1 {
				t.Fatalf("issued as number %d, want 1 (the reserved number given back)", got.Number)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("retry once the database is back: %v (the number still reserved %s after the failure)", err, 10*time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rs, _ := e.repo.ReservationsOf(context.Background(), workflow.RegisterOutgoing, 2026); len(rs) != 0 {
		t.Fatalf("reservations left: %+v", rs)
	}
}
