package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// HeldTTL is how long a secret held for a session (the initial passwords
// of a user import) waits for its one take.
const HeldTTL = 10 * time.Minute

// heldInfo is HKDF's info: the key of a held secret is for nothing else.
const heldInfo = "vanthu held secret v1"

// HeldStore is implemented by repositories that keep secrets held for a
// session where every instance sharing them reaches it (storage/gormdb:
// the held_secrets table; the in-memory fake). It keeps only what Hold
// sealed: the secret encrypted under a key derived from the session's raw
// token, which the database never holds (it keeps the token's SHA-256),
// so neither the store, a backup nor a log can read it.
type HeldStore interface {
	// PutHeld stores sealed under id for the session of token hash
	// tokenHash until expires, and deletes every row expired at now.
	PutHeld(ctx context.Context, id, tokenHash string, expires time.Time, sealed []byte, now time.Time) error
	// TakeHeld deletes the row of id held for tokenHash and not expired
	// at now, and returns its sealed bytes, in one statement: of two takes
	// racing on one row, one gets it. It deletes every row expired at now
	// too. ENOTFOUND when there is none; another session's row is left.
	TakeHeld(ctx context.Context, id, tokenHash string, now time.Time) ([]byte, error)
}

func (s *Service) heldStore() (HeldStore, error) {
	st, ok := s.Repo.(HeldStore)
	if !ok {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this store cannot hold secrets")
	}
	return st, nil
}

// Hold keeps secret for the session of token until HeldTTL, for its one
// Take by the same session, on any instance sharing the store; it returns
// the key to take it by. The store gets it sealed with AES-GCM under
// heldKey(token, id); the caller clears secret.
func (s *Service) Hold(ctx context.Context, token string, secret []byte) (string, error) {
	st, err := s.heldStore()
	if err != nil {
		return "", err
	}
	id := rand.Text()
	aead, err := heldAEAD(token, id)
	if err != nil {
		return "", fmt.Errorf("hold: %w", err)
	}
	h := HashToken(token)
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("hold: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, secret, []byte(id+"\x00"+h))
	now := s.now()
	if err := st.PutHeld(ctx, id, h, now.Add(HeldTTL), sealed, now); err != nil {
		return "", fmt.Errorf("hold: %w", err)
	}
	return id, nil
}

// Take returns, once, the secret held under id for the session of token:
// the store's row is gone as it is read. ENOTFOUND when there is none for
// this session (taken, expired, another session's, another key); the
// caller clears what it returns.
func (s *Service) Take(ctx context.Context, token, id string) ([]byte, error) {
	st, err := s.heldStore()
	if err != nil {
		return nil, err
	}
	h := HashToken(token)
	sealed, err := st.TakeHeld(ctx, id, h, s.now())
	if err != nil {
		return nil, fmt.Errorf("take: %w", err)
	}
	aead, err := heldAEAD(token, id)
	if err != nil {
		return nil, fmt.Errorf("take: %w", err)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "nothing held under this key can be opened")
	}
	secret, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(id+"\x00"+h))
	if err != nil {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "nothing held under this key can be opened")
	}
	return secret, nil
}

// heldAEAD is AES-256-GCM under the key HKDF-SHA256 derives from the
// session's raw token (salt: the held secret's id): only who holds the
// token — the session's browser — can derive it.
func heldAEAD(token, id string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, []byte(token), []byte(id), heldInfo, 32)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
