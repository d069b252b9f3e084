package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestPasswordChange: a user changes their own password on the in-memory
// fake, with and without the session cache (the databases:
// TestIntegrationPasswordChangeDatabases).
func TestPasswordChange(t *testing.T) {
	for _, ttl := range []time.Duration{-1, 2 * time.Second} {
		t.Run("cache="+ttl.String(), func(t *testing.T) { passwordChange(t, workflowtest.NewRepository(), ttl) })
	}
}

// TestIntegrationPasswordChangeDatabases is TestPasswordChange on SQLite
// and PostgreSQL (must_change_password stored and read back by every
// read of a user; the other sessions deleted, the current one kept).
func TestIntegrationPasswordChangeDatabases(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		for _, ttl := range []time.Duration{-1, 2 * time.Second} {
			t.Run("cache="+ttl.String(), func(t *testing.T) { passwordChange(t, db, ttl) })
		}
	})
}

// passwordChange: the user an admin created must change the password;
// the change checks the current password (a wrong one is a failed
// login, audited), refuses a short new one or the current one, clears
// the flag, ends the user's other sessions but keeps the one it was made
// in, and records a password_changed event without a secret in it. An
// admin's reset makes the password temporary again, unless the admin
// reset their own.
func passwordChange(t *testing.T, repo workflow.Repository, ttl time.Duration) {
	ctx := context.Background()
	x := newSessions(t, repo, ttl, "hoa", "old-password", workflow.RoleOfficer)
	s, u := x.s, x.u
	if !u.MustChangePassword || x.admin.MustChangePassword {
		t.Fatalf("must_change_password: created by the admin %v (want true), by the system %v (want false)", u.MustChangePassword, x.admin.MustChangePassword)
	}
	if got, _ := s.Authenticate(ctx, x.laptop); got == nil || !got.MustChangePassword {
		t.Fatalf("the session's user does not say the password must change: %+v", got)
	}
	for _, tc := range []struct {
		name, current, next, code, field string
	}{
		{"ErrWrongCurrent", "wrong-password", "new-password-1", workflow.EUNAUTHORIZED, "current_password"},
		{"ErrShort", "old-password", "short", workflow.EINVALID, "new_password"},
		{"ErrSame", "old-password", "old-password", workflow.EINVALID, "new_password"},
		{"ErrTooLong", "old-password", strings.Repeat("a", 73), workflow.EINVALID, "new_password"},
	} {
		_, err := s.ChangePasswordFrom(ctx, "10.0.0.1", u, x.laptop, tc.current, tc.next)
		if workflow.ErrorCode(err) != tc.code || workflow.ErrorField(err) != tc.field {
			t.Errorf("%s: %v (field %q), want %s on %s", tc.name, err, workflow.ErrorField(err), tc.code, tc.field)
		}
	}
	got, err := s.ChangePasswordFrom(ctx, "10.0.0.1", u, x.laptop, "old-password", "new-password-1")
	if err != nil || got.MustChangePassword {
		t.Fatalf("change: %+v, %v", got, err)
	}
	if stored, _ := repo.User(ctx, u.ID); stored.MustChangePassword {
		t.Error("must_change_password still stored after the change")
	}
	if a, err := s.Authenticate(ctx, x.laptop); err != nil || a.MustChangePassword {
		t.Errorf("the session the change was made in: %+v, %v; want kept, the flag cleared", a, err)
	}
	if _, err := s.Authenticate(ctx, x.phone); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Errorf("the user's other session after the change: %v, want unauthorized", err)
	}
	if _, err := s.Authenticate(ctx, x.adminTok); err != nil {
		t.Errorf("another user's session ended: %v", err)
	}
	if _, _, _, err := s.Login(ctx, x.userName, "old-password"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Errorf("old password after the change: %v", err)
	}
	x.login(x.userName, "new-password-1")

	var changed, failed []workflow.Event
	_ = repo.WalkEvents(ctx, func(e workflow.Event) error {
		switch {
		case e.Kind == workflow.EventPasswordChanged && e.Actor == u.ID:
			changed = append(changed, e)
		case e.Kind == workflow.EventLoginFailed && e.Actor == u.ID:
			failed = append(failed, e)
		}
		return nil
	})
	if len(changed) != 1 || changed[0].Data["other_sessions_ended"] != "1" || changed[0].Data["user"] != u.ID {
		t.Errorf("password_changed events: %+v", changed)
	}
	for _, e := range append(changed, failed...) {
		for k, v := range e.Data {
			if strings.Contains(v, "password-") || strings.Contains(v, "wrong-") {
				t.Errorf("event %s carries a secret in %s: %q", e.Kind, k, v)
			}
		}
	}
	during := 0 // the wrong current password's; the old password's login after is a plain one
	for _, e := range failed {
		if e.Data["during"] == "password_change" {
			during++
		}
	}
	if during != 1 || len(failed) != 2 {
		t.Errorf("login_failed events: %+v; want the wrong current password's (during=password_change) and the old password's login", failed)
	}

	// An admin's reset makes it temporary again; an admin's reset of
	// their own password does not (nobody else knows it).
	if r, err := s.SetPassword(ctx, x.admin, u.ID, "reset-password"); err != nil || !r.MustChangePassword {
		t.Errorf("reset by the admin: %+v, %v; want must_change_password", r, err)
	}
	if r, err := s.SetPassword(ctx, x.admin, x.admin.ID, "admin-password-2"); err != nil || r.MustChangePassword {
		t.Errorf("the admin's reset of their own: %+v, %v; want no must_change_password", r, err)
	}
}

// TestPasswordChangeThrottled: a wrong current password counts as a
// failed login of the account and the address: after the account's free
// failures the change is refused unchecked (429) even with the right
// password, and so is a login; a login's failures count for the change
// too.
func TestPasswordChangeThrottled(t *testing.T) {
	th := newThrottled(t)
	ctx := context.Background()
	tok, _, u, err := th.s.LoginFrom(ctx, "10.0.0.9", "lan", "password-lan")
	if err != nil {
		t.Fatal(err)
	}
	if err := th.login("10.0.0.9", "lan", "wrong-1"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatal(err)
	}
	n := 1
	for ; n < 10; n++ {
		_, err := th.s.ChangePasswordFrom(ctx, "10.0.0.9", u, tok, "wrong-password", "new-password-1")
		if workflow.ErrorCode(err) == workflow.ETOOMANY {
			break
		}
		if workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Fatalf("wrong current password %d: %v", n, err)
		}
	}
	if n != 6 { // as logins: 5 free failures (one of them the login's), the sixth checked and locking
		t.Errorf("the change was refused for the lockout at the %dth change, want the 6th (a login's failure and 5 changes')", n)
	}
	compared := th.compare.Load()
	_, err = th.s.ChangePasswordFrom(ctx, "10.0.0.9", u, tok, "password-lan", "new-password-1")
	if workflow.ErrorCode(err) != workflow.ETOOMANY || retryAfter(err) <= 0 {
		t.Errorf("right password while locked: %v (retry after %s), want too_many_requests", err, retryAfter(err))
	}
	if th.compare.Load() != compared {
		t.Error("a change while locked out compared the password")
	}
	if err := th.login("10.0.0.10", "lan", "password-lan"); workflow.ErrorCode(err) != workflow.ETOOMANY {
		t.Errorf("login while the change's failures lock the account: %v", err)
	}
	th.advance(time.Hour)
	if _, err := th.s.ChangePasswordFrom(ctx, "10.0.0.9", u, tok, "password-lan", "new-password-1"); err != nil {
		t.Errorf("after the lockout: %v", err)
	}
}

// TestTemporaryPasswords: who sets a password decides whether the user
// must change it: an admin always; the system (the CLI, bootstrap) as
// NewUser.Temporary says; bootstrap's generated password is temporary,
// one the operator gave is not.
func TestTemporaryPasswords(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		adminPW   string
		temporary bool
	}{
		{"generated", "", true},
		{"given", "operator-password", false},
	} {
		t.Run("Bootstrap/"+tc.name, func(t *testing.T) {
			repo := workflowtest.NewRepository()
			s := &auth.Service{Repo: repo, Cost: 4}
			if created, _, err := s.Bootstrap(ctx, tc.adminPW); !created || err != nil {
				t.Fatal(created, err)
			}
			u, err := repo.UserByUsername(ctx, "admin")
			if err != nil || u.MustChangePassword != tc.temporary {
				t.Errorf("admin: must_change_password %v (%v), want %v", u.MustChangePassword, err, tc.temporary)
			}
		})
	}
	s := &auth.Service{Repo: workflowtest.NewRepository(), Cost: 4}
	admin, _ := s.CreateUser(ctx, nil, auth.NewUser{Username: "quantri", Password: "admin-password", Roles: []workflow.Role{workflow.RoleAdmin}})
	for _, tc := range []struct {
		name      string
		actor     *workflow.User
		temporary bool
		want      bool
	}{
		{"system", nil, false, false},
		{"system-temporary", nil, true, true},
		{"admin", admin, false, true},
		{"admin-temporary", admin, true, true},
	} {
		u, err := s.CreateUser(ctx, tc.actor, auth.NewUser{Username: "u-" + tc.name, Password: "password-1", Temporary: tc.temporary,
			Roles: []workflow.Role{workflow.RoleClerk}})
		if err != nil || u.MustChangePassword != tc.want {
			t.Errorf("CreateUser %s: must_change_password %v (%v), want %v", tc.name, u != nil && u.MustChangePassword, err, tc.want)
		}
	}
}

// TestConfirmPasswordThrottled: a password typed again to sign
// (ConfirmPasswordFrom) is checked as a login's: a wrong one is
// EUNAUTHORIZED on password and a failed login of the account, audited
// with during=sign; after the account's free failures the right one is
// refused unchecked (429), and so is a login.
func TestConfirmPasswordThrottled(t *testing.T) {
	th := newThrottled(t)
	ctx := context.Background()
	_, _, u, err := th.s.LoginFrom(ctx, "10.0.0.9", "lan", "password-lan")
	if err != nil {
		t.Fatal(err)
	}
	if err := th.s.ConfirmPasswordFrom(ctx, "10.0.0.9", u, "password-lan", "sign"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	n := 1
	for ; n < 10; n++ {
		err := th.s.ConfirmPasswordFrom(ctx, "10.0.0.9", u, "wrong-password", "sign")
		if workflow.ErrorCode(err) == workflow.ETOOMANY {
			break
		}
		if workflow.ErrorCode(err) != workflow.EUNAUTHORIZED || workflow.ErrorField(err) != "password" {
			t.Fatalf("wrong password %d: %v (field %q)", n, err, workflow.ErrorField(err))
		}
	}
	if n != 7 { // as logins: 5 free failures, the sixth checked and locking
		t.Errorf("refused for the lockout at the %dth wrong password, want the 7th", n)
	}
	if err := th.s.ConfirmPasswordFrom(ctx, "10.0.0.9", u, "password-lan", "sign"); workflow.ErrorCode(err) != workflow.ETOOMANY || retryAfter(err) <= 0 {
		t.Errorf("right password while locked: %v", err)
	}
	if err := th.login("10.0.0.10", "lan", "password-lan"); workflow.ErrorCode(err) != workflow.ETOOMANY {
		t.Errorf("login while signing's failures lock the account: %v", err)
	}
	during := 0
	_ = th.repo.WalkEvents(ctx, func(e workflow.Event) error {
		if (e.Kind == workflow.EventLoginFailed || e.Kind == workflow.EventLoginThrottled) && e.Data["during"] == "sign" {
			during++
		}
		return nil
	})
	if during != 6 { // 5 login_failed, 1 login_throttled
		t.Errorf("audit events during=sign: %d, want 6", during)
	}
}
