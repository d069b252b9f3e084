package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/bodytest"
)

// TestUploadFormRefusedBeforeBody posts upload forms whose file part
// never ends (a pipe fed forever) from users whose role may not use them:
// the forbidden page must come while the body is still being sent, and
// the server must have read only a small part of it. Before the guard the
// form was spooled up to the limit (8 × the upload limit) before any role
// was looked at.
func TestUploadFormRefusedBeforeBody(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct{ user, path string }{
		{"chuyenvien", "/incoming/new"}, // a handler does not receive incoming documents
		{"vanthu", "/outgoing/new"},     // a clerk does not draft outgoing ones
		{"luutru", "/incoming/new"},
		{"lanhdao", "/admin/users"}, // administration is for admins
	}
	for _, tt := range tests {
		t.Run(tt.user+tt.path, func(t *testing.T) {
			c := e.login(tt.user)
			base, _ := url.Parse(e.srv.URL)
			head := "--" + bodytest.Boundary + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + c.csrf +
				"\r\n--" + bodytest.Boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
			got := bodytest.Endless(t, Mount(http.NotFoundHandler(), e.ui), tt.path, head, func(req *http.Request) {
				for _, ck := range c.hc.Jar.Cookies(base) {
					req.AddCookie(ck)
				}
			})
			if got.Status != http.StatusForbidden || !strings.Contains(string(got.Body), `lang="vi"`) {
				t.Fatalf("status %d, want the forbidden page:\n%s", got.Status, got.Body)
			}
			if got.Read > 1<<20 {
				t.Fatalf("server read %d bytes of a form it refused, want under 1 MiB", got.Read)
			}
		})
	}
}
