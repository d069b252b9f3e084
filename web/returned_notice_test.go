package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReturnedDraftSaysWhy: a draft the official returned says so at the
// top of its page — who returned it, when, and the reason — so that the
// drafter does not submit it again unchanged; before, the page showed a
// plain "Dự thảo" and the reason only at the end of the history. A
// draft never returned, and a returned one submitted again, say nothing.
func TestReturnedDraftSaysWhy(t *testing.T) {
	e := newTestEnv(t)
	handler, plain, returned, reason := returnedDraft(t, e)
	if p := handler.get("/documents/" + plain); strings.Contains(p.Body, `id="returned"`) {
		t.Errorf("a draft never returned says it was:\n%s", p.Body)
	}
	p := handler.get("/documents/" + returned)
	i := strings.Index(p.Body, `id="returned"`)
	if i < 0 {
		t.Fatalf("the returned draft does not say so:\n%s", p.Body)
	}
	notice := p.Body[i:min(len(p.Body), i+600)]
	for _, want := range []string{"Dự thảo bị trả lại", "Trần Văn Lãnh Đạo", reason} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q: %s", want, notice)
		}
	}
	if strings.Index(p.Body, `id="returned"`) > strings.Index(p.Body, `id="h-actions"`) {
		t.Error("the notice comes after the actions, not at the top")
	}
	if p := act(t, handler, returned, workflow.Submit, nil); p.Status != http.StatusSeeOther {
		t.Fatalf("submit again: %d", p.Status)
	}
	if p := handler.get("/documents/" + returned); strings.Contains(p.Body, `id="returned"`) {
		t.Errorf("submitted again, the draft still says it was returned:\n%s", p.Body)
	}
}

// TestInboxMarksReturnedDrafts: the drafter's inbox marks a draft the
// official returned ("Bị trả lại", by whom, why) — it showed a plain
// "Dự thảo" like the drafts never submitted, so a returned one waited
// unnoticed among them; a draft never submitted is not marked, nor one
// submitted again (it leaves the drafter's inbox).
func TestInboxMarksReturnedDrafts(t *testing.T) {
	e := newTestEnv(t)
	handler, plain, returned, reason := returnedDraft(t, e)
	p := handler.get("/")
	row := func(id string) string {
		i := strings.Index(p.Body, `href="/documents/`+id+`"`)
		if i < 0 {
			t.Fatalf("document %s not in the inbox:\n%s", id, p.Body)
		}
		end := strings.Index(p.Body[i:], "</tr>")
		return p.Body[i : i+end]
	}
	if r := row(returned); !strings.Contains(r, "Bị trả lại") || !strings.Contains(r, "Trần Văn Lãnh Đạo") || !strings.Contains(r, reason) {
		t.Errorf("the returned draft's row: %s", r)
	}
	if r := row(plain); strings.Contains(r, "Bị trả lại") {
		t.Errorf("a draft never submitted is marked returned: %s", r)
	}
}

// returnedDraft makes two drafts of the handler chuyenvien: plain, never
// submitted, and returned, submitted and returned by the official
// lanhdao with reason.
func returnedDraft(t *testing.T, e *testEnv) (handler *client, plain, returned, reason string) {
	t.Helper()
	handler, officer := e.login("chuyenvien"), e.login("lanhdao")
	plain = e.outgoingThrough(t, handler, officer)
	returned = e.outgoingThrough(t, handler, officer, workflow.Submit)
	reason = "Đề nghị bổ sung căn cứ pháp lý"
	if p := act(t, officer, returned, workflow.Return, url.Values{"comment": {reason}}); p.Status != http.StatusSeeOther {
		t.Fatalf("return: %d\n%s", p.Status, p.Body)
	}
	return handler, plain, returned, reason
}
