package gormdb

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

var _ workflow.DisposalStore = (*DB)(nil)

// archiveDisposalRow is a disposal list (workflow.Disposal, migration 34)
// with its decision; its items, a few hundred at most, are one JSON array.
// Rows are never deleted: the list and its decision are kept forever.
type archiveDisposalRow struct {
	ID             string         `gorm:"primaryKey"`
	Title          string         `gorm:"not null"`
	CreatedBy      string         `gorm:"not null"`
	CreatedAt      time.Time      `gorm:"not null;autoCreateTime:false"`
	State          string         `gorm:"not null"`
	Version        int            `gorm:"not null"`
	ApprovedBy     string         `gorm:"not null"`
	ApprovedAt     *time.Time     ``
	DecisionNumber string         `gorm:"not null"`
	DecisionDate   *workflow.Date ``
	DecisionText   string         `gorm:"not null"`
	RejectedBy     string         `gorm:"not null"`
	RejectedAt     *time.Time     ``
	RejectReason   string         `gorm:"not null"`
	DisposedBy     string         `gorm:"not null"`
	DisposedAt     *time.Time     ``
	Items          string         `gorm:"not null"` // JSON array of disposalItemJSON
}

func (archiveDisposalRow) TableName() string { return "archive_disposals" }

// archiveDisposedRow is what stays of a destroyed record (migration 34):
// which list and decision destroyed it, when and by whom. Its objects'
// rows are gone from archive_objects (fixity no longer expects them).
type archiveDisposedRow struct {
	DocID          string         `gorm:"primaryKey"`
	DisposalID     string         `gorm:"not null;index:archive_disposed_disposal"`
	DecisionNumber string         `gorm:"not null"`
	DecisionDate   *workflow.Date `gorm:"not null"`
	DisposedAt     time.Time      `gorm:"not null;autoCreateTime:false"`
	DisposedBy     string         `gorm:"not null"`
}

func (archiveDisposedRow) TableName() string { return "archive_disposed" }

// archiveDisposalsV34 creates archive_disposals and archive_disposed.
func archiveDisposalsV34(_ context.Context, _ *DB, g *gorm.DB) error {
	for _, m := range []any{&archiveDisposalRow{}, &archiveDisposedRow{}} {
		if g.Migrator().HasTable(m) {
			continue
		}
		if err := g.Migrator().CreateTable(m); err != nil {
			return err
		}
	}
	return nil
}

type disposalItemJSON struct {
	DocumentID     string                    `json:"document_id"`
	Number         int                       `json:"number,omitempty"`
	Year           int                       `json:"year,omitempty"`
	Notation       string                    `json:"notation,omitempty"`
	Subject        string                    `json:"subject"`
	Class          string                    `json:"class"`
	DocDate        *workflow.Date            `json:"doc_date,omitempty"`
	RetainUntil    time.Time                 `json:"retain_until"`
	State          string                    `json:"state,omitempty"`
	Reason         string                    `json:"reason,omitempty"`
	DisposedAt     *time.Time                `json:"disposed_at,omitempty"`
	Objects        int                       `json:"objects,omitempty"`
	Bytes          int64                     `json:"bytes,omitempty"`
	Files          []workflow.DisposedObject `json:"files,omitempty"`
	DocumentSHA256 string                    `json:"document_sha256,omitempty"`
}

func disposalRowOf(d *workflow.Disposal) (*archiveDisposalRow, error) {
	items := make([]disposalItemJSON, len(d.Items))
	for i, it := range d.Items {
		items[i] = disposalItemJSON(it)
		items[i].RetainUntil = utc(it.RetainUntil)
		items[i].DisposedAt = utcPtr(it.DisposedAt)
	}
	b, err := json.Marshal(items)
	if err != nil {
		return nil, fmt.Errorf("disposal list %s: items: %w", d.ID, err)
	}
	return &archiveDisposalRow{ID: d.ID, Title: d.Title, CreatedBy: d.CreatedBy, CreatedAt: utc(d.CreatedAt), State: string(d.State),
		Version: d.Version, ApprovedBy: d.ApprovedBy, ApprovedAt: utcPtr(d.ApprovedAt), DecisionNumber: d.DecisionNumber,
		DecisionDate: d.DecisionDate, DecisionText: d.DecisionText, RejectedBy: d.RejectedBy, RejectedAt: utcPtr(d.RejectedAt),
		RejectReason: d.RejectReason, DisposedBy: d.DisposedBy, DisposedAt: utcPtr(d.DisposedAt), Items: string(b)}, nil
}

func (r *archiveDisposalRow) toDomain() (*workflow.Disposal, error) {
	var items []disposalItemJSON
	if err := json.Unmarshal([]byte(r.Items), &items); err != nil {
		return nil, fmt.Errorf("disposal list %s: items: %w", r.ID, err)
	}
	d := &workflow.Disposal{ID: r.ID, Title: r.Title, CreatedBy: r.CreatedBy, CreatedAt: fromDB(r.CreatedAt),
		State: workflow.DisposalState(r.State), Version: r.Version, ApprovedBy: r.ApprovedBy, ApprovedAt: fromDBPtr(r.ApprovedAt),
		DecisionNumber: r.DecisionNumber, DecisionDate: r.DecisionDate, DecisionText: r.DecisionText, RejectedBy: r.RejectedBy,
		RejectedAt: fromDBPtr(r.RejectedAt), RejectReason: r.RejectReason, DisposedBy: r.DisposedBy, DisposedAt: fromDBPtr(r.DisposedAt),
		Items: make([]workflow.DisposalItem, len(items))}
	for i, it := range items {
		d.Items[i] = workflow.DisposalItem(it)
		d.Items[i].RetainUntil = fromDB(it.RetainUntil)
		d.Items[i].DisposedAt = fromDBPtr(it.DisposedAt)
	}
	return d, nil
}

// CreateDisposal implements workflow.DisposalStore.
func (d *DB) CreateDisposal(ctx context.Context, x *workflow.Disposal) error {
	r, err := disposalRowOf(x)
	if err != nil {
		return err
	}
	return d.translate(d.conn(ctx).Create(r).Error, "create disposal list %s", x.ID)
}

// Disposal implements workflow.DisposalStore.
func (d *DB) Disposal(ctx context.Context, id string) (*workflow.Disposal, error) {
	var r archiveDisposalRow
	if err := d.reader(ctx).g.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, d.translate(err, "disposal list %s", id)
	}
	return r.toDomain()
}

// Disposals implements workflow.DisposalStore.
func (d *DB) Disposals(ctx context.Context, state workflow.DisposalState) ([]*workflow.Disposal, error) {
	q := d.reader(ctx).g.WithContext(ctx).Order("created_at DESC, id DESC")
	if state != "" {
		q = q.Where("state = ?", string(state))
	}
	var rows []archiveDisposalRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, d.translate(err, "disposal lists")
	}
	out := make([]*workflow.Disposal, 0, len(rows))
	for i := range rows {
		x, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// UpdateDisposal implements workflow.DisposalStore: one UPDATE guarded by
// the version the list had when it was read.
func (d *DB) UpdateDisposal(ctx context.Context, x *workflow.Disposal) error {
	r, err := disposalRowOf(x)
	if err != nil {
		return err
	}
	res := d.conn(ctx).Model(&archiveDisposalRow{}).Where("id = ? AND version = ?", x.ID, x.Version-1).
		Select("*").Omit("id", "created_by", "created_at").Updates(r)
	if res.Error != nil {
		return d.translate(res.Error, "update disposal list %s", x.ID)
	}
	if res.RowsAffected == 0 {
		return workflow.Errorf(workflow.ECONFLICT, "disposal list %s changed since it was read: read it again", x.ID)
	}
	return nil
}

// DisposedRecords implements workflow.DisposalStore.
func (d *DB) DisposedRecords(ctx context.Context, ids []string) (map[string]*workflow.DisposedRecord, error) {
	out := map[string]*workflow.DisposedRecord{}
	for len(ids) > 0 {
		n := min(len(ids), 200)
		var rows []archiveDisposedRow
		if err := d.conn(ctx).Where("doc_id IN ?", ids[:n]).Find(&rows).Error; err != nil {
			return nil, d.translate(err, "disposed records")
		}
		for _, r := range rows {
			x := &workflow.DisposedRecord{DocumentID: r.DocID, DisposalID: r.DisposalID, DecisionNumber: r.DecisionNumber,
				DisposedAt: fromDB(r.DisposedAt), DisposedBy: r.DisposedBy}
			if r.DecisionDate != nil {
				x.DecisionDate = *r.DecisionDate
			}
			out[r.DocID] = x
		}
		ids = ids[n:]
	}
	return out, nil
}

// FinishRecordDisposal implements workflow.DisposalStore: in the
// transaction ctx carries (the caller's, which writes the audit event).
func (d *DB) FinishRecordDisposal(ctx context.Context, x *workflow.DisposedRecord) error {
	g := d.conn(ctx)
	dd := x.DecisionDate
	row := &archiveDisposedRow{DocID: x.DocumentID, DisposalID: x.DisposalID, DecisionNumber: x.DecisionNumber,
		DecisionDate: &dd, DisposedAt: utc(x.DisposedAt), DisposedBy: x.DisposedBy}
	if err := g.Create(row).Error; err != nil {
		return d.translate(err, "record the disposal of %s", x.DocumentID)
	}
	if err := g.Where("doc_id = ?", x.DocumentID).Delete(&archiveObjectRow{}).Error; err != nil {
		return d.translate(err, "forget the destroyed objects of %s", x.DocumentID)
	}
	if err := g.Where("doc_id = ?", x.DocumentID).Delete(&archiveEvidenceRow{}).Error; err != nil {
		return d.translate(err, "forget the evidence of %s", x.DocumentID)
	}
	return nil
}

// ExpiredRecords returns up to limit records of archived documents the
// query's viewer may see (f's other filters apply) whose retention ended
// by now, with no legal hold and not destroyed, newest document first,
// after the cursor f.After: what an archivist may put on a disposal list.
func (x *ArchiveIndex) ExpiredRecords(ctx context.Context, f workflow.ArchiveQuery, now time.Time) ([]*workflow.ArchiveRecord, string, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	return x.recordPage(expiredWhere(x.q(ctx), x.db.dialect, f, now), f.After, limit, "records past their retention")
}

// expiredTable is the table ExpiredRecords reads, by dialect. On SQLite,
// named with its index archive_records_retain_until (migration 35): left
// to choose, SQLite read the primary key in the page's order (doc_id
// descending, no sort) and tested each record's retain-until, every
// record of the archive when few have expired — most are kept for decades
// or forever; the range of the index holds only the expired ones, sorted
// for the page. PostgreSQL weighs the range by its statistics.
var expiredTable = map[string]string{SQLite: "archive_records AS r INDEXED BY archive_records_retain_until", Postgres: "archive_records AS r"}

// expiredWhere is ExpiredRecords' query but its cursor: the records f
// finds whose retention ended by now, with no legal hold and not
// destroyed.
func expiredWhere(g *gorm.DB, dialect string, f workflow.ArchiveQuery, now time.Time) *gorm.DB {
	return searchWhere(g.Table(expiredTable[dialect]).Select("r.*"), f).
		Where("r.retain_until <= ? AND r.legal_hold = ?", utc(now), false).
		Where("NOT EXISTS (SELECT 1 FROM archive_disposed x WHERE x.doc_id = r.doc_id)")
}

// archiveRecordsRetainUntilV35 indexes the records by their retain-until
// date: the disposal's expired records (ExpiredRecords) are a range of it.
func archiveRecordsRetainUntilV35(_ context.Context, _ *DB, g *gorm.DB) error {
	return g.Exec(`CREATE INDEX IF NOT EXISTS archive_records_retain_until ON archive_records (retain_until)`).Error
}
