package gormdb

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.ReformCounter = (*DB)(nil)

// ReformCounts implements workflow.ReformCounter with a few aggregate
// queries over documents, deliveries and audit events. Only counts leave
// the database; a viewer who does not see every classified document gets
// counts without the classified documents they cannot open.
func (d *DB) ReformCounts(ctx context.Context, f workflow.ReformFilter) (workflow.ReformCounts, error) {
	c := d.reader(ctx)
	from, to := utc(f.From), utc(f.To)
	var out workflow.ReformCounts
	docs := func() *gorm.DB {
		return visibleTo(c.q(ctx).Table("documents AS d"), "d.", f.ViewerID, f.SeeAll)
	}
	count := func(dst *int, q *gorm.DB) error {
		var n int64
		if err := q.Count(&n).Error; err != nil {
			return d.translate(err, "reform report")
		}
		*dst = int(n)
		return nil
	}
	issued := func() *gorm.DB {
		return docs().Where("d.direction = ? AND d.number > 0 AND d.issued_at >= ? AND d.issued_at < ?", workflow.Outgoing, from, to)
	}
	noRecipients := []string{"", "[]", "null"}
	delivered := c.q(ctx).Table("deliveries AS x").Select("1").
		Where("x.document_id = d.id AND x.kind = ? AND x.state = ?", workflow.DeliverDocument, workflow.DeliveryDelivered)
	steps := []struct {
		dst *int
		q   *gorm.DB
	}{
		{&out.Issued, issued()},
		{&out.IssuedTwoLayers, issued().Where("d.verification_verdict = ?", workflow.VerdictValid)},
		{&out.IssuedToAgencies, issued().Where("d.recipients NOT IN ?", noRecipients)},
		{&out.SentElectronically, issued().Where("d.recipients NOT IN ?", noRecipients).Where("EXISTS (?)", delivered)},
		{&out.IncomingElectronic, docs().Where("d.direction = ? AND d.created_at >= ? AND d.created_at < ? AND d.external_id <> ''", workflow.Incoming, from, to)},
		{&out.IncomingPaper, docs().Where("d.direction = ? AND d.created_at >= ? AND d.created_at < ? AND d.external_id = ''", workflow.Incoming, from, to)},
		{&out.Archived, docs().Where("d.archived_at IS NOT NULL AND d.archived_at < ?", to)},
	}
	for _, s := range steps {
		if err := count(s.dst, s.q); err != nil {
			return out, err
		}
	}
	// Records used: distinct archived documents with a use in the period.
	used := c.q(ctx).Table("audit_events AS e").Select("1").
		Where("e.document_id = d.id AND e.kind = ? AND e.at_micros >= ? AND e.at_micros < ?", workflow.EventArchiveUse, from.UnixMicro(), to.UnixMicro())
	if err := count(&out.ArchiveUsed, docs().Where("d.archived_at IS NOT NULL AND d.archived_at < ?", to).Where("EXISTS (?)", used)); err != nil {
		return out, err
	}
	// On time: processing due in the period, completed by the end of the
	// due day (Vietnam time); compared here, the dialects differ in date
	// arithmetic.
	type dueRow struct {
		DueDate workflow.Date
		Done    *int64
	}
	// Due dates are calendar days: those whose start (in Vietnam) falls
	// in [from, to).
	fromDay, toDay := dayStartingFrom(f.From), dayStartingFrom(f.To)
	var rows []dueRow
	q := docs().Select("d.due_date AS due_date, (SELECT MIN(e.at_micros) FROM audit_events e WHERE e.document_id = d.id AND e.kind = ? AND e.action = ?) AS done",
		workflow.EventTransition, workflow.Complete).
		Where("d.due_date IS NOT NULL AND d.due_date >= ? AND d.due_date < ?", fromDay, toDay)
	if err := q.Scan(&rows).Error; err != nil {
		return out, d.translate(err, "reform report: due dates")
	}
	for _, r := range rows {
		out.Due++
		end := r.DueDate.AddDays(1).Midnight(workflow.Vietnam)
		if r.Done != nil && time.UnixMicro(*r.Done).Before(end) {
			out.DoneOnTime++
		}
	}
	return out, nil
}

// dayStartingFrom returns the first calendar day that begins (in Vietnam)
// at or after t.
func dayStartingFrom(t time.Time) workflow.Date {
	d := workflow.VietnamDate(t)
	if d.Midnight(workflow.Vietnam).Before(t) {
		d = d.AddDays(1)
	}
	return d
}
