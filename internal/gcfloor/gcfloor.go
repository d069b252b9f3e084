// Package gcfloor keeps the garbage collector's heap goal at or above a
// floor. A server whose live heap is a few megabytes collects, under
// GOGC=100, every time it has allocated about as much again: vanthu, with
// 3 MB live, ran a collection every 0.27 s at 1,000 GET/s (14 KB
// allocated per request), each marking for several milliseconds on one
// of two cores — about 1–4 % of the time, which is where a p99 lives.
// After every collection Start's tuner sets the GC percent so that the
// next goal is the larger of the floor and what GOGC=100 would give:
// with a small live heap it collects an order of magnitude less often,
// with a live heap above half the floor (a large PDF being signed) it is
// GOGC=100 exactly, so memory peaks of large work do not move.
package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// DefaultFloor is the heap goal vanthu sign keeps at least.
const DefaultFloor = 32 << 20

// ServeFloor is the heap goal vanthu serve keeps at least. While
// documents are issued the server allocates some 5 MB per lifecycle, and
// with a live heap of a few megabytes a 32 MB goal meant a collection
// every 60 ms at 80 issues/s: a mark phase a third of the time, on the
// requests' processors, and two stop-the-world pauses each, most begun by
// the signing thread of lower priority, which allocates most of those
// bytes. At 64 MB there are a third as many (docs/signing.md, "Requests
// while signing"), for at most 32 MB more heap than at DefaultFloor: a
// live heap above half the floor (a large PDF) still gets GOGC=100.
const ServeFloor = 64 << 20

// base is the GC percent below which the tuner never goes (GOGC's
// default).
const base = 100

// maxPercent bounds the percent the tuner sets (a live heap of a few
// kilobytes must not ask for an absurd one).
const maxPercent = 100_000

var (
	mu      sync.Mutex
	running *tuner
)

type tuner struct {
	floor   uint64
	stopped atomic.Bool
	percent int
	sample  []metrics.Sample
}

// Start keeps the heap goal at floor bytes or more until the returned
// function is called, which sets the GC percent back to 100. It does
// nothing (and its stop does nothing) when getenv("GOGC") is set — the
// operator's choice wins — when floor is not positive, or when a tuner is
// already running.
func Start(floor uint64, getenv func(string) string) (stop func()) {
	if floor == 0 || getenv("GOGC") != "" {
		return func() {}
	}
	mu.Lock()
	defer mu.Unlock()
	if running != nil {
		return func() {}
	}
	t := &tuner{floor: floor, percent: base, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/globals:bytes"}, {Name: "/gc/scan/stack:bytes"}}}
	running = t
	t.tune()
	t.arm()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if t.stopped.Swap(true) {
			return
		}
		running = nil
		debug.SetGCPercent(base)
	}
}

// sentinel is garbage whose finalizer runs once per collection; the
// pointer field keeps it out of the tiny allocator, whose blocks are
// freed (and finalized) only with their neighbours.
type sentinel struct {
	_ *int
	_ [32]byte
}

// arm sets a finalizer that retunes after the next collection and arms
// itself again.
func (t *tuner) arm() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		mu.Lock()
		defer mu.Unlock()
		if t.stopped.Load() {
			return
		}
		t.tune()
		t.arm()
	})
}

// tune sets the GC percent from the live heap and the roots (globals,
// stacks) of the last collection. Called with mu held.
func (t *tuner) tune() {
	metrics.Read(t.sample)
	var v [3]uint64
	for i, s := range t.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	p := Percent(v[0], v[1]+v[2], t.floor)
	// Small changes are not worth the call (it recomputes the pacer).
	if p != t.percent && (p == base || p > t.percent*11/10 || p < t.percent*9/10) {
		debug.SetGCPercent(p)
		t.percent = p
	}
}

// Percent is the GC percent whose heap goal is floor, for live bytes of
// live heap and roots bytes of globals and stacks. The runtime's goal is
// the larger of live + (live + roots) × percent/100 and its minimum heap,
// 4 MB × percent/100: the percent is capped so that the minimum stays at
// or below the floor. Never below 100 nor above maxPercent.
func Percent(live, roots, floor uint64) int {
	scan := live + roots
	if floor <= live+scan {
		return base
	}
	p := floor * 100 / minHeap
	if scan > 0 {
		p = min(p, (floor-live)*100/scan)
	}
	return int(max(min(p, maxPercent), base))
}

// minHeap is the runtime's minimum heap goal at GOGC=100.
const minHeap = 4 << 20
