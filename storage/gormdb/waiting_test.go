package gormdb_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestWaitingByUser: what waits for every user by name — an official's
// outgoing drafts to review or sign, a handler's incoming documents
// assigned or in progress and the drafts he writes (not those he
// submitted), classified included — is counted in one
// statement on every backend, whatever the number of users (the admin's
// list of users); signed or completed work is not counted.
func TestWaitingByUser(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, buf := openLogged(t, backend)
			ctx := context.Background()
			var docs []*workflow.Document
			var drafter string // of the outgoing documents added next
			add := func(dir workflow.Direction, st workflow.State, signer, assignee string, conf workflow.Confidentiality) {
				d := incomingDoc(docID(len(docs)), len(docs))
				d.Direction, d.State, d.SignerID, d.AssigneeID, d.Confidentiality = dir, st, signer, assignee, conf
				if dir == workflow.Outgoing {
					d.Sender, d.CreatedBy = nil, drafter
				}
				docs = append(docs, d)
			}
			drafter = "u-h1"
			for _, st := range []workflow.State{workflow.Draft, workflow.InReview, workflow.Approved, workflow.OfficerSigned, workflow.Issued} {
				add(workflow.Outgoing, st, "u-lead", "", workflow.Public)
			}
			drafter = "u-h2"
			add(workflow.Outgoing, workflow.InReview, "u-lead2", "", workflow.Secret)
			add(workflow.Outgoing, workflow.Draft, "", "", workflow.Secret)
			for _, st := range []workflow.State{workflow.Registered, workflow.Assigned, workflow.InProgress, workflow.Completed} {
				add(workflow.Incoming, st, "", "u-h1", workflow.Public)
			}
			add(workflow.Incoming, workflow.Assigned, "", "u-h2", workflow.Secret)
			create(t, db, docs...)
			db.SetSlowQueryThreshold(0)
			before := strings.Count(buf.String(), "slow query")
			got, err := db.WaitingByUser(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(buf.String(), "slow query") - before; n != 1 {
				t.Errorf("%d statements, want 1", n)
			}
			want := map[string]map[workflow.Role]int{
				"u-lead": {workflow.RoleOfficer: 3}, "u-lead2": {workflow.RoleOfficer: 1},
				"u-h1": {workflow.RoleHandler: 3}, "u-h2": {workflow.RoleHandler: 2},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("WaitingByUser = %v, want %v", got, want)
			}
			svc := &workflow.Service{Repo: db}
			for id, roles := range want {
				one, err := svc.WaitingByName(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				for role, n := range roles {
					if one[role] != n {
						t.Errorf("%s %s: WaitingByName %d, WaitingByUser %d", id, role, one[role], n)
					}
				}
			}
		})
	}
}
