package web

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReplyToIncoming: the handler of an incoming document, once she has
// started it, finds Soạn văn bản trả lời on its page; it opens the
// outgoing draft's form with a note naming what it answers (the sender's
// number and date, the sender, the incoming number, the subject), the
// incoming urgency, and the sender ticked among the recipients when it
// is a connected agency. Nobody else is offered it, nor before the work
// starts. The handler had no way from the letter to its answer but to
// open Văn bản đi and copy the letter's details by hand.
func TestReplyToIncoming(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{Exchange: recipientsOnly{orgs: []workflow.Org{
		{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}, {OrgID: "000.00.01.H13", Name: "Sở Tài chính"}}}})
	clerk, handler := e.login("vanthu"), e.login("chuyenvien")
	id := incomingBefore(t, e, clerk, workflow.Assign, false)
	due := workflow.NewDate(2026, 12, 31)
	if _, err := e.docs.Apply(t.Context(), e.users["lanhdao"], id, workflow.Assign, workflow.ActionInput{AssigneeID: e.users["chuyenvien"].ID, DueDate: &due}); err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="(/outgoing/new\?reply_to=[^"]+)"`)
	if link.MatchString(handler.get("/documents/" + id).Body) {
		t.Error("a reply offered before the work started")
	}
	if _, err := e.docs.Apply(t.Context(), e.users["chuyenvien"], id, workflow.Start, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"vanthu", "lanhdao", "chuyenvien2"} {
		if p := e.login(who).get("/documents/" + id); link.MatchString(p.Body) {
			t.Errorf("%s, not its handler, is offered a reply", who)
		}
	}
	m := link.FindStringSubmatch(handler.get("/documents/" + id).Body)
	if m == nil {
		t.Fatal("its handler is offered no reply")
	}
	doc := parseHTML(t, handler.get(html.UnescapeString(m[1])).Body)
	notes := textOf(byID(doc, "notes"))
	if !strings.HasPrefix(notes, "Trả lời văn bản số 12/UBND-VP ngày 20/11/2026 của UBND thành phố Cần Thơ (số đến 1/2026): Về việc chờ") {
		t.Errorf("notes %q", notes)
	}
	for i, want := range []bool{true, false} {
		n := byID(doc, "rcpt-"+string(rune('0'+i)))
		_, checked := attrOf(n, "checked")
		if n == nil || checked != want {
			t.Errorf("recipient %d checked: %v, want %v", i, checked, want)
		}
	}
}
