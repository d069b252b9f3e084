package auth

import (
	"sync"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// DefaultSessionCacheTTL is how long Authenticate trusts a session and its
// user read from the database before reading them again — and so how long
// Logout, UpdateUser and SetPassword wait after their commit before they
// return (see sessionCache).
const DefaultSessionCacheTTL = 250 * time.Millisecond

// sessionCache maps a token hash to the session's user, for TTL. Each
// entry is a lease: it counts from the moment its read was sent, on the
// monotonic clock, and is not used once TTL has passed. Logout, and
// every user change made through a Service (disabling, roles, password,
// keys), drop this instance's entries at once and then wait TTL (plus a
// margin) after their commit before they return: by then every entry any
// instance sharing the database read before the commit has expired, so
// once the call returns, the token or the old user is refused everywhere
// (TestSessionCacheAcrossInstances). Only a change made behind every
// Service's back (SQL by hand) is seen up to TTL late.
//
// A reader that loaded a session from the database before an
// invalidation must not put its stale copy back afterwards: every
// invalidation bumps gen, and put stores only under the gen the load
// began with.
type sessionCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]cachedSession
}

type cachedSession struct {
	user       *workflow.User
	expires    time.Time // the session's own expiry
	loadedAt   time.Time // monotonic: when the read that filled it was sent
	refreshing bool      // a read ahead of the lease's end is under way
	usedAt     time.Time // monotonic: when a request last authenticated with it
}

// activeLeases: an entry whose token authenticated a request within this
// many leases is read again with the others (see get), whether or not its
// own lease has ended; after that it is left to expire.
const activeLeases = 40

const maxCachedSessions = 10000

func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns a copy of the cached user of tokenHash if the entry is
// younger than ttl at mono and its session is live at now. due names the
// entries the caller should read again (they are marked as being read),
// none most of the time: once the entry is past half its lease and
// nobody reads it again yet, the entry itself; with together, also every
// other entry that authenticated a request within activeLeases leases,
// is past a quarter of its lease (or past its end) and is not being
// read. The sessions in use are then read again in one statement and
// stay due together: one read per half lease for them all, however
// seldom each token is used, instead of one per session per half lease,
// or one on the request's path whenever a token comes back after its
// lease has ended.
func (c *sessionCache) get(tokenHash string, mono, now time.Time, ttl time.Duration, together bool) (u *workflow.User, ok bool, due []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[tokenHash]
	age := mono.Sub(e.loadedAt)
	if !ok || age >= ttl || age < 0 || !now.Before(e.expires) {
		return nil, false, nil
	}
	e.usedAt = mono
	if age >= ttl/2 && !e.refreshing {
		e.refreshing, due = true, []string{tokenHash}
		if together {
			due = c.dueWith(due, tokenHash, mono, ttl)
		}
	}
	c.entries[tokenHash] = e
	cp := *e.user // callers may change their copy
	return &cp, true, due
}

// dueWith adds to due (and marks as being read) the entries other than
// tokenHash that authenticated a request within activeLeases leases
// before mono, are past a quarter of their lease and are not being read.
func (c *sessionCache) dueWith(due []string, tokenHash string, mono time.Time, ttl time.Duration) []string {
	for k, o := range c.entries {
		age, idle := mono.Sub(o.loadedAt), mono.Sub(o.usedAt)
		if k == tokenHash || o.refreshing || age < ttl/4 || idle < 0 || idle >= activeLeases*ttl {
			continue
		}
		o.refreshing = true
		c.entries[k] = o
		due = append(due, k)
	}
	return due
}

// drop removes the entry of tokenHash (a read found its session gone),
// or with keep only clears its refreshing mark (a read failed).
func (c *sessionCache) drop(tokenHash string, keep bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[tokenHash]
	switch {
	case !ok:
	case keep:
		e.refreshing = false
		c.entries[tokenHash] = e
	default:
		delete(c.entries, tokenHash)
	}
}

func (c *sessionCache) put(gen uint64, tokenHash string, u *workflow.User, expires, loadedAt time.Time, used bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil {
		c.entries = map[string]cachedSession{}
	}
	if len(c.entries) >= maxCachedSessions {
		clear(c.entries)
	}
	usedAt := c.entries[tokenHash].usedAt // a read ahead: as it was
	if used {
		usedAt = loadedAt // a read for a request
	}
	cp := *u
	c.entries[tokenHash] = cachedSession{user: &cp, expires: expires, loadedAt: loadedAt, usedAt: usedAt}
}

// forget drops the entry of tokenHash.
func (c *sessionCache) forget(tokenHash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, tokenHash)
}

// forgetUser drops every entry of user id.
func (c *sessionCache) forgetUser(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.user.ID == id {
			delete(c.entries, k)
		}
	}
}
