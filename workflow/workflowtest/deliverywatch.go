package workflowtest

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.DeliveryWatcher = (*Repository)(nil)

// WatchedDeliveries implements workflow.DeliveryWatcher over Deliveries,
// the documents and Statuses (the recipients' refusals).
func (r *Repository) WatchedDeliveries(_ context.Context, q workflow.DeliveryQuery) ([]workflow.WatchedDelivery, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := workflow.DocumentFilter{Direction: workflow.Outgoing, ViewerID: q.ViewerID, SeeAll: q.SeeAll}
	var out []workflow.WatchedDelivery
	for _, dl := range r.Deliveries {
		d, ok := r.docs[dl.DocumentID]
		w := workflow.WatchOf(dl)
		if !ok || w == "" || !slices.Contains(workflow.WatchedKinds, dl.Kind) || !listed(f, d) ||
			q.Watch != "" && w != q.Watch || q.OrgID != "" && dl.OrgID != q.OrgID ||
			q.After != nil && !before(dl, q.After) {
			continue
		}
		row := workflow.WatchedDelivery{Delivery: dl, Watch: w, Subject: d.Subject, Notation: d.Notation, Confidentiality: d.Confidentiality}
		for _, st := range r.Statuses {
			if st.DocumentID == dl.DocumentID && st.OrgID == dl.OrgID && st.Code == workflow.StatusRefused &&
				(row.ReasonAt == nil || !st.At.Before(*row.ReasonAt)) {
				at := st.At
				row.Reason, row.ReasonAt = st.Description, &at
			}
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b workflow.WatchedDelivery) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// before says whether dl comes after cursor c in the list (created
// earlier, or at the same time with a smaller ID).
func before(dl workflow.Delivery, c *workflow.ListCursor) bool {
	return c.After(dl.CreatedAt, dl.ID)
}

var _ workflow.DeliveryResetter = tx{}

// ResetDelivery implements workflow.DeliveryResetter on Deliveries.
func (t tx) ResetDelivery(_ context.Context, docID, id string, seen, now time.Time) (workflow.Delivery, bool, error) {
	for i := range t.r.Deliveries {
		dl := &t.r.Deliveries[i]
		if dl.ID != id || dl.DocumentID != docID {
			continue
		}
		was := *dl
		if dl.State != workflow.DeliveryFailed || !slices.Contains(workflow.WatchedKinds, dl.Kind) || !seen.IsZero() && !seen.Equal(dl.UpdatedAt) {
			return was, false, nil
		}
		dl.State, dl.Attempts, dl.LastError, dl.NextAttempt, dl.UpdatedAt, dl.DealtAt = workflow.DeliveryPending, 0, "", now, now, nil
		if dl.LastStatus == workflow.StatusRefused {
			dl.LastStatusAt = nil // a refusal from before the re-send, as gormdb's
		}
		return was, true, nil
	}
	return workflow.Delivery{}, false, workflow.Errorf(workflow.ENOTFOUND, "delivery %s of document %s not found", id, docID)
}

var _ workflow.DeliveryDealer = tx{}

// needsDeal: dl is one a clerk may mark dealt with (gormdb's needsDeal).
func needsDeal(dl workflow.Delivery) bool {
	w := workflow.WatchOf(dl)
	return slices.Contains(workflow.WatchedKinds, dl.Kind) && (w == workflow.WatchFailed || w == workflow.WatchRefused)
}

// DealDelivery implements workflow.DeliveryDealer on Deliveries.
func (t tx) DealDelivery(_ context.Context, docID, id string, seen, now time.Time) (workflow.Delivery, bool, error) {
	for i := range t.r.Deliveries {
		dl := &t.r.Deliveries[i]
		if dl.ID != id || dl.DocumentID != docID {
			continue
		}
		was := *dl
		if !needsDeal(*dl) || !seen.IsZero() && !seen.Equal(dl.UpdatedAt) {
			return was, false, nil
		}
		dl.DealtAt = &now
		return was, true, nil
	}
	return workflow.Delivery{}, false, workflow.Errorf(workflow.ENOTFOUND, "delivery %s of document %s not found", id, docID)
}

// DealDeliveries implements workflow.DeliveryDealer on Deliveries.
func (t tx) DealDeliveries(_ context.Context, docID string, now time.Time) error {
	for i := range t.r.Deliveries {
		if dl := &t.r.Deliveries[i]; dl.DocumentID == docID && needsDeal(*dl) {
			dl.DealtAt = &now
		}
	}
	return nil
}

// UndealtDeliveries implements workflow.DeliveryDealer on Deliveries.
func (t tx) UndealtDeliveries(_ context.Context, docID string) (int, error) {
	n := 0
	for _, dl := range t.r.Deliveries {
		if dl.DocumentID == docID && needsDeal(dl) {
			n++
		}
	}
	return n, nil
}
