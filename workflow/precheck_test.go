package workflow_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestPrecheckAnswersAsApply: for every input Apply refuses before its
// work, Precheck gives the same code without changing anything, and for
// input Apply accepts it gives nil; a missing reason is ErrNoReason.
func TestPrecheckAnswersAsApply(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		dir      workflow.Direction
		state    workflow.State
		action   workflow.Action
		in       func(e *env) workflow.ActionInput
		setup    func(e *env)
		want     string // the code, "" = accepted
		noReason bool
	}{
		{name: "assign/OK", dir: workflow.Incoming, state: workflow.Registered, action: workflow.Assign,
			in: func(e *env) workflow.ActionInput { return e.inputFor(workflow.Assign) }},
		{name: "assign/no handler chosen", dir: workflow.Incoming, state: workflow.Registered, action: workflow.Assign,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{} }, want: workflow.EINVALID},
		{name: "assign/not a handler", dir: workflow.Incoming, state: workflow.Registered, action: workflow.Assign,
			in: func(e *env) workflow.ActionInput {
				return workflow.ActionInput{AssigneeID: e.users[workflow.RoleClerk].ID}
			},
			want: workflow.EINVALID},
		{name: "assign/no such user", dir: workflow.Incoming, state: workflow.Registered, action: workflow.Assign,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{AssigneeID: "u-none"} }, want: workflow.EINVALID},
		{name: "reject/no reason", dir: workflow.Incoming, state: workflow.Received, action: workflow.Reject,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{Comment: "  "} }, want: workflow.EINVALID, noReason: true},
		{name: "reject/comment too long", dir: workflow.Incoming, state: workflow.Received, action: workflow.Reject,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{Comment: strings.Repeat("x", 5000)} }, want: workflow.EINVALID},
		{name: "sign/no signer", dir: workflow.Outgoing, state: workflow.Approved, action: workflow.Sign,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{} }, setup: func(e *env) { e.svc.Signer = nil }, want: workflow.EUNAVAILABLE},
		{name: "send/no exchange", dir: workflow.Outgoing, state: workflow.Issued, action: workflow.Send,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{} }, setup: func(e *env) { e.svc.Outbox = nil }, want: workflow.EUNAVAILABLE},
		{name: "send/OK", dir: workflow.Outgoing, state: workflow.Issued, action: workflow.Send,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{} }},
		{name: "archive/illegal state", dir: workflow.Incoming, state: workflow.Received, action: workflow.Archive,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{} }, want: workflow.EILLEGAL},
		{name: "register/stale version", dir: workflow.Incoming, state: workflow.Received, action: workflow.Register,
			in: func(*env) workflow.ActionInput { return workflow.ActionInput{Version: 99} }, want: workflow.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			d := e.walkTo(t, tc.dir, tc.state)
			if tc.setup != nil {
				tc.setup(e)
			}
			actor, in := e.users[workflow.RoleClerk], tc.in(e)
			if tc.action != workflow.Archive {
				actor = e.actorFor(d, tc.action)
			}
			err := e.svc.Precheck(ctx, actor, d, tc.action, in)
			if workflow.ErrorCode(err) != tc.want || errors.Is(err, workflow.ErrNoReason) != tc.noReason {
				t.Fatalf("Precheck: %v, want code %q (no reason: %v)", err, tc.want, tc.noReason)
			}
			if after, _ := e.repo.Document(ctx, d.ID); after.Version != d.Version {
				t.Fatalf("Precheck changed the document: version %d, was %d", after.Version, d.Version)
			}
			_, err = e.svc.Apply(ctx, actor, d.ID, tc.action, in)
			if tc.want != "" && workflow.ErrorCode(err) != tc.want || tc.want == "" && err != nil {
				t.Fatalf("Apply: %v, Precheck said %q", err, tc.want)
			}
		})
	}
}

// TestAvailableAgreesWithApply: for every row of both machines, on a
// server with and without a signer and with and without the exchange,
// Available is EUNAVAILABLE exactly when Apply, given the row's actor and
// a valid input, refuses the action with EUNAVAILABLE; it answers nothing
// else, and reads nothing (it takes no context: the web's document page
// asks it for every button, with no placeholder input).
func TestAvailableAgreesWithApply(t *testing.T) {
	configs := []struct {
		name           string
		signer, outbox bool
	}{{"everything", true, true}, {"no signer", false, true}, {"no exchange", true, false}, {"neither", false, false}}
	seen := map[bool]int{}
	for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, tr := range workflow.Machine(dir) {
			for _, c := range configs {
				t.Run(fmt.Sprintf("%s/%s-%s/%s", dir, tr.From, tr.Action, c.name), func(t *testing.T) {
					e := newEnv(t)
					d := e.walkToRow(t, dir, tr)
					if !c.signer {
						e.svc.Signer = nil
					}
					if !c.outbox {
						e.svc.Outbox = nil
					}
					avail := e.svc.Available(d, tr.Action)
					if avail != nil && workflow.ErrorCode(avail) != workflow.EUNAVAILABLE {
						t.Fatalf("Available: %v, want nil or EUNAVAILABLE", avail)
					}
					_, err := e.svc.Apply(context.Background(), e.actorFor(d, tr.Action), d.ID, tr.Action, e.inputFor(tr.Action))
					unavailable := workflow.ErrorCode(err) == workflow.EUNAVAILABLE
					if (avail != nil) != unavailable {
						t.Fatalf("Available: %v; Apply: %v", avail, err)
					}
					seen[unavailable]++
				})
			}
		}
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Errorf("rows unavailable %d, available %d: the table or the fakes changed", seen[true], seen[false])
	}
}
