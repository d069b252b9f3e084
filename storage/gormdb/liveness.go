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

// serverClock reports whether liveness is judged by the database
// server's clock (ServerClock on PostgreSQL).
func (d *DB) serverClock() bool { return d.ServerClock && d.dialect == "postgres" }

// aliveAfter is the condition on instances.seen_at of an instance renewed
// within stale, and its argument: by the server's clock (now() is the
// transaction's start) or by Now, the clock Heartbeat then renews by.
func (d *DB) aliveAfter(stale time.Duration) (cond string, arg any) {
	if d.serverClock() {
		return aliveByServer, stale.Seconds()
	}
	return aliveByNow, idemTime(d.Now().Add(-stale))
}

// The conditions of aliveAfter.
const (
	aliveByServer = "instances.seen_at >= now() - make_interval(secs => ?)"
	aliveByNow    = "instances.seen_at >= ?"
)

// Heartbeat records that the instance id is alive now (the server's
// clock, or Now to the second), and deletes the rows of instances gone
// for a day.
func (d *DB) Heartbeat(ctx context.Context, id string) error {
	if d.serverClock() {
		err := d.gdb.WithContext(ctx).Exec(`INSERT INTO instances (id, started_at, seen_at) VALUES (?, now(), now())
ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, id).Error
		if err != nil {
			return d.translate(err, "heartbeat of instance %s", id)
		}
		err = d.gdb.WithContext(ctx).Exec(`DELETE FROM instances WHERE seen_at < now() - make_interval(secs => ?)`,
			instanceGone.Seconds()).Error
		return d.translate(err, "delete the rows of instances gone")
	}
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
func (d *DB) DeadInstances(ctx context.Context, ids []string, stale time.Duration) (map[string]bool, error) {
	dead, err := d.deadInstances(d.conn(ctx), ids, stale)
	return dead, d.translate(err, "liveness of instances")
}

// DeadInstances implements workflow.Liveness: those of ids with no row
// renewed within stale.
func (c *conn) DeadInstances(ctx context.Context, ids []string, stale time.Duration) (map[string]bool, error) {
	dead, err := c.db.deadInstances(c.q(ctx), ids, stale)
	return dead, c.db.translate(err, "liveness of instances")
}

func (d *DB) deadInstances(g *gorm.DB, ids []string, stale time.Duration) (map[string]bool, error) {
	dead := map[string]bool{}
	if len(ids) == 0 {
		return dead, nil
	}
	cond, arg := d.aliveAfter(stale)
	var alive []string
	if err := g.Model(&instanceRow{}).Where("id IN ? AND "+cond, ids, arg).Pluck("id", &alive).Error; err != nil {
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
