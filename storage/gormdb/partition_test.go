package gormdb_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/faultproxy"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestIntegrationPostgresPartition: a PostgreSQL that stops answering
// without refusing (a partition: the proxy holds new and open connections
// and delivers nothing) costs a call the configured timeouts, then
// EUNAVAILABLE saying so — on an open connection (the silence timeout),
// in a transaction, and on a new one (the connect timeout) — and the same
// DB works again by itself once the partition heals. The calls carry no
// deadline of their own. Before WithTimeouts, each of them waited as long
// as the partition lasted.
func TestIntegrationPostgresPartition(t *testing.T) {
	dsn := gormdbtest.CreatePostgresDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := faultproxy.New(t, u.Host)
	u.Host = p.Addr()
	const connect, silence = 1500 * time.Millisecond, time.Second
	bound := connect + silence + 2*time.Second
	ctx := context.Background()
	db, err := gormdb.Open(ctx, u.String(), t.TempDir(), nil, gormdb.WithTimeouts(connect, silence))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// dialer keeps no idle connection, and has no silence timeout: its
	// queries dial, and the connect timeout alone bounds them.
	dialer, err := gormdb.Open(ctx, u.String(), t.TempDir(), nil, gormdb.WithTimeouts(connect, -1))
	if err != nil {
		t.Fatal(err)
	}
	defer dialer.Close()
	sqlDB, err := dialer.Gorm().DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxIdleConns(0)

	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"open connection", func() error { _, err := db.Users(ctx); return err }},
		{"transaction", func() error {
			return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { _, err := db.Users(ctx); return err })
		}},
		{"ping", func() error { return db.Ping(ctx) }},
		{"query on a new connection", func() error { _, err := dialer.Users(ctx); return err }},
		{"archive read on a new connection", func() error {
			_, _, _, err := dialer.DocumentForArchive(ctx, "no-such-document")
			return err
		}},
		{"new connection", func() error {
			// No silence timeout: the connect timeout alone bounds it.
			d, err := gormdb.Open(ctx, u.String(), t.TempDir(), nil, gormdb.WithTimeouts(connect, -1))
			if err == nil {
				d.Close()
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := db.Users(ctx); err != nil { // the pool holds a working connection
				t.Fatal(err)
			}
			p.Stall()
			err, took := within(t, tc.call)
			p.Restore()
			if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
				t.Errorf("during the partition: %v (%s), want EUNAVAILABLE", err, workflow.ErrorCode(err))
			}
			if took > bound {
				t.Errorf("during the partition the call took %s, bound %s", took, bound)
			}
			t.Logf("during the partition: %v after %s", err, took.Round(time.Millisecond))
			// Healed: the DB answers again by itself.
			deadline := time.Now().Add(10 * time.Second)
			for {
				_, err := db.Users(ctx)
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("10 s after the partition healed: %v", err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// within runs call, giving up (as a failure, not a hang of the test) after
// 30 s.
func within(t *testing.T, call func() error) (error, time.Duration) {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err, time.Since(start)
	case <-time.After(30 * time.Second):
		return workflowTimeout{}, time.Since(start)
	}
}

type workflowTimeout struct{}

func (workflowTimeout) Error() string {
	return strings.TrimSpace("no answer within 30 s")
}
