package gormdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

// revocationRow is one revoked certificate of the development PKI.
type revocationRow struct {
	Issuer    string    `gorm:"primaryKey;size:128"`
	Serial    string    `gorm:"primaryKey;size:64"`
	Subject   string    `gorm:"not null"`
	UserID    string    `gorm:"not null;index"`
	Reason    string    `gorm:"not null"`
	RevokedAt time.Time `gorm:"not null;autoCreateTime:false"`
	Actor     string    `gorm:"not null"`
	Comment   string    `gorm:"not null"`
}

func (revocationRow) TableName() string { return "pki_revocations" }

func revocationFromDomain(r workflow.Revocation) *revocationRow {
	return &revocationRow{Issuer: r.Issuer, Serial: r.Serial, Subject: r.Subject, UserID: r.UserID, Reason: string(r.Reason),
		RevokedAt: utc(r.RevokedAt), Actor: r.Actor, Comment: r.Comment}
}

func (r *revocationRow) toDomain() workflow.Revocation {
	return workflow.Revocation{Issuer: r.Issuer, Serial: r.Serial, Subject: r.Subject, UserID: r.UserID,
		Reason: workflow.RevocationReason(r.Reason), RevokedAt: fromDB(r.RevokedAt), Actor: r.Actor, Comment: r.Comment}
}

// Revoke stores the revocation and appends its audit event in one
// transaction (signing/pki.Store). ECONFLICT when the certificate is
// already revoked.
func (d *DB) Revoke(ctx context.Context, r workflow.Revocation, e *workflow.Event) error {
	return d.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		res := d.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(revocationFromDomain(r))
		if res.Error != nil {
			return d.translate(res.Error, "store revocation of %s", r.Serial)
		}
		if res.RowsAffected == 0 {
			return workflow.Errorf(workflow.ECONFLICT, "certificate %s is already revoked", r.Serial)
		}
		return tx.AppendEvent(ctx, e)
	})
}

// Revocation returns the revocation of the certificate issuer/serial;
// ENOTFOUND when it is not revoked. It reads like every plain read (the
// transaction in ctx, else the reader pool, which sees every commit: a
// revocation counts from the moment it commits), so a signature made
// while a transaction holds SQLite's single writer does not wait for it.
func (d *DB) Revocation(ctx context.Context, issuer, serial string) (workflow.Revocation, error) {
	var row revocationRow
	err := d.reader(ctx).q(ctx).Where("issuer = ? AND serial = ?", issuer, serial).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return workflow.Revocation{}, workflow.Errorf(workflow.ENOTFOUND, "certificate %s is not revoked", serial)
	}
	if err != nil {
		return workflow.Revocation{}, d.translate(err, "revocation of %s", serial)
	}
	return row.toDomain(), nil
}

// Revocations returns the issuer's revocations, oldest first.
func (d *DB) Revocations(ctx context.Context, issuer string) ([]workflow.Revocation, error) {
	var rows []revocationRow
	if err := d.reader(ctx).q(ctx).Where("issuer = ?", issuer).Order("revoked_at, serial").Find(&rows).Error; err != nil {
		return nil, d.translate(err, "revocations")
	}
	out := make([]workflow.Revocation, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}
