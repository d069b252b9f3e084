package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// throttled is a login service with two users, a settable clock and a
// counter of bcrypt comparisons.
type throttled struct {
	s       *auth.Service
	repo    *workflowtest.Repository
	now     time.Time
	mu      sync.Mutex
	hashes  [][]byte // hashes compared against, in order
	compare atomic.Int64
}

func newThrottled(t *testing.T) *throttled {
	t.Helper()
	th := &throttled{repo: workflowtest.NewRepository(), now: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	th.s = &auth.Service{Repo: th.repo, Cost: bcrypt.MinCost, Now: func() time.Time {
		th.mu.Lock()
		defer th.mu.Unlock()
		return th.now
	}}
	auth.SetCompare(th.s, func(hash, pw []byte) error {
		th.compare.Add(1)
		th.mu.Lock()
		th.hashes = append(th.hashes, hash)
		th.mu.Unlock()
		return bcrypt.CompareHashAndPassword(hash, pw)
	})
	for _, u := range []string{"lan", "minh"} {
		if _, err := th.s.CreateUser(context.Background(), nil, auth.NewUser{Username: u, Password: "password-" + u, Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
			t.Fatal(err)
		}
	}
	return th
}

func (th *throttled) advance(d time.Duration) {
	th.mu.Lock()
	th.now = th.now.Add(d)
	th.mu.Unlock()
}

func (th *throttled) login(addr, user, pw string) error {
	_, _, _, err := th.s.LoginFrom(context.Background(), addr, user, pw)
	return err
}

func (th *throttled) events(t *testing.T) map[workflow.EventKind]int {
	t.Helper()
	n := map[workflow.EventKind]int{}
	if err := th.repo.WalkEvents(context.Background(), func(e workflow.Event) error { n[e.Kind]++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func retryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

func TestLoginThrottlePerAccount(t *testing.T) {
	th := newThrottled(t)
	for i := range 5 {
		if err := th.login("192.0.2.10", "lan", fmt.Sprintf("guess-%d", i)); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("guess %d: %v, want unauthorized", i, err)
		}
	}
	// The sixth wrong guess is checked and locks the account.
	if err := th.login("192.0.2.10", "lan", "guess-6"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatalf("guess 6: %v", err)
	}
	checked := th.compare.Load()
	// Locked: the right password is refused too, without bcrypt, from any
	// address, and the error says how long to wait.
	for _, addr := range []string{"192.0.2.10", "198.51.100.7"} {
		err := th.login(addr, "lan", "password-lan")
		if workflow.ErrorCode(err) != workflow.ETOOMANY {
			t.Fatalf("right password while locked from %s: %v, want %s", addr, err, workflow.ETOOMANY)
		}
		if d := retryAfter(err); d < time.Second || d > 30*time.Second {
			t.Fatalf("retry after %v, want 1s..30s", d)
		}
	}
	if th.compare.Load() != checked {
		t.Errorf("bcrypt ran while the account was locked")
	}
	// Another account from another address is not affected.
	if err := th.login("198.51.100.7", "minh", "password-minh"); err != nil {
		t.Fatalf("other account: %v", err)
	}
	// After the lockout the right password works and clears the count.
	th.advance(31 * time.Second)
	if err := th.login("192.0.2.10", "lan", "password-lan"); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	// The lockout doubles with every failure past the free ones.
	for range 5 {
		_ = th.login("192.0.2.10", "lan", "wrong")
	}
	_ = th.login("192.0.2.10", "lan", "wrong") // locks for 30s
	th.advance(31 * time.Second)
	_ = th.login("192.0.2.10", "lan", "wrong") // locks for 60s
	if d := retryAfter(th.login("192.0.2.10", "lan", "x")); d != 60*time.Second {
		t.Errorf("second lockout %v, want 60s", d)
	}
}

func TestLoginThrottlePerAddress(t *testing.T) {
	th := newThrottled(t)
	// One address guessing many usernames (each below its own limit) is
	// stopped after 20 failures.
	var err error
	for i := range 40 {
		if err = th.login("203.0.113.5", fmt.Sprintf("user%d", i), "x"); workflow.ErrorCode(err) == workflow.ETOOMANY {
			if i != 21 {
				t.Fatalf("throttled after %d failures, want 21", i)
			}
			break
		}
	}
	if workflow.ErrorCode(err) != workflow.ETOOMANY {
		t.Fatal("an address guessing 40 usernames was never throttled")
	}
	// A success from elsewhere works; a success from the address does not
	// clear the address (and is refused while it is locked).
	if err := th.login("198.51.100.7", "lan", "password-lan"); err != nil {
		t.Fatal(err)
	}
	if err := th.login("203.0.113.5", "minh", "password-minh"); workflow.ErrorCode(err) != workflow.ETOOMANY {
		t.Fatalf("locked address: %v", err)
	}
	// IPv6 clients are limited per /64.
	for i := range 21 {
		_ = th.login(fmt.Sprintf("2001:db8:1:2::%x", i+1), fmt.Sprintf("v6user%d", i), "x")
	}
	if err := th.login("2001:db8:1:2:ffff::1", "lan", "password-lan"); workflow.ErrorCode(err) != workflow.ETOOMANY {
		t.Fatalf("same /64: %v", err)
	}
}

// TestLoginUnknownUserSameWork checks that an unknown (or disabled) user
// costs one bcrypt comparison against a hash of the same cost, like a
// known user with a wrong password.
func TestLoginUnknownUserSameWork(t *testing.T) {
	th := newThrottled(t)
	ctx := context.Background()
	lan, err := th.repo.UserByUsername(ctx, "lan")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := th.s.UpdateUser(ctx, &workflow.User{ID: "adm", Roles: []workflow.Role{workflow.RoleAdmin}}, lan.ID, func(u *workflow.User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, user, pw string }{
		{"KnownWrongPassword", "minh", "wrong"},
		{"Unknown", "nobody", "wrong"},
		{"Disabled", "lan", "password-lan"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := th.compare.Load()
			if err := th.login(fmt.Sprintf("192.0.2.%d", i+1), tt.user, tt.pw); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Fatalf("%v, want unauthorized", err)
			}
			if n := th.compare.Load() - before; n != 1 {
				t.Fatalf("%d bcrypt comparisons, want 1", n)
			}
			h := th.hashes[len(th.hashes)-1]
			if cost, err := bcrypt.Cost(h); err != nil || cost != bcrypt.MinCost {
				t.Fatalf("compared against %q (cost %d, %v), want a bcrypt hash of the service's cost", h, cost, err)
			}
		})
	}
}

// TestLoginAuditBounded: 1,000 failed logins on one account, as fast as
// possible and then spread over a day, leave a bounded number of audit
// events, and the first failures are still there one by one.
func TestLoginAuditBounded(t *testing.T) {
	th := newThrottled(t)
	for i := range 1000 {
		_ = th.login("192.0.2.10", "lan", fmt.Sprintf("guess-%d", i))
	}
	ev := th.events(t)
	if ev[workflow.EventLoginFailed] != 5 || ev[workflow.EventLoginThrottled] != 1 {
		t.Fatalf("burst of 1000: events %v, want 5 login_failed and 1 login_throttled", ev)
	}
	for i := range 1000 {
		th.advance(90 * time.Second)
		_ = th.login("192.0.2.10", "lan", fmt.Sprintf("slow-%d", i))
	}
	ev = th.events(t)
	// Lockouts double up to 15 min: over 25 h at most ~100 of them.
	if total := ev[workflow.EventLoginFailed] + ev[workflow.EventLoginThrottled]; total > 120 {
		t.Fatalf("1000 slow guesses wrote %d login events (%v)", total, ev)
	}
	// The throttled events carry the counts.
	var refused int
	_ = th.repo.WalkEvents(context.Background(), func(e workflow.Event) error {
		if e.Kind == workflow.EventLoginThrottled {
			var n int
			fmt.Sscan(e.Data["account_refused_while_locked"], &n)
			refused += n
			if e.Data["account"] != "lan" || e.Data["account_failures"] == "" || e.Data["locked_until"] == "" {
				t.Errorf("throttled event %v", e.Data)
			}
		}
		return nil
	})
	if refused < 900 {
		t.Errorf("refused attempts recorded: %d, want most of the 2000", refused)
	}

	// Many addresses, random usernames: the global cap on login_failed
	// events holds, and the next event says how many were left out.
	th2 := newThrottled(t)
	for i := range 300 {
		_ = th2.login(fmt.Sprintf("10.%d.%d.1", i/250, i%250), fmt.Sprintf("rnd%d", i), "x")
	}
	if n := th2.events(t)[workflow.EventLoginFailed]; n != 60 {
		t.Fatalf("300 distributed failures in a minute wrote %d login_failed events, want the cap of 60", n)
	}
	th2.advance(time.Minute)
	_ = th2.login("172.16.0.1", "rnd-late", "x")
	var last workflow.Event
	_ = th2.repo.WalkEvents(context.Background(), func(e workflow.Event) error { last = e; return nil })
	if last.Data["unaudited_failures_before"] != "240" {
		t.Errorf("next event %v, want unaudited_failures_before=240", last.Data)
	}
}

func TestLoginThrottleConcurrent(t *testing.T) {
	th := newThrottled(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _ = th.login("192.0.2.10", "lan", "wrong") })
	}
	wg.Wait()
	// Parallel guesses cannot slip past the limit while they are checked:
	// at most the 5 free ones and the one that locks.
	if n := th.compare.Load(); n > 6 {
		t.Fatalf("%d of 50 parallel guesses were checked, want at most 6", n)
	}
}

func TestThrottleMemoryBounded(t *testing.T) {
	tr := &auth.Throttle{MaxEntries: 1000}
	now := time.Now()
	for i := range 100000 {
		k := auth.AccountKey(fmt.Sprintf("random-%d", i))
		if _, ok := tr.Begin(now, k); ok {
			tr.End(now, false, k)
		}
	}
	if n := tr.Len(); n > 1000 {
		t.Fatalf("%d keys kept, want at most 1000", n)
	}
}
