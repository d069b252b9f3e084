package web

import (
	"regexp"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

var actionClassRe = regexp.MustCompile(`<button type="submit" name="action" value="([a-z_]+)" class="([a-z]+)"`)

// TestActionButtonsOrder: a document page's buttons put the step forward
// first and the red ones (a refusal, a return, a withdrawal: red on their
// confirmation page too) after it — "Trả lại" stood before "Ký số".
func TestActionButtonsOrder(t *testing.T) {
	e := newTestEnv(t)
	e.docs.Signer = workflowtest.Signer{} // "Ký số" is shown
	clerk, officer, handler := e.login("vanthu"), e.login("lanhdao"), e.login("chuyenvien")
	outgoing := func(steps ...workflow.Action) string { return e.outgoingThrough(t, handler, officer, steps...) }
	for _, pg := range []struct {
		name string
		who  *client
		id   string
	}{
		{"received, clerk", clerk, e.newIncoming(clerk, "Về việc kiểm tra", nil)},
		{"submitted, officer", officer, outgoing(workflow.Submit)},
		{"approved, officer", officer, outgoing(workflow.Submit, workflow.Approve)},
	} {
		buttons := actionClassRe.FindAllStringSubmatch(pg.who.get("/documents/"+pg.id).Body, -1)
		red, reds := false, 0
		for _, b := range buttons {
			a, class := workflow.Action(b[1]), b[2]
			if want := map[bool]string{true: "danger", false: "primary"}[dangerAction(a)]; class != want {
				t.Errorf("%s: %s is %s, its confirmation says %s", pg.name, a, class, want)
			}
			if class == "danger" {
				red, reds = true, reds+1
			} else if red {
				t.Errorf("%s: %s after a red button: %v", pg.name, a, buttons)
			}
		}
		if reds == 0 || reds == len(buttons) {
			t.Errorf("%s: buttons %v: want both kinds", pg.name, buttons)
		}
	}
}
