package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReassignFromUserPage: locking an official with drafts waiting
// offers Chuyển việc cho…; his page offers the active officials only;
// a handler chosen is refused, named why, and nothing moves; after the
// confirmation his drafts name the colleague as signer, their history
// says so, and the page offers nothing more.
func TestReassignFromUserPage(t *testing.T) {
	e := newTestEnv(t)
	handler, officer, admin := e.login("chuyenvien"), e.login("lanhdao"), e.login("quantri")
	ids := []string{e.outgoingThrough(t, handler, officer, workflow.Submit), e.outgoingThrough(t, handler, officer, workflow.Submit, workflow.Approve)}
	from, deputy := e.users["lanhdao"], e.users["lanhdao2"]
	path := "/admin/users/" + from.ID
	p := admin.post(path, url.Values{"action": {"update"}, "roles": {"officer"}, "disabled": {"true"}})
	if !strings.Contains(p.Body, `href="`+path+`#reassign"`) || !strings.Contains(p.Body, "Chuyển việc cho…") {
		t.Errorf("locking an official with drafts waiting does not offer Chuyển việc cho…:\n%s", p.Body)
	}
	p = admin.get(path)
	option := func(u *workflow.User) string { return `<option value="` + u.ID + `">` }
	if !strings.Contains(p.Body, `id="reassign"`) || !strings.Contains(p.Body, "2 văn bản đi người này là người ký") ||
		!strings.Contains(p.Body, option(deputy)) || strings.Contains(p.Body, option(e.users["chuyenvien"])) || strings.Contains(p.Body, option(from)) {
		t.Fatalf("the user page's offer: want 2 drafts, the other official only:\n%s", p.Body)
	}
	p = admin.post(path, url.Values{"action": {"reassign"}, "role": {"officer"}, "to": {e.users["chuyenvien"].ID}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Người nhận không có vai trò cần thiết") {
		t.Errorf("a handler chosen: %d, want 400 saying why:\n%s", p.Status, p.Body)
	}
	cf, ok := confirmForm(admin.post(path, url.Values{"action": {"reassign"}, "role": {"officer"}, "to": {deputy.ID}}), "reassign")
	if !ok {
		t.Fatal("reassigning did not ask first")
	}
	for _, id := range ids {
		if d, _ := e.repo.Document(t.Context(), id); d.SignerID != from.ID {
			t.Fatalf("moved before the confirmation, or by a refused choice: signer %s", d.SignerID)
		}
	}
	if p = admin.post(path, cf); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, path+"?ok=reassign&") {
		t.Fatalf("confirmed: %d %s", p.Status, p.Location)
	}
	if done := admin.get(p.Location).Body; !strings.Contains(done, "Đã chuyển 2 văn bản cho Phạm Phó Chủ Tịch") {
		t.Errorf("the confirmation does not say how many moved and to whom:\n%s", done)
	}
	for _, id := range ids {
		page := admin.get("/documents/" + id)
		if !strings.Contains(page.Body, "Chuyển người ký: Trần Văn Lãnh Đạo → Phạm Phó Chủ Tịch") {
			t.Errorf("%s: the history does not say it moved:\n%s", id, page.Body)
		}
		if d, _ := e.repo.Document(t.Context(), id); d.SignerID != deputy.ID {
			t.Errorf("%s: signer %s, want %s", id, d.SignerID, deputy.ID)
		}
	}
	if p = admin.get(path); strings.Contains(p.Body, `id="reassign"`) {
		t.Errorf("nothing waits any more, yet the page offers Chuyển việc cho…")
	}
}

// TestReassignNamesWhatMoved: after Chuyển việc cho… the user's page
// names the documents that moved, each by number and subject, linked —
// it said "Đã chuyển 3 văn bản" alone, and the admin could not tell which
// (walk 9, the admin on a staff change), a classified one too (the admin
// sees it); and the handler it was taken from, opening it again (an old
// e-mail's link), reads that it moved to whom and waits for her no more
// — the page showed the colleague as Người xử lý, no button, no why.
func TestReassignNamesWhatMoved(t *testing.T) {
	e := newTestEnv(t)
	clerk, officer, admin := e.login("vanthu"), e.login("lanhdao"), e.login("quantri")
	from := e.users["chuyenvien"]
	assigned := func(subject, conf string) string {
		t.Helper()
		id := e.newIncoming(clerk, subject, url.Values{"confidentiality": {conf}})
		act(t, clerk, id, workflow.Register, nil)
		who := officer
		if conf != "normal" {
			who = clerk
		}
		if p := act(t, who, id, workflow.Assign, url.Values{"assignee_id": {from.ID}}); p.Status != http.StatusSeeOther {
			t.Fatalf("assign: %d\n%s", p.Status, p.Body)
		}
		return id
	}
	open := assigned("Về việc rà soát hồ sơ đất đai", "normal")
	secret := assigned("Về việc bảo vệ bí mật nhà nước", "secret")
	path := "/admin/users/" + from.ID
	cf, ok := confirmForm(admin.post(path, url.Values{"action": {"reassign"}, "role": {"handler"}, "to": {e.users["chuyenvien2"].ID}}), "reassign")
	if !ok {
		t.Fatal("reassigning did not ask first")
	}
	p := admin.post(path, cf)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d %s", p.Status, p.Body)
	}
	body := admin.get(p.Location).Body
	i := strings.Index(body, `id="moved"`)
	if i < 0 {
		t.Fatalf("the page does not name what moved:\n%s", body)
	}
	moved := body[i : i+strings.Index(body[i:], "</section>")]
	if !strings.Contains(moved, `<a href="/documents/`+open+`">12/UBND-VP — Về việc rà soát hồ sơ đất đai</a>`) {
		t.Errorf("the open document is not named:\n%s", moved)
	}
	if !strings.Contains(moved, `<a href="/documents/`+secret+`">`) {
		t.Errorf("the classified one is not named:\n%s", moved)
	}
	if again := admin.get(path).Body; strings.Contains(again, `id="moved"`) {
		t.Errorf("the user's page names moved documents outside a hand-over's answer")
	}
	notice := func(c *client) string {
		body := c.get("/documents/" + open).Body
		i := strings.Index(body, `id="moved-away"`)
		if i < 0 {
			return ""
		}
		return body[i : i+strings.Index(body[i:], "</p>")]
	}
	if n := notice(e.login("chuyenvien")); !strings.Contains(n, "đã được chuyển cho Võ Chuyên Viên Hai xử lý") || !strings.Contains(n, "không còn chờ bạn") {
		t.Errorf("the handler it was taken from is not told: %q", n)
	}
	if n := notice(e.login("chuyenvien2")); n != "" {
		t.Errorf("the colleague who has it now is told it moved away: %q", n)
	}
}

// TestMovedAwayGivenBack: a document handed to a colleague and back is
// not said to have moved away from the one who has it again.
func TestMovedAwayGivenBack(t *testing.T) {
	names := map[string]string{"a": "A", "b": "B"}
	ev := func(from, to string) workflow.Event {
		return workflow.Event{Kind: workflow.EventReassigned, Data: map[string]string{"from": from, "to": to, "party": string(workflow.TheAssignee)}}
	}
	for _, c := range []struct {
		name string
		evs  []workflow.Event
		away bool
	}{
		{"never moved", nil, false},
		{"moved away", []workflow.Event{ev("a", "b")}, true},
		{"moved away and back", []workflow.Event{ev("a", "b"), ev("b", "a")}, false},
		{"moved to her", []workflow.Event{ev("b", "a")}, false},
	} {
		if got := lastMovedAway(c.evs, "a", names); (got != nil) != c.away {
			t.Errorf("%s: %+v, want away %t", c.name, got, c.away)
		}
	}
}
