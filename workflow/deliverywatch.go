package workflow

import (
	"context"
	"fmt"
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
	// WatchFailed: failed for good, not retried (LastError says why).
	WatchFailed DeliveryWatch = "failed"
	// WatchRefused: delivered, and the recipient refused it (its last
	// status 02, with its reason).
	WatchRefused DeliveryWatch = "refused"
)

// DeliveryWatches are the watches in the order the page offers them.
var DeliveryWatches = []DeliveryWatch{WatchWaiting, WatchRetrying, WatchFailed, WatchRefused}

// StatusRefused is the status code a recipient refuses a document with
// (edXML 02, từ chối tiếp nhận).
const StatusRefused = "02"

// WatchOf says what dl waits for ("" for a delivery that needs nothing:
// delivered and not refused).
func WatchOf(dl Delivery) DeliveryWatch {
	switch {
	case dl.State == DeliveryPending && dl.LastError == "":
		return WatchWaiting
	case dl.State == DeliveryPending:
		return WatchRetrying
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

// DeliveryCursor is where a page of the list ends (newest first: by
// UpdatedAt, then ID, both descending); the next page starts after it.
type DeliveryCursor struct {
	UpdatedAt time.Time
	ID        string
}

// DeliveryQuery selects the outgoing deliveries a viewer may see (the
// visibility of DocumentFilter) that need attention: of one watch or all,
// to one agency or all, newest change first, after a cursor.
type DeliveryQuery struct {
	ViewerID string
	SeeAll   bool
	Watch    DeliveryWatch // "" every watch
	OrgID    string        // "" every agency
	After    *DeliveryCursor
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
// the cursor of the next page (nil on the last).
func (s *Service) WatchedDeliveries(ctx context.Context, actor *User, q DeliveryQuery) ([]WatchedDelivery, *DeliveryCursor, error) {
	if !SeesDeliveries(actor) {
		return nil, nil, Errorf(EFORBIDDEN, "outgoing deliveries are for clerks and admins")
	}
	dw, ok := s.Repo.(DeliveryWatcher)
	if !ok {
		return nil, nil, Errorf(EUNAVAILABLE, "this repository cannot list deliveries")
	}
	if q.Watch != "" && !validWatch(q.Watch) {
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
	return rows, &DeliveryCursor{UpdatedAt: last.UpdatedAt, ID: last.ID}, nil
}

func validWatch(w DeliveryWatch) bool {
	for _, x := range DeliveryWatches {
		if x == w {
			return true
		}
	}
	return false
}
