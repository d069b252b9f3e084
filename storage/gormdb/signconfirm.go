package gormdb

import (
	"context"
	"time"
)

// A signature's confirmation by password (web/signer.go) is remembered
// with the session, in sessions.sign_confirmed_at, so that every
// instance sharing the database reads it (auth.SignConfirmStore). It
// goes with the session (a logout, a reset password, an expiry) and is
// forgotten for a user's sessions when their account is locked out or
// their password changed.

// SetSignConfirmed records that the session of tokenHash confirmed a
// signature at at. A missing session is not an error (it ended meanwhile:
// there is nothing to remember).
func (d *DB) SetSignConfirmed(ctx context.Context, tokenHash string, at time.Time) error {
	return (&conn{g: d.conn(ctx), db: d}).SetSignConfirmed(ctx, tokenHash, at)
}

// SignConfirmed returns when the session of tokenHash last confirmed a
// signature: the zero time for none, a forgotten one, or no such live
// session.
func (d *DB) SignConfirmed(ctx context.Context, tokenHash string) (time.Time, error) {
	var ms []int64
	err := d.conn(ctx).Model(&sessionRow{}).Where("token_hash = ? AND expires_at > ?", tokenHash, utc(d.Now())).
		Limit(1).Pluck("sign_confirmed_at", &ms).Error
	if err != nil {
		return time.Time{}, d.translate(err, "sign confirmed")
	}
	if len(ms) == 0 || ms[0] == 0 {
		return time.Time{}, nil
	}
	return fromMillis(ms[0]), nil
}

// ForgetSignConfirmed forgets the confirmations of every session of
// userID.
func (d *DB) ForgetSignConfirmed(ctx context.Context, userID string) error {
	return (&conn{g: d.conn(ctx), db: d}).ForgetSignConfirmed(ctx, userID)
}

// SetSignConfirmed is DB.SetSignConfirmed in the transaction.
func (c *conn) SetSignConfirmed(ctx context.Context, tokenHash string, at time.Time) error {
	err := c.q(ctx).Model(&sessionRow{}).Where("token_hash = ?", tokenHash).Update("sign_confirmed_at", millis(at)).Error
	if err != nil {
		return c.db.translate(err, "set sign confirmed")
	}
	return nil
}

// ForgetSignConfirmed is DB.ForgetSignConfirmed in the transaction (a
// password change forgets them with the change).
func (c *conn) ForgetSignConfirmed(ctx context.Context, userID string) error {
	err := c.q(ctx).Model(&sessionRow{}).Where("user_id = ? AND sign_confirmed_at <> 0", userID).
		Update("sign_confirmed_at", 0).Error
	if err != nil {
		return c.db.translate(err, "forget sign confirmed")
	}
	return nil
}
