package auth_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestPasswordResetEndsSessions: an admin's password reset ends every
// session of that user at once — on the in-memory fake, SQLite and
// PostgreSQL, with and without the session cache — and leaves other
// users' sessions alone; the old password stops working, the new one
// works, and the audit event counts the sessions ended.
func TestPasswordResetEndsSessions(t *testing.T) {
	run := func(t *testing.T, repo workflow.Repository) {
		for _, ttl := range []time.Duration{-1, 2 * time.Second} {
			t.Run("cache="+ttl.String(), func(t *testing.T) {
				passwordReset(t, repo, ttl)
			})
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, workflowtest.NewRepository()) })
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) { run(t, db) })
}

func passwordReset(t *testing.T, repo workflow.Repository, ttl time.Duration) {
	ctx := context.Background()
	x := newSessions(t, repo, ttl, "lan", "old-password", workflow.RoleHandler)
	s, admin, u, login, userName := x.s, x.admin, x.u, x.login, x.userName
	adminTok, laptop, phone := x.adminTok, x.laptop, x.phone

	if _, err := s.SetPassword(ctx, u, u.ID, "not-an-admin"); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("reset by the user themself: %v, want forbidden", err)
	}
	if _, err := s.SetPassword(ctx, admin, u.ID, "new-password"); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"laptop": laptop, "phone": phone} {
		if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Errorf("%s session after the reset: %v, want unauthorized", name, err)
		}
	}
	if _, err := s.Authenticate(ctx, adminTok); err != nil {
		t.Errorf("the admin's own session ended too: %v", err)
	}
	if _, _, _, err := s.Login(ctx, userName, "old-password"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Errorf("old password after the reset: %v, want unauthorized", err)
	}
	if _, err := s.Authenticate(ctx, login(userName, "new-password")); err != nil {
		t.Errorf("new session after the reset: %v", err)
	}

	var ended string
	err := repo.WalkEvents(ctx, func(e workflow.Event) error {
		if e.Data["updated_user"] == u.ID && e.Data["password_reset"] == "true" {
			ended = e.Data["sessions_ended"]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ended != "2" {
		t.Errorf("audit event sessions_ended = %q, want 2", ended)
	}
}

// TestDisableEndsSessions: disabling a user ends their sessions, like a
// password reset: the tokens stay dead when the account is enabled again.
// Before, a disabled user's tokens were only refused while the flag was
// set, and every one of them worked again on re-enabling (a token taken
// from a lost laptop outlived the disabling meant to stop it). The audit
// event counts the sessions ended; other users' sessions are untouched.
func TestDisableEndsSessions(t *testing.T) {
	run := func(t *testing.T, repo workflow.Repository) {
		for _, ttl := range []time.Duration{-1, 2 * time.Second} {
			t.Run("cache="+ttl.String(), func(t *testing.T) { disableEnable(t, repo, ttl) })
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, workflowtest.NewRepository()) })
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) { run(t, db) })
}

func disableEnable(t *testing.T, repo workflow.Repository, ttl time.Duration) {
	ctx := context.Background()
	x := newSessions(t, repo, ttl, "binh", "user-password", workflow.RoleClerk)
	s, admin, u, login, userName := x.s, x.admin, x.u, x.login, x.userName
	adminTok, laptop, phone := x.adminTok, x.laptop, x.phone
	setDisabled := func(v bool) {
		t.Helper()
		if _, err := s.UpdateUser(ctx, admin, u.ID, func(x *workflow.User) error { x.Disabled = v; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	setDisabled(true)
	setDisabled(false)
	for name, tok := range map[string]string{"laptop": laptop, "phone": phone} {
		if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
			t.Errorf("%s session taken before the disabling, after enabling again: %v, want unauthorized", name, err)
		}
	}
	if _, err := s.Authenticate(ctx, adminTok); err != nil {
		t.Errorf("the admin's own session ended too: %v", err)
	}
	if _, err := s.Authenticate(ctx, login(userName, "user-password")); err != nil {
		t.Errorf("new session after enabling again: %v", err)
	}
	var ended []string
	err := repo.WalkEvents(ctx, func(e workflow.Event) error {
		if e.Data["updated_user"] == u.ID {
			ended = append(ended, e.Data["sessions_ended"])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ended) != 2 || ended[0] != "2" || ended[1] != "" {
		t.Errorf("audit events' sessions_ended = %q, want [2 (disabled), none (enabled)]", ended)
	}
}

// sessions is an admin and a user (name prefix, password pw, one role),
// each signed in: the admin once, the user twice (a laptop and a phone).
type sessions struct {
	s                       *auth.Service
	admin, u                *workflow.User
	userName                string
	login                   func(name, pw string) string
	adminTok, laptop, phone string
}

func newSessions(t *testing.T, repo workflow.Repository, ttl time.Duration, prefix, pw string, role workflow.Role) *sessions {
	t.Helper()
	ctx := context.Background()
	x := &sessions{s: &auth.Service{Repo: repo, Cost: bcrypt.MinCost, TokenTTL: time.Hour, SessionCacheTTL: ttl}}
	suffix := workflow.NewID(time.Now())
	adminName := "admin-" + suffix
	x.userName = prefix + "-" + suffix
	var err error
	if x.admin, err = x.s.CreateUser(ctx, nil, auth.NewUser{Username: adminName, Password: "admin-password", Roles: []workflow.Role{workflow.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	if x.u, err = x.s.CreateUser(ctx, x.admin, auth.NewUser{Username: x.userName, Password: pw, Roles: []workflow.Role{role}}); err != nil {
		t.Fatal(err)
	}
	x.login = func(name, pw string) string {
		t.Helper()
		tok, _, _, err := x.s.Login(ctx, name, pw)
		if err != nil {
			t.Fatalf("login %s: %v", name, err)
		}
		return tok
	}
	x.adminTok = x.login(adminName, "admin-password")
	x.laptop, x.phone = x.login(x.userName, pw), x.login(x.userName, pw)
	for _, tok := range []string{x.adminTok, x.laptop, x.phone} {
		if _, err := x.s.Authenticate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	return x
}
