package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// instance serves a second interface on the environment's repository,
// services and clock (another `vanthu serve` behind the load balancer),
// and returns c's browser pointed at it: the same cookies.
func (e *testEnv) instance(t *testing.T, cfg Config, c *client) *client {
	t.Helper()
	cfg.Docs, cfg.Accounts, cfg.Directory, cfg.Agency = e.docs, e.auth, e.repo, e.docs.Agency
	cfg.Now = func() time.Time { return e.now }
	ui, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Mount(http.NotFoundHandler(), ui))
	t.Cleanup(srv.Close)
	return &client{t: t, base: srv.URL, hc: c.hc}
}

// TestSignConfirmSharedByInstances: a right password typed to sign on
// one instance spares the session's confirmations on another within
// Config.SignConfirmTTL, not after it; a lockout of the account (wrong
// passwords at a login elsewhere) and a change of the password forget
// it, and it does not come back once the lockout has passed.
func TestSignConfirmSharedByInstances(t *testing.T) {
	e := newTestEnv(t)
	cfg := Config{SignConfirmTTL: 5 * time.Minute}
	e.remount(t, cfg)
	a := e.login("lanhdao")
	b := e.instance(t, cfg, a)
	// asks presses Ký số on c and says whether the confirmation asks for
	// the password; with pw it confirms, typing it when asked.
	asks := func(c *client, pw bool) bool {
		t.Helper()
		id := e.signable(t, workflow.Sign)
		cf, asked := askSign(t, c, id, workflow.Sign, "")
		if !pw {
			return asked
		}
		if p := c.post("/documents/"+id, cf); p.Status != http.StatusSeeOther {
			t.Fatalf("signing with the password: %d\n%s", p.Status, p.Body)
		}
		return asked
	}
	if !asks(a, true) {
		t.Fatal("the first signature did not ask")
	}
	e.now = e.now.Add(4 * time.Minute)
	if asks(b, false) {
		t.Error("the other instance asked again within the TTL")
	}
	e.now = e.now.Add(time.Minute)
	if !asks(b, false) {
		t.Error("the other instance did not ask after the TTL")
	}

	if !asks(b, true) || asks(a, false) {
		t.Fatal("a password typed on the second instance is not remembered on the first")
	}
	guess := e.client()
	guess.get("/login")
	for range 6 {
		guess.post("/login", url.Values{"username": {"lanhdao"}, "password": {"doan-sai-mat-khau"}})
	}
	if until, err := e.auth.AccountLockedUntil(context.Background(), e.users["lanhdao"]); err != nil || until.IsZero() {
		t.Fatalf("the guesses did not lock the account out: %v, %v", until, err)
	}
	if !asks(a, false) {
		t.Error("a locked-out account's session was spared the password")
	}
	e.now = e.now.Add(time.Minute) // the lockout (30 s) over, within the TTL
	if !asks(b, false) {
		t.Error("the confirmation came back after the lockout")
	}

	if !asks(a, true) || asks(b, false) {
		t.Fatal("the confirmation after the lockout was not remembered")
	}
	a.get("/password")
	p := a.post("/password", url.Values{"current_password": {testPassword}, "new_password": {"mat-khau-moi-1"}, "new_password2": {"mat-khau-moi-1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("password change: %d\n%s", p.Status, p.Body)
	}
	if !asks(b, false) {
		t.Error("the session that changed its password was spared it at the next signature")
	}
}
