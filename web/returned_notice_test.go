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
	handler, officer := e.login("chuyenvien"), e.login("lanhdao")
	plain := e.outgoingThrough(t, handler, officer)
	returned := e.outgoingThrough(t, handler, officer, workflow.Submit)
	reason := "Đề nghị bổ sung căn cứ pháp lý"
	if p := act(t, officer, returned, workflow.Return, url.Values{"comment": {reason}}); p.Status != http.StatusSeeOther {
		t.Fatalf("return: %d\n%s", p.Status, p.Body)
	}
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
