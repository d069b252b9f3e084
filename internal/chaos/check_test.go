package chaos

import (
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
