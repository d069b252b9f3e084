package gormdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.ArchiveReader = (*DB)(nil)

// DocumentForArchive implements workflow.ArchiveReader. On PostgreSQL,
// outside a transaction, the document, its events and its signer are
// read in one round trip (one Sync: the signer found through the
// document's signer_id); elsewhere, or when that read fails in a way a
// read may be tried again after, one read after the other.
func (d *DB) DocumentForArchive(ctx context.Context, id string) (*workflow.Document, []workflow.Event, *workflow.User, error) {
	c := d.reader(ctx)
	q := d.documentQuery(whereIDOne)
	if pool, ok := c.g.Statement.ConnPool.(*sql.DB); ok && c.pg() && q.name != "" {
		doc, events, signer, again, err := c.pgForArchive(ctx, pool, q, id)
		if !again {
			return doc, events, signer, err
		}
	}
	return c.documentForArchive(ctx, id)
}

// whereIDOne is Document's read of one document by id.
const whereIDOne = " WHERE id = ? LIMIT 1"

// documentForArchive is DocumentForArchive one read after the other.
func (c *conn) documentForArchive(ctx context.Context, id string) (*workflow.Document, []workflow.Event, *workflow.User, error) {
	doc, err := c.Document(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	events, err := c.Events(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if doc.SignerID == "" {
		return doc, events, nil, nil
	}
	signer, err := c.User(ctx, doc.SignerID)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return doc, events, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return doc, events, signer, nil
}

// The statements read with the document (each prepared once per
// connection under its name).
const (
	archiveEventsName = "vanthu_archive_events"
	archiveSignerName = "vanthu_archive_signer"
	archiveEventsPG   = `SELECT ` + eventColumns + ` FROM audit_events WHERE document_id = $1 ORDER BY seq`
	archiveSignerPG   = "SELECT " + userColumns + ", created_at FROM users WHERE id = (SELECT signer_id FROM documents WHERE id = $1)"
)

// pgForArchive is DocumentForArchive's one round trip on a connection of
// pool. again: nothing was decided (a dead connection, a plan whose
// result type changed: its statements are dropped), read one by one.
func (c *conn) pgForArchive(ctx context.Context, pool *sql.DB, q *documentQuery, id string) (doc *workflow.Document, events []workflow.Event, signer *workflow.User, again bool, err error) {
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) {
			return q.sql + "; " + archiveEventsPG + "; " + archiveSignerPG, int64(len(events))
		}, err)
	}()
	sc, err := pool.Conn(ctx)
	if err != nil {
		// A database that refuses or does not answer is EUNAVAILABLE (a
		// retryable 503), as every other read says it.
		return nil, nil, nil, false, c.db.translate(err, "document %s for its archive", id)
	}
	defer sc.Close()
	var rows []documentRow
	var u *userRow
	err = sc.Raw(func(dc any) error {
		dsc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", dc)
		}
		pc := dsc.Conn()
		var err error
		rows, events, u, err = readForArchive(ctx, pc, q, id)
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && pgErr.Code == "0A000": // cached plan must not change result type
			for _, n := range []string{q.name, archiveEventsName, archiveSignerName} {
				_ = pc.Deallocate(context.WithoutCancel(ctx), n)
			}
			again = true
		case err != nil && (pgconn.SafeToRetry(err) || (pc.IsClosed() && ctx.Err() == nil && !pgconn.Timeout(err) && !isNetTimeout(err))):
			again = true
		}
		return err
	})
	if err != nil {
		return nil, nil, nil, again, c.db.translate(err, "document %s for its archive", id)
	}
	if len(rows) == 0 {
		return nil, nil, nil, false, c.db.translate(sql.ErrNoRows, "document %s", id)
	}
	if doc, err = rows[0].toDomain(); err != nil {
		return nil, nil, nil, false, err
	}
	if u != nil {
		signer = u.toDomain()
	}
	return doc, events, signer, false, nil
}

// readForArchive sends the document's read, its events' and its signer's
// in one batch on pc and decodes them (the document in binary, as
// readDocuments does; the others as text, through pgx's scanning).
func readForArchive(ctx context.Context, pc *pgx.Conn, q *documentQuery, id string) ([]documentRow, []workflow.Event, *userRow, error) {
	docs, err := pc.Prepare(ctx, q.name, q.sql)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(docs.Fields) != len(documentColumns) {
		return nil, nil, nil, fmt.Errorf("%s: %d columns, want %d", q.name, len(docs.Fields), len(documentColumns))
	}
	evs, err := pc.Prepare(ctx, archiveEventsName, archiveEventsPG)
	if err != nil {
		return nil, nil, nil, err
	}
	us, err := pc.Prepare(ctx, archiveSignerName, archiveSignerPG)
	if err != nil {
		return nil, nil, nil, err
	}
	var b pgconn.Batch
	for i, sd := range []*pgconn.StatementDescription{docs, evs, us} {
		params, formats, err := encodeParams(pc, sd.ParamOIDs, []any{id})
		if err != nil {
			return nil, nil, nil, err
		}
		var results []int16 // text
		if i == 0 {
			results = binaryResults
		}
		b.ExecStatement(&pgconn.StatementDescription{Name: sd.Name, SQL: sd.SQL, ParamOIDs: sd.ParamOIDs}, params, formats, results)
	}
	mrr := pc.PgConn().ExecBatch(ctx, &b)
	defer mrr.Close()
	if !mrr.NextResult() {
		return nil, nil, nil, mrr.Close()
	}
	rows, err := decodeRows(mrr.ResultReader(), docs.Fields, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	events := []workflow.Event{}
	var e eventRow
	if err := scanText(mrr, pc, evs.Fields, func() error {
		ev, err := e.toDomain()
		events = append(events, ev)
		return err
	}, &e.Seq, &e.DocumentID, &e.Actor, &e.Kind, &e.Action, &e.FromState, &e.ToState, &e.Comment,
		&e.Data, &e.AtMicros, &e.PrevHash, &e.Hash); err != nil { // the order of eventColumns
		return nil, nil, nil, err
	}
	var u *userRow
	var r userRow
	if err := scanText(mrr, pc, us.Fields, func() error { u = &r; return nil },
		&r.ID, &r.Username, &r.FullName, &r.Title, &r.Unit, &r.Roles, &r.PasswordHash, &r.Disabled,
		&r.SigningKeyURI, &r.CertPEM, &r.SignatureImage, &r.PersonalID, &r.MustChangePassword, &r.CreatedAt); err != nil {
		return nil, nil, nil, err
	}
	return rows, events, u, mrr.Close()
}

// scanText scans each row of mrr's next result, in text, of the given
// fields into dest, calling row after each.
func scanText(mrr *pgconn.MultiResultReader, pc *pgx.Conn, fields []pgconn.FieldDescription, row func() error, dest ...any) error {
	if !mrr.NextResult() {
		if err := mrr.Close(); err != nil {
			return err
		}
		return errors.New("pipeline: a result is missing")
	}
	rr := mrr.ResultReader()
	for rr.NextRow() {
		if err := pgx.ScanRow(pc.TypeMap(), fields, rr.Values(), dest...); err != nil {
			rr.Close()
			return err
		}
		if err := row(); err != nil {
			rr.Close()
			return err
		}
	}
	_, err := rr.Close()
	return err
}
