package gormdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	Holder     string     `gorm:"not null;default:''"` // the instance that reserved it (liveness.go); '' before migration 14
}

func (reservationRow) TableName() string { return "register_reservations" }

func (r *reservationRow) toDomain() workflow.Reservation {
	return workflow.Reservation{ID: r.ID, Register: workflow.RegisterKind(r.Kind), Year: r.Year, Number: r.Number,
		Notation: r.Notation, DocumentID: r.DocumentID, Actor: r.Actor, State: workflow.ReservationState(r.State),
		Reason: r.Reason, CreatedAt: fromDB(r.CreatedAt), VoidedAt: fromDBPtr(r.VoidedAt), Holder: r.Holder}
}

var (
	_ workflow.Reservations      = (*conn)(nil)
	_ workflow.NumberReserver    = (*conn)(nil)
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
		CreatedAt: utc(r.CreatedAt), VoidedAt: utcPtr(r.VoidedAt), Holder: r.Holder}
	if t := c.lastWriteTx(ctx); t != nil {
		args := []any{row.ID, row.Kind, row.Year, row.Number, row.Notation, row.DocumentID, row.Actor, row.State,
			row.Reason, row.CreatedAt, row.VoidedAt, row.Holder}
		committed, err := c.commitWith(ctx, t, insertReservationPG, args, false, nil)
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
 (id, kind, year, number, notation, document_id, actor, state, reason, created_at, voided_at, holder)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

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
		&r.CreatedAt, &r.VoidedAt, &r.Holder} // every target sets its field, NULL included
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
 created_at, voided_at, holder FROM register_reservations WHERE kind = ? AND year = ? ORDER BY number`)

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

// LockWithReservations implements workflow.NumberReserver. In a
// PostgreSQL transaction the locked document read and the list go in one
// round trip (with BEGIN when they are its first statements); elsewhere
// LockDocument then ReservationsOf.
func (c *conn) LockWithReservations(ctx context.Context, id string, kind workflow.RegisterKind, year int) (*workflow.Document, []workflow.Reservation, error) {
	t, ok := c.g.Statement.ConnPool.(*pgTx)
	q := c.db.documentQuery(" WHERE id = ? LIMIT 1 FOR UPDATE")
	if !c.pg() || !ok || q.name == "" {
		return c.lockWithReservations(ctx, id, kind, year)
	}
	out := []workflow.Reservation{}
	var r reservationRow
	targets := []any{&r.ID, &r.Kind, intDest{&r.Year}, intDest{&r.Number}, &r.Notation, &r.DocumentID, &r.Actor,
		&r.State, &r.Reason, timeDest{&r.CreatedAt}, nullTimeDest{&r.VoidedAt}, &r.Holder} // reservationsOfQuery's columns
	scan := func(fields []pgconn.FieldDescription, values [][]byte) error {
		if len(values) != len(targets) || len(fields) != len(targets) {
			return fmt.Errorf("reservation row of %d values, want %d", len(values), len(targets))
		}
		for i, v := range values {
			if err := decodeValue(targets[i], fields[i].DataTypeOID, v, string(v)); err != nil {
				return fmt.Errorf("reservation column %d: %w", i+1, err)
			}
		}
		out = append(out, r.toDomain())
		return nil
	}
	var row [1]documentRow
	start := time.Now()
	rows, err := t.readDocumentsThen(ctx, q, row[:0], []any{id},
		pgStmt{query: reservationsOfQuery.pg, args: []any{string(kind), year}}, scan)
	c.g.Logger.Trace(ctx, start, func() (string, int64) { return q.sql + "; " + reservationsOfQuery.pg, int64(len(out)) }, err)
	if errors.Is(err, errNotPipelined) {
		return c.lockWithReservations(ctx, id, kind, year)
	}
	if err == nil && len(rows) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, nil, c.db.translate(err, "lock document %s with the reservations of register %s %d", id, kind, year)
	}
	c.sawFiles(rows[0].ID, rows[0].Version, rows[0].Files)
	c.sawReport(&rows[0])
	d, err := rows[0].toDomain()
	return d, out, err
}

// lockWithReservations is LockWithReservations one read at a time.
func (c *conn) lockWithReservations(ctx context.Context, id string, kind workflow.RegisterKind, year int) (*workflow.Document, []workflow.Reservation, error) {
	d, err := c.LockDocument(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	live, err := c.ReservationsOf(ctx, kind, year)
	if err != nil {
		return nil, nil, err
	}
	return d, live, nil
}

// ReserveNext implements workflow.NumberReserver. On PostgreSQL one
// statement takes the number (the counter row's locked increment, as
// NextNumber) and inserts the reservation with it, sent with COMMIT when
// it is the transaction's last write; a failure of either part fails the
// statement, and the rolled-back transaction takes no number. Elsewhere
// NextNumber then CreateReservation.
func (c *conn) ReserveNext(ctx context.Context, r *workflow.Reservation, suffix string) error {
	if !r.Register.Valid() && r.Register != workflow.RegisterCopies {
		return workflow.Errorf(workflow.EINVALID, "unknown register %q", r.Register)
	}
	if !c.pg() {
		n, err := c.NextNumber(ctx, r.Register, r.Year)
		if err != nil {
			return fmt.Errorf("take %s number: %w", r.Register, err)
		}
		r.Number, r.Notation = n, workflow.NotationWith(n, suffix)
		return c.CreateReservation(ctx, r)
	}
	args := []any{r.ID, string(r.Register), r.Year, suffix, r.DocumentID, r.Actor, string(r.State), r.Reason,
		utc(r.CreatedAt), utcPtr(r.VoidedAt), r.Holder}
	number, notation, err := c.reserveNextPG(ctx, args)
	if err != nil {
		return c.db.translate(err, "reserve the next number of register %s %d", r.Register, r.Year)
	}
	if number < 1 {
		return workflow.Errorf(workflow.EINTERNAL, "register %s %d: counter returned %d", r.Register, r.Year, number)
	}
	r.Number, r.Notation = number, notation
	return nil
}

// reserveNextPG runs reserveNextQuery, with COMMIT when it is the
// transaction's last write, and returns the number and notation taken.
func (c *conn) reserveNextPG(ctx context.Context, args []any) (number int, notation string, err error) {
	if t := c.lastWriteTx(ctx); t != nil {
		start := time.Now()
		res, committed, err := t.commitResult(ctx, nil, reserveNextQuery, args, false, nil)
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return reserveNextQuery + "; COMMIT", 1 }, err)
		if err != nil {
			return 0, "", err
		}
		if committed {
			return reservedNumber(res)
		}
	}
	start := time.Now()
	err = c.g.Statement.ConnPool.QueryRowContext(ctx, reserveNextQuery, args...).Scan(&number, &notation)
	c.g.Logger.Trace(ctx, start, func() (string, int64) { return reserveNextQuery, 1 }, err)
	return number, notation, err
}

// reservedNumber decodes reserveNextQuery's one row.
func reservedNumber(res *pgconn.Result) (int, string, error) {
	if len(res.Rows) != 1 || len(res.Rows[0]) != 2 || len(res.FieldDescriptions) != 2 {
		return 0, "", fmt.Errorf("reserve number: %d rows", len(res.Rows))
	}
	v, f := res.Rows[0][0], res.FieldDescriptions[0]
	if f.Format == pgx.TextFormatCode {
		n, err := strconv.Atoi(string(v))
		return n, string(res.Rows[0][1]), err
	}
	n, err := pgInt(f.DataTypeOID, v)
	return int(n), string(res.Rows[0][1]), err
}

// reserveNextQuery is ReserveNext's statement on PostgreSQL: NextNumber's
// increment, and the reservation's INSERT with the number it returned.
// Its notation is NotationWith's: the number, two digits at least, then
// the suffix ($4).
const reserveNextQuery = `WITH n AS (INSERT INTO register_counters (kind, year, last) VALUES ($2, $3, 1)
 ON CONFLICT (kind, year) DO UPDATE SET last = register_counters.last + 1 RETURNING last)
INSERT INTO register_reservations (id, kind, year, number, notation, document_id, actor, state, reason, created_at, voided_at, holder)
SELECT CAST($1 AS text), $2, $3, n.last, CASE WHEN n.last < 10 THEN '0' ELSE '' END || n.last || CAST($4 AS text),
 CAST($5 AS text), CAST($6 AS text), CAST($7 AS text), CAST($8 AS text), CAST($9 AS timestamptz), CAST($10 AS timestamptz), CAST($11 AS text) FROM n
RETURNING number, notation`

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
