package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

var (
	commentLabelRe = regexp.MustCompile(`<label for="comment">([^<]*)</label>`)
	actionButtonRe = regexp.MustCompile(`<button type="submit" name="action" value="([a-z_]+)"`)
)

// TestCommentLabelNamesReasonedActions: the comment's label on a document
// page names, of the page's buttons, exactly those the service refuses
// without a reason in the comment — pressed with none, each button of
// each page is refused for it if and only if the label names it. Before,
// every page's label named rejecting, revoking and returning a signed
// document, whichever buttons it had (a received document's too).
func TestCommentLabelNamesReasonedActions(t *testing.T) {
	e := newTestEnv(t)
	clerk, officer, handler := e.login("vanthu"), e.login("lanhdao"), e.login("chuyenvien")
	outgoing := func(steps ...workflow.Action) string { return e.outgoingThrough(t, handler, officer, steps...) }
	pages := []struct {
		name string
		who  *client
		make func() string
	}{
		{"received, clerk", clerk, func() string { return e.newIncoming(clerk, "Về việc kiểm tra", nil) }},
		{"submitted, officer", officer, func() string { return outgoing(workflow.Submit) }},
		{"approved, officer", officer, func() string { return outgoing(workflow.Submit, workflow.Approve) }},
	}
	for _, pg := range pages {
		body := pg.who.get("/documents/" + pg.make()).Body
		m := commentLabelRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no comment label", pg.name)
		}
		label := m[1]
		buttons := actionButtonRe.FindAllStringSubmatch(body, -1)
		if len(buttons) < 2 {
			t.Fatalf("%s: buttons %v", pg.name, buttons)
		}
		for _, b := range buttons {
			a := workflow.Action(b[1])
			if a == "comment" {
				continue
			}
			named := strings.Contains(label, "“"+actionNames[a]+"”")
			p := act(t, pg.who, pg.make(), a, nil)
			refused := p.Status == http.StatusBadRequest && strings.Contains(p.Body, "lý do trong ô Ý kiến")
			if named != refused {
				t.Errorf("%s: %s: the label %q names it %v, refused without a reason %v (%d)", pg.name, a, label, named, refused, p.Status)
			}
		}
	}
}

// outgoingThrough drafts an outgoing decision as handler (signer
// lanhdao) and takes it through steps: submit as handler, the others as
// officer. It returns the document's ID.
func (e *testEnv) outgoingThrough(t *testing.T, handler, officer *client, steps ...workflow.Action) string {
	t.Helper()
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định ban hành quy chế"}, "signer_id": {e.users["lanhdao"].ID}}
	id := docIDFrom(t, handler.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
	for _, a := range steps {
		c := officer
		if a == workflow.Submit {
			c = handler
		}
		if p := act(t, c, id, a, nil); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", a, p.Status, p.Body)
		}
	}
	return id
}
