package exchange

import (
	"context"
	"errors"
	"testing"

	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// hookTx is a Tx that keeps AfterCommit functions for the test to run.
type hookTx struct {
	workflow.Tx
	after []func()
}

func (h *hookTx) AfterCommit(fn func()) { h.after = append(h.after, fn) }

// TestOutboxWakesAfterCommit: queueing a message wakes the worker only
// once the transaction has committed, never inside it (the worker would
// look before the rows are visible). Before, Wake was called inside the
// transaction and the worker slept 10 ms hoping the commit came first.
func TestOutboxWakesAfterCommit(t *testing.T) {
	reg := agencies{"000.00.31.H13": {OrgID: "000.00.31.H13", Name: "Long Hòa"}}
	woken := 0
	o := &Outbox{Agencies: reg, Wake: func() { woken++ }}
	send, _ := workflow.Next(workflow.Outgoing, workflow.Issued, workflow.Send)
	register, _ := workflow.Next(workflow.Incoming, workflow.Received, workflow.Register)
	for _, tc := range []struct {
		name string
		d    *workflow.Document
		t    workflow.Transition
	}{
		{"send", &workflow.Document{ID: "d1", Direction: workflow.Outgoing, Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}}}, send},
		{"status", &workflow.Document{ID: "d2", Direction: workflow.Incoming, ExternalID: "x", Sender: &workflow.Org{OrgID: "000.00.31.H13"}}, register},
	} {
		t.Run(tc.name, func(t *testing.T) {
			woken = 0
			repo := workflowtest.NewRepository()
			var h *hookTx
			err := repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
				h = &hookTx{Tx: tx}
				if err := o.Transitioned(ctx, h, tc.d, tc.t, &workflow.Event{}); err != nil {
					return err
				}
				if woken != 0 {
					t.Errorf("woken %d times inside the transaction", woken)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(repo.Deliveries) != 1 || len(h.after) != 1 {
				t.Fatalf("%d deliveries, %d after-commit functions; want 1 and 1", len(repo.Deliveries), len(h.after))
			}
			for _, f := range h.after {
				f()
			}
			if woken != 1 {
				t.Errorf("woken %d times after the commit, want 1", woken)
			}
		})
	}
}

// TestReceiverStatusesAreTheAPIs: the exchange endpoint answers every
// domain code with the API's status (it had a second table, without
// ETOOMANY: a throttled peer got 500).
func TestReceiverStatusesAreTheAPIs(t *testing.T) {
	for _, code := range []string{workflow.EINVALID, workflow.EUNPROCESSABLE, workflow.EUNSUPPORTEDMEDIA, workflow.ENOTFOUND,
		workflow.EILLEGAL, workflow.ECONFLICT, workflow.EFORBIDDEN, workflow.EUNAUTHORIZED, workflow.ETOOLARGE,
		workflow.ETOOMANY, workflow.EUNAVAILABLE, workflow.EINTERNAL} {
		status, gotCode, msg := errorAnswer(workflow.Errorf(code, "why"))
		want, _ := httpstatus.Of(code)
		if status != want || gotCode != code || (code == workflow.EINTERNAL) != (msg == "internal error") {
			t.Errorf("%s: answered %d %s %q, want %d", code, status, gotCode, msg, want)
		}
	}
	if status, code, msg := errorAnswer(errors.New("secret detail")); status != 500 || code != workflow.EINTERNAL || msg != "internal error" {
		t.Errorf("plain error answered %d %s %q", status, code, msg)
	}
}
