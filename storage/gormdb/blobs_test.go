package gormdb_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// ReferencedBlobs names every file of every document and every
// signature image: what the blob collector must never take.
func TestReferencedBlobs(t *testing.T) {
	for _, backend := range []string{gormdb.SQLite, gormdb.Postgres} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := gormdbtest.Open(t, backend)
			sum := func(c byte) string { return strings.Repeat(string(c), 64) }
			a := incomingDoc(docID(1), 1)
			a.Files = []workflow.File{{SHA256: sum('a'), Name: "a.pdf", Size: 1, Kind: workflow.FileMain, CreatedAt: t0},
				{SHA256: sum('b'), Name: "b.pdf", Size: 1, Kind: workflow.FileAttachment, CreatedAt: t0}}
			b := incomingDoc(docID(2), 2)
			b.Files = []workflow.File{{SHA256: sum('c'), Name: "c.pdf", Size: 1, Kind: workflow.FileMain, CreatedAt: t0}}
			create(t, db, a, b, incomingDoc(docID(3), 3))
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for i, img := range []string{sum('d'), ""} {
					u := &workflow.User{ID: docID(10 + i), Username: docID(10 + i), FullName: "Trần Văn A",
						Roles: []workflow.Role{workflow.RoleOfficer}, SignatureImage: img, CreatedAt: time.Now()}
					if err := tx.CreateUser(ctx, u); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if err := db.ReferencedBlobs(ctx, func(s string) error { got = append(got, s); return nil }); err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if want := []string{sum('a'), sum('b'), sum('c'), sum('d')}; !slices.Equal(got, want) {
				t.Fatalf("referenced %v, want %v", got, want)
			}
		})
	}
}
