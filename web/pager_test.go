package web

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// spanOf is the line that says which documents a list page shows of how
// many ("" when the page has none).
func spanOf(body string) string {
	m := regexp.MustCompile(`<p class="list-span muted">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// nextOf is the "Trang sau" link of a list page ("" when it has none).
func nextOf(body string) string {
	m := regexp.MustCompile(`href="([^"]+)">Trang sau`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// TestListSaysHowManyAndWhere: a list says how many documents its filter
// finds, for this user, and which of them the page shows — a clerk could
// not tell whether a search found 3 documents or 3,000; a confidential
// document another user may not see is not counted for them; an empty
// search says so, with no count; a page reached without a position it
// can trust (no start, or one beyond the count) says how many it shows.
func TestListSaysHowManyAndWhere(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	for i := range listPageSize + 5 {
		e.newIncoming(clerk, fmt.Sprintf("Công văn số %03d về đất đai", i), nil)
	}
	e.newIncoming(clerk, "Kế hoạch bảo vệ bí mật nhà nước", url.Values{"confidentiality": {"secret"}})
	p := clerk.get("/incoming")
	if got, want := spanOf(p.Body), "Hiển thị 1–50 trong 56 văn bản"; got != want {
		t.Errorf("first page: %q, want %q", got, want)
	}
	next := nextOf(p.Body)
	if !strings.Contains(next, "start=51") {
		t.Fatalf("next page link %q", next)
	}
	p = clerk.get(next)
	if got, want := spanOf(p.Body), "Hiển thị 51–56 trong 56 văn bản"; got != want {
		t.Errorf("second page: %q, want %q", got, want)
	}
	if nextOf(p.Body) != "" || !strings.Contains(p.Body, "« Trang đầu") {
		t.Errorf("second page links: next %q", nextOf(p.Body))
	}
	cursor, _ := url.ParseQuery(strings.TrimPrefix(next, "/incoming?"))
	for _, start := range []string{"", "0", "52", "abc"} {
		p = clerk.get("/incoming?cursor=" + url.QueryEscape(cursor.Get("cursor")) + "&start=" + start)
		if got, want := spanOf(p.Body), "Hiển thị 6 trong 56 văn bản"; got != want {
			t.Errorf("second page, start %q: %q, want %q", start, got, want)
		}
	}
	officer := e.login("lanhdao")
	if got, want := spanOf(officer.get("/incoming").Body), "Hiển thị 1–50 trong 55 văn bản"; got != want {
		t.Errorf("officer's first page: %q, want %q", got, want)
	}
	if got, want := spanOf(clerk.get("/incoming?q=001").Body), "Hiển thị 1–1 trong 1 văn bản"; got != want {
		t.Errorf("search: %q, want %q", got, want)
	}
	p = clerk.get("/incoming?q=kh%C3%B4ng+c%C3%B3")
	if got := spanOf(p.Body); got != "" || !strings.Contains(p.Body, "Không có văn bản nào phù hợp với điều kiện lọc.") {
		t.Errorf("empty search: span %q\n%s", got, p.Body)
	}
}

// pagedArchive finds total records, a page of them at a time.
type pagedArchive struct {
	Archive
	total int
}

func (a pagedArchive) Search(_ context.Context, _ *workflow.User, q archive.Query) ([]*archive.Record, string, error) {
	if q.Q != "" {
		return nil, "", nil
	}
	first := 0
	if q.After != "" {
		first = listPageSize
	}
	var recs []*archive.Record
	for i := first; i < min(a.total, first+listPageSize); i++ {
		recs = append(recs, &archive.Record{DocumentID: fmt.Sprintf("d%03d", i), Subject: "Hồ sơ"})
	}
	next := ""
	if first+listPageSize < a.total {
		next = recs[len(recs)-1].DocumentID
	}
	return recs, next, nil
}

func (a pagedArchive) SearchCount(ctx context.Context, u *workflow.User, q archive.Query) ([]*archive.Record, string, int, error) {
	recs, next, err := a.Search(ctx, u, q)
	if q.Q != "" {
		return recs, next, 0, err
	}
	return recs, next, a.total, err
}

// TestArchiveSearchSaysHowManyAndWhere: the archive search says how many
// records it finds and which of them the page shows, or that it finds
// none.
func TestArchiveSearchSaysHowManyAndWhere(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{Archive: pagedArchive{total: 87}})
	archivist := e.login("luutru")
	p := archivist.get("/archive?type=CV")
	if got, want := spanOf(p.Body), "Hiển thị 1–50 trong 87 hồ sơ"; got != want {
		t.Errorf("first page: %q, want %q", got, want)
	}
	p = archivist.get(nextOf(p.Body))
	if got, want := spanOf(p.Body), "Hiển thị 51–87 trong 87 hồ sơ"; got != want {
		t.Errorf("second page: %q, want %q", got, want)
	}
	p = archivist.get("/archive?q=kh%C3%B4ng+c%C3%B3")
	if got := spanOf(p.Body); got != "" || !strings.Contains(p.Body, "Không tìm thấy hồ sơ nào phù hợp.") {
		t.Errorf("empty search: span %q", got)
	}
}
