package gormdb

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// passwordHistoryRow is a password a user had before (its bcrypt hash, as
// users.password_hash held it) and when it was replaced (migration 20).
type passwordHistoryRow struct {
	ID           string    `gorm:"primaryKey"`
	UserID       string    `gorm:"not null;index:password_history_user,priority:1"`
	PasswordHash string    `gorm:"not null"`
	ReplacedAt   time.Time `gorm:"not null;index:password_history_user,priority:2"`
}

func (passwordHistoryRow) TableName() string { return "password_history" }

// passwordHistoryV20 creates password_history. The users who exist have
// none: their current password is the only one known.
func passwordHistoryV20(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable("password_history") {
		return nil
	}
	return g.Table("password_history").Migrator().CreateTable(&passwordHistoryRow{})
}

// PreviousPasswordHashes returns the hashes of the last n passwords
// userID had before the current one, newest first
// (auth.PasswordHistoryReader).
func (d *DB) PreviousPasswordHashes(ctx context.Context, userID string, n int) ([]string, error) {
	var hashes []string
	err := d.conn(ctx).Model(&passwordHistoryRow{}).Where("user_id = ?", userID).
		Order("replaced_at DESC, id DESC").Limit(n).Pluck("password_hash", &hashes).Error
	if err != nil {
		return nil, d.translate(err, "password history")
	}
	return hashes, nil
}

// AddPreviousPassword records hash as a password userID had until at and
// keeps only the keep newest of theirs, inside the transaction of the
// change (auth.PasswordHistoryWriter).
func (c *conn) AddPreviousPassword(ctx context.Context, userID, hash string, at time.Time, keep int) error {
	r := &passwordHistoryRow{ID: workflow.NewID(at), UserID: userID, PasswordHash: hash, ReplacedAt: utc(at)}
	if err := c.q(ctx).Create(r).Error; err != nil {
		return c.db.translate(err, "password history")
	}
	newest := c.q(ctx).Model(&passwordHistoryRow{}).Select("id").Where("user_id = ?", userID).
		Order("replaced_at DESC, id DESC").Limit(keep)
	err := c.q(ctx).Where("user_id = ? AND id NOT IN (?)", userID, newest).Delete(&passwordHistoryRow{}).Error
	if err != nil {
		return c.db.translate(err, "password history")
	}
	return nil
}
