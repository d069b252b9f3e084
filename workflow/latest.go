package workflow

import "context"

// LatestEventsReader is a repository that reads the latest event of a
// kind of many documents at once (storage/gormdb); one without it has
// each document's history read (Service.LatestEvents).
type LatestEventsReader interface {
	// LatestEvents returns, by document ID, the latest event (by Seq) of
	// kind — of action, when action is not "" — of each document among
	// ids that has one, in a few statements whatever their number.
	LatestEvents(ctx context.Context, ids []string, kind EventKind, action Action) (map[string]Event, error)
}

// LatestEvents is, for docs as actor read them (a page of the inbox), the
// latest event of kind — of action, when not "" — of each, by document
// ID: read for the page at once where the repository can
// (LatestEventsReader), not one history a row. A document actor may not
// see (CanSee) is left out, as Events answers it DocumentNotFound.
func (s *Service) LatestEvents(ctx context.Context, actor *User, docs []*Document, kind EventKind, action Action) (map[string]Event, error) {
	var ids []string
	for _, d := range docs {
		if CanSee(d, actor) {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) == 0 {
		return map[string]Event{}, nil
	}
	if lr, ok := s.Repo.(LatestEventsReader); ok {
		return lr.LatestEvents(ctx, ids, kind, action)
	}
	out := map[string]Event{}
	for _, id := range ids {
		evs, err := s.Repo.Events(ctx, id)
		if err != nil {
			return nil, err
		}
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Kind == kind && (action == "" || evs[i].Action == action) {
				out[id] = evs[i]
				break
			}
		}
	}
	return out, nil
}
