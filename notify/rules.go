// Package notify sends e-mail to the users a document waits for: derived
// from the audit trail (audit_events, which every transition writes in
// its own transaction) by a worker of serve, stored as an outbox
// (mail_outbox) and sent over SMTP with retries. The workflow never waits
// for it. See README, "E-mail notifications".
package notify

import (
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// Reason is why a user is told about a document.
type Reason string

const (
	// ToApprove: a draft was submitted; its signer approves and signs it.
	ToApprove Reason = "to_approve"
	// ToSign: a draft was approved by another official than its signer.
	ToSign Reason = "to_sign"
	// Returned: a draft (or a signed document not yet issued) was sent
	// back to the handler who drafted it.
	Returned Reason = "returned"
	// Assigned: an incoming document was assigned to a handler.
	Assigned Reason = "assigned"
	// Redrafted: a draft was passed to another handler, its drafter now
	// (a reassigned event moving the drafter): she revises and submits it.
	Redrafted Reason = "redrafted"
	// ToIssue: the official signed; a clerk gives the document its
	// number and the agency's signature (issue).
	ToIssue Reason = "to_issue"
	// DeliveryRefused: a connected agency refused the document, or its
	// delivery failed for good (workflow.EventDeliveryRefused).
	DeliveryRefused Reason = "delivery_refused"
)

// Target is one user to tell, and why.
type Target struct {
	UserID string
	Reason Reason
}

// NeedsUsers reports whether Targets reads the accounts for e: the
// events that tell the clerks.
func NeedsUsers(e workflow.Event) bool {
	return e.Kind == workflow.EventDeliveryRefused || (e.Kind == workflow.EventTransition && e.Action == workflow.Sign)
}

// Targets says whom event e tells about document d (d as it is now): a
// submit its signer, an approve by someone else its signer, a return the
// drafter, an assign the assignee; a signature that leaves d waiting for
// its number the users whose inbox it then waits in to be issued (the
// clerks: workflow.WaitsFor, among users); a delivery refused for good
// the clerks who may see d; a document passed to another person (a
// reassigned event) that person, as its submission, approval or
// assignment would have (a draft not yet submitted: nobody, but its new
// drafter, told it is hers to finish). Never the actor about their own action;
// nobody about any other event. users are the accounts (NeedsUsers).
func Targets(e workflow.Event, d *workflow.Document, users []*workflow.User) []Target {
	if d == nil {
		return nil
	}
	switch e.Kind {
	case workflow.EventDeliveryRefused:
		return clerks(e, users, DeliveryRefused, func(u *workflow.User) bool {
			return u.Has(workflow.RoleClerk) && !u.Disabled && workflow.CanSee(d, u)
		})
	case workflow.EventReassigned:
		return reassigned(e)
	case workflow.EventTransition:
	default:
		return nil
	}
	var t Target
	switch e.Action {
	case workflow.Submit:
		t = Target{d.SignerID, ToApprove}
	case workflow.Approve:
		t = Target{d.SignerID, ToSign}
	case workflow.Return:
		t = Target{d.CreatedBy, Returned}
	case workflow.Assign:
		t = Target{strings.TrimSpace(e.Data["assignee_id"]), Assigned}
	case workflow.Sign:
		signed := *d
		signed.State = e.To // as the signature left it, whatever came after
		return clerks(e, users, ToIssue, func(u *workflow.User) bool { return workflow.WaitsFor(u, &signed, workflow.Issue) })
	default:
		return nil
	}
	if t.UserID == "" || t.UserID == e.Actor {
		return nil
	}
	return []Target{t}
}

// clerks is a target for reason r of each of users that tells says, the
// actor excepted.
func clerks(e workflow.Event, users []*workflow.User, r Reason, tells func(*workflow.User) bool) []Target {
	var out []Target
	for _, u := range users {
		if u.ID != e.Actor && tells(u) {
			out = append(out, Target{u.ID, r})
		}
	}
	return out
}

// reassignedReasons: what the person a document was passed to is told,
// by the state it was passed in — the message they would have had if it
// had reached them so (a draft still being written waits for no signer;
// passed to a new drafter, it waits for her: Redrafted).
var reassignedReasons = map[workflow.State]Reason{
	workflow.InReview: ToApprove, workflow.Approved: ToSign,
	workflow.Assigned: Assigned, workflow.InProgress: Assigned,
}

// reassigned is the target of a reassigned event: its "to".
func reassigned(e workflow.Event) []Target {
	r, ok := reassignedReasons[workflow.State(e.Data["state"])]
	if e.Data["party"] == string(workflow.TheDrafter) {
		r, ok = Redrafted, true
	}
	to := e.Data["to"]
	if !ok || to == "" || to == e.Actor {
		return nil
	}
	return []Target{{to, r}}
}
