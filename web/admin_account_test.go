package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// userRow is the row of the admin's user list that links to username.
func userRow(t *testing.T, body, username string) string {
	t.Helper()
	for _, row := range strings.Split(body, "<tr>") {
		if strings.Contains(row, ">"+username+"</a>") {
			return row
		}
	}
	t.Fatalf("no row of %s in the user list", username)
	return ""
}

// lockOut fails 6 logins of username through the login page: the 6th
// locks the account for 30 s (5 free failures).
func lockOut(t *testing.T, e *testEnv, username string) {
	t.Helper()
	c := e.client()
	c.get("/login")
	for range 6 {
		if p := c.post("/login", url.Values{"username": {username}, "password": {"sai-mat-khau"}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", p.Status)
		}
	}
}

// TestAdminSeesAccountStatus: the user list and a user's page tell the
// admin, in Vietnamese, whether the password is temporary, whether
// failed logins lock the account out and until when, when it last
// logged in, and whether it is disabled.
func TestAdminSeesAccountStatus(t *testing.T) {
	e := newTestEnv(t)
	admin := e.login("quantri")
	e.login("chuyenvien")
	lockOut(t, e, "vanthu")
	if _, err := e.auth.SetPassword(t.Context(), e.users["quantri"], e.users["luutru"].ID, "tam-thoi-123"); err != nil {
		t.Fatal(err)
	}
	list := admin.get("/admin/users").Body
	for _, tc := range []struct{ user, want, not string }{
		{"chuyenvien", "09:00 25/11/2026", "Mật khẩu tạm"},
		{"luutru", "Mật khẩu tạm", "Tạm khóa"},
		{"luutru", "Chưa ghi nhận", "09:00"},
		// To the second: a 30 s lockout shown to the minute read "until
		// 09:00" at 09:00.
		{"vanthu", "Tạm khóa đăng nhập đến 09:00:30 25/11/2026", "Mật khẩu tạm"},
	} {
		if row := userRow(t, list, tc.user); !strings.Contains(row, tc.want) || strings.Contains(row, tc.not) {
			t.Errorf("row of %s: want %q, not %q\n%s", tc.user, tc.want, tc.not, row)
		}
	}
	for _, tc := range []struct{ user, want string }{
		{"chuyenvien", "Đăng nhập gần nhất: 09:00 25/11/2026"},
		{"chuyenvien", "Mật khẩu: do người dùng tự đặt"},
		{"luutru", "phải tự đặt mật khẩu mới ở lần đăng nhập tới"},
		{"luutru", "Đăng nhập gần nhất: chưa ghi nhận"},
		{"vanthu", "tạm khóa đăng nhập đến 09:00:30 25/11/2026"},
		{"vanthu", `value="unlock"`},
		{"vanthu", "Tài khoản: đang hoạt động"},
	} {
		if p := admin.get("/admin/users/" + e.users[tc.user].ID); !strings.Contains(p.Body, tc.want) {
			t.Errorf("page of %s: no %q", tc.user, tc.want)
		}
	}
	if p := admin.get("/admin/users/" + e.users["chuyenvien"].ID); strings.Contains(p.Body, `value="unlock"`) {
		t.Error("an unlock button for an account not locked")
	}
}

// TestAdminUnlocksAccount: the unlock button ends the lockout at once
// (with the CSRF token, as every admin form), and the user logs in.
func TestAdminUnlocksAccount(t *testing.T) {
	e := newTestEnv(t)
	admin := e.login("quantri")
	lockOut(t, e, "vanthu")
	path := "/admin/users/" + e.users["vanthu"].ID
	if p := admin.post(path, url.Values{"action": {"unlock"}, "csrf_token": {"forged"}}); p.Status != http.StatusForbidden {
		t.Fatalf("unlock with a forged token: %d", p.Status)
	}
	c := e.client()
	c.get("/login")
	if p := c.post("/login", url.Values{"username": {"vanthu"}, "password": {testPassword}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("the right password while locked out: %d", p.Status)
	}
	if p := admin.post(path, url.Values{"action": {"unlock"}}); p.Status != http.StatusSeeOther || p.Location != path+"?ok=unlock" {
		t.Fatalf("unlock: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if p := admin.get(path + "?ok=unlock"); !strings.Contains(p.Body, "Đã mở tạm khóa đăng nhập") || !strings.Contains(p.Body, "không bị tạm khóa") {
		t.Fatalf("page after the unlock:\n%s", p.Body)
	}
	e.login("vanthu")
}

// TestAdminRequiresPasswordChange: the "require a password change"
// button asks first (nothing changes until confirmed), then ends the
// user's sessions and marks the password temporary; the button is not
// offered on the admin's own page nor once the password is temporary.
func TestAdminRequiresPasswordChange(t *testing.T) {
	e := newTestEnv(t)
	admin, user := e.login("quantri"), e.login("chuyenvien")
	id := e.users["chuyenvien"].ID
	path := "/admin/users/" + id
	if p := admin.get(path); !strings.Contains(p.Body, `value="require_password"`) {
		t.Fatal("no button to require a password change")
	}
	if p := admin.get("/admin/users/" + e.users["quantri"].ID); strings.Contains(p.Body, `value="require_password"`) {
		t.Fatal("the admin's own page offers to require a change of their own password")
	}
	if p := admin.post(path, url.Values{"action": {"require_password"}, "confirm": {"require_password"}, "csrf_token": {"forged"}}); p.Status != http.StatusForbidden {
		t.Fatalf("forged token: %d", p.Status)
	}
	cf, ok := confirmForm(admin.post(path, url.Values{"action": {"require_password"}}), "require_password")
	if !ok {
		t.Fatal("no confirmation page")
	}
	if u, _ := e.repo.User(t.Context(), id); u.MustChangePassword {
		t.Fatal("required before the confirmation")
	}
	if p := user.get("/"); p.Status != http.StatusOK {
		t.Fatalf("the user's session before the confirmation: %d", p.Status)
	}
	if p := admin.post(path, cf); p.Status != http.StatusSeeOther || p.Location != path+"?ok=require_password" {
		t.Fatalf("confirmed: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if u, _ := e.repo.User(t.Context(), id); !u.MustChangePassword {
		t.Fatal("not required after the confirmation")
	}
	if p := user.get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
		t.Fatalf("the user's session after the requirement: %d %s", p.Status, p.Location)
	}
	p := admin.get(path)
	if !strings.Contains(p.Body, "Mật khẩu tạm") || strings.Contains(p.Body, `value="require_password"`) {
		t.Fatalf("page after the requirement:\n%s", p.Body)
	}
}
