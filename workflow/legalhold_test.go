package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestSetLegalHold: the legal hold is the service's state change: holders
// only, on documents they see and that are archived, version bumped and an
// archive event (with the caller's data) once per change, on the clock.
func TestSetLegalHold(t *testing.T) {
	ctx := context.Background()
	repo := workflowtest.NewRepository()
	at := time.Date(2031, 12, 31, 23, 0, 0, 0, time.UTC)
	svc := &workflow.Service{Repo: repo, Now: func() time.Time { return at }}
	archivist := &workflow.User{ID: "u-a", Roles: []workflow.Role{workflow.RoleArchivist}}
	admin := &workflow.User{ID: "u-adm", Roles: []workflow.Role{workflow.RoleAdmin}}
	clerk := &workflow.User{ID: "u-c", Roles: []workflow.Role{workflow.RoleClerk}}
	docs := []*workflow.Document{
		{ID: "arch", State: workflow.Archived, Direction: workflow.Outgoing, Version: 3},
		{ID: "secret", State: workflow.Archived, Direction: workflow.Outgoing, Version: 1, Confidentiality: workflow.Confidentiality("secret")},
		{ID: "live", State: workflow.Issued, Direction: workflow.Outgoing, Version: 1},
	}
	if err := repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for _, d := range docs {
			if err := tx.CreateDocument(ctx, d); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		actor   *workflow.User
		id      string
		on      bool
		code    string
		version int
		events  int    // archive events of the document afterwards
		lastBy  string // actor of the last one
	}{
		{"ErrClerk", clerk, "arch", true, workflow.EFORBIDDEN, 3, 0, ""},
		{"ErrNotArchived", archivist, "live", true, workflow.ENOTFOUND, 1, 0, ""},
		{"ErrNotVisible", archivist, "secret", true, workflow.ENOTFOUND, 1, 0, ""},
		{"ErrMissing", archivist, "nope", true, workflow.ENOTFOUND, 0, 0, ""},
		{"On", archivist, "arch", true, "", 4, 1, "u-a"},
		{"OnAgain", admin, "arch", true, "", 4, 1, "u-a"},
		{"Off", admin, "arch", false, "", 5, 2, "u-adm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := svc.SetLegalHold(ctx, tc.actor, tc.id, tc.on, "thanh tra", map[string]string{"record": "r/" + tc.id + "/"})
			if workflow.ErrorCode(err) != tc.code {
				t.Fatalf("got %v, want %q", err, tc.code)
			}
			if tc.code == "" && (d.LegalHold != tc.on || d.Version != tc.version || !d.UpdatedAt.Equal(at) && tc.name != "OnAgain") {
				t.Fatalf("document %+v", d)
			}
			if tc.id == "nope" {
				return
			}
			stored, err := repo.Document(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Version != tc.version {
				t.Fatalf("stored version %d, want %d", stored.Version, tc.version)
			}
			evs, err := repo.Events(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			var holds []workflow.Event
			for _, e := range evs {
				if e.Kind == workflow.EventArchive {
					holds = append(holds, e)
				}
			}
			if len(holds) != tc.events {
				t.Fatalf("%d archive events, want %d", len(holds), tc.events)
			}
			if n := len(holds); n > 0 {
				e, want := holds[n-1], map[bool]string{true: "on", false: "off"}[tc.on]
				if e.Data["legal_hold"] != want || e.Data["record"] != "r/arch/" || e.Comment != "thanh tra" || !e.At.Equal(at) || e.Actor != tc.lastBy {
					t.Fatalf("event %+v", e)
				}
			}
		})
	}
}
