package workflow

import (
	"fmt"
	"testing"
)

// TestUnseen: the refusals after a document's last mark seen, newest
// first; a mark covers every refusal before it, none after.
func TestUnseen(t *testing.T) {
	r, s, x := EventDeliveryRefused, EventRefusalsSeen, EventComment
	for _, tc := range []struct {
		kinds []EventKind
		want  string
	}{
		{nil, "[]"},
		{[]EventKind{x, x}, "[]"},
		{[]EventKind{r}, "[1]"},
		{[]EventKind{r, x, r}, "[3 1]"},
		{[]EventKind{r, r, s}, "[]"},
		{[]EventKind{r, s, r}, "[3]"},
		{[]EventKind{r, s, s, r, x, r}, "[6 4]"},
	} {
		var evs []Event
		for i, k := range tc.kinds {
			evs = append(evs, Event{Seq: int64(i + 1), Kind: k})
		}
		var got []int64
		for _, e := range Unseen(evs) {
			got = append(got, e.Seq)
		}
		if fmt.Sprint(got) != tc.want {
			t.Errorf("Unseen(%v) = %v, want %s", tc.kinds, got, tc.want)
		}
	}
}
