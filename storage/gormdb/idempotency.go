package gormdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// idempotencyKeyRow is an idempotency key of a creating request
// (workflow/idempotency.go). The primary key (user_id, idem_key) is the
// unique constraint that makes one attempt hold a key across instances.
// A row refers to no blob: what a failed attempt stored is the blob
// collector's as any unreferenced blob.
type idempotencyKeyRow struct {
	UserID      string    `gorm:"primaryKey"`
	IdemKey     string    `gorm:"column:idem_key;primaryKey"`
	Fingerprint string    `gorm:"not null"`
	Token       string    `gorm:"not null"`
	DocumentID  string    `gorm:"not null"` // '' while in flight
	StartedAt   time.Time `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null;index:idempotency_keys_expires_at"`
	Holder      string    `gorm:"not null;default:''"` // the instance of the attempt (liveness.go); '' before migration 14
}

func (idempotencyKeyRow) TableName() string { return "idempotency_keys" }

// idempotencyKeyV9 is idempotency_keys as migration 9 creates it.
type idempotencyKeyV9 struct {
	UserID      string    `gorm:"primaryKey"`
	IdemKey     string    `gorm:"column:idem_key;primaryKey"`
	Fingerprint string    `gorm:"not null"`
	Token       string    `gorm:"not null"`
	DocumentID  string    `gorm:"not null"`
	StartedAt   time.Time `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null;index:idempotency_keys_expires_at"`
}

func idempotencyKeysV9(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable("idempotency_keys") {
		return nil
	}
	return g.Table("idempotency_keys").Migrator().CreateTable(&idempotencyKeyV9{})
}

var _ workflow.IdempotencyKeys = (*DB)(nil)

// idemTime is a key's time as stored: UTC, whole seconds, so that the
// comparisons of the upsert order SQLite's text as PostgreSQL's
// timestamps.
func idemTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// idemUpsert inserts a key in flight, or takes over the row of an expired
// key, of an attempt in flight since before the stale time (the
// next-to-last parameter), or of an attempt in flight whose instance has
// no liveness row renewed within the last parameter (it is known dead;
// %s is DB.aliveAfter's condition);
// a held key is left as it is (no row affected).
const idemUpsert = `INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, token, document_id, started_at, expires_at, holder)
VALUES (?, ?, ?, ?, '', ?, ?, ?)
ON CONFLICT (user_id, idem_key) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token,
	document_id = '', started_at = excluded.started_at, expires_at = excluded.expires_at, holder = excluded.holder
WHERE idempotency_keys.expires_at <= excluded.started_at
	OR (idempotency_keys.document_id = '' AND idempotency_keys.started_at < ?)
	OR (idempotency_keys.document_id = '' AND idempotency_keys.holder <> '' AND NOT EXISTS
		(SELECT 1 FROM instances WHERE instances.id = idempotency_keys.holder AND %s))`

// idemUpserts is idemUpsert with each of DB.aliveAfter's conditions.
var idemUpserts = map[string]string{
	aliveByNow:    fmt.Sprintf(idemUpsert, aliveByNow),
	aliveByServer: fmt.Sprintf(idemUpsert, aliveByServer),
}

// BeginIdempotent implements workflow.IdempotencyKeys: one statement (an
// upsert guarded by its WHERE), so that of concurrent attempts on any
// instances exactly one holds the key; the others read the row that
// holds it. It also deletes the expired keys, at most once a minute per
// instance.
func (d *DB) BeginIdempotent(ctx context.Context, k workflow.IdempotencyKey, stale time.Time, instanceStale time.Duration) (*workflow.IdempotencyKey, error) {
	d.purgeIdempotencyKeys(ctx, k.StartedAt)
	alive, aliveArg := d.aliveAfter(instanceStale)
	upsert := idemUpserts[alive]
	for range 3 {
		res := d.conn(ctx).Exec(upsert, k.UserID, k.Key, k.Fingerprint, k.Token, idemTime(k.StartedAt), idemTime(k.ExpiresAt),
			k.Holder, idemTime(stale), aliveArg)
		if res.Error != nil {
			return nil, d.translate(res.Error, "begin idempotency key")
		}
		if res.RowsAffected > 0 {
			return nil, nil
		}
		var r idempotencyKeyRow
		err := d.conn(ctx).Where("user_id = ? AND idem_key = ?", k.UserID, k.Key).Take(&r).Error
		if err == nil {
			return &workflow.IdempotencyKey{UserID: r.UserID, Key: r.IdemKey, Fingerprint: r.Fingerprint, Token: r.Token,
				DocumentID: r.DocumentID, StartedAt: fromDB(r.StartedAt), ExpiresAt: fromDB(r.ExpiresAt), Holder: r.Holder}, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, d.translate(err, "read idempotency key")
		}
		// Given back between the two statements: try again.
	}
	return nil, workflow.Errorf(workflow.ECONFLICT, "idempotency key %q: concurrent change, try again", k.Key)
}

// AbandonIdempotent implements workflow.IdempotencyKeys.
func (d *DB) AbandonIdempotent(ctx context.Context, userID, key, token string) error {
	err := d.conn(ctx).Where("user_id = ? AND idem_key = ? AND token = ? AND document_id = ''", userID, key, token).
		Delete(&idempotencyKeyRow{}).Error
	return d.translate(err, "give back idempotency key")
}

// FinishIdempotent implements workflow.IdempotencyFinisher: a guarded
// update, ECONFLICT when token no longer holds the key.
func (c *conn) FinishIdempotent(ctx context.Context, userID, key, token, documentID string) error {
	res := c.q(ctx).Model(&idempotencyKeyRow{}).Where("user_id = ? AND idem_key = ? AND token = ? AND document_id = ''", userID, key, token).
		Update("document_id", documentID)
	if res.Error != nil {
		return c.db.translate(res.Error, "finish idempotency key")
	}
	if res.RowsAffected == 0 {
		return workflow.Errorf(workflow.ECONFLICT, "idempotency key %q is no longer held by this attempt", key)
	}
	return nil
}

// purgeIdempotencyKeys deletes the keys expired by now, unless this
// instance did less than a minute ago. A failure is logged: the keys go
// at the next try.
func (d *DB) purgeIdempotencyKeys(ctx context.Context, now time.Time) {
	last := d.idemPurged.Load()
	if now.Unix()-last < 60 || !d.idemPurged.CompareAndSwap(last, now.Unix()) {
		return
	}
	if err := d.conn(ctx).Where("expires_at <= ?", idemTime(now)).Delete(&idempotencyKeyRow{}).Error; err != nil {
		d.log.WarnContext(ctx, "expired idempotency keys not deleted", "err", fmt.Sprint(err))
	}
}
