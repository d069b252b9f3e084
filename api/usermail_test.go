package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestUserEmail: an admin gives a user an e-mail address (create and
// PATCH); admins and the user see it, others do not; the user turns their
// notifications off themself, and changes nothing else of their own.
func TestUserEmail(t *testing.T) {
	f := newFixture(t, 1<<20)
	mail := &workflowtest.MailSettings{}
	f.srv.Mail = mail
	rec := f.json(t, "admin", "POST", "/api/v1/users", map[string]any{"username": "an", "password": "12345678",
		"roles": []string{"officer"}, "email": " an@binhthuy.gov.vn "})
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"email":"an@binhthuy.gov.vn","notifications":true`) {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var u struct{ ID string }
	json.Unmarshal(rec.Body.Bytes(), &u)
	if got := mail.Get(u.ID); got.Email != "an@binhthuy.gov.vn" || got.Off {
		t.Fatalf("stored %+v", got)
	}
	if rec := f.do(t, "clerk", "GET", "/api/v1/users/"+u.ID, nil, ""); rec.Code != 200 || strings.Contains(rec.Body.String(), "email") ||
		strings.Contains(rec.Body.String(), "notifications") {
		t.Fatalf("GET by a clerk shows the address: %d %s", rec.Code, rec.Body)
	}

	handler := f.ids["handler"]
	for _, tc := range []struct {
		name, user, id string
		body           map[string]any
		status         int
		want           string
	}{
		{"AdminSetsAddress", "admin", handler, map[string]any{"email": "xuly@binhthuy.gov.vn"}, 200, `"email":"xuly@binhthuy.gov.vn","notifications":true`},
		{"NotAnAddress", "admin", handler, map[string]any{"email": "Xử Lý <xuly@binhthuy.gov.vn>"}, 400, `"field":"email"`},
		{"SelfTurnsOff", "handler", handler, map[string]any{"notifications": false}, 200, `"email":"xuly@binhthuy.gov.vn","notifications":false`},
		{"SelfNoOtherField", "handler", handler, map[string]any{"title": "Trưởng phòng", "notifications": true}, 403, "forbidden"},
		{"NotAnother", "clerk", handler, map[string]any{"notifications": true}, 403, "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.json(t, tc.user, "PATCH", "/api/v1/users/"+tc.id, tc.body)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("%d %s, want %d with %s", rec.Code, rec.Body, tc.status, tc.want)
			}
		})
	}
	if got := mail.Get(handler); got.Email != "xuly@binhthuy.gov.vn" || !got.Off {
		t.Errorf("stored %+v, want the address with notifications off", got)
	}
	if rec := f.do(t, "handler", "GET", "/api/v1/users/"+handler, nil, ""); !strings.Contains(rec.Body.String(), `"notifications":false`) {
		t.Errorf("the user's own GET: %s", rec.Body)
	}
	// Each change audited, by whoever made it; the refused one not.
	want := [][3]string{{f.ids["admin"], u.ID, "email"}, {f.ids["admin"], handler, "email"}, {handler, handler, "notifications"}}
	evs := mail.Events()
	if len(evs) != len(want) {
		t.Fatalf("audit events %+v, want %d", evs, len(want))
	}
	for i, w := range want {
		if evs[i].Kind != workflow.EventUser || evs[i].Actor != w[0] || evs[i].Data["updated_user"] != w[1] || evs[i].Data["changed"] != w[2] {
			t.Errorf("event %d %+v, want %v", i, evs[i], w)
		}
	}
}
