package web

import (
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestListSaysSinceWhen: a list's document still to be handled says
// since when it is in its state, in Vietnam days — a draft submitted a
// week ago "Chờ duyệt từ 18/11/2026 (7 ngày)", one approved two days ago,
// one submitted today "từ hôm nay", a draft never submitted since its
// creation — and an issued one says nothing; the page reads the
// transitions of its documents at once. The office chief asking on
// Monday what waits for signature and for how long read the list's
// creation dates (walk 12, the office chief).
func TestListSaysSinceWhen(t *testing.T) {
	e := newTestEnv(t)
	handler, officer := e.login("chuyenvien"), e.login("lanhdao")
	today := e.now
	at := func(days int) { e.now = today.AddDate(0, 0, -days) }
	at(7)
	week := e.outgoingThrough(t, handler, officer, workflow.Submit)
	at(9)
	approved := e.outgoingThrough(t, handler, officer, workflow.Submit)
	at(2)
	if _, err := e.docs.Apply(t.Context(), e.users["lanhdao"], approved, workflow.Approve, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	at(4)
	draft := e.outgoingThrough(t, handler, officer)
	at(0)
	fresh := e.outgoingThrough(t, handler, officer, workflow.Submit)
	e.docs.Signer = workflowtest.Signer{}
	issued := e.outgoingThrough(t, handler, officer, workflow.Submit, workflow.Approve, workflow.Sign)
	if _, err := e.docs.Apply(t.Context(), e.users["vanthu"], issued, workflow.Issue, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}

	chief := e.login("lanhdao2")
	body := chief.get("/outgoing").Body
	day := func(d int) string { return today.AddDate(0, 0, -d).In(workflow.Vietnam).Format("02/01/2006") }
	for _, tc := range []struct{ id, state, want string }{
		{week, "Chờ duyệt", "từ " + day(7) + " (7 ngày)"},
		{approved, "Đã duyệt", "từ " + day(2) + " (2 ngày)"},
		{draft, "Dự thảo", "từ " + day(4) + " (4 ngày)"},
		{fresh, "Chờ duyệt", "từ hôm nay"},
	} {
		row := rowByID(body, tc.id)
		if !strings.Contains(row, tc.state+` <span class="muted since">`+tc.want+`</span>`) {
			t.Errorf("%s: its row does not say %s %s:\n%s", tc.state, tc.state, tc.want, row)
		}
	}
	if row := rowByID(body, issued); strings.Contains(row, `class="muted since"`) {
		t.Errorf("an issued document says since when:\n%s", row)
	}
}

// rowByID is the table row of body linking document id ("" if none).
func rowByID(body, id string) string {
	i := strings.Index(body, `href="/documents/`+id+`"`)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], "<tr")
	end := strings.Index(body[i:], "</tr>")
	return body[start : i+end]
}
