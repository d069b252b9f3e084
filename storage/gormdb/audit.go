package gormdb

import (
	"context"

	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

// walkBatch is how many events WalkEvents reads at a time.
const walkBatch = 1000

// AppendEvent chains e after the last event (workflow.Chain sets e.Seq,
// e.PrevHash and e.Hash) and stores it. The chain head row is locked
// until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's write
// lock), so concurrent transactions chain in commit order. Call it after
// NextNumber in a transaction that does both, so every transaction takes
// the two locks in the same order.
func (c *conn) AppendEvent(ctx context.Context, e *workflow.Event) error {
	q := c.q(ctx)
	if c.pg() {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	var head headRow
	if err := q.Where("id = 1").Take(&head).Error; err != nil {
		return c.db.translate(err, "audit chain head")
	}
	var prev *workflow.Event
	if head.Seq > 0 {
		prev = &workflow.Event{Seq: head.Seq, Hash: head.Hash}
	}
	workflow.Chain(prev, e)
	r, err := eventFromDomain(e)
	if err != nil {
		return err
	}
	if err := c.q(ctx).Create(r).Error; err != nil {
		return c.db.translate(err, "append audit event %d", e.Seq)
	}
	res := c.q(ctx).Model(&headRow{}).Where("id = 1 AND seq = ?", head.Seq).
		Updates(map[string]any{"seq": e.Seq, "hash": e.Hash})
	if res.Error != nil {
		return c.db.translate(res.Error, "advance audit chain head")
	}
	if res.RowsAffected != 1 {
		return workflow.Errorf(workflow.ECONFLICT, "audit chain head moved while appending event %d", e.Seq)
	}
	return nil
}

// Events returns a document's audit events in sequence order.
func (c *conn) Events(ctx context.Context, documentID string) ([]workflow.Event, error) {
	var rows []eventRow
	if err := c.q(ctx).Where("document_id = ?", documentID).Order("seq").Find(&rows).Error; err != nil {
		return nil, c.db.translate(err, "events of document %s", documentID)
	}
	events := make([]workflow.Event, 0, len(rows))
	for i := range rows {
		e, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, nil
}

// WalkEvents calls fn for every audit event in sequence order, reading
// walkBatch events at a time (keyset paging on seq), and stops at fn's
// first error, which it returns as is.
func (c *conn) WalkEvents(ctx context.Context, fn func(workflow.Event) error) error {
	after := int64(-1 << 62)
	for {
		var rows []eventRow
		if err := c.q(ctx).Where("seq > ?", after).Order("seq").Limit(walkBatch).Find(&rows).Error; err != nil {
			return c.db.translate(err, "walk audit events after %d", after)
		}
		for i := range rows {
			e, err := rows[i].toDomain()
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(rows) < walkBatch {
			return nil
		}
		after = rows[len(rows)-1].Seq
	}
}

// AuditHead returns the chain head — Seq and Hash of the last event
// appended — or nil if no event was ever appended. A verifier compares
// it with the last event it walked to detect a truncated tail.
func (c *conn) AuditHead(ctx context.Context) (*workflow.Event, error) {
	var head headRow
	if err := c.q(ctx).Where("id = 1").Take(&head).Error; err != nil {
		return nil, c.db.translate(err, "audit chain head")
	}
	if head.Seq == 0 {
		return nil, nil
	}
	return &workflow.Event{Seq: head.Seq, Hash: head.Hash}, nil
}
