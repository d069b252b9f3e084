package api_test

import (
	"encoding/json"
	"testing"
)

// TestReassign: POST /users/{id}/reassign passes an official's drafts
// waiting for his approval to another official, each version bumped and
// its history saying so; the refusals are the documented errors and move
// nothing.
func TestReassign(t *testing.T) {
	f := newFixture(t, 1<<20)
	rec := f.json(t, "admin", "POST", "/api/v1/users", map[string]any{"username": "phochutich", "password": "12345678",
		"full_name": "Lê Văn Phó", "roles": []string{"officer"}})
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var other struct{ ID string }
	json.Unmarshal(rec.Body.Bytes(), &other)
	var drafts []string
	for range 2 {
		d := f.create(t, "handler", f.outgoingMeta())
		if rec := f.json(t, "handler", "POST", "/api/v1/documents/"+d.ID+"/actions/submit", map[string]any{}); rec.Code != 200 {
			t.Fatalf("submit: %d %s", rec.Code, rec.Body)
		}
		drafts = append(drafts, d.ID)
	}
	path := "/api/v1/users/" + f.ids["officer"] + "/reassign"
	for _, tc := range []struct {
		name, user, path string
		body             any
		status           int
		code, field      string
	}{
		{"403/clerk, an official's", "clerk", path, map[string]any{"role": "officer", "to": other.ID}, 403, "forbidden", ""},
		{"403/handler", "handler", path, map[string]any{"role": "officer", "to": other.ID}, 403, "forbidden", ""},
		{"400/to not an official", "admin", path, map[string]any{"role": "officer", "to": f.ids["handler"]}, 400, "invalid", "to"},
		{"400/to himself", "admin", path, map[string]any{"role": "officer", "to": f.ids["officer"]}, 400, "invalid", "to"},
		{"400/to nobody", "admin", path, map[string]any{"role": "officer", "to": "nobody"}, 400, "invalid", "to"},
		{"400/role of nobody", "admin", path, map[string]any{"role": "clerk", "to": other.ID}, 400, "invalid", "role"},
		{"404/unknown user", "admin", "/api/v1/users/nobody/reassign", map[string]any{"role": "officer", "to": other.ID}, 404, "not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.json(t, tc.user, "POST", tc.path, tc.body)
			e := decodeErr(t, rec)
			if rec.Code != tc.status || e.Error.Code != tc.code || e.Error.Field != tc.field {
				t.Fatalf("%d %s, want %d %s on %q", rec.Code, rec.Body, tc.status, tc.code, tc.field)
			}
		})
	}
	rec = f.json(t, "admin", "POST", path, map[string]any{"role": "officer", "to": other.ID})
	var res struct {
		Moved     int      `json:"moved"`
		Documents []string `json:"documents"`
	}
	json.Unmarshal(rec.Body.Bytes(), &res)
	if rec.Code != 200 || res.Moved != 2 || len(res.Documents) != 2 {
		t.Fatalf("reassign: %d %s, want 2 moved", rec.Code, rec.Body)
	}
	for _, id := range drafts {
		rec := f.do(t, "admin", "GET", "/api/v1/documents/"+id, nil, "")
		var d struct {
			SignerID string `json:"signer_id"`
			Version  int    `json:"version"`
		}
		json.Unmarshal(rec.Body.Bytes(), &d)
		if d.SignerID != other.ID || d.Version != 3 {
			t.Errorf("%s: signer %s, version %d; want %s, 3", id, d.SignerID, d.Version, other.ID)
		}
		rec = f.do(t, "admin", "GET", "/api/v1/documents/"+id+"/events", nil, "")
		var evs struct {
			Items []struct {
				Kind string
				Data map[string]string
			}
		}
		json.Unmarshal(rec.Body.Bytes(), &evs)
		if n := len(evs.Items); n == 0 || evs.Items[n-1].Kind != "reassigned" || evs.Items[n-1].Data["to"] != other.ID {
			t.Errorf("%s: history %s, want a reassigned event last", id, rec.Body)
		}
	}
	rec = f.json(t, "admin", "POST", path, map[string]any{"role": "officer", "to": other.ID})
	if rec.Code != 200 || rec.Body.String() != "{\"moved\":0,\"documents\":[]}\n" {
		t.Errorf("again: %d %s, want nothing moved", rec.Code, rec.Body)
	}
}

// TestReassignByClerk: a clerk passes a handler's assigned document to
// another handler, who may then start it.
func TestReassignByClerk(t *testing.T) {
	f := newFixture(t, 1<<20)
	rec := f.json(t, "admin", "POST", "/api/v1/users", map[string]any{"username": "chuyenvien2", "password": "12345678", "roles": []string{"handler"}})
	var other struct{ ID string }
	json.Unmarshal(rec.Body.Bytes(), &other)
	d := f.create(t, "clerk", incomingMeta())
	for _, step := range []struct {
		a    string
		body map[string]any
	}{{"register", map[string]any{}}, {"assign", map[string]any{"assignee_id": f.ids["handler"]}}} {
		if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+d.ID+"/actions/"+step.a, step.body); rec.Code != 200 {
			t.Fatalf("%s: %d %s", step.a, rec.Code, rec.Body)
		}
	}
	rec = f.json(t, "clerk", "POST", "/api/v1/users/"+f.ids["handler"]+"/reassign", map[string]any{"role": "handler", "to": other.ID})
	if rec.Code != 200 {
		t.Fatalf("reassign by the clerk: %d %s", rec.Code, rec.Body)
	}
	var got struct {
		AssigneeID string `json:"assignee_id"`
	}
	json.Unmarshal(f.do(t, "clerk", "GET", "/api/v1/documents/"+d.ID, nil, "").Body.Bytes(), &got)
	if got.AssigneeID != other.ID {
		t.Errorf("assignee %s, want %s", got.AssigneeID, other.ID)
	}
}
