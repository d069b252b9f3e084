package web

import (
	"strings"
	"testing"

	"github.com/vanthu/vanthu/archive"
)

// TestArchiveSearchByRetention: the archivist at year end searches the
// records kept forever (Thời hạn bảo quản: Vĩnh viễn) of a year; the
// search form had no retention filter, and the records of every class
// came back. A class that does not exist is no filter.
func TestArchiveSearchByRetention(t *testing.T) {
	e := newTestEnv(t)
	var got archive.Query
	e.remount(t, Config{Archive: searchArchive{got: &got}})
	archivist := e.login("luutru")
	for _, tc := range []struct {
		query, class, selected string
	}{
		{"class=permanent&from=01/01/2026&to=31/12/2026", archive.ClassPermanent, `<option value="permanent" selected>Vĩnh viễn</option>`},
		{"class=10y", archive.Class10y, `<option value="10y" selected>10 năm</option>`},
		{"class=forever", "", `<option value="">Tất cả</option><option value="permanent">Vĩnh viễn</option>`},
		{"", "", `<option value="">Tất cả</option><option value="permanent">Vĩnh viễn</option>`},
	} {
		got = archive.Query{}
		p := archivist.get("/archive?" + tc.query)
		if got.Class != tc.class {
			t.Errorf("%s: searched class %q, want %q", tc.query, got.Class, tc.class)
		}
		if !strings.Contains(p.Body, `<label for="class">Thời hạn bảo quản</label>`) || !strings.Contains(p.Body, tc.selected) {
			t.Errorf("%s: the form lacks %s", tc.query, tc.selected)
		}
	}
}
