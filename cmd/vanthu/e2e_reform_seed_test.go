package main

import (
	"strings"
	"testing"
)

// TestReformFiguresOfTheSeed: `vanthu archive seed` gives an office whose
// reform report for 2020 has every figure measured (no empty denominator)
// and in the ranges the seed aims at; without --reform the figures that
// need more than archived records stay empty.
func TestReformFiguresOfTheSeed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		ranges map[string][2]float64 // percent bounds; [0,0] = no data
	}{
		{"OK/reform", []string{"--count", "400"}, map[string][2]float64{
			"two_layers": {80, 99}, "sent_electronically": {72, 95}, "incoming_electronic": {62, 88},
			"on_time": {60, 95}, "archive_reuse": {33, 58}}},
		{"OK/records only", []string{"--count", "50", "--reform=false"}, map[string][2]float64{
			"two_layers": {0, 0}, "sent_electronically": {0, 0}, "incoming_electronic": {0, 0}, "on_time": {0, 0}, "archive_reuse": {0, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_LOG_LEVEL": "error"}
			code, out, stderr := runCLI(t, env, append([]string{"archive", "seed"}, tc.args...)...)
			if code != 0 || !strings.Contains(out, "seeded") {
				t.Fatalf("seed: %d %s %s", code, out, stderr)
			}
			s := startServerIn(t, dir)
			admin := s.login(t, "admin", "admin-password-1")
			var rep struct {
				Figures []struct {
					Key                    string
					Numerator, Denominator int
					Percent                float64
				}
			}
			if st := admin.call("GET", "/api/v1/reports/reform?from=2020-01-01&to=2020-12-31", nil, &rep); st != 200 {
				t.Fatalf("reform: %d", st)
			}
			for _, f := range rep.Figures {
				r := tc.ranges[f.Key]
				if r == [2]float64{} {
					if f.Numerator != 0 && f.Key != "archive_reuse" {
						t.Errorf("%s: %d/%d without the reform seed", f.Key, f.Numerator, f.Denominator)
					}
					continue
				}
				if f.Denominator == 0 || f.Percent < r[0] || f.Percent > r[1] {
					t.Errorf("%s: %d/%d = %.1f%%, want %v", f.Key, f.Numerator, f.Denominator, f.Percent, r)
				}
				t.Logf("%s: %d/%d = %.1f%%", f.Key, f.Numerator, f.Denominator, f.Percent)
			}
		})
	}
}

// startServerIn serves an existing data directory.
func startServerIn(t *testing.T, dir string) *server {
	t.Helper()
	return startServer(t, map[string]string{"VANTHU_DATA_DIR": dir})
}
