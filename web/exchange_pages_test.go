package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestRevocationThroughPages: a sender's request to revoke (recorded by
// the exchange) shows on the document page with its reason; the clerk's
// buttons refuse it (a reason is required) or accept it (revoked).
func TestRevocationThroughPages(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	for _, accept := range []bool{false, true} {
		id := e.newIncoming(clerk, "Về việc thu hồi văn bản thử", nil)
		if _, err := e.docs.Apply(context.Background(), workflow.Exchange, id, workflow.RequestRevoke,
			workflow.ActionInput{Comment: "Ban hành nhầm đối tượng"}); err != nil {
			t.Fatal(err)
		}
		p := clerk.get("/documents/" + id)
		for _, want := range []string{button(workflow.AcceptRevoke), button(workflow.RefuseRevoke), "Đang đề nghị thu hồi", "Ban hành nhầm đối tượng"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		if !accept {
			if p := act(t, clerk, id, workflow.RefuseRevoke, nil); p.Status != http.StatusBadRequest {
				t.Fatalf("refuse without a reason: %d", p.Status)
			}
			if p := act(t, clerk, id, workflow.RefuseRevoke, url.Values{"comment": {"Đã niêm yết công khai"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("refuse: %d\n%s", p.Status, p.Body)
			}
			p = clerk.get("/documents/" + id)
			if !strings.Contains(p.Body, "Từ chối thu hồi") || !strings.Contains(p.Body, "Đã niêm yết công khai") || !strings.Contains(p.Body, "Chờ vào sổ") {
				t.Errorf("refused revocation not shown:\n%s", p.Body)
			}
			continue
		}
		if p := act(t, clerk, id, workflow.AcceptRevoke, nil); p.Status != http.StatusSeeOther {
			t.Fatalf("accept: %d\n%s", p.Status, p.Body)
		}
		if p := clerk.get("/documents/" + id); !strings.Contains(p.Body, "Đã thu hồi") {
			t.Errorf("revoked document page lacks its state")
		}
	}
}

// TestAmendFromDocumentPage: a sent outgoing document's page offers the
// handler a replacement and an update; the draft form carries the link
// and the draft made from it replaces (or updates) the sent document.
func TestAmendFromDocumentPage(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	ctx := context.Background()
	sent := &workflow.Document{ID: "sent1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định đã gửi",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6,
		SignerID: e.users["lanhdao"].ID, Recipients: []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}},
		CreatedBy: e.users["chuyenvien"].ID, CreatedAt: e.now, UpdatedAt: e.now}
	if err := e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
		t.Fatal(err)
	}
	p := h.get("/documents/sent1")
	for _, want := range []string{`href="/outgoing/new?replaces=sent1"`, `href="/outgoing/new?updates=sent1"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("document page lacks %s", want)
		}
	}
	if p := e.login("vanthu").get("/documents/sent1"); strings.Contains(p.Body, "/outgoing/new?replaces=") {
		t.Errorf("a clerk (who drafts nothing) is offered a replacement")
	}
	for _, how := range []string{"replaces", "updates"} {
		p := h.get("/outgoing/new?" + how + "=sent1")
		if !strings.Contains(p.Body, `name="`+how+`" value="sent1"`) {
			t.Fatalf("draft form lacks the %s link", how)
		}
		f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định " + how}, "signer_id": {e.users["lanhdao"].ID}, how: {"sent1"}}
		id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": fakePDF}))
		d, _ := e.docs.Get(ctx, e.users["chuyenvien"], id)
		link := d.Replaces
		if how == "updates" {
			link = d.Updates
		}
		if link != "sent1" || len(d.Recipients) != 1 || d.Recipients[0].OrgID != "000.00.31.H13" {
			t.Fatalf("%s draft: link %q, recipients %v", how, link, d.Recipients)
		}
		if p := h.get("/documents/" + id); !strings.Contains(p.Body, `href="/documents/sent1"`) {
			t.Errorf("%s draft's page does not link the sent document", how)
		}
	}
}
