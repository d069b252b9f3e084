package web

import (
	"testing"
	"time"
)

// TestHeldPasswordsOnceThenGone: an import's passwords are taken once,
// by the session that made the import, before heldTTL; then, or by
// another session, or with another key, there is nothing; what expired
// is zeroed.
func TestHeldPasswordsOnceThenGone(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		session string
		wrongID bool
		at      time.Duration
		want    bool
	}{
		{"its session, in time", "phien-a", false, heldTTL - time.Second, true},
		{"its session, too late", "phien-a", false, heldTTL, false},
		{"another session", "phien-b", false, time.Minute, false},
		{"another key", "phien-a", true, time.Minute, false},
	} {
		h := newHeldPasswords()
		csv := []byte("username,initial_password\nlan,bi-mat\n")
		id := h.put("phien-a", csv, t0)
		if tc.wrongID {
			id = h.put("phien-a", []byte("x"), t0)[:10]
		}
		got, ok := h.take(id, tc.session, t0.Add(tc.at))
		if ok != tc.want || ok && string(got) != "username,initial_password\nlan,bi-mat\n" {
			t.Errorf("%s: %v %q", tc.name, ok, got)
		}
		if ok {
			if _, again := h.take(id, tc.session, t0.Add(tc.at)); again {
				t.Errorf("%s: taken twice", tc.name)
			}
		}
		if tc.at >= heldTTL && (csv[0] != 0 || len(h.byID) != 0) {
			t.Errorf("%s: expired, still held (%d) or not zeroed", tc.name, len(h.byID))
		}
	}
}
