package main

import (
	"testing"
	"time"
)

// TestLivenessConfig: VANTHU_HEARTBEAT and VANTHU_INSTANCE_STALE default
// to 5 s and 15 s; a stale time under two beats (one late beat would make
// a live instance dead), a beat of 0 or what is not a duration is refused
// at start.
func TestLivenessConfig(t *testing.T) {
	for _, tc := range []struct {
		beat, stale         string
		wantBeat, wantStale time.Duration // 0: refused
	}{
		{"", "", 5 * time.Second, 15 * time.Second},
		{"2s", "4s", 2 * time.Second, 4 * time.Second},
		{"5s", "9s", 0, 0},
		{"0s", "15s", 0, 0},
		{"5s", "soon", 0, 0},
	} {
		dir := t.TempDir()
		cfg, err := LoadConfig(newFlagSet(), nil, func(k string) string {
			return map[string]string{"VANTHU_HEARTBEAT": tc.beat, "VANTHU_INSTANCE_STALE": tc.stale, "VANTHU_DATA_DIR": dir}[k]
		})
		if tc.wantBeat == 0 {
			if err == nil {
				t.Errorf("VANTHU_HEARTBEAT=%q VANTHU_INSTANCE_STALE=%q accepted", tc.beat, tc.stale)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		beat, stale, err := cfg.liveness()
		if err != nil || beat != tc.wantBeat || stale != tc.wantStale {
			t.Errorf("VANTHU_HEARTBEAT=%q VANTHU_INSTANCE_STALE=%q: %s %s %v, want %s %s", tc.beat, tc.stale, beat, stale, err, tc.wantBeat, tc.wantStale)
		}
	}
}
