package gormdb_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// verifyChain walks the whole trail through workflow.ChainVerifier and
// checks it is intact, n events long, and ends at the recorded head.
func verifyChain(tb testing.TB, db *gormdb.DB, n int64) workflow.AuditReport {
	tb.Helper()
	var v workflow.ChainVerifier
	var last workflow.Event
	err := db.WalkEvents(context.Background(), func(e workflow.Event) error {
		v.Add(e)
		last = e
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	r := v.Report()
	if !r.OK || r.Events != n {
		tb.Fatalf("chain report %+v (first broken %+v), want OK with %d events", r, r.FirstBroken, n)
	}
	head, err := db.AuditHead(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if n == 0 {
		if head != nil {
			tb.Fatalf("head %+v on an empty trail", head)
		}
		return r
	}
	if head == nil || head.Seq != last.Seq || head.Hash != last.Hash {
		tb.Fatalf("head %+v, last event seq %d hash %s", head, last.Seq, last.Hash)
	}
	return r
}

func TestAuditChain(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		verifyChain(t, db, 0)

		t.Run("RoundTrip", func(t *testing.T) {
			at := time.Date(2026, 11, 20, 8, 30, 1, 999999999, workflow.Vietnam) // sub-microsecond: truncated
			events := []*workflow.Event{
				{DocumentID: "doc-a", Actor: "u1", Kind: workflow.EventCreate, To: workflow.Received, At: at,
					Comment: "đã nhận 'bản giấy'", Data: map[string]string{"sha256": "ab", "name": "công văn.pdf"}},
				{DocumentID: "doc-a", Actor: "u1", Kind: workflow.EventTransition, Action: workflow.Register,
					From: workflow.Received, To: workflow.Registered, At: at.Add(time.Second), Data: map[string]string{}},
				{Kind: workflow.EventLoginFailed, At: at.Add(2 * time.Second), Data: nil, Comment: "username=admin"},
			}
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for _, e := range events {
					if err := tx.AppendEvent(ctx, e); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range events {
				if e.Seq != int64(i+1) || e.Hash == "" || e.Hash != workflow.HashEvent(e) {
					t.Errorf("event %d not chained: %+v", i, e)
				}
			}
			got, err := db.Events(ctx, "doc-a")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("Events(doc-a) = %d events", len(got))
			}
			for i := range got {
				want := *events[i]
				want.At = want.At.UTC()
				if !reflect.DeepEqual(got[i], want) {
					t.Errorf("event %d:\n got  %+v\n want %+v", i, got[i], want)
				}
				if workflow.HashEvent(&got[i]) != got[i].Hash {
					t.Errorf("event %d: stored event does not hash to its hash", i)
				}
			}
			var walked []workflow.Event
			db.WalkEvents(ctx, func(e workflow.Event) error { walked = append(walked, e); return nil })
			if len(walked) != 3 || walked[2].Data != nil || walked[1].Data == nil {
				t.Errorf("nil and empty Data must survive: %+v", walked)
			}
			verifyChain(t, db, 3)
		})

		t.Run("Concurrent", func(t *testing.T) {
			const n = 100
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					errs <- db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
						return tx.AppendEvent(ctx, &workflow.Event{
							DocumentID: fmt.Sprintf("doc-%d", i%7), Kind: workflow.EventUpload, At: t0.Add(time.Duration(i) * time.Millisecond),
							Comment: fmt.Sprintf("upload %d", i), Data: map[string]string{"i": fmt.Sprint(i)},
						})
					})
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			verifyChain(t, db, 3+n)
		})

		t.Run("TamperedEventIsNamed", func(t *testing.T) {
			const victim = 37
			res := db.Gorm().Exec(`UPDATE audit_events SET comment = 'sửa lén' WHERE seq = ?`, victim)
			if res.Error != nil || res.RowsAffected != 1 {
				t.Fatalf("tamper: %v, %d rows", res.Error, res.RowsAffected)
			}
			var v workflow.ChainVerifier
			if err := db.WalkEvents(ctx, func(e workflow.Event) error { v.Add(e); return nil }); err != nil {
				t.Fatal(err)
			}
			r := v.Report()
			if r.OK || r.FirstBroken == nil || r.FirstBroken.Seq != victim || r.FirstBroken.Comment != "sửa lén" {
				t.Fatalf("report %+v, first broken %+v; want event %d named", r, r.FirstBroken, victim)
			}
		})
	})
}

func TestWalkEvents(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		const n = 2345 // more than two batches
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for i := range n {
				if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: "d", Kind: workflow.EventUpload, At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		verifyChain(t, db, n)

		stop := errors.New("stop")
		var seen int
		err = db.WalkEvents(ctx, func(e workflow.Event) error {
			seen++
			if e.Seq == 1500 {
				return stop
			}
			return nil
		})
		if err != stop || seen != 1500 {
			t.Errorf("WalkEvents = %v after %d events; want the callback's error after 1500", err, seen)
		}

		t.Run("TruncatedTailIsVisibleAtTheHead", func(t *testing.T) {
			if err := db.Gorm().Exec(`DELETE FROM audit_events WHERE seq > ?`, n-3).Error; err != nil {
				t.Fatal(err)
			}
			var v workflow.ChainVerifier
			var last workflow.Event
			db.WalkEvents(ctx, func(e workflow.Event) error { v.Add(e); last = e; return nil })
			if !v.Report().OK {
				t.Fatal("a truncated chain still verifies link by link")
			}
			head, err := db.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if head.Seq != n || head.Seq == last.Seq {
				t.Errorf("head seq %d, last walked %d: truncation not detectable", head.Seq, last.Seq)
			}
		})
	})
}

// TestAuditChainInstances: two instances (two DBs on one database) append
// in turn, at once, several events per transaction, and after a
// transaction that appended rolled back. Each chains after the head it
// last saw when that is still the head, else after the head it reads:
// the chain is one, in commit order, whoever appended last.
func TestAuditChainInstances(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			n := 0
			appendN := func(db *gormdb.DB, k int, fail error) error {
				return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					for j := range k {
						e := &workflow.Event{DocumentID: "doc", Kind: workflow.EventComment, At: t0, Comment: fmt.Sprint(j)}
						if err := tx.AppendEvent(ctx, e); err != nil {
							return err
						}
					}
					return fail
				})
			}
			for i, k := range []int{1, 1, 2, 1, 3, 1} {
				if err := appendN(dbs[i%2], k, nil); err != nil {
					t.Fatalf("append %d: %v", i, err)
				}
				n += k
				verifyChain(t, dbs[(i+1)%2], int64(n))
			}
			boom := errors.New("boom")
			if err := appendN(dbs[0], 2, boom); !errors.Is(err, boom) {
				t.Fatalf("rolled-back append: %v", err)
			}
			if err := appendN(dbs[0], 1, nil); err != nil {
				t.Fatal(err)
			}
			n++
			verifyChain(t, dbs[1], int64(n))

			const m = 40
			var wg sync.WaitGroup
			errs := make(chan error, m)
			for i := range m {
				wg.Go(func() { errs <- appendN(dbs[i%2], 1+i%3, nil) })
				n += 1 + i%3
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			verifyChain(t, dbs[0], int64(n))
		})
	}
}

// TestAuditChainAfterRestore: the database is brought back to an earlier
// chain (a backup restored under a running instance). The next append
// reads the head and chains after it; the instance then remembers that
// head, not the later one it saw before the restore, so the appends after
// it take the one-statement path again.
func TestAuditChainAfterRestore(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		appendOne := func(i int) {
			t.Helper()
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.AppendEvent(ctx, &workflow.Event{DocumentID: "doc", Kind: workflow.EventComment, At: t0, Comment: fmt.Sprint(i)})
			})
			if err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
		for i := range 5 {
			appendOne(i)
		}
		var kept workflow.Event
		db.WalkEvents(ctx, func(e workflow.Event) error {
			if e.Seq == 2 {
				kept = e
			}
			return nil
		})
		g := db.Gorm()
		if err := g.Exec(`DELETE FROM audit_events WHERE seq > 2`).Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, kept.Seq, kept.Hash).Error; err != nil {
			t.Fatal(err)
		}
		appendOne(5)
		verifyChain(t, db, 3)
		head, err := db.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if seq, hash := gormdb.RememberedAuditHead(db); seq != head.Seq || hash != head.Hash {
			t.Errorf("remembered head %d %s after the restore and an append; the head is %d %s", seq, hash, head.Seq, head.Hash)
		}
		appendOne(6)
		verifyChain(t, db, 4)
	})
}

// TestUpdateAndAppend: the guarded update and the audit event together —
// both, or (stale version, missing document) neither with the
// UpdateDocument's answer; after another instance moved the head, the
// event is chained after the head it left.
func TestUpdateAndAppend(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		for _, ctx := range lastWriteContexts {
			t.Run(backend+"/"+ctx.name, func(t *testing.T) { testUpdateAndAppend(t, backend, ctx.ctx) })
		}
	}
}

// lastWriteContexts are the two ways a write is made: with more to come
// in its transaction, and as its last (on PostgreSQL sent with COMMIT:
// the same answers and effects).
var lastWriteContexts = []struct {
	name string
	ctx  context.Context
}{{"write", context.Background()}, {"last_write", workflow.WithLastWrite(context.Background())}}

func testUpdateAndAppend(t *testing.T, backend string, ctx context.Context) {
	dbs := gormdbtest.OpenInstances(t, backend, 2)
	a, b := dbs[0], dbs[1]
	d := incomingDoc("doc-ua", 0)
	create(t, a, d)
	events := 0
	step := func(db *gormdb.DB, id string, prev int) error {
		return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			cur := *d
			cur.ID, cur.Version, cur.Notes = id, prev+1, fmt.Sprintf("version %d", prev+1)
			e := &workflow.Event{DocumentID: id, Kind: workflow.EventComment, At: t0, Comment: cur.Notes}
			return tx.(workflow.UpdateAppender).UpdateAndAppend(ctx, &cur, prev, e)
		})
	}
	wantVersion := func(v int) {
		t.Helper()
		got, err := a.Document(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != v || got.Notes != fmt.Sprintf("version %d", v) {
			t.Fatalf("document at version %d (%q), want %d", got.Version, got.Notes, v)
		}
	}
	for v := 1; v <= 3; v++ { // a's head is known from the second on
		if err := step(a, d.ID, v); err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		events++
		wantVersion(v + 1)
		verifyChain(t, a, int64(events))
	}
	t.Run("ErrStale", func(t *testing.T) {
		wantCode(t, step(a, d.ID, 2), workflow.ECONFLICT)
		wantVersion(4)
		verifyChain(t, a, int64(events))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		wantCode(t, step(a, "doc-missing", 1), workflow.ENOTFOUND)
		verifyChain(t, a, int64(events))
	})
	t.Run("HeadUnknown", func(t *testing.T) {
		// b has appended nothing: its update and the locked read of the
		// head go together (one round trip on PostgreSQL), and a stale
		// version or a missing document appends nothing.
		if seq, _ := gormdb.RememberedAuditHead(b); seq != 0 {
			t.Fatalf("b remembers head %d", seq)
		}
		wantCode(t, step(b, d.ID, 3), workflow.ECONFLICT)
		wantCode(t, step(b, "doc-missing", 1), workflow.ENOTFOUND)
		wantVersion(4)
		verifyChain(t, a, int64(events))
		if seq, _ := gormdb.RememberedAuditHead(b); seq != 0 {
			t.Fatalf("b remembers head %d after appending nothing", seq)
		}
		if err := step(b, d.ID, 4); err != nil {
			t.Fatal(err)
		}
		events++
		wantVersion(5)
		verifyChain(t, a, int64(events))
		if seq, _ := gormdb.RememberedAuditHead(b); seq != int64(events) {
			t.Fatalf("b remembers head %d, want %d", seq, events)
		}
	})
	t.Run("HeadMovedByAnotherInstance", func(t *testing.T) {
		appendElsewhere(t, b)
		events++
		if err := step(a, d.ID, 5); err != nil {
			t.Fatal(err)
		}
		events++
		wantVersion(6)
		verifyChain(t, b, int64(events))
		if err := step(a, d.ID, 6); err != nil {
			t.Fatal(err)
		}
		events++
		verifyChain(t, b, int64(events))
	})
}

// TestCreateAndAppend: a document and its first events together —
// chained one after the other, or (the ID taken) none of them with
// CreateDocument's answer; after another instance moved the head, the
// events are chained after the head it left.
func TestCreateAndAppend(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		for _, ctx := range lastWriteContexts {
			t.Run(backend+"/"+ctx.name, func(t *testing.T) { testCreateAndAppend(t, backend, ctx.ctx) })
		}
	}
}

func testCreateAndAppend(t *testing.T, backend string, ctx context.Context) {
	dbs := gormdbtest.OpenInstances(t, backend, 2)
	a, b := dbs[0], dbs[1]
	events := 0
	createWith := func(db *gormdb.DB, id string, k int) error {
		return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			var es []*workflow.Event
			for j := range k {
				es = append(es, &workflow.Event{DocumentID: id, Kind: workflow.EventUpload, At: t0, Comment: fmt.Sprint(j),
					Data: map[string]string{"j": fmt.Sprint(j)}})
			}
			return tx.(workflow.CreateAppender).CreateAndAppend(ctx, incomingDoc(id, 0), es)
		})
	}
	for i, k := range []int{1, 2, 3, 1} { // a's head is known from the second on
		id := fmt.Sprintf("ca%d", i)
		if err := createWith(a, id, k); err != nil {
			t.Fatalf("create %s: %v", id, err)
		}
		events += k
		verifyChain(t, b, int64(events))
		got, err := a.Events(ctx, id)
		if err != nil || len(got) != k || got[k-1].Comment != fmt.Sprint(k-1) {
			t.Fatalf("events of %s: %d (%v), want %d in order", id, len(got), err, k)
		}
	}
	t.Run("ErrIDTaken", func(t *testing.T) {
		wantCode(t, createWith(a, "ca0", 2), workflow.ECONFLICT)
		verifyChain(t, a, int64(events))
	})
	t.Run("HeadMovedByAnotherInstance", func(t *testing.T) {
		appendElsewhere(t, b)
		events++
		if err := createWith(a, "moved", 3); err != nil {
			t.Fatal(err)
		}
		events += 3
		verifyChain(t, b, int64(events))
		if _, err := b.Document(ctx, "moved"); err != nil {
			t.Fatal(err)
		}
	})
}

// appendElsewhere appends an event through db (another instance), moving
// the chain's head past what the others last saw.
func appendElsewhere(t *testing.T, db *gormdb.DB) {
	t.Helper()
	if err := db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		return tx.AppendEvent(ctx, &workflow.Event{DocumentID: "other", Kind: workflow.EventComment, At: t0})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentAppendsKnowTheHead: on PostgreSQL, transactions of one
// instance that append at once take turns and each finds the head its
// predecessor left: no locked read of the head (the statement every
// append made, and a round trip, when it found another one appending),
// every event chained. Counted in the slow-query log with every
// statement logged.
func TestConcurrentAppendsKnowTheHead(t *testing.T) {
	ctx := context.Background()
	dsn := gormdbtest.CreatePostgresDatabase(t)
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := gormdb.Open(ctx, dsn, t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const workers, rounds = 6, 15
	var docs []*workflow.Document
	for i := range workers {
		docs = append(docs, incomingDoc(fmt.Sprintf("turn-%d", i), i))
	}
	create(t, db, docs...)
	appendElsewhere(t, db) // the instance knows the head from here
	db.SetSlowQueryThreshold(0)
	errs := make(chan error, workers)
	for _, d := range docs {
		go func() {
			var err error
			for prev := 1; prev <= rounds && err == nil; prev++ {
				err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					cur := *d
					cur.Version, cur.Notes = prev+1, fmt.Sprintf("version %d", prev+1)
					e := &workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, At: t0, Comment: cur.Notes}
					return tx.(workflow.UpdateAppender).UpdateAndAppend(workflow.WithLastWrite(ctx), &cur, prev, e)
				})
			}
			errs <- err
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	db.SetSlowQueryThreshold(time.Hour)
	verifyChain(t, db, 1+workers*rounds)
	out := buf.String()
	if n := strings.Count(out, "slow query"); n < workers*rounds {
		t.Fatalf("%d statements logged for %d appends: the log did not fire", n, workers*rounds)
	}
	// A turn not had within its wait (a test machine stalled for that
	// long: 13–24 of 90 while two cores ran the signing tests, a browser
	// and four builds beside it) reads the head; before turns, about every
	// other append did (45 of 90).
	if n := strings.Count(out, "FROM audit_head WHERE id = 1 FOR UPDATE"); n > workers*rounds/3 {
		t.Errorf("the head was read locked %d times in %d concurrent appends", n, workers*rounds)
	}
}
