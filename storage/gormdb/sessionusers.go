package gormdb

import (
	"context"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// maxSessionBatch bounds the token hashes one SessionUsers statement
// names; more are read in several statements.
const maxSessionBatch = 256

// SessionUsers returns the live sessions among tokenHashes and their
// users, in one statement per maxSessionBatch hashes (the auth session
// cache reads its entries again together, ahead of their leases): a hash
// without a live session (by DB.Now), or whose user is gone, is left out.
// Implements auth.SessionUsersReader.
func (c *conn) SessionUsers(ctx context.Context, tokenHashes []string) ([]*workflow.Session, []*workflow.User, error) {
	var sessions []*workflow.Session
	var users []*workflow.User
	for len(tokenHashes) > 0 {
		n := min(len(tokenHashes), maxSessionBatch)
		if err := c.sessionUsers(ctx, tokenHashes[:n], func(s *workflow.Session, u *workflow.User) {
			sessions, users = append(sessions, s), append(users, u)
		}); err != nil {
			return nil, nil, err
		}
		tokenHashes = tokenHashes[n:]
	}
	return sessions, users, nil
}

func (c *conn) sessionUsers(ctx context.Context, hashes []string, fn func(*workflow.Session, *workflow.User)) (err error) {
	cols := []string{"u.id", "u.username", "u.full_name", "u.title", "u.unit", "u.roles", "u.password_hash", "u.disabled",
		"u.signing_key_uri", "u.cert_pem", "u.signature_image", "u.personal_id", "u.must_change_password", "u.created_at", "s.token_hash", "s.created_at", "s.expires_at"}
	if !c.pg() {
		for _, i := range []int{13, 15, 16} { // times as text: see selectDocuments
			cols[i] = "CAST(" + cols[i] + " AS TEXT)"
		}
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.expires_at > ? AND s.token_hash "
	args := []any{utc(c.db.Now())}
	if c.pg() {
		// One statement whatever the number of hashes: an array.
		query = dollarPlaceholders(query + "= ANY(?)")
		args = append(args, hashes)
	} else {
		query += "IN (?" + strings.Repeat(", ?", len(hashes)-1) + ")"
		for _, h := range hashes {
			args = append(args, h)
		}
	}
	g, start, n := c.g, time.Now(), int64(0)
	defer func() {
		g.Logger.Trace(ctx, start, func() (string, int64) { return query, n }, err)
	}()
	rows, err := g.Statement.ConnPool.QueryContext(c.pointRead(ctx), query, args...)
	if err != nil {
		return c.db.translate(err, "sessions")
	}
	defer rows.Close()
	for rows.Next() {
		var r userRow
		sess := &workflow.Session{}
		if err := rows.Scan(&r.ID, &r.Username, &r.FullName, &r.Title, &r.Unit, &r.Roles, &r.PasswordHash, boolDest{&r.Disabled},
			&r.SigningKeyURI, &r.CertPEM, &r.SignatureImage, &r.PersonalID, boolDest{&r.MustChangePassword}, timeDest{&r.CreatedAt}, &sess.TokenHash, timeDest{&sess.CreatedAt}, timeDest{&sess.ExpiresAt}); err != nil {
			return c.db.translate(err, "sessions")
		}
		sess.UserID, sess.CreatedAt, sess.ExpiresAt = r.ID, fromDB(sess.CreatedAt), fromDB(sess.ExpiresAt)
		fn(sess, r.toDomain())
		n++
	}
	if err := rows.Err(); err != nil {
		return c.db.translate(err, "sessions")
	}
	return nil
}

// SessionUsers implements auth.SessionUsersReader.
func (d *DB) SessionUsers(ctx context.Context, tokenHashes []string) ([]*workflow.Session, []*workflow.User, error) {
	return d.reader(ctx).SessionUsers(ctx, tokenHashes)
}
