package main

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// TestIdempotencyLeaseConfig: VANTHU_IDEMPOTENCY_LEASE reaches the
// document service (how long a create cut off with its instance keeps a
// retry under its key waiting); a value that is not a duration is refused
// at start.
func TestIdempotencyLeaseConfig(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want time.Duration
	}{{"", 2 * time.Minute}, {"20s", 20 * time.Second}, {"forever", -1}} {
		dir := t.TempDir()
		cfg, err := LoadConfig(newFlagSet(), nil, func(k string) string {
			switch k {
			case "VANTHU_IDEMPOTENCY_LEASE":
				return tc.env
			case "VANTHU_DATA_DIR":
				return dir
			}
			return ""
		})
		if tc.want < 0 {
			if err == nil {
				t.Errorf("VANTHU_IDEMPOTENCY_LEASE=%q accepted", tc.env)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		a, err := build(context.Background(), cfg, options{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		got := a.docs.IdempotencyLease
		a.Close()
		if got != tc.want {
			t.Errorf("VANTHU_IDEMPOTENCY_LEASE=%q: the document service's lease is %s, want %s", tc.env, got, tc.want)
		}
	}
}
