package workflow_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReceiveDedupBySender: a DocumentId is a redelivery key only for the
// sender that first sent it with a verified envelope; a document with a
// failed envelope never takes the id; a sender links a replacement only to
// its own document. Before: the first document with an id, from anyone
// and whatever its envelope, made every later one with that id a
// "redelivery", and any sender could name any document as replaced.
func TestReceiveDedupBySender(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	day := workflow.NewDate(2026, 11, 20)
	a := &workflow.Org{OrgID: "000.00.12.H13", Name: "A"}
	c := &workflow.Org{OrgID: "000.00.32.H13", Name: "C"}
	input := func(id string, from *workflow.Org, envErr, replaces string) workflow.ReceiveInput {
		return workflow.ReceiveInput{ExternalID: id, EnvelopeError: envErr, Replaces: replaces, CreateInput: workflow.CreateInput{
			Type: "CV", Subject: "Công văn " + id, Sender: from, OriginalNumber: "1/UBND", OriginalDate: &day,
			File: &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}}}
	}
	id := "000.00.12.H13,2026/11/20,1/UBND"

	// An unverified envelope claiming the id is kept, rejected, without it.
	forged, created, err := e.svc.Receive(ctx, input(id, a, "digest mismatch", ""))
	if err != nil || !created || forged.State != workflow.Rejected || forged.ExternalID != "" {
		t.Fatalf("unverified: %v %v state=%s external_id=%q", created, err, forged.State, forged.ExternalID)
	}
	real, created, err := e.svc.Receive(ctx, input(id, a, "", ""))
	if err != nil || !created || real.State != workflow.Received || real.ExternalID != id {
		t.Fatalf("genuine document after an unverified one: %v %v %+v", created, err, real)
	}
	again, created, err := e.svc.Receive(ctx, input(id, a, "", ""))
	if err != nil || created || again.ID != real.ID {
		t.Fatalf("redelivery: %v %v", created, err)
	}
	if _, _, err := e.svc.Receive(ctx, input(id, c, "", "")); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("same id from another sender: %v, want EFORBIDDEN", err)
	}
	repl, _, err := e.svc.Receive(ctx, input("000.00.32.H13,2026/11/20,2/UBND", c, "", id))
	if err != nil || repl.Replaces != "" {
		t.Fatalf("C replaces A's document: %v replaces=%q", err, repl.Replaces)
	}
	own, _, err := e.svc.Receive(ctx, input("000.00.12.H13,2026/11/20,3/UBND", a, "", id))
	if err != nil || own.Replaces != real.ID {
		t.Fatalf("A replaces its own document: %v replaces=%q want %q", err, own.Replaces, real.ID)
	}
}
