package api_test

import (
	"bytes"
	"io"
	"testing"
)

// TestResponseHeaders: every answer says nosniff; every answer under
// /api/v1/ but the OpenAPI document, error answers and the login's token
// included, says no-store. Before: neither header on any JSON answer.
func TestResponseHeaders(t *testing.T) {
	f := newFixture(t, 1<<20)
	tests := []struct {
		name, user, method, path, body string
		status                         int
		noStore                        bool
	}{
		{"list", "clerk", "GET", "/api/v1/documents", "", 200, true},
		{"login token", "", "POST", "/api/v1/auth/login", `{"username":"clerk","password":"password-clerk"}`, 200, true},
		{"no token", "", "GET", "/api/v1/users", "", 401, true},
		{"not found", "clerk", "GET", "/api/v1/documents/nope", "", 404, true},
		{"no such path", "clerk", "GET", "/api/v1/nowhere", "", 404, true},
		{"wrong method", "clerk", "PUT", "/api/v1/documents", "", 405, true},
		{"openapi document", "", "GET", "/api/v1/openapi.yaml", "", 200, false},
		{"health", "", "GET", "/healthz", "", 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			ct := ""
			if tt.body != "" {
				body, ct = bytes.NewReader([]byte(tt.body)), "application/json"
			}
			rec := f.do(t, tt.user, tt.method, tt.path, body, ct)
			if rec.Code != tt.status {
				t.Fatalf("status %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
			got := rec.Header().Get("Cache-Control")
			if tt.noStore && got != "no-store" || !tt.noStore && got != "" {
				t.Errorf("Cache-Control %q, want no-store: %v", got, tt.noStore)
			}
		})
	}
}
