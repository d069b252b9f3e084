package gormdb

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/vanthu/vanthu/workflow"
)

// instanceRow is a running `vanthu serve` process: it renews SeenAt every
// few seconds (Heartbeat) and deletes its row when it stops (Retire). A
// row not renewed since the stale time, or none, is an instance known
// dead: the register numbers and idempotency keys it holds (their holder
// column) are taken over at once instead of after their TTL or lease.
type instanceRow struct {
	ID        string    `gorm:"primaryKey"`
	StartedAt time.Time `gorm:"not null"`
	SeenAt    time.Time `gorm:"not null"`
}

func (instanceRow) TableName() string { return "instances" }

var (
	_ workflow.Liveness = (*conn)(nil)
	_ workflow.Liveness = (*DB)(nil)
)

// instanceGone is how long the row of an instance that stopped without
// retiring (kill -9) is kept before a heartbeat deletes it; no holder
// outlives VANTHU_RESERVATION_TTL or the idempotency lease by this much.
const instanceGone = 24 * time.Hour

// livenessV14 creates instances and the holder columns of
// register_reservations and idempotency_keys (text, not null, default
// empty: a row written before, or by an older program, has no holder and
// waits for its TTL or lease as before).
func livenessV14(_ context.Context, _ *DB, g *gorm.DB) error {
	if !g.Migrator().HasTable("instances") {
		if err := g.Table("instances").Migrator().CreateTable(&instanceRow{}); err != nil {
			return err
		}
	}
	for _, table := range []string{"register_reservations", "idempotency_keys"} {
		if g.Migrator().HasColumn(table, "holder") {
			continue
		}
		if err := g.Exec(`ALTER TABLE ` + table + ` ADD COLUMN holder text NOT NULL DEFAULT ''`).Error; err != nil {
			return err
		}
	}
	return nil
}

// Heartbeat records that the instance id is alive now (DB.Now, to the
// second), and deletes the rows of instances gone for a day.
func (d *DB) Heartbeat(ctx context.Context, id string) error {
	now := idemTime(d.Now())
	err := d.gdb.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.Set{{Column: clause.Column{Name: "seen_at"}, Value: now}},
	}).Create(&instanceRow{ID: id, StartedAt: now, SeenAt: now}).Error
	if err != nil {
		return d.translate(err, "heartbeat of instance %s", id)
	}
	err = d.gdb.WithContext(ctx).Where("seen_at < ?", now.Add(-instanceGone)).Delete(&instanceRow{}).Error
	return d.translate(err, "delete the rows of instances gone")
}

// Retire deletes the instance's row: it stops, and what it still holds
// may be taken over at once.
func (d *DB) Retire(ctx context.Context, id string) error {
	err := d.gdb.WithContext(ctx).Where("id = ?", id).Delete(&instanceRow{}).Error
	return d.translate(err, "retire instance %s", id)
}

// DeadInstances implements workflow.Liveness.
func (d *DB) DeadInstances(ctx context.Context, ids []string, aliveSince time.Time) (map[string]bool, error) {
	dead, err := deadInstances(d.conn(ctx), ids, aliveSince)
	return dead, d.translate(err, "liveness of instances")
}

// DeadInstances implements workflow.Liveness: those of ids with no row
// renewed at or after aliveSince.
func (c *conn) DeadInstances(ctx context.Context, ids []string, aliveSince time.Time) (map[string]bool, error) {
	dead, err := deadInstances(c.q(ctx), ids, aliveSince)
	return dead, c.db.translate(err, "liveness of instances")
}

func deadInstances(g *gorm.DB, ids []string, aliveSince time.Time) (map[string]bool, error) {
	dead := map[string]bool{}
	if len(ids) == 0 {
		return dead, nil
	}
	var alive []string
	if err := g.Model(&instanceRow{}).Where("id IN ? AND seen_at >= ?", ids, idemTime(aliveSince)).Pluck("id", &alive).Error; err != nil {
		return nil, err
	}
	for _, id := range ids {
		dead[id] = true
	}
	for _, id := range alive {
		delete(dead, id)
	}
	return dead, nil
}
