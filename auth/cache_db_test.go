package auth_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// countingDB counts the session reads that reach the database.
type countingDB struct {
	*gormdb.DB
	sessions, sessionUsers atomic.Int64
}

func (d *countingDB) Session(ctx context.Context, h string) (*workflow.Session, error) {
	d.sessions.Add(1)
	return d.DB.Session(ctx, h)
}

func (d *countingDB) SessionUser(ctx context.Context, h string) (*workflow.Session, *workflow.User, error) {
	d.sessionUsers.Add(1)
	return d.DB.SessionUser(ctx, h)
}

var _ auth.SessionUserReader = (*countingDB)(nil)

// TestSessionCacheOnDatabase: on SQLite and PostgreSQL, a session not in
// the cache is read with its user in one query (SessionUser, never
// Session + User); within the TTL no query at all; logout, disabling,
// a role change and a password reset take effect at once; a change made
// behind the service's back is seen after the TTL; the cache does not
// extend a session past its expiry.
func TestSessionCacheOnDatabase(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		clock := func() time.Time { return now }
		db.Now = clock
		defer func() { db.Now = time.Now }()
		repo := &countingDB{DB: db}
		s := &auth.Service{Repo: repo, Now: clock, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: 2 * time.Second}
		admin, err := s.CreateUser(ctx, nil, auth.NewUser{Username: "admin-c", Password: "admin-password", Roles: []workflow.Role{workflow.RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		login := func(t *testing.T) (*workflow.User, string) {
			t.Helper()
			n++
			name := "lan-" + string(rune('a'+n))
			u, err := s.CreateUser(ctx, admin, auth.NewUser{Username: name, Password: "password-lan", Roles: []workflow.Role{workflow.RoleHandler}})
			if err != nil {
				t.Fatal(err)
			}
			tok, _, _, err := s.Login(ctx, name, "password-lan")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
			return u, tok
		}
		unauthorized := func(t *testing.T, tok, after string) {
			t.Helper()
			if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Fatalf("after %s: %v, want unauthorized at once", after, err)
			}
		}
		t.Run("OneQuery", func(t *testing.T) {
			s0, su0 := repo.sessions.Load(), repo.sessionUsers.Load()
			u, tok := login(t)
			if got := repo.sessionUsers.Load() - su0; got != 1 || repo.sessions.Load() != s0 {
				t.Fatalf("first Authenticate: %d SessionUser, %d Session reads; want 1, 0", got, repo.sessions.Load()-s0)
			}
			for range 10 {
				got, err := s.Authenticate(ctx, tok)
				if err != nil || got.ID != u.ID || !got.Has(workflow.RoleHandler) {
					t.Fatalf("%+v %v", got, err)
				}
			}
			if got := repo.sessionUsers.Load() - su0; got != 1 {
				t.Fatalf("%d reads within the TTL, want none after the first", got-1)
			}
		})
		t.Run("Logout", func(t *testing.T) {
			_, tok := login(t)
			if err := s.Logout(ctx, tok); err != nil {
				t.Fatal(err)
			}
			unauthorized(t, tok, "logout")
		})
		t.Run("Disable", func(t *testing.T) {
			u, tok := login(t)
			if _, err := s.UpdateUser(ctx, admin, u.ID, func(u *workflow.User) error { u.Disabled = true; return nil }); err != nil {
				t.Fatal(err)
			}
			unauthorized(t, tok, "disabling")
		})
		t.Run("Roles", func(t *testing.T) {
			u, tok := login(t)
			if _, err := s.UpdateUser(ctx, admin, u.ID, func(u *workflow.User) error { u.Roles = []workflow.Role{workflow.RoleArchivist}; return nil }); err != nil {
				t.Fatal(err)
			}
			got, err := s.Authenticate(ctx, tok)
			if err != nil || got.Has(workflow.RoleHandler) || !got.Has(workflow.RoleArchivist) {
				t.Fatalf("after the role change: %+v %v, want archivist only at once", got, err)
			}
		})
		t.Run("PasswordReset", func(t *testing.T) {
			u, tok := login(t)
			if _, err := s.SetPassword(ctx, admin, u.ID, "a-new-password"); err != nil {
				t.Fatal(err)
			}
			unauthorized(t, tok, "a password reset")
		})
		t.Run("Elsewhere/after TTL", func(t *testing.T) {
			u, tok := login(t)
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				x, err := tx.User(ctx, u.ID)
				if err != nil {
					return err
				}
				x.Disabled = true
				return tx.UpdateUser(ctx, x)
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatalf("within the TTL the cached session still answers: %v", err)
			}
			now = now.Add(2 * time.Second)
			unauthorized(t, tok, "the TTL")
		})
		t.Run("Expiry", func(t *testing.T) {
			_, tok := login(t)
			now = now.Add(time.Hour - time.Second)
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Second)
			unauthorized(t, tok, "the session's expiry")
		})
	})
}
