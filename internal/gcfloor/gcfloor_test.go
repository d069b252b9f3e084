package gcfloor_test

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/vanthu/vanthu/internal/gcfloor"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, roots, floor uint64
		want               int
	}{
		{3 * mb, 0, 32 * mb, 800},        // goal max(4 × 8, 3 + 3 × 8) = 32 MB
		{3 * mb, 1 * mb, 32 * mb, 725},   // goal 3 + 4 × 7.25 = 32 MB
		{16 * mb, 0, 32 * mb, 100},       // GOGC=100 already reaches the floor
		{100 * mb, 1 * mb, 32 * mb, 100}, // a large live heap: GOGC=100 exactly
		{1 * mb, 0, 32 * mb, 800},        // the minimum heap (4 MB × 8) is the floor
		{0, 0, 32 * mb, 800},
		{0, 0, 1 << 40, 100_000}, // bounded
		{3 * mb, 0, 6 * mb, 100},
	} {
		if got := gcfloor.Percent(c.live, c.roots, c.floor); got != c.want {
			t.Errorf("Percent(%d, %d, %d) = %d, want %d", c.live, c.roots, c.floor, got, c.want)
		}
	}
}

var sink []byte

// churn allocates n bytes of short-lived garbage in 8 KB pieces (the
// size of a request's allocations) and returns how many collections ran.
func churn(n int) uint32 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i += 8 << 10 {
		sink = make([]byte, 8<<10)
	}
	runtime.ReadMemStats(&after)
	return after.NumGC - before.NumGC
}

// TestStart: with a small live heap, the floor cuts the collections over
// the same allocations at least 4× (256 MB of garbage, a 64 MB floor:
// about 4 collections instead of dozens — and at least 2, so the goal is
// not far above the floor); the operator's GOGC wins; stop gives GOGC=100
// back.
func TestStart(t *testing.T) {
	runtime.GC()
	plain := churn(256 << 20)
	stop := gcfloor.Start(64<<20, func(string) string { return "" })
	runtime.GC() // the tuner sets its percent after a collection
	floored := churn(256 << 20)
	stop()
	if prev := debug.SetGCPercent(100); prev != 100 {
		t.Errorf("after stop the GC percent is %d, want 100", prev)
	}
	t.Logf("collections over 256 MB of garbage: %d plain, %d with a 64 MB floor", plain, floored)
	if plain < 8 || floored*4 > plain || floored < 2 {
		t.Fatalf("collections: %d plain, %d with the floor; want the floor to cut them at least 4×", plain, floored)
	}
	noop := gcfloor.Start(64<<20, func(k string) string {
		if k == "GOGC" {
			return "200"
		}
		return ""
	})
	runtime.GC()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("with GOGC set the tuner changed the percent to %d", p)
	}
	noop()
}
