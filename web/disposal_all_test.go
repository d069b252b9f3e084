package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// foundArchive has n expired records, every third a Thông báo (TB), the
// others Hướng dẫn; Expired honours the type filter and pages by its
// cursor, ProposeDisposal keeps the records proposed.
type foundArchive struct {
	listedArchive
	n        int
	queries  *[]archive.Query
	proposed *[]string
}

func (a *foundArchive) Expired(_ context.Context, _ *workflow.User, q archive.Query) ([]*archive.Record, string, error) {
	*a.queries = append(*a.queries, q)
	start := 0
	if q.After != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(q.After, "r"))
		start++
	}
	var out []*archive.Record
	for i := start; i < a.n; i++ {
		typ := workflow.DocType("HD")
		if i%3 == 0 {
			typ = "TB"
		}
		if q.Type != "" && q.Type != typ {
			continue
		}
		if len(out) == q.Limit {
			return out, out[len(out)-1].DocumentID, nil
		}
		out = append(out, &archive.Record{DocumentID: fmt.Sprintf("r%04d", i), Type: typ, Notation: fmt.Sprintf("%02d/%s-UBND", i+1, typ),
			Subject: fmt.Sprintf("Về việc số %d", i), Class: archive.Class5y, RetainUntil: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	return out, "", nil
}

func (a *foundArchive) ProposeDisposal(_ context.Context, _ *workflow.User, title string, ids []string) (*workflow.Disposal, error) {
	*a.proposed = append([]string(nil), ids...)
	return &workflow.Disposal{ID: "L9", Title: title, State: workflow.DisposalProposed}, nil
}

// TestDisposalOfEverythingFound: at year end the archivist filters the
// expired records by type, retention and the document's dates (kept in
// the next page's link and in the proposal's form) and proposes every
// record they find, on all pages, in one list — but those already on a
// waiting list; more than a list takes is refused, saying to narrow the
// filters; a date that does not read is named. Before, the page had a
// subject box only, and 2,503 expired records were 50 ticks a list
// (walk 12, the archivist at year end).
func TestDisposalOfEverythingFound(t *testing.T) {
	e := newTestEnv(t)
	var queries []archive.Query
	var proposed []string
	due := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &foundArchive{n: 180, queries: &queries, proposed: &proposed}
	a.lists = []*workflow.Disposal{{ID: "L1", Title: "Đợt 1", State: workflow.DisposalProposed,
		Items: []workflow.DisposalItem{{DocumentID: "r0000", RetainUntil: due}, {DocumentID: "r0003", RetainUntil: due}}}}
	a.d = a.lists[0]
	e.remount(t, Config{Archive: a})
	arch := e.login("luutru")

	p := arch.get("/disposals?type=TB&class=5y&to=31/12/2021")
	if p.Status != http.StatusOK {
		t.Fatalf("filtered: %d\n%s", p.Status, p.Body)
	}
	got := queries[len(queries)-1]
	if got.Type != "TB" || got.Class != archive.Class5y || got.To == nil || got.To.String() != "2021-12-31" {
		t.Errorf("the expired records read with %+v", got)
	}
	for _, want := range []string{`<option value="TB" selected>`, `<option value="5y" selected>`, `value="31/12/2021"`,
		`<input type="hidden" name="type" value="TB">`, `<input type="hidden" name="to" value="31/12/2021">`, `name="all" value="1"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the filtered page lacks %s", want)
		}
	}
	m := regexp.MustCompile(`href="(/disposals\?[^"]+)">Trang sau`).FindStringSubmatch(p.Body)
	if m == nil || !strings.Contains(m[1], "type=TB") || !strings.Contains(m[1], "class=5y") {
		t.Errorf("the next page's link %v drops the filters", m)
	}

	p = arch.post("/disposals", url.Values{"all": {"1"}, "title": {"Tiêu hủy Thông báo năm 2021"}, "type": {"TB"}, "record": {"r0006"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/disposals/L9") {
		t.Fatalf("propose all found: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	var want []string
	for i := 0; i < a.n; i += 3 {
		if i != 0 && i != 3 { // on Đợt 1
			want = append(want, fmt.Sprintf("r%04d", i))
		}
	}
	if !slices.Equal(proposed, want) {
		t.Errorf("proposed %d records %v…, want the %d Thông báo found on every page but the two listed", len(proposed), proposed[:min(3, len(proposed))], len(want))
	}

	a.n = 3*archive.MaxDisposalRequest + 9
	proposed = nil
	p = arch.post("/disposals", url.Values{"all": {"1"}, "title": {"Tiêu hủy"}, "type": {"TB"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Hãy thu hẹp bộ lọc") || proposed != nil {
		t.Errorf("more than a list takes: %d, proposed %d\n%s", p.Status, len(proposed), p.Body)
	}
	if p := arch.get("/disposals?from=31/02/2021"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="filter-error"`) {
		t.Errorf("a date that does not read: %d", p.Status)
	}
}
