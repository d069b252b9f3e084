package gormdb

import (
	"context"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.RefusalLister = (*DB)(nil)

// refusalKinds are the audit events the refused deliveries are read from.
var refusalKinds = []string{string(workflow.EventDeliveryRefused), string(workflow.EventRefusalsSeen)}

// refusalsV25 indexes the refusals and their marks seen: the inbox's
// "Gửi bị từ chối" reads these few events, never the whole trail. One
// index per kind, each with the predicate its queries write (SQLite uses
// a partial index only when the query's WHERE names its terms).
var refusalsV25 = []string{
	`CREATE INDEX IF NOT EXISTS audit_events_refused ON audit_events (document_id, seq) WHERE kind = 'delivery_refused'`,
	`CREATE INDEX IF NOT EXISTS audit_events_refused_seen ON audit_events (document_id, seq) WHERE kind = 'delivery_refused_seen'`,
}

func refusalIndexV25(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, stmt := range refusalsV25 {
		if err := g.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// Refusals implements workflow.RefusalLister.
func (d *DB) Refusals(ctx context.Context, q workflow.RefusalQuery) ([]workflow.RefusedDocument, error) {
	return d.reader(ctx).Refusals(ctx, q)
}

// CountRefusals implements workflow.RefusalLister.
func (d *DB) CountRefusals(ctx context.Context, q workflow.RefusalQuery) (int, error) {
	return d.reader(ctx).CountRefusals(ctx, q)
}

// unseenRefusals selects the refusals not seen yet of the outgoing
// documents the viewer may see: no delivery_refused_seen of the same
// document after them.
func (c *conn) unseenRefusals(ctx context.Context, q workflow.RefusalQuery) *gorm.DB {
	return unseenRefusals(c.q(ctx), q)
}

// unseenRefusals is conn.unseenRefusals on g.
func unseenRefusals(g *gorm.DB, q workflow.RefusalQuery) *gorm.DB {
	g = g.Table("audit_events e").Joins("JOIN documents d ON d.id = e.document_id").
		Where("e.kind = ? AND d.direction = ?", string(workflow.EventDeliveryRefused), string(workflow.Outgoing)).
		Where("NOT EXISTS (SELECT 1 FROM audit_events s WHERE s.document_id = e.document_id AND s.kind = ? AND s.seq > e.seq)",
			string(workflow.EventRefusalsSeen))
	return visibleTo(g, "d.", q.ViewerID, q.SeeAll)
}

// CountRefusals counts the documents with refusals not seen yet.
func (c *conn) CountRefusals(ctx context.Context, q workflow.RefusalQuery) (int, error) {
	var n int64
	if err := c.unseenRefusals(ctx, q).Distinct("e.document_id").Count(&n).Error; err != nil {
		return 0, c.db.translate(err, "count refused deliveries")
	}
	return int(n), nil
}

// refusalPageRow is a document of a page of refused documents: its last
// refusal not seen.
type refusalPageRow struct {
	DocumentID string
	Last       int64
}

// refusalPage narrows g (unseenRefusals) to a page of documents, by
// their last refusal not seen, newest first.
func refusalPage(g *gorm.DB, limit int) *gorm.DB {
	return g.Select("e.document_id AS document_id, MAX(e.seq) AS last").Group("e.document_id").
		Order("last DESC").Order("document_id").Limit(limit)
}

// Refusals reads a page in three statements, whatever its size: the
// page's documents (by their last refusal not seen, newest first), their
// rows, and their refusals and marks seen (workflow.Unseen keeps those
// after the last mark).
func (c *conn) Refusals(ctx context.Context, q workflow.RefusalQuery) ([]workflow.RefusedDocument, error) {
	limit := q.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	var page []refusalPageRow
	err := refusalPage(c.unseenRefusals(ctx, q), limit).Scan(&page).Error
	if err != nil || len(page) == 0 {
		return nil, c.db.translate(err, "list refused deliveries")
	}
	ids := make([]string, len(page))
	for i, p := range page {
		ids[i] = p.DocumentID
	}
	var docs []documentRow
	if err := c.q(ctx).Where("id IN ?", ids).Find(&docs).Error; err != nil {
		return nil, c.db.translate(err, "list refused deliveries")
	}
	var evs []eventRow
	if err := c.q(ctx).Where("document_id IN ? AND kind IN ?", ids, refusalKinds).Order("seq").Find(&evs).Error; err != nil {
		return nil, c.db.translate(err, "list refused deliveries")
	}
	byDoc := map[string][]workflow.Event{}
	for i := range evs {
		e, err := evs[i].toDomain()
		if err != nil {
			return nil, err
		}
		byDoc[e.DocumentID] = append(byDoc[e.DocumentID], e)
	}
	rows := make(map[string]*documentRow, len(docs))
	for i := range docs {
		rows[docs[i].ID] = &docs[i]
	}
	out := make([]workflow.RefusedDocument, 0, len(ids))
	for _, id := range ids {
		r, un := rows[id], workflow.Unseen(byDoc[id])
		if r == nil || len(un) == 0 {
			continue // deleted or seen meanwhile
		}
		d, err := r.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, workflow.RefusedDocument{Doc: d, Refusals: un})
	}
	return out, nil
}
