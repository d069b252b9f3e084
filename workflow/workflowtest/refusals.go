package workflowtest

import (
	"context"
	"slices"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.RefusalLister = (*Repository)(nil)

// Refusals implements workflow.RefusalLister.
func (r *Repository) Refusals(_ context.Context, q workflow.RefusalQuery) ([]workflow.RefusedDocument, error) {
	defer r.lock()()
	out := r.refused(q)
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// CountRefusals implements workflow.RefusalLister.
func (r *Repository) CountRefusals(_ context.Context, q workflow.RefusalQuery) (int, error) {
	defer r.lock()()
	return len(r.refused(q)), nil
}

// refused is every refused document of q, the one refused last first.
func (r *Repository) refused(q workflow.RefusalQuery) []workflow.RefusedDocument {
	byDoc := map[string][]workflow.Event{}
	for _, e := range r.events {
		if e.Kind == workflow.EventDeliveryRefused || e.Kind == workflow.EventRefusalsSeen {
			byDoc[e.DocumentID] = append(byDoc[e.DocumentID], e)
		}
	}
	f := workflow.DocumentFilter{Direction: workflow.Outgoing, ViewerID: q.ViewerID, SeeAll: q.SeeAll}
	var out []workflow.RefusedDocument
	for id, evs := range byDoc {
		d, ok := r.docs[id]
		un := workflow.Unseen(evs)
		if ok && len(un) > 0 && listed(f, d) {
			out = append(out, workflow.RefusedDocument{Doc: clone(d), Refusals: un})
		}
	}
	slices.SortFunc(out, func(a, b workflow.RefusedDocument) int { return int(b.Refusals[0].Seq - a.Refusals[0].Seq) })
	return out
}
