package exchange

import (
	"context"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
)

// AgencyLookup finds a registered agency (ENOTFOUND if none).
type AgencyLookup interface {
	Agency(ctx context.Context, orgID string) (*Agency, error)
}

// Outbox implements workflow.Outbox: it queues, in the transaction of the
// change, a document delivery per recipient on send and the status
// messages a received document owes its sender.
type Outbox struct {
	Agencies AgencyLookup
	// Wake, when set, is called once the transaction that queued a
	// message commits (the worker may look sooner); it must not block.
	Wake func()
}

var _ workflow.Outbox = (*Outbox)(nil)

// statusOfAction is the status a received document's sender is told
// when the document takes an action.
var statusOfAction = map[workflow.Action]edxml.StatusCode{
	workflow.Register: edxml.StatusAccepted,
	workflow.Assign:   edxml.StatusAssigned,
	workflow.Start:    edxml.StatusInProgress,
	workflow.Complete: edxml.StatusCompleted,
	workflow.Reject:   edxml.StatusRejected,

	workflow.RequestRevoke: edxml.StatusRevokeRequest,
	workflow.AcceptRevoke:  edxml.StatusRevokeAccepted,
	workflow.RefuseRevoke:  edxml.StatusRevokeRefused,
}

// Transitioned queues the exchange messages of a transition. On send,
// every recipient must be a registered agency: otherwise EINVALID, and
// the transaction (so the send) is rolled back.
func (o *Outbox) Transitioned(ctx context.Context, tx workflow.Tx, d *workflow.Document, t workflow.Transition, ev *workflow.Event) error {
	switch {
	case d.Direction == workflow.Outgoing && t.Action == workflow.Send:
		for _, r := range d.Recipients {
			a, err := o.Agencies.Agency(ctx, r.OrgID)
			if workflow.ErrorCode(err) == workflow.ENOTFOUND {
				return workflow.Errorf(workflow.EINVALID, "recipient %s (%s) is not a connected agency: register it (POST /api/v1/agencies or vanthu agency add) before sending", r.OrgID, r.Name)
			} else if err != nil {
				return err
			}
			name := r.Name
			if name == "" {
				name = a.Name
			}
			if err := tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverDocument, OrgID: r.OrgID, OrgName: name}); err != nil {
				return err
			}
		}
		o.wakeAfter(tx)
	case d.Direction == workflow.Outgoing && t.Action == workflow.RequestRevoke:
		for _, r := range d.Recipients {
			if err := tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: DeliverRevoke, OrgID: r.OrgID,
				OrgName: r.Name, Description: d.RevokeReason}); err != nil {
				return err
			}
		}
		o.wakeAfter(tx)
	case d.Direction == workflow.Incoming && d.ExternalID != "" && d.Sender != nil:
		code, ok := statusOfAction[t.Action]
		if !ok {
			return nil
		}
		desc := ""
		switch t.Action {
		case workflow.Reject:
			desc = d.RejectReason
		case workflow.RequestRevoke:
			desc = d.RevokeReason
		case workflow.RefuseRevoke:
			desc = d.RevokeAnswer
		}
		return o.status(ctx, tx, d, code, desc)
	}
	return nil
}

// Received queues 01 to the sender (a document rejected on receipt is
// answered 02 by the reject transition instead).
// A document kept without ExternalID (its envelope failed verification)
// is answered synchronously only: there is no proven id to refer to.
func (o *Outbox) Received(ctx context.Context, tx workflow.Tx, d *workflow.Document) error {
	if d.Sender == nil || d.Sender.OrgID == "" || d.ExternalID == "" || d.State != workflow.Received {
		return nil
	}
	return o.status(ctx, tx, d, edxml.StatusArrived, "")
}

func (o *Outbox) status(ctx context.Context, tx workflow.Tx, d *workflow.Document, code edxml.StatusCode, desc string) error {
	if code == edxml.StatusRejected && desc == "" {
		desc = "rejected"
	}
	err := tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverStatus, OrgID: d.Sender.OrgID,
		OrgName: d.Sender.Name, StatusCode: string(code), Description: desc})
	if err == nil {
		o.wakeAfter(tx)
	}
	return err
}

// wakeAfter wakes the worker once tx commits: woken earlier, it would
// look before the messages are visible.
func (o *Outbox) wakeAfter(tx workflow.Tx) {
	if o.Wake != nil {
		workflow.AfterCommit(tx, o.Wake)
	}
}
