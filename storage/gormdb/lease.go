package gormdb

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// leaseRow is a named lease: at most one holder until it expires. Jobs
// that several instances on one database would otherwise all run (the
// fixity audit) take it first.
type leaseRow struct {
	Name      string    `gorm:"primaryKey"`
	Holder    string    `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null"`
}

func (leaseRow) TableName() string { return "leases" }

// TryLease takes the lease name for holder until now+ttl, or extends it
// when holder already has it. It reports false while another holder's
// lease has not expired. One statement (an upsert guarded by expiry or
// holder), so two instances never both get it.
func (d *DB) TryLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := utc(d.Now())
	res := d.gdb.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "name"}},
		DoUpdates: clause.Set{{Column: clause.Column{Name: "holder"}, Value: holder},
			{Column: clause.Column{Name: "expires_at"}, Value: now.Add(ttl)}},
		Where: clause.Where{Exprs: []clause.Expression{clause.Or(
			clause.Lt{Column: clause.Column{Table: "leases", Name: "expires_at"}, Value: now},
			clause.Eq{Column: clause.Column{Table: "leases", Name: "holder"}, Value: holder})}},
	}).Create(&leaseRow{Name: name, Holder: holder, ExpiresAt: now.Add(ttl)})
	if res.Error != nil {
		return false, d.translate(res.Error, "lease %s", name)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease ends holder's lease name (a no-op if another holds it).
func (d *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	err := d.gdb.WithContext(ctx).Where("name = ? AND holder = ?", name, holder).Delete(&leaseRow{}).Error
	return d.translate(err, "release lease %s", name)
}
