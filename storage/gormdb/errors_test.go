package gormdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

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
		// A statement on a connection pgx had closed: before, 500 in the
		// middle of an issue while PostgreSQL restarted (TestIntegrationChaosShort).
		{"conn closed", fmt.Errorf("reserve: %w", pgconn.ErrConnClosed), workflow.EUNAVAILABLE},
		{"canceled", context.Canceled, workflow.EINTERNAL},
		// pgx's connect_timeout expired (VANTHU_DB_CONNECT_TIMEOUT): before,
		// a DeadlineExceeded like a caller's own, and 500 (TestIntegrationReadinessPartition).
		{"connect timeout", connectTimeout(t), workflow.EUNAVAILABLE},
		{"other", errors.New("syntax error"), workflow.EINTERNAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := workflow.ErrorCode(d.translate(tc.err, "list agencies")); got != tc.want {
				t.Errorf("translate(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
}

// connectTimeout is pgx's error when connect_timeout expires: a server
// that accepts the connection and never answers.
func connectTimeout(t *testing.T) error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	defer func() {
		for len(held) > 0 {
			(<-held).Close()
		}
	}()
	cfg, err := pgconn.ParseConfig("postgres://u@" + ln.Addr().String() + "/x?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnectTimeout = 200 * time.Millisecond
	_, err = pgconn.ConnectConfig(context.Background(), cfg)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("connect to a silent server: %v, want a deadline exceeded", err)
	}
	return err
}
