package exchange

import (
	"context"
	"time"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/edxmlid"
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
	// Worker, when set and running, gets the messages queued in a
	// transaction that can queue them claimed for it (ClaimingQueue):
	// handed to it once the transaction commits, they go out at once,
	// without a claim's transaction, and Wake is not called for them.
	Worker *Worker
}

// ClaimingQueue is a transaction that can queue a message claimed at
// once for this instance's worker (its first attempt counted, the next
// one after the lease, as ClaimDeliveries does), unless an earlier
// pending message about the same document to the same agency makes it
// wait: then it is queued due, unclaimed (false).
type ClaimingQueue interface {
	EnqueueClaimed(ctx context.Context, d *workflow.Delivery, lease time.Duration) (bool, error)
}

// enqueue queues d in tx: claimed for the worker and handed to it once
// tx commits when it can be (true), with a copy of doc as committed
// (the worker then need not read it back), else due for a claim (the
// caller wakes the worker once tx commits).
func (o *Outbox) enqueue(ctx context.Context, tx workflow.Tx, d *workflow.Delivery, doc *workflow.Document) (bool, error) {
	q, ok := tx.(ClaimingQueue)
	if !ok || o.Worker == nil || !o.Worker.running.Load() {
		return false, tx.EnqueueDelivery(ctx, d)
	}
	claimed, err := q.EnqueueClaimed(ctx, d, o.Worker.lease())
	if err != nil || !claimed {
		return false, err
	}
	sentID, err := o.rememberSent(ctx, tx, d, doc)
	if err != nil {
		return false, err
	}
	dl, w := *d, o.Worker
	workflow.AfterCommit(tx, func() {
		snap := *doc
		w.handWith(dl, &snap, sentID)
	})
	return true, nil
}

// SentRememberer is a transaction that can record the DocumentId a
// document goes out as (gormdb: on PostgreSQL sent with the statements
// that commit, no round trip of its own).
type SentRememberer interface {
	RememberSent(ctx context.Context, externalID, documentID string) error
}

// rememberSent records in tx, for a document delivery about to be
// handed, the DocumentId its package will carry (as the worker would
// before sending it: one write transaction less per delivery), and
// returns it; "" when tx cannot or the document has none yet (the worker
// then records it as before).
func (o *Outbox) rememberSent(ctx context.Context, tx workflow.Tx, d *workflow.Delivery, doc *workflow.Document) (string, error) {
	r, ok := tx.(SentRememberer)
	if !ok || d.Kind != workflow.DeliverDocument {
		return "", nil
	}
	id, err := ExternalID(o.Worker.Self.Org, doc)
	if err != nil {
		return "", nil
	}
	id = edxmlid.Identifier(id)
	return id, r.RememberSent(ctx, id, doc.ID)
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
		wake := false
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
			handed, err := o.enqueue(ctx, tx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverDocument, OrgID: r.OrgID, OrgName: name}, d)
			if err != nil {
				return err
			}
			wake = wake || !handed
		}
		o.wakeAfterIf(tx, wake)
	case d.Direction == workflow.Outgoing && t.Action == workflow.RequestRevoke:
		wake := false
		for _, r := range d.Recipients {
			handed, err := o.enqueue(ctx, tx, &workflow.Delivery{DocumentID: d.ID, Kind: DeliverRevoke, OrgID: r.OrgID,
				OrgName: r.Name, Description: d.RevokeReason}, d)
			if err != nil {
				return err
			}
			wake = wake || !handed
		}
		o.wakeAfterIf(tx, wake)
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
	handed, err := o.enqueue(ctx, tx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverStatus, OrgID: d.Sender.OrgID,
		OrgName: d.Sender.Name, StatusCode: string(code), Description: desc}, d)
	if err == nil {
		o.wakeAfterIf(tx, !handed)
	}
	return err
}

// wakeAfterIf wakes the worker once tx commits, if wake: woken
// earlier, it would look before the messages are visible.
func (o *Outbox) wakeAfterIf(tx workflow.Tx, wake bool) {
	if wake && o.Wake != nil {
		workflow.AfterCommit(tx, o.Wake)
	}
}
