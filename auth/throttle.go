package auth

import (
	"container/list"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Throttle limits failed logins per account and per client address with
// an exponential lockout: after Free failures a key is locked for
// BaseLockout, doubling with every further failure up to MaxLockout. A
// key without a failure for Forget starts afresh; a successful login
// clears its account (never its address: one valid account must not
// reset the limit of an address that guesses others).
//
// Memory is bounded: at most MaxEntries keys are kept, the least recently
// used are forgotten first. It is safe for concurrent use; concurrent
// attempts on one key are counted while they run, so a burst of parallel
// guesses cannot slip past the limit before their failures are recorded.
//
// When the Service's repository is a ThrottleStore (the database), the
// failures and lockouts are the store's, shared by every instance and
// kept across restarts (throttle_store.go); the Throttle then gives the
// settings and keeps, per process, the attempts running and refused.
type Throttle struct {
	AccountFree int           // failures allowed per account before the first lockout; default 5
	AddressFree int           // failures allowed per client address; default 20 (offices share a NAT)
	BaseLockout time.Duration // first lockout; default 30s
	MaxLockout  time.Duration // longest lockout; default 15m
	Forget      time.Duration // quiet time after which a key's failures are forgotten; default 1h
	MaxEntries  int           // keys kept in memory; default 100000

	mu   sync.Mutex
	keys map[string]*list.Element // of *tentry
	lru  list.List                // front = most recently used
	seq  uint64                   // counts the stored states reported (stored)
}

type tentry struct {
	key      string
	address  bool
	failures int       // consecutive failures
	inflight int       // attempts being checked now
	until    time.Time // locked until
	last     time.Time // last use
	refused  int       // attempts refused since the last report
	// With a ThrottleStore: the state its last failure here returned,
	// and t.seq then. A read begun before it may have missed it.
	seen      int
	seenUntil time.Time
	seenSeq   uint64
}

// Lock describes a key that a failure has just locked; the audit trail
// gets one event per Lock instead of one per refused attempt.
type Lock struct {
	Key      string // "account:NAME" or "address:IP"
	Failures int    // consecutive failures so far
	Refused  int    // attempts refused (unchecked) since the previous lock of this key
	Until    time.Time
}

func (t *Throttle) free(address bool) int {
	if address {
		return def(t.AddressFree, 20)
	}
	return def(t.AccountFree, 5)
}

func (t *Throttle) isAddress(key string) bool { return strings.HasPrefix(key, "address:") }

func def[T int | time.Duration](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

// AccountKey and AddressKey name the two kinds of keys. Usernames are
// folded to lower case; IPv6 addresses are limited per /64, the block one
// client usually holds.
// A key is valid UTF-8 without NUL (a ThrottleStore keeps it as text):
// a name cut at 100 bytes, or one no account could have, has its bad
// bytes replaced.
func AccountKey(username string) string {
	name := strings.ToLower(truncate(username, 100))
	return "account:" + strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", "\uFFFD"), "\uFFFD")
}

// AddressKey is the throttle key of a client address ("" = unknown: no key).
func AddressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "address:" + p.String()
	}
	return "address:" + ip.String()
}

// entry returns the entry of key, creating it (and evicting the least
// recently used one when full). t.mu is held.
func (t *Throttle) entry(key string, now time.Time) *tentry {
	if t.keys == nil {
		t.keys = map[string]*list.Element{}
	}
	if el, ok := t.keys[key]; ok {
		e := el.Value.(*tentry)
		if e.inflight == 0 && !now.Before(e.until) && now.Sub(e.last) > def(t.Forget, time.Hour) {
			e.failures, e.refused = 0, 0
		}
		e.last = now
		t.lru.MoveToFront(el)
		return e
	}
	for len(t.keys) >= def(t.MaxEntries, 100000) {
		old := t.lru.Back()
		if old == nil {
			break
		}
		t.lru.Remove(old)
		delete(t.keys, old.Value.(*tentry).key)
	}
	e := &tentry{key: key, address: strings.HasPrefix(key, "address:"), last: now}
	t.keys[key] = t.lru.PushFront(e)
	return e
}

// Begin registers an attempt on keys (empty ones are ignored). It
// returns ok=false and how long to wait when any key is locked, or when
// the attempts already running on a key would use up its free failures.
// After ok=true the caller must call End with the same keys.
func (t *Throttle) Begin(now time.Time, keys ...string) (wait time.Duration, ok bool) {
	return t.begin(now, keys, nil, nil, 0)
}

// begin is Begin; with failures and until (in keys' order: a
// ThrottleStore's state, read after mark) it judges by them in place of
// the ones kept here — or by what a failure here stored after mark, when
// more — and keeps only the attempts running and the refused count.
func (t *Throttle) begin(now time.Time, keys []string, failures []int, until []time.Time, mark uint64) (wait time.Duration, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var es []*tentry
	for i, k := range keys {
		if k == "" {
			continue
		}
		e := t.entry(k, now)
		es = append(es, e)
		f, u := e.failures, e.until
		if failures != nil {
			f, u = failures[i], until[i]
			if e.seenSeq > mark { // the read may have begun before that failure's write
				f = max(f, e.seen)
				u = later(u, e.seenUntil)
			}
		}
		switch {
		case now.Before(u):
			wait = max(wait, u.Sub(now))
		case e.inflight > 0 && f+e.inflight >= t.free(e.address):
			wait = max(wait, time.Second)
		}
	}
	if wait > 0 {
		for _, e := range es {
			e.refused++
		}
		return wait, false
	}
	for _, e := range es {
		e.inflight++
	}
	return 0, true
}

// steps are the lockouts after the free failures: the first is
// BaseLockout, each the double of the one before, the last MaxLockout
// (every further failure locks for it).
func (t *Throttle) steps() []time.Duration {
	base, top := def(t.BaseLockout, 30*time.Second), def(t.MaxLockout, 15*time.Minute)
	d := min(base, top)
	out := []time.Duration{d}
	for d < top {
		d = min(2*d, top)
		out = append(out, d)
	}
	return out
}

// mark is the count of stored states reported so far: taken before a
// ThrottleStore read, it tells begin which reports the read may miss.
func (t *Throttle) mark() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seq
}

// stored reports the state a failure of key here stored, before the
// attempt ends: a read already under way may not see it, and begin
// takes it instead (each process then runs at most free+1 attempts on a
// key before it sees the lockout).
func (t *Throttle) stored(key string, failures int, until time.Time, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	e := t.entry(key, now)
	e.seen, e.seenUntil, e.seenSeq = failures, until, t.seq
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// takeRefused returns the attempts on key refused since its previous
// lock, and starts the count afresh (a lock that a ThrottleStore
// reported).
func (t *Throttle) takeRefused(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	el, ok := t.keys[key]
	if !ok {
		return 0
	}
	e := el.Value.(*tentry)
	n := e.refused
	e.refused = 0
	return n
}

// End finishes an attempt begun with Begin. A failure counts against
// every key and returns the keys it locked; a success clears the account
// keys. Second return: whether this failure is among the free ones of
// every key (the audit trail records those one by one).
func (t *Throttle) End(now time.Time, success bool, keys ...string) (locks []Lock, first bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	first = true
	for _, k := range keys {
		if k == "" {
			continue
		}
		e := t.entry(k, now)
		if e.inflight > 0 {
			e.inflight--
		}
		if success {
			if !e.address {
				e.failures, e.until, e.refused = 0, time.Time{}, 0
			}
			continue
		}
		e.failures++
		free := t.free(e.address)
		if e.failures <= free {
			continue
		}
		first = false
		d := def(t.BaseLockout, 30*time.Second)
		for i := free + 1; i < e.failures && d < def(t.MaxLockout, 15*time.Minute); i++ {
			d *= 2
		}
		d = min(d, def(t.MaxLockout, 15*time.Minute))
		e.until = now.Add(d)
		locks = append(locks, Lock{Key: e.key, Failures: e.failures, Refused: e.refused, Until: e.until})
		e.refused = 0
	}
	return locks, first
}

// Cancel ends an attempt begun with Begin that was neither a success
// nor a failure (the user store could not be read).
func (t *Throttle) Cancel(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		if el, ok := t.keys[k]; ok && el.Value.(*tentry).inflight > 0 {
			el.Value.(*tentry).inflight--
		}
	}
}

// Len is the number of keys kept (for tests of the memory bound).
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}

// LockedUntil returns until when key is locked out, or the zero time when
// it is not locked at now. It reads without counting an attempt (an
// admin looking at an account does not keep its entry alive).
func (t *Throttle) LockedUntil(key string, now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.keys[key]; ok {
		if e := el.Value.(*tentry); now.Before(e.until) {
			return e.until
		}
	}
	return time.Time{}
}

// Unlock forgets the failures and the lockout of key, as a successful
// login of its account would (attempts running keep their count). It
// returns until when the key was locked (zero: it was not).
func (t *Throttle) Unlock(key string, now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	el, ok := t.keys[key]
	if !ok {
		return time.Time{}
	}
	e := el.Value.(*tentry)
	was := e.until
	if !now.Before(was) {
		was = time.Time{}
	}
	e.failures, e.until, e.refused = 0, time.Time{}, 0
	return was
}
