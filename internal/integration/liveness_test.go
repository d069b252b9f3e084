package integration

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// instance is a document service of e's database as another serve
// process runs it: its own instance ID, e's clock, blobs and agency.
func (e *env) instance(id string) *workflow.Service {
	return &workflow.Service{Repo: e.db, Blobs: e.svc.Blobs, Signer: e.svc.Signer, Agency: e.svc.Agency, Now: e.svc.Now,
		Logger: e.svc.Logger, Instance: id}
}

// beat records the instances alive at e's time.
func (e *env) beat(t *testing.T, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := e.db.Heartbeat(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
}

// stuckIssue starts an issue of d on svc that reserves its number and
// waits in the agency signature until release is closed; its result
// comes on the channel returned.
func stuckIssue(t *testing.T, e *env, svc *workflow.Service, d *workflow.Document) (release chan struct{}, result chan error) {
	t.Helper()
	entered, release, result := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	var once sync.Once
	svc.Signer = scriptedSigner{Agency: func(context.Context, *workflow.Document) error {
		once.Do(func() { close(entered); <-release })
		return nil
	}}
	go func() {
		_, err := svc.Apply(context.Background(), e.users[workflow.RoleClerk], d.ID, workflow.Issue, workflow.ActionInput{})
		result <- err
	}()
	<-entered
	return release, result
}

// A number reserved by an instance known dead (its liveness row not
// renewed for InstanceStale, or deleted when it stopped) is taken over by
// the retry through another instance at once, not after the TTL; while
// the holder is alive, or when the reservation names no holder (written
// before liveness), the retry is refused as before. The holder that turns
// out alive fails at its commit: one number, the register gapless.
func TestIntegrationReservationOfDeadInstance(t *testing.T) {
	stale := workflow.DefaultInstanceStale
	cases := []struct {
		name     string
		holder   string                     // the instance ID of the stuck issue ("": none recorded)
		die      func(t *testing.T, e *env) // what happens to it before the retry
		takeOver bool
	}{
		{name: "alive", holder: "A", die: func(t *testing.T, e *env) {
			e.setNow(e.now.Add(stale + 5*time.Second))
			e.beat(t, "A", "B")
		}},
		{name: "renewed just within the stale time", holder: "A", die: func(t *testing.T, e *env) {
			e.setNow(e.now.Add(stale - time.Second))
			e.beat(t, "B")
		}},
		{name: "not renewed for the stale time (kill -9)", holder: "A", takeOver: true, die: func(t *testing.T, e *env) {
			e.setNow(e.now.Add(stale + time.Second))
			e.beat(t, "B")
		}},
		{name: "retired (stopped)", holder: "A", takeOver: true, die: func(t *testing.T, e *env) {
			if err := e.db.Retire(context.Background(), "A"); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "no holder recorded", holder: "", die: func(t *testing.T, e *env) {
			e.setNow(e.now.Add(time.Hour - 50*time.Minute - time.Second)) // within the TTL
			e.beat(t, "B")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
				e := newEnv(t, db)
				db.Now = e.svc.Now
				d := e.readyToIssue(t, 1)[0]
				e.beat(t, "A", "B")
				a, b := e.instance(tc.holder), e.instance("B")
				release, result := stuckIssue(t, e, a, d)
				tc.die(t, e)
				got, err := b.Apply(context.Background(), e.users[workflow.RoleClerk], d.ID, workflow.Issue, workflow.ActionInput{})
				close(release)
				late := <-result
				if !tc.takeOver {
					if workflow.ErrorCode(err) != workflow.ECONFLICT {
						t.Fatalf("retry while the holder may be alive: %v, want ECONFLICT", err)
					}
					if late != nil {
						t.Fatalf("the holder's issue: %v", late)
					}
					readBook(t, db, workflow.RegisterOutgoing, 2026).assertGapless(t)
					return
				}
				if err != nil || got.Number != 1 {
					t.Fatalf("retry through another instance: number %v, %v; want 1 (given back and taken again)", got, err)
				}
				if workflow.ErrorCode(late) != workflow.ECONFLICT {
					t.Fatalf("the dead holder committing late: %v, want ECONFLICT", late)
				}
				bk := readBook(t, db, workflow.RegisterOutgoing, 2026)
				bk.assertGapless(t)
				if len(bk.docs) != 1 || bk.last != 1 {
					t.Fatalf("book %+v", bk)
				}
			})
		})
	}
}

// Two survivors take over a dead instance's reservation at once, after a
// later number was taken: its number is voided (recorded, with why), one
// retry issues the document with the next number, the other is refused
// (the number held, or the document issued already),
// and the dead holder's late commit fails.
func TestIntegrationDeadInstanceTwoSurvivors(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		db.Now = e.svc.Now
		docs := e.readyToIssue(t, 2)
		e.beat(t, "A", "B", "C")
		a := e.instance("A")
		release, result := stuckIssue(t, e, a, docs[0]) // reserves 1
		if d, err := e.instance("B").Apply(context.Background(), e.users[workflow.RoleClerk], docs[1].ID, workflow.Issue, workflow.ActionInput{}); err != nil || d.Number != 2 {
			t.Fatalf("issue beside A's reservation: %v %v", d, err)
		}
		e.setNow(e.now.Add(workflow.DefaultInstanceStale + time.Second))
		e.beat(t, "B", "C")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		nums := make([]int, 2)
		for i, id := range []string{"B", "C"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := e.instance(id).Apply(context.Background(), e.users[workflow.RoleClerk], docs[0].ID, workflow.Issue, workflow.ActionInput{})
				errs[i] = err
				if err == nil {
					nums[i] = d.Number
				}
			}()
		}
		wg.Wait()
		close(release)
		if late := <-result; workflow.ErrorCode(late) != workflow.ECONFLICT {
			t.Fatalf("the dead holder committing late: %v, want ECONFLICT", late)
		}
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
				if nums[i] != 3 {
					t.Errorf("took %d, want 3 (1 voided, 2 issued)", nums[i])
				}
			case workflow.ErrorCode(err) != workflow.ECONFLICT && workflow.ErrorCode(err) != workflow.EILLEGAL:
				// Refused: the other survivor holds the number, or has issued the document.
				t.Errorf("survivor %d: %v, want ECONFLICT, EILLEGAL or success", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d survivors issued the document (%v), want 1", ok, errs)
		}
		bk := readBook(t, db, workflow.RegisterOutgoing, 2026)
		bk.assertGapless(t)
		if len(bk.voided) != 1 || bk.voided[0] != 1 || len(bk.docs) != 2 {
			t.Fatalf("book %+v, want documents 2 and 3, 1 voided", bk)
		}
		rs, err := db.ReservationsOf(context.Background(), workflow.RegisterOutgoing, 2026)
		if err != nil || len(rs) != 1 || !strings.Contains(rs[0].Reason, "stopped") || rs[0].Holder != "A" {
			t.Fatalf("voided reservation %+v (%v): want A's, saying its server stopped", rs, err)
		}
	})
}

// heldBlobs is a blob store whose first Put waits until release is
// closed: a create cut off between holding its idempotency key and its
// commit.
type heldBlobs struct {
	workflow.Blobs
	once             *sync.Once
	entered, release chan struct{}
}

func (b heldBlobs) Put(ctx context.Context, key string, r io.Reader, size int64, sha256 string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	b.once.Do(func() { close(b.entered); <-b.release })
	return b.Blobs.Put(ctx, key, r, size, sha256, opts)
}

// An Idempotency-Key held by a create on an instance known dead is taken
// over by the retry through another instance at once, not after the
// lease; while its instance is alive the retry is told to wait; the
// first attempt, should it finish after all, fails at its commit: one
// document for the key.
func TestIntegrationIdempotencyKeyOfDeadInstance(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		db.Now = e.svc.Now
		e.beat(t, "A", "B")
		a, b := e.instance("A"), e.instance("B")
		held := heldBlobs{Blobs: a.Blobs, once: &sync.Once{}, entered: make(chan struct{}), release: make(chan struct{})}
		a.Blobs = held
		in := func() workflow.CreateInput {
			return workflow.CreateInput{Direction: workflow.Outgoing, Type: "TB", Subject: "Thông báo lịch họp", SignerID: e.users[workflow.RoleOfficer].ID,
				IdempotencyKey: "k-1", File: &workflow.Upload{Name: "tb.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}}
		}
		actor := e.users[workflow.RoleHandler]
		first := make(chan error, 1)
		go func() { _, err := a.Create(context.Background(), actor, in()); first <- err }()
		<-held.entered
		e.setNow(e.now.Add(workflow.DefaultInstanceStale - time.Second))
		e.beat(t, "B")
		if _, err := b.Create(context.Background(), actor, in()); workflow.ErrorCode(err) != workflow.EINPROGRESS {
			t.Fatalf("retry while A may be alive: %v, want EINPROGRESS", err)
		}
		e.setNow(e.now.Add(2 * time.Second))
		e.beat(t, "B")
		d, err := b.Create(context.Background(), actor, in())
		if err != nil {
			t.Fatalf("retry after A is known dead (long before the lease): %v", err)
		}
		close(held.release)
		if err := <-first; workflow.ErrorCode(err) != workflow.EINPROGRESS {
			t.Fatalf("A finishing late: %v, want EINPROGRESS (the key taken over)", err)
		}
		again, err := b.Create(context.Background(), actor, in())
		if err != nil || again.ID != d.ID {
			t.Fatalf("replay: %v %v, want document %s", again, err, d.ID)
		}
		var n int64
		if err := db.Gorm().Table("documents").Count(&n).Error; err != nil || n != 1 {
			t.Fatalf("%d documents (%v), want 1", n, err)
		}
	})
}
