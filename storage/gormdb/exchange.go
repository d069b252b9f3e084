package gormdb

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

// The interagency exchange's tables beside deliveries (deliveries.go):
// connected agencies, the DocumentIds our documents went out as, and the
// status messages received about them.

type agencyRow struct {
	OrgID          string    `gorm:"primaryKey"`
	Name           string    `gorm:"not null"`
	Endpoint       string    `gorm:"not null"`
	SigningCertPEM string    `gorm:"not null"`
	TLSCertPEM     string    `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null;autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (agencyRow) TableName() string { return "agencies" }

type sentRow struct {
	ExternalID string `gorm:"primaryKey"`
	DocumentID string `gorm:"not null;index"`
}

func (sentRow) TableName() string { return "exchange_sent" }

type statusRow struct {
	Seq         int64     `gorm:"primaryKey;autoIncrement"`
	DocumentID  string    `gorm:"not null;uniqueIndex:exchange_statuses_once,priority:1"`
	OrgID       string    `gorm:"not null;uniqueIndex:exchange_statuses_once,priority:2"`
	Code        string    `gorm:"not null;uniqueIndex:exchange_statuses_once,priority:3"`
	At          time.Time `gorm:"not null;uniqueIndex:exchange_statuses_once,priority:4"`
	Description string    `gorm:"not null"`
	ReceivedAt  time.Time `gorm:"not null;autoCreateTime:false"`
}

func (statusRow) TableName() string { return "exchange_statuses" }

func agencyFromRow(r *agencyRow) *workflow.ConnectedAgency {
	return &workflow.ConnectedAgency{OrgID: r.OrgID, Name: r.Name, Endpoint: r.Endpoint, SigningCertPEM: r.SigningCertPEM,
		TLSCertPEM: r.TLSCertPEM, CreatedAt: fromDB(r.CreatedAt), UpdatedAt: fromDB(r.UpdatedAt)}
}

// PutAgency inserts or replaces a connected agency.
func (d *DB) PutAgency(ctx context.Context, a *workflow.ConnectedAgency) error {
	now := utc(time.Now())
	r := &agencyRow{OrgID: a.OrgID, Name: a.Name, Endpoint: a.Endpoint, SigningCertPEM: a.SigningCertPEM,
		TLSCertPEM: a.TLSCertPEM, CreatedAt: now, UpdatedAt: now}
	err := d.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "org_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "endpoint", "signing_cert_pem", "tls_cert_pem", "updated_at"}),
	}).Create(r).Error
	if err != nil {
		return d.translate(err, "register agency %s", a.OrgID)
	}
	return nil
}

// Agency returns a registered agency, or ENOTFOUND.
func (d *DB) Agency(ctx context.Context, orgID string) (*workflow.ConnectedAgency, error) {
	var r agencyRow
	if err := d.conn(ctx).Where("org_id = ?", orgID).Take(&r).Error; err != nil {
		return nil, d.translate(err, "agency %s", orgID)
	}
	return agencyFromRow(&r), nil
}

// Agencies lists every registered agency by org code.
func (d *DB) Agencies(ctx context.Context) ([]*workflow.ConnectedAgency, error) {
	var rows []agencyRow
	if err := d.conn(ctx).Order("org_id").Find(&rows).Error; err != nil {
		return nil, d.translate(err, "list agencies")
	}
	out := make([]*workflow.ConnectedAgency, len(rows))
	for i := range rows {
		out[i] = agencyFromRow(&rows[i])
	}
	return out, nil
}

// dueDeliveries selects pending deliveries due at ?, skipping any that
// waits for an earlier pending delivery about the same document to the
// same agency.
const dueDeliveries = `SELECT d.id FROM deliveries d
WHERE d.state = 'pending' AND d.next_attempt <= ?
  AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.document_id = d.document_id AND e.org_id = d.org_id
                  AND e.state = 'pending' AND e.id < d.id)
ORDER BY d.next_attempt, d.id LIMIT ?`

// ClaimDeliveries takes due deliveries: on PostgreSQL with FOR UPDATE
// SKIP LOCKED, so concurrent workers take disjoint sets; on SQLite the
// transaction holds the single write lock. The claim pushes next_attempt
// to now+lease (a crashed worker's deliveries come back after the lease)
// and counts the attempt.
func (d *DB) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]workflow.Delivery, error) {
	if limit <= 0 {
		limit = 10
	}
	q := dueDeliveries
	if d.dialect == Postgres {
		q += " FOR UPDATE OF d SKIP LOCKED"
	}
	var rows []deliveryRow
	err := d.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		var ids []string
		if err := g.Raw(q, utc(now), limit).Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := g.Model(&deliveryRow{}).Where("id IN ?", ids).Updates(map[string]any{
			"next_attempt": utc(now.Add(lease)), "attempts": gorm.Expr("attempts + 1"), "updated_at": utc(now),
		}).Error; err != nil {
			return err
		}
		return g.Where("id IN ?", ids).Order("next_attempt, id").Find(&rows).Error
	})
	if err != nil {
		return nil, d.translate(err, "claim deliveries")
	}
	out := make([]workflow.Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	// Oldest first, as selected (the update moved every next_attempt to
	// the same instant).
	sortDeliveries(out)
	return out, nil
}

func sortDeliveries(ds []workflow.Delivery) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].ID < ds[j-1].ID; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

func (d *DB) markDelivery(ctx context.Context, id string, fields map[string]any) error {
	res := d.conn(ctx).Model(&deliveryRow{}).Where("id = ? AND state = ?", id, string(workflow.DeliveryPending)).Updates(fields)
	if res.Error != nil {
		return d.translate(res.Error, "update delivery %s", id)
	}
	if res.RowsAffected == 0 {
		return workflow.Errorf(workflow.ECONFLICT, "delivery %s is not pending", id)
	}
	return nil
}

// MarkDelivered records the peer's acknowledgement.
func (d *DB) MarkDelivered(ctx context.Context, id string, now time.Time) error {
	return d.markDelivery(ctx, id, map[string]any{"state": string(workflow.DeliveryDelivered), "last_error": "", "updated_at": utc(now)})
}

// MarkRetry schedules another attempt (updated_at on the database clock, Now).
func (d *DB) MarkRetry(ctx context.Context, id string, next time.Time, lastErr string) error {
	return d.markDelivery(ctx, id, map[string]any{"next_attempt": utc(next), "last_error": lastErr, "updated_at": utc(d.Now())})
}

// MarkFailed gives up on a delivery.
func (d *DB) MarkFailed(ctx context.Context, id string, now time.Time, reason string) error {
	return d.markDelivery(ctx, id, map[string]any{"state": string(workflow.DeliveryFailed), "last_error": reason, "updated_at": utc(now)})
}

// Deliveries lists a document's deliveries by agency, then creation.
func (d *DB) Deliveries(ctx context.Context, documentID string) ([]workflow.Delivery, error) {
	var rows []deliveryRow
	if err := d.conn(ctx).Where("document_id = ?", documentID).Order("org_id, id").Find(&rows).Error; err != nil {
		return nil, d.translate(err, "deliveries of %s", documentID)
	}
	out := make([]workflow.Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// RememberSent records the DocumentId a document went out as.
func (d *DB) RememberSent(ctx context.Context, externalID, documentID string) error {
	err := d.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&sentRow{ExternalID: externalID, DocumentID: documentID}).Error
	return d.translate(err, "remember sent %s", externalID)
}

// RememberSent implements exchange.SentRememberer: the DocumentId
// recorded in the transaction. On PostgreSQL the insert is not sent on
// its own: it goes with the statement that commits (pgTx.deferStmt).
func (c *conn) RememberSent(ctx context.Context, externalID, documentID string) error {
	if p, ok := c.g.Statement.ConnPool.(*pgTx); ok {
		p.deferStmt(pgStmt{query: rememberSentPG, args: []any{externalID, documentID}})
		return nil
	}
	err := c.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&sentRow{ExternalID: externalID, DocumentID: documentID}).Error
	return c.db.translate(err, "remember sent %s", externalID)
}

// rememberSentPG is RememberSent's statement on PostgreSQL.
const rememberSentPG = "INSERT INTO exchange_sent (external_id, document_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"

// SentDocument returns our document that went out as externalID, or
// ENOTFOUND: the sent-id look-up and the document in one read (one round
// trip), as a status message about it needs both.
func (d *DB) SentDocument(ctx context.Context, externalID string) (*workflow.Document, error) {
	c := d.reader(ctx)
	r, err := c.queryDocument(ctx, whereSentAs, "", externalID)
	if err != nil {
		return nil, d.translate(err, "document sent as %s", externalID)
	}
	return r.toDomain()
}

// whereSentAs selects the document recorded as sent under a DocumentId
// (exchange_sent is keyed by external_id: one row at most).
const whereSentAs = " WHERE id = (SELECT document_id FROM exchange_sent WHERE external_id = ?)"

// RecordStatus stores a status message once and moves the agency's
// document delivery's LastStatus forward (lastStatusMoves): never back
// to an earlier stage, never off a refusal but by a re-send. refused: it
// is a refusal (02) that made the delivery refused — the first since our
// last (re)send; a refusal already there is the same one again, stamped
// anew. Two copies at once are told apart by the update of the row: the
// second waits for the first's lock (PostgreSQL) or write (SQLite), then
// finds the refusal there. A refusal that makes the delivery refused
// takes off a mark dealt with (dealt_at) it had: it is listed again.
func (d *DB) RecordStatus(ctx context.Context, s workflow.ReceivedStatus) (created, refused bool, err error) {
	at := utc(s.At)
	recv := s.ReceivedAt
	if recv.IsZero() {
		recv = time.Now()
	}
	if d.dialect == Postgres {
		created, refused, err := d.recordStatusPG(ctx, s, at, utc(recv))
		if err != nil {
			return false, false, d.translate(err, "record status %s of %s from %s", s.Code, s.DocumentID, s.OrgID)
		}
		return created, refused, nil
	}
	err = d.conn(ctx).Transaction(func(g *gorm.DB) error {
		res := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&statusRow{DocumentID: s.DocumentID, OrgID: s.OrgID,
			Code: s.Code, At: at, Description: s.Description, ReceivedAt: utc(recv)})
		if res.Error != nil {
			return res.Error
		}
		created = res.RowsAffected > 0
		if !created || !slices.Contains(lastStatusCodes, s.Code) {
			return nil
		}
		set := map[string]any{"last_status": s.Code, "last_status_at": at}
		if s.Code == workflow.StatusRefused {
			set["dealt_at"] = nil // a new refusal: listed again
		}
		res = g.Model(&deliveryRow{}).
			Where("document_id = ? AND org_id = ? AND kind = ?", s.DocumentID, s.OrgID, string(workflow.DeliverDocument)).
			Where(lastStatusMoves("?", "?"), s.Code, s.Code, s.Code, s.Code, at).
			Updates(set)
		refused = res.Error == nil && res.RowsAffected > 0 && s.Code == workflow.StatusRefused
		return res.Error
	})
	if err != nil {
		return false, false, d.translate(err, "record status %s of %s from %s", s.Code, s.DocumentID, s.OrgID)
	}
	return created, refused, nil
}

// lastStatusCodes are the statuses a delivery's last status takes: the
// stages of the recipient's processing, in their order as strings — 01
// arrived, 03 accepted (registered), 04 assigned, 05 in progress, 06
// completed — and 02, refused. The answers to a revocation or an update
// (13, 15, 16) are no stage: they are recorded among the statuses and
// leave the last status as it was.
var lastStatusCodes = []string{"01", "02", "03", "04", "05", "06"}

// lastStatusMoves is the condition on a delivery row for its last status
// to become a new status of code c at time t (SQL expressions: "?" or a
// numbered parameter; on "?" the arguments are c four times, then t):
// none yet (or the answer to a revocation kept by versions before this
// rule); a refusal (02) over any stage; a later stage over an earlier one
// whatever their times, the same stage at a later time. A refusal stays
// — a peer's clock or a replay may date a 01 after it — until a re-send
// (ResetDelivery), which takes its time off: a refusal without a time is
// one from before our last re-send, and any answer to the re-send
// replaces it. Before, the last status followed the peer's times only, so
// a skewed clock or a replayed 01 hid a 06 or a refusal.
func lastStatusMoves(c, t string) string {
	return "(last_status NOT IN ('01', '02', '03', '04', '05', '06') OR (last_status = '02' AND last_status_at IS NULL) OR (" +
		c + " = '02' AND last_status <> '02') OR (" + c + " <> '02' AND last_status <> '02' AND (last_status < " + c +
		" OR (last_status = " + c + " AND (last_status_at IS NULL OR last_status_at <= " + t + ")))))"
}

// recordStatusPG is RecordStatus on PostgreSQL in one statement (one
// round trip, atomic on its own, instead of BEGIN, INSERT, UPDATE and
// COMMIT): the delivery is updated only when the status was inserted; it
// returns how many statuses were inserted and deliveries moved.
var recordStatusPG = `WITH ins AS (
	INSERT INTO exchange_statuses (document_id, org_id, code, at, description, received_at)
	VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1),
upd AS (
	UPDATE deliveries SET last_status = $3, last_status_at = $4, dealt_at = CASE WHEN $3 = '02' THEN NULL ELSE dealt_at END
	WHERE document_id = $1 AND org_id = $2 AND kind = $7 AND $3 IN ('01', '02', '03', '04', '05', '06')
	AND ` + lastStatusMoves("$3", "$4") + `
	AND EXISTS (SELECT 1 FROM ins)
	RETURNING 1)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)`

func (d *DB) recordStatusPG(ctx context.Context, s workflow.ReceivedStatus, at, recv time.Time) (created, refused bool, err error) {
	g := d.conn(ctx)
	start := time.Now()
	defer func() {
		g.Logger.Trace(ctx, start, func() (string, int64) { return recordStatusPG, 1 }, err)
	}()
	var n, moved int64
	err = g.Statement.ConnPool.QueryRowContext(ctx, recordStatusPG, s.DocumentID, s.OrgID, s.Code, at, s.Description, recv,
		string(workflow.DeliverDocument)).Scan(&n, &moved)
	return n > 0, moved > 0 && s.Code == workflow.StatusRefused, err
}

// Statuses lists the status messages about a document by agency, in the
// order they happened (then arrived).
func (d *DB) Statuses(ctx context.Context, documentID string) ([]workflow.ReceivedStatus, error) {
	var rows []statusRow
	if err := d.conn(ctx).Where("document_id = ?", documentID).Order("org_id, at, seq").Find(&rows).Error; err != nil {
		return nil, d.translate(err, "statuses of %s", documentID)
	}
	out := make([]workflow.ReceivedStatus, len(rows))
	for i, r := range rows {
		out[i] = workflow.ReceivedStatus{DocumentID: r.DocumentID, OrgID: r.OrgID, Code: r.Code, Description: r.Description,
			At: fromDB(r.At), ReceivedAt: fromDB(r.ReceivedAt)}
	}
	return out, nil
}
