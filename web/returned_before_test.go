package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReturnedBeforeShownToTheOfficial: a draft submitted again after a
// return says so at the top of its page, to the official who reads it
// again: how many times it was returned, the last return's reason, and
// whether the drafter revised it since or submitted it unchanged — the
// history said it at the page's foot only, below the fold of a 1280×800
// laptop (walk 8, the official on a busy morning). A draft never
// returned, and a draft once signed, say nothing.
func TestReturnedBeforeShownToTheOfficial(t *testing.T) {
	e := newTestEnv(t)
	bg := context.Background()
	h := e.login("chuyenvien")
	h.get("/outgoing/new")
	id := docIDFrom(t, h.postMultipart("/outgoing/new", url.Values{"type": {"QĐ"}, "subject": {"Quyết định khen thưởng"},
		"signer_id": {e.users["lanhdao"].ID}}, map[string][]byte{"file": fakePDF}))
	apply := func(who string, a workflow.Action, comment string) {
		t.Helper()
		if _, err := e.docs.Apply(bg, e.users[who], id, a, workflow.ActionInput{Comment: comment}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	official := e.login("lanhdao")
	notice := func() string {
		t.Helper()
		body := official.get("/documents/" + id).Body
		i := strings.Index(body, `id="returned-before"`)
		if i < 0 {
			return ""
		}
		return body[i : i+strings.Index(body[i:], "</p>")]
	}
	apply("chuyenvien", workflow.Submit, "")
	if n := notice(); n != "" {
		t.Errorf("a draft never returned: %s", n)
	}
	apply("lanhdao", workflow.Return, "Sửa căn cứ pháp lý")
	apply("chuyenvien", workflow.Submit, "")
	if n := notice(); !strings.Contains(n, "Dự thảo đã bị trả lại 1 lần") || !strings.Contains(n, "Sửa căn cứ pháp lý") ||
		!strings.Contains(n, "Người soạn trình lại, không sửa dự thảo.") {
		t.Errorf("submitted again unchanged: %q", n)
	}
	apply("lanhdao", workflow.Approve, "")
	apply("lanhdao", workflow.Return, "Bổ sung kinh phí")
	d, _ := e.docs.Get(bg, e.users["chuyenvien"], id)
	subject := "Quyết định khen thưởng tập thể năm 2026"
	if _, err := e.docs.Revise(bg, e.users["chuyenvien"], id, workflow.ReviseInput{Version: d.Version, Subject: &subject}); err != nil {
		t.Fatal(err)
	}
	apply("chuyenvien", workflow.Submit, "")
	apply("lanhdao", workflow.Approve, "")
	if n := notice(); !strings.Contains(n, "Dự thảo đã bị trả lại 2 lần") || !strings.Contains(n, "Bổ sung kinh phí") ||
		strings.Contains(n, "Sửa căn cứ") || !strings.Contains(n, "Người soạn đã sửa dự thảo sau đó") {
		t.Errorf("approved after a revision: %q", n)
	}
}

// TestReviseFormSaysWhyReturned: the form a drafter revises a returned
// draft in says who returned it and why above its fields — it said
// nothing, and she went back to the document's page to read the reason
// again (walk 9); a draft never returned shows none.
func TestReviseFormSaysWhyReturned(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	h.get("/outgoing/new")
	id := docIDFrom(t, h.postMultipart("/outgoing/new", url.Values{"type": {"KH"}, "subject": {"Kế hoạch hội nghị"},
		"signer_id": {e.users["lanhdao"].ID}}, map[string][]byte{"file": fakePDF}))
	if body := h.get("/documents/" + id + "/revise").Body; strings.Contains(body, `id="returned"`) {
		t.Errorf("a draft never returned says it was")
	}
	bg := context.Background()
	if _, err := e.docs.Apply(bg, e.users["chuyenvien"], id, workflow.Submit, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.docs.Apply(bg, e.users["lanhdao"], id, workflow.Return, workflow.ActionInput{Comment: "Bổ sung dự toán kinh phí"}); err != nil {
		t.Fatal(err)
	}
	body := h.get("/documents/" + id + "/revise").Body
	i := strings.Index(body, `id="returned"`)
	if i < 0 {
		t.Fatalf("the revision form does not say the draft was returned:\n%s", body)
	}
	n := body[i : i+strings.Index(body[i:], "</p>")]
	if !strings.Contains(n, "Bổ sung dự toán kinh phí") || !strings.Contains(n, e.users["lanhdao"].FullName) {
		t.Errorf("the notice: %q", n)
	}
}
