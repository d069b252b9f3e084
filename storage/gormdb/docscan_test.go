package gormdb

import (
	"slices"
	"sync"
	"testing"

	"gorm.io/gorm/schema"
)

// TestDocumentColumnsMatchRow: the hand-written reads select every column
// of documentRow but those no document needs, in the order of its fields,
// with one scan destination each (a column added to the row and not to
// documentColumns fails here).
func TestDocumentColumnsMatchRow(t *testing.T) {
	s, err := schema.Parse(&documentRow{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range s.Fields {
		if f.DBName != "" && !slices.Contains(documentColumnsNotRead, f.DBName) {
			want = append(want, f.DBName)
		}
	}
	if !slices.Equal(documentColumns, want) {
		t.Errorf("documentColumns =\n%v\nwant (documentRow's fields)\n%v", documentColumns, want)
	}
	if n := len((&documentRow{}).scanTargets()); n != len(documentColumns) {
		t.Errorf("%d scan targets for %d columns", n, len(documentColumns))
	}
}

func TestDollarPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		"SELECT 1":                      "SELECT 1",
		"a = ? AND b IN (?, ?) LIMIT ?": "a = $1 AND b IN ($2, $3) LIMIT $4",
	} {
		if got := dollarPlaceholders(in); got != want {
			t.Errorf("dollarPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}
