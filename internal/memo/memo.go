// Package memo holds results by a 32-byte key (a SHA-256 of what decides
// them) in a bounded map safe for concurrent use: the caches of the
// signing and verification code, whose entries may be dropped at any time.
package memo

import (
	"cmp"
	"sync"
)

// DefaultMax is the bound of a Map whose Max is zero.
const DefaultMax = 4096

// Map is a bounded map; when it is full it starts over (a bound, not an
// eviction policy). The zero value is ready to use.
type Map[V any] struct {
	mu  sync.Mutex
	m   map[[32]byte]V
	Max int // entries at most; 0 is DefaultMax
}

// Get returns the value kept for k.
func (c *Map[V]) Get(k [32]byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// Put keeps v for k, dropping everything first when the map is full.
func (c *Map[V]) Put(k [32]byte, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= cmp.Or(c.Max, DefaultMax) {
		c.m = map[[32]byte]V{}
	}
	c.m[k] = v
}

// Forget drops everything.
func (c *Map[V]) Forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}

// Len is the number of entries kept.
func (c *Map[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
