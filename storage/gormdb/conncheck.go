package gormdb

import (
	"context"
	"crypto/tls"
	"math"
	"net"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// pgx pings a pooled connection idle for more than a second before
// handing it out again: one more round trip, and it lands in the tail —
// database/sql hands out the most recently used connection first, so the
// long-idle ones are taken exactly when a burst needs them all (32 pings
// in 5,000 GETs at 1,000 req/s). A connection the server closed (restart,
// pg_terminate_backend, idle timeout) has its end of file, or the error
// the server sent before closing, waiting in its socket: shouldPing looks
// there without a round trip (a MSG_PEEK read that does not wait) and pings
// only when something is there or the look is impossible — and after
// pingAfterIdle, for a connection whose path may have died silently.

// pingAfterIdle is how long a connection may have been idle before it is
// pinged anyway.
const pingAfterIdle = time.Minute

func shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	if p.IdleDuration <= time.Second {
		return false
	}
	// Before its first reuse pgx counts the idle time from the zero
	// time (the saturated maximum): a connection that was just opened.
	fresh := p.IdleDuration == time.Duration(math.MaxInt64)
	if p.IdleDuration > pingAfterIdle && !fresh {
		return true
	}
	return !socketQuiet(p.Conn.PgConn().Conn())
}

// socketQuiet reports whether c's socket is open with nothing to read
// (false when that cannot be told).
func socketQuiet(c net.Conn) bool {
	for {
		switch x := c.(type) {
		case *tls.Conn:
			c = x.NetConn()
		case *quietConn:
			// pgx's background reader (started when a write was slow) may
			// still sit in a Read on an idle connection, and may have
			// stored the error of a Read the silence timeout cut, which
			// the next query would meet: a ping settles both.
			if x.reading.Load() || x.failed.Load() {
				return false
			}
			c = x.Conn
		default:
			return peekQuiet(c)
		}
	}
}
