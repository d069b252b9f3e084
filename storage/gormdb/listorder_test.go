package gormdb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// outOfIDOrder are documents whose creation times do not follow their
// IDs: an imported one (the newest ID, created years back), ties broken
// by ID, times with and without a fraction of a second (SQLite compares
// the stored text), a document created a microsecond after another.
func outOfIDOrder() []*workflow.Document {
	sec := t0.Truncate(time.Second)
	at := []time.Time{
		t0.Add(3 * time.Hour), t0, sec, sec.Add(500 * time.Millisecond), t0, t0.Add(time.Microsecond),
		t0.Add(-time.Hour), t0.Add(2 * time.Hour), sec.Add(-time.Microsecond), t0.Add(3 * time.Hour),
		t0.AddDate(-4, 0, 0), // imported: the newest ID, created four years back
	}
	docs := make([]*workflow.Document, len(at))
	for i, c := range at {
		d := incomingDoc(fmt.Sprintf("o%03d", i), 0)
		d.CreatedAt = c
		if i%2 == 1 {
			d.Direction = workflow.Outgoing
		}
		docs[i] = d
	}
	return docs
}

// byCreation is the list's order, written out: newest first by creation
// time (to the microsecond), then by ID.
func byCreation(docs []*workflow.Document, keep func(*workflow.Document) bool) []string {
	var sel []*workflow.Document
	for _, d := range docs {
		if keep(d) {
			sel = append(sel, d)
		}
	}
	slices.SortFunc(sel, func(a, b *workflow.Document) int {
		if c := b.CreatedAt.Truncate(time.Microsecond).Compare(a.CreatedAt.Truncate(time.Microsecond)); c != 0 {
			return c
		}
		return -cmpString(a.ID, b.ID)
	})
	return idsOf(sel)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestDocumentsOrderedByCreation: the list is ordered by creation time,
// not by ID, and its pages follow that order with no document lost or
// repeated, filtered by dates and direction too; a cursor of the old
// form (a bare ID) resumes after the document it names; a cursor that is
// neither is EINVALID.
func TestDocumentsOrderedByCreation(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		docs := outOfIDOrder()
		create(t, db, docs...)
		from, to := t0.AddDate(-5, 0, 0), t0.Add(time.Hour)
		for _, tc := range []struct {
			name string
			f    workflow.DocumentFilter
			keep func(*workflow.Document) bool
		}{
			{"all", workflow.DocumentFilter{SeeAll: true}, func(*workflow.Document) bool { return true }},
			{"dates", workflow.DocumentFilter{From: &from, To: &to, SeeAll: true}, func(d *workflow.Document) bool {
				return !d.CreatedAt.Before(from) && !d.CreatedAt.After(to)
			}},
			{"direction and dates", workflow.DocumentFilter{Direction: workflow.Incoming, From: &from, To: &to, SeeAll: true}, func(d *workflow.Document) bool {
				return d.Direction == workflow.Incoming && !d.CreatedAt.Before(from) && !d.CreatedAt.After(to)
			}},
		} {
			want := byCreation(docs, tc.keep)
			if len(want) < 5 {
				t.Fatalf("%s: only %d documents", tc.name, len(want))
			}
			for _, limit := range []int{1, 2, 3, len(want) - 1, len(want), 1000} {
				t.Run(fmt.Sprintf("%s/limit=%d", tc.name, limit), func(t *testing.T) {
					if got := pageAll(t, db, tc.f, limit); !slices.Equal(got, want) {
						t.Errorf("pages gave %v\nwant       %v", got, want)
					}
				})
			}
			t.Run(tc.name+"/bare ID cursor", func(t *testing.T) {
				for i, id := range want {
					f := tc.f
					f.After, f.Limit = id, 1000
					page, _, err := db.Documents(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if got := idsOf(page); !slices.Equal(got, want[i+1:]) {
						t.Errorf("after %s: %v\nwant %v", id, got, want[i+1:])
					}
				}
			})
		}
		t.Run("bad cursor", func(t *testing.T) {
			for _, c := range []string{"o999", "not a cursor", "12x.o001", ".o001", "123.", "+5.o001", "123.o001.x", "o001;--", "a\x00b", "a\xffb", "1.\xc3"} {
				_, _, err := db.Documents(ctx, workflow.DocumentFilter{After: c, SeeAll: true})
				if workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != "cursor" {
					t.Errorf("cursor %q: %v, want EINVALID on cursor", c, err)
				}
			}
		})
	})
}

// pageAll reads every page of f, limit documents at a time, and returns
// the IDs in the order given; it fails on a repeated ID, a page over the
// limit or a short page with a next cursor.
func pageAll(tb testing.TB, db *gormdb.DB, f workflow.DocumentFilter, limit int) []string {
	tb.Helper()
	var ids []string
	seen := map[string]bool{}
	f.Limit, f.After = limit, ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			tb.Fatal("paging does not end")
		}
		page, next, err := db.Documents(context.Background(), f)
		if err != nil {
			tb.Fatal(err)
		}
		if len(page) > limit || (next != "" && len(page) != limit) {
			tb.Fatalf("page of %d (limit %d), next %q", len(page), limit, next)
		}
		for _, d := range page {
			if seen[d.ID] {
				tb.Fatalf("%s listed twice", d.ID)
			}
			seen[d.ID] = true
			ids = append(ids, d.ID)
		}
		if next == "" {
			return ids
		}
		f.After = next
	}
}
