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
)

// Target is one user to tell, and why.
type Target struct {
	UserID string
	Reason Reason
}

// Targets says whom event e tells about document d (d as it is now): a
// submit its signer, an approve by someone else its signer, a return the
// drafter, an assign the assignee. Never the actor about their own
// action; nobody about any other event.
func Targets(e workflow.Event, d *workflow.Document) []Target {
	if e.Kind != workflow.EventTransition || d == nil {
		return nil
	}
	var t Target
	switch {
	case e.Action == workflow.Submit:
		t = Target{d.SignerID, ToApprove}
	case e.Action == workflow.Approve:
		t = Target{d.SignerID, ToSign}
	case e.Action == workflow.Return:
		t = Target{d.CreatedBy, Returned}
	case e.Action == workflow.Assign:
		t = Target{strings.TrimSpace(e.Data["assignee_id"]), Assigned}
	default:
		return nil
	}
	if t.UserID == "" || t.UserID == e.Actor {
		return nil
	}
	return []Target{t}
}
