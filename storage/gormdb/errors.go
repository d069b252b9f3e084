package gormdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/vanthu/vanthu/workflow"
)

// SQLite result codes (https://www.sqlite.org/rescode.html).
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteIOErr            = 10
	sqliteCorrupt          = 11
	sqliteFull             = 13
	sqliteCantOpen         = 14
	sqliteConstraint       = 19
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// translate turns a driver error into a workflow error: not found is
// ENOTFOUND, a unique violation or a serialisation failure ECONFLICT, a
// connection problem EUNAVAILABLE, text PostgreSQL cannot hold (a NUL
// character, bytes that are not UTF-8: a client's input, never ours)
// EINVALID; anything else keeps its cause, wrapped with what was being
// done. Domain errors and context errors pass through.
func (d *DB) translate(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	var we *workflow.Error
	var connectErr *pgconn.ConnectError
	switch {
	case errors.As(err, &we):
		return err
	case errors.As(err, &connectErr):
		// Before the context errors: a connect_timeout that expired is a
		// DeadlineExceeded too, and the server's fault.
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: database unavailable", what)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	case errors.Is(err, gorm.ErrRecordNotFound), errors.Is(err, sql.ErrNoRows):
		return workflow.Wrap(workflow.ENOTFOUND, err, "%s: not found", what)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return workflow.Wrap(workflow.ECONFLICT, err, "%s: already exists", what)
		case pgErr.Code == "40001", pgErr.Code == "40P01", pgErr.Code == "55P03":
			return workflow.Wrap(workflow.ECONFLICT, err, "%s: concurrent change, try again", what)
		case pgErr.Code == "22021", pgErr.Code == "22P05": // character_not_in_repertoire, untranslatable_character
			return workflow.Wrap(workflow.EINVALID, err, "text with a NUL character or bytes that are not UTF-8 cannot be stored or searched")
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "57P"), // operator intervention (shutdown)
			pgErr.Code == "53300",                // too many connections
			pgErr.Code == "53100":                // disk full
			return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: database unavailable", what)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		code := coder.Code()
		switch {
		case code == sqliteConstraintUnique, code == sqliteConstraintPK:
			return workflow.Wrap(workflow.ECONFLICT, err, "%s: already exists", what)
		case code&0xff == sqliteBusy, code&0xff == sqliteLocked, code&0xff == sqliteIOErr,
			code&0xff == sqliteFull, code&0xff == sqliteCantOpen, code&0xff == sqliteCorrupt:
			return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: database unavailable", what)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	var netErr net.Error
	if errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		// The server closed the connection (stopped or killed: pgx reads
		// "unexpected EOF" on a pooled connection).
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		// A statement on a connection pgx had already closed (the server
		// went away under an earlier statement of the transaction).
		errors.Is(err, pgconn.ErrConnClosed) ||
		pgconn.Timeout(err) {
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: database unavailable", what)
	}
	if strings.Contains(err.Error(), "sql: database is closed") {
		return workflow.Wrap(workflow.EUNAVAILABLE, err, "%s: database closed", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}
