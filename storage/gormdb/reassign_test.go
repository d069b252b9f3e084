package gormdb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestReassignTwoInstances: two servers sharing the database pass the
// same official's drafts on at once, one to each of two colleagues —
// more than one query's batch. Every draft moves exactly once (one
// reassigned event, its version bumped by one), the signed and issued
// ones never, their numbers untouched, and the audit chain holds.
func TestReassignTwoInstances(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			ctx := context.Background()
			admin := &workflow.User{ID: "u-admin", Username: "quantri", Roles: []workflow.Role{workflow.RoleAdmin}}
			users := []*workflow.User{admin,
				{ID: "u-a", Username: "a", Roles: []workflow.Role{workflow.RoleOfficer}},
				{ID: "u-b", Username: "b", Roles: []workflow.Role{workflow.RoleOfficer}},
				{ID: "u-c", Username: "c", Roles: []workflow.Role{workflow.RoleOfficer}}}
			if err := dbs[0].Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for _, u := range users {
					if err := tx.CreateUser(ctx, u); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			waiting := []workflow.State{workflow.Draft, workflow.InReview, workflow.Approved}
			stays := []workflow.State{workflow.OfficerSigned, workflow.Issued, workflow.Sent, workflow.Archived}
			var docs []*workflow.Document
			for i := range 230 {
				d := incomingDoc(docID(i), i)
				d.Direction, d.Sender, d.SignerID, d.CreatedBy = workflow.Outgoing, nil, "u-a", "u-h"
				d.State = waiting[i%len(waiting)]
				if i%10 == 9 {
					d.State = stays[i/10%len(stays)]
					d.Register, d.Year, d.Number, d.Notation = workflow.RegisterOutgoing, 2026, i, fmt.Sprintf("%d/QĐ-UBND", i)
				}
				docs = append(docs, d)
			}
			create(t, dbs[0], docs...)
			now := time.Date(2026, 11, 25, 10, 0, 0, 0, workflow.Vietnam)
			var wg sync.WaitGroup
			moved := make([][]string, 2)
			for i, to := range []string{"u-b", "u-c"} {
				svc := &workflow.Service{Repo: dbs[i], Now: func() time.Time { return now }}
				wg.Go(func() {
					res, err := svc.Reassign(ctx, admin, workflow.ReassignInput{From: "u-a", To: to, Role: workflow.RoleOfficer})
					if err != nil {
						t.Errorf("instance %d: %v", i+1, err)
					}
					moved[i] = res.Moved
				})
			}
			wg.Wait()
			checkReassigned(t, dbs[0], docs, len(moved[0])+len(moved[1]))
		})
	}
}

// checkReassigned checks each of docs after TestReassignTwoInstances's
// reassignments, which reported total moves.
func checkReassigned(t *testing.T, db *gormdb.DB, docs []*workflow.Document, total int) {
	t.Helper()
	ctx := context.Background()
	want := 0
	for _, b := range docs {
		d, err := db.Document(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := db.Events(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range evs {
			if e.Kind == workflow.EventReassigned {
				n++
				if e.Data["from"] != "u-a" || e.Data["to"] != d.SignerID || e.Actor != "u-admin" {
					t.Errorf("%s: event %+v, signer now %s", b.ID, e, d.SignerID)
				}
			}
		}
		if !workflow.WaitsByName(b, workflow.RoleOfficer, "u-a") {
			if n != 0 || d.Version != b.Version || d.SignerID != "u-a" || d.Number != b.Number || d.Notation != b.Notation {
				t.Errorf("%s (%s): touched: %d events, version %d, signer %s, number %d", b.ID, b.State, n, d.Version, d.SignerID, d.Number)
			}
			continue
		}
		want++
		if n != 1 || d.Version != b.Version+1 || (d.SignerID != "u-b" && d.SignerID != "u-c") {
			t.Errorf("%s (%s): %d events, version %d→%d, signer %s; want moved once", b.ID, b.State, n, b.Version, d.Version, d.SignerID)
		}
	}
	if total != want {
		t.Errorf("the instances reported %d moves, want %d", total, want)
	}
	rep, err := (&workflow.Service{Repo: db}).VerifyAudit(ctx)
	if err != nil || !rep.OK {
		t.Errorf("audit chain: %+v, %v", rep, err)
	}
}
