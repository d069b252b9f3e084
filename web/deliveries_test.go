package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/workflow"
)

var deliveriesSection = regexp.MustCompile(`(?s)<section aria-labelledby="h-deliv".*?</section>`)

// TestDeliveriesFragment: the deliveries section refreshes from a route
// of its own (data-refresh), which answers the section as the page
// shows it — rows, pending and watch — and nothing else of the page, with
// the page's access rules: a document the user may not see, or whose
// page has no deliveries, is not found.
func TestDeliveriesFragment(t *testing.T) {
	e := newTestEnv(t)
	at := e.now
	x := deliveriesOnly{reps: []exchange.DeliveryReport{{Delivery: workflow.Delivery{ID: "dl-1", DocumentID: "sent1",
		OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa", Kind: workflow.DeliverDocument, State: workflow.DeliveryDelivered,
		LastStatus: "03", UpdatedAt: at, LastStatusAt: &at}}}}
	e.remount(t, Config{Exchange: x})
	mk := func(id string, state workflow.State, conf workflow.Confidentiality) {
		d := &workflow.Document{ID: id, Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định " + id,
			Urgency: workflow.UrgencyNormal, Confidentiality: conf, State: state, Version: 6,
			Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}}, CreatedBy: e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
		if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
			t.Fatal(err)
		}
	}
	mk("sent1", workflow.Sent, workflow.Public)
	mk("secret1", workflow.Sent, workflow.Confidential)
	mk("draft1", workflow.Draft, workflow.Public)
	clerk := e.login("vanthu")

	page := clerk.get("/documents/sent1")
	frag := clerk.get("/documents/sent1/deliveries")
	onPage := deliveriesSection.FindString(page.Body)
	if frag.Status != http.StatusOK || onPage == "" || strings.TrimSpace(frag.Body) != onPage {
		t.Fatalf("fragment %d:\n%s\nthe page's section:\n%s", frag.Status, frag.Body, onPage)
	}
	if !strings.Contains(onPage, `data-refresh="/documents/sent1/deliveries"`) || !strings.Contains(onPage, "03 · Đã tiếp nhận") ||
		!strings.Contains(onPage, `data-watch="true"`) {
		t.Errorf("the section does not refresh from its route, or lacks its row:\n%s", onPage)
	}
	if strings.Contains(frag.Body, "<html") || strings.Contains(frag.Body, "Lịch sử xử lý") || strings.Contains(frag.Body, `id="deliveries-said"`) {
		t.Errorf("the fragment holds more than the section (the page, its history, or the live region that must outlive a refresh)")
	}
	if ct := frag.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || frag.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("fragment headers: %q, %q", ct, frag.Header.Get("Cache-Control"))
	}
	for _, tc := range []struct {
		user, id string
		want     int
	}{
		{"chuyenvien", "secret1", http.StatusNotFound}, // a classified document not theirs
		{"vanthu", "secret1", http.StatusOK},
		{"vanthu", "draft1", http.StatusNotFound}, // no deliveries on its page
		{"vanthu", "nosuch", http.StatusNotFound},
	} {
		c := e.login(tc.user)
		pageStatus := c.get("/documents/" + tc.id).Status
		if p := c.get("/documents/" + tc.id + "/deliveries"); p.Status != tc.want || (tc.want == http.StatusNotFound && tc.id == "secret1" && pageStatus != p.Status) {
			t.Errorf("%s, %s: %d (the page %d), want %d", tc.user, tc.id, p.Status, pageStatus, tc.want)
		}
	}
	anon := e.client()
	if p := anon.get("/documents/sent1/deliveries"); p.Status == http.StatusOK {
		t.Errorf("signed out: %d", p.Status)
	}
	// Without an exchange the page has no deliveries, nor the route.
	e.remount(t, Config{})
	if p := e.login("vanthu").get("/documents/sent1/deliveries"); p.Status != http.StatusNotFound {
		t.Errorf("no exchange: %d", p.Status)
	}
}
