package gcfloor

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// Ahead starts, at the caller's CPU priority, the collections that work
// about to run on a thread of lower priority (a signature on a niced
// thread) would otherwise start there.
//
// A collection begins with a stop-the-world pause, and the goroutine whose
// allocation crosses the heap's trigger is the one that stops the world
// and starts it again. When that goroutine runs on a niced thread while
// the CPUs are busy, the kernel gives its thread a sliver of a CPU: a
// pause of some 0.1 ms lasted 5–186 ms in a trace of
// BenchmarkGetDocumentWhileIssuing, with every request frozen behind it
// (docs/signing.md, "Requests while signing"). Do runs its work after
// starting the collection itself, from a goroutine of normal priority,
// whenever the heap is within what such work allocates of the lowest
// point where the runtime may trigger one (70 % of the way from the last
// marked heap to the goal); the marking then runs beside the work, as it
// would have. It costs a few collections more (they start a little
// earlier), never a larger heap.
type Ahead struct {
	// GC runs one collection to its end (runtime.GC when nil); it is
	// called on a goroutine of its own.
	GC func()

	mu      sync.Mutex
	expect  uint64 // what work allocated lately, a moving maximum
	sample  []metrics.Sample
	running atomic.Bool
}

// Do runs work (which must not return before what it runs elsewhere
// has), first starting a collection when the heap is close to triggering
// one.
func (a *Ahead) Do(work func()) {
	objects, live, goal, allocs0 := a.read()
	a.mu.Lock()
	expect := a.expect
	a.mu.Unlock()
	if Due(objects, live, goal, expect) && a.running.CompareAndSwap(false, true) {
		gc := a.GC
		if gc == nil {
			gc = runtime.GC
		}
		go func() {
			defer a.running.Store(false)
			gc()
		}()
	}
	work()
	_, _, _, allocs1 := a.read()
	a.mu.Lock()
	// A moving maximum: the last work's bytes when more, else decaying by
	// an eighth, so one large file raises it at once and it forgets it
	// after a few small ones.
	a.expect = max(allocs1-allocs0, a.expect-a.expect/8)
	a.mu.Unlock()
}

// read returns the bytes of heap objects now, the heap marked live by
// the last collection, the heap goal and the bytes allocated so far.
func (a *Ahead) read() (objects, live, goal, allocs uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sample == nil {
		a.sample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"},
			{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	}
	metrics.Read(a.sample)
	var v [4]uint64
	for i, s := range a.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	return v[0], v[1], v[2], v[3]
}

// Due reports whether a collection should start now: the heap's objects
// plus expect bytes about to be allocated reach the lowest trigger the
// runtime uses (the marked heap plus 70 % of the way to the goal), and
// the objects alone do not yet — past it the runtime may have started
// one already, and a second would be wasted.
func Due(objects, live, goal, expect uint64) bool {
	if goal <= live {
		return false
	}
	lowest := live + (goal-live)/10*7
	return objects < lowest && objects+expect >= lowest
}
