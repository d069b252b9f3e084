package gcfloor_test

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

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

// goal is the runtime's current heap goal.
func goal() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestStart: with a small live heap the goal goes from the runtime's 4 MB
// minimum to the floor (a 64 MB floor: between 48 and 96 MB) after the
// next collection; stop gives GOGC=100 back; the operator's GOGC wins.
// (Counting collections over some garbage instead is at the mercy of a
// loaded machine: a collection that cannot keep up lets the heap run past
// its goal.)
func TestStart(t *testing.T) {
	const mb = 1 << 20
	runtime.GC()
	plain := goal()
	stop := gcfloor.Start(64*mb, func(string) string { return "" })
	floored := uint64(0)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		runtime.GC() // the tuner sets its percent after a collection
		if floored = goal(); floored >= 48*mb {
			break
		}
	}
	stop()
	runtime.GC()
	after := goal()
	t.Logf("heap goal: %d MB plain, %d MB with a 64 MB floor, %d MB after stop", plain/mb, floored/mb, after/mb)
	if plain > 16*mb || floored < 48*mb || floored > 96*mb || after > 16*mb {
		t.Fatalf("heap goal %d MB plain, %d MB with a 64 MB floor, %d MB after stop; want ≤ 16, 48–96, ≤ 16", plain/mb, floored/mb, after/mb)
	}
	if prev := debug.SetGCPercent(100); prev != 100 {
		t.Errorf("after stop the GC percent is %d, want 100", prev)
	}
	noop := gcfloor.Start(64*mb, func(k string) string {
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
