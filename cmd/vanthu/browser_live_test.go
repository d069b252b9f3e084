package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/web"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// pendingThenDelivered is an Exchange whose one delivery stays pending
// for the first pending answers, then is delivered (status 03).
type pendingThenDelivered struct {
	web.Exchange
	calls   *atomic.Int32
	pending int32
}

func (x pendingThenDelivered) Deliveries(context.Context, *workflow.User, string) ([]exchange.DeliveryReport, error) {
	d := workflow.Delivery{ID: "dl-1", DocumentID: "sent1", OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa",
		Kind: workflow.DeliverDocument, State: workflow.DeliveryPending, UpdatedAt: time.Now()}
	if x.calls.Add(1) > x.pending {
		d.State, d.LastStatus = workflow.DeliveryDelivered, "03"
	}
	return []exchange.DeliveryReport{{Delivery: d}}, nil
}

// TestIntegrationBrowserDeliveryAnnounced: the deliveries of a sent
// document refresh themselves while one is pending (app.js, every 4 s);
// a screen reader hears, through the page's polite live region, the
// delivery that changed — once — and nothing on the polls that changed
// nothing (the delivery stays pending for the page and two polls).
func TestIntegrationBrowserDeliveryAnnounced(t *testing.T) {
	repo := workflowtest.NewRepository()
	accounts := &auth.Service{Repo: repo, Cost: 4}
	docs := &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t),
		Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"}}
	clerk, err := accounts.CreateUser(context.Background(), nil, auth.NewUser{Username: "clerk", Password: "password-clerk",
		FullName: "Lê Thị Văn Thư", Roles: []workflow.Role{workflow.RoleClerk}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sent := &workflow.Document{ID: "sent1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định đã gửi",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6,
		Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}}, CreatedBy: clerk.ID, CreatedAt: now, UpdatedAt: now}
	if err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
		t.Fatal(err)
	}
	calls := &atomic.Int32{}
	ui, err := web.New(web.Config{Docs: docs, Accounts: accounts, Directory: repo, Agency: docs.Agency,
		Exchange: pendingThenDelivered{calls: calls, pending: 3}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.Mount(http.NotFoundHandler(), ui))
	t.Cleanup(srv.Close)

	b := StartBrowser(t, srv.URL)
	b.As("clerk", "password-clerk")
	b.Go("/documents/sent1")
	mustContain(t, "the page, pending", b.Text("#deliveries"), "Đang gửi")
	// Everything the live region says, from now on.
	Get(b, chromedp.Evaluate[bool](`(() => {
  const live = document.getElementById(document.getElementById('deliveries').getAttribute('data-live'));
  window.__said = [];
  new MutationObserver(() => window.__said.push(live.textContent)).observe(live, {childList: true, characterData: true, subtree: true});
  return true;
})()`))
	deadline := time.Now().Add(40 * time.Second)
	for !strings.Contains(b.Text("#deliveries"), "Đã gửi đến") {
		if time.Now().After(deadline) {
			t.Fatalf("the delivery never shown as delivered (%d answers): %s", calls.Load(), b.Text("#deliveries"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	said := Get(b, chromedp.Evaluate[[]string](`window.__said`))
	if calls.Load() < 4 {
		t.Fatalf("%d answers: the page did not poll while pending", calls.Load())
	}
	if len(said) != 1 || !strings.Contains(said[0], "UBND phường Long Hòa") || !strings.Contains(said[0], "Đã gửi đến") ||
		!strings.Contains(said[0], "03 · Đã tiếp nhận") {
		t.Fatalf("the live region said %q over %d answers, want the one change (delivered, 03) once", said, calls.Load())
	}
	t.Logf("said once, after %d answers: %q", calls.Load(), said[0])
}
