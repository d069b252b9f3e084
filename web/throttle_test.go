package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLoginFormThrottled: the login form is throttled like the API's
// login (the same auth.Service): after repeated wrong passwords even the
// right one gets 429 with Retry-After and a Vietnamese message.
func TestLoginFormThrottled(t *testing.T) {
	e := newTestEnv(t)
	c := e.client()
	c.get("/login")
	for range 6 {
		if p := c.post("/login", url.Values{"username": {"luutru"}, "password": {"sai-mat-khau"}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", p.Status)
		}
	}
	p := c.post("/login", url.Values{"username": {"luutru"}, "password": {testPassword}})
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" || !strings.Contains(p.Body, "đăng nhập sai quá nhiều lần") ||
		!strings.Contains(p.Body, "nhờ quản trị hệ thống mở tạm khóa") {
		t.Fatalf("right password while locked: %d, Retry-After %q", p.Status, p.Header.Get("Retry-After"))
	}
	if p := e.login("vanthu"); p == nil {
		t.Fatal("another account cannot log in")
	}
}
