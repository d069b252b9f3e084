package gormdb

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// stmtPool is a SQLite connection pool for gorm (the writer's, and the
// readers'): *sql.DB with each statement prepared once per connection and
// reused, inside transactions too.
//
// gorm's own cache (Config.PrepareStmt) prepares a statement first met
// inside a transaction on that transaction, and database/sql re-prepares
// such a statement in every later transaction (Tx.StmtContext refuses a
// statement that belongs to another transaction), so on the writer,
// where nearly every statement runs in a transaction, SQLite parsed and
// planned each one on every use. Here a statement is prepared on the
// database (not on a transaction): database/sql prepares it on each
// connection the first time it runs there, and a transaction runs it
// through Tx.StmtContext, which finds it already prepared on the
// transaction's connection (or prepares it there, once). A statement
// first met inside a transaction runs there unprepared that once (on the
// writer the one connection is the transaction's) and is prepared on the
// database when the transaction ends. A connection closed takes its
// preparations with it; database/sql prepares the statements again on
// the connection that replaces it.
//
// The readers used gorm's cache, which serves statements outside
// transactions as well; one mechanism for both also spares the readers
// gorm's 24-hour expiry, which closes a statement another goroutine may
// be about to run ("sql: statement is closed"). What gorm's LRU had and this has not: beyond max
// statements, new ones run unprepared instead of evicting old ones (the
// queries are built from a few fixed shapes, far fewer than max).
type stmtPool struct {
	db  *sql.DB
	max int // most statements kept; beyond, statements run unprepared

	mu    sync.Mutex
	stmts map[string]*sql.Stmt

	prepares   atomic.Int64 // statements prepared on the database (for tests; not per connection)
	unprepared atomic.Int64 // statements run unprepared in a transaction (for tests)
}

var (
	_ gorm.ConnPool              = (*stmtPool)(nil)
	_ gorm.ConnPoolBeginner      = (*stmtPool)(nil)
	_ gorm.GetDBConnector        = (*stmtPool)(nil)
	_ gorm.ConnPool              = (*stmtTx)(nil)
	_ gorm.TxCommitter           = (*stmtTx)(nil)
	_ gorm.GetDBConnector        = (*stmtTx)(nil)
	_ interface{ Close() error } = (*stmtPool)(nil)
)

// maxStatements bounds each stmtPool.
const maxStatements = 256

func newStmtPool(db *sql.DB, max int) *stmtPool {
	return &stmtPool{db: db, max: max, stmts: map[string]*sql.Stmt{}}
}

// useStmtPool makes gdb (SQLite) run its statements through a stmtPool on
// sqlDB, its connection pool.
func useStmtPool(gdb *gorm.DB, sqlDB *sql.DB) *stmtPool {
	p := newStmtPool(sqlDB, maxStatements)
	gdb.Config.ConnPool = p
	gdb.Statement.ConnPool = p
	return p
}

// cacheable reports whether query is worth keeping: not a savepoint
// statement (gorm names each savepoint differently).
func cacheable(query string) bool {
	q := strings.TrimSpace(query)
	return len(q) < 7 || !(strings.EqualFold(q[:7], "SAVEPOI") || strings.EqualFold(q[:7], "RELEASE") || strings.EqualFold(q[:7], "ROLLBAC"))
}

// cached returns query's statement prepared on the database, or nil.
func (p *stmtPool) cached(query string) *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stmts[query]
}

// prepared returns query's statement, preparing it on the database if it
// is new (nil when the cache is full or query is not cacheable). Only
// called outside transactions: preparing takes a connection (on the
// writer, the one the transaction holds).
func (p *stmtPool) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := p.cached(query); st != nil || !cacheable(query) {
		return st, nil
	}
	p.mu.Lock()
	full := len(p.stmts) >= p.max
	p.mu.Unlock()
	if full {
		return nil, nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.prepares.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.stmts[query]; old != nil { // prepared meanwhile
		st.Close()
		return old, nil
	}
	p.stmts[query] = st
	return st, nil
}

func (p *stmtPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

func (p *stmtPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

func (p *stmtPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.prepared(ctx, query)
	if err != nil || st == nil {
		return p.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (p *stmtPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.prepared(ctx, query)
	if err != nil || st == nil {
		return p.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p *stmtPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.prepared(ctx, query)
	if err != nil || st == nil {
		return p.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (p *stmtPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &stmtTx{tx: tx, p: p}, nil
}

// Close closes the statements and the database.
func (p *stmtPool) Close() error {
	p.mu.Lock()
	var errs []error
	for q, st := range p.stmts {
		errs = append(errs, st.Close())
		delete(p.stmts, q)
	}
	p.mu.Unlock()
	return errors.Join(append(errs, p.db.Close())...)
}

// stmtTx is a transaction of a stmtPool.
type stmtTx struct {
	tx    *sql.Tx
	p     *stmtPool
	later []string // statements met here before the pool had them
}

func (t *stmtTx) GetDBConn() (*sql.DB, error) { return t.p.db, nil }

// stmt returns query's statement for this transaction, or nil (run it
// unprepared; it is prepared on the database once the transaction ends).
func (t *stmtTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st := t.p.cached(query); st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	if cacheable(query) && len(t.later) < t.p.max {
		t.later = append(t.later, query)
	}
	t.p.unprepared.Add(1)
	return nil
}

// end prepares on the database the statements met in the transaction
// (its connection is free again).
func (t *stmtTx) end() {
	later := t.later
	t.later = nil
	for _, q := range later {
		// An error (the database closing) only leaves the statement
		// unprepared: it runs unprepared next time and is tried again.
		_, _ = t.p.prepared(context.Background(), q)
	}
}

func (t *stmtTx) Commit() error {
	err := t.tx.Commit()
	t.end()
	return err
}

func (t *stmtTx) Rollback() error {
	err := t.tx.Rollback()
	t.end()
	return err
}

func (t *stmtTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.tx.PrepareContext(ctx, query)
}

func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
