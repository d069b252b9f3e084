package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// req sends a request as user with extra headers (If-Match...), checked
// against openapi.yaml like every other.
func (f *fixture) req(t *testing.T, user, method, path, body string, h map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, bytes.NewReader([]byte(body)))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+f.tokens[user])
	for k, v := range h {
		r.Header.Add(k, v)
	}
	rec := httptest.NewRecorder()
	apitest.Validating(t, f.srv).ServeHTTP(rec, r)
	return rec
}

// etagForm is the form of a document's ETag: its version and the hash of
// the caller's actions.
var etagForm = regexp.MustCompile(`^"v[1-9][0-9]*-[0-9a-f]{8}"$`)

// TestETagOnEveryDocumentAnswer: the create, the GET, a transition, a
// revision and a layout correction each answer the document with a
// strong ETag of its version and the caller's actions — the same tag a
// GET by the same user then answers.
func TestETagOnEveryDocumentAnswer(t *testing.T) {
	f := newFixture(t, 1<<20)
	d := f.create(t, "handler", f.outgoingMeta())
	path := "/api/v1/documents/" + d.ID
	layout := `{"layout":{"number":{"page":1,"x":60,"y":700,"w":90,"h":18},"number_only":true}}`
	for _, tc := range []struct {
		name, user, method, path, body, version string
	}{
		{"GET", "handler", "GET", path, "", `"v1-`},
		{"PATCH", "handler", "PATCH", path, `{"subject":"Về việc sửa quy chế"}`, `"v2-`},
		{"PUT layout", "handler", "PUT", path + "/layout", layout, `"v3-`},
		{"action", "handler", "POST", path + "/actions/submit", "", `"v4-`},
		{"GET after", "officer", "GET", path, "", `"v4-`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.req(t, tc.user, tc.method, tc.path, tc.body, nil)
			tag := rec.Header().Get("ETag")
			if rec.Code != http.StatusOK || !etagForm.MatchString(tag) || !strings.HasPrefix(tag, tc.version) {
				t.Fatalf("%d ETag %q, want 200 %s…: %s", rec.Code, tag, tc.version, rec.Body)
			}
			if got := f.req(t, tc.user, "GET", path, "", nil).Header().Get("ETag"); got != tag {
				t.Fatalf("answer's ETag %q, a GET's then %q", tag, got)
			}
		})
	}
	body, ct := multipartBody(t, f.outgoingMeta(), testpdf.Make(1, "x"))
	if rec := f.do(t, "handler", "POST", "/api/v1/documents", body, ct); rec.Code != http.StatusCreated || !strings.HasPrefix(rec.Header().Get("ETag"), `"v1-`) {
		t.Errorf("create: %d ETag %q, want 201 \"v1-…\"", rec.Code, rec.Header().Get("ETag"))
	}
}

// TestIfNoneMatch: a GET whose If-None-Match names the answer's current
// tag (strong or weak, in a list, or *) is a 304 with the ETag and no
// body; any other tag gets the document — the version alone, or the same
// version with other actions, too.
func TestIfNoneMatch(t *testing.T) {
	f := newFixture(t, 1<<20)
	d := f.create(t, "handler", f.outgoingMeta())
	cur := f.req(t, "handler", "GET", "/api/v1/documents/"+d.ID, "", nil).Header().Get("ETag")
	officers := f.req(t, "officer", "GET", "/api/v1/documents/"+d.ID, "", nil).Header().Get("ETag")
	for _, tc := range []struct {
		name, inm string
		status    int
	}{
		{"304/current", cur, http.StatusNotModified},
		{"304/weak", "W/" + cur, http.StatusNotModified},
		{"304/in a list", `"v7-00000000", ` + cur, http.StatusNotModified},
		{"304/star", `*`, http.StatusNotModified},
		{"200/version alone", `"v1"`, http.StatusOK},
		{"200/same version, another user's actions", officers, http.StatusOK},
		{"200/other version", `"v2"`, http.StatusOK},
		{"200/foreign tag", `"abc"`, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.req(t, "handler", "GET", "/api/v1/documents/"+d.ID, "", map[string]string{"If-None-Match": tc.inm})
			if rec.Code != tc.status || rec.Header().Get("ETag") != cur {
				t.Fatalf("%d ETag %q, want %d %s", rec.Code, rec.Header().Get("ETag"), tc.status, cur)
			}
			if tc.status == http.StatusNotModified && rec.Body.Len() != 0 {
				t.Fatalf("304 with a body: %s", rec.Body)
			}
		})
	}
}

// TestETagFollowsTheCallersActions: two users who may take different
// actions on the same version get different tags (a cache they share
// cannot give one the other's allowed_actions), and a user whose roles
// changed gets the document again, not a 304 with the actions of before;
// a change sent with the tag of before is still judged by the version
// alone — made while the document is at it, 412 once it moved on.
func TestETagFollowsTheCallersActions(t *testing.T) {
	f := newFixture(t, 1<<20)
	d := f.create(t, "clerk", incomingMeta())
	path := "/api/v1/documents/" + d.ID
	get := func(user, inm string) (*httptest.ResponseRecorder, api.DocumentJSON) {
		t.Helper()
		rec := f.req(t, user, "GET", path, "", map[string]string{"If-None-Match": inm})
		var got api.DocumentJSON
		if rec.Code == http.StatusOK {
			json.Unmarshal(rec.Body.Bytes(), &got)
		}
		return rec, got
	}
	clerk, cd := get("clerk", "")
	before, od := get("officer", "")
	if clerk.Header().Get("ETag") == before.Header().Get("ETag") || slices.Equal(cd.AllowedActions, od.AllowedActions) {
		t.Fatalf("clerk %s %v and officer %s %v: want different actions and tags", clerk.Header().Get("ETag"), cd.AllowedActions, before.Header().Get("ETag"), od.AllowedActions)
	}
	tag := before.Header().Get("ETag")
	if rec, _ := get("officer", tag); rec.Code != http.StatusNotModified {
		t.Fatalf("officer's own tag: %d, want 304", rec.Code)
	}
	if rec := f.json(t, "admin", "PATCH", "/api/v1/users/"+f.ids["officer"], map[string]any{"roles": []string{"officer", "clerk"}}); rec.Code != http.StatusOK {
		t.Fatalf("role change: %d %s", rec.Code, rec.Body)
	}
	rec, now := get("officer", tag)
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == tag || !slices.Contains(now.AllowedActions, "register") {
		t.Fatalf("after the role change, with the tag of before: %d ETag %q actions %v, want 200, a new tag, register allowed", rec.Code, rec.Header().Get("ETag"), now.AllowedActions)
	}
	if rec := f.req(t, "officer", "POST", path+"/actions/register", "", map[string]string{"If-Match": tag}); rec.Code != http.StatusOK {
		t.Fatalf("register with the tag of before, the version unchanged: %d %s, want 200", rec.Code, rec.Body)
	}
	rec = f.req(t, "officer", "POST", path+"/actions/assign", `{"assignee_id":"`+f.ids["handler"]+`"}`, map[string]string{"If-Match": tag})
	if rec.Code != http.StatusPreconditionFailed {
		t.Fatalf("assign with the tag of version 1, now at 2: %d %s, want 412", rec.Code, rec.Body)
	}
}

// TestIfMatch: a transition, a revision or a layout correction with
// If-Match naming the current version is made; with one naming none it
// is a 412 precondition_failed that changes nothing — also when the
// document has moved on to a state where the action is illegal, which
// without If-Match is the 409 it always was; If-Match and a body version
// that disagree are a 400 on version; an unknown document stays a 404.
func TestIfMatch(t *testing.T) {
	f := newFixture(t, 1<<20)
	layout := `{"layout":{"number":{"page":1,"x":60,"y":700,"w":90,"h":18},"number_only":true}}`
	for _, tc := range []struct {
		name        string
		submitFirst bool // the document is submitted (v2) before the request
		user, route string
		body        string
		ifMatch     string
		status      int
		code, field string
	}{
		{"200/submit at v1", false, "handler", "/actions/submit", "", `"v1"`, 200, "", ""},
		{"200/star", false, "handler", "/actions/submit", "", `*`, 200, "", ""},
		{"200/one of a list", false, "handler", "/actions/submit", "", `"v7", "v1"`, 200, "", ""},
		{"200/body agrees", false, "handler", "/actions/submit", `{"version":1}`, `"v1"`, 200, "", ""},
		{"200/body one of a list", false, "handler", "/actions/submit", `{"version":1}`, `"v3", "v1"`, 200, "", ""},
		{"200/tag with actions", false, "handler", "/actions/submit", "", `"v1-0123abcd"`, 200, "", ""},
		{"200/another user's tag, same version", false, "handler", "/actions/submit", "", `"v1-ffffffff"`, 200, "", ""},
		{"200/body agrees with a tag with actions", false, "handler", "/actions/submit", `{"version":1}`, `"v1-0123abcd"`, 200, "", ""},
		{"412/tag with actions, old version", false, "handler", "/actions/submit", "", `"v2-0123abcd"`, 412, "precondition_failed", ""},
		{"412/tag with a bad hash", false, "handler", "/actions/submit", "", `"v1-xyz"`, 412, "precondition_failed", ""},
		{"412/weak tag with actions", false, "handler", "/actions/submit", "", `W/"v1-0123abcd"`, 412, "precondition_failed", ""},
		{"412/submit at v2", false, "handler", "/actions/submit", "", `"v2"`, 412, "precondition_failed", ""},
		{"412/weak tag", false, "handler", "/actions/submit", "", `W/"v1"`, 412, "precondition_failed", ""},
		{"412/foreign tag", false, "handler", "/actions/submit", "", `"abc"`, 412, "precondition_failed", ""},
		{"412/none of a list", false, "handler", "/actions/submit", "", `"v7", "v8"`, 412, "precondition_failed", ""},
		{"400/body disagrees", false, "handler", "/actions/submit", `{"version":2}`, `"v1"`, 400, "invalid", "version"},
		{"412/approve, changed since", true, "officer", "/actions/approve", "", `"v1"`, 412, "precondition_failed", ""},
		{"412/submit again, now illegal", true, "handler", "/actions/submit", "", `"v1"`, 412, "precondition_failed", ""},
		{"409/illegal, no If-Match", true, "handler", "/actions/submit", "", "", 409, "illegal_transition", ""},
		{"409/stale body version, no If-Match", true, "officer", "/actions/approve", `{"version":1}`, "", 409, "conflict", ""},
		{"200/approve at v2", true, "officer", "/actions/approve", "", `"v2"`, 200, "", ""},
		{"200/PATCH at v1", false, "handler", "", `{"subject":"Về việc sửa quy chế"}`, `"v1"`, 200, "", ""},
		{"412/PATCH at v2", false, "handler", "", `{"subject":"Về việc sửa quy chế"}`, `"v2"`, 412, "precondition_failed", ""},
		{"400/PATCH body disagrees", false, "handler", "", `{"subject":"Về việc sửa quy chế","version":3}`, `"v1"`, 400, "invalid", "version"},
		{"200/layout at v1", false, "handler", "/layout", layout, `"v1"`, 200, "", ""},
		{"412/layout at v5", false, "handler", "/layout", layout, `"v5"`, 412, "precondition_failed", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := f.create(t, "handler", f.outgoingMeta())
			path := "/api/v1/documents/" + d.ID
			if tc.submitFirst {
				if rec := f.req(t, "handler", "POST", path+"/actions/submit", "", nil); rec.Code != 200 {
					t.Fatalf("submit: %d %s", rec.Code, rec.Body)
				}
			}
			method := map[string]string{"": "PATCH", "/layout": "PUT"}[tc.route]
			if method == "" {
				method = "POST"
			}
			h := map[string]string{}
			if tc.ifMatch != "" {
				h["If-Match"] = tc.ifMatch
			}
			before := f.req(t, "handler", "GET", path, "", nil)
			rec := f.req(t, tc.user, method, path+tc.route, tc.body, h)
			if rec.Code != tc.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, tc.status)
			}
			after := f.req(t, "handler", "GET", path, "", nil)
			if tc.status == 200 {
				var got api.DocumentJSON
				json.Unmarshal(rec.Body.Bytes(), &got)
				now := f.req(t, tc.user, "GET", path, "", nil).Header().Get("ETag")
				if rec.Header().Get("ETag") != now || got.Version <= 1 {
					t.Fatalf("answer ETag %q version %d, the document's now %q", rec.Header().Get("ETag"), got.Version, now)
				}
				return
			}
			if e := decodeErr(t, rec); e.Error.Code != tc.code || e.Error.Field != tc.field {
				t.Fatalf("error %+v, want %s on %q", e.Error, tc.code, tc.field)
			}
			if !bytes.Equal(before.Body.Bytes(), after.Body.Bytes()) {
				t.Fatalf("a refused request changed the document:\n%s\n%s", before.Body, after.Body)
			}
		})
	}
	if rec := f.req(t, "handler", "POST", "/api/v1/documents/d-nothere/actions/submit", "", map[string]string{"If-Match": `"v1"`}); rec.Code != 404 {
		t.Errorf("unknown document with If-Match: %d %s, want 404", rec.Code, rec.Body)
	}
}
