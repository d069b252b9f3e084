package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestReturnSignedButton: at officer_signed the clerk and the official
// have a return button, the handler none; the button asks on the
// confirmation page of a signed document's return, with the reason
// required; confirmed without one it changes nothing, with one the
// document is a draft again and its file list shows the withdrawn layer 1.
func TestReturnSignedButton(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Signer = workflowtest.Signer{}
	bg := context.Background()
	signed := func() string {
		h := e.login("chuyenvien")
		h.get("/outgoing/new")
		f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định trả lại sau khi ký"}, "signer_id": {e.users["lanhdao"].ID}}
		id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
		for _, s := range []struct {
			who string
			a   workflow.Action
		}{{"chuyenvien", workflow.Submit}, {"lanhdao", workflow.Approve}, {"lanhdao", workflow.Sign}} {
			if _, err := e.docs.Apply(bg, e.users[s.who], id, s.a, workflow.ActionInput{}); err != nil {
				t.Fatalf("%s: %v", s.a, err)
			}
		}
		return id
	}
	for _, tc := range []struct {
		who    string
		button bool
	}{{"vanthu", true}, {"lanhdao", true}, {"chuyenvien", false}} {
		t.Run(tc.who, func(t *testing.T) {
			id := signed()
			c := e.login(tc.who)
			if p := c.get("/documents/" + id); strings.Contains(p.Body, button(workflow.Return)) != tc.button {
				t.Fatalf("return button shown: %v, want %v", !tc.button, tc.button)
			}
			if !tc.button {
				return
			}
			before, _ := e.docs.Get(bg, e.users["vanthu"], id)
			p := c.post("/documents/"+id, url.Values{"action": {"return"}, "version": {fmt.Sprint(before.Version)}})
			cf, ok := confirmForm(p, "return")
			if !ok || !strings.Contains(p.Body, returnSigned.Heading) || !strings.Contains(p.Body, "Lý do (bắt buộc)") ||
				!strings.Contains(p.Body, `name="comment" maxlength="4000" required`) {
				t.Fatalf("the button: %d\n%s", p.Status, p.Body)
			}
			if p := c.post("/documents/"+id, cf); p.Status != http.StatusBadRequest {
				t.Fatalf("confirmed without a reason: %d", p.Status)
			}
			if d, _ := e.docs.Get(bg, e.users["vanthu"], id); d.Version != before.Version || d.State != workflow.OfficerSigned {
				t.Fatalf("a return without a reason changed the document: %s v%d", d.State, d.Version)
			}
			cf.Set("comment", "Sai thể thức: thiếu nơi nhận")
			if p := c.post("/documents/"+id, cf); p.Status != http.StatusSeeOther || p.Location != "/documents/"+id+"?done=return" {
				t.Fatalf("confirmed: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			d, _ := e.docs.Get(bg, e.users["vanthu"], id)
			if main, _ := d.MainFile(); d.State != workflow.Draft || main.Kind != workflow.FileMain {
				t.Fatalf("returned: %s, current file %+v", d.State, main)
			}
			if p := c.get("/documents/" + id); !strings.Contains(p.Body, "bản đã ký, đã rút khi trả lại") {
				t.Errorf("the file list does not show the withdrawn layer 1")
			}
		})
	}
}
