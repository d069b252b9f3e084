package workflow

import (
	"context"
	"fmt"
	"time"
)

// EventDeliveryResent: a clerk sent again a delivery that had failed for
// good (Gửi lại, on the page of outgoing deliveries or the document's,
// POST /documents/{id}/deliveries/{delivery}/resend): it is due at once,
// its attempts counted from zero, and the exchange tries it as a new one.
// Data: delivery (the outbox row's id), kind (document, revoke), org_id,
// org_name; Comment: the failure it had.
const EventDeliveryResent EventKind = "delivery_resent"

// DeliveryResetter is a transaction that can make a delivery that failed
// for good due again (storage/gormdb, the in-memory fake).
type DeliveryResetter interface {
	// ResetDelivery makes delivery id of document docID, failed for good,
	// pending and due at now, with no attempt and no error, and returns it
	// as it was. A delivery not failed (sent again already: a second
	// click), or, seen not zero, last changed at another time than seen
	// (failed again since the page was read), is left alone: false. A
	// refusal it had (LastStatus 02) keeps its code and loses its time
	// (LastStatusAt nil): a refusal from before the re-send, which the
	// recipient's next answer replaces.
	// ENOTFOUND for no such delivery of docID.
	ResetDelivery(ctx context.Context, docID, id string, seen, now time.Time) (Delivery, bool, error)
}

// ResendDelivery sends again delivery id of outgoing document docID that
// failed for good (a clerk: EFORBIDDEN otherwise; ENOTFOUND for a
// document she may not see or no such delivery of it; EUNAVAILABLE when
// the repository cannot): due at once, with EventDeliveryResent, in one
// transaction. seen, when not zero, is when the failure she was shown
// happened. false: nothing to do (sent again already, or failed again
// since she looked): a second click changes nothing.
func (s *Service) ResendDelivery(ctx context.Context, actor *User, docID, id string, seen time.Time) (bool, error) {
	if actor == nil || actor.Disabled || !actor.Has(RoleClerk) {
		return false, Errorf(EFORBIDDEN, "only a clerk sends a delivery again")
	}
	d, err := s.Get(ctx, actor, docID)
	if err != nil {
		return false, err
	}
	if d.Direction != Outgoing {
		return false, Errorf(ENOTFOUND, "delivery %s of document %s not found", id, docID)
	}
	var resent bool
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		r, ok := tx.(DeliveryResetter)
		if !ok {
			return Errorf(EUNAVAILABLE, "this repository cannot send a delivery again")
		}
		now := s.now()
		was, ok, err := r.ResetDelivery(ctx, d.ID, id, seen, now)
		if err != nil || !ok {
			return err
		}
		resent = true
		return tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventDeliveryResent, At: now, Comment: was.LastError,
			Data: map[string]string{"delivery": was.ID, "kind": string(was.Kind), "org_id": was.OrgID, "org_name": was.OrgName}})
	})
	if err != nil {
		return false, fmt.Errorf("resend delivery %s of %s: %w", id, docID, err)
	}
	return resent, nil
}
