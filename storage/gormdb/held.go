package gormdb

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// heldRow is a secret held for one session (auth.HeldStore: the initial
// passwords of a user import) until its one take, on any instance sharing
// the database (migration 29). Sealed is the secret encrypted under a
// key derived from the session's raw token, which no table holds (the
// sessions table and SessionHash keep its SHA-256): the database cannot
// read it.
type heldRow struct {
	ID          string    `gorm:"primaryKey"`
	SessionHash string    `gorm:"not null"`
	ExpiresAt   time.Time `gorm:"not null;index:held_secrets_expires"`
	Sealed      []byte    `gorm:"not null"`
}

func (heldRow) TableName() string { return "held_secrets" }

// heldSecretsV29 creates held_secrets.
func heldSecretsV29(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable(&heldRow{}) {
		return nil
	}
	return g.Migrator().CreateTable(&heldRow{})
}

// PutHeld implements auth.HeldStore: the row, after deleting the rows
// expired at now.
func (d *DB) PutHeld(ctx context.Context, id, tokenHash string, expires time.Time, sealed []byte, now time.Time) error {
	if err := d.deleteExpiredHeld(ctx, now); err != nil {
		return err
	}
	row := heldRow{ID: id, SessionHash: tokenHash, ExpiresAt: utc(expires), Sealed: sealed}
	if err := d.conn(ctx).Create(&row).Error; err != nil {
		return d.translate(err, "hold a secret")
	}
	return nil
}

// TakeHeld implements auth.HeldStore: one DELETE ... RETURNING of the row
// of id, of tokenHash's session and not expired, so that of takes racing
// on instances sharing the database exactly one returns it; then the rows
// expired at now are deleted.
func (d *DB) TakeHeld(ctx context.Context, id, tokenHash string, now time.Time) ([]byte, error) {
	var sealed []struct{ Sealed []byte }
	err := d.conn(ctx).Raw("DELETE FROM held_secrets WHERE id = ? AND session_hash = ? AND expires_at > ? RETURNING sealed",
		id, tokenHash, utc(now)).Scan(&sealed).Error
	if err != nil {
		return nil, d.translate(err, "take a held secret")
	}
	if err := d.deleteExpiredHeld(ctx, now); err != nil {
		return nil, err
	}
	if len(sealed) == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "nothing held for this session under this key")
	}
	return sealed[0].Sealed, nil
}

// deleteExpiredHeld deletes the held secrets expired at now.
func (d *DB) deleteExpiredHeld(ctx context.Context, now time.Time) error {
	if err := d.conn(ctx).Where("expires_at <= ?", utc(now)).Delete(&heldRow{}).Error; err != nil {
		return d.translate(err, "delete expired held secrets")
	}
	return nil
}
