package chaos

import "testing"

// TestJudgeCollectable: the chaos report's blob checks fail when the
// unreferenced blobs and the collector's dry run differ — an orphan the
// collector would not take (uncollectable), a referenced blob it would
// take (wrongly unreferenced), counts that differ — or when the blob of an
// upload killed before its row committed is not among the unreferenced
// ones; and pass when they agree, zero included.
func TestJudgeCollectable(t *testing.T) {
	const a, b, r = "blobs/aa/aa11", "blobs/bb/bb22", "blobs/cc/cc33" // r: referenced
	for _, tc := range []struct {
		name                string
		orphans, candidates []string
		collectable         int
		ok                  bool
	}{
		{"OK/two", []string{a, b}, []string{b, a}, 2, true},
		{"OK/none", nil, nil, 0, true},
		{"ErrUncollectable", []string{a, b}, []string{a}, 1, false},
		{"ErrReferencedTaken", []string{a}, []string{a, r}, 2, false},
		{"ErrCountDiffers", []string{a, b}, []string{a, b}, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := judgeCollectable(tc.orphans, tc.candidates, tc.collectable)
			if c.OK != tc.ok || c.Count != len(tc.orphans) || (c.Bad == 0) != tc.ok {
				t.Errorf("judgeCollectable(%v, %v, %d) = %+v, want ok %v", tc.orphans, tc.candidates, tc.collectable, c, tc.ok)
			}
		})
	}
	for _, tc := range []struct {
		name             string
		planted, orphans []string
		ok               bool
	}{
		{"OK", []string{a}, []string{b, a}, true},
		{"ErrPlantedReferenced", []string{a, r}, []string{a, b}, false},
		{"ErrPlantedMissing", []string{a}, nil, false},
	} {
		t.Run("planted/"+tc.name, func(t *testing.T) {
			if c := judgePlanted(tc.planted, tc.orphans); c.OK != tc.ok {
				t.Errorf("judgePlanted(%v, %v) = %+v, want ok %v", tc.planted, tc.orphans, c, tc.ok)
			}
		})
	}
}
