package gormdb

import (
	"context"
	"database/sql"
	"sync"
	"time"

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

// RevocationLease is how long an answer "not revoked" is reused by the
// instance that looked it up (a signature asks for its signer's and the
// time-stamping certificates' status several times per document). The
// instance that stores a revocation forgets its answers at once; another
// one sharing the database may answer "not revoked" for up to this long
// after the revocation committed.
const RevocationLease = time.Second

// revocationCache holds the "not revoked" answers of Revocation, by
// issuer and serial, each with the time it may be reused until.
type revocationCache struct {
	mu  sync.Mutex
	m   map[[2]string]time.Time
	gen uint64 // counts forget calls
}

// fresh reports whether k was found not revoked less than
// RevocationLease ago, and the generation a new answer must be put under.
func (c *revocationCache) fresh(k [2]string, now time.Time) (bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.m[k]
	return ok && now.Before(until), c.gen
}

// put keeps the answer unless a revocation was stored here since it was
// looked up (gen changed).
func (c *revocationCache) put(k [2]string, until time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= 4096 {
		c.m = map[[2]string]time.Time{} // a bound, not a policy: entries live a second
	}
	c.m[k] = until
}

// forget drops every answer (a revocation was stored here).
func (c *revocationCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
	c.gen++
}

// RevocationEpoch changes (grows) every time this DB stores a
// revocation, or forgets its answers (ForgetRevocations). serve sends it
// with each call to its signing workers, which forget theirs when it
// changed: a revocation stored through serve counts for the workers'
// next signature as for serve's own.
func (d *DB) RevocationEpoch() uint64 {
	d.revoked.mu.Lock()
	defer d.revoked.mu.Unlock()
	return d.revoked.gen
}

// ForgetRevocations drops the "not revoked" answers kept for
// RevocationLease: the next Revocation of each certificate reads the
// database.
func (d *DB) ForgetRevocations() { d.revoked.forget() }

// Revoke stores the revocation and appends its audit event in one
// transaction (signing/pki.Store). ECONFLICT when the certificate is
// already revoked. Once it returns, this instance's Revocation finds it.
func (d *DB) Revoke(ctx context.Context, r workflow.Revocation, e *workflow.Event) error {
	err := d.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		res := d.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(revocationFromDomain(r))
		if res.Error != nil {
			return d.translate(res.Error, "store revocation of %s", r.Serial)
		}
		if res.RowsAffected == 0 {
			return workflow.Errorf(workflow.ECONFLICT, "certificate %s is already revoked", r.Serial)
		}
		return tx.AppendEvent(ctx, e)
	})
	d.revoked.forget()
	return err
}

// Revocation returns the revocation of the certificate issuer/serial;
// ENOTFOUND when it is not revoked. It reads like every plain read (the
// transaction in ctx, else the reader pool, which sees every commit: a
// revocation counts from the moment it commits), so a signature made
// while a transaction holds SQLite's single writer does not wait for it.
// Outside a transaction, an answer "not revoked" is reused for
// RevocationLease (forgotten at once by Revoke on this DB).
func (d *DB) Revocation(ctx context.Context, issuer, serial string) (workflow.Revocation, error) {
	k := [2]string{issuer, serial}
	_, inTx := ctx.Value(txKey{}).(*conn)
	inTx = inTx || d.FreshRevocations // no answer reused
	now := time.Now()
	hit, gen := d.revoked.fresh(k, now)
	if hit && !inTx {
		return workflow.Revocation{}, workflow.Errorf(workflow.ENOTFOUND, "certificate %s is not revoked", serial)
	}
	var row revocationRow
	targets := []any{&row.Issuer, &row.Serial, &row.Subject, &row.UserID, &row.Reason, &row.RevokedAt, &row.Actor, &row.Comment}
	found := false
	err := d.reader(ctx).rawRows(ctx, revocationQuery, []any{issuer, serial}, func(rs *sql.Rows) error {
		found = true
		return rs.Scan(targets...)
	})
	if err != nil {
		return workflow.Revocation{}, d.translate(err, "revocation of %s", serial)
	}
	if !found {
		if !inTx {
			d.revoked.put(k, now.Add(RevocationLease), gen)
		}
		return workflow.Revocation{}, workflow.Errorf(workflow.ENOTFOUND, "certificate %s is not revoked", serial)
	}
	return row.toDomain(), nil
}

// revocationQuery is Revocation's read (a signature makes several: the
// signer's and the time-stamping certificates' status).
var revocationQuery = newRawQuery(`SELECT issuer, serial, subject, user_id, reason, revoked_at, actor, comment
 FROM pki_revocations WHERE issuer = ? AND serial = ?`)

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
