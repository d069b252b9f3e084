package ratelimit

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	l := New(3, time.Minute).WithClock(func() time.Time { return now })
	for i := 1; i <= 4; i++ {
		if got, want := l.Allow("a"), i <= 3; got != want {
			t.Fatalf("event %d: allowed %v, want %v", i, got, want)
		}
	}
	if !l.Allow("b") {
		t.Fatal("another key is limited")
	}
	now = now.Add(time.Minute)
	if !l.Allow("a") {
		t.Fatal("a new window is still limited")
	}
}
