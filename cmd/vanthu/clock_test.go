package main

import (
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestInjectedClock: the clock given to run reaches the services — a
// session made and checked under it, a document created at its time.
func TestInjectedClock(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	srv := startServerWith(t, options{now: func() time.Time { return at }}, nil)
	admin := srv.login(t, "admin", "admin-password-1")
	if code := admin.call("POST", "/api/v1/users", map[string]any{"username": "hoa", "password": "password-hoa",
		"full_name": "Lê Thị Hoa", "roles": []string{"handler"}}, nil); code != 201 {
		t.Fatalf("create user: %d", code)
	}
	var officer struct{ ID string }
	if code := admin.call("POST", "/api/v1/users", map[string]any{"username": "quyet", "password": "password-quyet",
		"full_name": "Trần Văn Quyết", "title": "Chủ tịch", "roles": []string{"officer"}}, &officer); code != 201 {
		t.Fatalf("create officer: %d", code)
	}
	handler := srv.login(t, "hoa", "password-hoa")
	doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "CV", "subject": "Về việc thử đồng hồ",
		"signer_id": officer.ID},
		testpdf.Make(1, "Về việc thử đồng hồ"))
	if code != 201 {
		t.Fatalf("upload: %d %v", code, doc)
	}
	if got, _ := time.Parse(time.RFC3339Nano, doc["created_at"].(string)); !got.Equal(at) {
		t.Errorf("created_at %v, want the injected clock's %v", doc["created_at"], at)
	}
}
