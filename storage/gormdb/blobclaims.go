package gormdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

// Blob claims: the protocol between the blob collector (blobgc) and the
// transactions that commit a reference to a blob (documents.files,
// users.signature_image). Its correctness depends on no clock.
//
//   - The collector claims a blob (state "marked", with its run's token),
//     then reads the references; a blob referenced then is released.
//   - A transaction that commits a reference looks at the claims of the
//     blobs it refers to, under the claims lock: it cancels a "marked"
//     claim (deletes it) and fails (EUNAVAILABLE, send again) on a
//     "deleting" or "deleted" one.
//   - The collector turns its mark into "deleting" (one guarded update,
//     which fails if a reference cancelled it) before it deletes the
//     blob, and into "deleted" after: a tombstone that keeps failing the
//     commits of uploads that stored the blob before it went.
//   - A "deleting" claim its run stopped refreshing (StartBlobDelete,
//     HoldsBlobDelete) for StaleBlobDelete counts as a tombstone.
//   - A tombstone goes only after the blob was seen in place since it was
//     written (ClearBlobTombstone with the tombstone's token, read before
//     a listing; or a referencing transaction that finds it under the
//     claims lock, removes it by its token and then finds the blob in the
//     work store, DB.WorkStore): the blob is back, and no run deletes it
//     while the tombstone stands (a claim needs the row free).
//
// The claims lock: on SQLite the single writer; on PostgreSQL an advisory
// lock, shared by the referencing transactions, taken exclusively by
// ClaimBlobs per batch: it queues for it at most claimsLockWait per try
// (a referencing transaction that arrives meanwhile queues behind it
// that long at most), so that a stream of commits cannot starve it.
const (
	ClaimMarked   = "marked"
	ClaimDeleting = "deleting"
	ClaimDeleted  = "deleted"
)

// blobClaimsLockID is the PostgreSQL advisory lock of the claims.
const blobClaimsLockID = 7_268_110_841

// BlobStat is what a referencing transaction needs of the work store
// (DB.WorkStore): whether a blob is in place.
type BlobStat interface {
	Stat(ctx context.Context, key string) (workflow.ObjectInfo, error)
}

// blobClaimRow is a blob the collector has claimed, or a tombstone.
type blobClaimRow struct {
	SHA256 string    `gorm:"column:sha256;primaryKey"`
	State  string    `gorm:"not null"`
	Token  string    `gorm:"not null"`
	Since  time.Time `gorm:"not null"`
}

func (blobClaimRow) TableName() string { return "blob_claims" }

// blobClaimV5 is blob_claims as migration 5 creates it.
type blobClaimV5 struct {
	SHA256 string    `gorm:"column:sha256;primaryKey"`
	State  string    `gorm:"not null"`
	Token  string    `gorm:"not null"`
	Since  time.Time `gorm:"not null"`
}

func blobClaimsV5(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable("blob_claims") {
		return nil
	}
	return g.Table("blob_claims").Migrator().CreateTable(&blobClaimV5{})
}

// ClaimBlobs marks each of sums as being collected by the run token,
// unless it has a claim already (another run's, or a tombstone), and
// returns the ones it marked. EUNAVAILABLE if the claims lock stayed busy.
// It claims by batches (claimBatch sums, one INSERT each), each in its
// own transaction under the claims lock, so that the commits referring
// to files wait for one batch at most.
func (d *DB) ClaimBlobs(ctx context.Context, token string, sums []string) ([]string, error) {
	return d.claimBlobs(ctx, token, sums, claimBatch, nil)
}

// claimBatch is how many blobs ClaimBlobs claims per transaction.
const claimBatch = 500

// claimBlobs is ClaimBlobs by batches of size, calling between (if not
// nil) after each batch's commit.
func (d *DB) claimBlobs(ctx context.Context, token string, sums []string, size int, between func()) ([]string, error) {
	var claimed []string
	now := utc(d.Now())
	for batch := range slices.Chunk(sums, size) {
		var got []string
		err := d.claimBatchOnce(ctx, func(g *gorm.DB) error {
			got = got[:0]
			rows := make([]blobClaimRow, len(batch))
			for i, sum := range batch {
				rows[i] = blobClaimRow{SHA256: sum, State: ClaimMarked, Token: token, Since: now}
			}
			if err := g.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
				return err
			}
			// The run's token is its own: its marks among the batch are the
			// rows this insert added.
			return g.Model(&blobClaimRow{}).Where("sha256 IN ? AND token = ? AND state = ?", batch, token, ClaimMarked).Pluck("sha256", &got).Error
		})
		if err != nil {
			// The earlier batches' marks go with the failed call.
			if rerr := d.ReleaseBlobClaims(context.WithoutCancel(ctx), token, claimed); rerr != nil {
				d.log.WarnContext(ctx, "release blob claims", "err", rerr)
			}
			return nil, d.translate(err, "claim blobs")
		}
		mine := map[string]bool{}
		for _, sum := range got {
			mine[sum] = true
		}
		for _, sum := range batch {
			if mine[sum] {
				claimed = append(claimed, sum)
				delete(mine, sum)
			}
		}
		if between != nil {
			between()
		}
	}
	return claimed, nil
}

// claimsLockWait is how long ClaimBlobs queues for the claims lock per
// try on PostgreSQL (lock_timeout): the commits that arrive meanwhile
// queue behind it, so it is short; claimsLockTries bounds the tries.
const (
	claimsLockWait  = 200 * time.Millisecond
	claimsLockTries = 20
)

// lockClaims takes the claims lock exclusively for g's transaction on
// PostgreSQL, queueing for it for claimsLockWait (queued, it is granted
// once the commits holding it end, however many start meanwhile: they
// queue behind it). errClaimsLockBusy if it timed out.
func (d *DB) lockClaims(ctx context.Context, g *gorm.DB) error {
	if d.dialect != Postgres {
		return nil
	}
	if err := g.Exec(fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", claimsLockWait.Milliseconds())).Error; err != nil {
		return err
	}
	err := g.Exec("SELECT pg_advisory_xact_lock(?)", blobClaimsLockID).Error
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
		return errClaimsLockBusy
	}
	return err
}

// errClaimsLockBusy is lockClaims timing out: the batch is tried again.
var errClaimsLockBusy = errors.New("blob claims: the lock stayed busy")

// claimBatchOnce is claimBlobs's transaction for one batch, tried again
// while the claims lock stays busy (claimsLockTries).
func (d *DB) claimBatchOnce(ctx context.Context, fn func(g *gorm.DB) error) error {
	for try := 1; ; try++ {
		err := d.gdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			if err := d.lockClaims(ctx, g); err != nil {
				return err
			}
			return fn(g)
		})
		if !errors.Is(err, errClaimsLockBusy) {
			return err
		}
		if try == claimsLockTries {
			return workflow.Errorf(workflow.EUNAVAILABLE, "blob claims: the lock stayed busy")
		}
	}
}

// StartBlobDelete turns token's mark on sum into "deleting" and reports
// whether it did: false when a reference cancelled the mark.
func (d *DB) StartBlobDelete(ctx context.Context, token, sum string) (bool, error) {
	res := d.gdb.WithContext(ctx).Model(&blobClaimRow{}).Where("sha256 = ? AND token = ? AND state = ?", sum, token, ClaimMarked).
		Updates(map[string]any{"state": ClaimDeleting, "since": utc(d.Now())})
	if res.Error != nil {
		return false, d.translate(res.Error, "start deleting blob %s", sum)
	}
	return res.RowsAffected == 1, nil
}

// HoldsBlobDelete reports whether token holds sum's claim as "deleting"
// (the run's fencing check before it deletes the blob), and refreshes
// the claim's since: a run that checks it is live (StaleBlobDelete).
func (d *DB) HoldsBlobDelete(ctx context.Context, token, sum string) (bool, error) {
	res := d.gdb.WithContext(ctx).Model(&blobClaimRow{}).Where("sha256 = ? AND token = ? AND state = ?", sum, token, ClaimDeleting).
		Update("since", utc(d.Now()))
	if res.Error != nil {
		return false, d.translate(res.Error, "blob claim %s", sum)
	}
	return res.RowsAffected == 1, nil
}

// FinishBlobDelete turns token's "deleting" claim on sum into a tombstone.
func (d *DB) FinishBlobDelete(ctx context.Context, token, sum string) error {
	err := d.gdb.WithContext(ctx).Model(&blobClaimRow{}).Where("sha256 = ? AND token = ? AND state = ?", sum, token, ClaimDeleting).
		Updates(map[string]any{"state": ClaimDeleted, "since": utc(d.Now())}).Error
	return d.translate(err, "finish deleting blob %s", sum)
}

// ReleaseBlobClaims removes token's marks on sums (not its "deleting"
// claims nor tombstones).
func (d *DB) ReleaseBlobClaims(ctx context.Context, token string, sums []string) error {
	if len(sums) == 0 {
		return nil
	}
	err := d.gdb.WithContext(ctx).Where("sha256 IN ? AND token = ? AND state = ?", sums, token, ClaimMarked).Delete(&blobClaimRow{}).Error
	return d.translate(err, "release blob claims")
}

// TakeOverBlobClaim gives sum's claim held by the token old (a run that
// stopped) to token, and reports whether it did.
func (d *DB) TakeOverBlobClaim(ctx context.Context, sum, old, token string) (bool, error) {
	res := d.gdb.WithContext(ctx).Model(&blobClaimRow{}).Where("sha256 = ? AND token = ?", sum, old).
		Updates(map[string]any{"token": token, "since": utc(d.Now())})
	if res.Error != nil {
		return false, d.translate(res.Error, "take over the claim of blob %s", sum)
	}
	return res.RowsAffected == 1, nil
}

// BlobClaims calls fn with every claim and tombstone.
func (d *DB) BlobClaims(ctx context.Context, fn func(sum, state, token string, since time.Time) error) error {
	var rows []blobClaimRow
	if err := d.gdb.WithContext(ctx).Order("sha256").Find(&rows).Error; err != nil {
		return d.translate(err, "blob claims")
	}
	for _, r := range rows {
		if err := fn(r.SHA256, r.State, r.Token, fromDB(r.Since)); err != nil {
			return err
		}
	}
	return nil
}

// StaleBlobDelete is how long a "deleting" claim lasts without its run
// refreshing it (StartBlobDelete, HoldsBlobDelete) before it counts as a
// tombstone (a run that stopped between the two ends of a deletion): a
// commit referring to the blob clears it once the blob is back
// (reclaimTombstone), so that a commit failing on it passes once its
// upload is sent again; BlobTombstone returns it. It is
// blobgc.StaleDeleting (a run deletes nothing later than half of it
// after its last refresh).
const StaleBlobDelete = 10 * time.Minute

// tombstoneWhere selects sum's tombstone, or its "deleting" claim not
// refreshed for StaleBlobDelete.
func (d *DB) tombstoneWhere(g *gorm.DB, sum string) *gorm.DB {
	stale := utc(d.Now().Add(-StaleBlobDelete))
	return g.Where("sha256 = ? AND (state = ? OR (state = ? AND since < ?))", sum, ClaimDeleted, ClaimDeleting, stale)
}

// BlobTombstone returns the token of sum's tombstone (or stale
// "deleting" claim: StaleBlobDelete), "" if it has none.
func (d *DB) BlobTombstone(ctx context.Context, sum string) (token string, err error) {
	query := blobTombstoneSQLite
	if d.dialect == Postgres {
		query = blobTombstonePG
	}
	c := d.reader(ctx)
	g := c.g
	start := time.Now()
	defer func() {
		g.Logger.Trace(ctx, start, func() (string, int64) { return query, 0 }, err)
	}()
	stale := utc(d.Now().Add(-StaleBlobDelete))
	err = g.Statement.ConnPool.QueryRowContext(c.pointRead(ctx), query, sum, ClaimDeleted, ClaimDeleting, stale).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return token, d.translate(err, "blob tombstone %s", sum)
}

// BlobTombstone's statement (tombstoneWhere's condition, without gorm's
// reflection).
const (
	blobTombstoneSQLite = "SELECT token FROM blob_claims WHERE sha256 = ? AND (state = ? OR (state = ? AND since < ?)) LIMIT 1"
	blobTombstonePG     = "SELECT token FROM blob_claims WHERE sha256 = $1 AND (state = $2 OR (state = $3 AND since < $4)) LIMIT 1"
)

// ClearBlobTombstone removes sum's tombstone (or stale "deleting" claim)
// if its token is token. Call it only once the blob was seen in place
// after that token was read. A "deleting" claim its run refreshed since
// stays.
func (d *DB) ClearBlobTombstone(ctx context.Context, sum, token string) error {
	err := d.tombstoneWhere(d.conn(ctx), sum).Where("token = ?", token).Delete(&blobClaimRow{}).Error
	return d.translate(err, "clear blob tombstone %s", sum)
}

// checkBlobRefs is the referencing side of the claims, in the
// transaction that commits references to sums: it cancels the collector's
// marks on them and fails with EUNAVAILABLE if one is being deleted or
// was deleted since its upload stored it.
func (c *conn) checkBlobRefs(ctx context.Context, sums []string) error {
	sums = refSums(sums)
	if len(sums) == 0 {
		return nil
	}
	g := c.q(ctx)
	claims, err := c.lockedBlobClaims(ctx, sums)
	if err != nil {
		return err
	}
	for _, r := range claims {
		if err := c.cancelClaim(ctx, g, r); err != nil {
			return err
		}
	}
	return nil
}

// refSums are the sums of a reference to check: sorted, once each, none
// empty.
func refSums(sums []string) []string {
	return slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(sums))), func(s string) bool { return s == "" })
}

// claimsGuard is checkBlobRefs for a PostgreSQL transaction that commits
// in one round trip (pgTx.commitAlone): the claims lock, then a read of
// the claims of sums as a statement of its own (its snapshot taken with
// the lock held, as lockedBlobClaims reads them) that fails with
// division_by_zero when there is one, a mark to cancel or a tombstone:
// the transaction then rolls back and checkBlobRefs does that work. nil
// when there is nothing to check.
func claimsGuard(sums []string) []pgStmt {
	sums = refSums(sums)
	if len(sums) == 0 {
		return nil
	}
	args := make([]any, len(sums))
	for i, s := range sums {
		args[i] = s
	}
	query := dollarPlaceholders("SELECT 1 / CASE WHEN EXISTS (SELECT 1 FROM blob_claims WHERE sha256 IN (?" +
		strings.Repeat(", ?", len(sums)-1) + ")) THEN 0 ELSE 1 END")
	return []pgStmt{{query: claimsLockShared, args: []any{int64(blobClaimsLockID)}}, {query: query, args: args}}
}

// lockedBlobClaims takes the claims lock (shared; PostgreSQL) and reads
// the claims of sums. In one of vanthu's PostgreSQL transactions both go
// in one round trip: the read is a statement of its own after the lock's,
// so that its snapshot (READ COMMITTED: one per statement) is taken once
// the lock is held and sees every claim committed before.
func (c *conn) lockedBlobClaims(ctx context.Context, sums []string) ([]blobClaimRow, error) {
	if !c.pg() {
		claims, err := c.blobClaims(ctx, sums)
		return claims, c.db.translate(err, "blob claims")
	}
	if t, ok := c.g.Statement.ConnPool.(*pgTx); ok {
		claims, err := c.pipelinedBlobClaims(ctx, t, sums)
		if !errors.Is(err, errNotPipelined) {
			return claims, c.db.translate(err, "blob claims")
		}
	}
	if _, err := c.g.Statement.ConnPool.ExecContext(ctx, claimsLockShared, blobClaimsLockID); err != nil {
		return nil, c.db.translate(err, "blob claims lock")
	}
	claims, err := c.blobClaims(ctx, sums)
	return claims, c.db.translate(err, "blob claims")
}

// claimsLockShared takes the claims lock for a referencing transaction.
const claimsLockShared = "SELECT pg_advisory_xact_lock_shared($1)"

// pipelinedBlobClaims is lockedBlobClaims's round trip on t.
func (c *conn) pipelinedBlobClaims(ctx context.Context, t *pgTx, sums []string) (out []blobClaimRow, err error) {
	query, args := blobClaimsQuery(true, sums)
	start := time.Now()
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return claimsLockShared + "; " + query, int64(len(out)) }, err)
	}()
	results, err := t.pipeline(ctx, pgStmt{query: claimsLockShared, args: []any{int64(blobClaimsLockID)}}, pgStmt{query: query, args: args})
	if err != nil {
		return nil, err
	}
	if len(results) != 2 {
		return nil, fmt.Errorf("blob claims: %d results for 2 statements", len(results))
	}
	for _, row := range results[1].Rows {
		out = append(out, blobClaimRow{SHA256: string(row[0]), State: string(row[1]), Token: string(row[2])})
	}
	return out, nil
}

// cancelClaim cancels a claim, read as r, for a reference: a mark goes;
// a tombstone (or stale "deleting" claim) goes if the blob is back
// (reclaimTombstone); a "deleting" claim, or a tombstone of a blob not
// back, fails (EUNAVAILABLE). A cancel that deletes nothing reads the
// claim again: on PostgreSQL it may have waited on another commit
// cancelling the same mark, or the run may have released it; a claim
// gone is no deletion.
func (c *conn) cancelClaim(ctx context.Context, g *gorm.DB, r blobClaimRow) error {
	sum := r.SHA256
	for range 3 {
		if r.State != ClaimMarked {
			return c.reclaimTombstone(ctx, g, sum, r.Token)
		}
		res := g.Where("sha256 = ? AND state = ?", sum, ClaimMarked).Delete(&blobClaimRow{})
		if res.Error != nil {
			return c.db.translate(res.Error, "cancel the claim of blob %s", sum)
		}
		if res.RowsAffected == 1 {
			return nil
		}
		var rows []blobClaimRow
		if err := g.Where("sha256 = ?", sum).Limit(1).Find(&rows).Error; err != nil {
			return c.db.translate(err, "blob claim %s", sum)
		}
		if len(rows) == 0 {
			return nil
		}
		r = rows[0]
	}
	return workflow.Errorf(workflow.EUNAVAILABLE, "blob claim %s: the claim kept changing: send it again", sum)
}

// reclaimTombstone is a reference to sum finding its claim with token
// not a mark: it removes the claim if it is a tombstone (or a stale
// "deleting" claim: tombstoneWhere) with that token and the blob is in
// the work store (stored again since it was deleted), or fails with
// EUNAVAILABLE ("send it again"; the removal goes back with the failed
// transaction).
//
// Safe without a clock: the claim was read with the claims lock held,
// which this transaction keeps until it ends, so no run claims the blob
// again meanwhile (a claim needs the lock, and the row free). A
// tombstone is written once its run deleted the blob; a stale "deleting"
// claim's run deletes nothing after (StaleBlobDelete); a run that took
// it over changed its token, and then nothing is removed. Removed with
// the row locked (until the commit), the claim can no longer be taken
// over: the blob found in place after that stays, and the commit
// refers to it.
func (c *conn) reclaimTombstone(ctx context.Context, g *gorm.DB, sum, token string) error {
	gone := workflow.Errorf(workflow.EUNAVAILABLE, "file %s was deleted as unreferenced while this request ran: send it again", sum)
	if c.db.WorkStore == nil {
		return gone
	}
	res := c.db.tombstoneWhere(g, sum).Where("token = ?", token).Delete(&blobClaimRow{})
	if res.Error != nil {
		return c.db.translate(res.Error, "clear blob tombstone %s", sum)
	}
	if res.RowsAffected != 1 {
		return gone
	}
	_, err := c.db.WorkStore.Stat(ctx, workflow.BlobKey(sum))
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return gone
	}
	if err != nil {
		return fmt.Errorf("blob %s: %w", sum, err)
	}
	return nil
}

// blobClaims reads the claims of sums with a fixed statement per count
// (prepared once on SQLite; no gorm reflection: it runs in every
// transaction that refers to a file).
func (c *conn) blobClaims(ctx context.Context, sums []string) (_ []blobClaimRow, err error) {
	query, args := blobClaimsQuery(c.pg(), sums)
	start := time.Now()
	var out []blobClaimRow
	defer func() {
		c.g.Logger.Trace(ctx, start, func() (string, int64) { return query, int64(len(out)) }, err)
	}()
	rows, err := c.g.Statement.ConnPool.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r blobClaimRow
		if err := rows.Scan(&r.SHA256, &r.State, &r.Token); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// blobClaimsQuery is the statement reading the claims of sums (sha256,
// state, token; one per count of sums), and its arguments.
func blobClaimsQuery(pg bool, sums []string) (string, []any) {
	query := "SELECT sha256, state, token FROM blob_claims WHERE sha256 IN (?" + strings.Repeat(", ?", len(sums)-1) + ")"
	if pg {
		query = dollarPlaceholders(query)
	}
	args := make([]any, len(sums))
	for i, s := range sums {
		args[i] = s
	}
	return query, args
}

// seenFiles are a document's files at a version.
type seenFiles struct {
	version int
	files   string
}

// sawFiles remembers, in a transaction, the files of document id at
// version as it read or wrote them. An update from that version that
// writes them unchanged adds no reference: every file it names was
// referenced by the committed row already (each change of files changes
// the version).
func (c *conn) sawFiles(id string, version int, files string) {
	if c.after == nil {
		return // the pool: no transaction
	}
	if c.files == nil {
		c.files = map[string]seenFiles{}
	}
	c.files[id] = seenFiles{version, files}
}

// fileSums are the SHA-256s of d's blobs: its files stored whole (a
// tailed file is in the database, and its base a file of d).
func fileSums(d *workflow.Document) []string {
	out := make([]string, 0, len(d.Files))
	for _, f := range d.Files {
		if f.Base == "" {
			out = append(out, f.SHA256)
		}
	}
	return out
}
