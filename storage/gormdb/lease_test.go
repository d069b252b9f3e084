package gormdb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestLease: one holder at a time; the holder extends it; another takes
// it once it expires or is released; of many racing, exactly one wins.
func TestLease(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		steps := []struct {
			holder  string
			advance time.Duration
			want    bool
		}{
			{"a", 0, true},
			{"b", 0, false},
			{"a", time.Minute, true}, // renew: now until 1:11
			{"b", 9 * time.Minute, false},
			{"b", 2 * time.Minute, true}, // a's expired
			{"a", 0, false},
		}
		for i, s := range steps {
			now = now.Add(s.advance)
			got, err := db.TryLease(ctx, "fixity", s.holder, 10*time.Minute)
			if err != nil || got != s.want {
				t.Fatalf("step %d (%s): %v %v, want %v", i, s.holder, got, err, s.want)
			}
		}
		if err := db.ReleaseLease(ctx, "fixity", "a"); err != nil { // not a's: no-op
			t.Fatal(err)
		}
		if got, _ := db.TryLease(ctx, "fixity", "a", time.Minute); got {
			t.Fatal("a took b's lease after releasing nothing")
		}
		if err := db.ReleaseLease(ctx, "fixity", "b"); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		wins := 0
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := db.TryLease(ctx, "race", string(rune('p'+i)), time.Hour)
				if err != nil {
					t.Error(err)
				}
				if got {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d holders got the lease", wins)
		}
	})
}
