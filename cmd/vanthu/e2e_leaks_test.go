package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// raw sends a request and returns the status and the body as sent.
func (c *client) raw(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestEndToEndNothingLeaks runs a secret incoming document through its
// whole life (registered, assigned, completed, archived) and checks, on
// every backend, that users not cleared for it (an officer who is neither
// signer, assignee nor creator; an archivist) learn nothing of it: every
// route taking a document ID answers byte for byte as for an ID that does
// not exist, and no register (JSON, CSV), list, search, archive search or
// metric shows it, while the clerk sees it in its own register.
func TestEndToEndNothingLeaks(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			env := map[string]string{}
			if backend == gormdb.Postgres {
				env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
			}
			testNothingLeaks(t, startServer(t, env))
		})
	}
}

func testNothingLeaks(t *testing.T, s *server) {
	admin := s.login(t, "admin", "admin-password-1")
	ids := map[string]string{}
	for _, r := range []string{"clerk", "officer", "handler", "archivist"} {
		var u struct{ ID string }
		if code := admin.call("POST", "/api/v1/users", map[string]any{"username": r, "password": "password-" + r,
			"full_name": "Nguyễn Văn " + r, "roles": []string{r}}, &u); code != 201 {
			t.Fatalf("create %s: %d", r, code)
		}
		ids[r] = u.ID
	}
	clerk, officer := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer")
	handler, archivist := s.login(t, "handler", "password-handler"), s.login(t, "archivist", "password-archivist")

	incoming := func(subject, conf, sender, number string) string {
		t.Helper()
		doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": subject,
			"urgency": "normal", "confidentiality": conf, "sender": map[string]string{"org_id": "000.00.00.H13", "name": sender},
			"original_number": number, "original_date": "2026-11-20"}, testpdf.Make(1, subject))
		if code != 201 {
			t.Fatalf("upload %s: %d", subject, code)
		}
		id := doc["id"].(string)
		clerk.act(id, "register", nil)
		return id
	}
	// Secret words that must not appear anywhere a non-cleared user looks.
	const subject, sender, number = "Kế hoạch Xyzzyqua bảo vệ", "Cơ quan Quortfleb", "77/QFB-MAT"
	pub1 := incoming("Công văn công khai thứ nhất", "normal", "UBND thành phố Cần Thơ", "1/UBND-VP")
	secret := incoming(subject, "secret", sender, number)
	pub2 := incoming("Công văn công khai thứ hai", "normal", "UBND thành phố Cần Thơ", "2/UBND-VP")
	clerk.act(secret, "assign", map[string]any{"assignee_id": ids["handler"], "due_date": "2026-12-31"})
	handler.act(secret, "start", nil)
	handler.act(secret, "complete", nil)
	clerk.act(secret, "archive", nil)
	clerk.act(pub1, "assign", map[string]any{"assignee_id": ids["handler"]})
	handler.act(pub1, "start", nil)
	handler.act(pub1, "complete", nil)
	clerk.act(pub1, "archive", nil)
	secrets := []string{secret, "Xyzzyqua", "xyzzyqua", "Quortfleb", number}

	// The hidden document is real: the clerk sees it.
	if code, b := clerk.raw("GET", "/api/v1/documents/"+secret, nil); code != 200 {
		t.Fatalf("clerk cannot see the secret document: %d %s", code, b)
	}

	t.Run("not found is the same for hidden and nonexistent", func(t *testing.T) {
		missing := workflow.NewID(time.Now())
		routes := []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/documents/%s", nil},
			{"GET", "/api/v1/documents/%s/file", nil},
			{"GET", "/api/v1/documents/%s/file?sha256=" + strings.Repeat("ab", 32), nil},
			{"GET", "/api/v1/documents/%s/events", nil},
			{"GET", "/api/v1/documents/%s/verification", nil},
			{"GET", "/api/v1/documents/%s/deliveries", nil},
			{"POST", "/api/v1/documents/%s/actions/assign", map[string]any{"assignee_id": ids["officer"]}},
			{"POST", "/api/v1/documents/%s/actions/start", nil},
			{"POST", "/api/v1/documents/%s/actions/no-such-action", nil},
			{"POST", "/api/v1/documents/%s/revoke", map[string]any{"reason": "sai sót"}},
			{"POST", "/api/v1/documents/%s/revocation", map[string]any{"accept": true}},
			{"PUT", "/api/v1/documents/%s/layout", map[string]any{"layout": nil}},
			{"PATCH", "/api/v1/documents/%s", map[string]any{"notes": "x"}},
			{"GET", "/api/v1/archive/%s", nil},
			{"GET", "/api/v1/archive/%s/object?name=metadata.json", nil},
			{"GET", "/api/v1/archive/%s/package", nil},
			{"GET", "/api/v1/archive/%s/evidence", nil},
			{"PUT", "/api/v1/archive/%s/legal-hold", map[string]any{"on": true}},
			{"DELETE", "/api/v1/archive/%s", nil},
		}
		users := map[string]*client{"officer": officer, "archivist": archivist}
		for name, u := range users {
			for _, r := range routes {
				t.Run(name+" "+r.method+" "+r.path, func(t *testing.T) {
					hc, hb := u.raw(r.method, fmt.Sprintf(r.path, secret), r.body)
					mc, mb := u.raw(r.method, fmt.Sprintf(r.path, missing), r.body)
					if hc != mc || !bytes.Equal(hb, mb) {
						t.Errorf("hidden: %d %s\nnonexistent: %d %s", hc, hb, mc, mb)
					}
					if hc < 400 {
						t.Errorf("hidden document answered %d %s", hc, hb)
					}
				})
			}
		}
	})

	year := workflow.RegisterYear(time.Now())
	t.Run("registers, lists and searches show nothing of it", func(t *testing.T) {
		views := []struct {
			who  string
			c    *client
			path string
		}{
			{"officer", officer, "/api/v1/documents"},
			{"officer", officer, "/api/v1/documents?direction=incoming&limit=200"},
			{"officer", officer, "/api/v1/documents?q=xyzzyqua"},
			{"officer", officer, "/api/v1/documents?q=Quortfleb"},
			{"officer", officer, fmt.Sprintf("/api/v1/registers/incoming/%d", year)},
			{"officer", officer, fmt.Sprintf("/api/v1/registers/incoming/%d?format=csv", year)},
			{"archivist", archivist, "/api/v1/documents?q=xyzzyqua"},
			{"archivist", archivist, fmt.Sprintf("/api/v1/registers/incoming/%d?format=csv", year)},
			{"archivist", archivist, "/api/v1/archive"},
			{"archivist", archivist, "/api/v1/archive?q=xyzzyqua"},
			{"archivist", archivist, "/api/v1/archive?org=000.00.00.H13"},
			{"archivist", archivist, "/api/v1/archive?number=1"},
			{"anyone", &client{t: t, base: s.base}, "/metrics"},
		}
		for _, v := range views {
			code, b := v.c.raw("GET", v.path, nil)
			if code != 200 {
				t.Errorf("%s GET %s: %d %s", v.who, v.path, code, b)
			}
			for _, w := range secrets {
				if bytes.Contains(b, []byte(w)) {
					t.Errorf("%s GET %s reveals %q:\n%s", v.who, v.path, w, b)
				}
			}
		}
		for _, p := range []string{"/api/v1/registers/confidential_incoming/%d", "/api/v1/registers/confidential_incoming/%d?format=csv"} {
			if code, b := officer.raw("GET", fmt.Sprintf(p, year), nil); code != 403 || bytes.Contains(b, []byte("Xyzzyqua")) {
				t.Errorf("officer GET %s: %d %s", p, code, b)
			}
		}
	})

	t.Run("the clerk sees it in its own register, and the incoming register has no gap", func(t *testing.T) {
		var reg struct {
			Items []struct {
				Number     int
				DocumentID string `json:"document_id"`
			}
		}
		if code := clerk.call("GET", fmt.Sprintf("/api/v1/registers/incoming/%d", year), nil, &reg); code != 200 {
			t.Fatal(code)
		}
		if len(reg.Items) != 2 || reg.Items[0].Number != 1 || reg.Items[0].DocumentID != pub1 || reg.Items[1].Number != 2 || reg.Items[1].DocumentID != pub2 {
			t.Errorf("incoming register: %+v, want %s as 1 and %s as 2", reg.Items, pub1, pub2)
		}
		if code := clerk.call("GET", fmt.Sprintf("/api/v1/registers/confidential_incoming/%d", year), nil, &reg); code != 200 {
			t.Fatal(code)
		}
		if len(reg.Items) != 1 || reg.Items[0].Number != 1 || reg.Items[0].DocumentID != secret {
			t.Errorf("confidential incoming register: %+v, want %s as 1", reg.Items, secret)
		}
		for _, v := range []struct {
			c    *client
			path string
		}{
			{clerk, fmt.Sprintf("/api/v1/registers/confidential_incoming/%d?format=csv", year)},
			{clerk, "/api/v1/documents?q=xyzzyqua"},
			{clerk, "/api/v1/archive?q=xyzzyqua"},
			{admin, fmt.Sprintf("/api/v1/registers/confidential_incoming/%d", year)},
			{handler, "/api/v1/documents?q=xyzzyqua"}, // the assignee
		} {
			code, b := v.c.raw("GET", v.path, nil)
			if code != 200 || !bytes.Contains(b, []byte(secret)) {
				t.Errorf("GET %s: %d, want the secret document listed: %s", v.path, code, b)
			}
		}
	})
}
