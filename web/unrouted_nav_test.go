package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnroutedPageKeepsTheUser: a signed-in user who opens a path no page
// takes (a mistyped address, an old bookmark) or posts to a page that
// takes no POST gets the error page with their navigation and the way
// back to their inbox — it offered "Đăng nhập" and no navigation, as if
// they had been signed out. Signed out, it still offers the login.
func TestUnroutedPageKeepsTheUser(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/van-ban-den", http.StatusNotFound},
		{http.MethodGet, "/admin/queue", http.StatusNotFound},
		{http.MethodDelete, "/incoming", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, clerk.base+tt.path, nil)
			p := clerk.do(req)
			if p.Status != tt.status {
				t.Fatalf("status %d, want %d", p.Status, tt.status)
			}
			for _, want := range []string{`<nav class="main"`, `href="/">Về trang Việc cần xử lý</a>`, "Nguyễn Thị Văn Thư", "Đăng xuất"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("signed in: the page lacks %s:\n%s", want, p.Body)
				}
			}
			if strings.Contains(p.Body, `href="/login"`) {
				t.Errorf("signed in: the page offers to sign in:\n%s", p.Body)
			}
			req, _ = http.NewRequest(tt.method, clerk.base+tt.path, nil)
			if p := e.client().do(req); !strings.Contains(p.Body, `href="/login"`) || strings.Contains(p.Body, `<nav class="main"`) {
				t.Errorf("signed out: want the login link and no navigation:\n%s", p.Body)
			}
		})
	}
}
