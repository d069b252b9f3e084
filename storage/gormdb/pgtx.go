package gormdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// On PostgreSQL a transaction is vanthu's own, on one connection of the
// pool held for its duration, instead of database/sql's: BEGIN is not
// sent when the transaction starts but with its first statement, and
// when that statement is a document read (LockDocument, the first
// statement of every transition) in the same round trip — pgx's batch:
// Bind/Execute of BEGIN, then of the read, one Sync. The document reads
// inside it go to pgx's connection itself, as those outside do
// (pgread.go). gorm runs its statements through the held connection
// (pgTx is its ConnPool, and a TxCommitter, so a nested Atomic is a
// savepoint as before).

// pgTx is a transaction on the held connection sc. begun says BEGIN was
// sent (or is on its way with a statement).
type pgTx struct {
	db  *DB
	sc  *sql.Conn
	ctx context.Context

	mu    sync.Mutex
	begun bool
	err   error // BEGIN's failure, returned by Commit
}

var (
	_ gorm.ConnPool    = (*pgTx)(nil)
	_ gorm.TxCommitter = (*pgTx)(nil)
)

// pgTransaction runs fn in a pgTx: gdb's statements go through it. fn's
// error, or a panic, rolls it back; else it commits.
func (d *DB) pgTransaction(ctx context.Context, fn func(g *gorm.DB) error) (err error) {
	pool, ok := d.gdb.Statement.ConnPool.(*sql.DB)
	if !ok {
		return fmt.Errorf("postgres pool is a %T", d.gdb.Statement.ConnPool)
	}
	sc, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	t := &pgTx{db: d, sc: sc, ctx: ctx}
	g := d.gdb.Session(&gorm.Session{Context: ctx, NewDB: true})
	g.Statement.ConnPool = t
	panicked := true
	defer func() {
		if panicked || err != nil {
			_ = t.Rollback() // a connection left in a transaction is dropped by the pool
		}
		sc.Close()
	}()
	err = fn(g)
	if err == nil {
		err = t.Commit()
	}
	panicked = false
	return err
}

// begin sends BEGIN unless it was sent.
func (t *pgTx) begin(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.begun {
		return t.err
	}
	t.begun = true
	if _, err := t.sc.ExecContext(ctx, "begin"); err != nil {
		t.err = err
	}
	return t.err
}

// Commit commits, if anything began: an aborted transaction's COMMIT
// (answered ROLLBACK) is pgx.ErrTxCommitRollback, as pgx's own Tx says.
func (t *pgTx) Commit() error {
	t.mu.Lock()
	begun, err := t.begun, t.err
	t.mu.Unlock()
	if !begun || err != nil {
		return err
	}
	return t.sc.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", dc)
		}
		tag, err := sc.Conn().Exec(t.ctx, "commit")
		if err == nil && tag.String() == "ROLLBACK" {
			return pgx.ErrTxCommitRollback
		}
		return err
	})
}

// Rollback rolls back, if anything began. A connection whose rollback
// failed stays in its transaction, and the pool drops it before it is
// used again (pgx's ResetSession).
func (t *pgTx) Rollback() error {
	t.mu.Lock()
	begun := t.begun
	t.mu.Unlock()
	if !begun {
		return nil
	}
	_, err := t.sc.ExecContext(context.WithoutCancel(t.ctx), "rollback")
	return err
}

func (t *pgTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.sc.PrepareContext(ctx, query)
}

// ExecContext sends a BEGIN not sent yet with the statement, in one
// round trip, when the statement has a name (execName).
func (t *pgTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if name := t.db.execName(query); name != "" {
		t.mu.Lock()
		if !t.begun {
			defer t.mu.Unlock()
			return t.execAfterBegin(ctx, name, query, args)
		}
		t.mu.Unlock()
	}
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.sc.ExecContext(ctx, query, args...)
}

// execAfterBegin sends BEGIN and query (prepared as name) in one batch.
// Called with t.mu held.
func (t *pgTx) execAfterBegin(ctx context.Context, name, query string, args []any) (sql.Result, error) {
	t.begun = true
	var n int64
	err := t.sc.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", dc)
		}
		pc := sc.Conn()
		sd, err := pc.Prepare(ctx, name, query)
		if err != nil {
			return err
		}
		var eqb pgx.ExtendedQueryBuilder
		if err := eqb.Build(pc.TypeMap(), sd, args); err != nil {
			return err
		}
		var b pgconn.Batch
		b.ExecParams("begin", nil, nil, nil, nil)
		b.ExecStatement(sd, eqb.ParamValues, eqb.ParamFormats, eqb.ResultFormats)
		results, err := pc.PgConn().ExecBatch(ctx, &b).ReadAll()
		if len(results) == 2 {
			n = results[1].CommandTag.RowsAffected()
		}
		return err
	})
	if err != nil {
		// BEGIN may not have been sent: nothing else may run as if in
		// the transaction (a statement that failed after it aborted the
		// transaction anyway).
		t.err = err
		return nil, err
	}
	return driver.RowsAffected(n), nil
}

func (t *pgTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.begin(ctx); err != nil {
		return nil, err
	}
	return t.sc.QueryContext(ctx, query, args...)
}

// QueryRowContext answers a failed BEGIN with a row that fails as a
// cancelled query does (Commit returns BEGIN's error).
func (t *pgTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := t.begin(ctx); err != nil {
		failed, cancel := context.WithCancelCause(ctx)
		cancel(err)
		return t.sc.QueryRowContext(failed, query, args...)
	}
	return t.sc.QueryRowContext(ctx, query, args...)
}

// readDocuments is pgDocuments inside the transaction: no retry (the
// transaction is on this connection), BEGIN sent with it when it is the
// first statement.
func (t *pgTx) readDocuments(ctx context.Context, q *documentQuery, rows []documentRow, args []any) ([]documentRow, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return nil, t.err
	}
	begin := !t.begun
	t.begun = true // sent with the read, or failed: ROLLBACK either way is harmless
	err := t.sc.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", dc)
		}
		pc := sc.Conn()
		var err error
		rows, err = readDocuments(ctx, pc, q, false, begin, rows, args)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "0A000" { // cached plan must not change result type
			_ = pc.Deallocate(context.WithoutCancel(ctx), q.name)
		}
		return err
	})
	if begin && err != nil {
		t.err = err
	}
	return rows, err
}

// execName is the name query is prepared under when it begins a
// transaction ("" for a savepoint statement, named differently each time,
// and past maxCachedQueries names: it then waits for BEGIN's answer
// first).
func (d *DB) execName(query string) string {
	if n, ok := d.execNames.Load(query); ok {
		return n.(string)
	}
	if !cacheable(query) || d.execCount.Load() >= maxCachedQueries {
		return ""
	}
	d.execCount.Add(1)
	sum := sha256.Sum256([]byte(query))
	n, _ := d.execNames.LoadOrStore(query, "vanthu_exec_"+hex.EncodeToString(sum[:12]))
	return n.(string)
}
