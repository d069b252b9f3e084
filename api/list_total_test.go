package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/archive/archivetest"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// listPage is a page of GET /documents or GET /archive, total kept as
// sent (nil when absent).
type listPage struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"next_cursor"`
	Total      *int              `json:"total"`
}

// TestListTotal: GET /documents?count=true says how many documents its
// filters find for the caller on all pages — a known set of 8 (5
// outgoing, one of them confidential, and 3 incoming), counted as each
// user may see them; every page of a walk gives the same total, and the
// pages hold that many; without count=true there is no total; another
// value of count is a 400 on count.
func TestListTotal(t *testing.T) {
	f := newFixture(t, 1<<20)
	for i := range 5 {
		m := f.outgoingMeta()
		if i == 4 {
			m["confidentiality"] = "confidential"
		}
		f.create(t, "handler", m)
	}
	for range 3 {
		f.create(t, "clerk", incomingMeta())
	}
	page := func(t *testing.T, user, query string) listPage {
		t.Helper()
		rec := f.do(t, user, "GET", "/api/v1/documents?"+query, nil, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
		}
		var p listPage
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		user, query string
		total       int
	}{
		{"handler", "", 8},                          // the confidential draft is the handler's own
		{"officer", "", 8},                          // its signer
		{"archivist", "", 7},                        // no party to it
		{"handler", "direction=outgoing", 5},        // a filter
		{"archivist", "direction=outgoing", 4},      // a filter and the visibility
		{"handler", "direction=incoming", 3},        //
		{"handler", "q=th%C3%A0nh+ph%E1%BB%91", 3},  // words of the subject (thành phố)
		{"handler", "state=registered", 0},          // none
		{"handler", "direction=outgoing&pretty", 5}, // the indented answer too
	} {
		t.Run(tc.user+"/"+tc.query, func(t *testing.T) {
			q := "count=true&limit=3"
			if tc.query != "" {
				q = tc.query + "&" + q
			}
			seen, pages := 0, 0
			for cursor := ""; ; pages++ {
				p := page(t, tc.user, q+cursor)
				if p.Total == nil || *p.Total != tc.total {
					t.Fatalf("page %d: total %s, want %d (%d items)", pages+1, fmtTotal(p.Total), tc.total, len(p.Items))
				}
				seen += len(p.Items)
				if p.NextCursor == "" {
					break
				}
				cursor = "&cursor=" + url.QueryEscape(p.NextCursor)
			}
			if seen != tc.total {
				t.Fatalf("the pages hold %d documents, the total says %d", seen, tc.total)
			}
		})
	}
	for _, q := range []string{"", "count=false", "limit=2"} {
		if p := page(t, "handler", q); p.Total != nil {
			t.Errorf("%q: total %d without count=true", q, *p.Total)
		}
	}
	rec := f.do(t, "handler", "GET", "/api/v1/documents?count=yes", nil, "")
	if e := decodeErr(t, rec); rec.Code != http.StatusBadRequest || e.Error.Field != "count" {
		t.Errorf("count=yes: %d %+v, want 400 on count", rec.Code, e.Error)
	}
}

// TestArchiveSearchTotal: GET /archive?count=true says how many records
// the search finds on all its pages (3 archived, one kept permanently).
func TestArchiveSearchTotal(t *testing.T) {
	f := newArchiveFixture(t, nil)
	for _, ret := range []string{"10y", "10y", "permanent"} {
		d := f.Issued(t, archivetest.Options{Retention: ret})
		wantStatus(t, f.do(t, "archivist", "POST", "/api/v1/documents/"+d.ID+"/actions/archive", nil), http.StatusOK)
	}
	for _, tc := range []struct {
		query        string
		total, items int
	}{
		{"count=true&limit=1", 3, 1},
		{"count=true&class=permanent", 1, 1},
		{"count=true&class=5y", 0, 0},
		{"limit=1", -1, 1}, // no total unless asked
	} {
		t.Run(tc.query, func(t *testing.T) {
			rec := f.do(t, "clerk", "GET", "/api/v1/archive?"+tc.query, nil)
			wantStatus(t, rec, http.StatusOK)
			var p listPage
			json.Unmarshal(rec.Body.Bytes(), &p)
			got := -1
			if p.Total != nil {
				got = *p.Total
			}
			if got != tc.total || len(p.Items) != tc.items {
				t.Fatalf("total %d, %d items; want %d, %d: %s", got, len(p.Items), tc.total, tc.items, rec.Body)
			}
			if tc.total > 0 && strings.Contains(tc.query, "limit=1") {
				rec := f.do(t, "clerk", "GET", "/api/v1/archive?"+tc.query+"&cursor="+url.QueryEscape(p.NextCursor), nil)
				var next listPage
				json.Unmarshal(rec.Body.Bytes(), &next)
				if next.Total == nil || *next.Total != tc.total {
					t.Fatalf("second page: total %v, want %d", next.Total, tc.total)
				}
			}
		})
	}
	rec := f.do(t, "clerk", "GET", "/api/v1/archive?count=1", nil)
	wantStatus(t, rec, http.StatusBadRequest)
}

// racingRepo is a database where a document is created (race, once
// armed) between a list's page and its count — another user's request
// committing in between.
type racingRepo struct {
	*gormdb.DB
	race *func()
}

func (r racingRepo) CountDocuments(ctx context.Context, f workflow.DocumentFilter) (int, error) {
	if race := *r.race; race != nil {
		*r.race = nil
		race()
	}
	return r.DB.CountDocuments(ctx, f)
}

// racingIndex is an archive index where a document is archived (race,
// once armed) between a search's page and its count.
type racingIndex struct {
	*gormdb.ArchiveIndex
	race *func()
}

func (x racingIndex) Count(ctx context.Context, q workflow.ArchiveQuery) (int, error) {
	if race := *x.race; race != nil {
		*x.race = nil
		race()
	}
	return x.ArchiveIndex.Count(ctx, q)
}

// TestTotalAndPageOneSnapshot: a document created, or a record archived,
// by someone else between a list's page and its count is in neither —
// the page and its total are read in one snapshot (REPEATABLE READ, read
// only, on PostgreSQL; one transaction on SQLite) — so a list that fits
// on one page says as many as it holds; the next request sees the new
// one in both.
func TestTotalAndPageOneSnapshot(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		var race func()
		f := newArchiveFixtureOn(t, db, nil, func(fx *archivetest.Fixture) {
			fx.Docs.Repo = racingRepo{DB: db, race: &race}
			fx.Archive.Index = racingIndex{ArchiveIndex: fx.Index, race: &race}
		})
		f.Issued(t, archivetest.Options{})
		archived := f.Issued(t, archivetest.Options{})
		f.ArchiveDoc(t, archived.ID)
		later := f.Issued(t, archivetest.Options{})
		for _, tc := range []struct {
			path string
			race func()
		}{
			{"/api/v1/documents?count=true", func() { f.Issued(t, archivetest.Options{}) }},
			{"/api/v1/archive?count=true", func() { f.ArchiveDoc(t, later.ID) }},
		} {
			t.Run(tc.path, func(t *testing.T) {
				seen := -1
				for i, raced := range []bool{true, false} {
					if raced {
						race = tc.race
					}
					rec := f.do(t, "clerk", "GET", tc.path, nil)
					wantStatus(t, rec, http.StatusOK)
					if race != nil {
						t.Fatal("the race did not run")
					}
					var p listPage
					json.Unmarshal(rec.Body.Bytes(), &p)
					if p.Total == nil || *p.Total != len(p.Items) || p.NextCursor != "" {
						t.Fatalf("request %d: total %s for the %d items of its only page", i+1, fmtTotal(p.Total), len(p.Items))
					}
					if !raced && len(p.Items) != seen+1 {
						t.Fatalf("the request after the race: %d items, want %d", len(p.Items), seen+1)
					}
					seen = len(p.Items)
				}
			})
		}
	})
}

func fmtTotal(n *int) string {
	if n == nil {
		return "absent"
	}
	return strconv.Itoa(*n)
}
