package web

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// routeRe finds the pages' registrations in the package's source.
var routeRe = regexp.MustCompile(`\.Handle(?:Func)?\("([A-Z]+) (/[^"]*)"`)

// pageRoutes are the methods of every page path the source registers,
// by pattern: the test below covers a page as soon as it is added.
func pageRoutes(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string][]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range routeRe.FindAllStringSubmatch(string(b), -1) {
			routes[m[2]] = append(routes[m[2]], m[1])
		}
	}
	if len(routes) < 30 {
		t.Fatalf("%d page paths found in the source: the registrations changed form", len(routes))
	}
	return routes
}

// concrete is a path pattern's path with its wildcards filled in.
var wildcards = strings.NewReplacer("{$}", "", "{id}", "d1", "{n}", "1", "{kind}", "outgoing", "{year}", "2026", "{code}", "ABCD-EFGH")

func concrete(pattern string) string {
	if strings.HasSuffix(pattern, "/") && pattern != "/" {
		return pattern + "app.js" // a subtree: /static/
	}
	return wildcards.Replace(pattern)
}

// TestMethodsOnEveryPage: on every page path, signed in or not, OPTIONS
// is 204 with Allow (the path's methods, HEAD after GET, OPTIONS), every
// other method is 405 with the same Allow and the Vietnamese error page;
// a POST to a page that takes POST without the form's token is still
// refused (403); a path with no page is the 404 page. Before, all of
// these but the last were the 404 page.
func TestMethodsOnEveryPage(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{Archive: struct {
		Archive
		Disposals
	}{}, Exchange: struct{ Exchange }{}, PKI: &PKIAdmin{}, Outbox: struct{ MailOutbox }{}})
	clients := map[string]*client{"anonymous": e.client(), "signed in": e.login("quantri")}
	send := func(c *client, method, path string) page {
		t.Helper()
		req, _ := http.NewRequest(method, c.base+path, nil)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return c.do(req)
	}
	for pattern, methods := range pageRoutes(t) {
		path := concrete(pattern)
		var allow []string
		for _, m := range pageMethods {
			if slices.Contains(methods, m) {
				allow = append(allow, m)
				if m == http.MethodGet {
					allow = append(allow, http.MethodHead)
				}
			}
		}
		allow = append(allow, http.MethodOptions)
		want := strings.Join(allow, ", ")
		for who, c := range clients {
			t.Run(who+" "+pattern, func(t *testing.T) {
				p := send(c, http.MethodOptions, path)
				if p.Status != http.StatusNoContent || p.Header.Get("Allow") != want || p.Body != "" {
					t.Errorf("OPTIONS %s: %d, Allow %q, %d bytes; want 204, Allow %q, no body", path, p.Status, p.Header.Get("Allow"), len(p.Body), want)
				}
				for _, m := range append(slices.Clone(pageMethods), http.MethodHead) {
					if slices.Contains(allow, m) {
						continue
					}
					p := send(c, m, path)
					if p.Status != http.StatusMethodNotAllowed || p.Header.Get("Allow") != want {
						t.Errorf("%s %s: %d, Allow %q; want 405, Allow %q", m, path, p.Status, p.Header.Get("Allow"), want)
					}
					if m != http.MethodHead && (!strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") || !strings.Contains(p.Body, problems[EMETHOD].Title)) {
						t.Errorf("%s %s: not the error page: %s %.200q", m, path, p.Header.Get("Content-Type"), p.Body)
					}
				}
				if slices.Contains(methods, http.MethodPost) {
					// Refused: 403 (the token), 401 (no session: the
					// expired page), or to the login page (a logout).
					p := send(c, http.MethodPost, path)
					if p.Status != http.StatusForbidden && p.Status != http.StatusUnauthorized && !(p.Status == http.StatusSeeOther && p.Location == "/login") {
						t.Errorf("POST %s without its token: %d %q, want it refused", path, p.Status, p.Location)
					}
				}
			})
		}
	}
	for _, m := range []string{http.MethodOptions, http.MethodGet, http.MethodPut} {
		if p := send(clients["signed in"], m, "/khong-co-trang-nay"); p.Status != http.StatusNotFound || p.Header.Get("Allow") != "" {
			t.Errorf("%s of no page: %d, Allow %q; want the 404 page", m, p.Status, p.Header.Get("Allow"))
		}
	}
}

// noPrecheck is the document service with a Precheck that fails the test:
// the document page must not ask it with made-up input.
type noPrecheck struct {
	*workflow.Service
	t *testing.T
}

func (d noPrecheck) Precheck(context.Context, *workflow.User, *workflow.Document, workflow.Action, workflow.ActionInput) error {
	d.t.Errorf("the document page asked Precheck")
	return nil
}

// TestDocumentPageAsksAvailable: the document page hides the buttons a
// server without a signer or an exchange can never take by asking
// workflow.Service.Available, not Precheck with a placeholder reason.
func TestDocumentPageAsksAvailable(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	d, err := e.docs.Create(ctx, e.users["chuyenvien"], workflow.CreateInput{Direction: workflow.Outgoing, Type: "QĐ",
		Subject: "Quyết định chờ ký", SignerID: e.users["lanhdao"].ID,
		File: &workflow.Upload{Name: "qd.pdf", Size: int64(len(fakePDF)), Content: bytes.NewReader(fakePDF)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		who string
		a   workflow.Action
	}{{"chuyenvien", workflow.Submit}, {"lanhdao", workflow.Approve}} {
		if d, err = e.docs.Apply(ctx, e.users[step.who], d.ID, step.a, workflow.ActionInput{}); err != nil {
			t.Fatal(err)
		}
	}
	e.docs.Signer, e.docs.Outbox = nil, nil
	ui, err := New(Config{Docs: noPrecheck{e.docs, t}, Accounts: e.auth, Directory: e.repo, Agency: e.docs.Agency,
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = Mount(http.NotFoundHandler(), ui)
	if p := e.login("lanhdao").get("/documents/" + d.ID); p.Status != http.StatusOK || !strings.Contains(p.Body, `id="unavailable"`) {
		t.Errorf("document page: %d, unavailable actions not said", p.Status)
	}
}
