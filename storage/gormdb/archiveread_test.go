package gormdb_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// DocumentForArchive reads what Document, Events and User read — on
// PostgreSQL in one round trip: the signer found through the document's
// signer_id — and nil for a document without a signer or with a signer
// that is not a user; ENOTFOUND for no document. A second instance reads
// the same (each connection prepares its statements once).
func TestDocumentForArchive(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			db := dbs[0]
			signer := &workflow.User{ID: "u-signer", Username: "signer", FullName: "Trần Thị Bình", Title: "Phó Chủ tịch",
				Roles: []workflow.Role{workflow.RoleOfficer}, CreatedAt: t0}
			signed, unsigned, ghost := incomingDoc("d-signed", 1), incomingDoc("d-unsigned", 2), incomingDoc("d-ghost", 3)
			signed.SignerID, ghost.SignerID = signer.ID, "u-gone"
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateUser(ctx, signer); err != nil {
					return err
				}
				for _, d := range []*workflow.Document{signed, unsigned, ghost} {
					if err := tx.CreateDocument(ctx, d); err != nil {
						return err
					}
					for i := range 3 {
						if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Kind: workflow.EventComment, Comment: d.ID, At: t0.Add(time.Duration(i) * time.Second)}); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range dbs {
				for _, d := range []*workflow.Document{signed, unsigned, ghost} {
					doc, events, u, err := r.DocumentForArchive(ctx, d.ID)
					if err != nil {
						t.Fatalf("%s: %v", d.ID, err)
					}
					wantDoc, _ := r.Document(ctx, d.ID)
					wantEvents, _ := r.Events(ctx, d.ID)
					if !reflect.DeepEqual(doc, wantDoc) || !reflect.DeepEqual(events, wantEvents) || len(events) != 3 {
						t.Fatalf("%s: read %+v\n%+v\nwant %+v\n%+v", d.ID, doc, events, wantDoc, wantEvents)
					}
					var want *workflow.User
					if d == signed {
						want, _ = r.User(ctx, signer.ID)
					}
					if !reflect.DeepEqual(u, want) {
						t.Fatalf("%s: signer %+v, want %+v", d.ID, u, want)
					}
				}
				_, _, _, err := r.DocumentForArchive(ctx, "d-none")
				wantCode(t, err, workflow.ENOTFOUND)
			}
		})
	}
}
