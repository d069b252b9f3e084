package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// passwordFixture is the API with an admin and the accounts service at
// hand; tokens are kept by name in f.tokens.
func passwordFixture(t *testing.T) (*fixture, *auth.Service) {
	t.Helper()
	repo := workflowtest.NewRepository()
	accounts := &auth.Service{Repo: repo, Cost: bcrypt.MinCost, SessionCacheTTL: -1}
	docs := &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t)}
	f := &fixture{tokens: map[string]string{}, ids: map[string]string{}}
	f.srv = api.New(&api.Server{Docs: docs, Accounts: accounts, Directory: repo}, nil)
	ctx := context.Background()
	u, err := accounts.CreateUser(ctx, nil, auth.NewUser{Username: "admin", Password: "password-admin", Roles: []workflow.Role{workflow.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["admin"] = u.ID
	if f.tokens["admin"], _, _, err = accounts.Login(ctx, "admin", "password-admin"); err != nil {
		t.Fatal(err)
	}
	return f, accounts
}

// login logs name in through the API under the token name as and
// returns the user it answered.
func (f *fixture) login(t *testing.T, as, name, pw string) api.UserJSON {
	t.Helper()
	rec := f.json(t, "", "POST", "/api/v1/auth/login", map[string]string{"username": name, "password": pw})
	var out struct {
		Token string       `json:"token"`
		User  api.UserJSON `json:"user"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		t.Fatalf("login %s: %d %s", name, rec.Code, rec.Body)
	}
	f.tokens[as] = out.Token
	return out.User
}

// TestChangePasswordAPI: a user the admin created must change the
// password: until then every route but the change, logout and GET of
// their own user answers 403 password_change_required; the change checks
// the current password (401), the new one (400 on new_password), ends
// the user's other sessions and keeps this one.
func TestChangePasswordAPI(t *testing.T) {
	f, _ := passwordFixture(t)
	rec := f.json(t, "admin", "POST", "/api/v1/users", map[string]any{"username": "hoa", "password": "mat-khau-tam", "roles": []string{"officer"}})
	var created api.UserJSON
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &created) != nil || !created.MustChangePassword {
		t.Fatalf("create: %d %s; want must_change_password", rec.Code, rec.Body)
	}
	if u := f.login(t, "hoa", "hoa", "mat-khau-tam"); !u.MustChangePassword {
		t.Fatal("the login's user does not say the password must change")
	}
	f.login(t, "hoa-phone", "hoa", "mat-khau-tam")

	own := "/api/v1/users/" + created.ID
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		code         string
	}{
		{"GET", "/api/v1/documents", nil, 403, workflow.EPASSWORDCHANGE},
		{"GET", "/api/v1/users", nil, 403, workflow.EPASSWORDCHANGE},
		{"GET", "/api/v1/users/" + f.ids["admin"], nil, 403, workflow.EPASSWORDCHANGE},
		{"GET", "/api/v1/audit/verify", nil, 403, workflow.EPASSWORDCHANGE},
		{"POST", "/api/v1/documents/x/actions/approve", map[string]any{}, 403, workflow.EPASSWORDCHANGE},
		{"GET", own, nil, 200, ""},
		{"POST", "/api/v1/auth/password", map[string]string{"current_password": "sai-mat-khau", "new_password": "mat-khau-rieng"}, 401, workflow.EUNAUTHORIZED},
		{"POST", "/api/v1/auth/password", map[string]string{"current_password": "mat-khau-tam", "new_password": "ngan"}, 400, workflow.EINVALID},
		{"POST", "/api/v1/auth/password", map[string]string{"current_password": "mat-khau-tam", "new_password": "mat-khau-tam"}, 400, workflow.EINVALID},
	} {
		rec := f.json(t, "hoa", tc.method, tc.path, tc.body)
		if rec.Code != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, rec.Code, rec.Body, tc.status)
			continue
		}
		if tc.code != "" {
			if e := decodeErr(t, rec); e.Error.Code != tc.code || tc.code == workflow.EINVALID && e.Error.Field != "new_password" {
				t.Errorf("%s %s: %+v, want code %s", tc.method, tc.path, e.Error, tc.code)
			}
		}
	}
	rec = f.json(t, "hoa", "POST", "/api/v1/auth/password", map[string]string{"current_password": "mat-khau-tam", "new_password": "mat-khau-rieng"})
	var changed api.UserJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &changed) != nil || changed.MustChangePassword {
		t.Fatalf("change: %d %s", rec.Code, rec.Body)
	}
	if rec := f.json(t, "hoa", "GET", "/api/v1/documents", nil); rec.Code != http.StatusOK {
		t.Errorf("this session after the change: %d %s", rec.Code, rec.Body)
	}
	if rec := f.json(t, "hoa-phone", "GET", "/api/v1/documents", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("the user's other session after the change: %d, want 401", rec.Code)
	}
	if rec := f.json(t, "admin", "GET", "/api/v1/documents", nil); rec.Code != http.StatusOK {
		t.Errorf("another user's session after the change: %d", rec.Code)
	}
	if rec := f.json(t, "", "POST", "/api/v1/auth/login", map[string]string{"username": "hoa", "password": "mat-khau-tam"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("the old password: %d", rec.Code)
	}
	if u := f.login(t, "hoa", "hoa", "mat-khau-rieng"); u.MustChangePassword {
		t.Error("must_change_password after the change")
	}
	if rec := f.json(t, "", "POST", "/api/v1/auth/password", map[string]string{"current_password": "mat-khau-rieng", "new_password": "mat-khau-moi"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("the change without a token: %d", rec.Code)
	}
}

// TestChangePasswordLogoutWhileRequired: logout needs no change first.
func TestChangePasswordLogoutWhileRequired(t *testing.T) {
	f, accounts := passwordFixture(t)
	admin, _ := accounts.Authenticate(context.Background(), f.tokens["admin"])
	u, err := accounts.CreateUser(context.Background(), admin, auth.NewUser{Username: "lan", Password: "mat-khau-tam", Roles: []workflow.Role{workflow.RoleClerk}})
	if err != nil {
		t.Fatal(err)
	}
	f.login(t, "lan", u.Username, "mat-khau-tam")
	if rec := f.json(t, "lan", "POST", "/api/v1/auth/logout", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("logout while the change is required: %d %s", rec.Code, rec.Body)
	}
	if rec := f.json(t, "lan", "GET", "/api/v1/users/"+u.ID, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("after logout: %d", rec.Code)
	}
}

// TestChangePasswordThrottledAPI: wrong current passwords count as failed
// logins: after the account's free failures the change answers 429 with
// Retry-After, the right password too, and so does a login.
func TestChangePasswordThrottledAPI(t *testing.T) {
	f, _ := passwordFixture(t)
	body := func(current string) map[string]string {
		return map[string]string{"current_password": current, "new_password": "mat-khau-moi-1"}
	}
	n := 0
	for ; n < 10; n++ {
		rec := f.json(t, "admin", "POST", "/api/v1/auth/password", body("sai-mat-khau"))
		if rec.Code == http.StatusTooManyRequests {
			if rec.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			break
		}
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong current password %d: %d %s", n+1, rec.Code, rec.Body)
		}
	}
	if n != 6 { // as logins: 5 free failures, the sixth checked and locking
		t.Errorf("429 after %d wrong current passwords, want after 6", n)
	}
	if rec := f.json(t, "admin", "POST", "/api/v1/auth/password", body("password-admin")); rec.Code != http.StatusTooManyRequests {
		t.Errorf("the right current password while locked: %d", rec.Code)
	}
	if rec := f.json(t, "", "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "password-admin"}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("login while the change's failures lock the account: %d", rec.Code)
	}
}
