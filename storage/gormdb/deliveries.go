package gormdb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// deliveryRow is a row of the exchange outbox: one message to one
// connected agency. The exchange package claims due rows with
// FOR UPDATE SKIP LOCKED (see exchange.go) so several instances never
// send one message twice at once.
type deliveryRow struct {
	ID           string    `gorm:"primaryKey"`
	DocumentID   string    `gorm:"not null;index"`
	Kind         string    `gorm:"not null"`
	OrgID        string    `gorm:"not null"`
	OrgName      string    `gorm:"not null"`
	StatusCode   string    `gorm:"not null"`
	Description  string    `gorm:"not null"`
	State        string    `gorm:"not null;index:deliveries_due,priority:1"`
	Attempts     int       `gorm:"not null"`
	NextAttempt  time.Time `gorm:"not null;index:deliveries_due,priority:2"`
	LastError    string    `gorm:"not null"`
	LastStatus   string    `gorm:"not null"`
	LastStatusAt *time.Time
	DealtAt      *time.Time // migration 38
	CreatedAt    time.Time  `gorm:"not null;autoCreateTime:false"`
	UpdatedAt    time.Time  `gorm:"not null;autoUpdateTime:false"`
}

func (deliveryRow) TableName() string { return "deliveries" }

func deliveryFromDomain(d *workflow.Delivery) *deliveryRow {
	return &deliveryRow{ID: d.ID, DocumentID: d.DocumentID, Kind: string(d.Kind), OrgID: d.OrgID, OrgName: d.OrgName,
		StatusCode: d.StatusCode, Description: d.Description, State: string(d.State), Attempts: d.Attempts,
		NextAttempt: utc(d.NextAttempt), LastError: d.LastError, LastStatus: d.LastStatus, LastStatusAt: utcPtr(d.LastStatusAt),
		DealtAt: utcPtr(d.DealtAt), CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt)}
}

func (r *deliveryRow) toDomain() workflow.Delivery {
	return workflow.Delivery{ID: r.ID, DocumentID: r.DocumentID, Kind: workflow.DeliveryKind(r.Kind), OrgID: r.OrgID,
		OrgName: r.OrgName, StatusCode: r.StatusCode, Description: r.Description, State: workflow.DeliveryState(r.State),
		Attempts: r.Attempts, NextAttempt: fromDB(r.NextAttempt), LastError: r.LastError, LastStatus: r.LastStatus,
		LastStatusAt: fromDBPtr(r.LastStatusAt), DealtAt: fromDBPtr(r.DealtAt), CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt)}
}

// EnqueueDelivery queues a message in the caller's transaction. Missing
// ID, state, times are filled in.
func (c *conn) EnqueueDelivery(ctx context.Context, d *workflow.Delivery) error {
	fillDelivery(d)
	if err := c.q(ctx).Create(deliveryFromDomain(d)).Error; err != nil {
		return c.db.translate(err, "queue delivery to %s", d.OrgID)
	}
	return nil
}

// fillDelivery fills in a new delivery's missing ID, state and times.
func fillDelivery(d *workflow.Delivery) {
	now := time.Now()
	if d.ID == "" {
		d.ID = workflow.NewID(now)
	}
	if d.State == "" {
		d.State = workflow.DeliveryPending
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	if d.NextAttempt.IsZero() {
		d.NextAttempt = d.CreatedAt
	}
}

// EnqueueClaimed queues a message in the caller's transaction as
// EnqueueDelivery does, claimed at once for the worker of this instance
// (exchange.ClaimingQueue) — its first attempt counted and its next one
// pushed to its creation + lease, as ClaimDeliveries would — unless an
// earlier pending delivery about the same document to the same agency
// makes it wait (dueDeliveries): then it is queued due, unclaimed. One
// statement either way; true: claimed (d says so: Attempts 1,
// NextAttempt after the lease).
func (c *conn) EnqueueClaimed(ctx context.Context, d *workflow.Delivery, lease time.Duration) (bool, error) {
	fillDelivery(d)
	r := deliveryFromDomain(d)
	var attempts int
	leased := utc(d.CreatedAt.Add(lease))
	args := []any{r.ID, r.DocumentID, r.Kind, r.OrgID, r.OrgName, r.StatusCode, r.Description, r.State,
		r.Attempts, r.Attempts + 1, r.NextAttempt, leased, r.LastError, r.LastStatus, r.LastStatusAt,
		r.CreatedAt, r.UpdatedAt, r.DocumentID, r.OrgID, r.ID}
	err := c.rawRows(ctx, enqueueClaimed, args, func(rs *sql.Rows) error { return rs.Scan(&attempts) })
	if err != nil {
		return false, c.db.translate(err, "queue delivery to %s", d.OrgID)
	}
	if attempts == r.Attempts {
		return false, nil
	}
	d.Attempts, d.NextAttempt = attempts, fromDB(leased)
	return true, nil
}

// enqueueClaimed is EnqueueClaimed's statement: the row, its attempts
// and next attempt chosen by whether an earlier pending delivery about
// the same document to the same agency exists (w.waits). On PostgreSQL
// every value is cast to its column's type (the SELECT's would be text).
var enqueueClaimed = func() rawQuery {
	q := `INSERT INTO deliveries (id, document_id, kind, org_id, org_name, status_code, description, state,
  attempts, next_attempt, last_error, last_status, last_status_at, created_at, updated_at)
SELECT T?, T?, T?, T?, T?, T?, T?, T?,
  CASE WHEN w.waits THEN I? ELSE I? END, CASE WHEN w.waits THEN Z? ELSE Z? END, T?, T?, Z?, Z?, Z?
FROM (SELECT EXISTS (SELECT 1 FROM deliveries e WHERE e.document_id = ? AND e.org_id = ?
                     AND e.state = 'pending' AND e.id < ?) AS waits) w
RETURNING attempts`
	pg := strings.NewReplacer("T?", "CAST(? AS text)", "I?", "CAST(? AS bigint)", "Z?", "CAST(? AS timestamptz)").Replace(q)
	return rawQuery{sqlite: strings.NewReplacer("T?", "?", "I?", "?", "Z?", "?").Replace(q), pg: dollarPlaceholders(pg)}
}()

// QueueCounts counts deliveries by state (exchange.QueueReader).
func (d *DB) QueueCounts(ctx context.Context) (map[workflow.DeliveryState]int, error) {
	var rows []struct {
		State string
		N     int
	}
	if err := d.conn(ctx).Model(&deliveryRow{}).Select("state, COUNT(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		return nil, d.translate(err, "count deliveries")
	}
	out := map[workflow.DeliveryState]int{}
	for _, r := range rows {
		out[workflow.DeliveryState(r.State)] = r.N
	}
	return out, nil
}

// RecentDeliveries lists deliveries in states, most recently changed
// first (exchange.QueueReader).
func (d *DB) RecentDeliveries(ctx context.Context, states []workflow.DeliveryState, limit int) ([]workflow.Delivery, error) {
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	ss := make([]string, len(states))
	for i, s := range states {
		ss[i] = string(s)
	}
	var rows []deliveryRow
	if err := d.conn(ctx).Where("state IN ?", ss).Order("updated_at DESC, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, d.translate(err, "recent deliveries")
	}
	out := make([]workflow.Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}
