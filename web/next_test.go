package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

var nextRe = regexp.MustCompile(`(?s)<p class="next no-print" id="next">(.*?)</p>`)

// TestNextStepAfterAnAction: the page after each step of an incoming
// document's course says, under what was done, what comes next — the
// buttons the reader may press now (a button that sends the document
// back is offered, never said to be next), else who acts next — with the
// ways on (for the clerk, the form of the next incoming document); a
// page opened without an action says nothing of the kind.
func TestNextStepAfterAnAction(t *testing.T) {
	e := newTestEnv(t)
	clerk, officer := e.login("vanthu"), e.login("lanhdao")
	id := e.newIncoming(clerk, "Về việc chuẩn bị hội nghị", nil)
	for _, tc := range []struct {
		who         *client
		action      workflow.Action // "" for the page right after the form
		path        string
		want, links []string
		not         []string
	}{
		{clerk, "", "?ok=created", []string{"Việc tiếp theo của bạn: Vào sổ."}, []string{"#h-actions", `href="/"`}, []string{"Từ chối", "/incoming/new"}},
		// The clerk may assign too (at the official's word).
		{clerk, workflow.Register, "?done=register", []string{"Việc tiếp theo của bạn: Phân công."}, []string{"#h-actions", "/incoming/new", `href="/"`}, nil},
		{officer, "", "?done=register", []string{"Việc tiếp theo của bạn: Phân công."}, []string{"#h-actions", `href="/"`}, []string{"/incoming/new"}},
		{officer, workflow.Assign, "?done=assign", []string{"Văn bản chờ chuyên viên được phân công bắt đầu xử lý."}, []string{`href="/"`}, []string{"#h-actions", "/incoming/new"}},
		{officer, "", "", nil, nil, []string{`id="next"`}},
	} {
		if tc.action != "" {
			extra := url.Values{}
			if tc.action == workflow.Assign {
				extra = url.Values{"assignee_id": {e.users["chuyenvien"].ID}, "due_date": {"31/12/2026"}}
			}
			if p := act(t, tc.who, id, tc.action, extra); p.Status != 303 {
				t.Fatalf("%s: %d", tc.action, p.Status)
			}
		}
		p := tc.who.get("/documents/" + id + tc.path)
		m := nextRe.FindStringSubmatch(p.Body)
		next := ""
		if m != nil {
			next = m[1]
		}
		for _, w := range append(tc.want, tc.links...) {
			if !strings.Contains(next, w) {
				t.Errorf("%s: what comes next lacks %q: %q", tc.path, w, next)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(next, w) || (w == `id="next"` && m != nil) {
				t.Errorf("%s: what comes next has %q: %q", tc.path, w, next)
			}
		}
	}
}

// TestNextStepOffersGoingBack: with only a button that sends the
// document back (the official, after signing: Trả lại), the page says
// who acts next and that the button remains.
func TestNextStepOffersGoingBack(t *testing.T) {
	for _, tc := range []struct {
		actions []workflow.Action
		state   workflow.State
		want    string
	}{
		{[]workflow.Action{workflow.Return}, workflow.OfficerSigned, "Văn bản chờ văn thư cấp số, phát hành. Bạn vẫn có thể: Trả lại."},
		{[]workflow.Action{workflow.Issue, workflow.Return}, workflow.OfficerSigned, "Việc tiếp theo của bạn: Phát hành."},
		{[]workflow.Action{workflow.Register, workflow.Reject}, workflow.Received, "Việc tiếp theo của bạn: Vào sổ."},
		{nil, workflow.Archived, "Văn bản đã vào kho lưu trữ: không còn việc gì phải làm."},
	} {
		r := httptest.NewRequest(http.MethodGet, "/documents/x?done=sign", nil)
		v := &docView{Actions: tc.actions}
		next(r, &Session{User: &workflow.User{Roles: []workflow.Role{workflow.RoleOfficer}}}, &workflow.Document{State: tc.state, Direction: workflow.Outgoing}, v)
		if v.Next == nil || v.Next.Text != tc.want {
			t.Errorf("%v at %s: %+v, want %q", tc.actions, tc.state, v.Next, tc.want)
		}
	}
}

// TestEveryStateSaysWhoIsNext: each state a document can be in has its
// sentence of who acts next.
func TestEveryStateSaysWhoIsNext(t *testing.T) {
	for st := range stateNames {
		if waitingFor[st] == "" {
			t.Errorf("state %s: no sentence in waitingFor", st)
		}
	}
}

// TestNextLeadsBackToTheTab: after an action, the document page leads
// back to the inbox tab the user was working through ("Chờ xử lý"),
// named, not to the whole inbox; after the whole inbox, or with no tab
// remembered, to the whole inbox. A cookie naming no tab is ignored.
func TestNextLeadsBackToTheTab(t *testing.T) {
	e := newTestEnv(t)
	clerk, handler := e.login("vanthu"), e.login("chuyenvien")
	var ids []string
	for i := range 3 {
		id := e.newIncoming(clerk, fmt.Sprintf("Về việc xử lý hồ sơ đất đai số %d", i), nil)
		for _, step := range []struct {
			who string
			a   workflow.Action
			in  workflow.ActionInput
		}{{"vanthu", workflow.Register, workflow.ActionInput{}}, {"lanhdao", workflow.Assign, workflow.ActionInput{AssigneeID: e.users["chuyenvien"].ID}}} {
			if _, err := e.docs.Apply(context.Background(), e.users[step.who], id, step.a, step.in); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	back := func(id string, a workflow.Action) string {
		t.Helper()
		p := act(t, handler, id, a, nil)
		body := handler.get(p.Location).Body
		m := regexp.MustCompile(`<a class="button" href="([^"]*)">(Về Việc cần xử lý[^<]*)</a>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no way back to the inbox after %s:\n%s", a, body)
		}
		return m[1] + " " + m[2]
	}
	handler.get("/?task=start")
	if got, want := back(ids[0], workflow.Start), "/?task=start Về Việc cần xử lý: Chờ xử lý"; got != want {
		t.Errorf("from the tab Chờ xử lý: %q, want %q", got, want)
	}
	handler.get("/")
	if got, want := back(ids[1], workflow.Start), "/ Về Việc cần xử lý"; got != want {
		t.Errorf("from the whole inbox: %q, want %q", got, want)
	}
	stranger := e.login("chuyenvien")
	u, _ := url.Parse(e.srv.URL)
	stranger.hc.Jar.SetCookies(u, []*http.Cookie{{Name: tabCookie, Value: "<script>"}})
	handler = stranger
	if got, want := back(ids[2], workflow.Start), "/ Về Việc cần xử lý"; got != want {
		t.Errorf("with a cookie naming no tab: %q, want %q", got, want)
	}
}

// TestNextWaitingDocument: after an action, the page leads to the next
// document waiting for the user in the inbox tab they work through (the
// official approving a row of drafts goes from one to the next), never to
// the document just acted on — even when it still waits for them (to be
// signed, in the whole inbox) — and offers no such link when nothing else
// waits.
func TestNextWaitingDocument(t *testing.T) {
	e := newTestEnv(t)
	handler, officer := e.login("chuyenvien"), e.login("lanhdao")
	var ids []string
	for range 3 {
		ids = append(ids, e.outgoingThrough(t, handler, officer, workflow.Submit))
	}
	link := regexp.MustCompile(`<a class="button" href="/documents/([^"]+)">Văn bản chờ tiếp theo</a>`)
	nextOf := func(id string, a workflow.Action) string {
		t.Helper()
		p := act(t, officer, id, a, nil)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d", a, p.Status)
		}
		m := link.FindStringSubmatch(nextRe.FindString(officer.get(p.Location).Body))
		if m == nil {
			return ""
		}
		return m[1]
	}
	officer.get("/") // the whole inbox: the first document, approved, still waits to be signed
	if got := nextOf(ids[0], workflow.Approve); got == "" || got == ids[0] {
		t.Errorf("after approving %s from the whole inbox: next %q, want another waiting draft", ids[0], got)
	}
	officer.get("/?task=approve")
	got := nextOf(ids[1], workflow.Approve)
	if got != ids[2] {
		t.Errorf("after approving %s from the tab Chờ duyệt: next %q, want the last draft waiting %s", ids[1], got, ids[2])
	}
	if got := nextOf(ids[2], workflow.Approve); got != "" {
		t.Errorf("after approving the last draft from the tab Chờ duyệt: next %q, want none", got)
	}
}

// TestToActionsLink: a document's page opens, for a viewer with an
// action to take, with the link down to its actions (below the PDF and
// the details: far down on a phone), #h-actions; not for a viewer with
// none, and not after an action, whose next step links there already.
func TestToActionsLink(t *testing.T) {
	e := newTestEnv(t)
	clerk, officer := e.login("vanthu"), e.login("lanhdao")
	id := e.newIncoming(clerk, "Về việc chuẩn bị hội nghị", nil)
	for _, tc := range []struct {
		name string
		who  *client
		path string
		want bool
	}{
		{"clerk, to register", clerk, "", true},
		{"clerk, right after the form", clerk, "?ok=created", false},
		{"official, nothing to do yet", officer, "", false},
	} {
		p := tc.who.get("/documents/" + id + tc.path)
		got := strings.Contains(p.Body, `<a class="button" href="#h-actions" id="to-actions">Đến mục Xử lý`)
		if p.Status != http.StatusOK || got != tc.want || !strings.Contains(p.Body, `id="h-actions"`) {
			t.Errorf("%s: %d, link %v, want %v", tc.name, p.Status, got, tc.want)
		}
	}
}
