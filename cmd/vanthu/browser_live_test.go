package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// laterStatuses is an Exchange whose one delivery reports the status
// code the test sets (stage): "" pending, else delivered with that code;
// it records when it was asked.
type laterStatuses struct {
	web.Exchange
	stage *atomic.Value // string
	mu    *sync.Mutex
	asked *[]time.Time
}

func (x laterStatuses) Deliveries(context.Context, *workflow.User, string) ([]exchange.DeliveryReport, error) {
	x.mu.Lock()
	*x.asked = append(*x.asked, time.Now())
	x.mu.Unlock()
	d := workflow.Delivery{ID: "dl-1", DocumentID: "sent1", OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa",
		Kind: workflow.DeliverDocument, State: workflow.DeliveryPending, UpdatedAt: time.Now()}
	var sts []workflow.ReceivedStatus
	if code := x.stage.Load().(string); code != "" {
		d.State, d.LastStatus = workflow.DeliveryDelivered, code
		sts = append(sts, workflow.ReceivedStatus{DocumentID: "sent1", OrgID: d.OrgID, Code: code, At: time.Now()})
	}
	return []exchange.DeliveryReport{{Delivery: d, Statuses: sts}}, nil
}

func (x laterStatuses) count() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(*x.asked)
}

// TestIntegrationBrowserLaterStatuses: after the fast refresh stopped
// (the delivery delivered, 03), a status the recipient reports later (05)
// appears without a reload and is said once; meanwhile the refreshes
// back off (each wait longer than the one before, up to the maximum),
// none is made while the tab is hidden, one comes at once when it is
// shown again, and they stop once the document is completed (06).
// Before, the refresh stopped with the pending delivery and 05 needed a
// reload.
func TestIntegrationBrowserLaterStatuses(t *testing.T) {
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
	x := laterStatuses{stage: &atomic.Value{}, mu: &sync.Mutex{}, asked: &[]time.Time{}}
	x.stage.Store("")
	const slow, slowMax = 600 * time.Millisecond, 2400 * time.Millisecond
	ui, err := web.New(web.Config{Docs: docs, Accounts: accounts, Directory: repo, Agency: docs.Agency, Exchange: x,
		Refresh: web.Refresh{Pending: 300 * time.Millisecond, Slow: slow, SlowMax: slowMax}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.Mount(http.NotFoundHandler(), ui))
	t.Cleanup(srv.Close)

	b := StartBrowser(t, srv.URL)
	b.As("clerk", "password-clerk")
	b.Go("/documents/sent1")
	// Everything the live region says, and a mark that a reload would
	// wipe out.
	Get(b, chromedp.Evaluate[bool](`(() => {
  const live = document.getElementById(document.getElementById('deliveries').getAttribute('data-live'));
  window.__said = []; window.__same = true;
  new MutationObserver(() => window.__said.push(live.textContent)).observe(live, {childList: true, characterData: true, subtree: true});
  return true;
})()`))
	waitText := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(b.Text("#deliveries"), want) {
			if time.Now().After(deadline) {
				t.Fatalf("%q never shown (%d answers): %s", want, x.count(), b.Text("#deliveries"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	x.stage.Store("03")
	waitText("03 · Đã tiếp nhận")
	if p := Get(b, chromedp.Evaluate[string](`document.getElementById('deliveries').getAttribute('data-pending')`)); p != "false" {
		t.Fatalf("data-pending=%q once delivered", p)
	}
	// The fast refresh has stopped: the slower ones back off.
	from := x.count()
	time.Sleep(slow + 2*slow + 4*slow + slow/2)
	x.mu.Lock()
	asked := append([]time.Time{}, (*x.asked)[from-1:]...)
	x.mu.Unlock()
	var gaps []time.Duration
	for i := 1; i < len(asked); i++ {
		gaps = append(gaps, asked[i].Sub(asked[i-1]).Round(10*time.Millisecond))
	}
	if len(gaps) < 3 || gaps[0] < slow-100*time.Millisecond || gaps[1] < gaps[0]*3/2 || gaps[2] < slowMax-100*time.Millisecond {
		t.Errorf("waits between refreshes after the delivery: %v, want %v, twice that, then %v", gaps, slow, slowMax)
	}
	t.Logf("waits between refreshes after the delivery: %v", gaps)
	// Hidden: no refresh; shown again: one at once.
	Get(b, chromedp.Evaluate[bool](`(() => {
  window.__hidden = true;
  Object.defineProperty(document, 'hidden', {configurable: true, get: () => window.__hidden});
  Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => window.__hidden ? 'hidden' : 'visible'});
  document.dispatchEvent(new Event('visibilitychange'));
  return true;
})()`))
	x.stage.Store("05")
	before := x.count()
	time.Sleep(2*slowMax + slow)
	if n := x.count(); n != before {
		t.Errorf("%d refreshes while the tab was hidden, want none", n-before)
	}
	shown := time.Now()
	Get(b, chromedp.Evaluate[bool](`(() => { window.__hidden = false; document.dispatchEvent(new Event('visibilitychange')); return true; })()`))
	waitText("05 · Đang xử lý")
	if d := time.Since(shown); d > slow {
		t.Errorf("shown again after its time had come, the refresh came %v later, want at once", d)
	}
	x.stage.Store("06")
	waitText("06 · Hoàn thành")
	last := x.count()
	time.Sleep(2 * slowMax)
	if n := x.count(); n != last {
		t.Errorf("%d refreshes after the document was completed (06), want none", n-last)
	}
	said := Get(b, chromedp.Evaluate[[]string](`window.__said`))
	same := Get(b, chromedp.Evaluate[bool](`window.__same === true`))
	if !same || len(said) != 3 || !strings.Contains(said[0], "03 · Đã tiếp nhận") || !strings.Contains(said[1], "05 · Đang xử lý") ||
		!strings.Contains(said[2], "06 · Hoàn thành") {
		t.Fatalf("without a reload (%v), the live region said %q over %d answers, want 03, 05 and 06, each once", same, said, x.count())
	}
	// Each refresh fetched the section's own route, never the whole page.
	fetched := Get(b, chromedp.Evaluate[[]string](`performance.getEntriesByType('resource').filter(e => e.initiatorType === 'xmlhttprequest').map(e => new URL(e.name).pathname)`))
	for _, f := range fetched {
		if f != "/documents/sent1/deliveries" {
			t.Errorf("a refresh fetched %s, want the deliveries alone (/documents/sent1/deliveries)", f)
		}
	}
	if len(fetched) < 3 {
		t.Errorf("refreshes fetched %q, want at least 3", fetched)
	}
}
