package workflow

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// DeliveryWatch is what an outgoing delivery waits for, as the clerks'
// page of deliveries (Theo dõi gửi liên thông) sorts them.
type DeliveryWatch string

const (
	// WatchWaiting: queued or in flight, no failed attempt yet: waiting
	// for the recipient's server to acknowledge it.
	WatchWaiting DeliveryWatch = "waiting"
	// WatchRetrying: pending after a failed attempt; the exchange tries
	// again by itself at NextAttempt.
	WatchRetrying DeliveryWatch = "retrying"
	// WatchFailed: failed for good, not retried (LastError says why), and
	// not yet dealt with.
	WatchFailed DeliveryWatch = "failed"
	// WatchRefused: delivered, and the recipient refused it (its last
	// status 02, with its reason), not yet dealt with.
	WatchRefused DeliveryWatch = "refused"
)

// DeliveryWatches are the watches in the order the page offers them.
var DeliveryWatches = []DeliveryWatch{WatchWaiting, WatchRetrying, WatchFailed, WatchRefused}

// StatusRefused is the status code a recipient refuses a document with
// (edXML 02, từ chối tiếp nhận).
const StatusRefused = "02"

// WatchOf says what dl waits for ("" for a delivery that needs nothing:
// delivered and not refused, or failed or refused and dealt with).
func WatchOf(dl Delivery) DeliveryWatch {
	switch {
	case dl.State == DeliveryPending && dl.LastError == "":
		return WatchWaiting
	case dl.State == DeliveryPending:
		return WatchRetrying
	case dl.DealtAt != nil:
		return ""
	case dl.State == DeliveryFailed:
		return WatchFailed
	case dl.Kind == DeliverDocument && dl.LastStatus == StatusRefused:
		return WatchRefused
	}
	return ""
}

// WatchedKinds are the deliveries the page lists: what a clerk sent (an
// issued document, its revocation), not the status messages the system
// answers with by itself.
var WatchedKinds = []DeliveryKind{DeliverDocument, "revoke"}

// WatchedDelivery is a row of the page: the delivery, its document (the
// subject of a classified one is the viewer's to see: the list shows only
// documents she may see) and, refused, the recipient's reason.
type WatchedDelivery struct {
	Delivery
	Watch           DeliveryWatch
	Subject         string
	Notation        string
	Confidentiality Confidentiality
	Reason          string
	ReasonAt        *time.Time
}

// DeliveryQuery selects the outgoing deliveries a viewer may see (the
// visibility of DocumentFilter) that need attention: of one watch or all,
// to one agency or all, newest first by creation (CreatedAt, then ID),
// after a cursor of that order.
//
// The order is the deliveries' creation, which never changes, not their
// last change: a delivery retried, failed or refused between two pages
// keeps its place, so a page never shows one twice nor skips one that
// moved; one that leaves the watch (acknowledged, dealt with) or enters it
// is simply absent or present where it was created.
type DeliveryQuery struct {
	ViewerID string
	SeeAll   bool
	Watch    DeliveryWatch // "" every watch
	OrgID    string        // "" every agency
	After    *ListCursor   // At: the CreatedAt of the last row of the page before
	Limit    int
}

// DeliveryWatcher is implemented by repositories that list the watched
// deliveries in the database (storage/gormdb, the in-memory fake).
type DeliveryWatcher interface {
	// WatchedDeliveries returns up to q.Limit rows of q, each with its
	// document's fields and reason: one statement, whatever the page.
	WatchedDeliveries(ctx context.Context, q DeliveryQuery) ([]WatchedDelivery, error)
}

// SeesDeliveries says whether u has the page of outgoing deliveries:
// the clerks, who send, and the admins, who keep the exchange running.
func SeesDeliveries(u *User) bool {
	return u != nil && !u.Disabled && u.HasAny([]Role{RoleClerk, RoleAdmin})
}

// WatchedDeliveries lists a page of the outgoing deliveries that need
// attention (EFORBIDDEN but for clerks and admins, EINVALID for an
// unknown watch, EUNAVAILABLE when the repository cannot list them), and
// the cursor of the next page (nil on the last): a ListCursor of the
// creation order, as the document lists' (its String is what the pages
// pass back).
func (s *Service) WatchedDeliveries(ctx context.Context, actor *User, q DeliveryQuery) ([]WatchedDelivery, *ListCursor, error) {
	if !SeesDeliveries(actor) {
		return nil, nil, Errorf(EFORBIDDEN, "outgoing deliveries are for clerks and admins")
	}
	dw, ok := s.Repo.(DeliveryWatcher)
	if !ok {
		return nil, nil, Errorf(EUNAVAILABLE, "this repository cannot list deliveries")
	}
	if q.Watch != "" && !slices.Contains(DeliveryWatches, q.Watch) {
		return nil, nil, Errorf(EINVALID, "watch %q is not one of waiting, retrying, failed, refused", q.Watch)
	}
	q.ViewerID, q.SeeAll = actor.ID, SeesAllClassified(actor)
	limit := q.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q.Limit = limit + 1
	rows, err := dw.WatchedDeliveries(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("list outgoing deliveries: %w", err)
	}
	if len(rows) <= limit {
		return rows, nil, nil
	}
	rows = rows[:limit]
	last := rows[limit-1]
	return rows, &ListCursor{At: last.CreatedAt.Truncate(time.Microsecond), ID: last.ID}, nil
}

// EventDeliveryDealt: a clerk marked a delivery that failed for good, or
// that its recipient refused (status 02), dealt with (Đã xử lý, on the
// page of outgoing deliveries; POST
// /documents/{id}/deliveries/{delivery}/dealt): it leaves the page, until
// it is sent again and fails or is refused anew. Data: delivery (its id),
// kind (document, revoke), org_id, org_name, watch (failed, refused);
// Comment: the failure or the refusal's reason it had.
const EventDeliveryDealt EventKind = "delivery_dealt"

// DeliveryDealer is a transaction that can mark deliveries dealt with
// (storage/gormdb, the in-memory fake).
type DeliveryDealer interface {
	// DealDelivery marks delivery id of document docID dealt with at now
	// — one of WatchedKinds, failed for good or refused, not dealt with
	// yet — and returns it as it was. One that needs no mark (pending,
	// delivered and not refused, marked already: a second click) or,
	// seen not zero, last changed at another time than seen (sent again
	// since the page was read) is left alone: false. ENOTFOUND for no
	// such delivery of docID.
	DealDelivery(ctx context.Context, docID, id string, seen, now time.Time) (Delivery, bool, error)
	// DealDeliveries marks every delivery of docID that DealDelivery
	// would mark dealt with at now.
	DealDeliveries(ctx context.Context, docID string, now time.Time) error
	// UndealtDeliveries counts the deliveries of docID that DealDelivery
	// would mark.
	UndealtDeliveries(ctx context.Context, docID string) (int, error)
}

// DealDelivery marks delivery id of outgoing document docID, failed for
// good or refused by its recipient, dealt with (a clerk: EFORBIDDEN
// otherwise; ENOTFOUND for a document she may not see or no such delivery
// of it; EUNAVAILABLE when the repository cannot), with
// EventDeliveryDealt, in one transaction: it leaves the page of outgoing
// deliveries. The rule is the inbox's refusals' (SeeRefusals), per
// delivery: a mark covers what the clerk was shown — seen, when not
// zero, is the last change of the delivery she was shown — and a later
// failure or refusal (after a re-send) is listed again. When the mark
// leaves none of the document's deliveries waiting to be dealt with, the
// document's refusals leave the inbox's "Gửi bị từ chối" too
// (EventRefusalsSeen, through its newest refusal): she dealt with them.
// false: nothing to do (marked already, sent again since she looked, or
// neither failed nor refused).
func (s *Service) DealDelivery(ctx context.Context, actor *User, docID, id string, seen time.Time) (bool, error) {
	if !SeesRefusals(actor) {
		return false, Errorf(EFORBIDDEN, "only a clerk deals with failed or refused deliveries")
	}
	d, err := s.Get(ctx, actor, docID)
	if err != nil {
		return false, err
	}
	if d.Direction != Outgoing {
		return false, Errorf(ENOTFOUND, "delivery %s of document %s not found", id, docID)
	}
	var dealt bool
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		dd, ok := tx.(DeliveryDealer)
		if !ok {
			return Errorf(EUNAVAILABLE, "this repository cannot mark deliveries dealt with")
		}
		now := s.now()
		was, ok, err := dd.DealDelivery(ctx, d.ID, id, seen, now)
		if err != nil || !ok {
			return err
		}
		dealt = true
		watch, why := WatchRefused, ""
		if was.State == DeliveryFailed {
			watch, why = WatchFailed, was.LastError
		}
		err = tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventDeliveryDealt, At: now, Comment: why,
			Data: map[string]string{"delivery": was.ID, "kind": string(was.Kind), "org_id": was.OrgID, "org_name": was.OrgName,
				"watch": string(watch)}})
		if err != nil {
			return err
		}
		left, err := dd.UndealtDeliveries(ctx, d.ID)
		if err != nil || left > 0 {
			return err
		}
		evs, err := tx.Events(ctx, d.ID)
		if err != nil {
			return err
		}
		if un := Unseen(evs); len(un) > 0 {
			return tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventRefusalsSeen, At: now,
				Data: map[string]string{"through": strconv.FormatInt(un[0].Seq, 10)}})
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("deal with delivery %s of %s: %w", id, docID, err)
	}
	return dealt, nil
}
