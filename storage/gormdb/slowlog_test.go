package gormdb_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSlowQueryLogHasNoValues makes every statement "slow" and checks that
// the log shows the statements with placeholders but none of the secret
// values bound to them (password hash, key URI, certificate, session token
// hash), on every backend.
func TestSlowQueryLogHasNoValues(t *testing.T) {
	const (
		hash    = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0LXNhbHQ$SECRET-HASH-VALUE"
		keyURI  = "pkcs11:token=agency;object=secret-key-label?pin-value=SECRET-PIN-4711"
		cert    = "-----BEGIN CERTIFICATE-----SECRET-CERT-BODY-----END CERTIFICATE-----"
		token   = "SECRET-TOKEN-HASH-0123456789abcdef"
		subject = "SECRET-SUBJECT-of-a-classified-document"
	)
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, buf := openLogged(t, backend)
			ctx := context.Background()
			db.SetSlowQueryThreshold(0)

			now := time.Now().UTC()
			u := &workflow.User{ID: "u-secret", Username: "secret.officer", Roles: []workflow.Role{workflow.RoleOfficer},
				PasswordHash: hash, SigningKeyURI: keyURI, CertPEM: cert, CreatedAt: now}
			doc := incomingDoc("d-secret", 0)
			doc.Subject, doc.Confidentiality = subject, workflow.Secret
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
				if err := tx.CreateDocument(ctx, doc); err != nil {
					return err
				}
				return tx.CreateSession(ctx, &workflow.Session{TokenHash: token, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Session(ctx, token); err != nil {
				t.Fatal(err)
			}
			if _, err := db.UserByUsername(ctx, u.Username); err != nil {
				t.Fatal(err)
			}

			out := buf.String()
			for _, stmt := range []string{"slow query", "INSERT INTO", "users", "sessions", "SELECT"} {
				if !strings.Contains(out, stmt) {
					t.Errorf("log lacks %q: the slow-query log did not fire\n%s", stmt, out)
				}
			}
			for _, secret := range []string{"SECRET-HASH-VALUE", "SECRET-PIN-4711", "SECRET-CERT-BODY", token, subject, u.Username} {
				if strings.Contains(out, secret) {
					t.Errorf("slow-query log contains the bound value %q", secret)
				}
			}
		})
	}
}
