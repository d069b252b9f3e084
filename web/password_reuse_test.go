package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPasswordPageRefusesReuse: on /password a user cannot go back to one
// of their last 5 passwords: the page says so in Vietnamese beside the
// new password, and nothing changes.
func TestPasswordPageRefusesReuse(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("vanthu")
	change := func(current, next string) page {
		return c.post("/password", url.Values{"current_password": {current}, "new_password": {next}, "new_password2": {next}})
	}
	if p := change(testPassword, "mat-khau-moi-1"); p.Status != http.StatusSeeOther {
		t.Fatalf("first change: %d\n%s", p.Status, p.Body)
	}
	p := change("mat-khau-moi-1", testPassword)
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "không được trùng với 5 mật khẩu gần nhất") ||
		!strings.Contains(p.Body, `id="new_password-error"`) {
		t.Fatalf("back to the previous password: %d\n%s", p.Status, p.Body)
	}
	if _, _, _, err := e.auth.Login(t.Context(), "vanthu", "mat-khau-moi-1"); err != nil {
		t.Fatalf("the refused change changed the password: %v", err)
	}
}
