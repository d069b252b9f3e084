package gormdb

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.LatestEventsReader = (*DB)(nil)

// latestEventsQuery is LatestEvents' read of byIDChunk documents: the
// latest event of a kind (and action, withAction) of each, found by the
// index on audit_events.document_id and read by seq.
func latestEventsQuery(withAction bool) rawQuery {
	cond := "kind = ?"
	if withAction {
		cond += " AND action = ?"
	}
	return newRawQuery(`SELECT ` + eventColumns + ` FROM audit_events WHERE seq IN (SELECT max(seq) FROM audit_events` +
		` WHERE document_id IN (?` + strings.Repeat(", ?", byIDChunk-1) + `) AND ` + cond + ` GROUP BY document_id)`)
}

var latestEvents = [2]rawQuery{latestEventsQuery(false), latestEventsQuery(true)}

// LatestEvents implements workflow.LatestEventsReader: one statement for
// byIDChunk documents (a shorter last chunk padded with its last ID, so
// every statement has the one shape), whatever their events.
func (d *DB) LatestEvents(ctx context.Context, ids []string, kind workflow.EventKind, action workflow.Action) (map[string]workflow.Event, error) {
	return d.reader(ctx).LatestEvents(ctx, ids, kind, action)
}

// LatestEvents is DB.LatestEvents on the connection or transaction.
func (c *conn) LatestEvents(ctx context.Context, ids []string, kind workflow.EventKind, action workflow.Action) (map[string]workflow.Event, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[string]workflow.Event, len(ids))
	q := latestEvents[0]
	if action != "" {
		q = latestEvents[1]
	}
	var r eventRow
	targets := []any{&r.Seq, &r.DocumentID, &r.Actor, &r.Kind, &r.Action, &r.FromState, &r.ToState, &r.Comment,
		&r.Data, &r.AtMicros, &r.PrevHash, &r.Hash} // the order of eventColumns
	var decodeErr error
	for chunk := range slices.Chunk(ids, byIDChunk) {
		args := make([]any, byIDChunk, byIDChunk+2)
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		args = append(args, string(kind))
		if action != "" {
			args = append(args, string(action))
		}
		err := c.rawRows(ctx, q, args, func(rs *sql.Rows) error {
			if err := rs.Scan(targets...); err != nil {
				return err
			}
			e, err := r.toDomain()
			if err != nil {
				decodeErr = err
				return err
			}
			out[e.DocumentID] = e
			return nil
		})
		if decodeErr != nil {
			return nil, decodeErr
		}
		if err != nil {
			return nil, c.db.translate(err, "latest %s events of %d documents", kind, len(chunk))
		}
	}
	return out, nil
}
