package gormdb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestLatestEventsInFewStatements: on both databases LatestEvents of 250
// documents is two statements (200 IDs each, the last padded), and gives
// each document's latest event of the kind — of the action, when one is
// asked — by seq, whatever came after it; a document with none, or an
// ID of no document, is absent.
func TestLatestEventsInFewStatements(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, buf := openLogged(t, backend)
			ctx := context.Background()
			const n = 250
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for i := range n {
					d := incomingDoc(docID(i), i)
					if err := tx.CreateDocument(ctx, d); err != nil {
						return err
					}
					evs := []*workflow.Event{
						{Kind: workflow.EventTransition, Action: workflow.Register, Comment: "vào sổ"},
						{Kind: workflow.EventTransition, Action: workflow.Assign, Comment: fmt.Sprintf("giao lần 1 của %d", i)},
						{Kind: workflow.EventTransition, Action: workflow.Assign, Comment: fmt.Sprintf("giao lần 2 của %d", i)},
						{Kind: workflow.EventTransition, Action: workflow.Start},
						{Kind: workflow.EventComment, Comment: "ghi chú"},
					}
					if i%10 == 0 {
						evs = evs[:1] // never assigned
					}
					for _, e := range evs {
						e.DocumentID, e.Actor, e.At = d.ID, "u-officer", t0
						if err := tx.AppendEvent(ctx, e); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{"d-gone"}
			for i := range n {
				ids = append(ids, docID(n-1-i), docID(i))
			}
			db.SetSlowQueryThreshold(0)
			for _, tc := range []struct {
				action workflow.Action
				want   func(i int) string // "" absent
			}{
				{workflow.Assign, func(i int) string {
					if i%10 == 0 {
						return ""
					}
					return fmt.Sprintf("assign:giao lần 2 của %d", i)
				}},
				{"", func(i int) string {
					if i%10 == 0 {
						return "register:vào sổ"
					}
					return "start:"
				}},
			} {
				before := strings.Count(buf.String(), "slow query")
				got, err := db.LatestEvents(ctx, ids, workflow.EventTransition, tc.action)
				if err != nil {
					t.Fatal(err)
				}
				if s := strings.Count(buf.String(), "slow query") - before; s != 2 {
					t.Errorf("LatestEvents(%q) of %d documents: %d statements, want 2", tc.action, n, s)
				}
				if _, ok := got["d-gone"]; ok {
					t.Errorf("an event of d-gone")
				}
				for i := range n {
					e, ok := got[docID(i)]
					s := ""
					if ok {
						s = string(e.Action) + ":" + e.Comment
					}
					if s != tc.want(i) || ok && e.DocumentID != docID(i) {
						t.Errorf("LatestEvents(%q) of %s: %q of %s, want %q", tc.action, docID(i), s, e.DocumentID, tc.want(i))
					}
				}
			}
		})
	}
}
