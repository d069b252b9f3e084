package gormdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// Copies (bản sao) of documents, workflow/copy.go: one row per copy, its
// number reserved from the register counter of kind
// workflow.RegisterCopies (register_counters and register_reservations,
// ReserveNext: the outgoing registers' mechanism) before the copy is
// signed, and consumed by the transaction that inserts the row.
// (year, number) is unique: a second guard of the register's gaplessness
// and uniqueness. A trích sao's pages ("1,3-4") are in pages (migration
// 30), empty for the other forms.

var (
	_ workflow.CopyWriter = (*conn)(nil)
	_ workflow.CopyReader = (*DB)(nil)
)

type copyRow struct {
	ID           string    `gorm:"primaryKey"`
	DocumentID   string    `gorm:"not null;index:copies_document"`
	Form         string    `gorm:"not null"`
	Year         int       `gorm:"not null;uniqueIndex:copies_year_number,priority:1"`
	Number       int       `gorm:"not null;uniqueIndex:copies_year_number,priority:2"`
	Notation     string    `gorm:"not null"`
	RequestedFor string    `gorm:"not null"`
	CreatedBy    string    `gorm:"not null"`
	CreatedAt    time.Time `gorm:"not null;autoCreateTime:false"`
	SHA256       string    `gorm:"column:sha256;not null"`
	Size         int64     `gorm:"not null"`
	Pages        string    `gorm:"not null;default:''"`
}

func (copyRow) TableName() string { return "copies" }

// copiesV27 creates the copies table (migration 27).
func copiesV27(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable(&copyRow{}) {
		return nil
	}
	return g.Migrator().CreateTable(&copyRow{})
}

// copiesPagesV30 adds copies.pages, a trích sao's pages (migration 30; a
// table copiesV27 made from this row already has it).
func copiesPagesV30(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasColumn(&copyRow{}, "Pages") {
		return nil
	}
	return g.Migrator().AddColumn(&copyRow{}, "Pages")
}

func (r *copyRow) toDomain() workflow.Copy {
	return workflow.Copy{ID: r.ID, DocumentID: r.DocumentID, Form: workflow.CopyForm(r.Form), Year: r.Year, Number: r.Number,
		Notation: r.Notation, RequestedFor: r.RequestedFor, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(),
		SHA256: r.SHA256, Size: r.Size, Pages: r.Pages}
}

// CreateCopy implements workflow.CopyWriter: the row, and the copy's
// blob as a reference the collector keeps (checkBlobRefs).
func (c *conn) CreateCopy(ctx context.Context, cp *workflow.Copy) error {
	if err := c.checkBlobRefs(ctx, []string{cp.SHA256}); err != nil {
		return err
	}
	row := copyRow{ID: cp.ID, DocumentID: cp.DocumentID, Form: string(cp.Form), Pages: cp.Pages, Year: cp.Year, Number: cp.Number,
		Notation: cp.Notation, RequestedFor: cp.RequestedFor, CreatedBy: cp.CreatedBy, CreatedAt: utc(cp.CreatedAt),
		SHA256: cp.SHA256, Size: cp.Size}
	if err := c.q(ctx).Create(&row).Error; err != nil {
		return c.db.translate(err, "create copy %s", cp.Notation)
	}
	return nil
}

// CopiesOf implements workflow.CopyReader.
func (d *DB) CopiesOf(ctx context.Context, documentID string) ([]workflow.Copy, error) {
	return d.copies(ctx, "document_id = ?", documentID)
}

// CopyRegister implements workflow.CopyReader.
func (d *DB) CopyRegister(ctx context.Context, year int) ([]workflow.Copy, error) {
	return d.copies(ctx, "year = ?", year)
}

func (d *DB) copies(ctx context.Context, where string, arg any) ([]workflow.Copy, error) {
	var rows []copyRow
	if err := d.reader(ctx).q(ctx).Where(where, arg).Order("year, number").Find(&rows).Error; err != nil {
		return nil, d.translate(err, "copies")
	}
	out := make([]workflow.Copy, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// Copy implements workflow.CopyReader.
func (d *DB) Copy(ctx context.Context, id string) (*workflow.Copy, error) {
	var r copyRow
	err := d.reader(ctx).q(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "copy %s not found", id)
	}
	if err != nil {
		return nil, d.translate(err, "copy %s", id)
	}
	c := r.toDomain()
	return &c, nil
}
