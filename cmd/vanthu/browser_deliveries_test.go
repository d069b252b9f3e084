package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/web"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// agenciesOnly is an Exchange that names the connected agencies (the
// deliveries page's filter); the deliveries are the repository's.
type agenciesOnly struct {
	web.Exchange
	orgs []workflow.Org
}

func (x agenciesOnly) Recipients(context.Context, *workflow.User) ([]workflow.Org, error) {
	return x.orgs, nil
}

func (x agenciesOnly) Deliveries(context.Context, *workflow.User, string) ([]exchange.DeliveryReport, error) {
	return nil, nil
}

// TestIntegrationBrowserDeliveriesDealt: on Theo dõi gửi liên thông a
// clerk presses Đã xử lý on a refused delivery: the page comes back
// saying so, without that row, the failed one still there with its Gửi
// lại and Đã xử lý; the refused document's history says who marked it.
func TestIntegrationBrowserDeliveriesDealt(t *testing.T) {
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
	for _, id := range []string{"sent1", "sent2"} {
		d := &workflow.Document{ID: id, Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định " + id, Notation: "1/QĐ-" + id,
			Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6,
			Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}}, CreatedBy: clerk.ID, CreatedAt: now, UpdatedAt: now}
		if err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
			t.Fatal(err)
		}
	}
	repo.Deliveries = append(repo.Deliveries,
		workflow.Delivery{ID: "dlrefused", DocumentID: "sent1", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa",
			State: workflow.DeliveryDelivered, LastStatus: "02", Attempts: 1, CreatedAt: now, UpdatedAt: now},
		workflow.Delivery{ID: "dlfailed", DocumentID: "sent2", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa",
			State: workflow.DeliveryFailed, LastError: "peer answered 403: unknown sender", Attempts: 1, CreatedAt: now.Add(-time.Minute), UpdatedAt: now})
	repo.Statuses = append(repo.Statuses, workflow.ReceivedStatus{DocumentID: "sent1", OrgID: "000.00.31.H13", Code: "02",
		Description: "Không đúng thẩm quyền", At: now})
	ui, err := web.New(web.Config{Docs: docs, Accounts: accounts, Directory: repo, Agency: docs.Agency,
		Exchange: agenciesOnly{orgs: []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.Mount(http.NotFoundHandler(), ui))
	t.Cleanup(srv.Close)

	b := StartBrowser(t, srv.URL)
	b.As("clerk", "password-clerk")
	b.Go("/deliveries")
	mustContain(t, "the page", b.Text("main"), "Bị từ chối tiếp nhận", "Không đúng thẩm quyền", "Gửi thất bại")
	b.Run(chromedp.Click(chromedp.CSS(`form[action="/documents/sent1/deliveries/dlrefused/dealt"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	page := b.Text("main")
	mustContain(t, "after Đã xử lý", page, "Đã đánh dấu đã xử lý", "Gửi thất bại", "Gửi lại", "Đã xử lý")
	rows := Get(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('tbody tr')].map(r => r.dataset.state)`))
	if strings.Contains(page, "Không đúng thẩm quyền") || strings.Join(rows, " ") != "failed" {
		t.Errorf("rows %v, want the failed one alone:\n%s", rows, page)
	}
	b.Go("/documents/sent1")
	mustContain(t, "the history", b.HTML(), "Đánh dấu đã xử lý lượt gửi liên thông đến UBND phường Long Hòa (bị từ chối tiếp nhận)")
}
