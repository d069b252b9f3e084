package verify

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestPrecheckUnplaced (PrecheckFindings): entries in use at offset 0 or past the end (as
// macOS's Quartz PDFContext writes for numbers it never used) are listed;
// free entries, placed objects and objects in object streams are not.
func TestPrecheckUnplaced(t *testing.T) {
	pdf := basePDF()
	i := strings.LastIndex(string(pdf), "trailer")
	// Rewrite the table with two in-use entries that point nowhere.
	x := strings.LastIndex(string(pdf[:i]), "xref")
	table := string(pdf[x:i])
	var n int
	fmt.Sscanf(table[strings.Index(table, "\n")+1:], "0 %d", &n)
	table = strings.Replace(table, fmt.Sprintf("0 %d", n), fmt.Sprintf("0 %d", n+2), 1) +
		"0000000000 00000 n \n" + fmt.Sprintf("%010d 00000 n \n", len(pdf)+1000)
	trailer := strings.Replace(string(pdf[i:]), fmt.Sprintf("/Size %d", n), fmt.Sprintf("/Size %d", n+2), 1)
	out := string(pdf[:x]) + table + trailer
	got, err := PrecheckFindings([]byte(out), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Unplaced{{n, 0}, {n + 1, 0}}; !slices.Equal(got.Unplaced, want) || got.Damaged != "" {
		t.Fatalf("unplaced %v, damaged %q; want %v and nothing damaged", got.Unplaced, got.Damaged, want)
	}
	if got, err := PrecheckFindings(basePDF(), DefaultLimits); err != nil || len(got.Unplaced) != 0 || got.Damaged != "" {
		t.Fatalf("a whole file: %+v, %v", got, err)
	}
}
