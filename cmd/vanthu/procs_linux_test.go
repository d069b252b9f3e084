package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
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

// timerSlackProbe is the test binary run as "vanthu.test timer-slack": it
// does what main does for serve (execWithTimerSlack), then prints its pid
// and the timer slack of each of its threads, and exits.
func timerSlackProbe() {
	if err := execWithTimerSlack(serveTimerSlack); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	runtime.Gosched()
	fmt.Println("pid", os.Getpid())
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/" + task.Name() + "/timerslack_ns") // a thread is a task: /proc/TID
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("thread", task.Name(), strings.TrimSpace(string(b)))
	}
	os.Exit(0)
}

// TestExecWithTimerSlack: serve runs again in its own process (same pid)
// from a thread with serveTimerSlack, so that every thread of its
// runtime, the monitor thread included, has that slack and not the
// kernel's 50 us; run again, it does not run itself once more.
func TestExecWithTimerSlack(t *testing.T) {
	cmd := exec.Command(os.Args[0], "timer-slack")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s timer-slack: %v\n%s", os.Args[0], err, out)
	}
	want := strconv.FormatInt(serveTimerSlack.Nanoseconds(), 10)
	threads := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "pid":
			if f[1] != strconv.Itoa(cmd.Process.Pid) {
				t.Errorf("probe ran as pid %s, want its own %d (execve in place)", f[1], cmd.Process.Pid)
			}
		case len(f) == 3 && f[0] == "thread":
			threads++
			if f[2] != want {
				t.Errorf("thread %s: timer slack %s ns, want %s", f[1], f[2], want)
			}
		default:
			t.Errorf("probe printed %q", line)
		}
	}
	if threads < 2 { // the main thread and the runtime's monitor at least
		t.Errorf("%d threads listed, want the runtime's too:\n%s", threads, out)
	}
}
