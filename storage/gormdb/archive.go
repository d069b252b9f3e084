package gormdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/internal/vifold"
	"github.com/vanthu/vanthu/workflow"
)

// ArchiveIndex is archive.Index on the same database as the documents:
// the archived records with their search fields (archive_records), every
// archived object with its SHA-256 and S3 version for fixity
// (archive_objects), and the files bulk-imported (archive_imports).
type ArchiveIndex struct {
	db *DB
}

// archiveRecordRow is a row of archive_records: one per archived
// document (the latest attempt). *Norm columns hold vifold.Fold()ed text.
type archiveRecordRow struct {
	DocID           string         `gorm:"primaryKey"`
	Version         int            `gorm:"not null"`
	Key             string         `gorm:"column:record_key;not null"`
	Class           string         `gorm:"not null"`
	ArchivedAt      time.Time      `gorm:"not null;autoCreateTime:false"`
	RetainUntil     time.Time      `gorm:"not null;index:archive_records_retain_until"` // migration 35
	LegalHold       bool           `gorm:"not null;default:false"`
	Direction       string         `gorm:"not null"`
	Type            string         `gorm:"not null;index:archive_records_type"`
	Subject         string         `gorm:"not null"`
	SubjectNorm     string         `gorm:"not null"`
	Number          int            `gorm:"not null;index:archive_records_number"`
	Year            int            `gorm:"not null"`
	Notation        string         `gorm:"not null"`
	NotationNorm    string         `gorm:"not null"`
	DocDate         *workflow.Date `gorm:"index:archive_records_doc_date"` // DATE
	SignerID        string         `gorm:"not null"`
	SignerName      string         `gorm:"not null"`
	SignerNorm      string         `gorm:"not null"`
	Orgs            string         `gorm:"not null"` // JSON array of {org_id, name}
	OrgsNorm        string         `gorm:"not null"` // "|org_id folded name|..."
	Confidentiality string         `gorm:"not null"`
	CreatedBy       string         `gorm:"not null"`
	AssigneeID      string         `gorm:"not null"`
	EventsThrough   int64          `gorm:"not null;default:0"` // migration 4
}

func (archiveRecordRow) TableName() string { return "archive_records" }

// archiveObjectRow is a row of archive_objects.
type archiveObjectRow struct {
	Key         string    `gorm:"column:object_key;primaryKey"`
	DocID       string    `gorm:"not null;index"`
	Name        string    `gorm:"not null"`
	Size        int64     `gorm:"not null"`
	SHA256      string    `gorm:"column:sha256;not null"`
	VersionID   string    `gorm:"not null"`
	RetainUntil time.Time `gorm:"not null"`
	LegalHold   bool      `gorm:"not null;default:false"`
}

func (archiveObjectRow) TableName() string { return "archive_objects" }

// archiveImportRow records a bulk-imported file by its SHA-256.
type archiveImportRow struct {
	SHA256     string    `gorm:"column:sha256;primaryKey"`
	DocID      string    `gorm:"not null"`
	Name       string    `gorm:"not null"`
	ImportedAt time.Time `gorm:"not null;autoCreateTime:false"`
}

func (archiveImportRow) TableName() string { return "archive_imports" }

// archiveEvidenceRow is a row of archive_evidence: the archive time-stamp
// chain of a document's record (the record at RecordKey): how many
// time-stamps, and until when the newest one is verifiable.
type archiveEvidenceRow struct {
	DocID      string    `gorm:"primaryKey"`
	RecordKey  string    `gorm:"not null"`
	Count      int       `gorm:"column:stamps;not null"`
	StampedAt  time.Time `gorm:"not null"` // the newest time-stamp's time
	ValidUntil time.Time `gorm:"not null"`
	RenewAt    time.Time `gorm:"not null;index:archive_evidence_renew_at"`
	RenewedAt  time.Time `gorm:"not null;autoCreateTime:false"` // when the row was last written
}

func (archiveEvidenceRow) TableName() string { return "archive_evidence" }

// NewArchiveIndex returns the archive index on d (its tables come with
// the schema migrations).
func NewArchiveIndex(d *DB) *ArchiveIndex { return &ArchiveIndex{db: d} }

func (x *ArchiveIndex) q(ctx context.Context) *gorm.DB { return x.db.conn(ctx) }

// Snapshot implements workflow.Snapshotter: the DB's (a search and its
// count read in one view of the database).
func (x *ArchiveIndex) Snapshot(ctx context.Context, fn func(ctx context.Context) error) error {
	return x.db.Snapshot(ctx, fn)
}

// Record implements archive.Index.
func (x *ArchiveIndex) Record(ctx context.Context, docID string) (*workflow.ArchiveRecord, error) {
	var r archiveRecordRow
	if err := x.q(ctx).Where("doc_id = ?", docID).Take(&r).Error; err != nil {
		return nil, x.db.translate(err, "archived record of %s", docID)
	}
	rec, err := r.toDomain()
	if err != nil {
		return nil, err
	}
	var objs []archiveObjectRow
	if err := x.q(ctx).Where("doc_id = ?", docID).Order("object_key").Find(&objs).Error; err != nil {
		return nil, x.db.translate(err, "archived objects of %s", docID)
	}
	for _, o := range objs {
		if strings.HasPrefix(o.Key, rec.Key) { // not objects of an earlier, abandoned attempt
			rec.Objects = append(rec.Objects, o.toDomain())
		}
	}
	var ev []archiveEvidenceRow
	if err := x.q(ctx).Where("doc_id = ? AND record_key = ?", docID, rec.Key).Limit(1).Find(&ev).Error; err != nil {
		return nil, x.db.translate(err, "evidence of %s", docID)
	}
	if len(ev) == 1 {
		rec.Evidence = workflow.ArchiveEvidence{Count: ev[0].Count, Time: fromDB(ev[0].StampedAt), ValidUntil: fromDB(ev[0].ValidUntil), RenewAt: fromDB(ev[0].RenewAt)}
	}
	return rec, nil
}

// AddEvidence implements archive.Index: the objects and the chain's new
// length in one transaction, guarded by the length it had (seq).
func (x *ArchiveIndex) AddEvidence(ctx context.Context, docID, key string, ev workflow.ArchiveEvidence, objs []workflow.ArchiveObject) error {
	now := utc(x.db.Now())
	seq := ev.Count - 1
	row := archiveEvidenceRow{DocID: docID, RecordKey: key, Count: ev.Count, StampedAt: utc(ev.Time), ValidUntil: utc(ev.ValidUntil), RenewAt: utc(ev.RenewAt), RenewedAt: now}
	err := x.q(ctx).Transaction(func(g *gorm.DB) error {
		var res *gorm.DB
		if seq == 0 {
			// No row yet, or one of an earlier, abandoned record of the document.
			res = g.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "doc_id"}},
				DoUpdates: clause.AssignmentColumns([]string{"record_key", "stamps", "stamped_at", "valid_until", "renew_at", "renewed_at"}),
				Where:     clause.Where{Exprs: []clause.Expression{clause.Neq{Column: clause.Column{Table: "archive_evidence", Name: "record_key"}, Value: key}}}}).
				Create(&row)
		} else {
			res = g.Model(&archiveEvidenceRow{}).Where("doc_id = ? AND record_key = ? AND stamps = ?", docID, key, seq).
				Updates(map[string]any{"stamps": row.Count, "stamped_at": row.StampedAt, "valid_until": row.ValidUntil, "renew_at": row.RenewAt, "renewed_at": now})
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return workflow.Errorf(workflow.ECONFLICT, "archive time-stamp %d of %s was already recorded", seq, docID)
		}
		for _, o := range objs {
			or := archiveObjectRow{Key: o.Key, DocID: docID, Name: o.Name, Size: o.Size, SHA256: o.SHA256,
				VersionID: o.VersionID, RetainUntil: utc(o.RetainUntil), LegalHold: o.LegalHold}
			if err := g.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "object_key"}}, UpdateAll: true}).Create(&or).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		return err
	}
	if err != nil {
		return x.db.translate(err, "record archive time-stamp of %s", docID)
	}
	return nil
}

// EvidenceDue implements archive.Index.
func (x *ArchiveIndex) EvidenceDue(ctx context.Context, now time.Time, after string, limit int) ([]string, error) {
	var ids []string
	if err := evidenceDue(x.q(ctx), now, after, limit).Pluck("r.doc_id", &ids).Error; err != nil {
		return nil, x.db.translate(err, "archived records due for renewal")
	}
	return ids, nil
}

// evidenceDue is EvidenceDue's query on g.
func evidenceDue(g *gorm.DB, now time.Time, after string, limit int) *gorm.DB {
	return g.Table("archive_records AS r").Select("r.doc_id").Where(recordArchived, string(workflow.Archived)).
		Joins("LEFT JOIN archive_evidence e ON e.doc_id = r.doc_id AND e.record_key = r.record_key").
		Where("r.doc_id > ? AND r.retain_until > ?", after, utc(now)).
		Where("e.doc_id IS NULL OR (e.renew_at <= ? AND r.retain_until > e.valid_until)", utc(now)).
		Order("r.doc_id").Limit(limit)
}

// StartRecord implements archive.Index in one statement when the record
// is new (an upsert whose update is skipped when the stored row has the
// same key), and a read of the stored row only when it is not.
func (x *ArchiveIndex) StartRecord(ctx context.Context, rec *workflow.ArchiveRecord) (*workflow.ArchiveRecord, error) {
	row, err := archiveRecordFromDomain(rec)
	if err != nil {
		return nil, err
	}
	query := startRecord
	if x.db.dialect == Postgres {
		query = startRecordPG
	}
	n, err := rawExec(ctx, x.q(ctx), query, row.values()...)
	if err != nil {
		return nil, x.db.translate(err, "start archived record of %s", rec.DocumentID)
	}
	if n > 0 {
		started := *rec
		started.Objects = nil
		return &started, nil
	}
	var cur archiveRecordRow
	if err := x.q(ctx).Where("doc_id = ?", rec.DocumentID).Take(&cur).Error; err != nil {
		return nil, x.db.translate(err, "archived record of %s", rec.DocumentID)
	}
	if cur.Key != rec.Key {
		return nil, workflow.Errorf(workflow.ECONFLICT, "the record of %s was started at another version (%s) meanwhile", rec.DocumentID, cur.Key)
	}
	return cur.toDomain()
}

// archiveRecordColumns are the columns of archiveRecordRow, in the order
// of its fields and of archiveRecordRow.values.
var archiveRecordColumns = []string{"doc_id", "version", "record_key", "class", "archived_at", "retain_until", "legal_hold",
	"direction", "type", "subject", "subject_norm", "number", "year", "notation", "notation_norm", "doc_date",
	"signer_id", "signer_name", "signer_norm", "orgs", "orgs_norm", "confidentiality", "created_by", "assignee_id",
	"events_through"}

// values are r's fields, in the order of archiveRecordColumns, as gorm
// would bind them.
func (r *archiveRecordRow) values() []any {
	return []any{r.DocID, r.Version, r.Key, r.Class, r.ArchivedAt, r.RetainUntil, r.LegalHold,
		r.Direction, r.Type, r.Subject, r.SubjectNorm, r.Number, r.Year, r.Notation, r.NotationNorm, r.DocDate,
		r.SignerID, r.SignerName, r.SignerNorm, r.Orgs, r.OrgsNorm, r.Confidentiality, r.CreatedBy, r.AssigneeID,
		r.EventsThrough}
}

// startRecord is StartRecord's upsert: the row inserted, or every column
// but doc_id replaced when the stored row has another record key (the
// statement gorm built from the row for each archived document, written
// once: its building was the call's CPU).
var startRecord = func() string {
	set := make([]string, 0, len(archiveRecordColumns)-1)
	for _, col := range archiveRecordColumns[1:] {
		set = append(set, col+" = excluded."+col)
	}
	return "INSERT INTO archive_records (" + strings.Join(archiveRecordColumns, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(archiveRecordColumns)), ", ") + ") ON CONFLICT (doc_id) DO UPDATE SET " +
		strings.Join(set, ", ") + " WHERE archive_records.record_key <> excluded.record_key"
}()

var startRecordPG = dollarPlaceholders(startRecord)

// PutRecord implements archive.Index.
func (x *ArchiveIndex) PutRecord(ctx context.Context, rec *workflow.ArchiveRecord) error {
	row, err := archiveRecordFromDomain(rec)
	if err != nil {
		return err
	}
	err = x.q(ctx).Transaction(func(g *gorm.DB) error {
		if err := g.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "doc_id"}}, UpdateAll: true}).Create(row).Error; err != nil {
			return err
		}
		if len(rec.Objects) == 0 {
			return nil
		}
		return putObjects(ctx, g, x.db.dialect == Postgres, rec.DocumentID, rec.Objects)
	})
	if err != nil {
		return x.db.translate(err, "store archived record of %s", rec.DocumentID)
	}
	return nil
}

// PutObjects implements archive.Index: one statement, outside any
// transaction (a statement prepared in a transaction is prepared again in
// the next one: database/sql cannot reuse it there).
func (x *ArchiveIndex) PutObjects(ctx context.Context, docID string, objs []workflow.ArchiveObject) error {
	if len(objs) == 0 {
		return nil
	}
	if err := putObjects(ctx, x.q(ctx), x.db.dialect == Postgres, docID, objs); err != nil {
		return x.db.translate(err, "store archived objects of %s", docID)
	}
	return nil
}

// WrittenIn implements archive.TxIndex: the transactions of the
// repository on this index's database write its object rows.
func (x *ArchiveIndex) WrittenIn(repo workflow.Repository) bool {
	d, ok := repo.(*DB)
	return ok && d == x.db
}

var (
	_ workflow.ArchiveObjectWriter = (*DB)(nil)
	_ workflow.ArchiveObjectWriter = (*conn)(nil)
)

// PutArchiveObjects implements workflow.ArchiveObjectWriter: in the
// transaction ctx carries, else as ArchiveIndex.PutObjects.
func (d *DB) PutArchiveObjects(ctx context.Context, docID string, objs []workflow.ArchiveObject) error {
	if t, ok := ctx.Value(txKey{}).(*conn); ok && t.db == d {
		return t.PutArchiveObjects(ctx, docID, objs)
	}
	return NewArchiveIndex(d).PutObjects(ctx, docID, objs)
}

// PutArchiveObjects implements workflow.ArchiveObjectWriter. On
// PostgreSQL the rows are not sent on their own: one statement (the same
// for any number of objects: their columns as arrays) goes with the
// statement that commits the transaction, in the same round trip
// (pgTx.deferStmt), in front of it.
func (c *conn) PutArchiveObjects(ctx context.Context, docID string, objs []workflow.ArchiveObject) error {
	if len(objs) == 0 {
		return nil
	}
	if p, ok := c.g.Statement.ConnPool.(*pgTx); ok {
		p.deferStmt(pgStmt{query: putObjectsArrays, args: objectArrays(docID, objs)})
		return nil
	}
	if err := putObjects(ctx, c.g, c.pg(), docID, objs); err != nil {
		return c.db.translate(err, "store archived objects of %s", docID)
	}
	return nil
}

// putObjectsArrays is putObjects' statement with the objects' columns as
// arrays (objectArrays): one statement, whatever their number.
const putObjectsArrays = `INSERT INTO archive_objects (object_key, doc_id, name, size, sha256, version_id, retain_until, legal_hold)
 SELECT o.k, $2, o.n, o.s, o.h, o.v, o.r, o.l FROM unnest($1::text[], $3::text[], $4::bigint[], $5::text[], $6::text[],
 $7::timestamptz[], $8::boolean[]) AS o(k, n, s, h, v, r, l)` + putObjectsUpsert

// objectArrays are the arguments of putObjectsArrays.
func objectArrays(docID string, objs []workflow.ArchiveObject) []any {
	keys, names, hashes, versions := make([]string, len(objs)), make([]string, len(objs)), make([]string, len(objs)), make([]string, len(objs))
	sizes, until, holds := make([]int64, len(objs)), make([]time.Time, len(objs)), make([]bool, len(objs))
	for i, o := range objs {
		keys[i], names[i], sizes[i], hashes[i], versions[i], until[i], holds[i] =
			o.Key, o.Name, o.Size, o.SHA256, o.VersionID, utc(o.RetainUntil), o.LegalHold
	}
	return []any{keys, docID, names, sizes, hashes, versions, until, holds}
}

// putObjects stores the object rows in one statement (the archive writes
// a record per archived document: a statement per object was most of its
// database time), replacing rows with the same keys. Written in SQL, not
// built by gorm: its statement building was most of the call's CPU.
func putObjects(ctx context.Context, g *gorm.DB, pg bool, docID string, objs []workflow.ArchiveObject) error {
	var b strings.Builder
	b.Grow(len(putObjectsInsert) + len(objs)*len(putObjectsValues) + len(putObjectsUpsert))
	b.WriteString(putObjectsInsert)
	args := make([]any, 0, len(objs)*8)
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(putObjectsValues)
		args = append(args, o.Key, docID, o.Name, o.Size, o.SHA256, o.VersionID, utc(o.RetainUntil), o.LegalHold)
	}
	b.WriteString(putObjectsUpsert)
	query := b.String()
	if pg {
		query = dollarPlaceholders(query)
	}
	_, err := rawExec(ctx, g, query, args...)
	return err
}

// putObjects' statement: the INSERT, a putObjectsValues per object, the
// upsert (every column but the key replaced).
const (
	putObjectsInsert = `INSERT INTO archive_objects (object_key, doc_id, name, size, sha256, version_id, retain_until, legal_hold) VALUES `
	putObjectsValues = `(?, ?, ?, ?, ?, ?, ?, ?)`
	putObjectsUpsert = ` ON CONFLICT (object_key) DO UPDATE SET doc_id = excluded.doc_id, name = excluded.name,
 size = excluded.size, sha256 = excluded.sha256, version_id = excluded.version_id, retain_until = excluded.retain_until,
 legal_hold = excluded.legal_hold`
)

// SetLegalHold implements archive.Index.
func (x *ArchiveIndex) SetLegalHold(ctx context.Context, docID string, on bool) error {
	err := x.q(ctx).Transaction(func(g *gorm.DB) error {
		var r archiveRecordRow
		if err := g.Where("doc_id = ?", docID).Take(&r).Error; err != nil {
			return err
		}
		if err := g.Model(&archiveRecordRow{}).Where("doc_id = ?", docID).Update("legal_hold", on).Error; err != nil {
			return err
		}
		return g.Model(&archiveObjectRow{}).Where(`doc_id = ? AND object_key LIKE ? ESCAPE '\'`, docID, escapeLike(r.Key)+"%").
			Update("legal_hold", on).Error
	})
	if err != nil {
		return x.db.translate(err, "legal hold of %s", docID)
	}
	return nil
}

// ObjectStats implements archive.Index.
func (x *ArchiveIndex) ObjectStats(ctx context.Context) (int64, int64, error) {
	var st struct {
		N     int64
		Total int64
	}
	if err := x.q(ctx).Model(&archiveObjectRow{}).Select("COUNT(*) AS n, COALESCE(SUM(size), 0) AS total").Scan(&st).Error; err != nil {
		return 0, 0, x.db.translate(err, "count archived objects")
	}
	return st.N, st.Total, nil
}

// WalkObjects implements archive.Index, a page of 1000 rows at a time.
func (x *ArchiveIndex) WalkObjects(ctx context.Context, fn func(workflow.ArchiveObject) error) error {
	after := ""
	for {
		var rows []archiveObjectRow
		if err := x.q(ctx).Where("object_key > ?", after).Order("object_key").Limit(1000).Find(&rows).Error; err != nil {
			return x.db.translate(err, "list archived objects")
		}
		for _, r := range rows {
			if err := fn(r.toDomain()); err != nil {
				return err
			}
		}
		if len(rows) < 1000 {
			return nil
		}
		after = rows[len(rows)-1].Key
	}
}

// recordArchived keeps the records whose document is archived. As a
// semi-join, not a JOIN: SQLite joined from the documents' index on the
// state, every archived document, and sorted the matches before taking a
// page (300,000 documents: 2.2 s for a search of a word found in many,
// 1.5 s for each batch of the evidence renewal; BenchmarkAtSize); as
// EXISTS it reads the records in doc_id order from their primary key and
// stops at the page's end (2.7 ms, 0.4 ms).
const recordArchived = "EXISTS (SELECT 1 FROM documents d WHERE d.id = r.doc_id AND d.state = ?)"

// Search implements archive.Index: every filter is SQL over
// archive_records joined with documents (only records whose document is
// in state archived count: an attempt whose state change never committed
// is not a record). Words of Q must each occur in the folded subject (a
// trigram index serves this on PostgreSQL).
func (x *ArchiveIndex) Search(ctx context.Context, f workflow.ArchiveQuery) ([]*workflow.ArchiveRecord, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	q := searchWhere(x.q(ctx).Table("archive_records AS r").Select("r.*"), f)
	return x.recordPage(q, f.After, limit, "search the archive")
}

// recordPage reads a page of q, a query of archive_records AS r with its
// conditions: up to limit records, newest document first, after the
// cursor after (a doc_id; "" for the first page), and the cursor of the
// next page ("" on the last), known by reading one row more. what names
// the read in its error. The archive search and the disposal's expired
// records page alike.
func (x *ArchiveIndex) recordPage(q *gorm.DB, after string, limit int, what string) ([]*workflow.ArchiveRecord, string, error) {
	var rows []archiveRecordRow
	if err := pageOf(q, after, limit).Find(&rows).Error; err != nil {
		return nil, "", x.db.translate(err, "%s", what)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = rows[limit-1].DocID
	}
	out := make([]*workflow.ArchiveRecord, 0, len(rows))
	for i := range rows {
		r, err := rows[i].toDomain()
		if err != nil {
			return nil, "", err
		}
		out = append(out, r)
	}
	return out, next, nil
}

// pageOf is q, a query of archive_records AS r, cut to recordPage's page:
// after the cursor after, newest document first, one row more than limit.
func pageOf(q *gorm.DB, after string, limit int) *gorm.DB {
	if after != "" {
		q = q.Where("r.doc_id < ?", after)
	}
	return q.Order("r.doc_id DESC").Limit(limit + 1)
}

// Count implements archive.Index: one SELECT count(*) with the search's
// own conditions (searchWhere, the visibility included), on all pages.
func (x *ArchiveIndex) Count(ctx context.Context, f workflow.ArchiveQuery) (int, error) {
	var n int64
	if err := searchWhere(x.q(ctx).Table("archive_records AS r"), f).Count(&n).Error; err != nil {
		return 0, x.db.translate(err, "count archive records")
	}
	return int(n), nil
}

// searchWhere adds the conditions of f but its cursor to q, a query of
// archive_records AS r: the records of archived documents that match f
// and that f's viewer may see.
func searchWhere(q *gorm.DB, f workflow.ArchiveQuery) *gorm.DB {
	q = q.Where(recordArchived, string(workflow.Archived))
	for _, w := range strings.Fields(vifold.Fold(f.Q)) {
		q = q.Where(`r.subject_norm LIKE ? ESCAPE '\'`, "%"+escapeLike(w)+"%")
	}
	if f.Type != "" {
		q = q.Where("r.type = ?", string(f.Type))
	}
	if f.Class != "" {
		q = q.Where("r.class = ?", f.Class)
	}
	if f.Number > 0 {
		q = q.Where("r.number = ?", f.Number)
	}
	if n := strings.TrimSpace(vifold.Fold(f.Notation)); n != "" {
		q = q.Where(`r.notation_norm LIKE ? ESCAPE '\'`, "%"+escapeLike(n)+"%")
	}
	if sg := strings.TrimSpace(f.Signer); sg != "" {
		q = q.Where(`(r.signer_id = ? OR r.signer_norm LIKE ? ESCAPE '\')`, sg, "%"+escapeLike(vifold.Fold(sg))+"%")
	}
	if o := strings.TrimSpace(vifold.Fold(f.Org)); o != "" {
		q = q.Where(`r.orgs_norm LIKE ? ESCAPE '\'`, "%"+escapeLike(o)+"%")
	}
	if f.From != nil {
		q = q.Where("r.doc_date >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("r.doc_date <= ?", *f.To)
	}
	return visibleTo(q, "r.", f.ViewerID, f.SeeAll)
}

// SearchSQL returns the SQL of a search (for EXPLAIN in tests and tools).
func (x *ArchiveIndex) SearchSQL(ctx context.Context, f workflow.ArchiveQuery) string {
	return x.q(ctx).ToSQL(func(tx *gorm.DB) *gorm.DB {
		var rows []archiveRecordRow
		q := tx.Table("archive_records AS r").Select("r.*").Where(recordArchived, string(workflow.Archived))
		for _, w := range strings.Fields(vifold.Fold(f.Q)) {
			q = q.Where(`r.subject_norm LIKE ? ESCAPE '\'`, "%"+escapeLike(w)+"%")
		}
		return q.Order("r.doc_id DESC").Limit(51).Find(&rows)
	})
}

// Imported implements archive.Index.
func (x *ArchiveIndex) Imported(ctx context.Context, sha string) (string, error) {
	var r archiveImportRow
	err := x.q(ctx).Where("sha256 = ?", sha).Take(&r).Error
	if err == gorm.ErrRecordNotFound {
		return "", nil
	}
	if err != nil {
		return "", x.db.translate(err, "import of %s", sha)
	}
	return r.DocID, nil
}

// MarkImported implements archive.Index.
func (x *ArchiveIndex) MarkImported(ctx context.Context, sha, docID, name string) error {
	r := archiveImportRow{SHA256: sha, DocID: docID, Name: name, ImportedAt: utc(time.Now())}
	if err := x.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error; err != nil {
		return x.db.translate(err, "record import of %s", name)
	}
	return nil
}

func archiveRecordFromDomain(r *workflow.ArchiveRecord) (*archiveRecordRow, error) {
	orgs := make([]orgJSON, 0, len(r.Orgs))
	var norm strings.Builder
	for _, o := range r.Orgs {
		orgs = append(orgs, orgJSON(o))
		norm.WriteString("|" + vifold.Fold(o.OrgID) + " " + vifold.Fold(o.Name))
	}
	if norm.Len() > 0 {
		norm.WriteString("|")
	}
	b, err := json.Marshal(orgs)
	if err != nil {
		return nil, fmt.Errorf("encode organisations: %w", err)
	}
	return &archiveRecordRow{
		DocID: r.DocumentID, Version: r.Version, Key: r.Key, Class: r.Class,
		ArchivedAt: utc(r.ArchivedAt), RetainUntil: utc(r.RetainUntil), LegalHold: r.LegalHold,
		Direction: string(r.Direction), Type: string(r.Type), Subject: r.Subject, SubjectNorm: vifold.Fold(r.Subject),
		Number: r.Number, Year: r.Year, Notation: r.Notation, NotationNorm: vifold.Fold(r.Notation),
		DocDate: r.DocDate, SignerID: r.SignerID, SignerName: r.SignerName, SignerNorm: vifold.Fold(r.SignerName),
		Orgs: string(b), OrgsNorm: norm.String(), Confidentiality: string(r.Confidentiality),
		CreatedBy: r.CreatedBy, AssigneeID: r.AssigneeID, EventsThrough: r.EventsThrough,
	}, nil
}

func (r *archiveRecordRow) toDomain() (*workflow.ArchiveRecord, error) {
	rec := &workflow.ArchiveRecord{
		DocumentID: r.DocID, Version: r.Version, Key: r.Key, Class: r.Class,
		ArchivedAt: fromDB(r.ArchivedAt), RetainUntil: fromDB(r.RetainUntil), LegalHold: r.LegalHold,
		Direction: workflow.Direction(r.Direction), Type: workflow.DocType(r.Type), Subject: r.Subject,
		Number: r.Number, Year: r.Year, Notation: r.Notation, DocDate: r.DocDate,
		SignerID: r.SignerID, SignerName: r.SignerName, Confidentiality: workflow.Confidentiality(r.Confidentiality),
		CreatedBy: r.CreatedBy, AssigneeID: r.AssigneeID, EventsThrough: r.EventsThrough,
	}
	var orgs []orgJSON
	if r.Orgs != "" {
		if err := json.Unmarshal([]byte(r.Orgs), &orgs); err != nil {
			return nil, fmt.Errorf("archived record %s: decode organisations: %w", r.DocID, err)
		}
	}
	for _, o := range orgs {
		rec.Orgs = append(rec.Orgs, workflow.Org(o))
	}
	return rec, nil
}

func (o *archiveObjectRow) toDomain() workflow.ArchiveObject {
	return workflow.ArchiveObject{Key: o.Key, DocumentID: o.DocID, Name: o.Name, Size: o.Size, SHA256: o.SHA256,
		VersionID: o.VersionID, RetainUntil: fromDB(o.RetainUntil), LegalHold: o.LegalHold}
}
