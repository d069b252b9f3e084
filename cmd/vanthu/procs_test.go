package main

import (
	"context"
	"log/slog"
	"runtime"
	"testing"
)

// serve's GOMAXPROCS: the CPUs plus the turns to sign, when they are
// bounded below the CPUs and GOMAXPROCS is not set; put back after.
func TestSigningProcs(t *testing.T) {
	cpus := runtime.GOMAXPROCS(0)
	log := slog.New(slog.DiscardHandler)
	none := func(string) string { return "" }
	for _, c := range []struct {
		name   string
		sign   int
		getenv func(string) string
		want   int
	}{
		{"bound", 1, none, cpus + 1},
		{"GOMAXPROCS set", 1, func(k string) string { return map[string]string{"GOMAXPROCS": "2"}[k] }, cpus},
		{"unbounded", 0, none, cpus},
		{"every CPU", cpus, none, cpus},
	} {
		if c.sign >= cpus && c.sign > 0 && c.name == "bound" {
			continue
		}
		restore := signingProcs(c.sign, c.getenv, log)
		got := runtime.GOMAXPROCS(0)
		restore()
		if got != c.want {
			t.Errorf("%s: GOMAXPROCS %d, want %d", c.name, got, c.want)
		}
		if now := runtime.GOMAXPROCS(0); now != cpus {
			t.Errorf("%s: GOMAXPROCS %d after restore, want %d", c.name, now, cpus)
		}
	}
}

// VANTHU_SIGN_CONCURRENCY 0: a signature per CPU where the signatures run
// in lowered worker processes, one fewer elsewhere; at least one. And
// build resolves it so from the configuration.
func TestDefaultSignConcurrency(t *testing.T) {
	for _, c := range []struct {
		cpus    int
		lowered bool
		want    int
	}{
		{1, true, 1}, {2, true, 2}, {8, true, 8},
		{1, false, 1}, {2, false, 1}, {8, false, 7},
	} {
		if got := defaultSignConcurrency(c.cpus, c.lowered); got != c.want {
			t.Errorf("defaultSignConcurrency(%d, %v) = %d, want %d", c.cpus, c.lowered, got, c.want)
		}
	}
	cpus := runtime.GOMAXPROCS(0)
	for _, c := range []struct {
		env  map[string]string
		want int
	}{
		{map[string]string{}, defaultSignConcurrency(cpus, runtime.GOOS == "linux")},
		{map[string]string{"VANTHU_SIGN_ISOLATION": "thread"}, defaultSignConcurrency(cpus, false)},
		{map[string]string{"VANTHU_SIGN_NICE": "0"}, defaultSignConcurrency(cpus, false)},
		{map[string]string{"VANTHU_SIGN_CONCURRENCY": "3"}, 3},
	} {
		c.env["VANTHU_DATA_DIR"] = t.TempDir()
		cfg, err := LoadConfig(newFlagSet(), nil, func(k string) string { return c.env[k] })
		if err != nil {
			t.Fatal(err)
		}
		a, err := build(context.Background(), cfg, options{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if got := a.docs.SignConcurrency; got != c.want {
			t.Errorf("%v: SignConcurrency = %d, want %d", c.env, got, c.want)
		}
		a.Close()
	}
}
