package gormdb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestCopyRegisterOriginalsInFewStatements: on both databases a register
// of copies of 250 originals reads them in two statements of
// DocumentsByID (200 IDs each, the last padded), not one per line: the
// whole register is a handful of statements, and its lines are those a
// read per line gives (VisibleDocument), each with its original.
// DocumentsByID itself gives each existing ID once, whatever the order
// or repeats, and leaves out an ID of no document.
func TestCopyRegisterOriginalsInFewStatements(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, buf := openLogged(t, backend)
			ctx := context.Background()
			const n = 250
			now := time.Date(2026, 12, 7, 9, 0, 0, 0, workflow.Vietnam)
			svc := copyService(t, db, n, func() time.Time { return now })
			clerk := &workflow.User{ID: "u-clerk", Roles: []workflow.Role{workflow.RoleClerk}}
			for i := range n {
				if _, err := svc.MakeCopy(ctx, clerk, docID(n-1-i), workflow.CopyInput{Form: workflow.CopySaoY, RequestedFor: "Tòa án"}); err != nil {
					t.Fatal(err)
				}
			}
			cs, err := db.CopyRegister(ctx, 2026)
			if err != nil || len(cs) != n {
				t.Fatalf("copies: %v, %d", err, len(cs))
			}
			var want []string
			for _, c := range cs {
				if d, err := workflow.VisibleDocument(ctx, db, clerk, c.DocumentID); err == nil {
					want = append(want, fmt.Sprintf("%d:%s", c.Number, d.ID))
				}
			}
			db.SetSlowQueryThreshold(0)
			before := strings.Count(buf.String(), "slow query")
			lines, err := svc.CopyRegister(ctx, clerk, 2026)
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Count(buf.String(), "slow query") - before; s > 5 {
				t.Errorf("the register of %d copies took %d statements, want at most 5", n, s)
			}
			var got []string
			for _, l := range lines {
				got = append(got, fmt.Sprintf("%d:%s", l.Number, l.Original.ID))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("lines %v\nwant %v", got, want)
			}

			ids := []string{"d-gone"}
			for i := range n {
				ids = append(ids, docID(i), docID(n-1-i)) // each twice
			}
			before = strings.Count(buf.String(), "slow query")
			docs, err := db.DocumentsByID(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Count(buf.String(), "slow query") - before; s != 2 {
				t.Errorf("DocumentsByID of %d documents: %d statements, want 2", n, s)
			}
			if len(docs) != n || docs["d-gone"] != nil {
				t.Errorf("%d documents, want %d, none for d-gone", len(docs), n)
			}
			for i := range n {
				if d := docs[docID(i)]; d == nil || d.ID != docID(i) || d.Number != i+1 {
					t.Errorf("%s: %+v", docID(i), d)
				}
			}
			if docs, err := db.DocumentsByID(ctx, nil); err != nil || len(docs) != 0 {
				t.Errorf("no IDs: %v, %v", docs, err)
			}
		})
	}
}
