package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// goInternals are words of Go's own decoding errors that an answer
// must not show: the type a body was read into is the server's business.
var goInternals = regexp.MustCompile(`Go struct|Go value|api\.|workflow\.|[a-z]+Request\b|json:`)

// TestJSONBodyRefusals sends JSON bodies a careless or hostile client
// sends (found by a probe of every route, as the README says): each is
// refused with the fitting status, the field at fault, and a message in
// the API's terms. Before: a wrong type was 400 with no field and Go's
// "cannot unmarshal bool into Go struct field updateUserRequest.full_name
// of type string"; null was taken for an empty request (PATCH 200, a
// login counted as failed: 401); text/plain was read as JSON (PATCH 200);
// a body past 1 MiB was 400.
func TestJSONBodyRefusals(t *testing.T) {
	f := newFixture(t, 1<<20)
	d := f.create(t, "handler", f.outgoingMeta())
	user := "/api/v1/users/" + f.ids["handler"]
	action := "/api/v1/documents/" + d.ID + "/actions/submit"
	tests := []struct {
		name, user, method, path, ct, body string
		status                             int
		code, field, msg                   string
	}{
		{"400/bool for string", "admin", "PATCH", user, "application/json", `{"full_name":true}`, 400, "invalid", "full_name", "full_name must be a string, not true or false"},
		{"400/array for bool", "admin", "PATCH", user, "application/json", `{"disabled":[1]}`, 400, "invalid", "disabled", "disabled must be true or false, not an array"},
		{"400/string for array", "admin", "PATCH", user, "application/json", `{"roles":"admin"}`, 400, "invalid", "roles", "roles must be an array, not a string"},
		{"400/object for string", "", "POST", "/api/v1/auth/login", "application/json", `{"username":{},"password":"x"}`, 400, "invalid", "username", "username must be a string, not an object"},
		{"400/number for string", "handler", "POST", action, "application/json", `{"comment":5}`, 400, "invalid", "comment", "comment must be a string, not a number"},
		{"400/number out of range", "handler", "POST", action, "application/json", `{"version":1e300}`, 400, "invalid", "version", "the number 1e300"},
		{"400/unknown field", "admin", "PATCH", user, "application/json", `{"nickname":"x"}`, 400, "invalid", "nickname", `unknown field "nickname"`},
		{"400/field twice", "admin", "PATCH", user, "application/json", `{"disabled":true,"disabled":false}`, 400, "invalid", "disabled", `field "disabled" is given twice`},
		{"400/field twice, case", "admin", "POST", "/api/v1/users", "application/json", `{"username":"x","password":"mat-khau-tam","roles":["handler"],"Roles":["admin"]}`, 400, "invalid", "Roles", `field "Roles" is given twice`},
		{"400/login twice", "", "POST", "/api/v1/auth/login", "application/json", `{"username":"admin","username":"x","password":"x"}`, 400, "invalid", "username", "given twice"},
		{"400/null body", "admin", "PATCH", user, "application/json", `null`, 400, "invalid", "", "must be a JSON object, not null"},
		{"400/null login", "", "POST", "/api/v1/auth/login", "application/json", ` null`, 400, "invalid", "", "must be a JSON object, not null"},
		{"400/array body", "handler", "PUT", "/api/v1/documents/" + d.ID + "/layout", "application/json", `[{"layout":{}}]`, 400, "invalid", "", "must be a JSON object, not an array"},
		{"400/string body", "admin", "POST", "/api/v1/users", "application/json", `"admin"`, 400, "invalid", "", "must be a JSON object, not a string"},
		{"400/ends early", "admin", "PATCH", user, "application/json", `{"title":`, 400, "invalid", "", "ends inside the value"},
		{"400/syntax", "admin", "PATCH", user, "application/json", `{"title" "x"}`, 400, "invalid", "", "not valid JSON"},
		{"400/empty", "admin", "PATCH", user, "application/json", ``, 400, "invalid", "", "empty"},
		{"413/past 1 MiB", "admin", "PATCH", user, "application/json", `{"title":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "too_large", "", "1 MiB"},
		{"415/text/plain", "admin", "PATCH", user, "text/plain", `{"title":"Chủ tịch"}`, 415, "unsupported_media_type", "", "application/json"},
		{"415/xml", "admin", "POST", "/api/v1/users", "application/xml", `<user/>`, 415, "unsupported_media_type", "", "application/json"},
		{"415/unparsable type", "handler", "POST", action, `application/json; charset="x`, `{}`, 415, "unsupported_media_type", "", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, tt.user, tt.method, tt.path, strings.NewReader(tt.body), tt.ct)
			if rec.Code != tt.status {
				t.Fatalf("status %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			e := decodeErr(t, rec)
			if e.Error.Code != tt.code || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.msg) {
				t.Errorf("error %+v, want code %s, field %q, message with %q", e.Error, tt.code, tt.field, tt.msg)
			}
			if goInternals.MatchString(e.Error.Message) {
				t.Errorf("message %q shows the server's Go types", e.Error.Message)
			}
		})
	}
}

// TestJSONBodyTypesTaken: the types a JSON body is read under. curl -d
// sends application/x-www-form-urlencoded unless told otherwise (the
// README's examples do so), and a client may send none: both are read as
// JSON. (Served unvalidated: the document lists application/json only.)
func TestJSONBodyTypesTaken(t *testing.T) {
	f := newFixture(t, 1<<20)
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "application/merge-patch+json", ""} {
		req := httptest.NewRequest("PATCH", "/api/v1/users/"+f.ids["handler"], strings.NewReader(`{"title":"Chuyên viên"}`))
		req.Header.Set("Authorization", "Bearer "+f.tokens["admin"])
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("Content-Type %q: %d %s, want 200", ct, rec.Code, rec.Body)
		}
	}
}

// TestMetaPartRefusals: the meta part of POST /documents is refused as a
// JSON body is, naming the field (nested as the API names it).
func TestMetaPartRefusals(t *testing.T) {
	f := newFixture(t, 1<<20)
	pdf := testpdf.Make(1, "vanthu meta")
	tests := []struct {
		name  string
		meta  string
		field string
		msg   string
	}{
		{"nested field", `{"direction":"incoming","sender":{"org_id":5}}`, "sender.org_id", "sender.org_id must be a string, not a number"},
		{"array element", `{"direction":"incoming","recipients":[1]}`, "recipients", "must be an object, not a number"},
		{"wrong type", `{"direction":"incoming","subject":["a"]}`, "subject", "subject must be a string, not an array"},
		{"nested unknown field", `{"direction":"incoming","sender":{"org_id":"000.00.00.H13","fax":"1"}}`, "sender.fax", `unknown field "sender.fax" in part meta`},
		{"unknown field in an element", `{"direction":"incoming","recipients":[{"org_id":"000.00.00.H13","fax":"1"}]}`, "recipients", `unknown field "recipients.0.fax"`},
		// The decoder kept the last: a document marked Tối mật, then thường, was created thường.
		{"field twice", `{"direction":"outgoing","confidentiality":"secret","confidentiality":"normal"}`, "confidentiality", `field "confidentiality" is given twice in part meta`},
		{"nested field twice", `{"direction":"incoming","sender":{"org_id":"000.00.00.H13","name":"A","name":"B"}}`, "sender.name", `field "sender.name" is given twice`},
		{"twice in an element", `{"direction":"outgoing","recipients":[{"org_id":"000.00.00.H13","name":"A"},{"org_id":"000.00.00.H13","org_id":"x","name":"B"}]}`, "recipients", `"recipients.1.org_id" is given twice`},
		{"null", `null`, "", "part meta must be a JSON object, not null"},
		{"array", `[]`, "", "part meta must be a JSON object, not an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartBody(t, json.RawMessage(tt.meta), pdf)
			rec := f.do(t, "clerk", "POST", "/api/v1/documents", body, ct)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d %s, want 400", rec.Code, rec.Body)
			}
			e := decodeErr(t, rec)
			if e.Error.Code != "invalid" || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.msg) {
				t.Errorf("error %+v, want field %q, message with %q", e.Error, tt.field, tt.msg)
			}
			if goInternals.MatchString(e.Error.Message) {
				t.Errorf("message %q shows the server's Go types", e.Error.Message)
			}
		})
	}
}

// TestQueryRefusalsNameTheParameter: a query parameter out of range is
// 400 with field naming it (it had none: "limit must be a number from 1
// to 200" and no field).
func TestQueryRefusalsNameTheParameter(t *testing.T) {
	f := newFixture(t, 1<<20)
	tests := []struct{ path, field string }{
		{"/api/v1/documents?limit=-1", "limit"},
		{"/api/v1/documents?limit=1000000000000", "limit"},
		{"/api/v1/documents?direction=sideways", "direction"},
		{"/api/v1/documents?state=recieved", "state"},
		{"/api/v1/documents?from=2026-02-30", "from"},
		{"/api/v1/documents?from=2026-12-31&to=2026-01-01", "to"},
		{"/api/v1/registers/outgoing/2026?month=13", "month"},
		{"/api/v1/registers/outgoing/2026?format=xlsx", "format"},
		{"/api/v1/reports/reform?format=xlsx", "format"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := f.do(t, "clerk", "GET", tt.path, nil, "")
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d %s, want 400", rec.Code, rec.Body)
			}
			if e := decodeErr(t, rec); e.Error.Field != tt.field {
				t.Errorf("field %q (%s), want %q", e.Error.Field, e.Error.Message, tt.field)
			}
		})
	}
}
