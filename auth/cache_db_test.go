package auth_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
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
	sessions, sessionUsers, batches atomic.Int64
}

func (d *countingDB) Session(ctx context.Context, h string) (*workflow.Session, error) {
	d.sessions.Add(1)
	return d.DB.Session(ctx, h)
}

func (d *countingDB) SessionUser(ctx context.Context, h string) (*workflow.Session, *workflow.User, error) {
	d.sessionUsers.Add(1)
	return d.DB.SessionUser(ctx, h)
}

func (d *countingDB) SessionUsers(ctx context.Context, hs []string) ([]*workflow.Session, []*workflow.User, error) {
	d.batches.Add(1)
	return d.DB.SessionUsers(ctx, hs)
}

var (
	_ auth.SessionUserReader  = (*countingDB)(nil)
	_ auth.SessionUsersReader = (*countingDB)(nil)
)

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
		mono := time.Now()
		s := &auth.Service{Repo: repo, Now: clock, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: 20 * time.Millisecond}
		auth.SetCacheClock(s, func() time.Time { return mono })
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
			disableInDB(t, db, u.ID)
			if _, err := s.Authenticate(ctx, tok); err != nil {
				t.Fatalf("within the TTL the cached session still answers: %v", err)
			}
			mono = mono.Add(20 * time.Millisecond)
			unauthorized(t, tok, "the TTL")
		})
		t.Run("Together", func(t *testing.T) {
			// The reads ahead of two leases in one query: a live session
			// and a disabled user's are read (the disabled one dropped,
			// then refused), a logged-out one is not there.
			_, tok1 := login(t)
			u2, tok2 := login(t)
			_, tok3 := login(t)
			disableInDB(t, db, u2.ID)
			if err := db.DeleteSession(ctx, auth.HashToken(tok3)); err != nil {
				t.Fatal(err)
			}
			hashes := []string{auth.HashToken(tok1), auth.HashToken(tok2), auth.HashToken(tok3), auth.HashToken("never-issued")}
			// Behind 300 unknown hashes: read in more than one statement.
			var many []string
			for i := range 300 {
				many = append(many, auth.HashToken(fmt.Sprint("unknown-", i)))
			}
			sessions, users, err := db.SessionUsers(ctx, append(many, hashes...))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for i, sess := range sessions {
				if sess.UserID != users[i].ID || !sess.ExpiresAt.After(now) {
					t.Errorf("session %+v with user %+v", sess, users[i])
				}
				got[sess.TokenHash] = users[i].Disabled
			}
			if len(sessions) != 2 || got[hashes[0]] || !got[hashes[1]] {
				t.Fatalf("SessionUsers: %v (hash: disabled), want the first two sessions, the second disabled", got)
			}
			var ahead []func()
			auth.SetSpawn(s, func(f func()) { ahead = append(ahead, f) })
			defer auth.SetSpawn(s, nil)
			for _, tok := range []string{tok1, tok2} { // in use since their read
				if _, err := s.Authenticate(ctx, tok); err != nil {
					t.Fatal(err)
				}
			}
			mono = mono.Add(15 * time.Millisecond) // past both leases' half
			for _, tok := range []string{tok2, tok1} {
				if _, err := s.Authenticate(ctx, tok); err != nil {
					t.Fatal(err)
				}
			}
			if len(ahead) != 1 {
				t.Fatalf("%d reads ahead, want 1", len(ahead))
			}
			su, batches := repo.sessionUsers.Load(), repo.batches.Load()
			ahead[0]()
			if repo.batches.Load() != batches+1 || repo.sessionUsers.Load() != su {
				t.Fatalf("the read ahead: %d batched, %d single reads; want 1, 0", repo.batches.Load()-batches, repo.sessionUsers.Load()-su)
			}
			mono = mono.Add(10 * time.Millisecond) // past the old leases, within the new
			if _, err := s.Authenticate(ctx, tok1); err != nil || repo.sessionUsers.Load() != su {
				t.Fatalf("a session read ahead: %v, %d reads on the request's path; want none", err, repo.sessionUsers.Load()-su)
			}
			unauthorized(t, tok2, "a read ahead found the user disabled")
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

// TestSessionCacheAcrossInstances: two Services sharing one database are
// two vanthu instances. Once logout, disabling, a role change or a
// password reset returns on instance A, instance B — which had the token
// in its cache, within the TTL, and answers it without a query — refuses
// the token (or sees the new roles) at once. Without A waiting out the
// cache leases after its commit, B answers from its cache for up to the
// TTL. Real clocks: the TTL is a lease on each instance's monotonic clock.
func TestSessionCacheAcrossInstances(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		const ttl = time.Second // long enough that B's entry is fresh, even on a loaded machine
		a := &auth.Service{Repo: db, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: ttl}
		repoB := &countingDB{DB: db}
		b := &auth.Service{Repo: repoB, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: ttl}
		// No reads ahead on B (TestSessionCache covers them): B's reads are
		// counted below.
		auth.SetSpawn(b, func(func()) {})
		admin, err := a.CreateUser(ctx, nil, auth.NewUser{Username: "admin-x", Password: "admin-password", Roles: []workflow.Role{workflow.RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name   string
			change func(u *workflow.User, tok string) error
			check  func(u *workflow.User, err error) bool // B's answer is right
		}{
			{"Logout", func(_ *workflow.User, tok string) error { return a.Logout(ctx, tok) }, refused},
			{"Disable", func(u *workflow.User, _ string) error {
				_, err := a.UpdateUser(ctx, admin, u.ID, func(u *workflow.User) error { u.Disabled = true; return nil })
				return err
			}, refused},
			{"PasswordReset", func(u *workflow.User, _ string) error {
				_, err := a.SetPassword(ctx, admin, u.ID, "a-new-password")
				return err
			}, refused},
			{"Roles", func(u *workflow.User, _ string) error {
				_, err := a.UpdateUser(ctx, admin, u.ID, func(u *workflow.User) error { u.Roles = []workflow.Role{workflow.RoleArchivist}; return nil })
				return err
			}, func(u *workflow.User, err error) bool {
				return err == nil && u.Has(workflow.RoleArchivist) && !u.Has(workflow.RoleHandler)
			}},
		}
		users, toks := make([]*workflow.User, len(cases)), make([]string, len(cases))
		for i, c := range cases {
			name := "x-" + strings.ToLower(c.name)
			if users[i], err = a.CreateUser(ctx, admin, auth.NewUser{Username: name, Password: "password-x", Roles: []workflow.Role{workflow.RoleHandler}}); err != nil {
				t.Fatal(err)
			}
			if toks[i], _, _, err = a.Login(ctx, name, "password-x"); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Authenticate(ctx, toks[i]); err != nil {
				t.Fatal(err)
			}
		}
		// B answers every token from its cache now.
		reads := repoB.sessionUsers.Load()
		for _, tok := range toks {
			if _, err := b.Authenticate(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		if n := repoB.sessionUsers.Load() - reads; n != 0 {
			t.Fatalf("B read %d sessions within the TTL, want 0 (the test needs B to cache)", n)
		}
		// The cases run side by side (each waits out a lease).
		errs := make([]error, len(cases))
		var wg sync.WaitGroup
		for i, c := range cases {
			wg.Go(func() {
				if err := c.change(users[i], toks[i]); err != nil {
					errs[i] = fmt.Errorf("A: %w", err)
				} else if got, err := b.Authenticate(ctx, toks[i]); !c.check(got, err) {
					errs[i] = fmt.Errorf("B answered from its cache after A's change returned: %+v, %v", got, err)
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s: %v", cases[i].name, err)
			}
		}
	})
}

func refused(_ *workflow.User, err error) bool {
	return workflow.ErrorCode(err) == workflow.EUNAUTHORIZED
}
