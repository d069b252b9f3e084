package gormdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestCountDocuments: CountDocuments and the archive index's Count give
// the number of rows the list and the search give on all their pages,
// for the same filter and viewer: a confidential document a user cannot
// see is not counted for them, a search by words (with or without
// diacritics; on SQLite through subjectFTS) counts what it lists, and
// the cursor does not change the count.
func TestCountDocuments(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		idx := gormdb.NewArchiveIndex(db)
		var docs []*workflow.Document
		for i := range 30 {
			d := incomingDoc(fmt.Sprintf("c%02d", i), i)
			if i%3 == 0 {
				d.Subject = fmt.Sprintf("Kế hoạch phòng chống lụt bão %d", i)
			}
			if i%5 == 0 {
				d.Confidentiality, d.CreatedBy = workflow.Confidential, "u-author"
			}
			if i%2 == 0 {
				d.State = workflow.Archived
			}
			docs = append(docs, d)
		}
		create(t, db, docs...)
		for _, d := range docs {
			if d.State != workflow.Archived {
				continue
			}
			r := &archive.Record{DocumentID: d.ID, Version: 1, Key: archive.Prefix(d.ID, 1), Class: "10y", ArchivedAt: t0,
				RetainUntil: t0.AddDate(10, 0, 0), Direction: d.Direction, Type: d.Type, Subject: d.Subject,
				Confidentiality: d.Confidentiality, CreatedBy: d.CreatedBy}
			if err := idx.PutRecord(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		to := t0.Add(19 * time.Minute)
		for _, tc := range []struct {
			name        string
			f           workflow.DocumentFilter
			docs, archv int // expected counts of the list and the archive search
		}{
			// 6 of 30 confidential (0, 5, ..., 25), 15 archived of which 3 confidential (0, 10, 20).
			{"all/clerk sees all", workflow.DocumentFilter{ViewerID: "u-clerk", SeeAll: true}, 30, 15},
			{"all/other user", workflow.DocumentFilter{ViewerID: "u-other"}, 24, 12},
			{"all/author", workflow.DocumentFilter{ViewerID: "u-author"}, 30, 15},
			{"no viewer", workflow.DocumentFilter{}, 24, 12},
			// 0, 3, ..., 27: 10, of which 0, 15 confidential; archived 0, 6, 12, 18, 24 (0 confidential).
			{"words/other user", workflow.DocumentFilter{Query: "phong chong lut", ViewerID: "u-other"}, 8, 4},
			{"words/clerk", workflow.DocumentFilter{Query: "Phòng chống lụt", ViewerID: "u-clerk", SeeAll: true}, 10, 5},
			{"state", workflow.DocumentFilter{State: workflow.Archived, ViewerID: "u-other"}, 12, 12},
			{"to date", workflow.DocumentFilter{To: &to, ViewerID: "u-other"}, 16, -1},
			{"cursor ignored", workflow.DocumentFilter{ViewerID: "u-other", After: workflow.ListCursor{At: docs[5].CreatedAt, ID: docs[5].ID}.String(), Limit: 3}, 24, -1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n, err := db.CountDocuments(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				all := tc.f
				all.After, all.Limit = "", 200
				listed, _, err := db.Documents(ctx, all)
				if err != nil {
					t.Fatal(err)
				}
				if n != tc.docs || n != len(listed) {
					t.Errorf("CountDocuments = %d, want %d (the list has %d)", n, tc.docs, len(listed))
				}
				if tc.archv < 0 {
					return
				}
				q := archive.Query{Q: tc.f.Query, ViewerID: tc.f.ViewerID, SeeAll: tc.f.SeeAll, Limit: 200}
				n, err = idx.Count(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				recs, _, err := idx.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if n != tc.archv || n != len(recs) {
					t.Errorf("archive Count = %d, want %d (the search finds %d)", n, tc.archv, len(recs))
				}
			})
		}
	})
}
