package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/workflow"
)

// manyArchive finds n decisions, in pages of the query's limit, and
// records the queries it is asked.
type manyArchive struct {
	Archive
	n       int
	queries *[]archive.Query
	counted *int // the pages read with their count (SearchCount)
}

func (a manyArchive) SearchCount(ctx context.Context, u *workflow.User, q archive.Query) ([]*archive.Record, string, int, error) {
	*a.counted++
	recs, next, err := a.Search(ctx, u, q)
	return recs, next, a.n, err
}

func (a manyArchive) Search(_ context.Context, _ *workflow.User, q archive.Query) ([]*archive.Record, string, error) {
	*a.queries = append(*a.queries, q)
	first := 0
	if q.After != "" {
		first, _ = strconv.Atoi(q.After)
	}
	day := workflow.NewDate(2026, 3, 9)
	var recs []*archive.Record
	for i := first; i < min(a.n, first+q.Limit); i++ {
		recs = append(recs, &archive.Record{DocumentID: fmt.Sprintf("d%03d", i), Key: fmt.Sprintf("records/d%03d/v5/", i),
			Direction: workflow.Outgoing, Type: "QĐ", Notation: fmt.Sprintf("%02d/QĐ-UBND", i+1), DocDate: &day,
			Subject: fmt.Sprintf("Quyết định thu hồi đất số %d", i+1), SignerName: "Trần Văn Quyết",
			Orgs:            []workflow.Org{{OrgID: "000.00.00.H13", Name: "Sở Tài nguyên và Môi trường"}, {Name: "Hộ ông Nguyễn Văn A"}},
			Confidentiality: workflow.Public, Class: archive.ClassPermanent, RetainUntil: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), LegalHold: i == 0,
			ArchivedAt: time.Date(2026, 3, 10, 2, 30, 0, 0, time.UTC)})
	}
	next := ""
	if first+q.Limit < a.n {
		next = strconv.Itoa(first + q.Limit)
	}
	return recs, next, nil
}

// TestArchiveSearchCSV: the archive search's results offer a CSV file of
// everything found — with the search's filters, on all its pages, not
// only the page shown — that a spreadsheet opens in Vietnamese; a search
// that finds nothing offers none; a filter that does not read shows its
// problem instead of a file. The archivist could read the list only on
// screen, fifty at a time.
func TestArchiveSearchCSV(t *testing.T) {
	e := newTestEnv(t)
	var queries []archive.Query
	var counted int
	e.remount(t, Config{Archive: manyArchive{n: 230, queries: &queries, counted: &counted}})
	archivist := e.login("luutru")
	p := archivist.get("/archive?q=%C4%91%E1%BA%A5t&signer=Quy%E1%BA%BFt&type=Q%C4%90&from=01/01/2026&to=31/12/2026")
	m := regexp.MustCompile(`href="([^"]+)" id="archive-csv"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSV link on the results:\n%s", p.Body)
	}
	queries, counted = nil, 0
	f := archivist.get(html.UnescapeString(m[1]))
	if f.Status != 200 || !strings.HasPrefix(f.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(f.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %q %q", f.Status, f.Header.Get("Content-Type"), f.Header.Get("Content-Disposition"))
	}
	if !strings.HasPrefix(f.Body, "\ufeff") {
		t.Error("CSV has no BOM: a spreadsheet reads its Vietnamese wrong")
	}
	lines, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(f.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 231 {
		t.Fatalf("%d lines, want a header and 230 records", len(lines))
	}
	want := []string{"01/QĐ-UBND", "09/03/2026", "Văn bản đi", "Quyết định", "Quyết định thu hồi đất số 1", "Trần Văn Quyết",
		"Sở Tài nguyên và Môi trường; Hộ ông Nguyễn Văn A", "Thường", "Vĩnh viễn", "Vĩnh viễn", "Có", "09:30 10/03/2026", "records/d000/v5/", ""}
	if lines[0][0] != "Số, ký hiệu" || strings.Join(lines[1], "|") != strings.Join(want, "|") {
		t.Errorf("header %q\nfirst line %q\nwant       %q", lines[0], lines[1], want)
	}
	if lines[230][4] != "Quyết định thu hồi đất số 230" {
		t.Errorf("last line %q", lines[230])
	}
	if len(queries) < 2 {
		t.Fatalf("%d queries: the file is one page", len(queries))
	}
	if counted != 0 {
		t.Errorf("the export counted the matches %d times: a page needs no total", counted)
	}
	for _, q := range queries {
		if q.Q != "đất" || q.Signer != "Quyết" || q.Type != "QĐ" || q.From == nil || q.To == nil {
			t.Errorf("query without the search's filters: %+v", q)
		}
	}
	if p := archivist.get("/archive?format=csv&from=31/12/2026&to=01/01/2026"); p.Status != 400 || !strings.Contains(p.Body, badDateOrder) {
		t.Errorf("reversed dates: %d, want the search page with its problem", p.Status)
	}
	e.remount(t, Config{Archive: manyArchive{n: 0, queries: &queries, counted: &counted}})
	if p := e.login("luutru").get("/archive?q=kh%C3%B4ng"); strings.Contains(p.Body, "archive-csv") {
		t.Error("a search that finds nothing offers a CSV file")
	}
}
