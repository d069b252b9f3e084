package gormdb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// throttleRow is the failed-login state of one throttle key
// (auth.Throttle: "account:NAME" or "address:IP"), shared by every
// instance on the database (migration 21). Times are Unix milliseconds:
// the lockout is computed in the UPSERT's SQL, and integer arithmetic is
// the same on SQLite and PostgreSQL. A row whose last failure is older
// than the throttle's Forget and that is not locked counts as no row
// (the next failure starts afresh; SweepThrottle deletes it).
type throttleRow struct {
	ThrottleKey string `gorm:"primaryKey"`
	Failures    int    `gorm:"not null"`
	// LockedUntil is until when the key is locked out (0: never locked).
	LockedUntil int64 `gorm:"not null"`
	// LockFailures is the failure count at which the current lockout
	// began: the one failure whose UPSERT returns Failures ==
	// LockFailures locked the key (its instance writes the audit event).
	LockFailures int   `gorm:"not null"`
	LastFailure  int64 `gorm:"not null;index:login_throttle_last_failure"`
}

func (throttleRow) TableName() string { return "login_throttle" }

// loginThrottleV21 creates login_throttle.
func loginThrottleV21(_ context.Context, _ *DB, g *gorm.DB) error {
	if g.Migrator().HasTable("login_throttle") { // a re-run over a database whose schema_migrations was lost
		return nil
	}
	return g.Table("login_throttle").Migrator().CreateTable(&throttleRow{})
}

// writer is the connection of ctx's transaction, or the pool that writes
// (on SQLite reader's pool is read-only).
func (d *DB) writer(ctx context.Context) *conn {
	if t, ok := ctx.Value(txKey{}).(*conn); ok && t.db == d {
		return t
	}
	return &conn{g: d.gdb, db: d}
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// ThrottleRead returns the stored failures and lockout of each of keys
// at now, in keys' order, in one read by primary key (auth.ThrottleStore).
// A key without a row, or whose row is older than forget and not locked,
// has no failures.
func (d *DB) ThrottleRead(ctx context.Context, keys []string, now time.Time, forget time.Duration) (failures []int, until []time.Time, err error) {
	failures, until = make([]int, len(keys)), make([]time.Time, len(keys))
	if len(keys) == 0 {
		return failures, until, nil
	}
	var rows []throttleRow
	if err := d.reader(ctx).q(ctx).Where("throttle_key IN ?", keys).Find(&rows).Error; err != nil {
		return nil, nil, d.translate(err, "read the login throttle")
	}
	nowMS, forgetMS := millis(now), millis(now.Add(-forget))
	for _, r := range rows {
		if r.LockedUntil <= nowMS && r.LastFailure < forgetMS {
			continue
		}
		for i, k := range keys {
			if k == r.ThrottleKey {
				failures[i], until[i] = r.Failures, fromMillis(r.LockedUntil)
			}
		}
	}
	return failures, until, nil
}

// ThrottleFail records one failed login of key at now in one UPSERT whose
// SQL does the arithmetic, so that failures on several instances at once
// all count (auth.ThrottleStore): the count goes up by one (or starts at
// one when the row is older than forget and not locked); past free the
// key is locked until now + steps[failures-free-1] (the last step for any
// further one). It returns the count after this failure, the lockout,
// and whether this failure began the lockout (the key was not locked
// before it): across instances, exactly one failure says so per lockout.
func (d *DB) ThrottleFail(ctx context.Context, key string, free int, steps []time.Duration, forget time.Duration, now time.Time) (failures int, until time.Time, locked bool, err error) {
	var lockedUntil int64
	var lockFailures int
	q := throttleFailSQL(free, steps)
	err = d.writer(ctx).rawRows(ctx, q, []any{key, millis(now), millis(now.Add(-forget))}, func(rs *sql.Rows) error {
		return rs.Scan(&failures, &lockedUntil, &lockFailures)
	})
	if err == nil && failures == 0 {
		err = fmt.Errorf("the UPSERT returned no row")
	}
	if err != nil {
		return 0, time.Time{}, false, d.translate(err, "record a failed login")
	}
	return failures, fromMillis(lockedUntil), failures > free && failures == lockFailures, nil
}

// throttleFailSQL is ThrottleFail's statement for free and steps (their
// numbers are written into it: they come from the program's settings,
// not from a request). Parameters: 1 the key, 2 now, 3 now - forget (ms).
// n is the count after this failure; the lockout begins (lock_failures =
// n) when n passes free while the key is not locked.
func throttleFailSQL(free int, steps []time.Duration) rawQuery {
	const stale = `(login_throttle.last_failure < CAST($3 AS bigint) AND login_throttle.locked_until <= CAST($2 AS bigint))`
	n := `(CASE WHEN ` + stale + ` THEN 1 ELSE login_throttle.failures + 1 END)`
	f := strconv.Itoa(free)
	var lock strings.Builder
	lock.WriteString("(CASE")
	for i, s := range steps[:len(steps)-1] {
		fmt.Fprintf(&lock, " WHEN %s - %s <= %d THEN %d", n, f, i+1, s.Milliseconds())
	}
	fmt.Fprintf(&lock, " ELSE %d END)", steps[len(steps)-1].Milliseconds())
	q := `INSERT INTO login_throttle (throttle_key, failures, locked_until, lock_failures, last_failure)
VALUES (CAST($1 AS text), 1, 0, 0, CAST($2 AS bigint))
ON CONFLICT (throttle_key) DO UPDATE SET
  failures = ` + n + `,
  locked_until = CASE WHEN ` + n + ` > ` + f + ` THEN CAST($2 AS bigint) + ` + lock.String() + ` ELSE login_throttle.locked_until END,
  lock_failures = CASE WHEN ` + n + ` > ` + f + ` AND login_throttle.locked_until <= CAST($2 AS bigint) THEN ` + n + `
    WHEN ` + stale + ` THEN 0 ELSE login_throttle.lock_failures END,
  last_failure = CAST($2 AS bigint)
RETURNING failures, locked_until, lock_failures`
	// SQLite numbers its parameters ?1, ?2...
	return rawQuery{sqlite: strings.ReplaceAll(q, "$", "?"), pg: q}
}

// ThrottleClear deletes the failures and lockout of key (a successful
// login of its account, an admin's unlock) and returns until when it was
// locked (zero: no lockout stored; auth.ThrottleStore).
func (d *DB) ThrottleClear(ctx context.Context, key string) (time.Time, error) {
	var until int64
	err := d.writer(ctx).rawRows(ctx, newRawQuery(`DELETE FROM login_throttle WHERE throttle_key = ? RETURNING locked_until`),
		[]any{key}, func(rs *sql.Rows) error { return rs.Scan(&until) })
	if err != nil {
		return time.Time{}, d.translate(err, "clear the login throttle")
	}
	return fromMillis(until), nil
}

// ThrottleLocked returns every key locked out at now with its lockout
// (auth.ThrottleStore: an admin's list of accounts).
func (d *DB) ThrottleLocked(ctx context.Context, now time.Time) (map[string]time.Time, error) {
	var rows []throttleRow
	if err := d.reader(ctx).q(ctx).Where("locked_until > ?", millis(now)).Find(&rows).Error; err != nil {
		return nil, d.translate(err, "read the login lockouts")
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.ThrottleKey] = fromMillis(r.LockedUntil)
	}
	return out, nil
}

// SweepThrottle deletes the rows whose last failure is older than forget
// and that are not locked at now (they count as none already), and
// returns how many (auth.ThrottleStore).
func (d *DB) SweepThrottle(ctx context.Context, now time.Time, forget time.Duration) (int64, error) {
	res := d.conn(ctx).Exec(`DELETE FROM login_throttle WHERE last_failure < ? AND locked_until <= ?`,
		millis(now.Add(-forget)), millis(now))
	if res.Error != nil {
		return 0, d.translate(res.Error, "sweep the login throttle")
	}
	return res.RowsAffected, nil
}
