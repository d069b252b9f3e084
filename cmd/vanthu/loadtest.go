package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/vanthu/vanthu/internal/loadtest"
)

// urlList is a repeatable, comma-separated --url.
type urlList []string

func (u *urlList) String() string { return strings.Join(*u, ",") }
func (u *urlList) Set(s string) error {
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*u = append(*u, x)
		}
	}
	return nil
}

// fileList is a repeatable flag of file names (not split at commas: a
// file's name may hold one).
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, " ") }
func (f *fileList) Set(s string) error { *f = append(*f, s); return nil }

// loadtestCmd is `vanthu loadtest`: complete lifecycles against running
// servers through the public API (internal/loadtest).
func loadtestCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var urls urlList
	fs.Var(&urls, "url", "server base URL (repeatable or comma-separated; requests go round-robin)")
	var pdfFiles fileList
	fs.Var(&pdfFiles, "pdf", "a PDF for the lifecycles to upload (repeatable: lifecycle i uploads the (i mod n)th), each copy made unique in its header's binary comment; default: a one-page PDF of the tool's")
	adminUser := fs.String("admin-user", "admin", "admin who creates the run's users")
	adminPW := fs.String("admin-password", "", "admin password (default $VANTHU_ADMIN_PASSWORD)")
	perRole := fs.Int("users-per-role", 4, "users per role (handler, officer, clerk, archivist) = concurrent lifecycles")
	mix := fs.String("mix", "outgoing=80,incoming=20", "lifecycle mix")
	dur := fs.Duration("duration", 0, "run this long (lifecycles in flight are finished)")
	count := fs.Int("count", 0, "run this many lifecycles")
	send := fs.Bool("send", false, "outgoing: send to a connected agency before archiving (needs the exchange on)")
	sendTo := fs.String("send-to", "", "org ID of the agency to send to (default: the first connected one)")
	jsonOut := fs.String("json", "", "write the report as JSON to this file")
	quiet := fs.Bool("quiet", false, "no progress line")
	retry := fs.Duration("retry", 0, "retry an action answered 503/429/502/504, 409 conflict or request_in_progress, or whose connection was lost, on the next server, for up to this long (0 = no retry; for runs through faults)")
	procs := fs.Int("procs", 1, "Go processors for the tool (GOMAXPROCS; 0 = Go's default; the GOMAXPROCS variable, when set, wins)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the tool (runtime/pprof) to this file")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if *adminPW == "" {
		*adminPW = getenv("VANTHU_ADMIN_PASSWORD")
	}
	m, err := loadtest.ParseMix(*mix)
	if err != nil {
		fmt.Fprintln(stderr, "vanthu loadtest:", err)
		return 2
	}
	if len(urls) == 0 || (*dur <= 0 && *count <= 0) || *adminPW == "" {
		fmt.Fprintln(stderr, "vanthu loadtest: need --url, --admin-password (or VANTHU_ADMIN_PASSWORD), and --duration or --count")
		return 2
	}
	cfg := loadtest.Config{URLs: urls, AdminUser: *adminUser, AdminPassword: *adminPW, UsersPerRole: *perRole, Mix: m,
		Duration: *dur, Count: *count, Send: *send, SendTo: *sendTo, Retry: *retry, Now: time.Now}
	if cfg.PDFs, err = loadtest.ReadPDFs(pdfFiles); err != nil {
		fmt.Fprintln(stderr, "vanthu loadtest: --pdf:", err)
		return 2
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	defer toolProcs(*procs, getenv)()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "vanthu loadtest:", err)
			return 1
		}
		defer stop()
	}
	rep, err := loadtest.Run(ctx, cfg)
	if rep == nil {
		fmt.Fprintln(stderr, "vanthu loadtest:", err)
		return 1
	}
	loadtest.WriteTable(stdout, rep)
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "vanthu loadtest:", err)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "vanthu loadtest: interrupted:", err)
		return 1
	}
	failed := 0
	for _, k := range rep.Lifecycles {
		failed += k.Failed
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// toolProcs sets the tool's Go processors to n for the run and returns the
// function that puts the previous number back. The tool mostly waits for
// answers, and each answer runs a few goroutines (the connection's reader,
// the lifecycle, the connection's writer) for some microseconds: with a
// processor per CPU, each hand-over from one to the next may wake an idle
// processor's thread through a futex, only for it to find nothing left to
// do and sleep again (400 lifecycles: 16,000 voluntary context switches
// with 2 processors, 9,000 with one, and 0.8 of the CPU). One processor
// does the same work without those wake-ups, on the machine whose CPU the
// run measures. Nothing changes when n <= 0 or the GOMAXPROCS variable is
// set.
func toolProcs(n int, getenv func(string) string) (restore func()) {
	if n <= 0 || getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(prev) }
}

// startCPUProfile writes a CPU profile to path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// parseExit is the exit code of a command whose flags did not parse: 0
// when they asked for help (-h), which the flag package has printed, 2
// for a usage error.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
