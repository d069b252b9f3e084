package main

import (
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
