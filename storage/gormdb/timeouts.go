package gormdb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Default timeouts of a PostgreSQL connection (Option WithTimeouts).
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultTimeout        = 10 * time.Second
)

// migrationTimeout is the silence allowed while the schema migrates (an
// index built over a large table, or another instance's migration holding
// the schema lock, send nothing for a while).
const migrationTimeout = 5 * time.Minute

// Option changes how Open and Connect reach the database.
type Option func(*options)

type options struct {
	connectTimeout, timeout time.Duration
	wrap                    func(net.Conn) net.Conn
}

// WithConnWrap hands each new PostgreSQL connection to wrap, which
// returns the connection vanthu then uses: a test counts the statements
// a request sends on the wire (each Execute and simple Query, whichever
// path of the package sent it). SQLite has no connection to wrap.
func WithConnWrap(wrap func(net.Conn) net.Conn) Option {
	return func(o *options) { o.wrap = wrap }
}

// WithTimeouts bounds how long PostgreSQL may keep vanthu waiting.
// connect is the whole connection set-up (TCP, TLS, authentication) of a
// new connection, unless the URL sets connect_timeout itself. timeout is
// the longest a connection may stay silent while vanthu waits for it — an
// answer, the next rows, or room to send — after which the connection is
// dropped and the call fails EUNAVAILABLE: a partitioned or hung server
// costs a request this long, not forever. It measures silence, not
// duration: a long result that keeps streaming is never cut. Zero keeps
// the default (DefaultConnectTimeout, DefaultTimeout); a negative value
// means no limit. SQLite needs neither.
func WithTimeouts(connect, timeout time.Duration) Option {
	return func(o *options) {
		if connect != 0 {
			o.connectTimeout = connect
		}
		if timeout != 0 {
			o.timeout = timeout
		}
	}
}

func newOptions(opts []Option) options {
	o := options{connectTimeout: DefaultConnectTimeout, timeout: DefaultTimeout}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// openPostgres opens a pool of pgx connections whose every read and
// write is bounded by the silence timeout (a quietConn each).
func (d *DB) openPostgres(dsn string, o options) (gorm.Dialector, error) {
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if !hasConnectTimeout(dsn) && o.connectTimeout > 0 {
		pc.ConnectTimeout = o.connectTimeout
	}
	if o.timeout > 0 {
		d.quiet = &quietLimit{}
		d.quiet.d.Store(int64(o.timeout))
	}
	dial := pc.DialFunc
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: 5 * time.Minute}).DialContext
	}
	limit, wrap := d.quiet, o.wrap
	pc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil && wrap != nil {
			c = wrap(c)
		}
		if err != nil || limit == nil {
			return c, err
		}
		return &quietConn{Conn: c, limit: limit}, nil
	}
	return postgres.New(postgres.Config{Conn: stdlib.OpenDB(*pc, stdlib.OptionShouldPing(shouldPing))}), nil
}

// hasConnectTimeout reports whether a postgres:// URL sets
// connect_timeout itself.
func hasConnectTimeout(dsn string) bool {
	_, q, _ := strings.Cut(dsn, "?")
	for _, kv := range strings.Split(q, "&") {
		if k, _, _ := strings.Cut(kv, "="); k == "connect_timeout" {
			return true
		}
	}
	return false
}

// quietLimit is the silence timeout shared by a DB's connections (changed
// while migrating).
type quietLimit struct{ d atomic.Int64 }

func (l *quietLimit) get() time.Duration { return time.Duration(l.d.Load()) }

// relax raises the silence timeout to at least t until the returned
// function is called.
func (d *DB) relax(t time.Duration) func() {
	if d.quiet == nil {
		return func() {}
	}
	old := d.quiet.get()
	d.quiet.d.Store(int64(max(old, t)))
	return func() { d.quiet.d.Store(int64(old)) }
}

// errSilent is the error of a read or write cut by the silence timeout: a
// net.Error that times out, which translate reports as EUNAVAILABLE.
type errSilent struct{ d time.Duration }

func (e errSilent) Error() string {
	return fmt.Sprintf("the database sent nothing for %s (VANTHU_DB_TIMEOUT)", e.d)
}
func (errSilent) Timeout() bool   { return true }
func (errSilent) Temporary() bool { return true }
func (errSilent) Unwrap() error   { return os.ErrDeadlineExceeded }

// quietConn is a connection whose every Read and Write must make progress
// within the silence timeout. Deadlines pgx sets itself (when a query's
// context ends) are kept and win when earlier. pgx reads only while it
// waits for the server, never on an idle pooled connection, so an idle
// connection is never cut.
type quietConn struct {
	net.Conn
	limit *quietLimit

	mu          sync.Mutex
	read, write time.Time // deadlines set by pgx

	// reading is set while a Read waits, failed once a Read failed: on
	// an idle connection, pgx's background reader still reading, or a
	// stored error its next query would meet (socketQuiet).
	reading, failed atomic.Bool
}

func (c *quietConn) Read(p []byte) (int, error) {
	d, own := c.deadline(&c.read)
	if err := c.Conn.SetReadDeadline(d); err != nil {
		return 0, err
	}
	c.reading.Store(true)
	n, err := c.Conn.Read(p)
	c.reading.Store(false)
	if err != nil {
		c.failed.Store(true)
	}
	return n, c.silent(err, own, &c.read)
}

func (c *quietConn) Write(p []byte) (int, error) {
	d, own := c.deadline(&c.write)
	if err := c.Conn.SetWriteDeadline(d); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(p)
	return n, c.silent(err, own, &c.write)
}

// deadline is the earlier of pgx's deadline and now plus the silence
// timeout; own says it is the silence timeout's.
func (c *quietConn) deadline(set *time.Time) (time.Time, bool) {
	d := time.Now().Add(c.limit.get())
	c.mu.Lock()
	defer c.mu.Unlock()
	if !set.IsZero() && set.Before(d) {
		return *set, false
	}
	return d, true
}

// silent names a timeout of the silence deadline as such (not one of a
// deadline pgx set meanwhile).
func (c *quietConn) silent(err error, own bool, set *time.Time) error {
	if !own || !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	c.mu.Lock()
	theirs := !set.IsZero() && !set.After(time.Now())
	c.mu.Unlock()
	if theirs {
		return err
	}
	return errSilent{c.limit.get()}
}

func (c *quietConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.read, c.write = t, t
	c.mu.Unlock()
	return c.Conn.SetDeadline(t)
}

func (c *quietConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.read = t
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *quietConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.write = t
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}
