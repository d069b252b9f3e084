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

func TestDue(t *testing.T) {
	const mb = 1 << 20
	// live 8 MB, goal 32 MB: the lowest trigger is 8 + 0.7 × 24 = 24.8 MB.
	for _, c := range []struct {
		objects, expect uint64
		want            bool
	}{
		{10 * mb, 2 * mb, false}, // far from it
		{23 * mb, 2 * mb, true},  // the work would cross it
		{24 * mb, 1 * mb, true},
		{20 * mb, 0, false},      // nothing known about the work yet
		{25 * mb, 2 * mb, false}, // past it: the runtime may have started one
		{30 * mb, 8 * mb, false},
	} {
		if got := gcfloor.Due(c.objects, 8*mb, 32*mb, c.expect); got != c.want {
			t.Errorf("Due(%d MB objects, expect %d MB) = %v, want %v", c.objects/mb, c.expect/mb, got, c.want)
		}
	}
	if gcfloor.Due(10*mb, 32*mb, 32*mb, 64*mb) {
		t.Error("Due with the goal at the live heap")
	}
}

// TestAheadDo: once Do has seen its work allocate more than the runway
// between two collections, the next Do starts a collection itself (GC)
// before running the work.
func TestAheadDo(t *testing.T) {
	runtime.GC()
	started := make(chan struct{}, 16)
	a := &gcfloor.Ahead{GC: func() { started <- struct{}{}; runtime.GC() }}
	var keep [][]byte
	work := func() {
		keep = nil
		for range 64 {
			keep = append(keep, make([]byte, 256<<10)) // 16 MB in all
		}
	}
	for range 5 { // the first learns what the work allocates
		a.Do(work)
	}
	select {
	case <-started: // on a goroutine of its own: it may come after Do
	case <-time.After(10 * time.Second):
		t.Fatal("Do never started a collection ahead of work that allocates 16 MB")
	}
}
