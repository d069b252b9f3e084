package gormdb_test

import (
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// holdLock is the advisory lock a test holds to keep a transaction's
// COMMIT from ending: the transaction's last statement before COMMIT
// waits for it.
const holdLock = 770011

// handOverSetup opens an instance on a fresh PostgreSQL database with
// every statement logged to buf, two documents, and the head known to
// the instance; admin is a connection of the test's own to that database.
func handOverSetup(t *testing.T, buf *syncBuffer) (*gormdb.DB, *sql.Conn, []*workflow.Document) {
	t.Helper()
	ctx := context.Background()
	dsn := gormdbtest.CreatePostgresDatabase(t)
	db, err := gormdb.Open(ctx, dsn, t.TempDir(), slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	docs := []*workflow.Document{incomingDoc("first", 0), incomingDoc("second", 1)}
	create(t, db, docs...)
	appendElsewhere(t, db)
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	admin, err := pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return db, admin, docs
}

// comment is a transition of d from version prev with an event, as the
// transaction's last write (its COMMIT goes with it); before runs first.
func comment(ctx context.Context, db *gormdb.DB, d *workflow.Document, prev int, before func(workflow.Tx)) error {
	return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		if before != nil {
			before(tx)
		}
		cur := *d
		cur.Version = prev + 1
		e := &workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, At: t0, Comment: d.ID}
		return tx.(workflow.UpdateAppender).UpdateAndAppend(workflow.WithLastWrite(ctx), &cur, prev, e)
	})
}

// waitFor polls PostgreSQL until n backends of the database wait for a
// lock of one of kinds (pg_stat_activity's wait_event).
func waitFor(t *testing.T, admin *sql.Conn, n int, kinds ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var got int
		err := admin.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = ANY($1)`, kinds).Scan(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends wait for a %v lock after 20 s, want %d", got, kinds, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// appendWhileCommitHeld runs a transition of docs[0] whose COMMIT waits
// for holdLock (held by admin) after its append has run, then one of
// docs[1] once the first waits; it lets the first go on once the second's
// append waits for the head row in PostgreSQL, and returns their
// outcomes. then adds statements to the first after the wait.
func appendWhileCommitHeld(t *testing.T, db *gormdb.DB, admin *sql.Conn, docs []*workflow.Document, then func(workflow.Tx)) (first, second chan error) {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "SELECT pg_advisory_lock($1)", holdLock); err != nil {
		t.Fatal(err)
	}
	first, second = make(chan error, 1), make(chan error, 1)
	go func() {
		first <- comment(ctx, db, docs[0], 1, func(tx workflow.Tx) {
			gormdb.DeferInTx(tx, "SELECT pg_advisory_xact_lock($1)", int64(holdLock))
			if then != nil {
				then(tx)
			}
		})
	}()
	waitFor(t, admin, 1, "advisory") // the first's append ran; COMMIT waits
	go func() { second <- comment(ctx, db, docs[1], 1, nil) }()
	waitFor(t, admin, 1, "transactionid", "tuple") // the second's append waits for the head row
	if _, err := admin.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", holdLock); err != nil {
		t.Fatal(err)
	}
	return first, second
}

// TestAppendTurnHandedOverBeforeCommitEnds: the turn to append goes to
// the next transaction of the instance once the append before it has
// run in PostgreSQL, while that one's COMMIT is still under way (here
// held by a lock the test holds): the next one chains after it without
// reading the head, and its append waits in PostgreSQL for the head
// row, not in the instance for the turn. Kept by the turn until COMMIT
// returns, the next one would wait for it (appendTurnWait) and then
// read the head locked.
func TestAppendTurnHandedOverBeforeCommitEnds(t *testing.T) {
	ctx := context.Background()
	var buf syncBuffer
	db, admin, docs := handOverSetup(t, &buf)
	db.SetSlowQueryThreshold(0)
	first, second := appendWhileCommitHeld(t, db, admin, docs, nil)
	for _, ch := range []chan error{first, second} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	db.SetSlowQueryThreshold(time.Hour)
	verifyChain(t, db, 3)
	out := buf.String()
	if n := strings.Count(out, "slow query"); n < 2 {
		t.Fatalf("%d statements logged for 2 appends: the log did not fire", n)
	}
	if n := strings.Count(out, "FROM audit_head WHERE id = 1 FOR UPDATE"); n != 0 {
		t.Errorf("the head was read locked %d times: the turn was not handed over before COMMIT ended\n%s", n, out)
	}
	evs, err := db.Events(ctx, docs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Seq != 3 {
		t.Fatalf("the second's events %+v, want one, seq 3 (after the first's)", evs)
	}
}

// TestAppendTurnHandedOverByAFailedCommit: the turn was handed over
// (the first's append ran) but the first transaction fails after it and
// rolls back; the next one, which chained after the first's event, finds
// the head row elsewhere, reads it locked and chains after it: the chain
// holds the second's event after the head before the first, and nothing
// of the first.
func TestAppendTurnHandedOverByAFailedCommit(t *testing.T) {
	ctx := context.Background()
	var buf syncBuffer
	db, admin, docs := handOverSetup(t, &buf)
	first, second := appendWhileCommitHeld(t, db, admin, docs, func(tx workflow.Tx) {
		gormdb.DeferInTx(tx, "SELECT CAST($1 AS integer)", "not a number")
	})
	if err := <-first; err == nil {
		t.Fatal("the first transaction committed; its last statement fails")
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	verifyChain(t, db, 2)
	for i, want := range []int{0, 1} {
		evs, err := db.Events(ctx, docs[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != want {
			t.Fatalf("%s has %d events, want %d", docs[i].ID, len(evs), want)
		}
	}
	// And the instance goes on from the head as it is.
	if err := comment(ctx, db, docs[0], 1, nil); err != nil {
		t.Fatal(err)
	}
	verifyChain(t, db, 3)
}
