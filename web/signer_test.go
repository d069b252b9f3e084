package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// signable makes an outgoing document ready for action: approved (to
// sign) or signed too (to issue), with a signer on the server.
func (e *testEnv) signable(t *testing.T, a workflow.Action) string {
	t.Helper()
	e.docs.Signer = workflowtest.Signer{}
	h := e.login("chuyenvien")
	h.get("/outgoing/new")
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định ký có mặt người ký"}, "signer_id": {e.users["lanhdao"].ID}}
	id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
	steps := []workflow.Action{workflow.Submit, workflow.Approve}
	if a == workflow.Issue {
		steps = append(steps, workflow.Sign)
	}
	for _, s := range steps {
		who := "lanhdao"
		if s == workflow.Submit {
			who = "chuyenvien"
		}
		if _, err := e.docs.Apply(context.Background(), e.users[who], id, s, workflow.ActionInput{}); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return id
}

// signer is who signs for a: the official his draft, the clerk the issue.
func signer(a workflow.Action) string {
	if a == workflow.Issue {
		return "vanthu"
	}
	return "lanhdao"
}

// askSign presses the button of a on document id with comment and
// returns the confirmation page's form (failing unless it is one) and
// whether it asks for the password.
func askSign(t *testing.T, c *client, id string, a workflow.Action, comment string) (url.Values, bool) {
	t.Helper()
	d := c.get("/documents/" + id)
	if d.Status != http.StatusOK {
		t.Fatalf("document page: %d", d.Status)
	}
	p := c.post("/documents/"+id, url.Values{"action": {string(a)}, "comment": {comment}})
	cf, ok := confirmForm(p, string(a))
	if !ok {
		t.Fatalf("the button of %s did not ask: %d\n%s", a, p.Status, p.Body)
	}
	return cf, strings.Contains(p.Body, `name="`+signerPasswordField+`"`)
}

// refusedForm is confirmForm of a confirmation page shown again with
// an error status (a wrong password, a lockout), without the password.
func refusedForm(p page, key string) (url.Values, bool) {
	p.Status = http.StatusOK
	f, ok := confirmForm(p, key)
	f.Del(signerPasswordField)
	return f, ok
}

// stateOf is document id's state.
func (e *testEnv) stateOf(t *testing.T, id string) workflow.State {
	t.Helper()
	d, err := e.docs.Get(context.Background(), e.users["vanthu"], id)
	if err != nil {
		t.Fatal(err)
	}
	return d.State
}

// failures counts the audit's login_failed events of user with
// during=sign.
func (e *testEnv) signFailures(username string) (n int) {
	_ = e.repo.WalkEvents(context.Background(), func(ev workflow.Event) error {
		if ev.Kind == workflow.EventLoginFailed && ev.Actor == e.users[username].ID && ev.Data["during"] == "sign" {
			n++
		}
		return nil
	})
	return n
}

// TestSignAsksPassword: the confirmation of Ký số and of Phát hành asks
// for the user's password; a wrong one does nothing, says so on the same
// confirmation page with the comment kept and the password not written
// back, and is audited as a failed login (during=sign); none typed does
// nothing either; the right one acts.
func TestSignAsksPassword(t *testing.T) {
	for _, a := range []workflow.Action{workflow.Sign, workflow.Issue} {
		t.Run(string(a), func(t *testing.T) {
			e := newTestEnv(t)
			id := e.signable(t, a)
			before := e.stateOf(t, id)
			c := e.login(signer(a))
			cf, asks := askSign(t, c, id, a, "Đồng ý ban hành")
			if !asks {
				t.Fatalf("the confirmation of %s does not ask for the password", a)
			}
			cf.Set(signerPasswordField, "mat-khau-sai")
			p := c.post("/documents/"+id, cf)
			again, ok := refusedForm(p, string(a))
			if p.Status != http.StatusUnauthorized || !ok || !strings.Contains(p.Body, "Mật khẩu không đúng: chưa "+actionNames[a]) {
				t.Fatalf("wrong password: %d (confirmation page %v)\n%s", p.Status, ok, p.Body)
			}
			if again.Get("comment") != "Đồng ý ban hành" || strings.Contains(p.Body, "mat-khau-sai") {
				t.Errorf("after a wrong password the comment is %q (want it kept), password in the page %v",
					again.Get("comment"), strings.Contains(p.Body, "mat-khau-sai"))
			}
			if s := e.stateOf(t, id); s != before {
				t.Fatalf("a wrong password did %s: %s", a, s)
			}
			if n := e.signFailures(signer(a)); n != 1 {
				t.Errorf("login_failed events during=sign: %d, want 1", n)
			}
			again.Del(signerPasswordField)
			if p := c.post("/documents/"+id, again); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, signerPrompt(a)) || e.stateOf(t, id) != before {
				t.Fatalf("no password: %d, state %s\n%s", p.Status, e.stateOf(t, id), p.Body)
			}
			again.Set(signerPasswordField, testPassword)
			if p := c.post("/documents/"+id, again); p.Status != http.StatusSeeOther || p.Location != "/documents/"+id+"?done="+string(a) {
				t.Fatalf("right password: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			if s := e.stateOf(t, id); s == before {
				t.Errorf("the right password did not %s", a)
			}
		})
	}
}

// TestSignPasswordLocksOut: wrong passwords at a signature's confirmation
// count as failed logins of the account: past the limit it is locked —
// the right password does not sign (429, Retry-After, said on the page)
// and the login page refuses the account too.
func TestSignPasswordLocksOut(t *testing.T) {
	e := newTestEnv(t)
	id := e.signable(t, workflow.Sign)
	c := e.login("lanhdao")
	cf, _ := askSign(t, c, id, workflow.Sign, "")
	cf.Set(signerPasswordField, "mat-khau-sai")
	for range 6 {
		c.post("/documents/"+id, cf)
	}
	cf.Set(signerPasswordField, testPassword)
	p := c.post("/documents/"+id, cf)
	if _, ok := refusedForm(p, string(workflow.Sign)); p.Status != http.StatusTooManyRequests || !ok || p.Header.Get("Retry-After") == "" ||
		!strings.Contains(p.Body, "tài khoản tạm khóa đăng nhập và ký số") {
		t.Fatalf("the right password while locked: %d Retry-After %q\n%s", p.Status, p.Header.Get("Retry-After"), p.Body)
	}
	if s := e.stateOf(t, id); s != workflow.Approved {
		t.Fatalf("signed while locked: %s", s)
	}
	other := e.client()
	other.get("/login")
	if p := other.post("/login", url.Values{"username": {"lanhdao"}, "password": {testPassword}}); p.Status != http.StatusTooManyRequests {
		t.Errorf("login after the wrong passwords at signing: %d, want 429", p.Status)
	}
}

// TestSignConfirmTTL: a right password spares the session's next
// confirmations for Config.SignConfirmTTL (the page says until when, and
// a confirmation without the password signs), not after it, and not in
// another session; with TTL 0 each one asks.
func TestSignConfirmTTL(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{SignConfirmTTL: 5 * time.Minute})
	c := e.login("lanhdao")
	sign := func(c *client, withPassword bool) (asked bool, p page) {
		t.Helper()
		id := e.signable(t, workflow.Sign)
		cf, asks := askSign(t, c, id, workflow.Sign, "")
		cf.Del(signerPasswordField) // confirmForm types it
		if withPassword {
			cf.Set(signerPasswordField, testPassword)
		}
		return asks, c.post("/documents/"+id, cf)
	}
	if asked, p := sign(c, true); !asked || p.Status != http.StatusSeeOther {
		t.Fatalf("first signature: asked %v, %d", asked, p.Status)
	}
	e.now = e.now.Add(4 * time.Minute)
	id := e.signable(t, workflow.Sign)
	c.get("/documents/" + id)
	p := c.post("/documents/"+id, url.Values{"action": {"sign"}})
	cf, ok := confirmForm(p, "sign")
	if !ok || strings.Contains(p.Body, `name="`+signerPasswordField+`"`) || !strings.Contains(p.Body, "không cần nhập lại đến 09:05") {
		t.Fatalf("within the TTL the confirmation asks again, or does not say until when:\n%s", p.Body)
	}
	if p := c.post("/documents/"+id, cf); p.Status != http.StatusSeeOther || e.stateOf(t, id) != workflow.OfficerSigned {
		t.Fatalf("within the TTL, confirmed without the password: %d, %s\n%s", p.Status, e.stateOf(t, id), p.Body)
	}
	if asked, _ := sign(e.login("lanhdao"), false); !asked {
		t.Errorf("another session of the same user was spared the password")
	}
	e.now = e.now.Add(time.Minute + time.Second) // 5 min and 1 s after the check: signing did not extend it
	if asked, p := sign(c, false); !asked || p.Status != http.StatusBadRequest {
		t.Errorf("after the TTL: asked %v, confirmed without the password: %d", asked, p.Status)
	}

	e.remount(t, Config{}) // TTL 0
	c = e.login("lanhdao")
	for i := range 2 {
		if asked, p := sign(c, i == 0); !asked || p.Status != map[bool]int{true: http.StatusSeeOther, false: http.StatusBadRequest}[i == 0] {
			t.Errorf("TTL 0, signature %d: asked %v, %d", i+1, asked, p.Status)
		}
	}
}
