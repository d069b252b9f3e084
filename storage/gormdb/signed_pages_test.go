package gormdb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestSignedListPagesWithoutPeriod: "what I signed" with no period (all
// she ever signed) pages through her documents exactly once, newest
// signing first, then by ID (documents signed in the same microsecond),
// a document returned and signed again once at its last signing, one
// returned after she signed it not at all, another official's never — on
// both databases; and a page reads her sign events from
// audit_events_sign in the list's order from the cursor on, stopping at
// the page's end: no aggregate of all her signatures, no sort.
func TestSignedListPagesWithoutPeriod(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		base := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
		const n, officer = 130, "u-officer"
		type signed struct {
			id string
			at time.Time
		}
		var want []signed
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for i := range n {
				at := base.Add(time.Duration(i/3) * time.Hour) // three at a time
				signer, state := officer, workflow.Issued
				switch i % 10 {
				case 7:
					signer = "u-other"
				case 8:
					state = workflow.Draft // returned after she signed: withdrawn
				}
				d := &workflow.Document{ID: fmt.Sprintf("d%05d", (i*37)%n), Direction: workflow.Outgoing, Type: "CV", Subject: "Công văn",
					Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: state, Version: 4,
					SignerID: signer, CreatedAt: at.Add(-time.Hour), UpdatedAt: at}
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
				signs := []time.Time{at}
				if i%10 == 4 { // returned and signed again, later than the rest
					signs = append(signs, base.Add(time.Duration(n+i)*time.Hour))
				}
				for _, s := range signs {
					e := &workflow.Event{DocumentID: d.ID, Actor: signer, Kind: workflow.EventTransition, Action: workflow.Sign, At: s}
					if err := tx.AppendEvent(ctx, e); err != nil {
						return err
					}
				}
				if signer == officer && state == workflow.Issued {
					want = append(want, signed{d.ID, signs[len(signs)-1]})
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(want, func(a, b signed) int {
			if c := b.at.Compare(a.at); c != 0 {
				return c
			}
			return strings.Compare(b.id, a.id)
		})
		var wantIDs, got []string
		for _, s := range want {
			wantIDs = append(wantIDs, s.id)
		}
		f := workflow.DocumentFilter{Signed: workflow.Act{By: officer}, ViewerID: officer, Limit: 10}
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatal("the pages do not end")
			}
			docs, next, err := db.Documents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				got = append(got, d.ID)
			}
			if next == "" {
				break
			}
			if pages == 3 {
				sql := gormdb.ListSQL(db, workflow.DocumentFilter{Signed: f.Signed, ViewerID: officer, After: next}, false)
				signedPlanOK(t, db, sql)
			}
			f.After = next
		}
		if !slices.Equal(got, wantIDs) {
			t.Errorf("%d documents listed:\n%v\nwant %d:\n%v", len(got), got, len(wantIDs), wantIDs)
		}
		signedPlanOK(t, db, gormdb.ListSQL(db, workflow.DocumentFilter{Signed: f.Signed, ViewerID: officer}, false))
	})
}

// signedPlanOK: the list reads the official's sign events from
// audit_events_sign in its order — neither an aggregate of them nor a
// sort (PostgreSQL with sorts and sequential scans forbidden; SQLite's
// plan without a temporary B-tree).
func signedPlanOK(t *testing.T, db *gormdb.DB, sql string) {
	t.Helper()
	var p string
	if db.Dialect() == gormdb.Postgres {
		p = explainNoSort(t, db, sql)
	} else {
		p = explain(t, db, sql, false)
	}
	if !strings.Contains(p, "audit_events_sign") || strings.Contains(p, "Sort") || strings.Contains(p, "Aggregate") ||
		strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("the list of what she signed, without a period:\n%s\n%s", sql, p)
	}
}

// TestIssuedListPagesWithoutPeriod: "what I issued" with no period pages
// through the clerk's documents exactly once, newest issue first, then by
// ID, another clerk's never; and a page reads documents_issued_at from
// its newest end — on SQLite it read every outgoing document from
// documents_direction_created and sorted them all, each page.
func TestIssuedListPagesWithoutPeriod(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		base := time.Date(2025, 6, 2, 8, 0, 0, 0, time.UTC)
		const n, clerk = 120, "u-clerk"
		var want []string
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			for i := range n {
				at := base.Add(time.Duration(i/2) * time.Hour) // two at a time
				d := &workflow.Document{ID: fmt.Sprintf("d%05d", (i*37)%n), Direction: workflow.Outgoing, Type: "CV", Subject: "Công văn",
					Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Issued, Version: 4, SignerID: "u-officer",
					CreatedAt: at.Add(-time.Hour), UpdatedAt: at, Register: workflow.RegisterOutgoing, Year: 2025, Number: i + 1,
					Notation: fmt.Sprintf("%d/UBND-VP", i+1), IssuedAt: &at}
				by := clerk
				switch i % 3 {
				case 1:
					by = "u-other"
				case 2:
					d.State, d.Number, d.Notation, d.IssuedAt, d.Register, d.Year = workflow.Draft, 0, "", nil, "", 0
				}
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
				if d.State == workflow.Draft {
					continue
				}
				if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Actor: by, Kind: workflow.EventTransition, Action: workflow.Issue, At: at}); err != nil {
					return err
				}
				if by == clerk {
					want = append(want, d.ID)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		f := workflow.DocumentFilter{Issued: workflow.Act{By: clerk}, ViewerID: clerk, Limit: 10}
		var got []string
		atOf := map[string]time.Time{}
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatal("the pages do not end")
			}
			docs, next, err := db.Documents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				got = append(got, d.ID)
				atOf[d.ID] = *d.IssuedAt
			}
			if next == "" {
				break
			}
			f.After = next
		}
		if len(got) != len(want) || !slices.IsSortedFunc(got, func(a, b string) int {
			if c := atOf[b].Compare(atOf[a]); c != 0 {
				return c
			}
			return strings.Compare(b, a)
		}) || !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			t.Errorf("%d documents listed, want %d, each once, newest issue first then by ID:\n%v", len(got), len(want), got)
		}
		sql := gormdb.ListSQL(db, workflow.DocumentFilter{Issued: f.Issued, ViewerID: clerk}, false)
		p := explain(t, db, sql, true)
		if !strings.Contains(p, "documents_issued_at") || strings.Contains(p, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("the list of what he issued, without a period:\n%s\n%s", sql, p)
		}
	})
}
