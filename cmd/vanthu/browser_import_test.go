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
// ";", a quoted ";"), sees its six users valid, and the create form's
// post — the file's text carried back by the page — answers the
// passwords' CSV once, no-store; the users then exist, with their e-mail
// addresses, and a second post creates nobody.
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
	post := `(async () => { const f = document.getElementById('import-create');
		const r = await fetch(f.getAttribute('action'), {method: 'POST', body: new URLSearchParams(new FormData(f))});
		return [String(r.status), r.headers.get('cache-control') || '', r.headers.get('content-disposition') || '', await r.text()]; })()`
	got := Get(b, chromedp.Evaluate[[]string](post, chromedp.EvalAwaitPromise))
	if got[0] != "200" || got[1] != "no-store" || !strings.Contains(got[2], "mat-khau-ban-dau.csv") ||
		strings.Count(got[3], "\n") != 7 || !strings.Contains(got[3], "username,initial_password\nchutich,") {
		t.Fatalf("create: %q", got)
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
	if got := Get(b, chromedp.Evaluate[[]string](post, chromedp.EvalAwaitPromise)); got[0] != "400" || strings.Contains(got[3], "initial_password") {
		t.Fatalf("again: %q", got[:3])
	}
}
