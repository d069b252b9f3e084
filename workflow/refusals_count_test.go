package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestRefusalsCountOnly: Refusals with limit 0 counts the refused
// documents waiting and lists none (an inbox whose tab is not open shows
// only its badge); with a limit it lists them.
func TestRefusalsCountOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk := e.users[workflow.RoleClerk]
	for range 3 {
		d := e.walkTo(t, workflow.Outgoing, workflow.Sent)
		dl := workflow.Delivery{DocumentID: d.ID, OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa"}
		if err := e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			return tx.AppendEvent(ctx, workflow.DeliveryRefused(dl, "02", "Sai thể thức", time.Now()))
		}); err != nil {
			t.Fatal(err)
		}
	}
	docs, n, err := e.svc.Refusals(ctx, clerk, 0)
	if err != nil || n != 3 || docs != nil {
		t.Errorf("count only: %d documents listed, n %d, err %v; want none, 3", len(docs), n, err)
	}
	docs, n, err = e.svc.Refusals(ctx, clerk, 2)
	if err != nil || n != 3 || len(docs) != 2 {
		t.Errorf("limit 2: %d documents, n %d, err %v; want 2, 3", len(docs), n, err)
	}
}
