package gormdb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// The hot reads of documents (one by ID, a page of a list) bypass gorm's
// reflection: a fixed column list scanned field by field into a
// documentRow, through the handle's connection pool (on SQLite gorm's
// prepared-statement cache, so each statement is prepared once per
// connection; on PostgreSQL, outside a transaction, pgx's connection
// itself: pgread.go). A GET spent more time in gorm.Scan and statement
// building than in the database.

// documentColumns are the columns of documentRow in the order of
// documentRow.scanTargets, but for documentColumnsNotRead
// (TestDocumentColumnsMatchRow checks them against gorm's schema of
// documentRow).
var documentColumns = []string{
	"id", "direction", "type", "subject", "urgency", "confidentiality", "state", "version",
	"signer_id", "recipients", "drafting_unit", "sender_org_id", "sender_name", "original_number", "original_date",
	"register", "year", "number", "notation", "issued_at", "registered_at",
	"assignee_id", "due_date", "retention", "notes", "files",
	"layout", "external_id", "external_id_sent", "delivery_key", "verify_code", "replaces", "revoke_state",
	"updates", "replaced_by", "updated_by", "revoke_reason", "revoke_answer", "reject_reason", "replies_to", "replied_by",
	"archived_at", "retain_until", "legal_hold",
	"verification_verdict", "verification_reasons", "verification_report",
	"created_by", "created_at", "updated_at",
}

// selectDocuments reads documentColumns; on SQLite the time and date
// columns as their text, which asTime and workflow.Date parse once: the
// driver, for a column declared DATETIME or DATE, first tries a layout
// ours never match (an allocated error each time) before the right one —
// a tenth of a list's CPU.
// documentColumnsNotRead are the columns no document needs: subject_norm
// is only searched.
var documentColumnsNotRead = []string{"subject_norm"}

var selectDocuments = map[string]string{
	Postgres: "SELECT " + strings.Join(documentColumns, ", ") + " FROM documents",
	SQLite:   "SELECT " + strings.Join(castTimes(documentColumns), ", ") + " FROM documents",
}

var timeColumns = map[string]bool{"original_date": true, "issued_at": true, "registered_at": true, "due_date": true,
	"archived_at": true, "retain_until": true, "created_at": true, "updated_at": true}

func castTimes(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c
		if timeColumns[c] {
			out[i] = "CAST(" + c + " AS TEXT)"
		}
	}
	return out
}

// scanTargets are the destinations of documentColumns, in order.
func (r *documentRow) scanTargets() []any {
	return []any{
		&r.ID, &r.Direction, &r.Type, &r.Subject, &r.Urgency, &r.Confidentiality, &r.State, intDest{&r.Version},
		&r.SignerID, &r.Recipients, &r.DraftingUnit, nullStringDest{&r.SenderOrgID}, nullStringDest{&r.SenderName}, &r.OriginalNumber, dateDest{&r.OriginalDate},
		&r.Register, intDest{&r.Year}, intDest{&r.Number}, &r.Notation, nullTimeDest{&r.IssuedAt}, nullTimeDest{&r.RegisteredAt},
		&r.AssigneeID, dateDest{&r.DueDate}, &r.Retention, &r.Notes, &r.Files,
		nullStringDest{&r.Layout}, &r.ExternalID, &r.ExternalIDSent, &r.DeliveryKey, &r.VerifyCode, &r.Replaces, &r.RevokeState,
		&r.Updates, &r.ReplacedBy, &r.UpdatedBy, &r.RevokeReason, &r.RevokeAnswer, &r.RejectReason, &r.RepliesTo, &r.RepliedBy,
		nullTimeDest{&r.ArchivedAt}, nullTimeDest{&r.RetainUntil}, boolDest{&r.LegalHold},
		nullStringDest{&r.VerificationVerdict}, &r.VerificationReasons, bytesDest{&r.VerificationReport},
		&r.CreatedBy, timeDest{&r.CreatedAt}, timeDest{&r.UpdatedAt},
	}
}

// queryDocuments runs selectDocuments + rest (with ? placeholders) and
// scans every row; rows is the number expected (0: unknown), room made
// at once for a page — a row is over 600 bytes, and growing a slice of
// them by doubling copied a page three times over. The statement goes to
// the slow-query log like gorm's.
func (c *conn) queryDocuments(ctx context.Context, rows int, rest string, args ...any) ([]documentRow, error) {
	return c.readDocuments(ctx, false, make([]documentRow, 0, rows), rest, args)
}

// readDocuments is queryDocuments, appending to rows; point says it reads
// one row by a unique key (pointRead). Outside a transaction on
// PostgreSQL it goes to pgx itself (pgDocuments).
func (c *conn) readDocuments(ctx context.Context, point bool, rows []documentRow, rest string, args []any) (_ []documentRow, err error) {
	q := c.db.documentQuery(rest)
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return q.sql, int64(len(rows)) }, err)
	}()
	if c.pg() && q.name != "" {
		switch p := c.g.Statement.ConnPool.(type) {
		case *sql.DB:
			rows, err = c.db.pgDocuments(ctx, p, q, point, rows, args)
			return rows, err
		case *pgTx:
			rows, err = p.readDocuments(ctx, q, rows, args)
			return rows, err
		}
	}
	if point {
		ctx = c.pointRead(ctx)
	}
	rs, err := c.g.Statement.ConnPool.QueryContext(ctx, q.sql, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var r documentRow
	targets := r.scanTargets() // every target sets its field, NULL included
	for rs.Next() {
		if err := rs.Scan(targets...); err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	return rows, rs.Err()
}

// documentQuery is selectDocuments + rest in the dialect's placeholders,
// built once per shape (a few hundred bytes a request otherwise), with
// its statement name on PostgreSQL.
func (d *DB) documentQuery(rest string) *documentQuery {
	if q, ok := d.queries.Load(rest); ok {
		return q.(*documentQuery)
	}
	q := &documentQuery{sql: selectDocuments[d.dialect] + rest}
	if d.dialect == Postgres {
		q.sql = dollarPlaceholders(q.sql)
	}
	if d.queryCount.Load() < maxCachedQueries {
		n := d.queryCount.Add(1)
		if d.dialect == Postgres {
			q.name = fmt.Sprintf("vanthu_documents_%d", n)
		}
		if v, loaded := d.queries.LoadOrStore(rest, q); loaded {
			return v.(*documentQuery)
		}
	}
	return q
}

// maxCachedQueries bounds DB.queries: list filters make a few shapes (one
// per number of search words), not an unbounded number.
const maxCachedQueries = 256

// queryDocument is queryDocuments for the first row of where (then
// lock, e.g. " FOR UPDATE"): sql.ErrNoRows when there is none.
func (c *conn) queryDocument(ctx context.Context, where, lock string, args ...any) (*documentRow, error) {
	var row [1]documentRow
	rows, err := c.readDocuments(ctx, true, row[:0], where+" LIMIT 1"+lock, args)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, sql.ErrNoRows
	}
	c.sawFiles(rows[0].ID, rows[0].Version, rows[0].Files)
	c.sawReport(&rows[0])
	return &rows[0], nil
}

// pointRead is the context of a read of one row by a unique key. On
// SQLite it cannot be cancelled: the driver starts a goroutine per
// statement to watch a cancellable context, more work than the read
// itself (tens of microseconds, a local file), and one more goroutine
// waiting for a CPU when the machine is busy. Elsewhere ctx as it is
// (pgDocuments does the same on PostgreSQL by itself).
func (c *conn) pointRead(ctx context.Context) context.Context {
	if c.pg() {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// dollarPlaceholders numbers the ? of query as $1, $2... (PostgreSQL).
// The queries it is given have no ? inside literals.
func dollarPlaceholders(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Scan destinations that take what either driver hands back without
// database/sql's reflection (which formats an int64 as text to parse it
// into an int).

type intDest struct{ p *int }

func (d intDest) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*d.p = int(v)
	case int32:
		*d.p = int(v)
	case float64:
		*d.p = int(v)
	case []byte:
		n, err := strconv.Atoi(string(v))
		*d.p = n
		return err
	case string:
		n, err := strconv.Atoi(v)
		*d.p = n
		return err
	case nil:
		*d.p = 0
	default:
		return fmt.Errorf("scan int: cannot read %T", src)
	}
	return nil
}

type boolDest struct{ p *bool }

func (d boolDest) Scan(src any) error {
	switch v := src.(type) {
	case bool:
		*d.p = v
	case int64:
		*d.p = v != 0
	case nil:
		*d.p = false
	default:
		b, err := strconv.ParseBool(fmt.Sprint(v))
		*d.p = b
		if err != nil {
			return fmt.Errorf("scan bool: %w", err)
		}
	}
	return nil
}

type nullStringDest struct{ p **string }

func (d nullStringDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = nil
	case string:
		*d.p = &v
	case []byte:
		s := string(v)
		*d.p = &s
	default:
		return fmt.Errorf("scan text: cannot read %T", src)
	}
	return nil
}

type bytesDest struct{ p *[]byte }

func (d bytesDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = nil
	case []byte:
		*d.p = append([]byte(nil), v...) // the driver may reuse v
	case string:
		*d.p = []byte(v)
	default:
		return fmt.Errorf("scan bytes: cannot read %T", src)
	}
	return nil
}

type timeDest struct{ p *time.Time }

func (d timeDest) Scan(src any) error {
	if src == nil {
		*d.p = time.Time{}
		return nil
	}
	t, err := asTime(src)
	*d.p = t
	return err
}

type nullTimeDest struct{ p **time.Time }

func (d nullTimeDest) Scan(src any) error {
	if src == nil {
		*d.p = nil
		return nil
	}
	t, err := asTime(src)
	*d.p = &t
	return err
}

// sqliteTimeLayouts are the text forms a time may be read back in when the
// driver does not parse it (a column without a declared time type).
var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"}

func asTime(src any) (time.Time, error) {
	var s string
	switch v := src.(type) {
	case time.Time:
		return v, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return time.Time{}, fmt.Errorf("scan time: cannot read %T", src)
	}
	for _, l := range sqliteTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("scan time: cannot parse %q", s)
}

type dateDest struct{ p **workflow.Date }

func (d dateDest) Scan(src any) error {
	if src == nil {
		*d.p = nil
		return nil
	}
	var v workflow.Date
	if err := v.Scan(src); err != nil {
		return err
	}
	*d.p = &v
	return nil
}
