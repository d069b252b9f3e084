package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// refuseOutgoing writes, beside the running server s, a refusal of each
// of its first outgoing documents (n of them) as the exchange would (the
// walk's server has no exchange): the clerk's inbox then has the tab
// "Gửi bị từ chối". Returns the documents' IDs.
func refuseOutgoing(t *testing.T, s *server, n int) []string {
	t.Helper()
	ctx := context.Background()
	db, err := gormdb.Open(ctx, "", s.dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	docs, _, err := db.Documents(ctx, workflow.DocumentFilter{Direction: workflow.Outgoing, SeeAll: true, Limit: n})
	if err != nil || len(docs) < n {
		t.Fatalf("outgoing documents: %d, %v", len(docs), err)
	}
	var ids []string
	err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for i, d := range docs {
			dl := workflow.Delivery{DocumentID: d.ID, OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa"}
			status := []string{"02", ""}[i%2]
			if err := tx.AppendEvent(ctx, workflow.DeliveryRefused(dl, status, "Sai thể thức văn bản", time.Now())); err != nil {
				return err
			}
			ids = append(ids, d.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// axeRefused runs check on the clerk's tab of refused deliveries, at
// 1366 and 360 px (its table, its buttons to mark them dealt with).
func axeRefused(t *testing.T, s *server, b *Browser, check func() []string) map[string][]string {
	t.Helper()
	refuseOutgoing(t, s, 2)
	out := map[string][]string{}
	b.As("clerk", "password-clerk")
	for _, w := range []struct {
		px   int64
		name string
	}{{1366, "clerk 1366px /?task=refused"}, {360, "clerk 360px /?task=refused"}} {
		b.Run(chromedp.EmulateViewport(w.px, 800))
		b.Go("/?task=refused")
		b.Run(chromedp.WaitVisible(chromedp.CSS(`form[action$="/refusals-seen"] button`)))
		out[w.name] = check()
	}
	return out
}
