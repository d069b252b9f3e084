package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/vanthu/vanthu/exchange"
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
// handler a replacement and an update; the draft form carries the link,
// names the sent document by its number and subject (not its ID), and
// the draft made from it replaces (or updates) the sent document.
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
		if n := byID(parseHTML(t, p.Body), "amends"); !strings.Contains(textOf(n), "văn bản đã gửi Quyết định đã gửi (gửi đến") {
			t.Errorf("%s: the form's notice names the sent document %q, not by its subject", how, textOf(n))
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

// deliveriesOnly is an Exchange that reports fixed deliveries.
type deliveriesOnly struct {
	Exchange
	reps []exchange.DeliveryReport
}

func (x deliveriesOnly) Deliveries(context.Context, *workflow.User, string) ([]exchange.DeliveryReport, error) {
	return x.reps, nil
}

// TestRevocationAnswersPerRecipient: with several recipients, the sender's
// document page shows each recipient's answer to the revocation, the
// refusing one's reason included, beside the document's own state
// (revoked on the first acceptance: docs/exchange.md).
func TestRevocationAnswersPerRecipient(t *testing.T) {
	e := newTestEnv(t)
	at := e.now
	st, dl := deliveryFakes("sent1", at)
	x := deliveriesOnly{reps: []exchange.DeliveryReport{
		dl("000.00.31.H13", "UBND phường Long Hòa", "15", st("000.00.31.H13", "01", "", 1), st("000.00.31.H13", "13", "", 5), st("000.00.31.H13", "15", "", 6)),
		// Refused, then went on with the document: the refusal stays shown.
		dl("000.00.32.H13", "UBND phường An Thới", "05", st("000.00.32.H13", "01", "", 1), st("000.00.32.H13", "13", "", 5),
			st("000.00.32.H13", "16", "Đã niêm yết công khai", 7), st("000.00.32.H13", "05", "", 8)),
	}}
	ui, err := New(Config{Docs: e.docs, Accounts: e.auth, Directory: e.repo, Agency: e.docs.Agency, Exchange: x,
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(Mount(http.NotFoundHandler(), ui))
	t.Cleanup(e.srv.Close)
	sent := &workflow.Document{ID: "sent1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định đã thu hồi",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Revoked, Version: 8,
		RevokeState: workflow.RevokeAccepted, RevokeReason: "Ban hành nhầm",
		Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}, {OrgID: "000.00.32.H13"}},
		CreatedBy:  e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
	if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
		t.Fatal(err)
	}
	p := e.login("vanthu").get("/documents/sent1")
	if p.Status != http.StatusOK {
		t.Fatalf("GET: %d", p.Status)
	}
	i := strings.Index(p.Body, `id="deliveries"`)
	if i < 0 {
		t.Fatalf("no deliveries section:\n%s", p.Body)
	}
	rows := strings.Split(p.Body[i:], "<tr")
	if len(rows) < 4 {
		t.Fatalf("deliveries: %d rows", len(rows)-2)
	}
	for _, c := range []struct {
		row  string
		want []string
	}{
		{rows[2], []string{"UBND phường Long Hòa", "Thu hồi: Đồng ý thu hồi"}},
		{rows[3], []string{"UBND phường An Thới", "Thu hồi: Từ chối thu hồi", "Đã niêm yết công khai"}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.row, w) {
				t.Errorf("row lacks %q:\n%s", w, c.row)
			}
		}
	}
}

// TestUnpromptedRevocationStatuses: a recipient's 13, 15 or 16 about a
// document we never asked to revoke (an update's answer, or sent
// unprompted) is listed among its statuses, not said as the answer to a
// revocation ("Thu hồi: …"), and the section does not keep reading itself
// for a decision nobody asked for (exchange.Settled).
func TestUnpromptedRevocationStatuses(t *testing.T) {
	e := newTestEnv(t)
	at := e.now
	st, dl := deliveryFakes("sent1", at)
	e.remount(t, Config{Exchange: deliveriesOnly{reps: []exchange.DeliveryReport{
		dl("000.00.31.H13", "UBND phường Long Hòa", "06", st("000.00.31.H13", "01", "", 1), st("000.00.31.H13", "06", "", 5),
			st("000.00.31.H13", "13", "", 6), st("000.00.31.H13", "15", "", 7)),
	}}})
	sent := &workflow.Document{ID: "sent1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định đã hoàn thành",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 8,
		Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}}, CreatedBy: e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
	if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
		t.Fatal(err)
	}
	p := e.login("vanthu").get("/documents/sent1")
	sec := deliveriesSection.FindString(p.Body)
	if !strings.Contains(sec, "06 · Hoàn thành") || !strings.Contains(sec, "Sau đó: 13 · Đề nghị thu hồi") || strings.Contains(sec, "Thu hồi:") {
		t.Errorf("the unprompted 13 and 15 are not listed as statuses only:\n%s", sec)
	}
	if !strings.Contains(p.Body, `data-watch="false"`) {
		t.Errorf("the section keeps reading itself for a revocation nobody asked:\n%s", sec)
	}
}

// TestDeliveryStatusLiveRegion: the deliveries section, which app.js
// refreshes while a delivery is pending, names a polite live region
// outside itself (so a refresh never replaces it), empty when the page
// opens; each row carries its key and its state as a sentence, which
// differs when the state does (app.js says only the rows that changed).
func TestDeliveryStatusLiveRegion(t *testing.T) {
	e := newTestEnv(t)
	at := e.now
	sent := &workflow.Document{ID: "sent1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định đã gửi",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6,
		Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}}, CreatedBy: e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
	if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
		t.Fatal(err)
	}
	said := map[workflow.DeliveryState]string{}
	for _, st := range []struct {
		state   workflow.DeliveryState
		last    string
		pending string
		want    []string
	}{
		{workflow.DeliveryPending, "", "true", []string{"UBND phường Long Hòa", "Đang gửi"}},
		{workflow.DeliveryDelivered, "03", "false", []string{"UBND phường Long Hòa", "Đã gửi đến", "03 · Đã tiếp nhận"}},
		{workflow.DeliveryFailed, "", "false", []string{"UBND phường Long Hòa", "Gửi thất bại", "chứng thư của máy chủ đó không khớp"}},
	} {
		x := deliveriesOnly{reps: []exchange.DeliveryReport{{Delivery: workflow.Delivery{ID: "dl-1", DocumentID: "sent1",
			OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa", Kind: workflow.DeliverDocument, State: st.state,
			LastStatus: st.last, LastError: "certificate expired", UpdatedAt: at}}}}
		e.remount(t, Config{Exchange: x})
		doc := parseHTML(t, e.login("vanthu").get("/documents/sent1").Body)
		sec := byID(doc, "deliveries")
		if sec == nil {
			t.Fatalf("%s: no deliveries section", st.state)
		}
		if p, _ := attrOf(sec, "data-pending"); p != st.pending {
			t.Errorf("%s: data-pending=%q, want %q", st.state, p, st.pending)
		}
		liveID, _ := attrOf(sec, "data-live")
		live := byID(doc, liveID)
		if live == nil {
			t.Fatalf("%s: the section's live region %q is not on the page", st.state, liveID)
		}
		role, _ := attrOf(live, "role")
		polite, _ := attrOf(live, "aria-live")
		if role != "status" || polite != "polite" || strings.TrimSpace(textOf(live)) != "" {
			t.Errorf("%s: live region role=%q aria-live=%q text %q, want an empty polite status", st.state, role, polite, textOf(live))
		}
		for n := live.Parent; n != nil; n = n.Parent {
			if n == sec {
				t.Errorf("%s: the live region is inside the section a refresh replaces", st.state)
			}
		}
		var rows []*html.Node
		walkHTML(sec, func(n *html.Node) {
			if _, ok := attrOf(n, "data-said"); ok {
				rows = append(rows, n)
			}
		})
		if len(rows) != 1 {
			t.Fatalf("%s: %d rows with data-said, want 1", st.state, len(rows))
		}
		key, _ := attrOf(rows[0], "data-delivery")
		s, _ := attrOf(rows[0], "data-said")
		if key != "dl-1" {
			t.Errorf("%s: row key %q", st.state, key)
		}
		for _, w := range st.want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: said %q lacks %q", st.state, s, w)
			}
		}
		said[st.state] = s
	}
	if said[workflow.DeliveryPending] == said[workflow.DeliveryDelivered] || said[workflow.DeliveryPending] == said[workflow.DeliveryFailed] {
		t.Errorf("a change of state is not a change of what is said: %q", said)
	}
}

// TestRefusalReasonShown: the sender's document page (and the deliveries
// fragment app.js refreshes) shows why a recipient refused the document
// (status 02 and its description, as its clerk typed it) — it showed
// "02 · Từ chối tiếp nhận" alone, and the reason B's clerk wrote reached
// A's database but no page; a recipient that refused and later went on
// shows no stale reason.
func TestRefusalReasonShown(t *testing.T) {
	e := newTestEnv(t)
	at := e.now
	st, dl := deliveryFakes("sent2", at)
	x := deliveriesOnly{reps: []exchange.DeliveryReport{
		dl("000.00.31.H13", "UBND phường Long Hòa", "02", st("000.00.31.H13", "01", "", 1),
			st("000.00.31.H13", "02", " Văn bản không thuộc thẩm quyền của phường ", 2)),
		dl("000.00.32.H13", "UBND phường An Thới", "03", st("000.00.32.H13", "02", "Thiếu phụ lục", 1), st("000.00.32.H13", "03", "", 3)),
	}}
	e.remount(t, Config{Exchange: x})
	sent := &workflow.Document{ID: "sent2", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định đã gửi",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6,
		Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}, {OrgID: "000.00.32.H13"}},
		CreatedBy:  e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
	if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
		t.Fatal(err)
	}
	c := e.login("vanthu")
	for _, path := range []string{"/documents/sent2", "/documents/sent2/deliveries"} {
		p := c.get(path)
		i := strings.Index(p.Body, `id="deliveries"`)
		if p.Status != http.StatusOK || i < 0 {
			t.Fatalf("%s: %d, no deliveries section", path, p.Status)
		}
		rows := strings.Split(p.Body[i:], "<tr")
		if len(rows) < 4 {
			t.Fatalf("%s: %d rows", path, len(rows)-2)
		}
		if !strings.Contains(rows[2], "02 · Từ chối tiếp nhận<br><span class=\"reason\">Lý do: Văn bản không thuộc thẩm quyền của phường</span>") ||
			!strings.Contains(rows[2], `data-said="Văn bản gửi UBND phường Long Hòa: Đã gửi đến, 02 · Từ chối tiếp nhận, lý do: Văn bản không thuộc thẩm quyền của phường."`) {
			t.Errorf("%s: the refusal's reason is not shown:\n%s", path, rows[2])
		}
		if strings.Contains(rows[3], "Thiếu phụ lục") {
			t.Errorf("%s: a refusal the recipient went past is shown:\n%s", path, rows[3])
		}
	}
}

// TestReplacementNamed: a received replacement names the document it
// replaces by its number and subject, and the replaced one says at its
// top that the sender replaced it, naming the replacement — the page
// showed the other's id alone, in the information list, and a clerk
// with both waiting to be registered could not tell them apart.
func TestReplacementNamed(t *testing.T) {
	e := newTestEnv(t)
	at := e.now
	sender := &workflow.Org{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy"}
	orig := &workflow.Document{ID: "orig1", Direction: workflow.Incoming, Type: "QĐ", Subject: "Quyết định về việc điều chỉnh kế hoạch",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Received, Version: 2, Sender: sender,
		OriginalNumber: "02/QĐ-UBND", ReplacedBy: "repl1", CreatedAt: at, UpdatedAt: at}
	repl := &workflow.Document{ID: "repl1", Direction: workflow.Incoming, Type: "QĐ", Subject: "Quyết định thay thế về việc điều chỉnh kế hoạch",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Received, Version: 1, Sender: sender,
		OriginalNumber: "04/QĐ-UBND", Replaces: "orig1", CreatedAt: at, UpdatedAt: at}
	if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		if err := tx.CreateDocument(ctx, orig); err != nil {
			return err
		}
		return tx.CreateDocument(ctx, repl)
	}); err != nil {
		t.Fatal(err)
	}
	c := e.login("vanthu")
	p := c.get("/documents/repl1")
	if !strings.Contains(p.Body, `<dt>Thay thế văn bản</dt><dd><a href="/documents/orig1">02/QĐ-UBND — Quyết định về việc điều chỉnh kế hoạch</a></dd>`) {
		t.Errorf("the replacement does not name what it replaces:\n%s", p.Body)
	}
	p = c.get("/documents/orig1")
	if !strings.Contains(p.Body, `<p class="notice" id="replaced">Cơ quan gửi đã thay thế văn bản này bằng <a href="/documents/repl1">04/QĐ-UBND — Quyết định thay thế về việc điều chỉnh kế hoạch</a>.</p>`) ||
		!strings.Contains(p.Body, `<dt>Được thay thế bởi</dt><dd><a href="/documents/repl1">04/QĐ-UBND — `) {
		t.Errorf("the replaced document does not say it was replaced:\n%s", p.Body)
	}
}

// deliveryFakes makes the statuses (st: at + min minutes) and delivery
// reports (dl) of document doc sent at at, as the exchange reports them.
func deliveryFakes(doc string, at time.Time) (st func(org, code, desc string, min int) workflow.ReceivedStatus,
	dl func(org, name, last string, sts ...workflow.ReceivedStatus) exchange.DeliveryReport) {
	st = func(org, code, desc string, min int) workflow.ReceivedStatus {
		return workflow.ReceivedStatus{DocumentID: doc, OrgID: org, Code: code, Description: desc,
			At: at.Add(time.Duration(min) * time.Minute), ReceivedAt: at.Add(time.Duration(min) * time.Minute)}
	}
	dl = func(org, name, last string, sts ...workflow.ReceivedStatus) exchange.DeliveryReport {
		return exchange.DeliveryReport{Delivery: workflow.Delivery{ID: org, DocumentID: doc, OrgID: org, OrgName: name,
			Kind: workflow.DeliverDocument, State: workflow.DeliveryDelivered, LastStatus: last, UpdatedAt: at}, Statuses: sts}
	}
	return st, dl
}
