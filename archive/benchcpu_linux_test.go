package archive_test

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// processCPU returns this process's CPU time (user + system).
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

// minioCPU returns the CPU time (user + system) of the test MinIO server,
// whose process id is in the file VANTHU_TEST_MINIO_PIDFILE names.
func minioCPU() (time.Duration, bool) {
	pidFile := os.Getenv("VANTHU_TEST_MINIO_PIDFILE")
	if pidFile == "" {
		return 0, false
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, false
	}
	stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command (which may hold spaces) in parentheses:
	// utime and stime are the 12th and 13th, in clock ticks (USER_HZ,
	// 100 on Linux).
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+st) * 10 * time.Millisecond, true
}
