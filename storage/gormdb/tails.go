package gormdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
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
// repaired. A tail kept in memory is Made (this process made it:
// workflow.TailWriter); one read from the database never is.
func (d *DB) Tail(ctx context.Context, sha, base string) (t workflow.Tail, err error) {
	if t, ok := d.tails.get(tailKey(sha, base)); ok {
		t.Made = true
		return t, nil
	}
	return d.reader(ctx).tail(ctx, sha, base)
}

// The tails kept in memory (Tail): tailMemoBytes of tails at most, none
// longer than tailMemoLongest (a lifecycle's two are about 23 and 65
// KB: some 190 documents, the seconds between a document's issue and
// its send and archive steps under load).
const (
	tailMemoBytes   = 16 << 20
	tailMemoLongest = 1 << 20
)

func tailKey(sha, base string) [32]byte { return sha256.Sum256([]byte(sha + "/" + base)) }

func (d *DB) keepTail(k [32]byte, t workflow.Tail) { d.tails.put(k, t) }

// tailMemo keeps tails bounded by their bytes (Bytes and Head), the
// oldest dropped first. Its zero value is unusable: max must be set.
type tailMemo struct {
	mu      sync.Mutex
	m       map[[32]byte]workflow.Tail
	order   [][32]byte // keys by age, oldest first, from order[first]
	first   int
	bytes   int // of the tails in m
	max     int // bytes at most
	longest int // bytes of one tail at most
	// hits and misses count Get's answers (tests, measurements).
	hits, misses atomic.Int64
}

func newTailMemo(max, longest int) *tailMemo {
	return &tailMemo{m: map[[32]byte]workflow.Tail{}, max: max, longest: longest}
}

func tailSize(t workflow.Tail) int { return len(t.Bytes) + len(t.Head) }

func (c *tailMemo) get(k [32]byte) (workflow.Tail, bool) {
	c.mu.Lock()
	t, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return t, ok
}

// put keeps t unless it is longer than longest, dropping the oldest
// tails until all fit in max.
func (c *tailMemo) put(k [32]byte, t workflow.Tail) {
	n := tailSize(t)
	if n > c.longest || n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	for c.bytes+n > c.max {
		old := c.order[c.first]
		c.order[c.first] = [32]byte{}
		c.first++
		c.bytes -= tailSize(c.m[old])
		delete(c.m, old)
	}
	if c.first > len(c.order)/2 { // reuse the dropped half
		c.order = append(c.order[:0], c.order[c.first:]...)
		c.first = 0
	}
	c.order = append(c.order, k)
	c.m[k] = t
	c.bytes += n
}

// size is the number of tails kept and their bytes.
func (c *tailMemo) size() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.bytes
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
