package main

import (
	"fmt"
	"log/slog"
	"os/exec"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// signingProcs gives the signatures processors of their own: GOMAXPROCS
// becomes the CPUs plus the turns to sign (VANTHU_SIGN_CONCURRENCY), so
// that with every turn taken the other requests still have one Go
// processor (P) per CPU, and the kernel shares the CPUs between the
// threads. Go has no goroutine priorities: on 2 CPUs with GOMAXPROCS 2 a
// signature keeps one P for up to 10 ms at a time (the scheduler preempts
// a running goroutine after 10 ms), the uploads, database commits,
// logins and GC work keep the other busy, and a GET waits in a run queue
// — and for the network poller, which a busy P checks only when its run
// queues are empty or every 10 ms — though it needs 0.3 ms of CPU
// (docs/signing.md, "Requests while signing"). With a P of its own the
// GET is picked up at once, and the kernel, which favours a thread that
// wakes from sleep, gives it a CPU within its time slice.
//
// Nothing changes when the operator set GOMAXPROCS, when signatures are
// not bounded (0) or when they may take every CPU. It returns the
// function that puts the previous value back.
func signingProcs(signConcurrency int, getenv func(string) string, logger *slog.Logger) (restore func()) {
	cpus := runtime.GOMAXPROCS(0)
	if getenv("GOMAXPROCS") != "" || signConcurrency <= 0 || signConcurrency >= cpus {
		return func() {}
	}
	runtime.GOMAXPROCS(cpus + signConcurrency)
	logger.Info("processors", "cpus", cpus, "sign_concurrency", signConcurrency, "gomaxprocs", cpus+signConcurrency)
	return func() { runtime.GOMAXPROCS(cpus) }
}

// onLowerPriority returns a workflow.Service.SignOn that runs the
// CPU-bound work of a turn to sign on an OS thread of its own whose nice
// value is nice above the process's (VANTHU_SIGN_NICE; at most 19): when
// the CPUs are contended the kernel serves the request threads first, and
// a signature takes what they leave — all of it on an idle machine, so
// issuing is not slower. The goroutine ends locked to its thread, which
// ends with it: an unprivileged process cannot lower a raised nice value,
// so the thread is never given back to the Go scheduler (a new thread per
// signature costs some 0.1 ms against a signature's 10–30 ms). A panic in
// fn is raised again in the caller. 0: fn runs on the calling goroutine.
func onLowerPriority(nice int, logger *slog.Logger) func(fn func()) {
	if nice <= 0 {
		return nil
	}
	var warn sync.Once
	return func(fn func()) {
		var p any
		var stack []byte
		done := make(chan struct{})
		go func() {
			defer close(done)
			runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
			if err := lowerThreadPriority(nice); err != nil {
				warn.Do(func() { logger.Warn("signatures run at the requests' CPU priority", "err", err) })
			}
			defer func() {
				if p = recover(); p != nil {
					stack = debug.Stack()
				}
			}()
			fn()
		}()
		<-done
		if p != nil {
			panic(fmt.Sprintf("%v [in the signing thread]\n%s", p, stack))
		}
	}
}

// startLowered returns how serve starts a signing worker: with nice above
// serve's own (VANTHU_SIGN_NICE), the whole process, and with a timer
// slack of workerTimerSlack. The child is forked from a thread whose nice
// value was raised and whose slack was set first, inherits both, and
// every thread its runtime makes inherits them in turn; the forking
// thread is not given back to the Go scheduler (as in onLowerPriority).
// Where neither can be set (nice 0, and no timer slack off Linux): as
// serve.
func startLowered(nice int, logger *slog.Logger) func(cmd *exec.Cmd) error {
	if nice <= 0 && !timerSlackSupported {
		return (*exec.Cmd).Start
	}
	var warnNice, warnSlack sync.Once
	return func(cmd *exec.Cmd) error {
		errc := make(chan error, 1)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
			if nice > 0 {
				if err := lowerThreadPriority(nice); err != nil {
					warnNice.Do(func() { logger.Warn("signing workers run at the requests' CPU priority", "err", err) })
				}
			}
			if err := setThreadTimerSlack(workerTimerSlack); err != nil {
				warnSlack.Do(func() { logger.Warn("signing workers run with the default timer slack", "err", err) })
			}
			errc <- cmd.Start()
		}()
		return <-errc
	}
}

// workerTimerSlack is how late the kernel may wake a signing worker's
// threads from a timed sleep (PR_SET_TIMERSLACK; the default is 50 us).
// A worker sleeps on timers for one thing while it signs: the Go
// runtime's monitor thread (sysmon), woken by each call's first system
// call, polls every 20 us for a millisecond, then ever less often, and
// each poll is a wake-up of its own (some 18 us of CPU on this machine's
// virtual CPUs: 0.6-0.85 ms per outgoing lifecycle, 12-15 % of the
// worker's CPU). With 5 ms of slack it polls at most every 5 ms, about
// once per call (1 ms still meant a poll per millisecond of work). What
// else may now wake up to 5 ms late: the worker's time-outs (HTTP
// requests for revocation data and time-stamps, in seconds) and the
// runtime's own short sleeps (a thread about to steal another's next
// goroutine, the collector waiting for a goroutine to stop), which
// delay work by that much at worst and cost no CPU.
const workerTimerSlack = 5 * time.Millisecond

// serveTimerSlack is the timer slack serve runs with: how late the kernel
// may wake its threads from a timed sleep (the default is 50 us). Its
// runtime's monitor thread (sysmon) sleeps whenever every Go processor is
// idle — serve waiting for PostgreSQL, MinIO, a worker or a client, some
// 25 times per outgoing lifecycle — and the next system call wakes it,
// after which it polls every 20 us until serve is idle again: 60 polls,
// 85 futex calls and 180 context switches per lifecycle, about a quarter
// of serve's CPU in the kernel's task switching. With 5 ms, as the signing
// workers have (workerTimerSlack), it polls at most every 5 ms. What else
// may wake up to 5 ms late: timeouts and polls of serve's own (seconds, or
// the session lease's 250 ms), and the runtime's short sleeps (a thread
// about to steal another's next goroutine, the collector waiting for a
// goroutine to stop), which cost no CPU. The slack is set before the
// runtime starts its threads: execWithTimerSlack.
const serveTimerSlack = 5 * time.Millisecond
