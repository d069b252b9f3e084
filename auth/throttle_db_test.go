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
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// instances are auth services on one database, as several `vanthu
// serve` processes behind a load balancer run: each its own gormdb.DB
// and Service, one clock the test moves, one count of the passwords
// checked.
type instances struct {
	dbs      []*gormdb.DB
	ss       []*auth.Service
	admin, u *workflow.User
	checked  atomic.Int64
	mu       sync.Mutex
	now      time.Time
}

func newInstances(t *testing.T, backend string, n int) *instances {
	t.Helper()
	x := &instances{dbs: gormdbtest.OpenInstances(t, backend, n), now: time.Now().UTC().Truncate(time.Second)}
	for _, db := range x.dbs {
		x.ss = append(x.ss, x.service(db))
	}
	ctx := context.Background()
	var err error
	if x.admin, err = x.ss[0].CreateUser(ctx, nil, auth.NewUser{Username: "quantri", Password: "admin-password", Roles: []workflow.Role{workflow.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	if x.u, err = x.ss[0].CreateUser(ctx, nil, auth.NewUser{Username: "Lan.Nguyen", Password: "own-password", Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	return x
}

// service is a new Service on db (a process started afresh).
func (x *instances) service(db *gormdb.DB) *auth.Service {
	s := &auth.Service{Repo: db, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: -1,
		Now: func() time.Time { x.mu.Lock(); defer x.mu.Unlock(); return x.now }}
	auth.SetCompare(s, func(hash, pw []byte) error {
		x.checked.Add(1)
		return bcrypt.CompareHashAndPassword(hash, pw)
	})
	return s
}

func (x *instances) advance(d time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.now = x.now.Add(d)
}

// login logs in to x.u's account, as a guesser who knows the name
// but not its capitals ("lan.nguyen": the same account's throttle) or
// as the user.
func (x *instances) login(s *auth.Service, pw string) error {
	name := "lan.nguyen"
	if pw == "own-password" {
		name = "Lan.Nguyen"
	}
	_, _, _, err := s.LoginFrom(context.Background(), "", name, pw)
	return err
}

// lockedUntil is the account's lockout as s's admin page shows it.
func (x *instances) lockedUntil(t *testing.T, s *auth.Service) time.Time {
	t.Helper()
	st, err := s.AccountStatuses(context.Background(), x.admin, []*workflow.User{x.u})
	if err != nil {
		t.Fatal(err)
	}
	return st[x.u.ID].LockedUntil
}

func (x *instances) events(t *testing.T) map[workflow.EventKind]int {
	t.Helper()
	n := map[workflow.EventKind]int{}
	if err := x.dbs[0].WalkEvents(context.Background(), func(e workflow.Event) error { n[e.Kind]++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantLocked: the right password is refused on every service with the
// wait until want, and every admin page shows want.
func (x *instances) wantLocked(t *testing.T, want time.Time, ss ...*auth.Service) {
	t.Helper()
	for i, s := range ss {
		err := x.login(s, "own-password")
		if workflow.ErrorCode(err) != workflow.ETOOMANY || retryAfter(err) != want.Sub(x.now) {
			t.Fatalf("service %d: right password: %v (retry after %v), want too many for %v", i, err, retryAfter(err), want.Sub(x.now))
		}
		if got := x.lockedUntil(t, s); !got.Equal(want) {
			t.Fatalf("service %d: status locked until %v, want %v", i, got, want)
		}
	}
}

func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range gormdbtest.Backends {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

// TestIntegrationThrottleShared: two instances on one database count the
// same failures — the free five spread over both, the sixth locks the
// account on both, a service started afresh sees the lockout, the next
// failure after it doubles it wherever it lands — and one admin's unlock
// ends it on both at once; the audit trail has one login_failed per free
// failure and one login_throttled per lockout.
func TestIntegrationThrottleShared(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		x := newInstances(t, backend, 2)
		for i := range 6 {
			if err := x.login(x.ss[i%2], "guess"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Fatalf("guess %d: %v", i+1, err)
			}
		}
		x.wantLocked(t, x.now.Add(30*time.Second), x.ss...)
		x.wantLocked(t, x.now.Add(30*time.Second), x.service(x.dbs[1])) // a restart
		x.advance(31 * time.Second)
		if err := x.login(x.ss[1], "guess"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("guess after the lockout: %v", err)
		}
		x.wantLocked(t, x.now.Add(60*time.Second), x.ss...)
		if n := x.events(t); n[workflow.EventLoginFailed] != 5 || n[workflow.EventLoginThrottled] != 2 {
			t.Fatalf("events %v, want 5 login_failed and 2 login_throttled", n)
		}
		if _, err := x.ss[0].UnlockAccount(ctx, x.admin, x.u.ID); err != nil {
			t.Fatal(err)
		}
		for i, s := range x.ss {
			if got := x.lockedUntil(t, s); !got.IsZero() {
				t.Fatalf("service %d: locked until %v after the unlock", i, got)
			}
		}
		if err := x.login(x.ss[1], "own-password"); err != nil {
			t.Fatalf("login on the other service after the unlock: %v", err)
		}
	})
}

// TestIntegrationThrottleConcurrent: 50 parallel guesses spread over two
// instances are checked at most (5 free + 1) per instance before the
// lockout stops them (each instance lets one attempt run past what it
// last read; see README), the account ends locked on both, and the
// audit trail has one login_throttled for the one lockout.
func TestIntegrationThrottleConcurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		x := newInstances(t, backend, 2)
		var wg sync.WaitGroup
		var unexpected atomic.Value
		for i := range 50 {
			wg.Go(func() {
				err := x.login(x.ss[i%2], "guess")
				if c := workflow.ErrorCode(err); c != workflow.EUNAUTHORIZED && c != workflow.ETOOMANY {
					unexpected.Store(err)
				}
			})
		}
		wg.Wait()
		if err := unexpected.Load(); err != nil {
			t.Fatalf("a guess: %v", err)
		}
		if n := x.checked.Load(); n < 6 || n > 2*6 {
			t.Fatalf("%d of 50 parallel guesses were checked, want 6 to 12", n)
		}
		for i, s := range x.ss {
			if err := x.login(s, "own-password"); workflow.ErrorCode(err) != workflow.ETOOMANY {
				t.Fatalf("service %d: right password after the guesses: %v, want too many", i, err)
			}
		}
		if n := x.events(t); n[workflow.EventLoginThrottled] != 1 || n[workflow.EventLoginFailed] > 5 {
			t.Fatalf("events %v, want 1 login_throttled and at most 5 login_failed", n)
		}
	})
}

// TestIntegrationThrottleForget: failures older than Forget count as none
// on every instance (a lockout needs the free ones again), and a later
// failure sweeps their rows away; a success clears its account's
// failures for every instance.
func TestIntegrationThrottleForget(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		x := newInstances(t, backend, 2)
		rows := func() int64 {
			var n int64
			if err := x.dbs[0].Gorm().Table("login_throttle").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		for range 4 {
			_ = x.login(x.ss[0], "guess")
		}
		x.advance(61 * time.Minute)
		for range 5 { // 1 to 5 again: free
			if err := x.login(x.ss[1], "guess"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Fatalf("guess after Forget: %v", err)
			}
		}
		if err := x.login(x.ss[0], "own-password"); err != nil {
			t.Fatalf("right password after 5 fresh failures: %v", err)
		}
		if n := rows(); n != 0 {
			t.Fatalf("%d rows after the success, want none", n)
		}
		for range 5 { // free again after the success
			_ = x.login(x.ss[1], "guess")
		}
		x.advance(61 * time.Minute)
		if _, _, _, err := x.ss[1].LoginFrom(context.Background(), "192.0.2.9", "minh", "guess"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatal(err)
		}
		if n := rows(); n != 2 { // minh's account and the address; Lan's swept
			t.Fatalf("%d rows after the sweep, want 2", n)
		}
		if err := x.login(x.ss[0], "own-password"); err != nil {
			t.Fatalf("right password after Forget: %v", err)
		}
	})
}

// TestIntegrationThrottleDatabaseDown: with the database gone a login
// fails as any read of the database does, and no password is checked.
func TestIntegrationThrottleDatabaseDown(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		x := newInstances(t, backend, 1)
		if err := x.dbs[0].Close(); err != nil {
			t.Fatal(err)
		}
		_, want := x.dbs[0].UserByUsername(context.Background(), "lan.nguyen")
		for range 10 {
			err := x.login(x.ss[0], "guess")
			if err == nil || workflow.ErrorCode(err) != workflow.ErrorCode(want) {
				t.Fatalf("login with the database closed: %v (%s), want %s as a read gets", err, workflow.ErrorCode(err), workflow.ErrorCode(want))
			}
		}
		if n := x.checked.Load(); n != 0 {
			t.Fatalf("%d passwords checked with the database closed", n)
		}
	})
}

// TestIntegrationThrottleDoubling: each failure after a lockout ran out
// locks again for twice as long up to MaxLockout, whichever instance it
// lands on, exactly as the in-memory throttle does (settings of the
// Service's Throttle: here 3 free, 10 s doubling to 1 min); each lockout
// is one login_throttled event with the failures so far.
func TestIntegrationThrottleDoubling(t *testing.T) {
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	run := func(t *testing.T, x *instances, repo workflow.Repository) {
		for _, s := range x.ss {
			s.Throttle = &auth.Throttle{AccountFree: 3, BaseLockout: 10 * time.Second, MaxLockout: time.Minute}
		}
		for i := range 3 {
			_ = x.login(x.ss[i%len(x.ss)], "guess")
		}
		for i, d := range want {
			if err := x.login(x.ss[(i+1)%len(x.ss)], "guess"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Fatalf("failure %d: %v", 4+i, err)
			}
			x.wantLocked(t, x.now.Add(d), x.ss...)
			x.advance(d)
		}
		var failures []string
		err := repo.WalkEvents(context.Background(), func(e workflow.Event) error {
			if e.Kind == workflow.EventLoginThrottled {
				failures = append(failures, e.Data["account_failures"])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(failures) != "[4 5 6 7 8]" {
			t.Fatalf("login_throttled account_failures %v, want one per lockout: [4 5 6 7 8]", failures)
		}
	}
	t.Run("memory", func(t *testing.T) {
		repo := workflowtest.NewRepository()
		x := &instances{now: time.Now().UTC().Truncate(time.Second)}
		x.ss = []*auth.Service{x.service(nil)}
		x.ss[0].Repo = repo
		var err error
		if x.admin, err = x.ss[0].CreateUser(context.Background(), nil, auth.NewUser{Username: "quantri", Password: "admin-password", Roles: []workflow.Role{workflow.RoleAdmin}}); err != nil {
			t.Fatal(err)
		}
		if x.u, err = x.ss[0].CreateUser(context.Background(), nil, auth.NewUser{Username: "Lan.Nguyen", Password: "own-password", Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
			t.Fatal(err)
		}
		run(t, x, repo)
	})
	eachBackend(t, func(t *testing.T, backend string) {
		x := newInstances(t, backend, 2)
		run(t, x, x.dbs[0])
	})
}

// TestIntegrationThrottleOddNames: a name no account can have (a NUL, a
// byte that is not UTF-8) and a long one cut at 100 bytes inside a
// letter are wrong passwords like any other, counted and locked out in
// the database (PostgreSQL keeps only valid UTF-8 without NUL as text).
func TestIntegrationThrottleOddNames(t *testing.T) {
	long := strings.Repeat("ă", 49) + "ễn" // "ă" is 2 bytes, "ễ" 3: the 100th byte is inside "ễ"
	eachBackend(t, func(t *testing.T, backend string) {
		x := newInstances(t, backend, 2)
		for _, name := range []string{long, "lan\x00", "l\xffan"} {
			for i := range 6 {
				_, _, _, err := x.ss[i%2].LoginFrom(context.Background(), "", name, "guess")
				if workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
					t.Fatalf("%q, guess %d: %v, want unauthorized", name, i+1, err)
				}
			}
			_, _, _, err := x.ss[0].LoginFrom(context.Background(), "", name, "guess")
			if workflow.ErrorCode(err) != workflow.ETOOMANY {
				t.Fatalf("%q after 6 failures: %v, want too many", name, err)
			}
		}
	})
}

// TestIntegrationThrottlePasswordChange: a wrong current password of a
// password change on one instance counts with the failed logins on the
// other; the lockout they reach refuses both on both.
func TestIntegrationThrottlePasswordChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		x := newInstances(t, backend, 2)
		tok, _, u, err := x.ss[0].Login(ctx, "Lan.Nguyen", "own-password")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 6 {
			if i%2 == 0 {
				err = x.login(x.ss[1], "guess")
			} else {
				_, err = x.ss[0].ChangePasswordFrom(ctx, "", u, tok, "wrong-password", "new-password-1")
			}
			if workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Fatalf("failure %d: %v", i+1, err)
			}
		}
		for i, s := range x.ss {
			if _, err := s.ChangePasswordFrom(ctx, "", u, tok, "own-password", "new-password-1"); workflow.ErrorCode(err) != workflow.ETOOMANY {
				t.Fatalf("service %d: change with the right password while locked: %v, want too many", i, err)
			}
		}
		x.wantLocked(t, x.now.Add(30*time.Second), x.ss...)
	})
}
