package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/vanthu/vanthu/api"
)

// getUser is GET /users/{id} as user, decoded.
func (f *fixture) getUser(t *testing.T, as, id string) (api.UserJSON, map[string]any) {
	t.Helper()
	rec := f.do(t, as, "GET", "/api/v1/users/"+id, nil, "")
	var u api.UserJSON
	var raw map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &u) != nil || json.Unmarshal(rec.Body.Bytes(), &raw) != nil {
		t.Fatalf("GET user %s as %s: %d %s", id, as, rec.Code, rec.Body)
	}
	return u, raw
}

// TestUserStatusAPI: an admin sees each user's last login and a lockout
// by failed logins (locked_until), in the list and on one user; other
// users see neither field; only an admin unlocks (POST …/unlock), after
// which the right password logs in again.
func TestUserStatusAPI(t *testing.T) {
	f := newFixture(t, 1<<20)
	rec := f.do(t, "admin", "GET", "/api/v1/users", nil, "")
	var list struct{ Items []api.UserJSON }
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.Items) != 5 {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	for _, u := range list.Items {
		if u.LastLoginAt == nil || u.LockedUntil != nil {
			t.Fatalf("admin's list, %s: last login %v, locked until %v (every user logged in, none locked)", u.Username, u.LastLoginAt, u.LockedUntil)
		}
	}
	for range 6 {
		f.json(t, "", "POST", "/api/v1/auth/login", map[string]string{"username": "handler", "password": "guess-guess"})
	}
	if rec := f.json(t, "", "POST", "/api/v1/auth/login", map[string]string{"username": "handler", "password": "password-handler"}); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("right password while locked: %d", rec.Code)
	}
	if u, _ := f.getUser(t, "admin", f.ids["handler"]); u.LockedUntil == nil {
		t.Fatalf("admin does not see the lockout: %+v", u)
	}
	for _, as := range []string{"clerk", "handler"} {
		if _, raw := f.getUser(t, as, f.ids["handler"]); raw["locked_until"] != nil || raw["last_login_at"] != nil {
			t.Fatalf("%s sees the account's status: %v", as, raw)
		}
	}
	if rec := f.do(t, "clerk", "POST", "/api/v1/users/"+f.ids["handler"]+"/unlock", nil, ""); rec.Code != http.StatusForbidden {
		t.Fatalf("unlock by a clerk: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(t, "admin", "POST", "/api/v1/users/nobody/unlock", nil, ""); rec.Code != http.StatusNotFound {
		t.Fatalf("unlock of nobody: %d %s", rec.Code, rec.Body)
	}
	rec = f.do(t, "admin", "POST", "/api/v1/users/"+f.ids["handler"]+"/unlock", nil, "")
	var u api.UserJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &u) != nil || u.LockedUntil != nil || u.ID != f.ids["handler"] {
		t.Fatalf("unlock: %d %s", rec.Code, rec.Body)
	}
	f.login(t, "handler", "handler", "password-handler")
}

// TestRequirePasswordChangeAPI: PATCH must_change_password true (admins
// only) requires a new password of a user and ends their sessions; the
// user logs in with the old one and can do nothing but change it; false
// (clearing it) and an admin's own account are 400 invalid on the field.
func TestRequirePasswordChangeAPI(t *testing.T) {
	f := newFixture(t, 1<<20)
	id := f.ids["handler"]
	for _, tc := range []struct {
		name, as, id string
		body         map[string]any
		status       int
		field        string
	}{
		{"ClerkCannot", "clerk", id, map[string]any{"must_change_password": true}, 403, ""},
		{"NotOwnAccount", "admin", f.ids["admin"], map[string]any{"must_change_password": true}, 400, "must_change_password"},
		{"FalseAsIsChangesNothing", "admin", id, map[string]any{"must_change_password": false}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.json(t, tc.as, "PATCH", "/api/v1/users/"+tc.id, tc.body)
			var e struct {
				Error struct{ Field string } `json:"error"`
			}
			json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != tc.status || e.Error.Field != tc.field {
				t.Fatalf("%d %s, want %d on %q", rec.Code, rec.Body, tc.status, tc.field)
			}
		})
	}
	if rec := f.do(t, "handler", "GET", "/api/v1/documents", nil, ""); rec.Code != 200 {
		t.Fatalf("handler before: %d", rec.Code)
	}
	rec := f.json(t, "admin", "PATCH", "/api/v1/users/"+id, map[string]any{"must_change_password": true, "title": "Chuyên viên"})
	var u api.UserJSON
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &u) != nil || !u.MustChangePassword || u.Title != "Chuyên viên" {
		t.Fatalf("require: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(t, "handler", "GET", "/api/v1/documents", nil, ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("the handler's session after the requirement: %d, want 401", rec.Code)
	}
	if u := f.login(t, "handler", "handler", "password-handler"); !u.MustChangePassword {
		t.Fatalf("logged in without the requirement: %+v", u)
	}
	if rec := f.do(t, "handler", "GET", "/api/v1/documents", nil, ""); rec.Code != http.StatusForbidden {
		t.Fatalf("documents before the change: %d, want 403", rec.Code)
	}
	rec = f.json(t, "admin", "PATCH", "/api/v1/users/"+id, map[string]any{"must_change_password": false})
	var e struct {
		Error struct{ Code, Field string } `json:"error"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &e); rec.Code != 400 || e.Error.Code != "invalid" || e.Error.Field != "must_change_password" {
		t.Fatalf("admin clearing it: %d %s", rec.Code, rec.Body)
	}
}

// TestPasswordReuseAPI: POST /auth/password refuses one of the user's
// last 5 passwords: 400 invalid on new_password.
func TestPasswordReuseAPI(t *testing.T) {
	f := newFixture(t, 1<<20)
	change := func(current, next string) (int, string, string) {
		rec := f.json(t, "clerk", "POST", "/api/v1/auth/password", map[string]string{"current_password": current, "new_password": next})
		var e struct {
			Error struct{ Code, Field string } `json:"error"`
		}
		json.Unmarshal(rec.Body.Bytes(), &e)
		return rec.Code, e.Error.Code, e.Error.Field
	}
	if code, _, _ := change("password-clerk", "password-clerk-2"); code != http.StatusOK {
		t.Fatalf("first change: %d", code)
	}
	if code, ecode, field := change("password-clerk-2", "password-clerk"); code != 400 || ecode != "invalid" || field != "new_password" {
		t.Fatalf("back to the previous password: %d %s %s", code, ecode, field)
	}
	if code, _, _ := change("password-clerk-2", "password-clerk-3"); code != http.StatusOK {
		t.Fatalf("a new one: %d", code)
	}
}
