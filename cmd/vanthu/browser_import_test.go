package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestIntegrationBrowserImportUsers: in a browser, the admin follows the
// user list's link, uploads README's example file (Vietnamese headers,
// ";", a quoted ";"), sees its six users valid, and the create button —
// the file's text carried back by the page — leads to the result page
// (Đã tạo 6 người dùng) whose button answers the passwords' CSV once,
// no-store, then 404; the users exist, with their e-mail addresses.
func TestIntegrationBrowserImportUsers(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s := startServer(t, nil)
	admin := s.login(t, "admin", "admin-password-1")
	b := StartBrowser(t, s.base)
	b.As("admin", "admin-password-1")
	b.Go("/admin/users")
	b.Run(chromedp.Click(chromedp.CSS(`#users-import`)), chromedp.WaitVisible(chromedp.CSS(`input[name="file"]`)))
	file, err := filepath.Abs("../../auth/testdata/users-import.csv")
	if err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{file}),
		chromedp.Click(chromedp.CSS(`form[enctype] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`#import-create`)))
	mustContain(t, "preview", b.Text("main"), "Tạo 6 người dùng", "Nguyễn Văn An", "Chuyên viên; phụ trách cải cách hành chính", "Lãnh đạo", "an.nv@quan1.gov.vn")
	if n := strings.Count(b.Text("#import-rows"), "Hợp lệ"); n != 6 {
		t.Fatalf("%d valid rows, want 6:\n%s", n, b.Text("#import-rows"))
	}
	b.Shot("admin-users-import")
	b.Run(chromedp.Click(chromedp.CSS(`#import-create button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`#import-done`)))
	mustContain(t, "result", b.Text("main"), "Đã tạo 6 người dùng", "Nguyễn Văn An", "an.nv@quan1.gov.vn", "Tải mật khẩu ban đầu", "một lần")
	b.Shot("admin-users-imported")
	take := `(async () => { const f = document.getElementById('import-passwords');
		const r = await fetch(f.getAttribute('action'), {method: 'POST', body: new URLSearchParams(new FormData(f))});
		return [String(r.status), r.headers.get('cache-control') || '', r.headers.get('content-disposition') || '', await r.text()]; })()`
	got := Get(b, chromedp.Evaluate[[]string](take, chromedp.EvalAwaitPromise))
	if got[0] != "200" || got[1] != "no-store" || !strings.Contains(got[2], "mat-khau-ban-dau.csv") ||
		strings.Count(got[3], "\n") != 7 || !strings.Contains(got[3], "username,initial_password\nchutich,") {
		t.Fatalf("download: %q", got)
	}
	if got := Get(b, chromedp.Evaluate[[]string](take, chromedp.EvalAwaitPromise)); got[0] != "404" || strings.Contains(got[3], "initial_password") ||
		!strings.Contains(got[3], "Không còn mật khẩu ban đầu để tải") {
		t.Fatalf("a second download: %q", got[:3])
	}
	var users struct{ Items []map[string]any }
	admin.call("GET", "/api/v1/users", nil, &users)
	found := 0
	for _, u := range users.Items {
		if u["username"] == "chutich" && u["email"] == "an.nv@quan1.gov.vn" && u["must_change_password"] == true || u["username"] == "cv.hoa" {
			found++
		}
	}
	if found != 2 {
		t.Fatalf("users after the import: %+v", users.Items)
	}
}

// TestIntegrationBrowserNewUserGeneratedPassword: in a browser, the
// admin adds one user leaving the password empty — the browser's own
// checks let the form go (the password is no longer required) — and the
// new user's page shows the generated password once; the user signs in
// with it and must change it first. The admin had to invent one (walk
// 10).
func TestIntegrationBrowserNewUserGeneratedPassword(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s := startServer(t, nil)
	b := StartBrowser(t, s.base)
	b.As("admin", "admin-password-1")
	b.Go("/admin/users")
	mustContain(t, "form", b.Text("#password-hint"), "Để trống", "hiện cho bạn một lần")
	b.Run(chromedp.SendKeys(chromedp.CSS(`#username`), "cv.moi"), chromedp.SendKeys(chromedp.CSS(`#full_name`), "Phạm Văn Mới"),
		chromedp.Click(chromedp.CSS(`#role-handler`)), chromedp.Click(chromedp.CSS(`section[aria-labelledby="h-new"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#initial-password`)))
	mustContain(t, "new user's page", b.Text("#initial-password"), "Đã tạo người dùng cv.moi", "chỉ hiện một lần", "phải đổi mật khẩu khi đăng nhập lần đầu")
	pw := strings.TrimSpace(b.Text("#initial-password-value"))
	if len(pw) != 24 {
		t.Fatalf("generated password %q", pw)
	}
	c := &client{t: t, base: s.base}
	var out struct {
		User struct {
			MustChangePassword bool `json:"must_change_password"`
		}
	}
	if code := c.call("POST", "/api/v1/auth/login", map[string]string{"username": "cv.moi", "password": pw}, &out); code != 200 || !out.User.MustChangePassword {
		t.Fatalf("login with the generated password: %d, must change it: %v", code, out.User.MustChangePassword)
	}
}
