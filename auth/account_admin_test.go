package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// eachRepo runs fn on the in-memory fake, SQLite and PostgreSQL.
func eachRepo(t *testing.T, fn func(t *testing.T, repo workflow.Repository)) {
	t.Run("memory", func(t *testing.T) { fn(t, workflowtest.NewRepository()) })
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) { fn(t, db) })
}

// adminAndUser is a service on repo with a clock the test moves, an admin
// and a user with a password of their own ("own-password").
type adminAndUser struct {
	s        *auth.Service
	admin, u *workflow.User
	mu       sync.Mutex
	now      time.Time
}

func newAdminAndUser(t *testing.T, repo workflow.Repository) *adminAndUser {
	t.Helper()
	ctx := context.Background()
	x := &adminAndUser{now: time.Now().UTC().Truncate(time.Second)} // sessions expire by the database's clock
	x.s = &auth.Service{Repo: repo, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: -1,
		Now: func() time.Time { x.mu.Lock(); defer x.mu.Unlock(); return x.now }}
	var err error
	if x.admin, err = x.s.CreateUser(ctx, nil, auth.NewUser{Username: "quantri", Password: "admin-password", Roles: []workflow.Role{workflow.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	if x.u, err = x.s.CreateUser(ctx, nil, auth.NewUser{Username: "Lan.Nguyen", Password: "own-password", Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
		t.Fatal(err)
	}
	return x
}

func (x *adminAndUser) advance(d time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.now = x.now.Add(d)
}

func (x *adminAndUser) status(t *testing.T) auth.AccountStatus {
	t.Helper()
	st, err := x.s.AccountStatuses(context.Background(), x.admin, []*workflow.User{x.u})
	if err != nil {
		t.Fatal(err)
	}
	return st[x.u.ID]
}

// userEvents are the data of the user events about x.u.
func userEvents(t *testing.T, repo workflow.Repository, id string) []map[string]string {
	t.Helper()
	var out []map[string]string
	err := repo.WalkEvents(context.Background(), func(e workflow.Event) error {
		if e.Kind == workflow.EventUser && e.Data["updated_user"] == id {
			out = append(out, e.Data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAccountStatusLastLogin: each successful login records its time,
// the later one replacing the earlier (an upsert on the databases); a
// failed login records nothing; only an admin reads the statuses.
func TestAccountStatusLastLogin(t *testing.T) {
	eachRepo(t, func(t *testing.T, repo workflow.Repository) {
		ctx := context.Background()
		x := newAdminAndUser(t, repo)
		if st := x.status(t); !st.LastLogin.IsZero() || !st.LockedUntil.IsZero() {
			t.Fatalf("status before any login: %+v", st)
		}
		first := x.now
		for i := range 2 {
			if _, _, _, err := x.s.Login(ctx, "Lan.Nguyen", "own-password"); err != nil {
				t.Fatal(err)
			}
			if got := x.status(t).LastLogin; !got.Equal(x.now) {
				t.Fatalf("login %d: last login %v, want %v", i+1, got, x.now)
			}
			x.advance(90 * time.Minute)
		}
		if _, _, _, err := x.s.Login(ctx, "Lan.Nguyen", "wrong-password"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("wrong password: %v", err)
		}
		if got := x.status(t).LastLogin; !got.Equal(first.Add(90 * time.Minute)) {
			t.Fatalf("a failed login moved the last login to %v", got)
		}
		if _, err := x.s.AccountStatuses(ctx, x.u, []*workflow.User{x.u}); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
			t.Fatalf("statuses for a clerk: %v, want forbidden", err)
		}
	})
}

// TestUnlockAccount: failed logins past the free ones lock the account
// out (the status says until when, read without prolonging it); an
// admin's unlock ends it at once (the right password works again) with
// an audit event that says until when it was locked, and only an admin
// unlocks.
func TestUnlockAccount(t *testing.T) {
	eachRepo(t, func(t *testing.T, repo workflow.Repository) {
		ctx := context.Background()
		x := newAdminAndUser(t, repo)
		for range 6 { // 5 free, the 6th locks for 30 s
			if _, _, _, err := x.s.LoginFrom(ctx, "192.0.2.7", "lan.nguyen", "guess"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Fatalf("guess: %v", err)
			}
		}
		until := x.status(t).LockedUntil
		if want := x.now.Add(30 * time.Second); !until.Equal(want) {
			t.Fatalf("locked until %v, want %v", until, want)
		}
		if _, _, _, err := x.s.Login(ctx, "Lan.Nguyen", "own-password"); workflow.ErrorCode(err) != workflow.ETOOMANY {
			t.Fatalf("right password while locked: %v, want too many", err)
		}
		if _, err := x.s.UnlockAccount(ctx, x.u, x.u.ID); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
			t.Fatalf("unlock by a clerk: %v, want forbidden", err)
		}
		if _, err := x.s.UnlockAccount(ctx, x.admin, x.u.ID); err != nil {
			t.Fatal(err)
		}
		if st := x.status(t); !st.LockedUntil.IsZero() {
			t.Fatalf("still locked until %v after the unlock", st.LockedUntil)
		}
		if _, _, _, err := x.s.Login(ctx, "Lan.Nguyen", "own-password"); err != nil {
			t.Fatalf("login after the unlock: %v", err)
		}
		if _, err := x.s.UnlockAccount(ctx, x.admin, x.u.ID); err != nil { // not locked: recorded too
			t.Fatal(err)
		}
		ev := userEvents(t, repo, x.u.ID)
		if len(ev) != 2 || ev[0]["unlocked"] != "true" || ev[0]["locked_until"] != until.Format(time.RFC3339) || ev[1]["locked_until"] != "" {
			t.Fatalf("audit events %v", ev)
		}
		if _, err := x.s.UnlockAccount(ctx, x.admin, "no-such-user"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Fatalf("unlock of nobody: %v", err)
		}
	})
}

// TestRequirePasswordChange: an admin requires a new password of a user
// without knowing or setting one: the flag is stored, every session of
// the user ends, the old password still logs in (to change it), and the
// audit event says so; no admin clears the flag, none sets it on their
// own account; the user's own change clears it.
func TestRequirePasswordChange(t *testing.T) {
	eachRepo(t, func(t *testing.T, repo workflow.Repository) {
		ctx := context.Background()
		x := newAdminAndUser(t, repo)
		var toks []string
		for range 2 {
			tok, _, _, err := x.s.Login(ctx, "Lan.Nguyen", "own-password")
			if err != nil {
				t.Fatal(err)
			}
			toks = append(toks, tok)
		}
		require := func(actor *workflow.User, id string, v bool) error {
			_, err := x.s.UpdateUser(ctx, actor, id, func(u *workflow.User) error { u.MustChangePassword = v; return nil })
			return err
		}
		if err := require(x.admin, x.admin.ID, true); workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != "must_change_password" {
			t.Fatalf("an admin requiring it of themself: %v", err)
		}
		if err := require(x.admin, x.u.ID, true); err != nil {
			t.Fatal(err)
		}
		for i, tok := range toks {
			if _, err := x.s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Errorf("session %d after the requirement: %v, want unauthorized", i, err)
			}
		}
		tok, _, u, err := x.s.Login(ctx, "Lan.Nguyen", "own-password")
		if err != nil || !u.MustChangePassword {
			t.Fatalf("login after the requirement: %v, must change %v", err, u != nil && u.MustChangePassword)
		}
		if err := require(x.admin, x.u.ID, false); workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != "must_change_password" {
			t.Fatalf("an admin clearing it: %v", err)
		}
		if err := require(x.admin, x.u.ID, true); err != nil { // again: nothing changes
			t.Fatal(err)
		}
		if _, err := x.s.Authenticate(ctx, tok); err != nil {
			t.Fatalf("requiring it again ended the session: %v", err)
		}
		ev := userEvents(t, repo, x.u.ID)
		if len(ev) != 2 || ev[0]["must_change_password"] != "true" || ev[0]["sessions_ended"] != "2" || ev[1]["must_change_password"] != "" {
			t.Fatalf("audit events %v", ev)
		}
		u, _ = x.s.Authenticate(ctx, tok)
		if u, err = x.s.ChangePasswordFrom(ctx, "", u, tok, "own-password", "chosen-again"); err != nil || u.MustChangePassword {
			t.Fatalf("the user's change: %v", err)
		}
	})
}

// TestPasswordReuse: a user's own change refuses their last 5 passwords
// (the current one and the 4 before it, kept as hashes: EINVALID on
// new_password, cause ErrPasswordReused) and takes the 6th back; an
// admin's reset may set any password, and the one it replaces joins the
// history (a password reset because it leaked does not come back), as
// does one whose change an admin required, and the temporary one the
// user changed (the admin knew it: it is not taken back as the user's
// own), as for a user created with one.
func TestPasswordReuse(t *testing.T) {
	eachRepo(t, func(t *testing.T, repo workflow.Repository) {
		ctx := context.Background()
		x := newAdminAndUser(t, repo)
		c := loginChanger(t, x, "Lan.Nguyen", "own-password", time.Minute)
		change := c.change
		reused := func(err error) bool {
			return workflow.ErrorCode(err) == workflow.EINVALID && workflow.ErrorField(err) == "new_password" && errors.Is(err, auth.ErrPasswordReused)
		}
		for _, p := range []string{"password-1", "password-2", "password-3", "password-4"} {
			if err := change(p); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []string{"own-password", "password-1", "password-2", "password-3"} {
			if err := change(p); !reused(err) {
				t.Errorf("back to %s (one of the last 5): %v", p, err)
			}
		}
		if err := change("password-5"); err != nil {
			t.Fatal(err)
		}
		if err := change("own-password"); err != nil { // the 6th back
			t.Fatalf("back to the 6th password: %v", err)
		}
		// An admin's reset may set a password of the history; neither the
		// user's own password it replaced nor the temporary ones can come
		// back, the one replaced by another reset included.
		relogin := func(username, pw string) { c = loginChanger(t, x, username, pw, time.Minute); change = c.change }
		for _, temp := range []string{"password-5", "tam-thoi-1"} {
			if _, err := x.s.SetPassword(ctx, x.admin, x.u.ID, temp); err != nil {
				t.Fatalf("reset to %s: %v", temp, err)
			}
		}
		relogin("Lan.Nguyen", "tam-thoi-1")
		if err := change("own-password"); !reused(err) {
			t.Fatalf("back to the password the reset replaced: %v", err)
		}
		if err := change("password-new"); err != nil {
			t.Fatal(err)
		}
		if err := change("tam-thoi-1"); !reused(err) {
			t.Fatalf("back to the temporary password: %v", err)
		}
		// A password whose change an admin required cannot come back.
		if _, err := x.s.UpdateUser(ctx, x.admin, x.u.ID, func(u *workflow.User) error { u.MustChangePassword = true; return nil }); err != nil {
			t.Fatal(err)
		}
		relogin("Lan.Nguyen", "password-new")
		if err := change("password-after"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"password-new", "tam-thoi-1"} {
			if err := change(p); !reused(err) {
				t.Fatalf("back to %s (whose change was required; temporary): %v", p, err)
			}
		}
		// A user created by an admin: the temporary password is refused
		// once it was changed.
		if _, err := x.s.CreateUser(ctx, x.admin, auth.NewUser{Username: "moi", Password: "tam-thoi-moi", Roles: []workflow.Role{workflow.RoleClerk}}); err != nil {
			t.Fatal(err)
		}
		relogin("moi", "tam-thoi-moi")
		if err := change("cua-rieng-1"); err != nil {
			t.Fatal(err)
		}
		if err := change("tam-thoi-moi"); !reused(err) {
			t.Fatalf("a new user back to their first, temporary password: %v", err)
		}
	})
}

// TestPasswordReuseClockSteppedBack: the password history keeps a user's
// last passwords in the order they were replaced, not by the clock's word
// — here a clock stepped back a minute before each change (as NTP may, or
// two instances' clocks apart): the 6th password back may come again, the
// last 5 may not.
func TestPasswordReuseClockSteppedBack(t *testing.T) {
	eachRepo(t, func(t *testing.T, repo workflow.Repository) {
		x := newAdminAndUser(t, repo)
		change := loginChanger(t, x, "Lan.Nguyen", "own-password", -time.Minute).change
		for _, p := range []string{"password-1", "password-2", "password-3", "password-4", "password-5"} {
			if err := change(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := change("password-2"); !errors.Is(err, auth.ErrPasswordReused) {
			t.Errorf("back to password-2 (one of the last 5): %v", err)
		}
		if err := change("own-password"); err != nil {
			t.Errorf("back to the 6th password: %v", err)
		}
	})
}

// passwordChanger changes the password of a user logged in, the clock
// moved by step before each change.
type passwordChanger struct {
	t            *testing.T
	x            *adminAndUser
	tok, current string
	step         time.Duration
}

func loginChanger(t *testing.T, x *adminAndUser, username, pw string, step time.Duration) *passwordChanger {
	t.Helper()
	tok, _, _, err := x.s.Login(context.Background(), username, pw)
	if err != nil {
		t.Fatal(err)
	}
	return &passwordChanger{t: t, x: x, tok: tok, current: pw, step: step}
}

// change changes the password to to; on success to is the current one.
func (c *passwordChanger) change(to string) error {
	c.t.Helper()
	ctx := context.Background()
	u, err := c.x.s.Authenticate(ctx, c.tok)
	if err != nil {
		c.t.Fatal(err)
	}
	c.x.advance(c.step)
	if _, err = c.x.s.ChangePasswordFrom(ctx, "", u, c.tok, c.current, to); err == nil {
		c.current = to
	}
	return err
}
