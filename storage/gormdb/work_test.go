package gormdb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestWork checks the inbox query against the clauses evaluated in Go:
// the same documents, in the same order (urgency, due date, id), and the
// same counts, for each role, with classified documents hidden.
func TestWork(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		inStates := []workflow.State{workflow.Received, workflow.Registered, workflow.Assigned, workflow.InProgress, workflow.Completed, workflow.Archived}
		outStates := []workflow.State{workflow.Draft, workflow.InReview, workflow.Approved, workflow.OfficerSigned, workflow.Issued, workflow.Sent}
		urg := []workflow.Urgency{workflow.UrgencyNormal, workflow.UrgencyUrgent, workflow.UrgencyVeryUrgent, workflow.UrgencyFlash}
		people := []string{"u-a", "u-b", "u-c"}
		var all []*workflow.Document
		for i := range 120 {
			d := incomingDoc(docID(i), i)
			if i%2 == 1 {
				d.Direction, d.Sender = workflow.Outgoing, nil
				d.State = outStates[i/2%len(outStates)]
			} else {
				d.State = inStates[i/2%len(inStates)]
			}
			d.Urgency = urg[i*7%4]
			if i%3 != 0 {
				due := workflow.NewDate(2026, 12, 1+i%9)
				d.DueDate = &due
			}
			d.SignerID, d.AssigneeID, d.CreatedBy = people[i%3], people[(i/3)%3], people[(i/5)%3]
			if i%11 == 0 {
				d.Confidentiality = workflow.Secret
			}
			if i%8 == 1 {
				// Addressed to a connected agency: an issued one waits
				// to be sent (the others only to be archived).
				d.Recipients = []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}}
			}
			if i%7 == 0 {
				// A sender asked to revoke it: it waits for the clerk's answer.
				d.RevokeState = []string{workflow.RevokeRequested, workflow.RevokeRefused}[i/7%2]
			}
			all = append(all, d)
		}
		create(t, db, all...)
		users := []*workflow.User{
			{ID: "u-a", Roles: []workflow.Role{workflow.RoleHandler}},
			{ID: "u-b", Roles: []workflow.Role{workflow.RoleOfficer}},
			{ID: "u-c", Roles: []workflow.Role{workflow.RoleClerk}},
			{ID: "u-z", Roles: []workflow.Role{workflow.RoleArchivist}},
		}
		for _, u := range users {
			t.Run(string(u.Roles[0]), func(t *testing.T) {
				q := workflow.WorkQuery{Clauses: workflow.WorkClauses(u), ViewerID: u.ID, SeeAll: workflow.SeesAllClassified(u), Limit: 30}
				var want []*workflow.Document
				wantCounts := make([]int, len(q.Clauses))
				for _, d := range all {
					if !workflow.CanSee(d, u) {
						continue
					}
					hit := false
					for i, c := range q.Clauses {
						if c.Matches(d) {
							wantCounts[i]++
							hit = true
						}
					}
					if hit {
						want = append(want, d)
					}
				}
				slices.SortFunc(want, workflow.LessWork)
				if len(want) > q.Limit {
					want = want[:q.Limit]
				}
				got, err := db.Work(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := docIDs(got), docIDs(want); fmt.Sprint(g) != fmt.Sprint(w) {
					t.Errorf("Work =\n%v\nwant\n%v", g, w)
				}
				counts, err := db.CountWork(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(counts) != fmt.Sprint(wantCounts) {
					t.Errorf("CountWork = %v, want %v", counts, wantCounts)
				}
				if len(want) == 0 {
					t.Errorf("test data gives %s nothing to do", u.Roles[0])
				}
			})
		}
	})
}

func docIDs(ds []*workflow.Document) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func TestPeekNumber(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		n, err := db.PeekNumber(ctx, workflow.RegisterOutgoing, 2026)
		if err != nil || n != 1 {
			t.Fatalf("unused register: %d, %v", n, err)
		}
		for range 3 {
			if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				_, err := tx.NextNumber(ctx, workflow.RegisterOutgoing, 2026)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 { // a peek takes nothing
			if n, err := db.PeekNumber(ctx, workflow.RegisterOutgoing, 2026); err != nil || n != 4 {
				t.Fatalf("after 3 numbers: %d, %v", n, err)
			}
		}
		if n, _ := db.PeekNumber(ctx, workflow.RegisterOutgoing, 2027); n != 1 {
			t.Fatalf("next year: %d", n)
		}
	})
}
