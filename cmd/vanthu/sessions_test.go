package main

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestSessionSweep: serve's job deletes the sessions that expired and
// keeps the others; it stops when its context ends. Before, nothing
// called DeleteExpiredSessions and every login's row stayed for ever.
func TestSessionSweep(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	t0 := time.Now()
	var clock atomic.Int64 // the database's now, as the job and the test read it
	clock.Store(t0.UnixNano())
	db.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	for _, s := range []*workflow.Session{
		{TokenHash: "old", UserID: "u1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
		{TokenHash: "live", UserID: "u1", CreatedAt: t0, ExpiresAt: t0.Add(3 * time.Hour)},
	} {
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateSession(ctx, s) }); err != nil {
			t.Fatal(err)
		}
	}
	later := t0.Add(2 * time.Hour).UnixNano() // "old" has expired, "live" not
	clock.Store(later)
	jobCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- sessionSweep(db, slog.New(slog.NewTextHandler(io.Discard, nil)), 10*time.Millisecond)(jobCtx)
	}()
	// Whether the row of "old" is still there: at t0 it has not expired.
	present := func(hash string) bool {
		clock.Store(t0.UnixNano())
		defer clock.Store(later)
		_, err := db.Session(ctx, hash)
		return err == nil
	}
	for deadline := time.Now().Add(5 * time.Second); present("old"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the expired session was not swept")
		}
	}
	if !present("live") {
		t.Error("the live session went too")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the job ended with %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the job did not stop with its context")
	}
}
