package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestPasswordPage: a user changes their own password on /password,
// linked from every page's header: each mistake comes back beside its
// input with nothing changed, a form without its CSRF token changes
// nothing, and the change ends the user's other sessions but not this one.
func TestPasswordPage(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("vanthu")
	other := e.login("vanthu") // another browser of the same user
	if p := c.get("/"); !strings.Contains(p.Body, `href="/password"`) {
		t.Fatal("the header has no link to the password page")
	}
	p := c.get("/password")
	for _, want := range []string{`name="current_password"`, `name="new_password"`, `name="new_password2"`, `name="csrf_token"`, `autocomplete="current-password"`} {
		if p.Status != http.StatusOK || !strings.Contains(p.Body, want) {
			t.Fatalf("password page: %d, no %s\n%s", p.Status, want, p.Body)
		}
	}
	form := func(current, next, again string) url.Values {
		return url.Values{"current_password": {current}, "new_password": {next}, "new_password2": {again}}
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		input  string // the input the message is beside
		says   string
	}{
		{"ErrWrongCurrent", form("sai-mat-khau", "mat-khau-moi-1", "mat-khau-moi-1"), http.StatusUnauthorized, "current_password", "hiện tại không đúng"},
		{"ErrMismatch", form(testPassword, "mat-khau-moi-1", "mat-khau-moi-2"), http.StatusBadRequest, "new_password2", "không khớp"},
		{"ErrShort", form(testPassword, "ngan", "ngan"), http.StatusBadRequest, "new_password", "ít nhất 8"},
		{"ErrSame", form(testPassword, testPassword, testPassword), http.StatusBadRequest, "new_password", "khác mật khẩu hiện tại"},
	} {
		p := c.post("/password", tc.form)
		if p.Status != tc.status || !strings.Contains(p.Body, `id="`+tc.input+`-error"`) || !strings.Contains(p.Body, tc.says) ||
			!strings.Contains(p.Body, `aria-invalid="true"`) {
			t.Errorf("%s: %d, want %d with the message beside %s\n%s", tc.name, p.Status, tc.status, tc.input, p.Body)
		}
		if strings.Contains(p.Body, "mat-khau-moi") || strings.Contains(p.Body, testPassword) {
			t.Errorf("%s: the page shows a password typed", tc.name)
		}
	}
	f := form(testPassword, "mat-khau-moi-1", "mat-khau-moi-1")
	f.Set("csrf_token", "")
	if p := c.post("/password", f); p.Status != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d, want 403", p.Status)
	}
	if _, _, _, err := e.auth.Login(context.Background(), "vanthu", testPassword); err != nil {
		t.Fatalf("a refused form changed the password: %v", err)
	}
	p = c.post("/password", form(testPassword, "mat-khau-moi-1", "mat-khau-moi-1"))
	if p.Status != http.StatusSeeOther || p.Location != "/?ok=password_changed" {
		t.Fatalf("change: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	if p := c.get(p.Location); p.Status != http.StatusOK || !strings.Contains(p.Body, "Đã đổi mật khẩu") {
		t.Errorf("after the change: %d, no confirmation", p.Status)
	}
	if p := other.get("/"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login") {
		t.Errorf("the other session after the change: %d %q, want the login", p.Status, p.Location)
	}
	if _, _, _, err := e.auth.Login(context.Background(), "vanthu", "mat-khau-moi-1"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

// TestPasswordRequired: a user whose password an admin set is sent to
// the password page after login and from every other page (a form posted
// is not acted on), with the page saying why; logout still works; once
// changed, the page they were sent from.
func TestPasswordRequired(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	u := e.users["chuyenvien"]
	if _, err := e.auth.SetPassword(ctx, e.users["quantri"], u.ID, "mat-khau-tam-1"); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.get("/login")
	p := c.post("/login", url.Values{"username": {"chuyenvien"}, "password": {"mat-khau-tam-1"}, "next": {"/outgoing"}})
	if p.Status != http.StatusSeeOther || p.Location != "/password?next=%2Foutgoing" {
		t.Fatalf("login: %d %q, want the password page", p.Status, p.Location)
	}
	for path, want := range map[string]string{"/": "/password?next=%2F", "/outgoing?state=draft": "/password?next=%2Foutgoing%3Fstate%3Ddraft",
		"/admin": "/password?next=%2Fadmin"} {
		if p := c.get(path); p.Status != http.StatusSeeOther || p.Location != want {
			t.Errorf("GET %s: %d %q, want %q", path, p.Status, p.Location, want)
		}
	}
	p = c.get("/password?next=%2Foutgoing")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "do quản trị viên đặt") {
		t.Fatalf("the password page does not say why: %d\n%s", p.Status, p.Body)
	}
	docs, _, _ := e.docs.List(ctx, e.users["quantri"], workflow.DocumentFilter{})
	if p := c.post("/outgoing/new", url.Values{"subject": {"Công văn thử"}, "type": {"CV"}}); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/password?next=") {
		t.Errorf("a form posted before the change: %d %q, want the password page", p.Status, p.Location)
	}
	if after, _, _ := e.docs.List(ctx, e.users["quantri"], workflow.DocumentFilter{}); len(after) != len(docs) {
		t.Error("a form posted before the change was acted on")
	}
	p = c.post("/password", url.Values{"current_password": {"mat-khau-tam-1"}, "new_password": {"mat-khau-rieng-1"},
		"new_password2": {"mat-khau-rieng-1"}, "next": {"/outgoing"}})
	if p.Status != http.StatusSeeOther || p.Location != "/outgoing?ok=password_changed" {
		t.Fatalf("change: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	if p := c.get("/"); p.Status != http.StatusOK {
		t.Errorf("home after the change: %d %q", p.Status, p.Location)
	}

	// Logout is not held up by the change.
	if _, err := e.auth.SetPassword(ctx, e.users["quantri"], u.ID, "mat-khau-tam-2"); err != nil {
		t.Fatal(err)
	}
	c = e.client()
	c.get("/login")
	c.post("/login", url.Values{"username": {"chuyenvien"}, "password": {"mat-khau-tam-2"}})
	c.get("/password")
	if p := c.post("/logout", nil); p.Status != http.StatusSeeOther || p.Location != "/login" {
		t.Errorf("logout before the change: %d %q", p.Status, p.Location)
	}
}
