package signproc

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// BenchmarkVerifyRoundTrip: the process round trip of a received
// document's verification (Pool.Verify) — a 145 KB PDF to a worker, a
// report of 6 KB back (the sizes of an issued Chromium decision and its
// report) — with a worker whose verification costs nothing (fakeSigner).
// cpu-ms per call: the server's (this process) and the worker's
// (/proc), all threads.
func BenchmarkVerifyRoundTrip(b *testing.B) {
	p := newPoolConfig(b, Config{Size: 1})
	pdf := append([]byte("big:"), bytes.Repeat([]byte("0123456789abcdef"), 145<<10/16)...)
	ctx := context.Background()
	if _, err := p.Verify(ctx, pdf); err != nil {
		b.Fatal(err)
	}
	pid := p.onlyWorker()
	b.ReportAllocs()
	b.ResetTimer()
	self, worker := selfCPU(), procCPU(b, pid)
	for range b.N {
		v, err := p.Verify(ctx, pdf)
		if err != nil || len(v.Report) < 6000 {
			b.Fatal(err, len(v.Report))
		}
	}
	b.ReportMetric(float64(selfCPU()-self)/1e6/float64(b.N), "server-cpu-ms/op")
	b.ReportMetric(float64(procCPU(b, pid)-worker)/1e6/float64(b.N), "worker-cpu-ms/op")
}

// onlyWorker is the process id of the pool's one worker.
func (p *Pool) onlyWorker() int {
	w := <-p.slots
	defer p.release(w)
	return w.pid()
}

func selfCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// procCPU is pid's user and system time in ns (/proc/pid/stat).
func procCPU(b *testing.B, pid int) int64 {
	s, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(s[bytes.LastIndexByte(s, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return (ut + st) * 1e7 // USER_HZ = 100
}
