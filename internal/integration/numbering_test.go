package integration

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

type env struct {
	svc   *workflow.Service
	db    *gormdb.DB
	users map[workflow.Role]*workflow.User
	now   time.Time
	mu    sync.Mutex
}

func newEnv(t *testing.T, db *gormdb.DB) *env {
	t.Helper()
	blobs, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, users: map[workflow.Role]*workflow.User{}, now: time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)}
	e.svc = &workflow.Service{Repo: db, Blobs: blobs, Signer: workflowtest.Signer{},
		Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"},
		Now: func() time.Time {
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.now
		}}
	ctx := context.Background()
	err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for _, r := range workflow.Roles {
			u := &workflow.User{ID: "u-" + string(r), Username: string(r), Roles: []workflow.Role{r}, CreatedAt: e.now}
			e.users[r] = u
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) setNow(t time.Time) { e.mu.Lock(); e.now = t; e.mu.Unlock() }

var pdf = testpdf.Make(1, "numbering")

func (e *env) create(t *testing.T, dir workflow.Direction) *workflow.Document {
	t.Helper()
	in := workflow.CreateInput{Direction: dir, Type: "TB", Subject: "Thông báo lịch họp",
		File: &workflow.Upload{Name: "tb.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}}
	actor := e.users[workflow.RoleHandler]
	if dir == workflow.Outgoing {
		in.SignerID = e.users[workflow.RoleOfficer].ID
	} else {
		actor = e.users[workflow.RoleClerk]
		od := workflow.NewDate(2026, 11, 1)
		in.Sender, in.OriginalNumber, in.OriginalDate = &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND TP Cần Thơ"}, "1/UBND", &od
	}
	d, err := e.svc.Create(context.Background(), actor, in)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (e *env) apply(t *testing.T, d *workflow.Document, steps ...workflow.Action) *workflow.Document {
	t.Helper()
	for _, a := range steps {
		tr, _ := workflow.Next(d.Direction, d.State, a)
		actor := e.users[tr.Roles[0]]
		var err error
		if d, err = e.svc.Apply(context.Background(), actor, d.ID, a, workflow.ActionInput{}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	return d
}

// concurrently applies action to every document at once and returns the
// numbers given.
func (e *env) concurrently(t *testing.T, docs []*workflow.Document, action workflow.Action) []int {
	t.Helper()
	nums := make([]int, len(docs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, d := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tr, _ := workflow.Next(d.Direction, d.State, action)
			for attempt := 0; ; attempt++ {
				got, err := e.svc.Apply(context.Background(), e.users[tr.Roles[0]], d.ID, action, workflow.ActionInput{})
				if workflow.ErrorCode(err) == workflow.ECONFLICT && attempt < 20 {
					continue // a PostgreSQL serialisation failure: retry, as a client would
				}
				if err != nil {
					t.Errorf("%s %s: %v", action, d.ID, err)
					return
				}
				nums[i] = got.Number
				return
			}
		}()
	}
	close(start)
	wg.Wait()
	return nums
}

func assertOneToN(t *testing.T, nums []int) {
	t.Helper()
	sorted := append([]int(nil), nums...)
	sort.Ints(sorted)
	for i, n := range sorted {
		if n != i+1 {
			t.Fatalf("numbers are not exactly 1..%d: position %d holds %d (%v)", len(nums), i, n, sorted)
		}
	}
}

const concurrent = 200

func TestIntegrationConcurrentRegistrationsGapless(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		docs := make([]*workflow.Document, concurrent)
		for i := range docs {
			docs[i] = e.create(t, workflow.Incoming)
		}
		assertOneToN(t, e.concurrently(t, docs, workflow.Register))
		entries, err := db.RegisterEntries(context.Background(), workflow.RegisterIncoming, 2026)
		if err != nil || len(entries) != concurrent {
			t.Fatalf("register has %d entries: %v", len(entries), err)
		}
		r, err := e.svc.VerifyAudit(context.Background())
		if err != nil || !r.OK {
			t.Fatalf("audit after concurrency: %+v %v", r, err)
		}
	})
}

func TestIntegrationConcurrentIssuesGapless(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		// As serve runs them: a few turns to sign, the signatures on
		// goroutines of their own (serve: threads of lower priority).
		e.svc.SignConcurrency = 3
		e.svc.SignOn = func(fn func()) {
			done := make(chan struct{})
			go func() { defer close(done); fn() }()
			<-done
		}
		docs := make([]*workflow.Document, concurrent)
		for i := range docs {
			docs[i] = e.apply(t, e.create(t, workflow.Outgoing), workflow.Submit, workflow.Approve, workflow.Sign)
		}
		nums := e.concurrently(t, docs, workflow.Issue)
		assertOneToN(t, nums)
		seen := map[string]bool{}
		for _, d := range docs {
			got, err := db.Document(context.Background(), d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("%02d/TB-UBND", got.Number); got.Notation != want || seen[got.Notation] {
				t.Fatalf("notation %q for number %d (duplicate: %v)", got.Notation, got.Number, seen[got.Notation])
			}
			seen[got.Notation] = true
		}
	})
}

func TestIntegrationYearBoundaryRestartsAtOne(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		e.setNow(time.Date(2026, 12, 31, 23, 58, 0, 0, workflow.Vietnam))
		a := e.apply(t, e.create(t, workflow.Outgoing), workflow.Submit, workflow.Approve, workflow.Sign, workflow.Issue)
		b := e.apply(t, e.create(t, workflow.Outgoing), workflow.Submit, workflow.Approve, workflow.Sign, workflow.Issue)
		// 00:00:30 on 1 January in Vietnam is still 31 December in UTC.
		e.setNow(time.Date(2027, 1, 1, 0, 0, 30, 0, workflow.Vietnam))
		c := e.apply(t, e.create(t, workflow.Outgoing), workflow.Submit, workflow.Approve, workflow.Sign, workflow.Issue)
		if a.Number != 1 || b.Number != 2 || a.Year != 2026 {
			t.Fatalf("2026: %d %d year %d", a.Number, b.Number, a.Year)
		}
		if c.Number != 1 || c.Year != 2027 || c.Notation != "01/TB-UBND" {
			t.Fatalf("2027: number %d year %d notation %s", c.Number, c.Year, c.Notation)
		}
	})
}

func TestIntegrationAuditTamperNamesEvent(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		e := newEnv(t, db)
		e.apply(t, e.create(t, workflow.Outgoing), workflow.Submit, workflow.Approve)
		var target workflow.Event
		n := 0
		db.WalkEvents(context.Background(), func(ev workflow.Event) error {
			n++
			if n == 3 {
				target = ev
			}
			return nil
		})
		if err := db.Gorm().Exec("UPDATE audit_events SET comment = ? WHERE seq = ?", "sửa lén", target.Seq).Error; err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.VerifyAudit(context.Background())
		if err != nil || r.OK || r.FirstBroken == nil || r.FirstBroken.Seq != target.Seq {
			t.Fatalf("tampered event %d not named: %+v %v", target.Seq, r, err)
		}
	})
}
