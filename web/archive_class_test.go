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

// TestArchiveSearchOffersNotation: an archivist who types a notation
// (01/QĐ-UBND) or a number into Trích yếu có chứa and finds nothing is
// offered the same search by Số, ký hiệu or Số, the other filters kept —
// she read "Không tìm thấy hồ sơ nào phù hợp" of a decision in the
// archive (walk 7). Words of a subject, or a search that found
// something, are offered nothing.
func TestArchiveSearchOffersNotation(t *testing.T) {
	e := newTestEnv(t)
	var got archive.Query
	e.remount(t, Config{Archive: searchArchive{got: &got}})
	archivist := e.login("luutru")
	for _, tc := range []struct{ query, want string }{
		{"q=01%2FQ%C4%90-UBND&type=QD", `tìm “01/QĐ-UBND” theo số, ký hiệu</a>`},
		{"q=01%2FQ%C4%90-UBND&type=QD", `href="/archive?notation=01%2FQ%C4%90-UBND&amp;type=QD"`},
		{"q=15", `href="/archive?number=15"`},
		{"q=h%E1%BB%99+ngh%C3%A8o", ""},
		{"notation=01%2FQ%C4%90-UBND", ""},
	} {
		p := archivist.get("/archive?" + tc.query)
		offered := strings.Contains(p.Body, `id="search-instead"`)
		if offered != (tc.want != "") || !strings.Contains(p.Body, tc.want) {
			t.Errorf("%s: offered %v, want %q", tc.query, offered, tc.want)
		}
	}
}
