package workflow_test

import (
	"context"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestCheckReassign: who may pass whose waiting work to whom, and the
// error each refusal is.
func TestCheckReassign(t *testing.T) {
	u := func(id string, disabled bool, roles ...workflow.Role) *workflow.User {
		return &workflow.User{ID: id, Username: id, Roles: roles, Disabled: disabled}
	}
	admin, clerk, officer := u("admin", false, workflow.RoleAdmin), u("clerk", false, workflow.RoleClerk), u("off", false, workflow.RoleOfficer)
	handler, other := u("hdl", false, workflow.RoleHandler), u("other", false, workflow.RoleOfficer, workflow.RoleHandler)
	locked := u("locked", true, workflow.RoleOfficer, workflow.RoleHandler)
	for _, tc := range []struct {
		name            string
		actor, from, to *workflow.User
		role            workflow.Role
		code, field     string
	}{
		{"OK/admin, official", admin, officer, other, workflow.RoleOfficer, "", ""},
		{"OK/admin, handler", admin, handler, other, workflow.RoleHandler, "", ""},
		{"OK/clerk, handler", clerk, handler, other, workflow.RoleHandler, "", ""},
		{"OK/from without the role any more", admin, clerk, other, workflow.RoleOfficer, "", ""},
		{"ErrForbidden/clerk, official", clerk, officer, other, workflow.RoleOfficer, workflow.EFORBIDDEN, ""},
		{"ErrForbidden/official, handler", officer, handler, other, workflow.RoleHandler, workflow.EFORBIDDEN, ""},
		{"ErrForbidden/handler, own", handler, handler, other, workflow.RoleHandler, workflow.EFORBIDDEN, ""},
		{"ErrInvalid/role names nobody", admin, clerk, admin, workflow.RoleClerk, workflow.EINVALID, "role"},
		{"ErrInvalid/unknown role", admin, officer, other, "boss", workflow.EINVALID, "role"},
		{"ErrInvalid/same user", admin, officer, officer, workflow.RoleOfficer, workflow.EINVALID, "to"},
		{"ErrInvalid/target locked", admin, officer, locked, workflow.RoleOfficer, workflow.EINVALID, "to"},
		{"ErrInvalid/target not an official", admin, officer, handler, workflow.RoleOfficer, workflow.EINVALID, "to"},
		{"ErrInvalid/target not a handler", clerk, handler, officer, workflow.RoleHandler, workflow.EINVALID, "to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := workflow.CheckReassign(tc.actor, tc.from, tc.to, tc.role)
			if got := workflow.ErrorCode(err); got != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("code %q (%v), want %q", got, err, tc.code)
			}
			var we *workflow.Error
			if tc.field != "" && (!asError(err, &we) || we.Field != tc.field) {
				t.Errorf("error %v names no field %q", err, tc.field)
			}
		})
	}
}

func asError(err error, target **workflow.Error) bool {
	e, ok := err.(*workflow.Error)
	*target = e
	return ok
}

// TestWaitsByName: in every state of both machines, a document is passed
// on only while the person it names can still act on it.
func TestWaitsByName(t *testing.T) {
	movable := map[workflow.Role][]workflow.State{
		workflow.RoleOfficer: {workflow.Draft, workflow.InReview, workflow.Approved},
		workflow.RoleHandler: {workflow.Assigned, workflow.InProgress},
	}
	for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, st := range workflow.States(dir) {
			for _, role := range []workflow.Role{workflow.RoleOfficer, workflow.RoleHandler, workflow.RoleClerk} {
				d := &workflow.Document{Direction: dir, State: st, SignerID: "a", AssigneeID: "a"}
				want := slices.Contains(movable[role], st) && dir == map[workflow.Role]workflow.Direction{workflow.RoleOfficer: workflow.Outgoing, workflow.RoleHandler: workflow.Incoming}[role]
				if got := workflow.WaitsByName(d, role, "a"); got != want {
					t.Errorf("%s %s, %s: %v, want %v", dir, st, role, got, want)
				}
				if workflow.WaitsByName(d, role, "b") {
					t.Errorf("%s %s, %s: waits for a user it does not name", dir, st, role)
				}
			}
		}
	}
	// Every transition only the named party takes leaves a state whose
	// documents can be passed on.
	for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, tr := range workflow.Machine(dir) {
			role := map[workflow.Party]workflow.Role{workflow.NamedSigner: workflow.RoleOfficer, workflow.TheAssignee: workflow.RoleHandler}[tr.Party]
			if role != "" && !slices.Contains(workflow.ReassignStates(role), tr.From) {
				t.Errorf("%s waits for the %s in %s, which cannot be passed on", tr.Action, tr.Party, tr.From)
			}
		}
	}
}

// TestReassign: an official's drafts before his signature and a handler's
// assigned documents move to a colleague — each once, its version bumped,
// one reassigned event each; signed, issued, completed and archived ones
// stay; the colleague can then act, the first person no longer.
func TestReassign(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin, clerk := e.users[workflow.RoleAdmin], e.users[workflow.RoleClerk]
	for _, tc := range []struct {
		role          workflow.Role
		dir           workflow.Direction
		actor         *workflow.User
		moved, stayed []workflow.State
		act           workflow.Action
	}{
		{workflow.RoleOfficer, workflow.Outgoing, admin, []workflow.State{workflow.Draft, workflow.InReview, workflow.Approved},
			[]workflow.State{workflow.OfficerSigned, workflow.Issued, workflow.Sent, workflow.Archived}, workflow.Sign},
		{workflow.RoleHandler, workflow.Incoming, clerk, []workflow.State{workflow.Assigned, workflow.InProgress},
			[]workflow.State{workflow.Completed, workflow.Archived}, workflow.Complete},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			from := e.users[tc.role]
			before := map[workflow.State]*workflow.Document{}
			for _, st := range append(slices.Clone(tc.moved), tc.stayed...) {
				before[st] = e.walkTo(t, tc.dir, st)
			}
			if n, err := e.svc.WaitingByName(ctx, from.ID); err != nil || n[tc.role] != len(tc.moved) {
				t.Errorf("WaitingByName = %v, %v; want %d for %s", n, err, len(tc.moved), tc.role)
			}
			res, err := e.svc.Reassign(ctx, tc.actor, workflow.ReassignInput{From: from.ID, To: e.other.ID, Role: tc.role})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Moved) != len(tc.moved) {
				t.Errorf("moved %d documents, want %d", len(res.Moved), len(tc.moved))
			}
			for st, b := range before {
				d, _ := e.repo.Document(ctx, b.ID)
				evs, _ := e.repo.Events(ctx, b.ID)
				var re []workflow.Event
				for _, ev := range evs {
					if ev.Kind == workflow.EventReassigned {
						re = append(re, ev)
					}
				}
				named := map[workflow.Role]string{workflow.RoleOfficer: d.SignerID, workflow.RoleHandler: d.AssigneeID}[tc.role]
				if !slices.Contains(tc.moved, st) {
					if d.Version != b.Version || named != from.ID || len(re) != 0 {
						t.Errorf("%s: touched (version %d→%d, named %s, %d events)", st, b.Version, d.Version, named, len(re))
					}
					continue
				}
				if d.Version != b.Version+1 || named != e.other.ID || !slices.Contains(res.Moved, d.ID) {
					t.Errorf("%s: version %d→%d, named %s", st, b.Version, d.Version, named)
				}
				if len(re) != 1 || re[0].Actor != tc.actor.ID || re[0].Data["from"] != from.ID || re[0].Data["to"] != e.other.ID || re[0].Data["role"] != string(tc.role) {
					t.Errorf("%s: events %+v, want one reassigned from %s to %s", st, re, from.ID, e.other.ID)
				}
				if d.Number != b.Number || d.Notation != b.Notation {
					t.Errorf("%s: numbering changed", st)
				}
			}
			last := before[tc.moved[len(tc.moved)-1]]
			if _, err := e.svc.Apply(ctx, from, last.ID, tc.act, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
				t.Errorf("%s by the former party: %v, want forbidden", tc.act, err)
			}
			if _, err := e.svc.Apply(ctx, e.other, last.ID, tc.act, workflow.ActionInput{}); err != nil {
				t.Errorf("%s by the new party: %v", tc.act, err)
			}
			if n, err := e.svc.WaitingByName(ctx, from.ID); err != nil || n[tc.role] != 0 {
				t.Errorf("after: WaitingByName = %v, %v; want none for %s", n, err, tc.role)
			}
			again, err := e.svc.Reassign(ctx, tc.actor, workflow.ReassignInput{From: from.ID, To: e.other.ID, Role: tc.role})
			if err != nil || len(again.Moved) != 0 {
				t.Errorf("again: moved %v, %v; want nothing", again.Moved, err)
			}
		})
	}
}

// TestReassignRefused: a refused reassignment moves nothing.
func TestReassignRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.walkTo(t, workflow.Outgoing, workflow.InReview)
	officer, admin := e.users[workflow.RoleOfficer], e.users[workflow.RoleAdmin]
	for _, tc := range []struct {
		name  string
		actor *workflow.User
		in    workflow.ReassignInput
		code  string
	}{
		{"unknown from", admin, workflow.ReassignInput{From: "nobody", To: e.other.ID, Role: workflow.RoleOfficer}, workflow.ENOTFOUND},
		{"unknown to", admin, workflow.ReassignInput{From: officer.ID, To: "nobody", Role: workflow.RoleOfficer}, workflow.EINVALID},
		{"no to", admin, workflow.ReassignInput{From: officer.ID, Role: workflow.RoleOfficer}, workflow.EINVALID},
		{"clerk, official", e.users[workflow.RoleClerk], workflow.ReassignInput{From: officer.ID, To: e.other.ID, Role: workflow.RoleOfficer}, workflow.EFORBIDDEN},
		{"to a handler", admin, workflow.ReassignInput{From: officer.ID, To: e.users[workflow.RoleHandler].ID, Role: workflow.RoleOfficer}, workflow.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.svc.Reassign(ctx, tc.actor, tc.in); workflow.ErrorCode(err) != tc.code {
				t.Errorf("%v, want %s", err, tc.code)
			}
		})
	}
	if got, _ := e.repo.Document(ctx, d.ID); got.Version != d.Version || got.SignerID != officer.ID {
		t.Errorf("a refused reassignment changed the draft: version %d, signer %s", got.Version, got.SignerID)
	}
}
