package workflow

import (
	"context"
	"fmt"
	"slices"
	"strconv"
)

// EventRefusalsSeen: a clerk marked the refusals of an outgoing document
// seen (dealt with): every delivery_refused event of the document before
// it leaves the clerks' inbox ("Gửi bị từ chối"); a later refusal enters
// it again. Data: through, the sequence number of the last refusal the
// clerk was shown.
const EventRefusalsSeen EventKind = "delivery_refused_seen"

// RefusedDocument is an outgoing document with refusals nobody has dealt
// with yet: its delivery_refused events after its last
// delivery_refused_seen, newest first.
type RefusedDocument struct {
	Doc      *Document
	Refusals []Event
}

// RefusalQuery selects the refused documents a viewer may see (the
// visibility of DocumentFilter), newest refusal first.
type RefusalQuery struct {
	ViewerID string
	SeeAll   bool
	Limit    int
}

// RefusalLister is implemented by repositories that list refused
// documents in the database (storage/gormdb, the in-memory fake).
type RefusalLister interface {
	// Refusals returns up to q.Limit outgoing documents with refusals
	// not yet seen, the one refused last first, each with those refusals:
	// a fixed number of statements per page, whatever its size.
	Refusals(ctx context.Context, q RefusalQuery) ([]RefusedDocument, error)
	// CountRefusals counts the documents Refusals finds on all its pages.
	CountRefusals(ctx context.Context, q RefusalQuery) (int, error)
}

// SeesRefusals says whether u's inbox lists refused deliveries: the
// clerks, who send documents over the exchange.
func SeesRefusals(u *User) bool { return u != nil && !u.Disabled && u.Has(RoleClerk) }

// Unseen returns the delivery_refused events of evs (one document's
// events, in order) after its last delivery_refused_seen, newest first.
func Unseen(evs []Event) []Event {
	var out []Event
	for _, e := range evs {
		switch e.Kind {
		case EventDeliveryRefused:
			out = append(out, e)
		case EventRefusalsSeen:
			out = nil
		}
	}
	slices.Reverse(out)
	return out
}

// Refusals returns the refused documents waiting for the actor (a
// clerk; none for the other roles), newest refusal first, and how many
// there are in all; with limit 0 only how many (an inbox whose tab is
// not open shows the count alone).
func (s *Service) Refusals(ctx context.Context, actor *User, limit int) ([]RefusedDocument, int, error) {
	rl, ok := s.Repo.(RefusalLister)
	if !SeesRefusals(actor) || !ok {
		return nil, 0, nil
	}
	q := RefusalQuery{ViewerID: actor.ID, SeeAll: SeesAllClassified(actor), Limit: limit}
	if q.Limit < 0 || q.Limit > 500 {
		q.Limit = 100
	}
	n, err := rl.CountRefusals(ctx, q)
	if err != nil {
		return nil, 0, fmt.Errorf("count refused deliveries: %w", err)
	}
	if n == 0 || q.Limit == 0 {
		return nil, n, nil
	}
	docs, err := rl.Refusals(ctx, q)
	if err != nil {
		return nil, 0, fmt.Errorf("list refused deliveries: %w", err)
	}
	return docs, n, nil
}

// SeeRefusals marks the refusals of document id seen by the actor (a
// clerk: EFORBIDDEN otherwise): a delivery_refused_seen event, and the
// document leaves the inbox's refused deliveries; its deliveries failed
// for good or refused are marked dealt with in the same transaction (they
// leave the page of outgoing deliveries, DealDelivery). through, when not 0,
// is the seq of the newest refusal the clerk was shown: a refusal newer
// than it (arrived after she looked) is ECONFLICT and nothing is marked,
// so that a mark never covers a refusal nobody saw. ENOTFOUND for a
// document the actor may not see, EILLEGAL when no refusal of it waits.
func (s *Service) SeeRefusals(ctx context.Context, actor *User, id string, through int64) error {
	if !SeesRefusals(actor) {
		return Errorf(EFORBIDDEN, "only a clerk deals with refused deliveries")
	}
	d, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	err = s.Repo.Atomic(ctx, func(ctx context.Context, tx Tx) error {
		evs, err := tx.Events(ctx, d.ID)
		if err != nil {
			return err
		}
		un := Unseen(evs)
		if d.Direction != Outgoing || len(un) == 0 {
			return Errorf(EILLEGAL, "no refused delivery of document %s waits to be seen", d.ID)
		}
		if through != 0 && un[0].Seq > through {
			return Errorf(ECONFLICT, "document %s was refused again after the refusals you were shown: look at the new refusal first", d.ID)
		}
		now := s.now()
		if err := tx.AppendEvent(ctx, &Event{DocumentID: d.ID, Actor: actor.ID, Kind: EventRefusalsSeen, At: now,
			Data: map[string]string{"through": strconv.FormatInt(un[0].Seq, 10)}}); err != nil {
			return err
		}
		// Its deliveries failed or refused are dealt with too: they leave
		// the page of outgoing deliveries (DealDelivery's rule).
		if dd, ok := tx.(DeliveryDealer); ok {
			return dd.DealDeliveries(ctx, d.ID, now)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("see refusals of %s: %w", id, err)
	}
	return nil
}
