package testpdf

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

const isolateEnv = "VANTHU_TEST_ISOLATED"

// RunIsolated runs fn in a child process: the test binary run again with
// only the calling test selected. A fatal runtime error in fn (a stack
// overflow or an out-of-memory abort, which recover cannot catch) then
// fails this test instead of killing the whole run. fn's return value is
// handed back to the parent; in the child, RunIsolated returns "" and the
// test should do nothing else.
//
// The child is killed after 5 minutes: a guard against a hang leaving a
// process behind, not a measure of speed.
func RunIsolated(t *testing.T, fn func() string) (string, bool) {
	t.Helper()
	const begin, end = "\n<<<isolated-result>>>\n", "\n<<<end-isolated-result>>>\n"
	if os.Getenv(isolateEnv) == t.Name() {
		os.Stdout.WriteString(begin + fn() + end)
		return "", false
	}
	if os.Getenv(isolateEnv) != "" {
		t.Skip("another isolated test runs in this process")
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run="+strings.Join(parts, "/"), "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), isolateEnv+"="+t.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	o := out.String()
	i, j := strings.Index(o, begin), strings.Index(o, end)
	if err != nil || i < 0 || j < i {
		if len(o) > 4000 {
			o = o[:2000] + "\n...\n" + o[len(o)-2000:]
		}
		t.Fatalf("the isolated run failed (%v):\n%s", err, o)
	}
	return o[i+len(begin) : j], true
}

// Allocated returns the bytes allocated while fn ran (heap allocations,
// runtime.MemStats.TotalAlloc): a bound on the memory fn can have used.
func Allocated(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}
