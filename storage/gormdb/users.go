package gormdb

import (
	"context"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// User returns the user with id, or ENOTFOUND.
func (c *conn) User(ctx context.Context, id string) (_ *workflow.User, err error) {
	query := userByIDSQLite
	if c.pg() {
		query = userByIDPG
	}
	ctx = c.pointRead(ctx)
	g := c.g
	start := time.Now()
	defer func() {
		g.Logger.Trace(ctx, start, func() (string, int64) { return query, 0 }, err)
	}()
	var r userRow
	err = g.Statement.ConnPool.QueryRowContext(ctx, query, id).Scan(&r.ID, &r.Username, &r.FullName, &r.Title, &r.Unit,
		&r.Roles, &r.PasswordHash, boolDest{&r.Disabled}, &r.SigningKeyURI, &r.CertPEM, &r.SignatureImage, &r.PersonalID,
		boolDest{&r.MustChangePassword}, timeDest{&r.CreatedAt})
	if err != nil {
		return nil, c.db.translate(err, "user %s", id)
	}
	return r.toDomain(), nil
}

// userColumns are the columns of a user, in userRow's order (User,
// SessionUser: read without gorm's reflection, on every action).
const userColumns = "id, username, full_name, title, unit, roles, password_hash, disabled, signing_key_uri, cert_pem, signature_image, personal_id, must_change_password"

// User's statement on each database (SQLite's times as text: see
// selectDocuments).
const (
	userByIDPG     = "SELECT " + userColumns + ", created_at FROM users WHERE id = $1"
	userByIDSQLite = "SELECT " + userColumns + ", CAST(created_at AS TEXT) FROM users WHERE id = ?"
)

// UserByUsername returns the user, or ENOTFOUND. Usernames match exactly.
func (c *conn) UserByUsername(ctx context.Context, username string) (*workflow.User, error) {
	var r userRow
	if err := c.q(ctx).Where("username = ?", username).Take(&r).Error; err != nil {
		return nil, c.db.translate(err, "user %q", username)
	}
	return r.toDomain(), nil
}

// Users lists every user by username.
func (c *conn) Users(ctx context.Context) ([]*workflow.User, error) {
	var rows []userRow
	if err := c.q(ctx).Order("username").Find(&rows).Error; err != nil {
		return nil, c.db.translate(err, "list users")
	}
	users := make([]*workflow.User, len(rows))
	for i := range rows {
		users[i] = rows[i].toDomain()
	}
	return users, nil
}

// CreateUser inserts u: ECONFLICT if the username (or ID) is taken.
func (c *conn) CreateUser(ctx context.Context, u *workflow.User) error {
	if u.ID == "" || u.Username == "" {
		return workflow.Errorf(workflow.EINVALID, "user needs an id and a username")
	}
	if err := c.checkBlobRefs(ctx, []string{u.SignatureImage}); err != nil {
		return err
	}
	if err := c.q(ctx).Create(userFromDomain(u)).Error; err != nil {
		return c.db.translate(err, "create user %q", u.Username)
	}
	return nil
}

// UpdateUser writes every field of u: ENOTFOUND if there is no such user,
// ECONFLICT if it takes another user's username. An update that keeps
// the signature image the committed row has adds no reference (the row
// refers to it all along, under the update's row lock): it is tried
// first, guarded on that image, and only a change of image checks the
// blob claims.
func (c *conn) UpdateUser(ctx context.Context, u *workflow.User) error {
	if u.SignatureImage != "" {
		res := c.q(ctx).Model(&userRow{}).Where("id = ? AND signature_image = ?", u.ID, u.SignatureImage).Select("*").Omit("id").Updates(userFromDomain(u))
		if res.Error != nil {
			return c.db.translate(res.Error, "update user %s", u.ID)
		}
		if res.RowsAffected == 1 {
			return nil
		}
	}
	if err := c.checkBlobRefs(ctx, []string{u.SignatureImage}); err != nil {
		return err
	}
	res := c.q(ctx).Model(&userRow{}).Where("id = ?", u.ID).Select("*").Omit("id").Updates(userFromDomain(u))
	if res.Error != nil {
		return c.db.translate(res.Error, "update user %s", u.ID)
	}
	if res.RowsAffected == 0 {
		return workflow.Errorf(workflow.ENOTFOUND, "user %s not found", u.ID)
	}
	return nil
}

// CreateSession stores a login session: ECONFLICT if the token hash exists.
func (c *conn) CreateSession(ctx context.Context, s *workflow.Session) error {
	r := &sessionRow{TokenHash: s.TokenHash, UserID: s.UserID, CreatedAt: utc(s.CreatedAt), ExpiresAt: utc(s.ExpiresAt)}
	if err := c.q(ctx).Create(r).Error; err != nil {
		return c.db.translate(err, "create session")
	}
	return nil
}

// DeleteUserSessions ends every session of a user (a password reset) and
// returns how many it ended; inside the transaction of the change.
func (c *conn) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	res := c.q(ctx).Where("user_id = ?", userID).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, c.db.translate(res.Error, "delete user sessions")
	}
	return res.RowsAffected, nil
}

// DeleteOtherSessions ends every session of a user but the one of token
// hash keep (the user's own password change, made in that session) and
// returns how many it ended; inside the transaction of the change.
// Implements auth.OtherSessionEnder.
func (c *conn) DeleteOtherSessions(ctx context.Context, userID, keep string) (int64, error) {
	res := c.q(ctx).Where("user_id = ? AND token_hash <> ?", userID, keep).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, c.db.translate(res.Error, "delete other sessions")
	}
	return res.RowsAffected, nil
}

// Session returns the session of a token hash if it has not expired (by
// DB.Now), or ENOTFOUND.
func (c *conn) Session(ctx context.Context, tokenHash string) (*workflow.Session, error) {
	var r sessionRow
	err := c.q(ctx).Where("token_hash = ? AND expires_at > ?", tokenHash, utc(c.db.Now())).Take(&r).Error
	if err != nil {
		return nil, c.db.translate(err, "session")
	}
	return &workflow.Session{TokenHash: r.TokenHash, UserID: r.UserID, CreatedAt: fromDB(r.CreatedAt), ExpiresAt: fromDB(r.ExpiresAt)}, nil
}

// SessionUser returns a live session and its user in one query (an
// authenticated request whose session is not cached needs both):
// ENOTFOUND when there is no live session of tokenHash, or its user is
// gone. Implements auth.SessionUserReader.
func (c *conn) SessionUser(ctx context.Context, tokenHash string) (sess *workflow.Session, u *workflow.User, err error) {
	cols := []string{"u.id", "u.username", "u.full_name", "u.title", "u.unit", "u.roles", "u.password_hash", "u.disabled",
		"u.signing_key_uri", "u.cert_pem", "u.signature_image", "u.personal_id", "u.must_change_password", "u.created_at", "s.created_at", "s.expires_at"}
	if !c.pg() {
		for _, i := range []int{13, 14, 15} { // times as text: see selectDocuments
			cols[i] = "CAST(" + cols[i] + " AS TEXT)"
		}
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? LIMIT 1"
	if c.pg() {
		query = dollarPlaceholders(query)
	}
	ctx = c.pointRead(ctx)
	g := c.g
	start := time.Now()
	defer func() {
		g.Logger.Trace(ctx, start, func() (string, int64) { return query, 0 }, err)
	}()
	var r userRow
	sess = &workflow.Session{TokenHash: tokenHash}
	row := g.Statement.ConnPool.QueryRowContext(ctx, query, tokenHash, utc(c.db.Now()))
	err = row.Scan(&r.ID, &r.Username, &r.FullName, &r.Title, &r.Unit, &r.Roles, &r.PasswordHash, boolDest{&r.Disabled},
		&r.SigningKeyURI, &r.CertPEM, &r.SignatureImage, &r.PersonalID, boolDest{&r.MustChangePassword}, timeDest{&r.CreatedAt}, timeDest{&sess.CreatedAt}, timeDest{&sess.ExpiresAt})
	if err != nil {
		return nil, nil, c.db.translate(err, "session")
	}
	sess.UserID, sess.CreatedAt, sess.ExpiresAt = r.ID, fromDB(sess.CreatedAt), fromDB(sess.ExpiresAt)
	return sess, r.toDomain(), nil
}

// SessionUser implements auth.SessionUserReader.
func (d *DB) SessionUser(ctx context.Context, tokenHash string) (*workflow.Session, *workflow.User, error) {
	return d.reader(ctx).SessionUser(ctx, tokenHash)
}
