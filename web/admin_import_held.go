package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"sync"
	"time"
)

// heldTTL is how long the initial passwords of an import wait for their
// one download.
const heldTTL = 10 * time.Minute

// heldPasswords keeps the initial passwords' CSV of each import, in this
// process's memory only (never the database, a file or a log), until its
// one download by the session that made the import, or heldTTL: the
// result page's button "Tải mật khẩu ban đầu" takes it and it is gone
// (the bytes zeroed); another session, even another admin's, cannot take
// it, and a later click finds nothing. Behind a load balancer the
// download must reach the instance that made the import (README
// "Importing users"); a lost file costs a reset on each user's page.
type heldPasswords struct {
	mu   sync.Mutex
	byID map[string]*heldCSV
}

type heldCSV struct {
	session [sha256.Size]byte // the importing session's token, hashed
	csv     []byte
	expires time.Time
}

func newHeldPasswords() *heldPasswords { return &heldPasswords{byID: map[string]*heldCSV{}} }

// put holds csv for session until now+heldTTL and returns its key.
func (h *heldPasswords) put(session string, csv []byte, now time.Time) string {
	id := rand.Text()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.purge(now)
	h.byID[id] = &heldCSV{session: sha256.Sum256([]byte(session)), csv: csv, expires: now.Add(heldTTL)}
	return id
}

// take returns the CSV held under id for session, once: it is forgotten
// as it is returned. Another session's take finds nothing and leaves it.
func (h *heldPasswords) take(id, session string, now time.Time) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.purge(now)
	c, ok := h.byID[id]
	sum := sha256.Sum256([]byte(session))
	if !ok || subtle.ConstantTimeCompare(c.session[:], sum[:]) != 1 {
		return nil, false
	}
	delete(h.byID, id)
	return c.csv, true
}

// purge forgets, zeroed, what has waited heldTTL.
func (h *heldPasswords) purge(now time.Time) {
	for id, c := range h.byID {
		if !now.Before(c.expires) {
			clear(c.csv)
			delete(h.byID, id)
		}
	}
}
