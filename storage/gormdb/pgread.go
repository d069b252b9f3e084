package gormdb

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vanthu/vanthu/workflow"
)

// On PostgreSQL the document reads outside a transaction talk to pgx's
// connection itself instead of going through database/sql's rows: the
// statement is prepared once per connection under a name of ours, each
// read is one Bind/Execute/Sync round trip with every column in binary,
// and the row is decoded straight into a documentRow — one string for all
// of a row's text. Through database/sql, pgx built a scan plan and a
// driver.Value per column and a field description slice per query, and
// database/sql started a goroutine per query to watch its context: about
// half of the bytes a GET allocated, and a third of its CPU.

// documentQuery is the SQL of a document read and the name it is
// prepared under on PostgreSQL ("" when it is not: the shapes past
// maxCachedQueries go through database/sql).
type documentQuery struct {
	sql, name string
}

// binaryResults asks for every result column in binary.
var binaryResults = []int16{pgx.BinaryFormatCode}

// pgDocuments runs q on a connection of pool and decodes its rows. point
// says it reads one row by a unique key: the read is not cancelled with
// ctx (tens of microseconds on the server; watching ctx cost more), the
// silence timeout still bounds it. A connection found dead before
// anything was sent, or that died under the read without timing out, and
// a statement whose result type changed under it
// (another instance migrated the schema), are tried again.
func (d *DB) pgDocuments(ctx context.Context, pool *sql.DB, q *documentQuery, point bool, rows []documentRow, args []any) ([]documentRow, error) {
	for attempt := 0; ; attempt++ {
		out, again, err := d.pgDocumentsOnce(ctx, pool, q, point, rows[:0], args)
		if !again || attempt == 2 {
			return out, err
		}
	}
}

func (d *DB) pgDocumentsOnce(ctx context.Context, pool *sql.DB, q *documentQuery, point bool, rows []documentRow, args []any) (_ []documentRow, again bool, err error) {
	c, err := pool.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", dc)
		}
		pc := sc.Conn()
		var err error
		rows, err = readDocuments(ctx, pc, q, point, false, rows, args)
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
		case errors.As(err, &pgErr) && pgErr.Code == "0A000": // cached plan must not change result type
			again = pc.Deallocate(context.WithoutCancel(ctx), q.name) == nil
		case pgconn.SafeToRetry(err):
			again = true
		case pc.IsClosed() && ctx.Err() == nil && !pgconn.Timeout(err) && !isNetTimeout(err):
			// The connection died under the read (reset after a quiet
			// spell, a failover): it only read, so another one may.
			again = true
		}
		return err
	})
	return rows, again, err
}

// readDocuments prepares q on pc (once: pgx keeps it by name), executes it
// with args and decodes every row, appended to rows. begin sends BEGIN
// before it, in the same round trip (pgTx).
func readDocuments(ctx context.Context, pc *pgx.Conn, q *documentQuery, point, begin bool, rows []documentRow, args []any) ([]documentRow, error) {
	sd, err := pc.Prepare(ctx, q.name, q.sql)
	if err != nil {
		return nil, err
	}
	if len(sd.Fields) != len(documentColumns) {
		return nil, fmt.Errorf("%s: %d columns, want %d", q.name, len(sd.Fields), len(documentColumns))
	}
	params, formats, err := encodeParams(pc, sd.ParamOIDs, args)
	if err != nil {
		return nil, err
	}
	execCtx := ctx
	if point {
		execCtx = context.Background()
	}
	// Without its fields, the description spares pgx a field description
	// slice per query: sd.Fields, kept by pgx with the statement, name the
	// types.
	bare := &pgconn.StatementDescription{Name: sd.Name, SQL: sd.SQL, ParamOIDs: sd.ParamOIDs}
	if begin {
		return readAfterBegin(execCtx, pc, sd.Fields, bare, params, formats, rows)
	}
	rr := pc.PgConn().ExecStatement(execCtx, bare, params, formats, binaryResults)
	return decodeRows(rr, sd.Fields, rows)
}

// readAfterBegin sends BEGIN and the statement sd in one batch (one
// round trip) and decodes the statement's rows.
func readAfterBegin(ctx context.Context, pc *pgx.Conn, fields []pgconn.FieldDescription, sd *pgconn.StatementDescription, params [][]byte, formats []int16, rows []documentRow) ([]documentRow, error) {
	begin, err := pc.Prepare(ctx, txControl["begin"], "begin")
	if err != nil {
		return nil, err
	}
	var b pgconn.Batch
	b.ExecStatement(begin, nil, nil, nil)
	b.ExecStatement(sd, params, formats, binaryResults)
	mrr := pc.PgConn().ExecBatch(ctx, &b)
	if !mrr.NextResult() { // BEGIN
		return nil, mrr.Close()
	}
	if _, err := mrr.ResultReader().Close(); err != nil {
		mrr.Close()
		return nil, err
	}
	if !mrr.NextResult() {
		return nil, mrr.Close()
	}
	rows, err = decodeRows(mrr.ResultReader(), fields, rows)
	if cerr := mrr.Close(); err == nil {
		err = cerr
	}
	return rows, err
}

// decodeRows decodes every row of rr, of the statement's fields, and
// appends them to rows.
func decodeRows(rr *pgconn.ResultReader, fields []pgconn.FieldDescription, rows []documentRow) ([]documentRow, error) {
	var r documentRow
	targets := r.scanTargets() // every target sets its field, NULL included
	for rr.NextRow() {
		if err := decodeRow(fields, rr.Values(), targets); err != nil {
			rr.Close()
			return nil, err
		}
		rows = append(rows, r)
	}
	_, err := rr.Close()
	return rows, err
}

// encodeParams encodes args as pgx would for the statement's parameter
// types, into one buffer.
func encodeParams(pc *pgx.Conn, oids []uint32, args []any) ([][]byte, []int16, error) {
	if len(oids) != len(args) {
		return nil, nil, fmt.Errorf("statement takes %d arguments, got %d", len(oids), len(args))
	}
	m := pc.TypeMap()
	formats := make([]int16, len(args))
	ends := make([]int, len(args))
	params := make([][]byte, len(args))
	buf := make([]byte, 0, 64) // not nil: Encode answers nil for NULL
	for i, a := range args {
		formats[i] = m.FormatCodeForOID(oids[i])
		out, err := m.Encode(oids[i], formats[i], a, buf)
		if err != nil {
			return nil, nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		if out != nil {
			buf = out
			params[i] = buf // marks a value; sliced below, once buf stops moving
		}
		ends[i] = len(buf)
	}
	start := 0
	for i := range args {
		if params[i] != nil {
			params[i] = buf[start:ends[i]:ends[i]]
		}
		start = ends[i]
	}
	return params, formats, nil
}

// PostgreSQL type OIDs of the document columns.
const (
	oidBool        = 16
	oidBytea       = 17
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidBPChar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTimestamp   = 1114
	oidTimestamptz = 1184
)

func isText(oid uint32) bool { return oid == oidText || oid == oidVarchar || oid == oidBPChar }

// decodeRow sets targets (scanTargets) from a row of binary values (nil
// is NULL) of the types fields name. The row's text values share one
// string.
func decodeRow(fields []pgconn.FieldDescription, values [][]byte, targets []any) error {
	if len(values) != len(targets) || len(fields) != len(targets) {
		return fmt.Errorf("row of %d values, want %d", len(values), len(targets))
	}
	n := 0
	for i, v := range values {
		if isText(fields[i].DataTypeOID) {
			n += len(v)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for i, v := range values {
		if isText(fields[i].DataTypeOID) {
			b.Write(v)
		}
	}
	text, off := b.String(), 0
	for i, v := range values {
		oid := fields[i].DataTypeOID
		var s string
		if isText(oid) {
			s, off = text[off:off+len(v)], off+len(v)
		}
		if err := decodeValue(targets[i], oid, v, s); err != nil {
			return fmt.Errorf("column %s: %w", documentColumns[i], err)
		}
	}
	return nil
}

// decodeValue sets target from v, a binary value of type oid (s: its
// text, for a text type).
func decodeValue(target any, oid uint32, v []byte, s string) error {
	switch t := target.(type) {
	case *string:
		if !isText(oid) {
			return errType(oid, "text")
		}
		*t = s
	case nullStringDest:
		if !isText(oid) {
			return errType(oid, "text")
		}
		*t.p = nil
		if v != nil {
			*t.p = &s
		}
	case intDest:
		n, err := pgInt(oid, v)
		*t.p = int(n)
		return err
	case boolDest:
		if oid != oidBool || (v != nil && len(v) != 1) {
			return errType(oid, "boolean")
		}
		*t.p = v != nil && v[0] != 0
	case timeDest:
		tm, err := pgTime(oid, v)
		*t.p = tm
		return err
	case nullTimeDest:
		*t.p = nil
		if v != nil {
			tm, err := pgTime(oid, v)
			*t.p = &tm
			return err
		}
	case dateDest:
		return decodeDate(t, oid, v)
	case bytesDest:
		if oid != oidBytea {
			return errType(oid, "bytea")
		}
		*t.p = nil
		if v != nil {
			*t.p = append([]byte{}, v...)
		}
	default:
		return fmt.Errorf("no binary decoder for %T", target)
	}
	return nil
}

func errType(oid uint32, want string) error {
	return fmt.Errorf("type OID %d, want %s", oid, want)
}

func pgInt(oid uint32, v []byte) (int64, error) {
	switch {
	case v == nil:
		return 0, nil
	case oid == oidInt8 && len(v) == 8:
		return int64(binary.BigEndian.Uint64(v)), nil
	case oid == oidInt4 && len(v) == 4:
		return int64(int32(binary.BigEndian.Uint32(v))), nil
	case oid == oidInt2 && len(v) == 2:
		return int64(int16(binary.BigEndian.Uint16(v))), nil
	}
	return 0, errType(oid, "an integer")
}

// pgEpoch is PostgreSQL's epoch (2000-01-01 UTC) in Unix seconds.
const pgEpoch = 946684800

// pgTime decodes a timestamp: microseconds since pgEpoch. A NULL is the
// zero time; infinity is an error (vanthu never writes it).
func pgTime(oid uint32, v []byte) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	if (oid != oidTimestamptz && oid != oidTimestamp) || len(v) != 8 {
		return time.Time{}, errType(oid, "a timestamp")
	}
	us := int64(binary.BigEndian.Uint64(v))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return time.Time{}, fmt.Errorf("infinite timestamp")
	}
	return time.Unix(pgEpoch+us/1e6, (us%1e6)*1e3).UTC(), nil
}

// decodeDate decodes a date: days since pgEpoch.
func decodeDate(t dateDest, oid uint32, v []byte) error {
	*t.p = nil
	if v == nil {
		return nil
	}
	if oid != oidDate || len(v) != 4 {
		return errType(oid, "a date")
	}
	days := int32(binary.BigEndian.Uint32(v))
	if days == math.MaxInt32 || days == math.MinInt32 {
		return fmt.Errorf("infinite date")
	}
	dt := workflow.DateOf(time.Date(2000, time.January, 1+int(days), 0, 0, 0, 0, time.UTC))
	*t.p = &dt
	return nil
}

// isNetTimeout reports whether err is a network timeout (a silent path:
// trying again would wait as long once more).
func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
