package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/bodytest"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestSessionEndsMidUpload: a create form (multipart, its text fields
// first as app.js sends them) posted after the session ended gets the
// login form showing the subject and notes typed — a clerk who typed a
// long subject does not lose it — and nothing is created. Before, an
// upload's text was not read at all and the login form came back empty.
func TestSessionEndsMidUpload(t *testing.T) {
	e := newTestEnv(t)
	for _, dir := range []string{"incoming", "outgoing"} {
		t.Run(dir, func(t *testing.T) {
			user := map[string]string{"incoming": "vanthu", "outgoing": "chuyenvien"}[dir]
			c := e.login(user)
			c.get("/" + dir + "/new")
			if p := c.post("/logout", nil); p.Status != http.StatusSeeOther {
				t.Fatalf("logout: %d", p.Status)
			}
			subject := "Về việc tổng kết công tác năm 2026 của " + dir
			p := c.postMultipart("/"+dir+"/new", url.Values{"type": {"CV"}, "subject": {subject},
				"notes": {"Ghi chú: trình lãnh đạo trước ngày 20"}},
				map[string][]byte{"file": testpdf.Make(1, "Cong van")})
			if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, `action="/login"`) ||
				!strings.Contains(p.Body, subject) || !strings.Contains(p.Body, "Ghi chú: trình lãnh đạo trước ngày 20") {
				t.Fatalf("upload after the session ended: %d\n%s", p.Status, p.Body)
			}
		})
	}
	if n := e.countDocuments(); n != 0 {
		t.Fatalf("%d documents created by forms posted without a session", n)
	}
}

// TestExpiredUploadReadsLittle: an upload posted without a session whose
// file never ends is answered (the login form) while it is still being
// sent, the server having read only the text before the file.
func TestExpiredUploadReadsLittle(t *testing.T) {
	e := newTestEnv(t)
	head := "--" + bodytest.Boundary + "\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nVề việc tải lên dài vô tận" +
		"\r\n--" + bodytest.Boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
	got := bodytest.Endless(t, Mount(http.NotFoundHandler(), e.ui), "/incoming/new", head, func(*http.Request) {})
	if got.Status != http.StatusUnauthorized || !strings.Contains(string(got.Body), "Về việc tải lên dài vô tận") {
		t.Fatalf("status %d, want the login form with the subject:\n%s", got.Status, got.Body)
	}
	if got.Read > 1<<20 {
		t.Fatalf("server read %d bytes of an upload without a session, want under 1 MiB", got.Read)
	}
}
