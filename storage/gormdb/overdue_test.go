package gormdb_test

import (
	"context"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestDocumentsOverdueOn: DocumentFilter.OverdueOn lists and counts the
// documents still to be handled (workflow.DueOpenStates) whose due date
// is before the day — not one due that day, nor one handled (completed,
// archived, issued) however late, nor one without a due date — with the
// other filters, on both databases.
func TestDocumentsOverdueOn(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		day := workflow.NewDate(2026, 12, 7)
		states := []workflow.State{workflow.Registered, workflow.Assigned, workflow.InProgress, workflow.Completed, workflow.Archived,
			workflow.Draft, workflow.InReview, workflow.Approved, workflow.Issued}
		dues := []*workflow.Date{nil, ptr(day.AddDays(-30)), ptr(day.AddDays(-1)), ptr(day), ptr(day.AddDays(2))}
		var docs []*workflow.Document
		for i := range len(states) * len(dues) {
			d := incomingDoc(docID(i), i)
			d.State, d.DueDate = states[i%len(states)], dues[(i/len(states))%len(dues)]
			if slices.Contains([]workflow.State{workflow.Draft, workflow.InReview, workflow.Approved, workflow.Issued}, d.State) {
				d.Direction = workflow.Outgoing
			}
			if i%4 == 0 {
				d.Confidentiality = workflow.Confidential
			}
			docs = append(docs, d)
		}
		create(t, db, docs...)
		for _, tc := range []struct {
			name string
			f    workflow.DocumentFilter
			want int
		}{
			{"all", workflow.DocumentFilter{OverdueOn: &day, SeeAll: true}, 12},
			{"incoming", workflow.DocumentFilter{OverdueOn: &day, Direction: workflow.Incoming, SeeAll: true}, 6},
			{"in progress", workflow.DocumentFilter{OverdueOn: &day, State: workflow.InProgress, SeeAll: true}, 2},
			{"completed", workflow.DocumentFilter{OverdueOn: &day, State: workflow.Completed, SeeAll: true}, 0},
			{"public only", workflow.DocumentFilter{OverdueOn: &day}, -1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var want []string
				for _, d := range docs {
					late := slices.Contains(workflow.DueOpenStates, d.State) && d.DueDate != nil && d.DueDate.Before(day)
					if late && (tc.f.Direction == "" || d.Direction == tc.f.Direction) && (tc.f.State == "" || d.State == tc.f.State) &&
						(tc.f.SeeAll || d.Confidentiality == workflow.Public) {
						want = append(want, d.ID)
					}
				}
				slices.Reverse(want)
				if tc.want >= 0 && len(want) != tc.want {
					t.Fatalf("the test's data gives %d, want %d", len(want), tc.want)
				}
				f := tc.f
				f.Limit = 1000
				got, _, err := db.Documents(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if ids := idsOf(got); !slices.Equal(ids, want) {
					t.Errorf("got  %v\nwant %v", ids, want)
				}
				if n, err := db.CountDocuments(ctx, tc.f); err != nil || n != len(want) {
					t.Errorf("CountDocuments = %d, %v; want %d", n, err, len(want))
				}
			})
		}
	})
}
