package auth_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

func TestLoginAndExpiry(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	repo := workflowtest.NewRepository()
	s := &auth.Service{Repo: repo, Now: func() time.Time { return now }, Cost: bcrypt.MinCost, TokenTTL: time.Hour}
	created, pw, err := s.Bootstrap(ctx, "")
	if err != nil || !created || len(pw) < 16 {
		t.Fatalf("bootstrap: %v %v %q", created, err, pw)
	}
	if again, _, _ := s.Bootstrap(ctx, "x"); again {
		t.Fatal("bootstrap ran twice")
	}
	if _, _, _, err := s.Login(ctx, "admin", "wrong"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
	if _, _, _, err := s.Login(ctx, "nobody", "wrong"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatalf("unknown user: %v", err)
	}
	tok, _, u, err := s.Login(ctx, "admin", pw)
	if err != nil || u.Username != "admin" {
		t.Fatalf("login: %v", err)
	}
	if got, err := s.Authenticate(ctx, tok); err != nil || got.ID != u.ID {
		t.Fatalf("authenticate: %v", err)
	}
	if _, err := s.Authenticate(ctx, tok+"x"); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatalf("bad token: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.Authenticate(ctx, tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatalf("expired token: %v", err)
	}
	var failed int
	_ = repo.WalkEvents(ctx, func(e workflow.Event) error {
		if e.Kind == workflow.EventLoginFailed {
			failed++
		}
		return nil
	})
	if failed != 2 {
		t.Fatalf("%d login failures audited, want 2", failed)
	}
}

func TestCreateUserValidation(t *testing.T) {
	ctx := context.Background()
	s := &auth.Service{Repo: workflowtest.NewRepository(), Cost: bcrypt.MinCost}
	admin := &workflow.User{ID: "a", Roles: []workflow.Role{workflow.RoleAdmin}}
	clerk := &workflow.User{ID: "c", Roles: []workflow.Role{workflow.RoleClerk}}
	tests := []struct {
		name  string
		actor *workflow.User
		in    auth.NewUser
		code  string
	}{
		{"OK", admin, auth.NewUser{Username: "lan", Password: "secret-123", Roles: []workflow.Role{"clerk"}}, ""},
		{"ErrDuplicate", admin, auth.NewUser{Username: "lan", Password: "secret-123", Roles: []workflow.Role{"clerk"}}, workflow.ECONFLICT},
		{"ErrNotAdmin", clerk, auth.NewUser{Username: "x", Password: "secret-123", Roles: []workflow.Role{"clerk"}}, workflow.EFORBIDDEN},
		{"ErrShortPassword", admin, auth.NewUser{Username: "y", Password: "short", Roles: []workflow.Role{"clerk"}}, workflow.EINVALID},
		{"ErrBadRole", admin, auth.NewUser{Username: "z", Password: "secret-123", Roles: []workflow.Role{"boss"}}, workflow.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tt.actor, tt.in)
			if workflow.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want %q", err, tt.code)
			}
		})
	}
}

// TestUpdateUserRules: whatever the change (the web's user form, the
// API's signing-key routes), UpdateUser keeps a user's roles valid and an
// admin from locking themselves out; the user is unchanged on refusal,
// and CheckUserUpdate, asked before the change, answers the same.
func TestUpdateUserRules(t *testing.T) {
	ctx := context.Background()
	s := &auth.Service{Repo: workflowtest.NewRepository(), Cost: bcrypt.MinCost}
	admin, err := s.CreateUser(ctx, nil, auth.NewUser{Username: "admin", Password: "secret-123", Roles: []workflow.Role{workflow.RoleAdmin, workflow.RoleClerk}})
	if err != nil {
		t.Fatal(err)
	}
	lan, err := s.CreateUser(ctx, admin, auth.NewUser{Username: "lan", Password: "secret-123", Roles: []workflow.Role{workflow.RoleClerk}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		target *workflow.User
		fn     func(*workflow.User)
		code   string
	}{
		{"ErrNoRole", lan, func(u *workflow.User) { u.Roles = nil }, workflow.EINVALID},
		{"ErrUnknownRole", lan, func(u *workflow.User) { u.Roles = []workflow.Role{"boss"} }, workflow.EINVALID},
		{"ErrDisableSelf", admin, func(u *workflow.User) { u.Disabled = true }, workflow.EINVALID},
		{"ErrDropOwnAdmin", admin, func(u *workflow.User) { u.Roles = []workflow.Role{workflow.RoleClerk} }, workflow.EINVALID},
		{"OKOwnNames", admin, func(u *workflow.User) { u.FullName = "Quản trị" }, ""},
		{"OKDisableOther", lan, func(u *workflow.User) { u.Disabled, u.Roles = true, []workflow.Role{workflow.RoleHandler} }, ""},
		{"OKDropOtherAdmin", lan, func(u *workflow.User) { u.Roles = []workflow.Role{workflow.RoleArchivist} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := s.Repo.User(ctx, tt.target.ID)
			if err != nil {
				t.Fatal(err)
			}
			changed := *before
			changed.Roles = slices.Clone(before.Roles)
			tt.fn(&changed)
			if err := auth.CheckUserUpdate(admin, &changed); workflow.ErrorCode(err) != tt.code {
				t.Fatalf("CheckUserUpdate: %v, want %q", err, tt.code)
			}
			_, err = s.UpdateUser(ctx, admin, tt.target.ID, func(u *workflow.User) error { tt.fn(u); return nil })
			if workflow.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want %q", err, tt.code)
			}
			after, err := s.Repo.User(ctx, tt.target.ID)
			if err != nil {
				t.Fatal(err)
			}
			if tt.code != "" && (after.Disabled != before.Disabled || len(after.Roles) != len(before.Roles)) {
				t.Fatalf("refused change stored: %+v", after)
			}
		})
	}
}
