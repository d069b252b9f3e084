package keys

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vanthu/vanthu/workflow"
)

// PKIStore keeps the development PKI's entries (a PEM bundle of key and
// certificates each) by name: "root.pem", "agency.pem",
// "officers/<id>.pem", "tls/<cn>.pem", "tsa.pem", and a copy of every
// issued certificate, "issued/<serial hex>.pem". A directory is one (the default);
// a database table shared by several instances is another, so that
// instances sharing a database share one signing identity.
// Implementations are safe for concurrent use.
type PKIStore interface {
	// Get returns the entry; an error wrapping fs.ErrNotExist when absent.
	Get(ctx context.Context, name string) ([]byte, error)
	// PutIfAbsent stores data unless the entry exists, atomically across
	// processes; it reports whether this call stored it (first writer wins).
	PutIfAbsent(ctx context.Context, name string, data []byte) (bool, error)
	// Replace stores data, replacing any entry.
	Replace(ctx context.Context, name string, data []byte) error
}

// DirStore is a PKIStore in a directory: one file per entry, 0600.
type DirStore string

var _ PKIStore = DirStore("")

func (d DirStore) path(name string) string { return filepath.Join(string(d), filepath.FromSlash(name)) }

// Get reads the entry's file.
func (d DirStore) Get(_ context.Context, name string) ([]byte, error) {
	b, err := os.ReadFile(d.path(name))
	if err != nil {
		return nil, fmt.Errorf("dev PKI: %w", err)
	}
	return b, nil
}

// PutIfAbsent creates the entry's file unless it exists (temp file + link).
func (d DirStore) PutIfAbsent(_ context.Context, name string, data []byte) (bool, error) {
	path := d.path(name)
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return false, fmt.Errorf("dev PKI: %w", err)
	}
	return writeIfAbsent(path, data, keyFileMode)
}

// Replace atomically replaces the entry's file.
func (d DirStore) Replace(_ context.Context, name string, data []byte) error {
	path := d.path(name)
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return fmt.Errorf("dev PKI: %w", err)
	}
	return writeReplace(path, data, keyFileMode)
}

// encPrefix marks an entry sealed by EncryptPKIStore.
var encPrefix = []byte("vanthu-devpki-aes256gcm-v1:")

type encryptedStore struct {
	inner PKIStore
	aead  cipher.AEAD
}

// EncryptPKIStore wraps inner so that entries are sealed at rest with
// AES-256-GCM under a key derived (HKDF-SHA256) from secret, the entry's
// name bound as additional data. Entries stored in clear before a secret
// was set are still read (and sealed when next written); a sealed entry
// read without the secret, or with another one, is an error.
func EncryptPKIStore(inner PKIStore, secret string) (PKIStore, error) {
	if secret == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "dev PKI: empty secret")
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "vanthu development PKI at rest", 32)
	if err != nil {
		return nil, fmt.Errorf("dev PKI: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("dev PKI: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("dev PKI: %w", err)
	}
	return &encryptedStore{inner: inner, aead: aead}, nil
}

func (s *encryptedStore) Get(ctx context.Context, name string) ([]byte, error) {
	b, err := s.inner.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(b, encPrefix) {
		return b, nil
	}
	return openSealed(s.aead, name, b)
}

func openSealed(aead cipher.AEAD, name string, b []byte) ([]byte, error) {
	b = b[len(encPrefix):]
	if aead == nil {
		return nil, workflow.Errorf(workflow.EINVALID, "dev PKI: %s is encrypted; set the secret it was sealed with (VANTHU_DEV_PKI_SECRET)", name)
	}
	if len(b) < aead.NonceSize() {
		return nil, workflow.Errorf(workflow.EINVALID, "dev PKI: %s: truncated", name)
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte(name))
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "dev PKI: %s cannot be decrypted: wrong secret (VANTHU_DEV_PKI_SECRET) or damaged entry", name)
	}
	return plain, nil
}

func (s *encryptedStore) seal(name string, data []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("dev PKI: %w", err)
	}
	out := append(bytes.Clone(encPrefix), nonce...)
	return s.aead.Seal(out, nonce, data, []byte(name)), nil
}

func (s *encryptedStore) PutIfAbsent(ctx context.Context, name string, data []byte) (bool, error) {
	b, err := s.seal(name, data)
	if err != nil {
		return false, err
	}
	return s.inner.PutIfAbsent(ctx, name, b)
}

func (s *encryptedStore) Replace(ctx context.Context, name string, data []byte) error {
	b, err := s.seal(name, data)
	if err != nil {
		return err
	}
	return s.inner.Replace(ctx, name, b)
}

// plainStore refuses to hand out sealed entries without a secret, with a
// message that says which setting is missing.
type plainStore struct{ inner PKIStore }

func (s plainStore) Get(ctx context.Context, name string) ([]byte, error) {
	b, err := s.inner.Get(ctx, name)
	if err == nil && bytes.HasPrefix(b, encPrefix) {
		return openSealed(nil, name, b)
	}
	return b, err
}
func (s plainStore) PutIfAbsent(ctx context.Context, name string, data []byte) (bool, error) {
	return s.inner.PutIfAbsent(ctx, name, data)
}
func (s plainStore) Replace(ctx context.Context, name string, data []byte) error {
	return s.inner.Replace(ctx, name, data)
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
