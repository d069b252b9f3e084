package gormdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// fileTailRow is the tail of a file stored as the incremental update of
// another (workflow.Tail): a signed revision of a document's PDF. It is
// written in the transaction that adds the file to its document, and
// never changed: the key names the content.
type fileTailRow struct {
	SHA256     string    `gorm:"column:sha256;primaryKey"`
	BaseSHA256 string    `gorm:"column:base_sha256;primaryKey"`
	BaseSize   int64     `gorm:"not null"`
	Head       []byte    // NULL: the base's first bytes as they are
	Tail       []byte    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

func (fileTailRow) TableName() string { return "file_tails" }

// fileTailV8 is file_tails as migration 8 creates it.
type fileTailV8 struct {
	SHA256     string `gorm:"column:sha256;primaryKey"`
	BaseSHA256 string `gorm:"column:base_sha256;primaryKey"`
	BaseSize   int64  `gorm:"not null"`
	Head       []byte
	Tail       []byte    `gorm:"not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// fileTailsV8 creates file_tails; on PostgreSQL its tails are compressed
// with lz4, not pglz (a tail is mostly hex: pglz cost CPU at each write),
// where the server has it (else pglz, logged).
func fileTailsV8(ctx context.Context, d *DB, g *gorm.DB) error {
	if g.Migrator().HasTable("file_tails") {
		return nil
	}
	if err := g.Table("file_tails").Migrator().CreateTable(&fileTailV8{}); err != nil {
		return err
	}
	return compressLZ4(ctx, d, g, "file_tails: tail", `ALTER TABLE file_tails ALTER COLUMN tail SET COMPRESSION lz4`)
}

var (
	_ workflow.TailReader = (*DB)(nil)
	_ workflow.TailWriter = (*conn)(nil)
)

// The statements of file_tails (no gorm reflection: a tail is read by
// every step after a signature).
const (
	tailSelectSQLite = "SELECT base_size, head, tail FROM file_tails WHERE sha256 = ? AND base_sha256 = ?"
	tailSelectPG     = "SELECT base_size, head, tail FROM file_tails WHERE sha256 = $1 AND base_sha256 = $2"
	tailInsertSQLite = "INSERT INTO file_tails (sha256, base_sha256, base_size, head, tail, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
	tailInsertPG     = "INSERT INTO file_tails (sha256, base_sha256, base_size, head, tail, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
)

// Tail implements workflow.TailReader: ENOTFOUND when the file has no
// tail on that base. The tails this instance wrote lately are kept in
// memory once committed (a row is never changed; the next steps of a
// document read them: issue, archive, send); those read from the
// database are not, so that a row found corrupted is read again once
// repaired.
func (d *DB) Tail(ctx context.Context, sha, base string) (t workflow.Tail, err error) {
	if t, ok := d.tails.Get(tailKey(sha, base)); ok {
		return t, nil
	}
	return d.reader(ctx).tail(ctx, sha, base)
}

// The tails kept in memory (Tail): at most tailMemoMax, none longer than
// tailMemoLongest (16 MiB at most; a lifecycle's two ≈ 23 and 65 KB).
const (
	tailMemoMax     = 128
	tailMemoLongest = 128 << 10
)

func tailKey(sha, base string) [32]byte { return sha256.Sum256([]byte(sha + "/" + base)) }

func (d *DB) keepTail(k [32]byte, t workflow.Tail) {
	if len(t.Bytes) <= tailMemoLongest {
		d.tails.Put(k, t)
	}
}

func (c *conn) tail(ctx context.Context, sha, base string) (t workflow.Tail, err error) {
	query := tailSelectSQLite
	if c.pg() {
		query = tailSelectPG
	}
	g := c.g
	start := time.Now()
	defer func() {
		g.Logger.Trace(ctx, start, func() (string, int64) { return query, 1 }, err)
	}()
	t = workflow.Tail{SHA256: sha, Base: base}
	err = g.Statement.ConnPool.QueryRowContext(c.pointRead(ctx), query, sha, base).Scan(&t.BaseSize, &t.Head, &t.Bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return workflow.Tail{}, workflow.Errorf(workflow.ENOTFOUND, "no tail of file %s on %s", sha, base)
	}
	if err != nil {
		return workflow.Tail{}, c.db.translate(err, "tail of file %s", sha)
	}
	return t, nil
}

// PutTail implements workflow.TailWriter. On PostgreSQL the insert is
// not sent on its own: it goes with the statement that commits the
// transaction, in the same round trip (pgTx.defer).
func (c *conn) PutTail(ctx context.Context, t workflow.Tail) error {
	var head any // NULL for none
	if len(t.Head) > 0 {
		head = t.Head
	}
	args := []any{t.SHA256, t.Base, t.BaseSize, head, t.Bytes, utc(c.db.Now())}
	c.AfterCommit(func() { c.db.keepTail(tailKey(t.SHA256, t.Base), t) })
	if p, ok := c.g.Statement.ConnPool.(*pgTx); ok {
		p.deferStmt(pgStmt{query: tailInsertPG, args: args})
		return nil
	}
	query := tailInsertSQLite
	if c.pg() {
		query = tailInsertPG
	}
	_, err := c.g.Statement.ConnPool.ExecContext(ctx, query, args...)
	return c.db.translate(err, "store the tail of file %s", t.SHA256)
}
