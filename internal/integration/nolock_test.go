package integration

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// scriptedSigner is the fake signer with hooks on layer 2: Agency runs
// before it signs (a failure, or a wait on a channel).
type scriptedSigner struct {
	workflowtest.Signer
	Agency func(ctx context.Context, d *workflow.Document) error
}

func (s scriptedSigner) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	if s.Agency != nil {
		if err := s.Agency(ctx, d); err != nil {
			return nil, err
		}
	}
	return s.Signer.SignAgency(ctx, d, pdf)
}

// registerBook is a register year as the numbering sees it: the numbers
// documents carry, the voided ones, the live reservations and the counter.
type registerBook struct {
	docs, voided, reserved []int
	last                   int
}

func readBook(t *testing.T, db *gormdb.DB, reg workflow.RegisterKind, year int) registerBook {
	t.Helper()
	ctx := context.Background()
	var b registerBook
	entries, err := db.RegisterEntries(ctx, reg, year)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range entries {
		b.docs = append(b.docs, d.Number)
	}
	rs, err := db.ReservationsOf(ctx, reg, year)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		switch r.State {
		case workflow.NumberVoided:
			if !strings.Contains(r.Reason, "failed") && !strings.Contains(r.Reason, "did not finish") {
				t.Errorf("voided number %d has no reason: %q", r.Number, r.Reason)
			}
			b.voided = append(b.voided, r.Number)
		default:
			b.reserved = append(b.reserved, r.Number)
		}
	}
	if err := db.Gorm().Raw(`SELECT COALESCE(MAX(last), 0) FROM register_counters WHERE kind = ? AND year = ?`, string(reg), year).Scan(&b.last).Error; err != nil {
		t.Fatal(err)
	}
	return b
}

// assertGapless checks that every number 1..last is used exactly once, by
// a document or a voided row, and that no reservation is left live.
func (b registerBook) assertGapless(t *testing.T) {
	t.Helper()
	if len(b.reserved) > 0 {
		t.Errorf("reservations left live: %v", b.reserved)
	}
	all := append(append([]int(nil), b.docs...), b.voided...)
	sort.Ints(all)
	if len(all) != b.last {
		t.Fatalf("counter at %d but %d numbers used (documents %v, voided %v)", b.last, len(all), b.docs, b.voided)
	}
	for i, n := range all {
		if n != i+1 {
			t.Fatalf("numbers are not exactly 1..%d: position %d holds %d (documents %v, voided %v)", b.last, i, n, b.docs, b.voided)
		}
	}
}

func (e *env) readyToIssue(t *testing.T, n int) []*workflow.Document {
	t.Helper()
	docs := make([]*workflow.Document, n)
	for i := range docs {
		docs[i] = e.apply(t, e.create(t, workflow.Outgoing), workflow.Submit, workflow.Approve, workflow.Sign)
	}
	return docs
}

func (e *env) issue(ctx context.Context, d *workflow.Document) (*workflow.Document, error) {
	return e.svc.Apply(ctx, e.users[workflow.RoleClerk], d.ID, workflow.Issue, workflow.ActionInput{})
}

// A signature that fails after the number was reserved gives the number
// back when no later number was taken: the next issue takes it.
func TestIntegrationIssueFailureGivesNumberBack(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		docs := e.readyToIssue(t, 2)
		fail := docs[0].ID
		e.svc.Signer = scriptedSigner{Agency: func(_ context.Context, d *workflow.Document) error {
			if d.ID == fail {
				if d.Number != 1 || d.Notation != "01/TB-UBND" {
					t.Errorf("signer saw number %d notation %q, want the reserved 1", d.Number, d.Notation)
				}
				return workflow.Errorf(workflow.EUNAVAILABLE, "token removed")
			}
			return nil
		}}
		_, err := e.issue(context.Background(), docs[0])
		if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
			t.Fatalf("failed issue: %v", err)
		}
		got, err := db.Document(context.Background(), fail)
		if err != nil || got.State != workflow.OfficerSigned || got.Number != 0 || got.Version != docs[0].Version {
			t.Fatalf("failed document changed: %+v %v", got, err)
		}
		ok, err := e.issue(context.Background(), docs[1])
		if err != nil || ok.Number != 1 {
			t.Fatalf("next issue took %d (%v), want the given-back 1", ok.Number, err)
		}
		b := readBook(t, db, workflow.RegisterOutgoing, 2026)
		b.assertGapless(t)
		if len(b.voided) != 0 {
			t.Fatalf("voided %v, want none (the number was the last)", b.voided)
		}
	})
}

// A signature that fails after a later number was taken voids its number:
// the register shows it voided with the reason, the audit trail names it,
// and it is never given again.
func TestIntegrationIssueFailureAfterLaterNumberVoids(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		docs := e.readyToIssue(t, 3)
		slow := docs[0].ID
		entered, release := make(chan struct{}), make(chan struct{})
		e.svc.Signer = scriptedSigner{Agency: func(_ context.Context, d *workflow.Document) error {
			if d.ID != slow {
				return nil
			}
			close(entered)
			<-release
			return workflow.Errorf(workflow.EUNPROCESSABLE, "time-stamp server refused")
		}}
		errc := make(chan error, 1)
		go func() { _, err := e.issue(context.Background(), docs[0]); errc <- err }()
		<-entered
		b2, err := e.issue(context.Background(), docs[1])
		if err != nil || b2.Number != 2 {
			t.Fatalf("issue while 1 is reserved: number %d, %v", b2.Number, err)
		}
		close(release)
		if err := <-errc; workflow.ErrorCode(err) != workflow.EUNPROCESSABLE {
			t.Fatalf("slow issue: %v", err)
		}
		b3, err := e.issue(context.Background(), docs[2])
		if err != nil || b3.Number != 3 {
			t.Fatalf("issue after the void: number %d, %v (a voided number is never given again)", b3.Number, err)
		}
		b := readBook(t, db, workflow.RegisterOutgoing, 2026)
		b.assertGapless(t)
		if len(b.voided) != 1 || b.voided[0] != 1 {
			t.Fatalf("voided %v, want [1]", b.voided)
		}
		evs, err := db.Events(context.Background(), slow)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Kind != workflow.EventNumberVoided || last.Data["number"] != "1" || last.Data["notation"] != "01/TB-UBND" ||
			!strings.Contains(last.Comment, "time-stamp server refused") {
			t.Fatalf("last event of the failed document: %+v", last)
		}
		if r, err := e.svc.VerifyAudit(context.Background()); err != nil || !r.OK {
			t.Fatalf("audit: %+v %v", r, err)
		}
	})
}

// Two clerks issue the same document at once: one wins, the other gets
// ECONFLICT, and only one number is used.
func TestIntegrationIssueSameDocumentTwice(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		d := e.readyToIssue(t, 1)[0]
		entered, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		e.svc.Signer = scriptedSigner{Agency: func(context.Context, *workflow.Document) error {
			once.Do(func() { close(entered); <-release })
			return nil
		}}
		errc := make(chan error, 1)
		go func() { _, err := e.issue(context.Background(), d); errc <- err }()
		<-entered
		_, err := e.issue(context.Background(), d)
		if workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Fatalf("second issue of the same document: %v, want ECONFLICT", err)
		}
		// It says when a cut-off request's number is released (a retry
		// after kill -9 must know how long to wait).
		if msg := workflow.ErrorMessage(err); !strings.Contains(msg, "at "+e.now.Add(workflow.DefaultReservationTTL).UTC().Format(time.RFC3339)+" at the latest") ||
			!strings.Contains(msg, "within "+workflow.DefaultInstanceStale.String()+" of its server stopping") {
			t.Fatalf("message %q does not say when the number is released", msg)
		}
		close(release)
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		b := readBook(t, db, workflow.RegisterOutgoing, 2026)
		b.assertGapless(t)
		if len(b.docs) != 1 || b.last != 1 {
			t.Fatalf("book %+v", b)
		}
	})
}

// A document changed while it was being signed (a stale version at the
// last step) is refused with ECONFLICT and its number given back.
func TestIntegrationIssueVersionChangedWhileSigning(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		d := e.readyToIssue(t, 1)[0]
		e.svc.Signer = scriptedSigner{Agency: func(ctx context.Context, _ *workflow.Document) error {
			// Someone changes the document meanwhile (as a layout edit would).
			return db.Gorm().Exec(`UPDATE documents SET version = version + 1 WHERE id = ?`, d.ID).Error
		}}
		_, err := e.issue(context.Background(), d)
		if workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Fatalf("issue of a document changed while signing: %v, want ECONFLICT", err)
		}
		b := readBook(t, db, workflow.RegisterOutgoing, 2026)
		b.assertGapless(t)
		if b.last != 0 {
			t.Fatalf("book %+v: the number should be given back", b)
		}
	})
}

// A reservation whose request died (the process stopped between the
// phases) is resolved by the next issue of the register once older than
// the TTL: given back when last, voided otherwise.
func TestIntegrationAbandonedReservationResolved(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		docs := e.readyToIssue(t, 4)
		// The crash: reservations 1 and 2 stay behind with no request.
		// 1 is followed by a successful issue (2 -> doc 2 below), so it
		// must be voided; a trailing one is given back.
		crash := errors.New("crash")
		e.svc.Signer = scriptedSigner{Agency: func(_ context.Context, d *workflow.Document) error {
			if d.ID == docs[0].ID || d.ID == docs[2].ID {
				panic(crash)
			}
			return nil
		}}
		crashIssue := func(d *workflow.Document) {
			defer func() {
				if r := recover(); r != crash {
					t.Fatalf("recovered %v", r)
				}
			}()
			e.issue(context.Background(), d)
		}
		crashIssue(docs[0]) // reserves 1
		if d, err := e.issue(context.Background(), docs[1]); err != nil || d.Number != 2 {
			t.Fatalf("issue beside a live reservation: %d %v", d.Number, err)
		}
		crashIssue(docs[2]) // reserves 3
		b := readBook(t, db, workflow.RegisterOutgoing, 2026)
		if len(b.reserved) != 2 {
			t.Fatalf("after the crashes: %+v", b)
		}
		// Within the TTL nothing is resolved; after it, the next issue
		// resolves both: 3 given back (and taken again), 1 voided.
		e.setNow(e.now.Add(workflow.DefaultReservationTTL + time.Minute))
		d, err := e.issue(context.Background(), docs[3])
		if err != nil || d.Number != 3 {
			t.Fatalf("issue after the TTL took %d (%v), want the given-back 3", d.Number, err)
		}
		b = readBook(t, db, workflow.RegisterOutgoing, 2026)
		b.assertGapless(t)
		if len(b.voided) != 1 || b.voided[0] != 1 {
			t.Fatalf("voided %v, want [1]", b.voided)
		}
	})
}

// Issues run concurrently with failures mixed in (every fifth signature
// fails): every number 1..last is used exactly once, by an issued document
// or a voided row, and every document that did not fail is issued.
func TestIntegrationConcurrentIssuesWithFailures(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		const n = 100
		docs := e.readyToIssue(t, n)
		failing := map[string]bool{}
		for i, d := range docs {
			if i%5 == 0 {
				failing[d.ID] = true
			}
		}
		e.svc.Signer = scriptedSigner{Agency: func(_ context.Context, d *workflow.Document) error {
			if failing[d.ID] {
				return workflow.Errorf(workflow.EUNAVAILABLE, "signing token busy")
			}
			return nil
		}}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, d := range docs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := e.issue(context.Background(), d)
				if failing[d.ID] != (err != nil) {
					t.Errorf("issue %s (failing %v): %v", d.ID, failing[d.ID], err)
				}
			}()
		}
		close(start)
		wg.Wait()
		b := readBook(t, db, workflow.RegisterOutgoing, 2026)
		b.assertGapless(t)
		if len(b.docs) != n-len(failing) {
			t.Fatalf("%d documents issued, want %d", len(b.docs), n-len(failing))
		}
		t.Logf("%d issued, %d voided, %d given back", len(b.docs), len(b.voided), len(failing)-len(b.voided))
		if r, err := e.svc.VerifyAudit(context.Background()); err != nil || !r.OK {
			t.Fatalf("audit: %+v %v", r, err)
		}
	})
}

// While a signature is in progress (the fake signer holds on a channel),
// other requests are not blocked: a read and a write (a comment, a
// transaction of its own) finish within a short deadline. Before the
// issue's signing ran outside the database transaction, on SQLite both
// waited for the writer connection the issue held.
func TestIntegrationRequestsNotBlockedWhileSigning(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		docs := e.readyToIssue(t, 1)
		other := e.create(t, workflow.Outgoing)
		entered, release := make(chan struct{}), make(chan struct{})
		e.svc.Signer = scriptedSigner{Agency: func(context.Context, *workflow.Document) error {
			close(entered)
			<-release
			return nil
		}}
		errc := make(chan error, 1)
		go func() { _, err := e.issue(context.Background(), docs[0]); errc <- err }()
		<-entered
		defer func() {
			close(release)
			if err := <-errc; err != nil {
				t.Errorf("held issue: %v", err)
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		clerk := e.users[workflow.RoleClerk]
		if _, err := e.svc.Get(ctx, clerk, docs[0].ID); err != nil {
			t.Fatalf("read while signing: %v", err)
		}
		if err := e.svc.Comment(ctx, clerk, other.ID, "đã xem"); err != nil {
			t.Fatalf("write while signing: %v", err)
		}
		if _, err := e.svc.Apply(ctx, e.users[workflow.RoleHandler], other.ID, workflow.Submit, workflow.ActionInput{}); err != nil {
			t.Fatalf("transition while signing: %v", err)
		}
	})
}

// officialHook is the fake signer with a hook before layer 1.
type officialHook struct {
	workflowtest.Signer
	Official func(d *workflow.Document)
}

func (s officialHook) SignOfficial(ctx context.Context, d *workflow.Document, u *workflow.User, pdf []byte) ([]byte, error) {
	s.Official(d)
	return s.Signer.SignOfficial(ctx, d, u, pdf)
}

// Two signatures of the same document at once: the one that finishes
// first is recorded, the other (whose document changed while it signed)
// gets ECONFLICT and writes nothing — one layer-1 file, one sign event.
func TestIntegrationSignSameDocumentTwice(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		d := e.apply(t, e.create(t, workflow.Outgoing), workflow.Submit, workflow.Approve)
		entered, release := make(chan struct{}), make(chan struct{})
		var calls atomic.Int32
		e.svc.Signer = officialHook{Official: func(*workflow.Document) {
			if calls.Add(1) == 1 { // the first waits; the second goes through
				close(entered)
				<-release
			}
		}}
		officer := e.users[workflow.RoleOfficer]
		errc := make(chan error, 1)
		go func() {
			_, err := e.svc.Apply(context.Background(), officer, d.ID, workflow.Sign, workflow.ActionInput{})
			errc <- err
		}()
		<-entered
		won, err := e.svc.Apply(context.Background(), officer, d.ID, workflow.Sign, workflow.ActionInput{})
		if err != nil {
			t.Fatalf("the sign that finished first: %v", err)
		}
		close(release)
		if err := <-errc; workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Fatalf("the sign of a document signed meanwhile: %v, want ECONFLICT", err)
		}
		got, err := db.Document(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != workflow.OfficerSigned || got.Version != won.Version || len(got.Files) != len(d.Files)+1 {
			t.Fatalf("after the two signs: state %s version %d (want %d), %d files (want %d)", got.State, got.Version, won.Version, len(got.Files), len(d.Files)+1)
		}
		evs, err := db.Events(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		signs := 0
		for _, ev := range evs {
			if ev.Action == workflow.Sign {
				signs++
			}
		}
		if signs != 1 {
			t.Fatalf("%d sign events, want 1", signs)
		}
		if r, err := e.svc.VerifyAudit(context.Background()); err != nil || !r.OK {
			t.Fatalf("audit: %+v %v", r, err)
		}
	})
}
