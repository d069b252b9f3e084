package gormdb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/internal/vifold"
	"github.com/vanthu/vanthu/workflow"
)

// RowModels are the row structs of today's code, one per table: the
// schema the migrations must build (TestMigrationsMatchRows).
var RowModels = []any{&documentRow{}, &userRow{}, &sessionRow{}, &counterRow{}, &eventRow{}, &headRow{},
	&deliveryRow{}, &agencyRow{}, &sentRow{}, &statusRow{}, &leaseRow{}, &devPKIRow{},
	&archiveRecordRow{}, &archiveObjectRow{}, &archiveImportRow{}, &revocationRow{}, &reservationRow{},
	&archiveEvidenceRow{}, &blobClaimRow{}, &fileTailRow{},
	&idempotencyKeyRow{}, &instanceRow{}, &loginRow{}, &passwordHistoryRow{}, &throttleRow{},
	&userMailRow{}, &mailCursorRow{}, &mailOutboxRow{}, &copyRow{}, &heldRow{}, &mailReminderRow{},
	&archiveDisposalRow{}, &archiveDisposedRow{}}

// CreatePreMigrationsSchema creates the schema the way the code before
// numbered migrations did (AutoMigrate and the extra SQL, no
// schema_migrations table).
func CreatePreMigrationsSchema(ctx context.Context, d *DB) error {
	return d.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error { return baselineV1(ctx, d, g) })
}

// CreateV1Document inserts d with only the columns of the baseline schema
// (migration 1): a document as the code before numbered migrations wrote it.
func CreateV1Document(ctx context.Context, d *DB, doc *workflow.Document) error {
	r, err := documentFromDomain(doc)
	if err != nil {
		return err
	}
	return d.gdb.WithContext(ctx).Omit(laterDocumentColumns...).Create(r).Error
}

// laterDocumentColumns are the documents columns later migrations added:
// 2 (the exchange's links and reasons), 15 (delivery_key), 18
// (external_id_sent), 26 (replies_to, replied_by).
var laterDocumentColumns = []string{"updates", "replaced_by", "updated_by", "revoke_reason", "revoke_answer", "reject_reason", "delivery_key",
	"external_id_sent", "replies_to", "replied_by"}

// MigrateUpTo applies the migrations up to version only: a database as
// the code of that version left it.
func MigrateUpTo(ctx context.Context, d *DB, version int) error {
	_, _, err := d.migrate(ctx, migrations[:version])
	return err
}

// CreateV17Document inserts doc with the columns of the schema at
// migration 17: as the code before external_id_sent wrote it.
func CreateV17Document(ctx context.Context, d *DB, doc *workflow.Document) error {
	r, err := documentFromDomain(doc)
	if err != nil {
		return err
	}
	return d.gdb.WithContext(ctx).Omit("external_id_sent", "replies_to", "replied_by").Create(r).Error
}

// CreateV25Document inserts doc with the columns of the schema at
// migration 25: as the code before replies_to and replied_by wrote it.
func CreateV25Document(ctx context.Context, d *DB, doc *workflow.Document) error {
	r, err := documentFromDomain(doc)
	if err != nil {
		return err
	}
	return d.gdb.WithContext(ctx).Omit("replies_to", "replied_by").Create(r).Error
}

// RerunExternalIDsV18 runs migration 18 again, as over a database whose
// schema_migrations was lost.
func RerunExternalIDsV18(ctx context.Context, d *DB) error {
	return d.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error { return externalIDsV18(ctx, d, g) })
}

// WriterStatements reports the SQLite writer's statements prepared on
// the database and those run unprepared in a transaction (stmtPool).
func WriterStatements(d *DB) (prepared, unprepared int64) {
	return d.stmts.prepares.Load(), d.stmts.unprepared.Load()
}

// ReaderStatements is WriterStatements for the SQLite readers.
func ReaderStatements(d *DB) (prepared, unprepared int64) {
	return d.rstmts.prepares.Load(), d.rstmts.unprepared.Load()
}

// ReaderPool returns the SQLite readers' connection pool.
func ReaderPool(d *DB) *sql.DB { return d.rstmts.db }

// RememberedAuditHead returns the audit chain head the instance
// remembers from its last commit that appended (0, "" when none).
func RememberedAuditHead(d *DB) (int64, string) {
	if h := d.auditHead.Load(); h != nil {
		return h.Seq, h.Hash
	}
	return 0, ""
}

// ClaimBlobsBatches is ClaimBlobs by batches of size, calling between
// after each batch's commit.
func (d *DB) ClaimBlobsBatches(ctx context.Context, token string, sums []string, size int, between func()) ([]string, error) {
	return d.claimBlobs(ctx, token, sums, size, between)
}

// BlobClaimsLockID is the PostgreSQL advisory lock of the blob claims.
const BlobClaimsLockID = blobClaimsLockID

// UpdateKeepsReport reports whether an update of d from version prev in
// tx leaves its stored verification report alone (updateFor).
func UpdateKeepsReport(tx workflow.Tx, d *workflow.Document, prev int) bool {
	r, err := documentFromDomain(d)
	if err != nil {
		panic(err)
	}
	return tx.(*conn).updateFor(r, prev).keepReport
}

// LookupWheres are the WHERE clauses of the look-ups by a partially
// indexed column, by index name (TestLookupsUsePartialIndexes).
var LookupWheres = map[string]string{"documents_sender_delivery": whereExternalID, "documents_verify_code": whereVerifyCode}

// UpdateChecksFiles reports whether an update of d from version prev in
// tx checks the blob claims of d's files (not when the transaction read
// or adopted them at prev).
func UpdateChecksFiles(tx workflow.Tx, d *workflow.Document, prev int) bool {
	r, err := documentFromDomain(d)
	if err != nil {
		panic(err)
	}
	return tx.(*conn).files[d.ID] != (seenFiles{prev, r.Files})
}

// DeferInTx queues query (placeholders $1, $2...) to go with the
// statements that commit tx, a PostgreSQL transaction, after its last
// write (pgTx.deferStmt).
func DeferInTx(tx workflow.Tx, query string, args ...any) {
	tx.(*conn).g.Statement.ConnPool.(*pgTx).deferStmt(pgStmt{query: query, args: args})
}

// ReformSQL is the SQL of each query of ReformCounts(f), its values
// written in (for EXPLAIN).
func ReformSQL(d *DB, f workflow.ReformFilter) []string {
	var out []string
	var counts workflow.ReformCounts
	for _, s := range reformSteps(f, &counts) {
		out = append(out, d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB { return tx.Raw(s.query, s.args...).Scan(&[]int{}) }))
	}
	q, args := reformDueQuery(f)
	return append(out, d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB { return tx.Raw(q, args...).Scan(&[]int{}) }))
}

// WorkSQL is the SQL of the documents Work and CountWork read for q
// (their table, index and conditions).
func WorkSQL(d *DB, q workflow.WorkQuery) string {
	return d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		g, _ := workScope(tx.Table(workTable[d.dialect]), q)
		return g.Select("id").Find(&[]string{})
	})
}

// EvidenceDueSQL is the SQL of ArchiveIndex.EvidenceDue.
func EvidenceDueSQL(d *DB, now time.Time) string {
	return d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB { return evidenceDue(tx, now, "", 100).Scan(&[]string{}) })
}

// RegisterDatedSQL is the SQL of RegisterEntriesDated's read of one span,
// its values written in (for EXPLAIN).
func RegisterDatedSQL(d *DB, kind workflow.RegisterKind, year int, p workflow.TimeSpan) string {
	return d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return tx.Raw(selectDocuments[d.dialect]+registerDatedWhere, string(kind), year, utc(p.From), utc(p.To)).Scan(&[]int{})
	})
}

// ListSQL is the SQL of Documents' read of a page of f (its cursor, if
// any, a ListCursor's String), its values written in (for EXPLAIN); with
// fts, as the index's plan reads it (SQLite).
func ListSQL(d *DB, f workflow.DocumentFilter, fts bool) string {
	var cur *workflow.ListCursor
	if f.After != "" {
		c, _, err := f.Cursor()
		if err != nil {
			panic(err)
		}
		cur = &c
	}
	match := ""
	if fts {
		match = subjectMatch(strings.Fields(vifold.Fold(f.Query)))
	}
	rest, args := listWhere(f, cur, 51, match, d.dialect == SQLite)
	return d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return tx.Raw(selectDocuments[d.dialect]+rest, args...).Scan(&[]int{})
	})
}

// DocumentsPlanned is Documents with the plan of its search forced: fts
// reads the candidates from documents_subject_fts whenever the query has
// a word of three characters or more (SQLite), else the scan.
func DocumentsPlanned(ctx context.Context, d *DB, f workflow.DocumentFilter, fts bool) ([]*workflow.Document, string, error) {
	return d.reader(ctx).documents(ctx, f, func(context.Context, string, int) (string, error) {
		if !fts || d.dialect != SQLite {
			return "", nil
		}
		return subjectMatch(strings.Fields(vifold.Fold(f.Query))), nil
	})
}

// SubjectMatch is the MATCH of subjectFTS for a search query, and
// SubjectBound the count of candidates under which the list uses it.
func SubjectMatch(query string) string { return subjectMatch(strings.Fields(vifold.Fold(query))) }

func SubjectBound(rows int, docs int64) int { return subjectBound(rows, docs) }

// RefusalsSQL is the SQL of a page of refused documents (Refusals' first
// statement) and of their count (CountRefusals).
func RefusalsSQL(d *DB, q workflow.RefusalQuery) (page, count string) {
	page = d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return refusalPage(unseenRefusals(tx, q), q.Limit).Scan(&[]refusalPageRow{})
	})
	count = d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var n int64
		return unseenRefusals(tx, q).Distinct("e.document_id").Count(&n)
	})
	return page, count
}

// RepliesSQL is the query of a letter's replies, for EXPLAIN, with the
// letter's ID in place of its argument.
func RepliesSQL(letterID string) string {
	return "SELECT id FROM documents" + strings.Replace(repliesWhere, "?", "'"+letterID+"'", 1) + " ORDER BY created_at, id"
}

// ExpiredRecordsSQL is the SQL of ArchiveIndex.ExpiredRecords' read of a
// page, its values written in (for EXPLAIN).
func ExpiredRecordsSQL(d *DB, f workflow.ArchiveQuery, now time.Time) string {
	return d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return pageOf(expiredWhere(tx, d.dialect, f, now), f.After, 50).Find(&[]archiveRecordRow{})
	})
}

// WatchedSQL is the SQL of WatchedDeliveries' read of a page of q (for
// EXPLAIN).
func WatchedSQL(d *DB, q workflow.DeliveryQuery) string {
	return d.gdb.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return (&conn{db: d, g: tx}).watchedQuery(context.Background(), q).Scan(&[]watchedRow{})
	})
}
