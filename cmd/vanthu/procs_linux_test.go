package main

import (
	"log/slog"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func threadNice(t *testing.T) int {
	t.Helper()
	prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	return 20 - prio
}

// SignOn (VANTHU_SIGN_NICE) runs the signing work on a thread of its own
// whose nice value is raised by the setting (capped at 19), leaves the
// caller's thread as it was, and raises a panic of the work again in the
// caller.
func TestOnLowerPriority(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	if onLowerPriority(0, log) != nil {
		t.Fatal("VANTHU_SIGN_NICE=0: want the work on the calling goroutine (nil)")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	base := threadNice(t)
	for _, n := range []int{1, 10, 19} {
		var got int
		onLowerPriority(n, log)(func() { got = threadNice(t) })
		if want := min(base+n, 19); got != want {
			t.Errorf("nice %d: the work ran at nice %d, want %d", n, got, want)
		}
		if now := threadNice(t); now != base {
			t.Errorf("nice %d: the caller's thread is now at %d, was %d", n, now, base)
		}
	}
	defer func() {
		p := recover()
		if s, _ := p.(string); !strings.Contains(s, "boom") || !strings.Contains(s, "signing thread") {
			t.Errorf("panic in the caller: %v", p)
		}
	}()
	onLowerPriority(10, log)(func() { panic("boom") })
	t.Error("no panic in the caller")
}
