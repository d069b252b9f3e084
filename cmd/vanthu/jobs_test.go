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
