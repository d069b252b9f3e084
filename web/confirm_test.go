package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestIrreversibleActionsAskFirst: the button of an action that cannot
// be undone only shows a confirmation page (the document is unchanged),
// a confirmation of another action does not do it either, and the
// confirmation page's own form does it.
func TestIrreversibleActionsAskFirst(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	bg := context.Background()
	apply := func(who, id string, a workflow.Action, in workflow.ActionInput) {
		t.Helper()
		if _, err := e.docs.Apply(bg, e.users[who], id, a, in); err != nil {
			t.Fatalf("%s %s: %v", who, a, err)
		}
	}
	incoming := func(steps ...workflow.Action) string {
		id := e.newIncoming(clerk, "Về việc xác nhận trước khi "+string(steps[len(steps)-1]), nil)
		for _, a := range steps[:len(steps)-1] {
			switch a {
			case workflow.Register:
				apply("vanthu", id, a, workflow.ActionInput{})
			case workflow.Assign:
				apply("lanhdao", id, a, workflow.ActionInput{AssigneeID: e.users["chuyenvien"].ID})
			case workflow.RequestRevoke:
				if _, err := e.docs.Apply(bg, workflow.Exchange, id, a, workflow.ActionInput{Comment: "Ban hành nhầm"}); err != nil {
					t.Fatal(err)
				}
			default:
				apply("chuyenvien", id, a, workflow.ActionInput{})
			}
		}
		return id
	}
	outgoing := func(steps ...workflow.Action) string {
		h := e.login("chuyenvien")
		h.get("/outgoing/new")
		f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định cần xác nhận"}, "signer_id": {e.users["lanhdao"].ID}}
		id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
		apply("chuyenvien", id, workflow.Submit, workflow.ActionInput{})
		for _, a := range steps {
			apply("lanhdao", id, a, workflow.ActionInput{})
		}
		return id
	}
	for _, tc := range []struct {
		action  workflow.Action
		who     string
		setup   func() string
		comment string
		want    int // the confirmed post's status
		detail  string
	}{
		{workflow.Register, "vanthu", func() string { return incoming(workflow.Register) }, "", http.StatusSeeOther, "Sổ đăng ký: Sổ văn bản đến."},
		{workflow.Reject, "vanthu", func() string { return incoming(workflow.Reject) }, "Sai thẩm quyền", http.StatusSeeOther, ""},
		{workflow.Assign, "lanhdao", func() string { return incoming(workflow.Register, workflow.Assign) }, "Đề nghị xử lý", http.StatusSeeOther,
			"Chuyên viên xử lý: Lê Chuyên Viên; hạn xử lý: 30/11/2026."},
		{workflow.Complete, "chuyenvien", func() string {
			return incoming(workflow.Register, workflow.Assign, workflow.Start, workflow.Complete)
		}, "", http.StatusSeeOther, ""},
		{workflow.Archive, "vanthu", func() string {
			return incoming(workflow.Register, workflow.Assign, workflow.Start, workflow.Complete, workflow.Archive)
		}, "", http.StatusSeeOther, ""},
		{workflow.AcceptRevoke, "vanthu", func() string { return incoming(workflow.RequestRevoke, workflow.AcceptRevoke) }, "", http.StatusSeeOther, ""},
		{workflow.RefuseRevoke, "vanthu", func() string { return incoming(workflow.RequestRevoke, workflow.RefuseRevoke) }, "Đã niêm yết", http.StatusSeeOther, ""},
		{workflow.Return, "lanhdao", func() string { return outgoing() }, "Sửa trích yếu", http.StatusSeeOther, ""},
		{workflow.Sign, "lanhdao", func() string {
			e.docs.Signer = workflowtest.Signer{} // else refused at the button (TestNoConfirmationOfRefusedInput)
			return outgoing(workflow.Approve)
		}, "", http.StatusSeeOther, "Chữ ký của lãnh đạo và dấu cơ quan: "},
	} {
		t.Run(string(tc.action), func(t *testing.T) {
			id := tc.setup()
			c := e.login(tc.who)
			before, _ := e.docs.Get(bg, e.users["vanthu"], id)
			p := c.get("/documents/" + id)
			m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(p.Body)
			if m == nil || !strings.Contains(p.Body, button(tc.action)) {
				t.Fatalf("no %s button on the page", tc.action)
			}
			f := url.Values{"action": {string(tc.action)}, "version": {m[1]}, "comment": {tc.comment}}
			if tc.action == workflow.Assign {
				f.Set("assignee_id", e.users["chuyenvien"].ID)
				f.Set("due_date", "30/11/2026")
			}
			unchanged := func(what string) {
				t.Helper()
				if d, _ := e.docs.Get(bg, e.users["vanthu"], id); d.Version != before.Version || d.State != before.State {
					t.Fatalf("%s changed the document: %s v%d, was %s v%d", what, d.State, d.Version, before.State, before.Version)
				}
			}
			p = c.post("/documents/"+id, f)
			cf, ok := confirmForm(p, string(tc.action))
			if !ok || !strings.Contains(p.Body, irreversible[tc.action].Heading) || !strings.Contains(p.Body, "không hoàn tác được") {
				t.Fatalf("the button did not ask: %d %q\n%s", p.Status, p.Location, p.Body)
			}
			unchanged("the button")
			if !strings.Contains(p.Body, tc.detail) {
				t.Errorf("the confirmation lacks %q", tc.detail)
			}
			if cf.Get("comment") != tc.comment || cf.Get("version") != m[1] {
				t.Errorf("the confirmation carries comment %q version %q, want %q %q", cf.Get("comment"), cf.Get("version"), tc.comment, m[1])
			}
			other := url.Values{"confirm": {string(workflow.Issue)}}
			if tc.action == workflow.Issue {
				other.Set("confirm", string(workflow.Archive))
			}
			for k, v := range f {
				other[k] = v
			}
			if _, ok := confirmForm(c.post("/documents/"+id, other), string(tc.action)); !ok {
				t.Errorf("the confirmation of another action did not ask again")
			}
			unchanged("another action's confirmation")
			p = c.post("/documents/"+id, cf)
			done := "/documents/" + id + "?done=" + string(tc.action)
			if tc.action == workflow.Register { // a paper document: on to the next one
				done = "/incoming/new?done=register&registered=" + id
			}
			if p.Status != tc.want || tc.want == http.StatusSeeOther && p.Location != done {
				t.Fatalf("confirmed: %d %q, want %d\n%s", p.Status, p.Location, tc.want, p.Body)
			}
			if d, _ := e.docs.Get(bg, e.users["vanthu"], id); tc.action == workflow.Assign &&
				(d.AssigneeID != e.users["chuyenvien"].ID || d.DueDate == nil || d.DueDate.String() != "2026-11-30") {
				t.Errorf("assigned to %q due %v", d.AssigneeID, d.DueDate)
			}
		})
	}
}

// TestUnconfirmableActionShowsWhy: the button of an irreversible action
// that the user may not take, or that the document's state no longer
// allows, shows what the action itself would (forbidden, illegal), not a
// confirmation page that would fail after.
func TestUnconfirmableActionShowsWhy(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	id := e.newIncoming(clerk, "Về việc không hỏi khi không làm được", nil)
	if p := act(t, e.login("chuyenvien"), id, workflow.Register, nil); p.Status != http.StatusForbidden {
		t.Errorf("handler's register: %d", p.Status)
	}
	if p := act(t, clerk, id, workflow.Archive, nil); p.Status != http.StatusConflict || strings.Contains(p.Body, `name="confirm"`) {
		t.Errorf("archive of a received document: %d", p.Status)
	}
}

// TestEveryActionDecidedForConfirmation: every action of both machines is
// either confirmed first (irreversible) or applied at once
// (reversibleActions), never both, so a new action is decided on.
func TestEveryActionDecidedForConfirmation(t *testing.T) {
	for _, dir := range []workflow.Direction{workflow.Incoming, workflow.Outgoing} {
		for _, a := range workflow.Actions(dir) {
			_, ask := irreversible[a]
			if ask == slices.Contains(reversibleActions, a) {
				t.Errorf("%s action %s: confirmed %v, listed as reversible %v", dir, a, ask, !ask)
			}
		}
	}
	for a, c := range irreversible {
		if c.Heading == "" || c.Button == "" || len(c.Facts) == 0 {
			t.Errorf("%s: confirmation text incomplete: %+v", a, c)
		}
	}
}

// TestNoConfirmationOfRefusedInput: the button of an irreversible action
// whose input or server the service refuses (workflow.Service.Precheck)
// shows the refusal at once, with the document unchanged, instead of a
// confirmation page that would only learn it after the confirmation. A
// missing reason is asked for on the confirmation page itself.
func TestNoConfirmationOfRefusedInput(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	bg := context.Background()
	registered := func() string {
		id := e.newIncoming(clerk, "Về việc phân công chưa chọn người", nil)
		if _, err := e.docs.Apply(bg, e.users["vanthu"], id, workflow.Register, workflow.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	outgoing := func(steps ...workflow.Action) string {
		h := e.login("chuyenvien")
		h.get("/outgoing/new")
		f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định chưa ký được"}, "signer_id": {e.users["lanhdao"].ID}}
		id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
		for _, a := range append([]workflow.Action{workflow.Submit}, steps...) {
			who := map[workflow.Action]string{workflow.Submit: "chuyenvien", workflow.Issue: "vanthu"}[a]
			if who == "" {
				who = "lanhdao"
			}
			if _, err := e.docs.Apply(bg, e.users[who], id, a, workflow.ActionInput{}); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		return id
	}
	for _, tc := range []struct {
		name   string
		who    string
		action workflow.Action
		setup  func() string
		form   url.Values
		want   int    // the button's status; 200: the confirmation page
		says   string // on the page
	}{
		{"assign/no handler chosen", "lanhdao", workflow.Assign, registered, url.Values{"due_date": {"30/11/2026"}},
			http.StatusBadRequest, "Phân công cần chọn một chuyên viên"},
		{"assign/not a handler", "lanhdao", workflow.Assign, registered, url.Values{"assignee_id": {e.users["vanthu"].ID}},
			http.StatusBadRequest, "Phân công cần chọn một chuyên viên"},
		{"assign/disabled handler", "lanhdao", workflow.Assign, func() string {
			if _, err := e.auth.UpdateUser(bg, e.users["quantri"], e.users["chuyenvien2"].ID, func(u *workflow.User) error { u.Disabled = true; return nil }); err != nil {
				t.Fatal(err)
			}
			return registered()
		}, url.Values{"assignee_id": {e.users["chuyenvien2"].ID}}, http.StatusBadRequest, "Phân công cần chọn một chuyên viên"},
		{"sign/no signer on the server", "lanhdao", workflow.Sign, func() string { e.docs.Signer = nil; return outgoing(workflow.Approve) }, nil,
			http.StatusServiceUnavailable, ""},
		{"send/no exchange on the server", "vanthu", workflow.Send, func() string {
			e.docs.Signer = workflowtest.Signer{}
			return outgoing(workflow.Approve, workflow.Sign, workflow.Issue)
		}, nil, http.StatusServiceUnavailable, ""},
		{"reject/reason asked on the page", "vanthu", workflow.Reject, func() string { return e.newIncoming(clerk, "Về việc từ chối", nil) }, nil,
			http.StatusOK, "Lý do (bắt buộc)"},
		{"assign/OK", "lanhdao", workflow.Assign, registered, url.Values{"assignee_id": {e.users["chuyenvien"].ID}},
			http.StatusOK, "Chuyên viên xử lý: Lê Chuyên Viên"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.setup()
			c := e.login(tc.who)
			before, _ := e.docs.Get(bg, e.users["vanthu"], id)
			c.get("/documents/" + id)
			f := url.Values{"action": {string(tc.action)}, "version": {fmt.Sprint(before.Version)}}
			for k, v := range tc.form {
				f[k] = v
			}
			p := c.post("/documents/"+id, f)
			_, asked := confirmForm(p, string(tc.action))
			if p.Status != tc.want || asked != (tc.want == http.StatusOK) || !strings.Contains(p.Body, tc.says) {
				t.Fatalf("the button: %d (confirmation page %v), want %d with %q\n%s", p.Status, asked, tc.want, tc.says, p.Body)
			}
			if d, _ := e.docs.Get(bg, e.users["vanthu"], id); d.Version != before.Version || d.State != before.State {
				t.Fatalf("the button changed the document: %s v%d", d.State, d.Version)
			}
		})
	}
}
