package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestDealDelivery: a clerk marks a delivery that failed for good, or that
// its recipient refused, dealt with (Đã xử lý): once, with an audit event
// delivery_dealt, and it leaves the page of outgoing deliveries; not a
// pending one, nor one changed since she was shown it, nor by a handler or
// an admin. The inbox and the page keep one rule: the mark of the
// document's last delivery to deal with takes its refusals off the inbox
// (delivery_refused_seen), and the inbox's mark of a document's refusals
// marks its failed and refused deliveries dealt with.
func TestDealDelivery(t *testing.T) {
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Second)
	clerk := &workflow.User{ID: "u-c", Roles: []workflow.Role{workflow.RoleClerk}}
	admin := &workflow.User{ID: "u-adm", Roles: []workflow.Role{workflow.RoleAdmin}}
	handler := &workflow.User{ID: "u-h", Roles: []workflow.Role{workflow.RoleHandler}}
	const b, c, x = "000.00.31.H13", "000.00.32.H13", "000.00.33.H13"
	setup := func(t *testing.T) (*workflow.Service, *workflowtest.Repository) {
		repo := workflowtest.NewRepository()
		svc := &workflow.Service{Repo: repo, Now: func() time.Time { return at.Add(time.Hour) }}
		err := repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for _, id := range []string{"d1", "d2"} {
				if err := tx.CreateDocument(ctx, &workflow.Document{ID: id, Direction: workflow.Outgoing, State: workflow.Sent, Version: 1,
					Recipients: []workflow.Org{{OrgID: b}, {OrgID: c}, {OrgID: x}}, CreatedAt: at}); err != nil {
					return err
				}
			}
			for _, dl := range []workflow.Delivery{
				{ID: "refused", DocumentID: "d1", Kind: workflow.DeliverDocument, OrgID: b, State: workflow.DeliveryDelivered, LastStatus: "02"},
				{ID: "failed", DocumentID: "d1", Kind: workflow.DeliverDocument, OrgID: c, State: workflow.DeliveryFailed, LastError: "peer answered 403"},
				{ID: "pending", DocumentID: "d1", Kind: workflow.DeliverDocument, OrgID: x, State: workflow.DeliveryPending},
				{ID: "failed2", DocumentID: "d2", Kind: workflow.DeliverDocument, OrgID: b, State: workflow.DeliveryFailed, LastError: "peer answered 400"},
			} {
				dl.CreatedAt, dl.UpdatedAt = at, at
				if err := tx.EnqueueDelivery(ctx, &dl); err != nil {
					return err
				}
				if dl.State == workflow.DeliveryPending {
					continue
				}
				if err := tx.AppendEvent(ctx, workflow.DeliveryRefused(dl, dl.LastStatus, "vì sao", at)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return svc, repo
	}
	kinds := func(t *testing.T, repo *workflowtest.Repository, doc string) (dealt, seen int) {
		t.Helper()
		evs, err := repo.Events(ctx, doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			switch e.Kind {
			case workflow.EventDeliveryDealt:
				dealt++
				if e.Actor != clerk.ID || e.Data["delivery"] == "" || e.Data["watch"] == "" {
					t.Errorf("delivery_dealt %+v", e)
				}
			case workflow.EventRefusalsSeen:
				seen++
			}
		}
		return dealt, seen
	}
	watched := func(t *testing.T, svc *workflow.Service) string {
		t.Helper()
		rows, _, err := svc.WatchedDeliveries(ctx, clerk, workflow.DeliveryQuery{})
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, r := range rows {
			out += r.ID + " "
		}
		return out
	}

	t.Run("OnePerDelivery", func(t *testing.T) {
		svc, repo := setup(t)
		for _, tc := range []struct {
			name  string
			actor *workflow.User
			id    string
			seen  time.Time
			want  bool
			code  string
		}{
			{"ErrHandler", handler, "refused", time.Time{}, false, workflow.EFORBIDDEN},
			{"ErrAdmin", admin, "refused", time.Time{}, false, workflow.EFORBIDDEN},
			{"ErrNoSuchDelivery", clerk, "none", time.Time{}, false, workflow.ENOTFOUND},
			{"Pending", clerk, "pending", time.Time{}, false, ""},
			{"ChangedSinceSeen", clerk, "refused", at.Add(-time.Minute), false, ""},
			{"Refused", clerk, "refused", at, true, ""},
			{"RefusedAgain", clerk, "refused", time.Time{}, false, ""},
		} {
			ok, err := svc.DealDelivery(ctx, tc.actor, "d1", tc.id, tc.seen)
			if ok != tc.want || workflow.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v %v, want %v %q", tc.name, ok, err, tc.want, tc.code)
			}
		}
		// Created at the same time: newest first by ID.
		if got := watched(t, svc); got != "pending failed2 failed " {
			t.Errorf("after one mark: %q", got)
		}
		if dealt, seen := kinds(t, repo, "d1"); dealt != 1 || seen != 0 {
			t.Errorf("d1: %d delivery_dealt, %d delivery_refused_seen; want 1, 0 (a failed delivery still waits)", dealt, seen)
		}
		if docs, n, _ := svc.Refusals(ctx, clerk, 10); n != 2 || len(docs) != 2 {
			t.Errorf("the inbox lists %d documents, want both still", n)
		}
		if ok, err := svc.DealDelivery(ctx, clerk, "d1", "failed", at); !ok || err != nil {
			t.Fatalf("failed: %v %v", ok, err)
		}
		if dealt, seen := kinds(t, repo, "d1"); dealt != 2 || seen != 1 {
			t.Errorf("d1: %d delivery_dealt, %d delivery_refused_seen; want 2, 1 (nothing left to deal with)", dealt, seen)
		}
		if docs, n, _ := svc.Refusals(ctx, clerk, 10); n != 1 || len(docs) != 1 || docs[0].Doc.ID != "d2" {
			t.Errorf("the inbox lists %d documents, want d2 alone", n)
		}
	})
	t.Run("TheInboxMarks", func(t *testing.T) {
		svc, repo := setup(t)
		if err := svc.SeeRefusals(ctx, clerk, "d1", 0); err != nil {
			t.Fatal(err)
		}
		if got := watched(t, svc); got != "pending failed2 " {
			t.Errorf("after the inbox's mark of d1: %q, want its pending delivery and d2's", got)
		}
		for _, dl := range repo.Deliveries {
			if dealt := dl.DealtAt != nil; dealt != (dl.DocumentID == "d1" && dl.ID != "pending") {
				t.Errorf("%s dealt with: %v", dl.ID, dealt)
			}
		}
		if dealt, _ := kinds(t, repo, "d1"); dealt != 0 {
			t.Errorf("%d delivery_dealt: the inbox's mark is its own event", dealt)
		}
	})
}
