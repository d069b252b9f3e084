package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

var (
	importCSVRe  = regexp.MustCompile(`name="csv" value="([^"]*)"`)
	importHeldRe = regexp.MustCompile(`name="held" value="([^"]+)"`)
)

// TestImportUsersPages: the admin's user list links the import; an
// upload shows the preview, creating nobody — with a bad row, every
// problem marked by line and column in Vietnamese and no create button;
// with a good file, the button "Tạo N người dùng", whose post creates
// them all and answers their list (no-store) with the button of the
// passwords' CSV: another admin's session, or another session of the
// same admin, cannot take it; the importing session takes it once
// (no-store), then it is gone (404); each password a temporary one that
// logs in; posting the create again creates nobody. Without
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
	result, held := p.Body, importHeldRe.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" || held == nil || !strings.Contains(p.Body, "Đã tạo 2 người dùng") ||
		!strings.Contains(p.Body, "Phòng Nội vụ; Tổ chức") || strings.Contains(p.Body, `id="import-create"`) {
		t.Fatalf("create: %d %v\n%s", p.Status, p.Header, p.Body)
	}
	download := func() url.Values { return url.Values{"held": {held[1]}} }
	// Another session — another admin's, or the same admin's elsewhere —
	// finds nothing, and leaves the file to the session that made it.
	if _, err := e.auth.CreateUser(context.Background(), nil, auth.NewUser{Username: "quantri2", Password: testPassword, FullName: "Quản Trị Hai",
		Roles: []workflow.Role{workflow.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	for _, other := range []*client{e.login("quantri2"), e.login("quantri")} {
		other.get("/admin/users/import")
		if p := other.post("/admin/users/import/passwords", download()); p.Status != http.StatusNotFound || strings.Contains(p.Body, "initial_password") ||
			!strings.Contains(p.Body, "Không còn mật khẩu ban đầu để tải") {
			t.Fatalf("another session's download: %d\n%s", p.Status, p.Body)
		}
	}
	p = admin.post("/admin/users/import/passwords", download())
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(p.Body, "\ufeff")), "\n")
	if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(p.Header.Get("Content-Disposition"), "attachment") || len(lines) != 3 || lines[0] != "username,initial_password" {
		t.Fatalf("download: %d %v\n%q", p.Status, p.Header, p.Body)
	}
	if p := admin.post("/admin/users/import/passwords", download()); p.Status != http.StatusNotFound || strings.Contains(p.Body, "initial_password") {
		t.Fatalf("a second download: %d\n%s", p.Status, p.Body)
	}
	user, pw, _ := strings.Cut(strings.TrimSpace(lines[2]), ",")
	if strings.Contains(result, pw) {
		t.Fatal("the result page shows a password")
	}
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
