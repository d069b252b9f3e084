package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

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

// TestReplyLinksBothWays: the draft made from Soạn văn bản trả lời
// carries the letter's ID (the form's hidden replies_to), and then the
// reply's page names the letter it answers and the letter's page its
// reply (number or "chưa có số", state, link), its history saying it; a
// classified reply is named by its ID alone to a user who may see the
// letter but not it. An ID that is no letter is refused on the form.
// Before, the note in the draft was the only link between the two. The
// form names the letter by its number and subject.
func TestReplyLinksBothWays(t *testing.T) {
	e := newTestEnv(t)
	clerk, handler := e.login("vanthu"), e.login("chuyenvien")
	id := incomingBefore(t, e, clerk, workflow.Complete, false)
	m := regexp.MustCompile(`href="(/outgoing/new\?reply_to=[^"]+)"`).FindStringSubmatch(handler.get("/documents/" + id).Body)
	if m == nil {
		t.Fatal("its handler is offered no reply")
	}
	form := handler.get(html.UnescapeString(m[1])).Body
	if !strings.Contains(form, `name="replies_to" value="`+id+`"`) {
		t.Fatalf("the reply's form does not carry the letter's ID %s", id)
	}
	// The notice at the form's top names the letter by its number and
	// subject, linked: it showed the letter's ID (walk 7).
	if n := byID(parseHTML(t, form), "replies"); textOf(n) != "Văn bản này trả lời văn bản đến 12/UBND-VP — Về việc chờ complete. Hạn trả lời: 31/12/2026 (hạn xử lý của văn bản đến)." || hrefIn(n) != "/documents/"+id {
		t.Errorf("the reply's form names the letter %q (%s)", textOf(n), hrefIn(n))
	}
	f := url.Values{"type": {"CV"}, "subject": {"Về việc trả lời mật"}, "signer_id": {e.users["lanhdao"].ID},
		"confidentiality": {"secret"}, "urgency": {"normal"}, "replies_to": {"khong-co-van-ban"}}
	if p := handler.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}); !strings.Contains(p.Body, "Chỉ trả lời được một văn bản đến") {
		t.Errorf("a reply to no letter: the form does not say so (%d)", p.Status)
	}
	f.Set("replies_to", id)
	handler.get(html.UnescapeString(m[1]))
	reply := docIDFrom(t, handler.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
	doc := parseHTML(t, handler.get("/documents/"+reply).Body)
	if got, href := textOf(byID(doc, "replies-to")), hrefIn(byID(doc, "replies-to")); got != "12/UBND-VP — Về việc chờ completeHạn trả lời: 31/12/2026" || href != "/documents/"+id {
		t.Errorf("reply's page: replies to %q (%s)", got, href)
	}
	page := handler.get("/documents/" + id).Body
	doc = parseHTML(t, page)
	if got, href := textOf(byID(doc, "replied-by")), hrefIn(byID(doc, "replied-by")); got != "chưa có số — Về việc trả lời mật (Dự thảo)" || href != "/documents/"+reply {
		t.Errorf("letter's page: replied by %q (%s)", got, href)
	}
	// Its history names the reply by number and subject, linked: it
	// said the reply's ID (walk 7).
	if !strings.Contains(page, `Có văn bản trả lời <a href="/documents/`+reply+`">chưa có số — Về việc trả lời mật</a>`) {
		t.Error("the letter's history does not name its reply")
	}
	doc = parseHTML(t, e.login("chuyenvien2").get("/documents/"+id).Body)
	if got := textOf(byID(doc, "replied-by")); got != reply {
		t.Errorf("letter's page, to a handler who may not see the secret reply: %q, want its ID alone", got)
	}
}

// TestReplyTakesLetterDue: the reply's form comes with the letter's due
// date (hạn xử lý) filled in as the draft's own, and says it is the
// letter's; the draft's page — the handler's, then the signer's as he
// reviews it — says Hạn trả lời with the letter's date, even when the
// handler cleared her draft's own. The reviewers and the signer could
// not see how urgent the answer was (walk 10).
func TestReplyTakesLetterDue(t *testing.T) {
	e := newTestEnv(t)
	clerk, handler := e.login("vanthu"), e.login("chuyenvien")
	id := incomingBefore(t, e, clerk, workflow.Complete, false)
	doc := parseHTML(t, handler.get("/outgoing/new?reply_to="+id).Body)
	if v, _ := attrOf(byID(doc, "due_date"), "value"); v != "31/12/2026" {
		t.Errorf("the reply's form: due date %q, want the letter's 31/12/2026", v)
	}
	if got := textOf(byID(doc, "reply-due")); got != "Hạn trả lời: 31/12/2026 (hạn xử lý của văn bản đến)." {
		t.Errorf("the reply's form says %q", got)
	}
	for _, due := range []string{"31/12/2026", ""} {
		handler.get("/outgoing/new?reply_to=" + id)
		f := url.Values{"type": {"CV"}, "subject": {"Về việc trả lời hạn " + due}, "signer_id": {e.users["lanhdao"].ID},
			"confidentiality": {"normal"}, "urgency": {"normal"}, "replies_to": {id}, "due_date": {due}}
		reply := docIDFrom(t, handler.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
		d, err := e.docs.Get(t.Context(), e.users["chuyenvien"], reply)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmtDate(d.DueDate); got != due {
			t.Errorf("the draft's own due date %q, want %q", got, due)
		}
		if _, err := e.docs.Apply(t.Context(), e.users["chuyenvien"], reply, workflow.Submit, workflow.ActionInput{}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"chuyenvien", "lanhdao"} {
			if got := textOf(byID(parseHTML(t, e.login(who).get("/documents/"+reply).Body), "reply-due")); got != "Hạn trả lời: 31/12/2026" {
				t.Errorf("draft due %q, %s's page: %q", due, who, got)
			}
		}
	}
}

// TestReplyFormTakesLetterLevels: the reply's form comes with the
// letter's urgency and confidentiality selected (workflow.ReplyDefaults,
// the rule the API's replies follow too), whatever they are; the
// handler may change them.
func TestReplyFormTakesLetterLevels(t *testing.T) {
	e := newTestEnv(t)
	clerk, handler := e.login("vanthu"), e.login("chuyenvien")
	for _, tc := range []struct{ urgency, conf string }{
		{"normal", "normal"}, {"flash", "confidential"}, {"very_urgent", "secret"}, {"urgent", "top_secret"},
	} {
		t.Run(tc.urgency+"/"+tc.conf, func(t *testing.T) {
			id := e.newIncoming(clerk, "Về việc độ khẩn "+tc.urgency+" độ mật "+tc.conf, url.Values{"urgency": {tc.urgency}, "confidentiality": {tc.conf}})
			for _, st := range []struct {
				who string
				a   workflow.Action
				in  workflow.ActionInput
			}{{"vanthu", workflow.Register, workflow.ActionInput{}},
				{"vanthu", workflow.Assign, workflow.ActionInput{AssigneeID: e.users["chuyenvien"].ID}},
				{"chuyenvien", workflow.Start, workflow.ActionInput{}}} {
				if _, err := e.docs.Apply(t.Context(), e.users[st.who], id, st.a, st.in); err != nil {
					t.Fatalf("%s %s: %v", st.who, st.a, err)
				}
			}
			doc := parseHTML(t, handler.get("/outgoing/new?reply_to="+id).Body)
			for field, want := range map[string]string{"urgency": tc.urgency, "confidentiality": tc.conf} {
				if got := selectedIn(byID(doc, field)); got != want {
					t.Errorf("the reply's form: %s %q, want the letter's %q", field, got, want)
				}
			}
		})
	}
}

// selectedIn is the value of the option selected in n, a select ("" for
// none).
func selectedIn(n *xhtml.Node) string {
	v := ""
	if n != nil {
		walkHTML(n, func(o *xhtml.Node) {
			if _, sel := attrOf(o, "selected"); sel && o.Data == "option" {
				v, _ = attrOf(o, "value")
			}
		})
	}
	return v
}

// hrefIn is the target of the first link under n ("" for none).
func hrefIn(n *xhtml.Node) string {
	href := ""
	if n != nil {
		walkHTML(n, func(c *xhtml.Node) {
			if v, ok := attrOf(c, "href"); ok && c.Data == "a" && href == "" {
				href = v
			}
		})
	}
	return href
}

// TestEveryReplyOnLetter: a letter answered twice names both replies on
// its page, oldest first — each by number or "chưa có số", subject and
// state (a draft says Dự thảo), linked — where it named the latest one
// alone; a classified reply by its ID alone to a user who may see the
// letter but not the reply.
func TestEveryReplyOnLetter(t *testing.T) {
	e := newTestEnv(t)
	clerk, handler := e.login("vanthu"), e.login("chuyenvien")
	id := incomingBefore(t, e, clerk, workflow.Complete, false)
	var replies []string
	for _, x := range []struct{ subject, conf string }{{"Về việc trả lời lần đầu", "normal"}, {"Về việc trả lời mật", "secret"}} {
		f := url.Values{"type": {"CV"}, "subject": {x.subject}, "signer_id": {e.users["lanhdao"].ID},
			"confidentiality": {x.conf}, "urgency": {"normal"}, "replies_to": {id}}
		handler.get("/outgoing/new?reply_to=" + id)
		replies = append(replies, docIDFrom(t, handler.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF})))
		e.now = e.now.Add(time.Minute)
	}
	if p := act(t, handler, replies[0], workflow.Submit, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", p.Status)
	}
	items := func(c *client) []string {
		var out []string
		walkHTML(byID(parseHTML(t, c.get("/documents/"+id).Body), "replied-by"), func(n *xhtml.Node) {
			if n.Data == "li" {
				out = append(out, textOf(n)+" → "+hrefIn(n))
			}
		})
		return out
	}
	for _, x := range []struct {
		who  *client
		want []string
	}{
		{handler, []string{"chưa có số — Về việc trả lời lần đầu (Chờ duyệt) → /documents/" + replies[0],
			"chưa có số — Về việc trả lời mật (Dự thảo) → /documents/" + replies[1]}},
		{e.login("chuyenvien2"), []string{"chưa có số — Về việc trả lời lần đầu (Chờ duyệt) → /documents/" + replies[0],
			replies[1] + " → /documents/" + replies[1]}},
	} {
		if got := items(x.who); strings.Join(got, "\n") != strings.Join(x.want, "\n") {
			t.Errorf("the letter's replies:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(x.want, "\n"))
		}
	}
}
