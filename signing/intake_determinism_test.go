package signing

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestInspectSameEachTime: a damaged file whose rebuild reads a chain of
// objects near the chain limit (a catalog's /AcroForm whose /Length
// refers to an object whose /Length refers to ...) gets the same answer
// every time: the rebuild walked its objects in map order and passed or
// failed the limit from run to run (FuzzIntake found it: a mapped file
// and memory disagreed).
func TestInspectSameEachTime(t *testing.T) {
	raw, err := os.ReadFile("testdata/fuzz/FuzzIntake/b5d3ba2deddc4bd5")
	if err != nil {
		t.Fatal(err)
	}
	b, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(strings.SplitN(string(raw), "\n", 2)[1]), "[]byte("), ")"))
	if err != nil {
		t.Fatal(err)
	}
	first, ferr := inspectBytes([]byte(b))
	for range 20 {
		info, err := inspectBytes(bytes.Clone([]byte(b)))
		if info != first || (err == nil) != (ferr == nil) || (err != nil && err.Error() != ferr.Error()) {
			t.Fatalf("inspected %+v, %v; before %+v, %v", info, err, first, ferr)
		}
	}
}
