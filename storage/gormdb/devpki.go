package gormdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// devPKIRow is one entry of the development PKI (a PEM bundle of key and
// certificates, sealed when a secret is configured) kept in the database,
// so that every instance sharing the database signs under one root.
type devPKIRow struct {
	Name      string    `gorm:"primaryKey"`
	Data      []byte    `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null;autoUpdateTime:false"`
}

func (devPKIRow) TableName() string { return "dev_pki" }

// DevPKIStore keeps the development PKI in the dev_pki table; it
// implements signing/keys.PKIStore. Creation is first-writer-wins on the
// primary key (INSERT ... ON CONFLICT DO NOTHING), which is atomic across
// instances on PostgreSQL and SQLite alike.
type DevPKIStore struct{ d *DB }

// DevPKIStore returns the store of the development PKI (the dev_pki table).
func (d *DB) DevPKIStore() *DevPKIStore { return &DevPKIStore{d: d} }

// Get returns the entry; an error wrapping fs.ErrNotExist when absent.
func (s *DevPKIStore) Get(ctx context.Context, name string) ([]byte, error) {
	var r devPKIRow
	err := s.d.gdb.WithContext(ctx).Where("name = ?", name).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("dev PKI entry %s: %w", name, fs.ErrNotExist)
	}
	if err != nil {
		return nil, s.d.translate(err, "read dev PKI entry %s", name)
	}
	return r.Data, nil
}

// PutIfAbsent inserts the entry unless it exists; it reports whether this
// call inserted it.
func (s *DevPKIStore) PutIfAbsent(ctx context.Context, name string, data []byte) (bool, error) {
	res := s.d.gdb.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&devPKIRow{Name: name, Data: data, UpdatedAt: utc(s.d.Now())})
	if res.Error != nil {
		return false, s.d.translate(res.Error, "store dev PKI entry %s", name)
	}
	return res.RowsAffected == 1, nil
}

// Replace inserts or replaces the entry.
func (s *DevPKIStore) Replace(ctx context.Context, name string, data []byte) error {
	err := s.d.gdb.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"data", "updated_at"})}).
		Create(&devPKIRow{Name: name, Data: data, UpdatedAt: utc(s.d.Now())}).Error
	return s.d.translate(err, "store dev PKI entry %s", name)
}
