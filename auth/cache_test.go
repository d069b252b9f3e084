package auth_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// countingRepo counts the session reads that reach the repository.
type countingRepo struct {
	*workflowtest.Repository
	sessions atomic.Int64
}

func (r *countingRepo) Session(ctx context.Context, h string) (*workflow.Session, error) {
	r.sessions.Add(1)
	return r.Repository.Session(ctx, h)
}

// disableInDB disables user id directly in the repository, in one
// transaction, behind every Service's back (no Service hears of it).
func disableInDB(t *testing.T, repo workflow.Repository, id string) {
	t.Helper()
	err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		x, err := tx.User(ctx, id)
		if err != nil {
			return err
		}
		x.Disabled = true
		return tx.UpdateUser(ctx, x)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSessionCache: a token is authenticated from memory within the TTL;
// logout, disabling the user and changing their roles take effect at once
// (not after the TTL); a change made behind every Service's back (SQL by
// hand) is seen once the TTL has passed. The cache's clock is frozen
// (SetCacheClock) and moved by hand; the TTL is short since changes wait
// it out in real time.
func TestSessionCache(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	mono := time.Now()
	setup := func(t *testing.T) (*auth.Service, *countingRepo, *workflow.User, *workflow.User, string) {
		repo := &countingRepo{Repository: workflowtest.NewRepository()}
		s := &auth.Service{Repo: repo, Now: func() time.Time { return now }, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: 20 * time.Millisecond}
		auth.SetCacheClock(s, func() time.Time { return mono })
		if _, _, err := s.Bootstrap(ctx, "admin-password"); err != nil {
			t.Fatal(err)
		}
		admin, err := repo.UserByUsername(ctx, "admin")
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.CreateUser(ctx, admin, auth.NewUser{Username: "lan", Password: "password-lan", Roles: []workflow.Role{workflow.RoleHandler}})
		if err != nil {
			t.Fatal(err)
		}
		tok, _, _, err := s.Login(ctx, "lan", "password-lan")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
		return s, repo, admin, u, tok
	}
	t.Run("OK/cached within TTL", func(t *testing.T) {
		s, repo, _, _, tok := setup(t)
		before := repo.sessions.Load()
		for range 10 {
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		if n := repo.sessions.Load() - before; n != 0 {
			t.Fatalf("%d session reads within the TTL, want 0", n)
		}
	})
	t.Run("Logout/at once", func(t *testing.T) {
		s, _, _, _, tok := setup(t)
		if err := s.Logout(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("after logout: %v, want unauthorized", err)
		}
	})
	t.Run("Disable/at once", func(t *testing.T) {
		s, _, admin, u, tok := setup(t)
		if _, err := s.UpdateUser(ctx, admin, u.ID, func(u *workflow.User) error { u.Disabled = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("after disabling: %v, want unauthorized", err)
		}
	})
	t.Run("Roles/at once", func(t *testing.T) {
		s, _, admin, u, tok := setup(t)
		if _, err := s.UpdateUser(ctx, admin, u.ID, func(u *workflow.User) error { u.Roles = []workflow.Role{workflow.RoleArchivist}; return nil }); err != nil {
			t.Fatal(err)
		}
		got, err := s.Authenticate(ctx, tok)
		if err != nil || got.Has(workflow.RoleHandler) || !got.Has(workflow.RoleArchivist) {
			t.Fatalf("after the role change: %v %v, want archivist only", got, err)
		}
	})
	t.Run("Elsewhere/after TTL", func(t *testing.T) {
		s, repo, _, u, tok := setup(t)
		// Disabled directly in the database, not through a Service.
		disableInDB(t, repo, u.ID)
		if _, err := s.Authenticate(ctx, tok); err != nil {
			t.Fatalf("within the TTL the cached session still answers: %v", err)
		}
		mono = mono.Add(20 * time.Millisecond)
		if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("after the TTL: %v, want unauthorized", err)
		}
	})
	t.Run("Refresh/ahead of the lease, off the request's path", func(t *testing.T) {
		s, repo, _, u, tok := setup(t) // read at mono
		var ahead []func()
		auth.SetSpawn(s, func(f func()) { ahead = append(ahead, f) })
		start := mono
		defer func() { mono = start }()
		read := func(t *testing.T, at time.Duration, wantReads int64, wantAhead int) {
			t.Helper()
			mono = start.Add(at)
			before := repo.sessions.Load()
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if n := repo.sessions.Load() - before; n != wantReads || len(ahead) != wantAhead {
				t.Fatalf("at %v: %d reads on the request's path, %d reads ahead; want %d, %d", at, n, len(ahead), wantReads, wantAhead)
			}
		}
		read(t, 5*time.Millisecond, 0, 0)  // a quarter of the lease: from memory
		read(t, 15*time.Millisecond, 0, 1) // past half: from memory, one read ahead
		read(t, 16*time.Millisecond, 0, 1) // not two
		before := repo.sessions.Load()
		ahead[0]() // the read ahead, at 16 ms: a new lease
		if repo.sessions.Load() != before+1 {
			t.Fatal("the read ahead did not read")
		}
		read(t, 25*time.Millisecond, 0, 1) // past the first lease, within the new one
		// Disabled behind every Service's back: the next read ahead drops
		// the entry and the request after it reads and refuses.
		disableInDB(t, repo, u.ID)
		read(t, 27*time.Millisecond, 0, 2)
		ahead[1]()
		mono = start.Add(28 * time.Millisecond)
		if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("after a read ahead found the user disabled: %v, want unauthorized", err)
		}
	})
	t.Run("Expiry/not extended by the cache", func(t *testing.T) {
		s, _, _, _, tok := setup(t)
		now = now.Add(time.Hour - time.Second) // 1 s before the session expires
		if _, err := s.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
		if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("expired session: %v, want unauthorized", err)
		}
	})
	t.Run("Copy/callers cannot change the cache", func(t *testing.T) {
		s, _, _, _, tok := setup(t)
		u1, _ := s.Authenticate(ctx, tok)
		u1.Disabled, u1.Username = true, "changed"
		u2, err := s.Authenticate(ctx, tok)
		if err != nil || u2.Username != "lan" {
			t.Fatalf("%v %v", u2, err)
		}
	})
}
