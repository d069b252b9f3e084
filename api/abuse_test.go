package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
)

func TestLoginThrottled429(t *testing.T) {
	f := newFixture(t, 1<<20)
	login := func(addr, user, pw string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(`{"username":"`+user+`","password":"`+pw+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr + ":40000"
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		return rec
	}
	for i := range 6 {
		if rec := login("192.0.2.10", "clerk", "wrong"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := login("192.0.2.10", "clerk", "password-clerk")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("right password while locked: %d %s, want 429", rec.Code, rec.Body)
	}
	if s, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || s < 1 || s > 30 {
		t.Errorf("Retry-After %q, want 1..30 seconds", rec.Header().Get("Retry-After"))
	}
	var body api.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "too_many_requests" {
		t.Errorf("body %s, want code too_many_requests", rec.Body)
	}
	if rec := login("198.51.100.7", "officer", "password-officer"); rec.Code != http.StatusOK {
		t.Fatalf("another account from another address: %d %s", rec.Code, rec.Body)
	}
}
