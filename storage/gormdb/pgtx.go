package gormdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
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
// savepoint as before). Statements that need no answer in between go in
// one round trip too (pipeline: the claims lock and the claims read), and
// a transaction's last write (workflow.LastWrite) carries its COMMIT
// (commitWith).

// pgTx is a transaction on the held connection sc. begun says BEGIN was
// sent (or is on its way with a statement).
type pgTx struct {
	db  *DB
	sc  *sql.Conn
	ctx context.Context

	mu    sync.Mutex
	begun bool
	done  bool  // committed with its last statement (commitWith)
	err   error // BEGIN's failure, returned by Commit
	// deferred are statements that need no answer (PutTail's and
	// PutArchiveObjects' inserts), sent with the statements that commit
	// (commitAlone, commitResult, Commit): after the last write, before
	// COMMIT.
	deferred []pgStmt
}

// deferStmt queues s to go with the statements that commit.
func (t *pgTx) deferStmt(s pgStmt) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deferred = append(t.deferred, s)
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
	if t.done {
		return errTxDone // it would run outside the transaction
	}
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
	begun, done, err, deferred := t.begun, t.done, t.err, t.deferred
	t.mu.Unlock()
	if done || err != nil || (!begun && len(deferred) == 0) {
		return err
	}
	if len(deferred) > 0 {
		return t.commitDeferred(!begun)
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

// commitDeferred sends the deferred statements and COMMIT in one round
// trip (after BEGIN when begin).
func (t *pgTx) commitDeferred(begin bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	stmts := append(slices.Clip(t.deferred), pgStmt{query: "commit"})
	var results []*pgconn.Result
	err := t.sc.Raw(func(dc any) error {
		var err error
		results, err = t.sendPipeline(t.ctx, dc, begin, stmts, 0, nil)
		return err
	})
	t.begun = true
	switch {
	case err != nil:
		return err
	case len(results) == 0:
		return fmt.Errorf("commit: no results")
	case results[len(results)-1].CommandTag.String() == "ROLLBACK":
		return pgx.ErrTxCommitRollback
	}
	t.deferred, t.done = nil, true
	return nil
}

// Rollback rolls back, if anything began. A connection whose rollback
// failed stays in its transaction, and the pool drops it before it is
// used again (pgx's ResetSession).
func (t *pgTx) Rollback() error {
	t.mu.Lock()
	begun, done := t.begun, t.done
	t.mu.Unlock()
	if !begun || done {
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
		begin, err := pc.Prepare(ctx, txControl["begin"], "begin")
		if err != nil {
			return err
		}
		var b pgconn.Batch
		b.ExecStatement(begin, nil, nil, nil)
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
	begin, err := t.usable()
	if err != nil {
		return nil, err
	}
	t.begun = true // sent with the read, or failed: ROLLBACK either way is harmless
	err = t.onConn(ctx, begin, func(pc *pgx.Conn) (err error) {
		rows, err = readDocuments(ctx, pc, q, false, begin, rows, args)
		return err
	}, q.name)
	return rows, err
}

// onConn runs read on the transaction's pgx connection (t.mu held; begin:
// BEGIN goes with it, and its failure fails the transaction). A cached
// plan whose result type changed (a migration meanwhile) drops the
// prepared statements named, so that the next read prepares them again.
func (t *pgTx) onConn(ctx context.Context, begin bool, read func(pc *pgx.Conn) error, names ...string) error {
	err := t.sc.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres connection is a %T, not pgx's", dc)
		}
		pc := sc.Conn()
		err := read(pc)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "0A000" { // cached plan must not change result type
			for _, n := range names {
				_ = pc.Deallocate(context.WithoutCancel(ctx), n)
			}
		}
		return err
	})
	if begin && err != nil {
		t.err = err
	}
	return err
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

// pgStmt is a statement of a pipeline, with its arguments.
type pgStmt struct {
	query string
	args  []any
}

// pipeline sends stmts in one round trip (one Sync), after BEGIN when it
// was not sent, and returns their results. A statement that fails makes
// PostgreSQL skip the ones after it (its error is returned): nothing
// runs after a failure, as when they are sent one at a time. A query
// past maxCachedQueries names is not pipelined (errNotPipelined).
func (t *pgTx) pipeline(ctx context.Context, stmts ...pgStmt) ([]*pgconn.Result, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	begin, err := t.usable()
	if err != nil {
		return nil, err
	}
	var results []*pgconn.Result
	err = t.sc.Raw(func(dc any) error {
		var err error
		results, err = t.sendPipeline(ctx, dc, begin, stmts, 0, nil)
		return err
	})
	if errors.Is(err, errNotPipelined) {
		return nil, err
	}
	t.begun = true // sent with the statements, or failed: ROLLBACK either way is harmless
	if begin && err != nil {
		t.err = err
	}
	if begin && len(results) > 0 {
		results = results[1:]
	}
	return results, err
}

// errNotPipelined is pipeline declining a statement it has no name for.
var errNotPipelined = errors.New("statement not pipelined")

// usable says whether statements may be sent (the transaction has not
// failed or committed) and whether BEGIN must go with them. Called with
// t.mu held.
func (t *pgTx) usable() (begin bool, err error) {
	if t.err != nil {
		return false, t.err
	}
	if t.done {
		return false, errTxDone
	}
	return !t.begun, nil
}

// errTxDone is a statement sent after the transaction committed.
var errTxDone = errors.New("transaction already committed")

// sendPipeline is pipeline on the driver connection dc. executed, when
// set, is called once PostgreSQL has run the statement at index at of
// the results (BEGIN counted) and sent its result — before the
// statements after it have run (the server is asked to flush its output
// there, runPipeline): a COMMIT after it may still be under way.
func (t *pgTx) sendPipeline(ctx context.Context, dc any, begin bool, stmts []pgStmt, at int, executed func()) ([]*pgconn.Result, error) {
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		return nil, fmt.Errorf("postgres connection is a %T, not pgx's", dc)
	}
	pc := sc.Conn()
	if begin {
		stmts = append([]pgStmt{{query: "begin"}}, stmts...)
	}
	bound := make([]boundStmt, 0, len(stmts))
	for _, s := range stmts {
		if name := txControl[s.query]; name != "" {
			sd, err := pc.Prepare(ctx, name, s.query)
			if err != nil {
				return nil, err
			}
			bound = append(bound, boundStmt{sd: sd})
			continue
		}
		name := t.db.execName(s.query)
		if name == "" {
			return nil, errNotPipelined
		}
		sd, err := pc.Prepare(ctx, name, s.query)
		if err != nil {
			return nil, err
		}
		var eqb pgx.ExtendedQueryBuilder
		if err := eqb.Build(pc.TypeMap(), sd, s.args); err != nil {
			return nil, err
		}
		bound = append(bound, boundStmt{sd, eqb.ParamValues, eqb.ParamFormats, eqb.ResultFormats})
	}
	if executed != nil {
		return runPipeline(ctx, pc.PgConn(), bound, at, executed)
	}
	var b pgconn.Batch
	for _, s := range bound {
		b.ExecStatement(s.sd, s.params, s.formats, s.results)
	}
	return pc.PgConn().ExecBatch(ctx, &b).ReadAll()
}

// boundStmt is a prepared statement of a pipeline with its parameters.
type boundStmt struct {
	sd               *pgconn.StatementDescription
	params           [][]byte
	formats, results []int16
}

// runPipeline sends stmts in one round trip as sendPipeline's batch
// does (one Sync at the end: a failure skips the statements after it),
// with a request to flush the server's output after the statement at
// index at, and calls executed once that statement's result is in.
func runPipeline(ctx context.Context, pc *pgconn.PgConn, stmts []boundStmt, at int, executed func()) ([]*pgconn.Result, error) {
	p := pc.StartPipeline(ctx)
	for i, s := range stmts {
		p.SendQueryStatement(s.sd, s.params, s.formats, s.results)
		if i == at {
			p.SendFlushRequest()
		}
	}
	if err := p.Sync(); err != nil {
		p.Close()
		return nil, err
	}
	results := make([]*pgconn.Result, 0, len(stmts))
	var err error
	for range stmts {
		var res any
		if res, err = p.GetResults(); err != nil {
			break
		}
		rr, ok := res.(*pgconn.ResultReader)
		if !ok {
			err = fmt.Errorf("pipeline: a %T for statement %d", res, len(results))
			break
		}
		r := rr.Read()
		if err = r.Err; err != nil {
			break
		}
		results = append(results, r)
		if len(results)-1 == at {
			executed()
		}
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	return results, err
}

// txControl are the transaction control statements of pipelines, each
// prepared once per connection under its name (not parsed every time).
var txControl = map[string]string{
	"begin":                 "vanthu_begin",
	"commit":                "vanthu_commit",
	"savepoint vanthu_last": "vanthu_savepoint",
}

// commitWith runs query, the transaction's last statement, and commits
// in the same round trip: query, COMMIT, one Sync (after BEGIN when
// nothing was sent yet). A guarded query fails with division_by_zero
// (22012) when its outcome calls for more statements: it goes after a
// SAVEPOINT (unless it is the first), the transaction is then rolled back
// to where it was before query and stays open, and commitWith returns
// false: the caller goes on as if query had not run. Any other failure of
// query skips COMMIT; it is returned, and the transaction is left to roll
// back. true: committed.
func (t *pgTx) commitWith(ctx context.Context, query string, args []any, guarded bool) (bool, error) {
	_, committed, err := t.commitResult(ctx, nil, query, args, guarded, nil)
	return committed, err
}

// commitResult is commitWith that also returns query's result when it
// committed. pre, guarded statements (claimsGuard) sent before query,
// after the SAVEPOINT: a division_by_zero from one of them is as one
// from query. pre needs guarded. executed, when set, is called once
// query has run, before COMMIT's answer (sendPipeline).
func (t *pgTx) commitResult(ctx context.Context, pre []pgStmt, query string, args []any, guarded bool, executed func()) (*pgconn.Result, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil || t.done {
		return nil, false, nil // the caller's statement gets the error
	}
	if len(pre) > 0 && !guarded {
		return nil, false, fmt.Errorf("commit: statements before an unguarded one")
	}
	begin := !t.begun
	stmts := append(append([]pgStmt{{query: "savepoint vanthu_last"}}, pre...), pgStmt{query: query, args: args})
	if begin || !guarded {
		stmts = stmts[1:]
	}
	qi := len(stmts) - 1 + btoi(begin) // query's result
	// The deferred statements go after query (a failed query leaves them
	// unsent, still deferred), so that the transaction locks the rows
	// query writes (a document's, in every transaction that defers
	// statements) before theirs, as it does on every other path:
	// concurrent transactions that lock in one order do not deadlock.
	stmts = append(append(stmts, t.deferred...), pgStmt{query: "commit"})
	ran, executed := ranThen(executed)
	var results []*pgconn.Result
	err := t.sc.Raw(func(dc any) error {
		var err error
		results, err = t.sendPipeline(ctx, dc, begin, stmts, qi, executed)
		return err
	})
	if errors.Is(err, errNotPipelined) {
		return nil, false, nil
	}
	t.begun = true
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "22012" && (!guarded || *ran):
		return nil, false, err // not query's guard: a statement after it
	case errors.As(err, &pgErr) && pgErr.Code == "22012" && begin:
		if _, err := t.sc.ExecContext(ctx, "rollback"); err != nil {
			t.err = err
			return nil, false, err
		}
		t.begun = false
		return nil, false, nil
	case errors.As(err, &pgErr) && pgErr.Code == "22012":
		_, err := t.sc.ExecContext(ctx, "rollback to savepoint vanthu_last")
		return nil, false, err
	case err != nil:
		if begin {
			t.err = err
		}
		return nil, false, err
	case len(results) != len(stmts)+btoi(begin):
		return nil, false, fmt.Errorf("commit: %d results for %d statements", len(results), len(stmts)+btoi(begin))
	case results[len(results)-1].CommandTag.String() == "ROLLBACK":
		return nil, false, pgx.ErrTxCommitRollback
	}
	t.done, t.deferred = true, nil
	return results[qi], true, nil
}

// ranThen returns executed (nil stays nil) made to also set *ran: a
// guard's division_by_zero is one only when it came before.
func ranThen(executed func()) (*bool, func()) {
	ran := new(bool)
	if executed == nil {
		return ran, nil
	}
	return ran, func() {
		*ran = true
		executed()
	}
}

// btoi is 1 for true.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readDocumentsThen is readDocuments followed by then, a read of other
// rows, in the same round trip (after BEGIN when nothing was sent yet):
// PostgreSQL runs then once the documents are read (and locked, for a
// locking read). scan gets each of its rows, every column in binary.
func (t *pgTx) readDocumentsThen(ctx context.Context, q *documentQuery, rows []documentRow, args []any, then pgStmt,
	scan func(fields []pgconn.FieldDescription, values [][]byte) error) ([]documentRow, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	begin, err := t.usable()
	if err != nil {
		return nil, err
	}
	name := t.db.execName(then.query)
	if name == "" {
		return nil, errNotPipelined
	}
	t.begun = true // sent with the reads, or failed: ROLLBACK either way is harmless
	err = t.onConn(ctx, begin, func(pc *pgx.Conn) (err error) {
		rows, err = readThen(ctx, pc, q, begin, rows, args, name, then, scan)
		return err
	}, q.name, name)
	return rows, err
}

// readThen is readDocumentsThen on pc: then is prepared as name.
func readThen(ctx context.Context, pc *pgx.Conn, q *documentQuery, begin bool, rows []documentRow, args []any,
	name string, then pgStmt, scan func([]pgconn.FieldDescription, [][]byte) error) ([]documentRow, error) {
	var b pgconn.Batch
	if begin {
		sd, err := pc.Prepare(ctx, txControl["begin"], "begin")
		if err != nil {
			return nil, err
		}
		b.ExecStatement(sd, nil, nil, nil)
	}
	docs, err := pc.Prepare(ctx, q.name, q.sql)
	if err != nil {
		return nil, err
	}
	if len(docs.Fields) != len(documentColumns) {
		return nil, fmt.Errorf("%s: %d columns, want %d", q.name, len(docs.Fields), len(documentColumns))
	}
	other, err := pc.Prepare(ctx, name, then.query)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		sd   *pgconn.StatementDescription
		args []any
	}{{docs, args}, {other, then.args}} {
		params, formats, err := encodeParams(pc, s.sd.ParamOIDs, s.args)
		if err != nil {
			return nil, err
		}
		b.ExecStatement(&pgconn.StatementDescription{Name: s.sd.Name, SQL: s.sd.SQL, ParamOIDs: s.sd.ParamOIDs},
			params, formats, binaryResults)
	}
	mrr := pc.PgConn().ExecBatch(ctx, &b)
	defer mrr.Close()
	if begin {
		if !mrr.NextResult() {
			return nil, mrr.Close()
		}
		if _, err := mrr.ResultReader().Close(); err != nil {
			return nil, err
		}
	}
	if !mrr.NextResult() {
		return nil, mrr.Close()
	}
	if rows, err = decodeRows(mrr.ResultReader(), docs.Fields, rows); err != nil {
		return nil, err
	}
	if !mrr.NextResult() {
		return nil, mrr.Close()
	}
	rr := mrr.ResultReader()
	for rr.NextRow() {
		if err := scan(other.Fields, rr.Values()); err != nil {
			rr.Close()
			return nil, err
		}
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	return rows, mrr.Close()
}

// commitAlone runs pre then query and commits, in one round trip with
// BEGIN, when nothing was sent yet (false, nothing sent, otherwise): the
// transaction is those statements alone. pre and query may be guarded:
// a division_by_zero from any of them rolls everything back, the
// transaction is as if nothing had been sent, and commitAlone returns
// false (the caller goes on as if it had not been called). Any other
// failure is returned, and the transaction is left to roll back.
// executed, when set, is called once query has run, before COMMIT's
// answer (sendPipeline).
func (t *pgTx) commitAlone(ctx context.Context, pre []pgStmt, query string, args []any, executed func()) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil || t.done || t.begun {
		return false, nil
	}
	// The deferred statements after query, as commitResult sends them.
	stmts := append(append(append(slices.Clip(pre), pgStmt{query: query, args: args}), t.deferred...), pgStmt{query: "commit"})
	ran, executed := ranThen(executed)
	var results []*pgconn.Result
	err := t.sc.Raw(func(dc any) error {
		var err error
		results, err = t.sendPipeline(ctx, dc, true, stmts, len(pre)+1, executed)
		return err
	})
	if errors.Is(err, errNotPipelined) {
		return false, nil
	}
	t.begun = true
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "22012" && !*ran:
		if _, err := t.sc.ExecContext(ctx, "rollback"); err != nil {
			t.err = err
			return false, err
		}
		t.begun = false
		return false, nil
	case err != nil:
		t.err = err
		return false, err
	case len(results) != len(stmts)+1:
		return false, fmt.Errorf("commit: %d results for %d statements", len(results), len(stmts)+1)
	case results[len(results)-1].CommandTag.String() == "ROLLBACK":
		return false, pgx.ErrTxCommitRollback
	}
	t.done, t.deferred = true, nil
	return true, nil
}

// fresh says nothing was sent in t yet.
func (t *pgTx) fresh() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.begun && t.err == nil && !t.done
}
