// Package ratelimit bounds how often one key (a client address) may do
// something: a fixed window per key, in memory, per process. Public pages
// (verification) use it; several instances behind a load balancer each
// apply their own limit.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter allows n events per key in each window.
type Limiter struct {
	n      int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]*entry
}

type entry struct {
	start time.Time
	count int
}

// New returns a limiter of n events per window.
func New(n int, window time.Duration) *Limiter {
	return &Limiter{n: n, window: window, now: time.Now, seen: map[string]*entry{}}
}

// WithClock sets the clock (tests).
func (l *Limiter) WithClock(now func() time.Time) *Limiter { l.now = now; return l }

// Allow counts one event for key and reports whether it is within the limit.
func (l *Limiter) Allow(key string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) > 100_000 { // bound memory: forget expired windows
		for k, e := range l.seen {
			if now.Sub(e.start) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	e := l.seen[key]
	if e == nil || now.Sub(e.start) >= l.window {
		e = &entry{start: now}
		l.seen[key] = e
	}
	e.count++
	return e.count <= l.n
}
