package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
)

// BenchmarkSignWorkers runs b.N outgoing documents from upload to issue
// (4 at a time, as vanthu loadtest's default users per role) through the
// wired app on SQLite with its signatures in worker processes, as serve
// places them (startSigning), and reports the CPU time of the signing
// workers per document (worker-ms/lifecycle: every thread, from
// /proc/PID/task/TID/schedstat, nanoseconds) and that of this process
// (process-ms/lifecycle: the server and the benchmark's client together).
func BenchmarkSignWorkers(b *testing.B) {
	o := newBenchOffice(b, gormdb.SQLite)
	defer o.app.Close()
	stop, err := o.app.startSigning(context.Background(), func(string) string { return "" }, os.Stderr)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	srv := httptest.NewServer(o.h)
	defer srv.Close()
	w := newIssueWorkers(b, o, srv.URL)
	for range 8 { // warm up: the workers' first signatures load keys and fonts
		if err := w.lifecycle(); err != nil {
			b.Fatal(err)
		}
	}
	workers, wakeups := childCPU(b)
	var self0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self0)
	b.ResetTimer()
	var next sync.Mutex
	n := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				next.Lock()
				if n == b.N {
					next.Unlock()
					return
				}
				n++
				next.Unlock()
				if err := w.lifecycle(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	var self1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self1)
	cpu := func(r syscall.Rusage) float64 { return float64(r.Utime.Nano() + r.Stime.Nano()) }
	workers1, wakeups1 := childCPU(b)
	b.ReportMetric((workers1-workers)/1e6/float64(b.N), "worker-ms/lifecycle")
	b.ReportMetric((wakeups1-wakeups)/float64(b.N), "worker-runs/lifecycle")
	b.ReportMetric((cpu(self1)-cpu(self0))/1e6/float64(b.N), "process-ms/lifecycle")
}

// childCPU is the CPU time, in nanoseconds, of this process's children
// (the signing workers), every thread counted, and how many times their
// threads were put on a CPU.
func childCPU(b *testing.B) (ns, runs float64) {
	b.Helper()
	tasks, _ := filepath.Glob("/proc/[0-9]*/task/*/stat")
	me := strconv.Itoa(os.Getpid())
	for _, st := range tasks {
		raw, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// Fields after the command (which may hold spaces): state, ppid, ...
		s := string(raw)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) < 2 || f[1] != me {
			continue
		}
		sched, err := os.ReadFile(filepath.Join(filepath.Dir(st), "schedstat"))
		if err != nil {
			continue
		}
		var t, wait, n float64
		fmt.Sscan(string(sched), &t, &wait, &n)
		ns, runs = ns+t, runs+n
	}
	return ns, runs
}
