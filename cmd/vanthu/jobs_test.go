package main

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunJobRestartsAfterPanic(t *testing.T) {
	var runs atomic.Int32
	final := errors.New("listener failed")
	err := runJob(context.Background(), slog.New(slog.DiscardHandler), time.Millisecond, func(context.Context) error {
		if runs.Add(1) < 3 {
			panic("bad delivery")
		}
		return final
	})
	if !errors.Is(err, final) || runs.Load() != 3 {
		t.Fatalf("err %v after %d runs", err, runs.Load())
	}
}

// TestMailKeepSent: VANTHU_MAIL_KEEP_SENT takes a period of at least
// seven days, or 0 for ever.
func TestMailKeepSent(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"90d", 90 * 24 * time.Hour, false},
		{"7d", 7 * 24 * time.Hour, false},
		{"1y", 365 * 24 * time.Hour, false},
		{"0", 0, false},
		{"6d", 0, true},
		{"", 0, true},
		{"90", 0, true},
		{"2160h", 0, true},
	} {
		got, err := mailKeepSent(tc.in, now)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("mailKeepSent(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
