package gormdb

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

// reservationRow is a register number taken by an issue in progress
// (state reserved) or voided by a failed one (state voided, kept for the
// register). A consumed or given-back reservation is deleted. Two rows
// never share a number of a register's year, and a document has at most
// one live reservation (the unique indexes of migration 1).
type reservationRow struct {
	ID         string     `gorm:"primaryKey"`
	Kind       string     `gorm:"not null"`
	Year       int        `gorm:"not null"`
	Number     int        `gorm:"not null"`
	Notation   string     `gorm:"not null"`
	DocumentID string     `gorm:"not null;index"`
	Actor      string     `gorm:"not null"`
	State      string     `gorm:"not null"`
	Reason     string     `gorm:"not null"`
	CreatedAt  time.Time  `gorm:"not null"`
	VoidedAt   *time.Time ``
}

func (reservationRow) TableName() string { return "register_reservations" }

func (r *reservationRow) toDomain() workflow.Reservation {
	return workflow.Reservation{ID: r.ID, Register: workflow.RegisterKind(r.Kind), Year: r.Year, Number: r.Number,
		Notation: r.Notation, DocumentID: r.DocumentID, Actor: r.Actor, State: workflow.ReservationState(r.State),
		Reason: r.Reason, CreatedAt: fromDB(r.CreatedAt), VoidedAt: fromDBPtr(r.VoidedAt)}
}

var (
	_ workflow.Reservations      = (*conn)(nil)
	_ workflow.ReservationReader = (*DB)(nil)
)

// ReservationsOf implements workflow.ReservationReader.
func (d *DB) ReservationsOf(ctx context.Context, kind workflow.RegisterKind, year int) ([]workflow.Reservation, error) {
	return d.reader(ctx).ReservationsOf(ctx, kind, year)
}

// CreateReservation stores r: ECONFLICT if its number is taken or its
// document already has a live reservation.
func (c *conn) CreateReservation(ctx context.Context, r *workflow.Reservation) error {
	row := reservationRow{ID: r.ID, Kind: string(r.Register), Year: r.Year, Number: r.Number, Notation: r.Notation,
		DocumentID: r.DocumentID, Actor: r.Actor, State: string(r.State), Reason: r.Reason,
		CreatedAt: utc(r.CreatedAt), VoidedAt: utcPtr(r.VoidedAt)}
	if t := c.lastWriteTx(ctx); t != nil {
		args := []any{row.ID, row.Kind, row.Year, row.Number, row.Notation, row.DocumentID, row.Actor, row.State,
			row.Reason, row.CreatedAt, row.VoidedAt}
		committed, err := c.commitWith(ctx, t, insertReservationPG, args, false)
		if err != nil {
			return c.db.translate(err, "reserve number %d of register %s %d", r.Number, r.Register, r.Year)
		}
		if committed {
			return nil
		}
	}
	if err := c.q(ctx).Create(&row).Error; err != nil {
		return c.db.translate(err, "reserve number %d of register %s %d", r.Number, r.Register, r.Year)
	}
	return nil
}

// insertReservationPG is CreateReservation's INSERT as a transaction's
// last statement, sent with COMMIT (pgTx.commitWith).
const insertReservationPG = `INSERT INTO register_reservations
 (id, kind, year, number, notation, document_id, actor, state, reason, created_at, voided_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// LockReservation returns the reservation, locked (FOR UPDATE on
// PostgreSQL; SQLite's transaction holds the write lock). ENOTFOUND when
// there is none.
func (c *conn) LockReservation(ctx context.Context, id string) (*workflow.Reservation, error) {
	q := c.q(ctx).Where("id = ?", id)
	if c.pg() {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
	}
	var row reservationRow
	if err := q.Take(&row).Error; err != nil {
		return nil, c.db.translate(err, "reservation %s", id)
	}
	r := row.toDomain()
	return &r, nil
}

// ReservationsOf returns a register year's reservations by number.
func (c *conn) ReservationsOf(ctx context.Context, kind workflow.RegisterKind, year int) ([]workflow.Reservation, error) {
	out := []workflow.Reservation{}
	var r reservationRow
	targets := []any{&r.ID, &r.Kind, &r.Year, &r.Number, &r.Notation, &r.DocumentID, &r.Actor, &r.State, &r.Reason,
		&r.CreatedAt, &r.VoidedAt} // every target sets its field, NULL included
	err := c.rawRows(ctx, reservationsOfQuery, []any{string(kind), year}, func(rs *sql.Rows) error {
		if err := rs.Scan(targets...); err != nil {
			return err
		}
		out = append(out, r.toDomain())
		return nil
	})
	if err != nil {
		return nil, c.db.translate(err, "reservations of register %s %d", kind, year)
	}
	return out, nil
}

// reservationsOfQuery is ReservationsOf's read.
var reservationsOfQuery = newRawQuery(`SELECT id, kind, year, number, notation, document_id, actor, state, reason,
 created_at, voided_at FROM register_reservations WHERE kind = ? AND year = ? ORDER BY number`)

// DeleteReservation removes a reservation still in state reserved;
// ECONFLICT otherwise.
func (c *conn) DeleteReservation(ctx context.Context, id string) error {
	query := deleteReservationQuery.sqlite
	if c.pg() {
		query = deleteReservationQuery.pg
	}
	n, err := rawExec(ctx, c.g, query, id, string(workflow.NumberReserved))
	if err != nil {
		return c.db.translate(err, "delete reservation %s", id)
	}
	if n != 1 {
		return workflow.Errorf(workflow.ECONFLICT, "reservation %s is no longer reserved", id)
	}
	return nil
}

// deleteReservationQuery is DeleteReservation's statement, written in
// SQL: gorm's statement building cost more than the statement.
var deleteReservationQuery = newRawQuery(`DELETE FROM register_reservations WHERE id = ? AND state = ?`)

// VoidReservation marks a reserved reservation voided; ECONFLICT when it
// is not reserved any more.
func (c *conn) VoidReservation(ctx context.Context, id, reason string, at time.Time) error {
	res := c.q(ctx).Model(&reservationRow{}).Where("id = ? AND state = ?", id, string(workflow.NumberReserved)).
		Updates(map[string]any{"state": string(workflow.NumberVoided), "reason": reason, "voided_at": utc(at)})
	if res.Error != nil {
		return c.db.translate(res.Error, "void reservation %s", id)
	}
	if res.RowsAffected != 1 {
		return workflow.Errorf(workflow.ECONFLICT, "reservation %s is no longer reserved", id)
	}
	return nil
}

// GiveBackNumber steps the register's counter back from n when n is still
// its last number (a guarded update: the counter row is locked until the
// transaction ends).
func (c *conn) GiveBackNumber(ctx context.Context, kind workflow.RegisterKind, year, n int) (bool, error) {
	res := c.q(ctx).Exec(`UPDATE register_counters SET last = last - 1 WHERE kind = ? AND year = ? AND last = ?`, string(kind), year, n)
	if res.Error != nil {
		return false, c.db.translate(res.Error, "give back number %d of register %s %d", n, kind, year)
	}
	return res.RowsAffected == 1, nil
}
