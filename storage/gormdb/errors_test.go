package gormdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestTranslateUnavailable: a connection the database server closed is
// EUNAVAILABLE (503), not an internal error. pgx reads "unexpected EOF" on
// a pooled connection when PostgreSQL was stopped or killed; before, that
// answered 500 (TestIntegrationOutageSweep, GET /api/v1/agencies).
func TestTranslateUnavailable(t *testing.T) {
	d := &DB{}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), workflow.EUNAVAILABLE},
		{"EOF", io.EOF, workflow.EUNAVAILABLE},
		{"bad conn", driver.ErrBadConn, workflow.EUNAVAILABLE},
		{"canceled", context.Canceled, workflow.EINTERNAL},
		{"other", errors.New("syntax error"), workflow.EINTERNAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := workflow.ErrorCode(d.translate(tc.err, "list agencies")); got != tc.want {
				t.Errorf("translate(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
}
