package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUserPersonalID: an admin gives an official the personal ID number a
// CA's certificate names (create and PATCH), the API says only whether a
// user has one, and PATCH changes just the fields it is given, under the
// rules of auth.Service.UpdateUser.
func TestUserPersonalID(t *testing.T) {
	f := newFixture(t, 1<<20)
	rec := f.json(t, "admin", "POST", "/api/v1/users", map[string]any{"username": "quyet", "password": "12345678",
		"full_name": "Trần Văn Quyết", "roles": []string{"officer"}, "personal_id": " cccd:0920 8000 1234"})
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var u struct {
		ID            string   `json:"id"`
		FullName      string   `json:"full_name"`
		Title         string   `json:"title"`
		Roles         []string `json:"roles"`
		HasPersonalID bool     `json:"has_personal_id"`
	}
	json.Unmarshal(rec.Body.Bytes(), &u)
	if !u.HasPersonalID {
		t.Fatalf("created without its personal ID: %s", rec.Body)
	}
	rec = f.do(t, "clerk", "GET", "/api/v1/users/"+u.ID, nil, "")
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "092080001234") || !strings.Contains(rec.Body.String(), `"has_personal_id":true`) {
		t.Fatalf("GET by a clerk: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct {
		name, user string
		body       map[string]any
		status     int
		code       string
	}{
		{"ClerkCannot", "clerk", map[string]any{"personal_id": "092080001235"}, 403, "forbidden"},
		{"BadNumber", "admin", map[string]any{"personal_id": "0920-8000"}, 400, "invalid"},
		{"TooShort", "admin", map[string]any{"personal_id": "CCCD:123"}, 400, "invalid"},
		{"NoRoles", "admin", map[string]any{"roles": []string{}}, 400, "invalid"},
		{"UnknownField", "admin", map[string]any{"username": "other"}, 400, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.json(t, tc.user, "PATCH", "/api/v1/users/"+u.ID, tc.body)
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != tc.status || e.Error.Code != tc.code {
				t.Fatalf("%d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
		})
	}
	rec = f.json(t, "admin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"title": "Chủ tịch"})
	json.Unmarshal(rec.Body.Bytes(), &u)
	if rec.Code != 200 || u.Title != "Chủ tịch" || u.FullName != "Trần Văn Quyết" || !u.HasPersonalID || len(u.Roles) != 1 {
		t.Fatalf("PATCH title: %d %s", rec.Code, rec.Body)
	}
	rec = f.json(t, "admin", "PATCH", "/api/v1/users/"+u.ID, map[string]any{"personal_id": ""})
	json.Unmarshal(rec.Body.Bytes(), &u)
	if rec.Code != 200 || u.HasPersonalID {
		t.Fatalf("PATCH personal_id empty: %d %s", rec.Code, rec.Body)
	}
	if rec = f.json(t, "admin", "PATCH", "/api/v1/users/nobody", map[string]any{"title": "x"}); rec.Code != 404 {
		t.Fatalf("PATCH of no user: %d %s", rec.Code, rec.Body)
	}
}
