package gormdb_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestDeadInstances: an instance is alive while its row was renewed
// within the stale time; one not renewed since, one retired and one never
// seen are dead; a heartbeat renews, and rows gone a day are deleted.
func TestDeadInstances(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		beat := func(ids ...string) {
			t.Helper()
			for _, id := range ids {
				if err := db.Heartbeat(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
		}
		dead := func(stale time.Duration) []string {
			t.Helper()
			got, err := db.DeadInstances(ctx, []string{"a", "b", "c", "d"}, stale)
			if err != nil {
				t.Fatal(err)
			}
			return slices.Sorted(maps.Keys(got))
		}
		beat("a", "b", "c")
		if got := dead(15 * time.Second); !slices.Equal(got, []string{"d"}) {
			t.Fatalf("all renewed: dead %v, want [d]", got)
		}
		now = now.Add(10 * time.Second)
		beat("a", "c")
		if got := dead(15 * time.Second); !slices.Equal(got, []string{"d"}) {
			t.Fatalf("b renewed 10 s ago: dead %v, want [d]", got)
		}
		now = now.Add(6 * time.Second)
		beat("a", "c")
		if got := dead(15 * time.Second); !slices.Equal(got, []string{"b", "d"}) {
			t.Fatalf("b renewed 16 s ago: dead %v, want [b d]", got)
		}
		if err := db.Retire(ctx, "c"); err != nil {
			t.Fatal(err)
		}
		if got := dead(15 * time.Second); !slices.Equal(got, []string{"b", "c", "d"}) {
			t.Fatalf("c retired: dead %v, want [b c d]", got)
		}
		now = now.Add(25 * time.Hour)
		beat("a")
		var n int64
		if err := db.Gorm().Table("instances").Count(&n).Error; err != nil || n != 1 {
			t.Fatalf("%d rows after a day (%v), want a's only", n, err)
		}
	})
}

// TestIdempotencyKeyOfDeadInstance: a key in flight whose holder is alive
// is returned as held; once its holder's row is stale or gone it is taken
// over at once (long before the lease's stale time) and the holder's
// finish fails; a key finished, or held with no holder recorded, is not.
func TestIdempotencyKeyOfDeadInstance(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		const staleAfter = 15 * time.Second
		key := func(name, tok, holder string) workflow.IdempotencyKey {
			return workflow.IdempotencyKey{UserID: "u-1", Key: name, Fingerprint: "fp", Token: tok, StartedAt: now,
				ExpiresAt: now.Add(workflow.IdempotencyTTL), Holder: holder}
		}
		begin := func(k workflow.IdempotencyKey) *workflow.IdempotencyKey {
			t.Helper()
			held, err := db.BeginIdempotent(ctx, k, now.Add(-workflow.DefaultIdempotencyLease), staleAfter)
			if err != nil {
				t.Fatal(err)
			}
			return held
		}
		for _, id := range []string{"A", "B"} {
			if err := db.Heartbeat(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		for _, k := range []workflow.IdempotencyKey{key("k-live", "a1", "A"), key("k-legacy", "a2", ""), key("k-done", "a3", "A")} {
			if held := begin(k); held != nil {
				t.Fatalf("%s: held %+v", k.Key, held)
			}
		}
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.FinishIdempotent(ctx, "u-1", "k-done", "a3", "doc-a3")
		}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(staleAfter - time.Second)
		if err := db.Heartbeat(ctx, "B"); err != nil {
			t.Fatal(err)
		}
		if held := begin(key("k-live", "b1", "B")); held == nil || held.Token != "a1" || held.Holder != "A" {
			t.Fatalf("A renewed %s ago: %+v, want held by A", staleAfter-time.Second, held)
		}
		now = now.Add(2 * time.Second) // A's row is now stale
		if err := db.Heartbeat(ctx, "B"); err != nil {
			t.Fatal(err)
		}
		if held := begin(key("k-live", "b1", "B")); held != nil {
			t.Fatalf("A dead: key not taken over: %+v", held)
		}
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.FinishIdempotent(ctx, "u-1", "k-live", "a1", "doc-a1")
		}); workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Fatalf("finish by the attempt taken over: %v, want ECONFLICT", err)
		}
		if held := begin(key("k-live", "c1", "C")); held == nil || held.Token != "b1" {
			t.Fatalf("B alive: %+v, want held by B", held)
		}
		if held := begin(key("k-legacy", "b2", "B")); held == nil || held.Token != "a2" {
			t.Fatalf("no holder recorded, within the lease: %+v, want held", held)
		}
		if held := begin(key("k-done", "b3", "B")); held == nil || held.DocumentID != "doc-a3" {
			t.Fatalf("finished key: %+v, want its document", held)
		}
		if err := db.Retire(ctx, "B"); err != nil {
			t.Fatal(err)
		}
		if held := begin(key("k-live", "c1", "C")); held != nil {
			t.Fatalf("B retired: key not taken over: %+v", held)
		}
	})
}

// TestLivenessByServerClock: with ServerClock on PostgreSQL an instance
// whose clock is a minute behind the others' is alive while it renews
// its row, and its key is not taken over; by each instance's own clock
// (the default, and SQLite) the same instance looks dead. A row the
// server's clock says is stale is dead either way.
func TestLivenessByServerClock(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		if db.Dialect() != "postgres" {
			t.Skip("SQLite's instances share one host's clock")
		}
		ctx := context.Background()
		behind := func() time.Time { return time.Now().Add(-time.Minute) }
		const stale = 15 * time.Second
		for _, tc := range []struct {
			serverClock bool
			wantDead    []string
		}{
			{serverClock: false, wantDead: []string{"A", "gone"}},
			{serverClock: true, wantDead: []string{"gone"}},
		} {
			db.ServerClock = tc.serverClock
			db.Now = behind // instance A renews by its clock
			if err := db.Heartbeat(ctx, "A"); err != nil {
				t.Fatal(err)
			}
			db.Now = time.Now // B judges by its own
			got, err := db.DeadInstances(ctx, []string{"A", "gone"}, stale)
			if err != nil {
				t.Fatal(err)
			}
			if ids := slices.Sorted(maps.Keys(got)); !slices.Equal(ids, tc.wantDead) {
				t.Errorf("server clock %v: dead %v, want %v", tc.serverClock, ids, tc.wantDead)
			}
			now := time.Now()
			k := workflow.IdempotencyKey{UserID: "u-1", Key: fmt.Sprint("k-", tc.serverClock), Fingerprint: "fp", Token: "a",
				StartedAt: now, ExpiresAt: now.Add(workflow.IdempotencyTTL), Holder: "A"}
			if held, err := db.BeginIdempotent(ctx, k, now.Add(-workflow.DefaultIdempotencyLease), stale); err != nil || held != nil {
				t.Fatalf("A begins: held %+v, %v", held, err)
			}
			k.Token, k.Holder = "b", "B"
			held, err := db.BeginIdempotent(ctx, k, now.Add(-workflow.DefaultIdempotencyLease), stale)
			if err != nil {
				t.Fatal(err)
			}
			if takenOver := held == nil; takenOver != slices.Contains(tc.wantDead, "A") {
				t.Errorf("server clock %v: A's key taken over %v, want %v", tc.serverClock, takenOver, !takenOver)
			}
		}
		if err := db.Gorm().Exec(`UPDATE instances SET seen_at = now() - interval '20 seconds' WHERE id = 'A'`).Error; err != nil {
			t.Fatal(err)
		}
		if got, err := db.DeadInstances(ctx, []string{"A"}, stale); err != nil || !got["A"] {
			t.Fatalf("A renewed 20 s ago by the server's clock: dead %v (%v), want A", got, err)
		}
	})
}
