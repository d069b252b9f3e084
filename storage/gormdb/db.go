// Package gormdb is the system of record: workflow.Repository on SQLite
// (the embedded default, a file in the data directory) and PostgreSQL,
// through gorm.
//
// Rows are this package's own structs (documentRow, userRow, eventRow...)
// with gorm tags, converted with toDomain/fromDomain; workflow's structs
// carry no tags. A document change is a guarded update
// (`WHERE id = ? AND version = ?`, zero rows is ECONFLICT); register
// numbers are a locked increment in the caller's transaction; audit events
// are chained with workflow.Chain under a lock on the chain head, so the
// chain follows commit order.
//
// SQLite runs on a single writer connection (every transaction and
// write) beside a pool of read-only connections (WAL lets them read while
// the writer writes) used by the DB's Reader methods called outside a
// transaction; statements are prepared once per connection and cached.
// Inside Atomic, use the Tx handed to fn — or the ctx handed to fn, which carries the transaction
// so that the DB's own Reader methods called with it read through the
// transaction too. A DB method called with a context from outside the
// transaction would wait for the one connection the transaction holds.
package gormdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/vanthu/vanthu/workflow"
)

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is the repository. It is safe for concurrent use.
type DB struct {
	gdb *gorm.DB
	// tails are tails of files written or read lately (Tail).
	tails *tailMemo
	// rdb serves plain reads outside transactions: on SQLite a pool of
	// read-only connections beside the single writer; on PostgreSQL the
	// same handle as gdb.
	rdb     *gorm.DB
	dialect string
	log     *slog.Logger
	// Now is the clock that decides whether a session has expired;
	// time.Now by default.
	Now func() time.Time
	// ServerClock makes the liveness of instances (Heartbeat,
	// DeadInstances, BeginIdempotent's takeover) be judged by the
	// PostgreSQL server's clock, not Now: instances on several hosts
	// then need not agree on the time within the stale time. Ignored on
	// SQLite, whose instances share one host and its clock. Serve sets
	// it unless its clock is driven (tests). Set before use.
	ServerClock bool
	// FreshRevocations makes Revocation read the database every time
	// rather than reuse an answer "not revoked" for RevocationLease: for
	// a process that must see a revocation as soon as another one stores
	// it and is not told of it (serve's signing workers are told:
	// ForgetRevocations). Set before use.
	FreshRevocations bool
	// WorkStore is the work store the uploads write to: a transaction
	// that refers to a blob the collector deleted clears the tombstone
	// once the blob is there again (the upload was sent again), so that
	// no upload reads the claims before its Put. Nil: such a transaction
	// fails until a collector run finds the blob back. Set before use.
	WorkStore BlobStat
	// queries are the document reads' statements by their tail
	// (documentQuery), queryCount how many.
	queries    sync.Map
	queryCount atomic.Int32
	// execNames are the names of the statements that began a PostgreSQL
	// transaction (pgTx.ExecContext), execCount how many.
	execNames sync.Map
	execCount atomic.Int32
	// quiet is the silence timeout of PostgreSQL connections (nil: none).
	quiet *quietLimit
	// stmts and rstmts are the prepared statements of the SQLite writer
	// and readers (nil on PostgreSQL, where pgx keeps its own).
	stmts, rstmts *stmtPool
	// auditHead is the audit chain head as this instance's last commit
	// that appended an event left it (nil: not known yet). AppendEvent
	// tries it first; the head row decides.
	auditHead atomic.Pointer[headRow]
	// appending counts the transactions that appended an event and have
	// not ended yet (SQLite): while another one may move the head,
	// auditHead is not worth trying.
	appending atomic.Int32
	// appendTurn is held by the transaction of this instance that is
	// appending to the audit chain (PostgreSQL; a buffered channel of
	// one): the next waits for it (appendTurnWait at most) and then knows
	// the head, instead of reading it locked.
	appendTurn chan struct{}
	// turnHead is the head the last transaction to hold appendTurn
	// handed it over with, its append run but perhaps not yet committed
	// (handOver).
	turnHead atomic.Pointer[headRow]
	// revoked holds recent "not revoked" answers (Revocation).
	revoked revocationCache
	// idemPurged is when this instance last deleted the expired
	// idempotency keys (Unix seconds; purgeIdempotencyKeys).
	idemPurged atomic.Int64
}

var (
	_ workflow.Repository  = (*DB)(nil)
	_ workflow.Snapshotter = (*DB)(nil)
)

// Open connects to the database and brings its schema up to date
// (Migrate). An empty dsn opens (creating it if needed) the SQLite file
// dataDir/vanthu.db; a "postgres://" or "postgresql://" dsn connects to
// PostgreSQL. Connection failures are EUNAVAILABLE. PostgreSQL
// connections are bounded by timeouts (WithTimeouts; the defaults without).
func Open(ctx context.Context, dsn string, dataDir string, logger *slog.Logger, opts ...Option) (*DB, error) {
	d, err := Connect(ctx, dsn, dataDir, logger, opts...)
	if err != nil {
		return nil, err
	}
	if _, _, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Connect is Open without the migrations: it leaves the schema as it is
// (for `vanthu migrate --status`).
func Connect(ctx context.Context, dsn string, dataDir string, logger *slog.Logger, opts ...Option) (*DB, error) {
	// SQLite answers SQLITE_BUSY at once, without its busy handler, to a
	// connection that switches the file to WAL while another process opens
	// it (several servers or CLIs starting together on a new file): try
	// again for as long as busy_timeout would have waited.
	deadline := time.Now().Add(sqliteOpenWait)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		d, err := connect(ctx, dsn, dataDir, logger, newOptions(opts))
		if err == nil || dsn != "" || !isSQLiteBusy(err) || time.Now().Add(wait).After(deadline) {
			return d, err
		}
		select {
		case <-ctx.Done():
			return nil, workflow.Wrap(workflow.EUNAVAILABLE, ctx.Err(), "open sqlite database")
		case <-time.After(wait):
		}
	}
}

// sqliteOpenWait bounds Connect's retries on a busy SQLite file (the
// busy_timeout of every connection).
const sqliteOpenWait = 10 * time.Second

// isSQLiteBusy reports a SQLite "database is locked" or "busy" error.
func isSQLiteBusy(err error) bool {
	var coder interface{ Code() int }
	if !errors.As(err, &coder) {
		return false
	}
	c := coder.Code() & 0xff
	return c == sqliteBusy || c == sqliteLocked
}

func connect(ctx context.Context, dsn string, dataDir string, logger *slog.Logger, o options) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &DB{log: logger, Now: time.Now, appendTurn: make(chan struct{}, 1)}
	d.tails = newTailMemo(tailMemoBytes, tailMemoLongest)
	cfg := &gorm.Config{
		Logger:                 newGormLogger(logger),
		SkipDefaultTransaction: true, // we open transactions ourselves
		// Parsing SQL was a quarter of a GET's CPU on SQLite: each
		// statement is prepared once per connection (stmtPool, bounded by
		// maxStatements; the queries are built from a few fixed shapes).
		// pgx caches its own prepared statements on PostgreSQL.
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	dialector, dbPath, err := d.chooseDialector(dsn, dataDir, o)
	if err != nil {
		return nil, err
	}
	gdb, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "open %s database", d.dialect)
	}
	d.gdb, d.rdb = gdb, gdb
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, workflow.Wrap(workflow.EINTERNAL, err, "open %s database", d.dialect)
	}
	if d.dialect == SQLite {
		d.stmts = useStmtPool(gdb, sqlDB)
	}
	switch d.dialect {
	case SQLite:
		// One writer: a single connection serialises every transaction
		// in this process; busy_timeout covers other processes (the CLI).
		sqlDB.SetMaxOpenConns(1)
		sqlDB.SetMaxIdleConns(1)
		sqlDB.SetConnMaxLifetime(0)
		sqlDB.SetConnMaxIdleTime(0)
	case Postgres:
		// Every connection stays open while idle: a burst after a quiet
		// spell takes idle connections, not new ones (a dial, TCP and
		// authentication, and a Prepare round trip per statement: several
		// milliseconds); each is replaced after an hour.
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(0)
		sqlDB.SetConnMaxLifetime(time.Hour)
	}
	if err := d.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if d.dialect == SQLite {
		if err := d.openReaders(dbPath, cfg); err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	return d, nil
}

// chooseDialector picks the database from dsn: empty is SQLite in
// dataDir (its file's path is returned too), postgres:// is PostgreSQL.
func (d *DB) chooseDialector(dsn, dataDir string, o options) (gorm.Dialector, string, error) {
	switch {
	case dsn == "":
		if dataDir == "" {
			dataDir = "."
		}
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, "", workflow.Wrap(workflow.EUNAVAILABLE, err, "create data directory %s", dataDir)
		}
		path := filepath.Join(dataDir, "vanthu.db")
		if strings.Contains(path, "?") {
			return nil, "", workflow.Errorf(workflow.EINVALID, "data directory %q: the SQLite path cannot contain '?'", dataDir)
		}
		d.dialect = SQLite
		return sqlite.Open(sqliteDSN(path, false)), path, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.dialect = Postgres
		dialector, err := d.openPostgres(dsn, o)
		if err != nil {
			return nil, "", workflow.Wrap(workflow.EINVALID, err, "database URL %q", redact(dsn))
		}
		return dialector, "", nil
	default:
		return nil, "", workflow.Errorf(workflow.EINVALID, "database URL: want empty (SQLite) or postgres://..., got %q", redact(dsn))
	}
}

// openReaders opens the pool of read-only SQLite connections (after the
// writer has set WAL mode). Reads through it never
// wait for the writer's transaction, and a read sees every transaction
// committed before it started.
func (d *DB) openReaders(path string, cfg *gorm.Config) error {
	rcfg := *cfg
	rdb, err := gorm.Open(sqlite.Open(sqliteDSN(path, true)), &rcfg)
	if err != nil {
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "open sqlite readers")
	}
	sqlDB, err := rdb.DB()
	if err != nil {
		return workflow.Wrap(workflow.EINTERNAL, err, "open sqlite readers")
	}
	n := max(runtime.GOMAXPROCS(0), 4)
	sqlDB.SetMaxOpenConns(n)
	sqlDB.SetMaxIdleConns(n)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	d.rstmts = useStmtPool(rdb, sqlDB)
	d.rdb = rdb
	return nil
}

func sqliteDSN(path string, readOnly bool) string {
	q := []string{
		"_pragma=busy_timeout(10000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(NORMAL)",
		"_pragma=foreign_keys(1)",
		// Times as "2006-01-02 15:04:05.999999999-07:00" (the format of
		// the driver vanthu used before, so older files read the same),
		// which sorts as text for the UTC times we write; TEXT without a
		// declared type stays a string.
		"_time_format=sqlite",
		"_texttotime=0",
		"_inttotime=0",
		// Take the write lock at BEGIN: no read-to-write upgrade deadlocks
		// between processes.
		"_txlock=immediate",
	}
	if readOnly {
		// Readers never write, and take no write lock at BEGIN.
		q = append(q[:len(q)-1], "_pragma=query_only(1)")
	}
	// A plain path, not a file: URI, so '#' and '%' in directory names
	// stay literal (the driver cuts the options off at the first '?').
	return path + "?" + strings.Join(q, "&")
}

// redact hides a password in a database URL.
func redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return dsn
	}
	userinfo := dsn[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return dsn[:scheme+3] + userinfo[:i] + ":xxxxx" + dsn[at:]
	}
	return dsn
}

// Dialect returns SQLite or Postgres.
func (d *DB) Dialect() string { return d.dialect }

// Gorm returns the underlying gorm handle, for operations and tests (e.g.
// tampering with a stored audit event). Application code uses the
// workflow.Repository methods.
func (d *DB) Gorm() *gorm.DB { return d.gdb }

// Close closes the database.
func (d *DB) Close() error {
	if d.rstmts != nil {
		d.rstmts.Close()
	}
	if d.stmts != nil {
		return d.stmts.Close()
	}
	sqlDB, err := d.gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers: EUNAVAILABLE if it does not.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.gdb.DB()
	if err != nil {
		return workflow.Wrap(workflow.EINTERNAL, err, "database handle")
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s database unreachable", d.dialect)
	}
	return nil
}

type txKey struct{}

// Atomic runs fn in one transaction. fn's error is returned as is (and
// rolls everything back); a failure to begin or commit is translated
// (EUNAVAILABLE, ECONFLICT for a serialisation failure or deadlock...).
// The ctx handed to fn carries the transaction: the DB's Reader methods
// and a nested Atomic (a savepoint) called with it use the transaction.
// Functions registered with the Tx's AfterCommit run after the outermost
// transaction commits (those of a rolled-back savepoint never run).
func (d *DB) Atomic(ctx context.Context, fn func(ctx context.Context, tx workflow.Tx) error) error {
	var fnErr error
	parent, nested := ctx.Value(txKey{}).(*conn)
	nested = nested && parent.db == d
	after, appending := &[]func(){}, new(appendState)
	if nested {
		after, appending = parent.after, parent.appending
	} else {
		defer d.doneAppending(appending)
	}
	mark := len(*after)
	run := func(g *gorm.DB) error {
		t := &conn{g: g, db: d, after: after, appending: appending, outer: !nested}
		fnErr = fn(context.WithValue(ctx, txKey{}, t), t)
		return fnErr
	}
	var err error
	if d.dialect == Postgres && !nested {
		err = d.pgTransaction(ctx, run)
	} else {
		err = d.conn(ctx).Transaction(run)
	}
	if err == nil {
		if !nested {
			for _, f := range *after {
				f()
			}
		}
		return nil
	}
	*after = (*after)[:mark]
	if fnErr != nil && errors.Is(err, fnErr) {
		return fnErr
	}
	return d.translate(err, "transaction")
}

// Snapshot implements workflow.Snapshotter: fn's reads through ctx (the
// DB's Reader methods, the archive index's) run in one read-only
// transaction and see the database as at one moment — on PostgreSQL
// REPEATABLE READ READ ONLY (the snapshot its first statement takes), on
// SQLite one transaction on a reader connection (in WAL mode, the
// snapshot its first read takes). In a transaction already (ctx carries
// one of this DB's), fn runs in it.
func (d *DB) Snapshot(ctx context.Context, fn func(ctx context.Context) error) error {
	if t, ok := ctx.Value(txKey{}).(*conn); ok && t.db == d {
		return fn(ctx)
	}
	var opts *sql.TxOptions
	if d.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	var fnErr error
	err := d.rdb.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		fnErr = fn(context.WithValue(ctx, txKey{}, &conn{g: g, db: d}))
		return fnErr
	}, opts)
	if fnErr != nil && errors.Is(err, fnErr) {
		return fnErr
	}
	if err != nil {
		return d.translate(err, "read snapshot")
	}
	return nil
}

// conn returns the handle to use for ctx: the transaction ctx carries,
// if it is one of ours, else the pool.
func (d *DB) conn(ctx context.Context) *gorm.DB {
	if t, ok := ctx.Value(txKey{}).(*conn); ok && t.db == d {
		return t.g.WithContext(ctx)
	}
	return d.gdb.WithContext(ctx)
}

// reader returns the Reader for ctx.
func (d *DB) reader(ctx context.Context) *conn {
	if t, ok := ctx.Value(txKey{}).(*conn); ok && t.db == d {
		return t
	}
	return &conn{g: d.rdb, db: d}
}

// Reader methods of DB delegate to the transaction in ctx or the pool.

func (d *DB) Document(ctx context.Context, id string) (*workflow.Document, error) {
	return d.reader(ctx).Document(ctx, id)
}

// DocumentByVerifyCode implements workflow.VerifyCodeReader.
func (d *DB) DocumentByVerifyCode(ctx context.Context, code string) (*workflow.Document, error) {
	return d.reader(ctx).DocumentByVerifyCode(ctx, code)
}

func (d *DB) DocumentByExternalID(ctx context.Context, sender, externalID string) (*workflow.Document, error) {
	return d.reader(ctx).DocumentByExternalID(ctx, sender, externalID)
}

func (d *DB) DocumentByDelivery(ctx context.Context, sender, externalID, key string) (*workflow.Document, error) {
	return d.reader(ctx).DocumentByDelivery(ctx, sender, externalID, key)
}

func (d *DB) Documents(ctx context.Context, f workflow.DocumentFilter) ([]*workflow.Document, string, error) {
	return d.reader(ctx).Documents(ctx, f)
}

func (d *DB) DocumentsByID(ctx context.Context, ids []string) (map[string]*workflow.Document, error) {
	return d.reader(ctx).DocumentsByID(ctx, ids)
}

func (d *DB) CountDocuments(ctx context.Context, f workflow.DocumentFilter) (int, error) {
	return d.reader(ctx).CountDocuments(ctx, f)
}

func (d *DB) Events(ctx context.Context, documentID string) ([]workflow.Event, error) {
	return d.reader(ctx).Events(ctx, documentID)
}

var _ workflow.ReplyLister = (*DB)(nil)

// Replies implements workflow.ReplyLister.
func (d *DB) Replies(ctx context.Context, letterID string) ([]*workflow.Document, error) {
	return d.reader(ctx).Replies(ctx, letterID)
}

func (d *DB) RegisterEntries(ctx context.Context, kind workflow.RegisterKind, year int) ([]*workflow.Document, error) {
	return d.reader(ctx).RegisterEntries(ctx, kind, year)
}

func (d *DB) RegisterEntriesAfter(ctx context.Context, kind workflow.RegisterKind, year, after, limit int) ([]*workflow.Document, error) {
	return d.reader(ctx).RegisterEntriesAfter(ctx, kind, year, after, limit)
}

func (d *DB) RegisterEntriesDated(ctx context.Context, kind workflow.RegisterKind, year int, spans []workflow.TimeSpan) ([]*workflow.Document, error) {
	return d.reader(ctx).RegisterEntriesDated(ctx, kind, year, spans)
}

func (d *DB) WalkEvents(ctx context.Context, fn func(workflow.Event) error) error {
	return d.reader(ctx).WalkEvents(ctx, fn)
}

// WalkStoredEvents implements workflow.StoredEventWalker.
func (d *DB) WalkStoredEvents(ctx context.Context, fn func(*workflow.StoredEvent) error) error {
	return d.reader(ctx).WalkStoredEvents(ctx, fn)
}

func (d *DB) AuditHead(ctx context.Context) (*workflow.Event, error) {
	return d.reader(ctx).AuditHead(ctx)
}

func (d *DB) User(ctx context.Context, id string) (*workflow.User, error) {
	return d.reader(ctx).User(ctx, id)
}

func (d *DB) UserByUsername(ctx context.Context, username string) (*workflow.User, error) {
	return d.reader(ctx).UserByUsername(ctx, username)
}

func (d *DB) Users(ctx context.Context) ([]*workflow.User, error) {
	return d.reader(ctx).Users(ctx)
}

func (d *DB) Session(ctx context.Context, tokenHash string) (*workflow.Session, error) {
	return d.reader(ctx).Session(ctx, tokenHash)
}

// DeleteSession removes a session (logout). Deleting a missing session is
// not an error.
func (d *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if err := d.conn(ctx).Where("token_hash = ?", tokenHash).Delete(&sessionRow{}).Error; err != nil {
		return d.translate(err, "delete session")
	}
	return nil
}

// DeleteExpiredSessions removes every session that expired before now and
// returns how many it removed. It deletes the expired held secrets too
// (held.go): PutHeld and TakeHeld do, but a secret never taken, after the
// last import, would else wait for the next one (serve's hourly sweep).
func (d *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	now := d.Now()
	res := d.conn(ctx).Where("expires_at <= ?", utc(now)).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, d.translate(res.Error, "delete expired sessions")
	}
	return res.RowsAffected, d.deleteExpiredHeld(ctx, now)
}

// conn is one database handle — the pool or a transaction — and
// implements workflow.Tx. Write methods are only reached through Atomic.
type conn struct {
	g  *gorm.DB
	db *DB
	// after holds the functions to run once the outermost transaction
	// commits (nil on the pool).
	after *[]func()
	// head is the audit chain head this transaction's last AppendEvent
	// left (nil before its first); appending says whether and how the
	// outermost transaction appends events (shared with nested ones).
	head      *headRow
	appending *appendState
	// given is the head this transaction handed the turn to append over
	// with (handOver).
	given *headRow
	// files are the files (documents.files) of the documents this
	// transaction read or wrote, by id, with their version: an update of
	// that version that writes them unchanged adds no blob reference
	// (checkBlobRefs).
	files map[string]seenFiles
	// reports are the verification reports of the documents this
	// transaction read (updateFor).
	reports map[string]seenReport
	// outer says this is the outermost transaction (not a savepoint):
	// on PostgreSQL its last write may commit it (lastWriteTx).
	outer bool
}

var (
	_ workflow.Tx             = (*conn)(nil)
	_ workflow.AfterCommitter = (*conn)(nil)
)

// AfterCommit implements workflow.AfterCommitter. On the pool (no
// transaction) fn runs at once.
func (c *conn) AfterCommit(fn func()) {
	if c.after == nil {
		fn()
		return
	}
	*c.after = append(*c.after, fn)
}

func (c *conn) q(ctx context.Context) *gorm.DB { return c.g.WithContext(ctx) }

// notLastWrite marks a write that a last write (workflow.LastWrite)
// makes before its own last one (appendAll's events but the last).
type notLastWrite struct{}

// lastWriteTx returns the PostgreSQL transaction to commit with the
// write ctx carries, when it is its last (workflow.LastWrite) and the
// transaction is the outermost; else nil.
func (c *conn) lastWriteTx(ctx context.Context) *pgTx {
	if !c.outer || !workflow.LastWrite(ctx) || ctx.Value(notLastWrite{}) != nil {
		return nil
	}
	t, _ := c.g.Statement.ConnPool.(*pgTx)
	return t
}

func (c *conn) pg() bool { return c.db.dialect == Postgres }

// utc normalises a time for storage: UTC, microseconds (what both
// databases keep).
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// fromDB normalises a time read back (drivers may hand back local times).
func fromDB(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func fromDBPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := fromDB(*t)
	return &u
}

// gormLogger sends slow queries to slog; errors are returned to callers,
// not logged here. It logs statements with their placeholders and never
// the values bound to them (password hashes, key URIs, session token
// hashes): see ParamsFilter.
type gormLogger struct {
	log  *slog.Logger
	slow atomic.Int64 // threshold in nanoseconds
}

var _ gorm.ParamsFilter = (*gormLogger)(nil)

func newGormLogger(l *slog.Logger) *gormLogger {
	g := &gormLogger{log: l}
	g.slow.Store(int64(500 * time.Millisecond))
	return g
}

// SetSlowQueryThreshold sets how long a statement may take before it is
// logged as a slow query (500ms by default; 0 logs every statement).
func (d *DB) SetSlowQueryThreshold(t time.Duration) {
	if g, ok := d.gdb.Config.Logger.(*gormLogger); ok {
		g.slow.Store(int64(t))
	}
}

// ParamsFilter drops the values bound to a statement, so the SQL gorm
// hands to Trace keeps its placeholders ("?" or "$1").
func (g *gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

func (g *gormLogger) LogMode(logger.LogLevel) logger.Interface { return g }

func (g *gormLogger) Info(ctx context.Context, msg string, args ...any) {
	g.log.InfoContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (g *gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	g.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (g *gormLogger) Error(ctx context.Context, msg string, args ...any) {
	g.log.DebugContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
}

func (g *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if el := time.Since(begin); el >= time.Duration(g.slow.Load()) {
		sql, rows := fc()
		g.log.WarnContext(ctx, "slow query", "elapsed", el, "rows", rows, "sql", sql)
	} else if g.log.Enabled(ctx, slog.LevelDebug-4) {
		sql, rows := fc()
		g.log.Log(ctx, slog.LevelDebug-4, "query", "elapsed", el, "rows", rows, "sql", sql, "err", err)
	}
}
