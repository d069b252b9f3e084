package gormdb

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vanthu/vanthu/workflow"
)

// storedWalkBatch is how many events WalkStoredEvents reads per query.
const storedWalkBatch = 5000

// walkStoredQuery is WalkStoredEvents' read: a page after a seq.
var walkStoredQuery = newRawQuery(`SELECT ` + eventColumns + ` FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ` +
	strconv.Itoa(storedWalkBatch))

// WalkStoredEvents implements workflow.StoredEventWalker: WalkEvents's
// walk (keyset pages on seq, storedWalkBatch events each), each row
// scanned into buffers reused for the next (no Event, no decoded map).
// On PostgreSQL outside a transaction the rows come from pgx itself, as
// the bytes it read (the two numbers in binary): through database/sql
// each text column became a string first.
func (c *conn) WalkStoredEvents(ctx context.Context, fn func(*workflow.StoredEvent) error) error {
	if pool, ok := c.g.Statement.ConnPool.(*sql.DB); ok && c.pg() {
		return c.pgWalkStored(ctx, pool, fn)
	}
	var s workflow.StoredEvent
	targets := []any{&s.Seq, (*sql.RawBytes)(&s.DocumentID), (*sql.RawBytes)(&s.Actor), (*sql.RawBytes)(&s.Kind),
		(*sql.RawBytes)(&s.Action), (*sql.RawBytes)(&s.From), (*sql.RawBytes)(&s.To), (*sql.RawBytes)(&s.Comment),
		(*sql.RawBytes)(&s.Data), &s.AtMicros, (*sql.RawBytes)(&s.PrevHash), (*sql.RawBytes)(&s.Hash)} // eventColumns' order
	after := int64(-1 << 62)
	for {
		n, fnErr := 0, error(nil)
		err := c.rawRows(ctx, walkStoredQuery, []any{after}, func(rs *sql.Rows) error {
			if err := rs.Scan(targets...); err != nil {
				return err
			}
			n++
			fnErr = fn(&s)
			return fnErr
		})
		if fnErr != nil {
			return fnErr
		}
		if err != nil {
			return c.db.translate(err, "walk audit events after %d", after)
		}
		if n < storedWalkBatch {
			return nil
		}
		after = s.Seq
	}
}

// storedResultFormats: seq and at_micros in binary, the rest as text.
var storedResultFormats = []int16{1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}

// pgWalkStored is WalkStoredEvents on a connection of pool, through pgx.
func (c *conn) pgWalkStored(ctx context.Context, pool *sql.DB, fn func(*workflow.StoredEvent) error) error {
	sc, err := pool.Conn(ctx)
	if err != nil {
		return c.db.translate(err, "walk audit events")
	}
	defer sc.Close()
	var fnErr error
	after := int64(-1 << 62)
	err = sc.Raw(func(dc any) error {
		dsc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", dc)
		}
		pc := dsc.Conn().PgConn()
		var s workflow.StoredEvent
		for {
			n, err := c.pgWalkPage(ctx, pc, after, &s, func() error { fnErr = fn(&s); return fnErr })
			if err != nil || n < storedWalkBatch {
				return err
			}
			after = s.Seq
		}
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return c.db.translate(err, "walk audit events after %d", after)
	}
	return nil
}

// pgWalkPage reads the page after seq after into s, calling fn on each
// row, and returns the rows read; it stops at fn's first error.
func (c *conn) pgWalkPage(ctx context.Context, pc *pgconn.PgConn, after int64, s *workflow.StoredEvent, fn func() error) (n int, err error) {
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return walkStoredQuery.pg, int64(n) }, err)
	}()
	rr := pc.ExecParams(ctx, walkStoredQuery.pg, [][]byte{strconv.AppendInt(nil, after, 10)}, nil, nil, storedResultFormats)
	var rowErr error
	for rr.NextRow() {
		if rowErr = storedFromPG(s, rr.Values()); rowErr != nil {
			break
		}
		n++
		if rowErr = fn(); rowErr != nil {
			break
		}
	}
	_, err = rr.Close()
	if rowErr != nil {
		return n, rowErr
	}
	return n, err
}

// storedFromPG fills s with a row of walkStoredQuery in
// storedResultFormats (vals valid until the next row).
func storedFromPG(s *workflow.StoredEvent, vals [][]byte) error {
	if len(vals) != 12 || len(vals[0]) != 8 || len(vals[9]) != 8 {
		return fmt.Errorf("audit event row: %d columns, not 12 with two 8-byte integers", len(vals))
	}
	s.Seq = int64(binary.BigEndian.Uint64(vals[0]))
	s.DocumentID, s.Actor, s.Kind, s.Action, s.From, s.To, s.Comment, s.Data = vals[1], vals[2], vals[3], vals[4], vals[5], vals[6], vals[7], vals[8]
	s.AtMicros = int64(binary.BigEndian.Uint64(vals[9]))
	s.PrevHash, s.Hash = vals[10], vals[11]
	return nil
}
