package gormdb

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// passwordHistoryRow is a password a user had before (its bcrypt hash, as
// users.password_hash held it) and when it was replaced (migration 20).
// Seq numbers a user's rows in the order they were written (migration
// 24): the newest are the highest, whatever the clocks of the instances
// that wrote them said (a clock stepped back, two instances' clocks
// apart, a clock standing still in a test); rows written before it have 0
// and are older than any with a number.
type passwordHistoryRow struct {
	ID           string    `gorm:"primaryKey"`
	UserID       string    `gorm:"not null;index:password_history_user,priority:1"`
	PasswordHash string    `gorm:"not null"`
	ReplacedAt   time.Time `gorm:"not null;index:password_history_user,priority:2"`
	Seq          int64     `gorm:"not null;default:0"`
}

// historyOrder is a user's password history, newest first.
const historyOrder = "seq DESC, replaced_at DESC, id DESC"

func (passwordHistoryRow) TableName() string { return "password_history" }

// passwordHistoryV20 creates password_history. The users who exist have
// none: their current password is the only one known.
func passwordHistoryV20(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable("password_history") {
		return nil
	}
	return g.Table("password_history").Migrator().CreateTable(&passwordHistoryRow{})
}

// passwordHistorySeqV24 adds password_history.seq (a fresh database has
// it from passwordHistoryV20, which creates the table as it is now).
func passwordHistorySeqV24(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasColumn(&passwordHistoryRow{}, "seq") {
		return nil
	}
	// As gorm declares it in a fresh table (mailOutboxFailedV23).
	return g.Migrator().AddColumn(&passwordHistoryRow{}, "Seq")
}

// PreviousPasswordHashes returns the hashes of the last n passwords
// userID had before the current one, newest first
// (auth.PasswordHistoryReader).
func (d *DB) PreviousPasswordHashes(ctx context.Context, userID string, n int) ([]string, error) {
	var hashes []string
	err := d.conn(ctx).Model(&passwordHistoryRow{}).Where("user_id = ?", userID).
		Order(historyOrder).Limit(n).Pluck("password_hash", &hashes).Error
	if err != nil {
		return nil, d.translate(err, "password history")
	}
	return hashes, nil
}

// AddPreviousPassword records hash as a password userID had until at and
// keeps only the keep newest of theirs, inside the transaction of the
// change (auth.PasswordHistoryWriter).
func (c *conn) AddPreviousPassword(ctx context.Context, userID, hash string, at time.Time, keep int) error {
	var last int64
	err := c.q(ctx).Model(&passwordHistoryRow{}).Select("COALESCE(MAX(seq), 0)").Where("user_id = ?", userID).Scan(&last).Error
	if err != nil {
		return c.db.translate(err, "password history")
	}
	r := &passwordHistoryRow{ID: workflow.NewID(at), UserID: userID, PasswordHash: hash, ReplacedAt: utc(at), Seq: last + 1}
	if err := c.q(ctx).Create(r).Error; err != nil {
		return c.db.translate(err, "password history")
	}
	newest := c.q(ctx).Model(&passwordHistoryRow{}).Select("id").Where("user_id = ?", userID).
		Order(historyOrder).Limit(keep)
	err = c.q(ctx).Where("user_id = ? AND id NOT IN (?)", userID, newest).Delete(&passwordHistoryRow{}).Error
	if err != nil {
		return c.db.translate(err, "password history")
	}
	return nil
}
