package workflowtest

import (
	"bytes"
	"context"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// heldSecret is a sealed secret held for a session (auth.HeldStore).
type heldSecret struct {
	tokenHash string
	expires   time.Time
	sealed    []byte
}

// PutHeld holds sealed under id for tokenHash until expires, after
// forgetting what expired at now (auth.HeldStore).
func (r *Repository) PutHeld(_ context.Context, id, tokenHash string, expires time.Time, sealed []byte, now time.Time) error {
	defer r.lock()()
	r.purgeHeld(now)
	if r.held == nil {
		r.held = map[string]heldSecret{}
	}
	r.held[id] = heldSecret{tokenHash: tokenHash, expires: expires, sealed: bytes.Clone(sealed)}
	return nil
}

// TakeHeld returns and forgets the row of id held for tokenHash and not
// expired at now; ENOTFOUND otherwise, another session's row left
// (auth.HeldStore).
func (r *Repository) TakeHeld(_ context.Context, id, tokenHash string, now time.Time) ([]byte, error) {
	defer r.lock()()
	r.purgeHeld(now)
	h, ok := r.held[id]
	if !ok || h.tokenHash != tokenHash {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "nothing held for this session under this key")
	}
	delete(r.held, id)
	return h.sealed, nil
}

// Held returns the sealed bytes held under id (tests: what the store
// keeps), or nil.
func (r *Repository) Held(id string) []byte {
	defer r.lock()()
	return bytes.Clone(r.held[id].sealed)
}

func (r *Repository) purgeHeld(now time.Time) {
	for id, h := range r.held {
		if !now.Before(h.expires) {
			delete(r.held, id)
		}
	}
}
