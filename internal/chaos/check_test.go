package chaos

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestJudgeLongestRetry: an action that retried longer than the limit
// fails the check (a create whose idempotency key a killed instance held
// for the server's fixed 2 minutes did), one within it passes, and the
// count is the longest wait.
func TestJudgeLongestRetry(t *testing.T) {
	for _, tc := range []struct {
		name    string
		longest map[string]float64
		count   int
		bad     int
		detail  string
	}{
		{"no retry", nil, 0, 0, ""},
		{"within the leases", map[string]float64{"outgoing issue": 21.2, "outgoing create": 3}, 22, 0, "outgoing issue 21.2 s"},
		{"a key held 2 minutes", map[string]float64{"outgoing issue": 21.2, "outgoing create": 121.5, "incoming create": 119}, 122, 2, "outgoing create retried for 122 s"},
		{"at the limit", map[string]float64{"outgoing sign": 80}, 80, 0, "outgoing sign 80.0 s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := judgeLongestRetry(tc.longest, 80*time.Second)
			if c.Count != tc.count || c.Bad != tc.bad || !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("judgeLongestRetry(%v) = %+v, want count %d, bad %d, detail with %q", tc.longest, c, tc.count, tc.bad, tc.detail)
			}
		})
	}
}

func TestJudgeAnchors(t *testing.T) {
	line := func(found, agree, sup, past, rej int) string {
		return fmt.Sprintf("anchors: %d found, %d agree with the chain, %d superseded by a restore, %d past a broken event, %d rejected; 1 signatures checked\naudit chain intact: 900 events\n", found, agree, sup, past, rej)
	}
	cases := []struct {
		name    string
		out     string
		err     error
		seconds float64
		bad     bool
	}{
		{"all agree", line(6, 6, 0, 0, 0), nil, 50, false},
		{"none written in a short load", line(0, 0, 0, 0, 0), nil, 12, false},
		{"none written in a long load", line(0, 0, 0, 0, 0), nil, 50, true},
		{"one rejected", line(6, 5, 0, 0, 1), nil, 50, true},
		{"one disagrees", line(6, 5, 0, 0, 0), nil, 50, true},
		{"past a broken event", line(6, 4, 0, 2, 0), nil, 50, true},
		{"no anchors line", "audit chain intact: 900 events\n", nil, 50, true},
		{"verify failed", line(6, 6, 0, 0, 0), errors.New("exit status 1"), 50, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := judgeAnchors(c.out, c.err, c.seconds, 5*time.Second)
			if (got.Bad > 0) != c.bad {
				t.Errorf("bad = %d (%s), want bad %v", got.Bad, got.Detail, c.bad)
			}
		})
	}
}
