package auth_test

import (
	"context"
	"slices"
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

// batchRepo reads sessions together (auth.SessionUsersReader) on the
// in-memory repository, and counts its reads by kind; fail makes the
// batched read fail.
type batchRepo struct {
	countingRepo
	batches atomic.Int64
	read    [][]string // the hashes of each batched read
	fail    bool
}

func (r *batchRepo) SessionUsers(ctx context.Context, hashes []string) ([]*workflow.Session, []*workflow.User, error) {
	r.batches.Add(1)
	r.read = append(r.read, hashes)
	if r.fail {
		return nil, nil, workflow.Errorf(workflow.EUNAVAILABLE, "database down")
	}
	var sessions []*workflow.Session
	var users []*workflow.User
	for _, h := range hashes {
		sess, err := r.Repository.Session(ctx, h)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		u, err := r.Repository.User(ctx, sess.UserID)
		if err != nil {
			return nil, nil, err
		}
		sessions, users = append(sessions, sess), append(users, u)
	}
	return sessions, users, nil
}

var _ auth.SessionUsersReader = (*batchRepo)(nil)

// TestSessionCacheTogether: with a repository that reads sessions
// together, the first entry past half its lease has every other entry in
// use (one that authenticated a request within 40 leases, past a quarter
// of its own lease or past its end) read again with it, in one read off
// the request's path, after which they stay due together; a token that
// comes back after its lease has ended is then answered without a read;
// an entry idle for 40 leases is left to expire; a session disabled
// behind every Service's back is dropped by the read and then refused; a
// failed read leaves the entries to their leases.
func TestSessionCacheTogether(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	start := time.Now()
	mono := start
	repo := &batchRepo{countingRepo: countingRepo{Repository: workflowtest.NewRepository()}}
	s := &auth.Service{Repo: repo, Now: func() time.Time { return now }, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: 20 * time.Millisecond}
	auth.SetCacheClock(s, func() time.Time { return mono })
	var ahead []func()
	auth.SetSpawn(s, func(f func()) { ahead = append(ahead, f) })
	toks, ids := loginUsers(t, s, repo, 4)
	use := func(t *testing.T, at time.Duration, i int) {
		t.Helper()
		mono = start.Add(at)
		if _, err := s.Authenticate(ctx, toks[i]); err != nil {
			t.Fatalf("token %d at %v: %v", i, at, err)
		}
	}
	want := func(t *testing.T, single int64, reads ...int) {
		t.Helper()
		got := make([]int, len(repo.read))
		for i, r := range repo.read {
			got[i] = len(r)
		}
		if repo.sessions.Load() != single || !slices.Equal(got, reads) {
			t.Fatalf("%d reads on the request's path, batched reads of %v sessions; want %d, %v", repo.sessions.Load(), got, single, reads)
		}
	}
	use(t, 0, 3) // d: idle from here on
	for i := range 3 {
		use(t, time.Second, i) // a, b, c: 40 leases (800 ms) later
	}
	want(t, 4)
	use(t, time.Second+2*time.Millisecond, 1)
	use(t, time.Second+11*time.Millisecond, 0) // past half: due, with b and c; not d
	use(t, time.Second+12*time.Millisecond, 1) // being read: not due again
	if len(ahead) != 1 {
		t.Fatalf("%d reads ahead, want 1", len(ahead))
	}
	ahead[0]() // at 1012 ms: new leases for a, b and c
	want(t, 4, 3)
	if slices.Contains(repo.read[0], auth.HashToken(toks[3])) {
		t.Fatal("the read ahead read an entry idle for 40 leases")
	}
	for i := range 3 {
		use(t, time.Second+21*time.Millisecond, i) // past the first leases, within the new ones
	}
	want(t, 4, 3)
	// Past the new leases' half: due together again, in one read; b's user
	// disabled behind every Service's back meanwhile.
	disableInDB(t, repo, ids[1])
	use(t, time.Second+23*time.Millisecond, 2)
	ahead[1]()
	want(t, 4, 3, 3)
	mono = start.Add(time.Second + 24*time.Millisecond)
	if _, err := s.Authenticate(ctx, toks[1]); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatalf("after a read ahead found the user disabled: %v, want unauthorized", err)
	}
	use(t, time.Second+24*time.Millisecond, 3) // d: past its lease, read on the request's path
	want(t, 6, 3, 3)                           // b's refusal and d
	// a comes back after every lease has ended: read on the request's
	// path; past its half, the read ahead takes c and d along (used within
	// 40 leases, c past its lease's end): c is then answered from memory.
	use(t, time.Second+100*time.Millisecond, 0)
	use(t, time.Second+111*time.Millisecond, 0)
	ahead[2]()
	want(t, 7, 3, 3, 3)
	use(t, time.Second+112*time.Millisecond, 2)
	want(t, 7, 3, 3, 3)
	// A failed read keeps the entries to their leases: they still answer
	// from memory and are due again at the next request past the half.
	repo.fail = true
	use(t, time.Second+123*time.Millisecond, 2)
	ahead[3]()
	use(t, time.Second+124*time.Millisecond, 0)
	if len(ahead) != 5 {
		t.Fatalf("after a failed read ahead: %d reads ahead, want 5", len(ahead))
	}
	want(t, 7, 3, 3, 3, 3)
}

// loginUsers creates n users with the handler role and logs each in.
func loginUsers(t *testing.T, s *auth.Service, repo workflow.Repository, n int) (toks, ids []string) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.Bootstrap(ctx, "admin-password"); err != nil {
		t.Fatal(err)
	}
	admin, err := repo.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := "user-" + string(rune('a'+i))
		u, err := s.CreateUser(ctx, admin, auth.NewUser{Username: name, Password: "password-" + name, Roles: []workflow.Role{workflow.RoleHandler}})
		if err != nil {
			t.Fatal(err)
		}
		tok, _, _, err := s.Login(ctx, name, "password-"+name)
		if err != nil {
			t.Fatal(err)
		}
		toks, ids = append(toks, tok), append(ids, u.ID)
	}
	return toks, ids
}
