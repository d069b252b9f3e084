package workflow_test

import (
	"context"
	"slices"
	"strings"
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
// on only while the person it names can still act on it — an official as
// signer before his signature, a handler as assignee until completed and
// as drafter while it is a draft — and only by the field that names them.
func TestWaitsByName(t *testing.T) {
	type kind struct {
		role workflow.Role
		dir  workflow.Direction
	}
	movable := map[kind][]workflow.State{
		{workflow.RoleOfficer, workflow.Outgoing}: {workflow.Draft, workflow.InReview, workflow.Approved},
		{workflow.RoleHandler, workflow.Incoming}: {workflow.Assigned, workflow.InProgress},
		{workflow.RoleHandler, workflow.Outgoing}: {workflow.Draft},
	}
	// The field each role names the user by, by direction.
	named := map[kind]func(d *workflow.Document) *string{
		{workflow.RoleOfficer, workflow.Outgoing}: func(d *workflow.Document) *string { return &d.SignerID },
		{workflow.RoleHandler, workflow.Incoming}: func(d *workflow.Document) *string { return &d.AssigneeID },
		{workflow.RoleHandler, workflow.Outgoing}: func(d *workflow.Document) *string { return &d.CreatedBy },
	}
	for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, st := range workflow.States(dir) {
			for _, role := range []workflow.Role{workflow.RoleOfficer, workflow.RoleHandler, workflow.RoleClerk} {
				k := kind{role, dir}
				d := &workflow.Document{Direction: dir, State: st, SignerID: "a", AssigneeID: "a", CreatedBy: "a"}
				want := slices.Contains(movable[k], st)
				if got := workflow.WaitsByName(d, role, "a"); got != want {
					t.Errorf("%s %s, %s: %v, want %v", dir, st, role, got, want)
				}
				if !slices.Equal(workflow.ReassignStates(role, dir), movable[k]) {
					t.Errorf("%s %s: ReassignStates %v, want %v", dir, role, workflow.ReassignStates(role, dir), movable[k])
				}
				if workflow.WaitsByName(d, role, "b") {
					t.Errorf("%s %s, %s: waits for a user it does not name", dir, st, role)
				}
				if !want {
					continue
				}
				// Named only by its own field: the others name someone else.
				only := &workflow.Document{Direction: dir, State: st, SignerID: "b", AssigneeID: "b", CreatedBy: "b"}
				*named[k](only) = "a"
				if !workflow.WaitsByName(only, role, "a") {
					t.Errorf("%s %s, %s: not found by its field", dir, st, role)
				}
				e := workflow.Reassigned(only, role, "c")
				if *named[k](only) != "c" || strings.Count(only.SignerID+only.AssigneeID+only.CreatedBy, "b") != 2 {
					t.Errorf("%s %s, %s: Reassigned moved the wrong field: %+v", dir, st, role, only)
				}
				if e.Data["from"] != "a" || e.Data["to"] != "c" || e.Data["party"] == "" || e.Data["state"] != string(st) {
					t.Errorf("%s %s, %s: event data %v", dir, st, role, e.Data)
				}
			}
		}
	}
	// Every transition only the named party takes leaves a state whose
	// documents can be passed on; so does a draft's submission, which
	// waits in its drafter's inbox.
	for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, tr := range workflow.Machine(dir) {
			role := map[workflow.Party]workflow.Role{workflow.NamedSigner: workflow.RoleOfficer, workflow.TheAssignee: workflow.RoleHandler}[tr.Party]
			if tr.Action == workflow.Submit {
				role = workflow.RoleHandler
			}
			if role != "" && !slices.Contains(workflow.ReassignStates(role, dir), tr.From) {
				t.Errorf("%s waits for the %s in %s, which cannot be passed on", tr.Action, tr.Party, tr.From)
			}
		}
	}
}

// place is where a document of a test stands: its direction and state.
type place struct {
	dir workflow.Direction
	st  workflow.State
}

// nameOf is the field that names the user a document waits for in role.
func nameOf(d *workflow.Document, role workflow.Role) string {
	switch {
	case role == workflow.RoleOfficer:
		return d.SignerID
	case d.Direction == workflow.Outgoing:
		return d.CreatedBy
	}
	return d.AssigneeID
}

// TestReassign: an official's drafts before his signature, a handler's
// assigned documents and the drafts he writes move to a colleague — each
// once, its version bumped, one reassigned event each naming the field
// moved; signed, submitted, issued, completed and archived ones stay; the
// colleague can then act, the first person no longer.
func TestReassign(t *testing.T) {
	ctx := context.Background()
	admin, clerk := workflow.RoleAdmin, workflow.RoleClerk
	out := func(sts ...workflow.State) (ps []place) {
		for _, st := range sts {
			ps = append(ps, place{workflow.Outgoing, st})
		}
		return ps
	}
	in := func(sts ...workflow.State) (ps []place) {
		for _, st := range sts {
			ps = append(ps, place{workflow.Incoming, st})
		}
		return ps
	}
	for _, tc := range []struct {
		role          workflow.Role
		actor         workflow.Role
		moved, stayed []place
		act           workflow.Action
	}{
		{workflow.RoleOfficer, admin, out(workflow.Draft, workflow.InReview, workflow.Approved),
			out(workflow.OfficerSigned, workflow.Issued, workflow.Sent, workflow.Archived), workflow.Sign},
		{workflow.RoleHandler, clerk, append(out(workflow.Draft), in(workflow.Assigned, workflow.InProgress)...),
			append(out(workflow.InReview, workflow.Approved, workflow.Issued), in(workflow.Completed, workflow.Archived)...), workflow.Complete},
	} {
		t.Run(string(tc.role), func(t *testing.T) {
			e := newEnv(t) // an official's drafts are a handler's too
			from, actor := e.users[tc.role], e.users[tc.actor]
			before := map[place]*workflow.Document{}
			for _, p := range append(slices.Clone(tc.moved), tc.stayed...) {
				before[p] = e.walkTo(t, p.dir, p.st)
			}
			if n, err := e.svc.WaitingByName(ctx, from.ID); err != nil || n[tc.role] != len(tc.moved) {
				t.Errorf("WaitingByName = %v, %v; want %d for %s", n, err, len(tc.moved), tc.role)
			}
			res, err := e.svc.Reassign(ctx, actor, workflow.ReassignInput{From: from.ID, To: e.other.ID, Role: tc.role})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Moved) != len(tc.moved) {
				t.Errorf("moved %d documents, want %d", len(res.Moved), len(tc.moved))
			}
			for p, b := range before {
				checkMoved(t, e, b, tc.role, slices.Contains(tc.moved, p), from, actor, res)
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
			again, err := e.svc.Reassign(ctx, actor, workflow.ReassignInput{From: from.ID, To: e.other.ID, Role: tc.role})
			if err != nil || len(again.Moved) != 0 {
				t.Errorf("again: moved %v, %v; want nothing", again.Moved, err)
			}
		})
	}
}

// checkMoved checks document b (as it was before) after a reassignment
// of role's work from from: moved to e.other with one event naming the
// field, or untouched.
func checkMoved(t *testing.T, e *env, b *workflow.Document, role workflow.Role, moved bool, from, actor *workflow.User, res workflow.ReassignResult) {
	t.Helper()
	ctx := context.Background()
	d, _ := e.repo.Document(ctx, b.ID)
	evs, _ := e.repo.Events(ctx, b.ID)
	var re []workflow.Event
	for _, ev := range evs {
		if ev.Kind == workflow.EventReassigned {
			re = append(re, ev)
		}
	}
	named, at := nameOf(d, role), string(b.Direction)+" "+string(b.State)
	if !moved {
		if d.Version != b.Version || named != from.ID || len(re) != 0 {
			t.Errorf("%s: touched (version %d→%d, named %s, %d events)", at, b.Version, d.Version, named, len(re))
		}
		return
	}
	if d.Version != b.Version+1 || named != e.other.ID || !slices.Contains(res.Moved, d.ID) {
		t.Errorf("%s: version %d→%d, named %s", at, b.Version, d.Version, named)
	}
	party := map[bool]string{true: "signer", false: map[workflow.Direction]string{workflow.Outgoing: "drafter", workflow.Incoming: "assignee"}[d.Direction]}[role == workflow.RoleOfficer]
	if len(re) != 1 || re[0].Actor != actor.ID || re[0].Data["from"] != from.ID || re[0].Data["to"] != e.other.ID ||
		re[0].Data["role"] != string(role) || re[0].Data["party"] != party || re[0].Data["state"] != string(d.State) {
		t.Errorf("%s: events %+v, want one reassigned from %s to %s, party %s", at, re, from.ID, e.other.ID, party)
	}
	if d.Number != b.Number || d.Notation != b.Notation || d.SignerID+d.AssigneeID+d.CreatedBy == b.SignerID+b.AssigneeID+b.CreatedBy {
		t.Errorf("%s: numbering changed, or no name did", at)
	}
}

// TestReassignDrafts: a handler's drafts — one never submitted, one an
// official returned, a classified one — pass to a colleague, who can
// revise and submit them and finds them in his inbox; the first drafter
// can no longer revise them and no longer finds them; who wrote a draft
// first stays in its create event.
func TestReassignDrafts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h, officer, clerk := e.users[workflow.RoleHandler], e.users[workflow.RoleOfficer], e.users[workflow.RoleClerk]
	fresh := e.walkTo(t, workflow.Outgoing, workflow.Draft)
	returned := e.walkTo(t, workflow.Outgoing, workflow.InReview)
	if _, err := e.svc.Apply(ctx, officer, returned.ID, workflow.Return, workflow.ActionInput{Comment: "Sửa trích yếu"}); err != nil {
		t.Fatal(err)
	}
	secret := e.create(t, workflow.Outgoing, workflow.Secret)
	res, err := e.svc.Reassign(ctx, clerk, workflow.ReassignInput{From: h.ID, To: e.other.ID, Role: workflow.RoleHandler})
	if err != nil || len(res.Moved) != 3 {
		t.Fatalf("moved %v, %v; want the three drafts", res.Moved, err)
	}
	inbox := func(u *workflow.User) []string {
		docs, _, _, err := e.svc.Work(ctx, u, workflow.Submit, 50)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		return ids
	}
	old, now := inbox(h), inbox(e.other)
	for _, d := range []*workflow.Document{fresh, returned, secret} {
		subject := "Về việc đã chuyển người soạn thảo"
		if _, err := e.svc.Revise(ctx, h, d.ID, workflow.ReviseInput{Subject: &subject}); workflow.ErrorCode(err) != workflow.EFORBIDDEN && workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("%s: revised by the former drafter: %v", d.ID, err)
		}
		if slices.Contains(old, d.ID) || !slices.Contains(now, d.ID) {
			t.Errorf("%s: in the former drafter's inbox %v, the new one's %v", d.ID, slices.Contains(old, d.ID), slices.Contains(now, d.ID))
		}
		if _, err := e.svc.Revise(ctx, e.other, d.ID, workflow.ReviseInput{Subject: &subject}); err != nil {
			t.Errorf("%s: revise by the new drafter: %v", d.ID, err)
		}
		if _, err := e.svc.Apply(ctx, e.other, d.ID, workflow.Submit, workflow.ActionInput{}); err != nil {
			t.Errorf("%s: submit by the new drafter: %v", d.ID, err)
		}
		evs, _ := e.repo.Events(ctx, d.ID)
		if len(evs) == 0 || evs[0].Kind != workflow.EventCreate || evs[0].Actor != h.ID {
			t.Errorf("%s: the first event %+v does not keep the first drafter", d.ID, evs[:1])
		}
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
