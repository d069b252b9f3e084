package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestUsersWaiting: GET /users tells an admin, for every user, how many
// documents wait for them by name (waiting: an official's drafts to
// review or sign, a handler's incoming documents assigned or in
// progress, zeros for the others), counted once for the whole list; the
// other roles get the list without it. Through apitest.Validating.
func TestUsersWaiting(t *testing.T) {
	var counted *workflowtest.WaitingCounted
	f := newFixtureWith(t, 10<<20, func(s *workflow.Service) {
		counted = &workflowtest.WaitingCounted{Repository: s.Repo.(*workflowtest.Repository)}
		s.Repo = counted
	})
	for range 2 {
		d := f.create(t, "handler", f.outgoingMeta())
		if rec := f.json(t, "handler", "POST", "/api/v1/documents/"+d.ID+"/actions/submit", nil); rec.Code != http.StatusOK {
			t.Fatalf("submit: %d %s", rec.Code, rec.Body)
		}
	}
	letter := f.create(t, "clerk", incomingMeta())
	for _, step := range []struct {
		user, action string
		body         map[string]any
	}{{"clerk", "register", nil}, {"clerk", "assign", map[string]any{"assignee_id": f.ids["handler"]}}} {
		if rec := f.json(t, step.user, "POST", "/api/v1/documents/"+letter.ID+"/actions/"+step.action, step.body); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", step.action, rec.Code, rec.Body)
		}
	}
	list := func(who string) map[string]api.UserJSON {
		t.Helper()
		rec := f.do(t, who, http.MethodGet, "/api/v1/users", nil, "")
		var out struct{ Items []api.UserJSON }
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
			t.Fatalf("GET /users as %s: %d %s", who, rec.Code, rec.Body)
		}
		byName := map[string]api.UserJSON{}
		for _, u := range out.Items {
			byName[u.Username] = u
		}
		return byName
	}
	before := counted.Calls.Load()
	users := list("admin")
	if n := counted.Calls.Load() - before; n != 1 {
		t.Errorf("the list of %d users counted the waiting work %d times, want once", len(users), n)
	}
	want := map[string]api.WaitingJSON{"officer": {Officer: 2}, "handler": {Handler: 1}, "clerk": {}, "admin": {}, "archivist": {}}
	for name, w := range want {
		if got := users[name].Waiting; got == nil || *got != w {
			t.Errorf("%s waiting %+v, want %+v", name, got, w)
		}
	}
	for _, who := range []string{"clerk", "officer", "handler", "archivist"} {
		before := counted.Calls.Load()
		for name, u := range list(who) {
			if u.Waiting != nil {
				t.Errorf("%s sees what waits for %s: %+v", who, name, u.Waiting)
			}
		}
		if n := counted.Calls.Load() - before; n != 0 {
			t.Errorf("%s's list counted the waiting work %d times", who, n)
		}
	}
}
