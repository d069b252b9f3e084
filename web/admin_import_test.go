package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var importCSVRe = regexp.MustCompile(`name="csv" value="([^"]*)"`)

// TestImportUsersPages: the admin's user list links the import; an
// upload shows the preview, creating nobody — with a bad row, every
// problem marked by line and column in Vietnamese and no create button;
// with a good file, the button "Tạo N người dùng", whose post creates
// them all and answers the passwords' CSV once (no-store), each password
// a temporary one that logs in; posting it again creates nobody. Without
// the CSRF token nothing is created; the pages are the admins' only.
func TestImportUsersPages(t *testing.T) {
	e := newTestEnv(t)
	admin := e.login("quantri")
	if p := admin.get("/admin/users"); !strings.Contains(p.Body, `href="/admin/users/import"`) {
		t.Fatalf("the user list does not link the import:\n%s", p.Body)
	}
	if p := admin.get("/admin/users/import"); p.Status != http.StatusOK || !strings.Contains(p.Body, `name="file"`) {
		t.Fatalf("GET: %d\n%s", p.Status, p.Body)
	}
	bad := "Tên đăng nhập;Họ và tên;Vai trò\nlan;Lê Thị Lan;Văn thư\nvanthu;Trùng;Văn thư\nminh;;sếp\nlan;Lan Hai;Văn thư\n"
	p := admin.postMultipart("/admin/users/import", url.Values{"action": {"preview"}}, map[string][]byte{"file:nhan-su.csv": []byte(bad)})
	for _, want := range []string{"Tệp có 4 lỗi; chưa tạo người dùng nào", "Tên đăng nhập: Tên đăng nhập này đã có người dùng.",
		"Họ và tên: Thiếu họ và tên.", "Vai trò: Vai trò không có", "Tên đăng nhập trùng với dòng 2 của tệp."} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("bad file's preview lacks %q", want)
		}
	}
	if p.Status != http.StatusBadRequest || strings.Contains(p.Body, `id="import-create"`) {
		t.Fatalf("bad file: %d\n%s", p.Status, p.Body)
	}
	good := "\ufeffTên đăng nhập;Họ và tên;Vai trò;Phòng/Đơn vị\r\nlan;Lê Thị Lan;Văn thư;Văn phòng\r\nminh;Trần Minh;Chuyên viên, Lãnh đạo;\"Phòng Nội vụ; Tổ chức\"\r\n"
	p = admin.postMultipart("/admin/users/import", url.Values{"action": {"preview"}}, map[string][]byte{"file:nhan-su.csv": []byte(good)})
	m := importCSVRe.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil || !strings.Contains(p.Body, "Tạo 2 người dùng") || !strings.Contains(p.Body, "Chuyên viên, Lãnh đạo") {
		t.Fatalf("good file: %d\n%s", p.Status, p.Body)
	}
	if _, err := e.repo.UserByUsername(context.Background(), "lan"); err == nil {
		t.Fatal("the preview created lan")
	}
	text := html.UnescapeString(m[1])
	create := func() url.Values { return url.Values{"action": {"create"}, "csv": {text}} }
	forged := create()
	forged.Set("csrf_token", "forged")
	if p := admin.post("/admin/users/import", forged); p.Status != http.StatusForbidden {
		t.Fatalf("without the CSRF token: %d", p.Status)
	}
	clerk := e.login("vanthu")
	if p := clerk.get("/admin/users/import"); p.Status != http.StatusForbidden {
		t.Fatalf("a clerk's GET: %d", p.Status)
	}
	if p := clerk.post("/admin/users/import", create()); p.Status != http.StatusForbidden {
		t.Fatalf("a clerk's create: %d", p.Status)
	}
	if _, err := e.repo.UserByUsername(context.Background(), "lan"); err == nil {
		t.Fatal("a refused post created lan")
	}
	p = admin.post("/admin/users/import", create())
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(p.Body, "\ufeff")), "\n")
	if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(p.Header.Get("Content-Disposition"), "attachment") || len(lines) != 3 || lines[0] != "username,initial_password" {
		t.Fatalf("create: %d %v\n%q", p.Status, p.Header, p.Body)
	}
	user, pw, _ := strings.Cut(strings.TrimSpace(lines[2]), ",")
	c := e.client()
	c.get("/login")
	if p := c.post("/login", url.Values{"username": {user}, "password": {pw}}); user != "minh" || p.Status != http.StatusSeeOther || strings.HasPrefix(p.Location, "/login") {
		t.Fatalf("login as %s with the initial password: %d %s", user, p.Status, p.Location)
	}
	if u, _ := e.repo.UserByUsername(context.Background(), "minh"); u == nil || !u.MustChangePassword || u.Unit != "Phòng Nội vụ; Tổ chức" {
		t.Fatalf("minh: %+v", u)
	}
	if p := admin.post("/admin/users/import", create()); p.Status != http.StatusBadRequest || strings.Contains(p.Body, "initial_password") ||
		strings.Count(p.Body, "Tên đăng nhập này đã có người dùng.") != 2 {
		t.Fatalf("again: %d\n%s", p.Status, p.Body)
	}
}
