package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// allowedDocs answers every route with one document; Available is the
// configured service's.
type allowedDocs struct {
	api.Documents // a *workflow.Service
	doc           *workflow.Document
}

func (a *allowedDocs) Get(context.Context, *workflow.User, string) (*workflow.Document, error) {
	return a.doc, nil
}

func (a *allowedDocs) List(context.Context, *workflow.User, workflow.DocumentFilter) ([]*workflow.Document, string, error) {
	return []*workflow.Document{a.doc, a.doc}, "", nil
}

func (a *allowedDocs) Apply(context.Context, *workflow.User, string, workflow.Action, workflow.ActionInput) (*workflow.Document, error) {
	return a.doc, nil
}

func (a *allowedDocs) SetLayout(context.Context, *workflow.User, string, int, *workflow.Layout) (*workflow.Document, error) {
	return a.doc, nil
}

// allowedExchange answers the revocation routes with the same document.
type allowedExchange struct {
	api.Exchange
	docs *allowedDocs
}

func (x allowedExchange) Revoke(context.Context, *workflow.User, string, string) (*workflow.Document, error) {
	return x.docs.doc, nil
}

func (x allowedExchange) DecideRevocation(context.Context, *workflow.User, string, bool, string) (*workflow.Document, error) {
	return x.docs.doc, nil
}

// documentRoutes are the routes that answer a document (or a list of
// them), each in the compact form and the indented one (?pretty).
var documentRoutes = []struct{ method, path, body string }{
	{"GET", "/api/v1/documents/d1", ""},
	{"GET", "/api/v1/documents/d1?pretty", ""},
	{"GET", "/api/v1/documents", ""},
	{"GET", "/api/v1/documents?pretty", ""},
	{"POST", "/api/v1/documents/d1/actions/archive", `{"version":1}`},
	{"POST", "/api/v1/documents/d1/actions/archive?pretty", `{"version":1}`},
	{"PUT", "/api/v1/documents/d1/layout", `{"version":1}`},
	{"POST", "/api/v1/documents/d1/revoke", `{"reason":"nhầm"}`},
	{"POST", "/api/v1/documents/d1/revocation", `{"accept":true}`},
}

// allowedStates are every state of dir's machine.
func allowedStates(dir workflow.Direction) []workflow.State {
	var out []workflow.State
	for _, tr := range workflow.Machine(dir) {
		for _, s := range []workflow.State{tr.From, tr.To} {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// TestAllowedActionsLeaveOutUnavailable: on a server with and without a
// signer and with and without the exchange, for a document in every state
// of both machines (with and without a revocation pending) and a user
// with every role who is its signer and assignee, every route that
// answers a document says as allowed_actions workflow.AllowedActions
// less the actions Available refuses, and those as unavailable_actions
// with Available's message. Before, allowed_actions listed send on a
// server without the exchange and sign and issue on one without a signer.
func TestAllowedActionsLeaveOutUnavailable(t *testing.T) {
	configs := []struct {
		name           string
		signer, outbox bool
	}{{"everything", true, true}, {"no signer", false, true}, {"no exchange", true, false}, {"neither", false, false}}
	user := workflow.User{ID: "u1", Username: "all", Roles: []workflow.Role{workflow.RoleClerk, workflow.RoleOfficer,
		workflow.RoleHandler, workflow.RoleArchivist, workflow.RoleAdmin, workflow.RoleExchange}}
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	unavailableSeen := map[string]int{}
	for _, c := range configs {
		svc := &workflow.Service{}
		if c.signer {
			svc.Signer = workflowtest.Signer{}
		}
		if c.outbox {
			svc.Outbox = nopOutbox{}
		}
		docs := &allowedDocs{Documents: svc}
		srv := api.New(&api.Server{Docs: docs, Accounts: &benchAccounts{user: user},
			Extra: []func(*echo.Group, *api.Server){api.ExchangeRoutes(allowedExchange{docs: docs})}}, nil)
		h := apitest.Validating(t, srv)
		for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
			for _, st := range allowedStates(dir) {
				for _, revoke := range []string{"", workflow.RevokeRequested} {
					d := &workflow.Document{ID: "d1", Direction: dir, Type: "QĐ", Subject: "Về việc thử", Urgency: "normal",
						Confidentiality: "normal", State: st, Version: 1, SignerID: user.ID, AssigneeID: user.ID, RevokeState: revoke,
						Recipients: []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}},
						CreatedBy:  user.ID, CreatedAt: now, UpdatedAt: now}
					docs.doc = d
					allowed, unavailable := wantActions(t, svc, d, &user, c.signer, c.outbox)
					if len(unavailable) > 0 {
						unavailableSeen[c.name]++
					}
					name := fmt.Sprintf("%s/%s/%s/revoke=%q", c.name, dir, st, revoke)
					for _, r := range documentRoutes {
						checkActions(t, h, name+"/"+r.method+" "+r.path, r.method, r.path, r.body, allowed, unavailable)
					}
				}
			}
		}
	}
	for _, c := range configs {
		if n := unavailableSeen[c.name]; (n == 0) != (c.signer && c.outbox) {
			t.Errorf("%s: %d documents with unavailable actions", c.name, n)
		}
	}
}

// wantActions are the allowed and unavailable actions of d for u on svc,
// with what no configuration may list as allowed checked apart from
// Available.
func wantActions(t *testing.T, svc *workflow.Service, d *workflow.Document, u *workflow.User, signer, outbox bool) ([]string, []api.UnavailableActionJSON) {
	t.Helper()
	allowed, unavailable := []string{}, []api.UnavailableActionJSON(nil)
	for _, a := range workflow.AllowedActions(d, u) {
		if err := svc.Available(d, a); err != nil {
			unavailable = append(unavailable, api.UnavailableActionJSON{Action: string(a), Message: workflow.ErrorMessage(err)})
			continue
		}
		if (!signer && (a == workflow.Sign || a == workflow.Issue)) ||
			(!outbox && (a == workflow.Send || a == workflow.RequestRevoke && d.Direction == workflow.Outgoing)) {
			t.Fatalf("Available lets %s through on a server without what it needs", a)
		}
		allowed = append(allowed, string(a))
	}
	return allowed, unavailable
}

func checkActions(t *testing.T, h http.Handler, name, method, path, body string, allowed []string, unavailable []api.UnavailableActionJSON) {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader([]byte(body)))
	req.Header.Set("Authorization", "Bearer tok")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d: %s", name, rec.Code, rec.Body)
	}
	var one api.DocumentJSON
	var list struct{ Items []api.DocumentJSON }
	var got []api.DocumentJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err == nil && list.Items != nil {
		got = list.Items
	} else if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil {
		t.Fatalf("%s: %v: %s", name, err, rec.Body)
	} else {
		got = []api.DocumentJSON{one}
	}
	for _, d := range got {
		if !slices.Equal(d.AllowedActions, allowed) || !slices.Equal(d.UnavailableActions, unavailable) {
			t.Errorf("%s: allowed_actions %q, unavailable_actions %+v; want %q, %+v", name,
				d.AllowedActions, d.UnavailableActions, allowed, unavailable)
		}
	}
}

// TestUnavailableActionsAnswer503: on the real service with neither a
// signer nor the exchange, an action a document lists as unavailable
// answers 503 unavailable with the message listed, and is not among its
// allowed_actions, on the GET and in the list.
func TestUnavailableActionsAnswer503(t *testing.T) {
	f := newFixture(t, 5<<20)
	d := f.create(t, "handler", f.outgoingMeta())
	for _, s := range []struct{ user, action string }{{"handler", "submit"}, {"officer", "approve"}} {
		if rec := f.json(t, s.user, "POST", "/api/v1/documents/"+d.ID+"/actions/"+s.action, nil); rec.Code != 200 {
			t.Fatalf("%s: %d", s.action, rec.Code)
		}
	}
	var one api.DocumentJSON
	json.Unmarshal(f.do(t, "officer", "GET", "/api/v1/documents/"+d.ID, nil, "").Body.Bytes(), &one)
	var list struct{ Items []api.DocumentJSON }
	json.Unmarshal(f.do(t, "officer", "GET", "/api/v1/documents", nil, "").Body.Bytes(), &list)
	if len(list.Items) != 1 || !slices.Equal(list.Items[0].AllowedActions, one.AllowedActions) ||
		!slices.Equal(list.Items[0].UnavailableActions, one.UnavailableActions) {
		t.Fatalf("the list says %+v, the GET %+v", list.Items, one)
	}
	if slices.Contains(one.AllowedActions, "sign") || len(one.UnavailableActions) != 1 || one.UnavailableActions[0].Action != "sign" {
		t.Fatalf("allowed_actions %q, unavailable_actions %+v: want sign unavailable", one.AllowedActions, one.UnavailableActions)
	}
	for _, u := range one.UnavailableActions {
		rec := f.json(t, "officer", "POST", "/api/v1/documents/"+d.ID+"/actions/"+u.Action, nil)
		if e := decodeErr(t, rec); rec.Code != http.StatusServiceUnavailable || e.Error.Code != "unavailable" || e.Error.Message != u.Message {
			t.Errorf("%s: %d %+v, want 503 unavailable %q", u.Action, rec.Code, e.Error, u.Message)
		}
	}
}
