package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestNullClearsOrIsRefused: in PATCH /documents/{id} (JSON and the meta
// part of a multipart revision) and PATCH /users/{id}, null clears a
// field that may be empty, and a field left out stays; a null for a field
// that cannot be cleared is a 400 naming it and changes nothing (before,
// every null was read as "left out": a null meant to clear kept the
// value, and "subject": null was ignored without a word). In a create or
// a layout, null is a field left out.
func TestNullClearsOrIsRefused(t *testing.T) {
	f := newFixture(t, 1<<20)
	meta := f.outgoingMeta()
	meta["notes"], meta["drafting_unit"] = "Ghi chú của chuyên viên", "VP"
	read := func(b []byte) map[string]any {
		var m map[string]any
		json.Unmarshal(b, &m)
		return m
	}
	for _, tc := range []struct {
		name   string
		body   string
		multi  bool
		status int
		field  string         // the 400's field
		want   map[string]any // fields of the answer (nil: absent)
	}{
		{"200/notes cleared", `{"notes":null}`, false, 200, "", map[string]any{"notes": nil, "drafting_unit": "VP"}},
		{"200/drafting unit cleared", `{"drafting_unit":null}`, false, 200, "", map[string]any{"drafting_unit": nil, "notes": "Ghi chú của chuyên viên"}},
		{"200/recipients cleared", `{"recipients":null}`, false, 200, "", map[string]any{"recipients": nil}},
		{"200/left out stays", `{"subject":"Về việc sửa quy chế"}`, false, 200, "", map[string]any{"notes": "Ghi chú của chuyên viên", "drafting_unit": "VP"}},
		{"200/multipart meta", `{"notes":null}`, true, 200, "", map[string]any{"notes": nil}},
		{"400/subject", `{"subject":null}`, false, 400, "subject", nil},
		{"400/subject with another change", `{"notes":"x","subject":null}`, false, 400, "subject", nil},
		{"400/type", `{"type":null}`, false, 400, "type", nil},
		{"400/urgency", `{"urgency":null}`, false, 400, "urgency", nil},
		{"400/confidentiality", `{"confidentiality":null}`, false, 400, "confidentiality", nil},
		{"400/signer", `{"signer_id":null}`, false, 400, "signer_id", nil},
		{"400/retention", `{"retention":null}`, false, 400, "retention", nil},
		{"400/layout", `{"layout":null}`, false, 400, "layout", nil},
		{"400/multipart meta", `{"subject":null}`, true, 400, "subject", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := f.create(t, "handler", meta)
			path := "/api/v1/documents/" + d.ID
			before := f.do(t, "handler", "GET", path, nil, "")
			var rec *httptest.ResponseRecorder
			if tc.multi {
				var m map[string]any
				json.Unmarshal([]byte(tc.body), &m)
				body, ct := multipartBody(t, m, testpdf.Make(1, "du thao sua"))
				rec = f.do(t, "handler", "PATCH", path, body, ct)
			} else {
				rec = f.req(t, "handler", "PATCH", path, tc.body, nil)
			}
			if rec.Code != tc.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.status)
			}
			if tc.status != 200 {
				if e := decodeErr(t, rec); e.Error.Field != tc.field || !strings.Contains(e.Error.Message, "cannot be cleared") {
					t.Fatalf("error %+v, want one on %s", e.Error, tc.field)
				}
				if after := f.do(t, "handler", "GET", path, nil, ""); after.Body.String() != before.Body.String() {
					t.Fatalf("a refused revision changed the draft:\n%s\n%s", before.Body, after.Body)
				}
				return
			}
			got := read(rec.Body.Bytes())
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s: %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

// TestNullInOtherBodies: PATCH /users/{id} clears title and the e-mail
// address with null and refuses it for full_name, roles, disabled and
// the flags; in a create's
// meta and a layout, null is a field left out.
func TestNullInOtherBodies(t *testing.T) {
	f := newFixture(t, 1<<20)
	mail := &workflowtest.MailSettings{}
	f.srv.Mail = mail
	user := "/api/v1/users/" + f.ids["officer"]
	if rec := f.req(t, "admin", "PATCH", user, `{"title":"Chủ tịch","unit":"UBND quận","email":"ct@binhthuy.gov.vn"}`, nil); rec.Code != 200 {
		t.Fatalf("set title: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct {
		body, field string
		status      int
	}{
		{`{"title":null}`, "", 200},
		{`{"full_name":null}`, "full_name", 400},
		{`{"roles":null}`, "roles", 400},
		{`{"disabled":null}`, "disabled", 400},
		{`{"must_change_password":null}`, "must_change_password", 400},
		{`{"notifications":null}`, "notifications", 400},
		{`{"email":null}`, "", 200},
	} {
		t.Run("users/"+tc.body, func(t *testing.T) {
			rec := f.req(t, "admin", "PATCH", user, tc.body, nil)
			if rec.Code != tc.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.status)
			}
			if tc.status == 400 {
				if e := decodeErr(t, rec); e.Error.Field != tc.field {
					t.Fatalf("error %+v, want one on %s", e.Error, tc.field)
				}
				return
			}
			var u map[string]any
			json.Unmarshal(rec.Body.Bytes(), &u)
			if strings.Contains(tc.body, "email") {
				if got := mail.Get(f.ids["officer"]); got.Email != "" {
					t.Fatalf("address %q: want it cleared", got.Email)
				}
			} else if u["title"] != "" || u["unit"] != "UBND quận" {
				t.Fatalf("title %#v unit %#v: want the title cleared, the unit kept", u["title"], u["unit"])
			}
		})
	}
	t.Run("create meta", func(t *testing.T) {
		m := f.outgoingMeta()
		m["layout"] = nil
		body, ct := multipartBody(t, m, testpdf.Make(1, "x"))
		if rec := f.do(t, "handler", "POST", "/api/v1/documents", body, ct); rec.Code != http.StatusCreated {
			t.Fatalf("layout null in a create: %d %s", rec.Code, rec.Body)
		}
	})
	t.Run("layout box", func(t *testing.T) {
		d := f.create(t, "handler", f.outgoingMeta())
		rec := f.req(t, "handler", "PUT", "/api/v1/documents/"+d.ID+"/layout",
			`{"layout":{"signature":null,"number":{"page":1,"x":60,"y":700,"w":90,"h":18},"number_only":true}}`, nil)
		if rec.Code != 200 {
			t.Fatalf("a null box: %d %s", rec.Code, rec.Body)
		}
	})
}
