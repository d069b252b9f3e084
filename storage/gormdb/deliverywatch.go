package gormdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.DeliveryWatcher = (*DB)(nil)

// watchedRow is a row of WatchedDeliveries: the delivery's columns (gorm
// does not scan a raw SELECT into an embedded row struct), its
// document's fields, the recipient's refusal.
type watchedRow struct {
	ID, DocumentID, Kind, OrgID, OrgName, StatusCode, Description, State string
	Attempts                                                             int
	NextAttempt                                                          time.Time
	LastError, LastStatus                                                string
	LastStatusAt, DealtAt                                                *time.Time
	CreatedAt, UpdatedAt                                                 time.Time
	Subject, Notation, Confidentiality                                   string
	Reason                                                               *string
	ReasonAt                                                             *time.Time
}

func (r *watchedRow) delivery() deliveryRow {
	return deliveryRow{ID: r.ID, DocumentID: r.DocumentID, Kind: r.Kind, OrgID: r.OrgID, OrgName: r.OrgName, StatusCode: r.StatusCode,
		Description: r.Description, State: r.State, Attempts: r.Attempts, NextAttempt: r.NextAttempt, LastError: r.LastError,
		LastStatus: r.LastStatus, LastStatusAt: r.LastStatusAt, DealtAt: r.DealtAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// watchConds are the conditions of each watch on the deliveries (dl).
var watchConds = map[workflow.DeliveryWatch]string{
	workflow.WatchWaiting:  "(dl.state = 'pending' AND dl.last_error = '')",
	workflow.WatchRetrying: "(dl.state = 'pending' AND dl.last_error <> '')",
	workflow.WatchFailed:   "(dl.state = 'failed' AND dl.dealt_at IS NULL)",
	workflow.WatchRefused:  "(dl.state = 'delivered' AND dl.kind = 'document' AND dl.last_status = '" + workflow.StatusRefused + "' AND dl.dealt_at IS NULL)",
}

// attentionPred is the predicate of deliveries_attention (migration 38),
// its columns prefixed with dl (the table's alias, or ""): the
// deliveries that may need the clerk's attention — pending, or failed or
// refused and not dealt with — the few among the years of deliveries
// acknowledged and done with. Every read of the page states it, word for
// word, beside its watch's condition: SQLite uses a partial index only
// when the query's WHERE carries its predicate as a term, and PostgreSQL
// proves the implication from it.
func attentionPred(dl string) string {
	return "(" + dl + "state = 'pending' OR (" + dl + "state = 'failed' AND " + dl + "dealt_at IS NULL) OR (" + dl +
		"state = 'delivered' AND " + dl + "kind = 'document' AND " + dl + "last_status = '" + workflow.StatusRefused + "' AND " +
		dl + "dealt_at IS NULL))"
}

// attentionPredV37 is deliveries_attention's predicate as migration 37
// built it (before the deliveries dealt with left the page), kept as it
// was: a migration that has landed does not change.
const attentionPredV37 = "(state = 'pending' OR state = 'failed' OR (state = 'delivered' AND kind = 'document' AND last_status = '02'))"

// needsDeal is the condition of the deliveries a clerk may mark dealt
// with: one she sent (WatchedKinds), failed for good or refused, not
// marked yet.
const needsDeal = "kind IN ('document', 'revoke') AND dealt_at IS NULL AND (state = 'failed' OR (state = 'delivered' AND kind = 'document' AND last_status = '" +
	workflow.StatusRefused + "'))"

// refusalOf is the recipient's latest refusal (status 02) of the
// delivery's document: its reason and time, in the same statement.
const refusalOf = `(SELECT s.%s FROM exchange_statuses s WHERE s.document_id = dl.document_id AND s.org_id = dl.org_id
  AND s.code = '` + workflow.StatusRefused + `' ORDER BY s.at DESC, s.seq DESC LIMIT 1)`

// WatchedDeliveries implements workflow.DeliveryWatcher: one statement,
// the deliveries joined to their documents (visibility of the viewer)
// and to the recipient's refusal, newest change first.
func (d *DB) WatchedDeliveries(ctx context.Context, q workflow.DeliveryQuery) ([]workflow.WatchedDelivery, error) {
	var rows []watchedRow
	if err := d.reader(ctx).watchedQuery(ctx, q).Scan(&rows).Error; err != nil {
		return nil, d.translate(err, "list outgoing deliveries")
	}
	out := make([]workflow.WatchedDelivery, len(rows))
	for i := range rows {
		r := &rows[i]
		dr := r.delivery()
		out[i] = workflow.WatchedDelivery{Delivery: dr.toDomain(), Subject: r.Subject, Notation: r.Notation,
			Confidentiality: workflow.Confidentiality(r.Confidentiality), ReasonAt: fromDBPtr(r.ReasonAt)}
		if r.Reason != nil {
			out[i].Reason = *r.Reason
		}
		out[i].Watch = workflow.WatchOf(out[i].Delivery)
	}
	return out, nil
}

// watchedTable names deliveries_attention on SQLite, whose planner,
// without statistics of the deliveries (or with them), took a watch's
// state from deliveries_due — for the refused, every delivery acknowledged
// — and sorted what it found; the index holds only the deliveries the
// page may show, in its order.
var watchedTable = map[string]string{SQLite: "deliveries AS dl INDEXED BY deliveries_attention", Postgres: "deliveries AS dl"}

// watchedQuery is WatchedDeliveries' statement: read from
// deliveries_attention in its order, newest first by creation (the
// predicate stated by watchWhere).
func (c *conn) watchedQuery(ctx context.Context, q workflow.DeliveryQuery) *gorm.DB {
	g := c.q(ctx).Table(watchedTable[c.db.dialect]).Joins("JOIN documents d ON d.id = dl.document_id").
		Select("dl.*, d.subject AS subject, d.notation AS notation, d.confidentiality AS confidentiality, "+
			fmt.Sprintf(refusalOf, "description")+" AS reason, "+fmt.Sprintf(refusalOf, "at")+" AS reason_at").
		Where("d.direction = ? AND dl.kind IN ?", string(workflow.Outgoing), watchedKinds())
	g = watchWhere(g, q)
	g = visibleTo(g, "d.", q.ViewerID, q.SeeAll)
	limit := q.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	return g.Order("dl.created_at DESC, dl.id DESC").Limit(limit)
}

// watchWhere narrows g to q's watch (every one by default), agency and
// cursor.
func watchWhere(g *gorm.DB, q workflow.DeliveryQuery) *gorm.DB {
	g = g.Where(attentionPred("dl."))
	if c, ok := watchConds[q.Watch]; ok {
		g = g.Where(c)
	} else {
		g = g.Where("(" + watchConds[workflow.WatchWaiting] + " OR " + watchConds[workflow.WatchRetrying] + " OR " +
			watchConds[workflow.WatchFailed] + " OR " + watchConds[workflow.WatchRefused] + ")")
	}
	if q.OrgID != "" {
		g = g.Where("dl.org_id = ?", q.OrgID)
	}
	if q.After != nil {
		at := utc(q.After.At)
		g = g.Where("(dl.created_at < ? OR (dl.created_at = ? AND dl.id < ?))", at, at, q.After.ID)
	}
	return g
}

func watchedKinds() []string {
	out := make([]string, len(workflow.WatchedKinds))
	for i, k := range workflow.WatchedKinds {
		out[i] = string(k)
	}
	return out
}

var _ workflow.DeliveryResetter = (*conn)(nil)

// ResetDelivery implements workflow.DeliveryResetter: the row read, then
// made due by an update guarded on its state (of two clicks at once, the
// second updates nothing and reports false). A refusal (last status 02)
// loses its time: it stays shown until the recipient answers the re-send,
// and any answer replaces it (lastStatusMoves). A mark dealt with goes: a
// failure or a refusal of the re-send is listed again.
func (c *conn) ResetDelivery(ctx context.Context, docID, id string, seen, now time.Time) (workflow.Delivery, bool, error) {
	var r deliveryRow
	err := c.q(ctx).Where("id = ? AND document_id = ?", id, docID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return workflow.Delivery{}, false, workflow.Errorf(workflow.ENOTFOUND, "delivery %s of document %s not found", id, docID)
	}
	if err != nil {
		return workflow.Delivery{}, false, c.db.translate(err, "read delivery %s", id)
	}
	was := r.toDomain()
	if was.State != workflow.DeliveryFailed || !slices.Contains(workflow.WatchedKinds, was.Kind) ||
		!seen.IsZero() && !seen.Truncate(time.Microsecond).Equal(was.UpdatedAt.Truncate(time.Microsecond)) {
		return was, false, nil
	}
	res := c.q(ctx).Model(&deliveryRow{}).Where("id = ? AND state = ?", id, string(workflow.DeliveryFailed)).Updates(map[string]any{
		"state": string(workflow.DeliveryPending), "attempts": 0, "last_error": "", "next_attempt": utc(now), "updated_at": utc(now),
		"last_status_at": gorm.Expr("CASE WHEN last_status = ? THEN NULL ELSE last_status_at END", workflow.StatusRefused),
		"dealt_at":       nil})
	if res.Error != nil {
		return was, false, c.db.translate(res.Error, "resend delivery %s", id)
	}
	return was, res.RowsAffected > 0, nil
}

var _ workflow.DeliveryDealer = (*conn)(nil)

// DealDelivery implements workflow.DeliveryDealer: the row read, then
// marked by an update guarded on needsDeal (of two clicks at once, the
// second updates nothing and reports false).
func (c *conn) DealDelivery(ctx context.Context, docID, id string, seen, now time.Time) (workflow.Delivery, bool, error) {
	var r deliveryRow
	err := c.q(ctx).Where("id = ? AND document_id = ?", id, docID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return workflow.Delivery{}, false, workflow.Errorf(workflow.ENOTFOUND, "delivery %s of document %s not found", id, docID)
	}
	if err != nil {
		return workflow.Delivery{}, false, c.db.translate(err, "read delivery %s", id)
	}
	was := r.toDomain()
	if !seen.IsZero() && !seen.Truncate(time.Microsecond).Equal(was.UpdatedAt.Truncate(time.Microsecond)) {
		return was, false, nil
	}
	res := c.q(ctx).Model(&deliveryRow{}).Where("id = ? AND "+needsDeal, id).Update("dealt_at", utc(now))
	if res.Error != nil {
		return was, false, c.db.translate(res.Error, "mark delivery %s dealt with", id)
	}
	return was, res.RowsAffected > 0, nil
}

// DealDeliveries implements workflow.DeliveryDealer: one update.
func (c *conn) DealDeliveries(ctx context.Context, docID string, now time.Time) error {
	err := c.q(ctx).Model(&deliveryRow{}).Where("document_id = ? AND "+needsDeal, docID).Update("dealt_at", utc(now)).Error
	return c.db.translate(err, "mark the deliveries of %s dealt with", docID)
}

// UndealtDeliveries implements workflow.DeliveryDealer: one count, by
// the document's deliveries (deliveries.document_id's index).
func (c *conn) UndealtDeliveries(ctx context.Context, docID string) (int, error) {
	var n int64
	err := c.q(ctx).Model(&deliveryRow{}).Where("document_id = ? AND "+needsDeal, docID).Count(&n).Error
	return int(n), c.db.translate(err, "count the deliveries of %s to deal with", docID)
}
