package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/vanthu/vanthu/internal/gcfloor"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/signproc"
)

// signWorkerCmd runs "vanthu sign-worker", which serve starts (never an
// operator): it builds the app as serve would from the configuration serve
// writes on its standard input — keys, development PKI, database — and
// makes the signatures serve sends it on file descriptor 3, answering on
// 4, until serve closes the pipe (docs/signing.md, "Eighth session").
func signWorkerCmd(ctx context.Context, opts options, args []string, getenv func(string) string, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign-worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	settings, err := readWorkerArgs(os.Stdin)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu sign-worker: %v (serve starts it)\n", err)
		return 2
	}
	cfg, err := LoadConfig(fs, append(settings, args...), getenv)
	if err != nil {
		fmt.Fprintf(stderr, "vanthu sign-worker: %v\n", err)
		return 2
	}
	logger := newLogger(stderr, cfg.LogLevel).With("process", "sign-worker", "pid", os.Getpid())
	defer gcfloor.Start(gcfloor.ServeFloor, getenv)()
	a, err := build(ctx, cfg, opts, logger)
	if err != nil {
		logger.Error("signing worker cannot start", "err", err)
		return 1
	}
	defer a.Close()
	// serve forgets its own "not revoked" answers (and OCSP responses) at
	// once when it stores a revocation, and sends its revocation epoch
	// with each call: the worker forgets its own when the epoch changed
	// (and before its first call), so that a revocation stored through
	// serve counts for the next signature here too. One stored by
	// another instance counts within the lease serve itself keeps
	// (gormdb.RevocationLease, pki.OCSPReuse).
	forget := a.db.ForgetRevocations
	if a.pki != nil {
		forget = func() {
			a.db.ForgetRevocations()
			a.pki.ForgetOCSP()
		}
	}
	// The pipes go on the runtime's network poller (non-blocking), so
	// that a worker waiting for its next call parks its goroutine instead
	// of keeping a thread and its P in a read: every P is then idle, and
	// the runtime's monitor thread sleeps until the call comes instead of
	// polling (every 20 us at first) for the 10 ms it takes to hand the
	// P of a blocked read back (workerTimerSlack does the same while it
	// signs).
	if err := errors.Join(syscall.SetNonblock(3, true), syscall.SetNonblock(4, true)); err != nil {
		logger.Warn("signing worker: its pipes stay blocking", "err", err)
	}
	calls, answers := os.NewFile(3, "calls"), os.NewFile(4, "answers")
	if calls == nil || answers == nil {
		logger.Error("signing worker: no pipes on fd 3 and 4 (serve starts it)")
		return 2
	}
	if err := signproc.Serve(calls, answers, a.docs.Signer, forget, logger); err != nil {
		logger.Error("signing worker stops", "err", err)
		return 1
	}
	return 0
}

// startSigning puts serve's signatures where VANTHU_SIGN_ISOLATION says:
// in worker processes (the pool replaces the document service's signer;
// the other uses of signing — verification on demand, uploads' checks —
// stay in the server), or on a lowered thread of the server with Ps of
// their own (signingProcs). A clock injected by the tests keeps them in
// the server, which has it. stop shuts the workers down.
func (a *app) startSigning(ctx context.Context, getenv func(string) string, stderr io.Writer) (stop func(), err error) {
	if a.cfg.SignIsolation != "process" || a.opts.now != nil {
		return signingProcs(a.docs.SignConcurrency, getenv, a.log), nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("signing workers: %w", err)
	}
	env := a.cfg.workerEnv(os.Environ())
	settings, err := json.Marshal(a.cfg.workerArgs())
	if err != nil {
		return nil, fmt.Errorf("signing workers: %w", err)
	}
	pool := signproc.New(signproc.Config{Size: a.docs.SignConcurrency, Logger: a.log,
		Start: startLowered(a.cfg.SignNice, a.log), Epoch: a.db.RevocationEpoch, View: signing.SignerView,
		Command: func() *exec.Cmd {
			cmd := exec.Command(exe, "sign-worker")
			cmd.Env, cmd.Stdout, cmd.Stderr = env, stderr, stderr
			cmd.Stdin = bytes.NewReader(settings)
			return cmd
		}})
	if err := pool.Start(ctx); err != nil {
		pool.Close(ctx)
		return nil, fmt.Errorf("signing workers: %w", err)
	}
	a.docs.Signer, a.docs.SignOn = pool, nil
	a.log.InfoContext(ctx, "signatures in worker processes", "workers", max(a.docs.SignConcurrency, 1), "nice", a.cfg.SignNice)
	return func() { pool.Close(context.Background()) }, nil
}

// workerEnv is base without the variables of c's settings: a worker gets
// its settings as flags (workerArgs) on its standard input, so that one
// set empty stays empty (an empty variable means the default) and the
// secrets among them (database URL, S3 keys) stay out of its environment.
// The variables that are no setting (VANTHU_PKCS11_PIN,
// VANTHU_KEY_PASSWORD, a key URI's pin-env) pass as they are.
func (c *Config) workerEnv(base []string) []string {
	set := map[string]bool{}
	for _, s := range c.settings() {
		set[s.env] = true
	}
	var env []string
	for _, kv := range base {
		if name, _, _ := strings.Cut(kv, "="); !set[name] {
			env = append(env, kv)
		}
	}
	return env
}

// workerArgs is every setting of c as resolved from environment and flags,
// as the flags that set it: a worker reads the same configuration whatever
// way serve got it. VANTHU_ADDR is the address serve listens on, which the
// development PKI names in what it issues.
func (c *Config) workerArgs() []string {
	var args []string
	for _, s := range c.settings() {
		v := ""
		switch {
		case s.str != nil:
			v = *s.str
		case s.num != nil:
			v = strconv.Itoa(*s.num)
		case s.boolean != nil:
			v = strconv.FormatBool(*s.boolean)
		}
		if s.env == "VANTHU_ADDR" && c.listenURL != "" {
			v = strings.TrimPrefix(c.listenURL, "http://")
		}
		args = append(args, "-"+s.flag+"="+v)
	}
	return args
}

// readWorkerArgs reads the flags serve writes on a worker's standard
// input (workerArgs, as a JSON array).
func readWorkerArgs(r io.Reader) ([]string, error) {
	var args []string
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&args); err != nil {
		return nil, fmt.Errorf("settings on standard input: %w", err)
	}
	return args, nil
}

// lockedWriter serialises the writes of serve's logger and of its
// workers' output copied into the same writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
