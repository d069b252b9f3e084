package workflow_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReceiveDedupBySender: a DocumentId is a redelivery key only for the
// sender that sent it with a verified envelope (another sender's same id
// is another document: twenty-seventh session, before EFORBIDDEN, and a
// UUID, which names no agency, was refused at the exchange); a document with a
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
	// A DocumentId is its sender's name for a document: the same one from
	// another sender is another document, and never a redelivery of the
	// first (the exchange refuses an id that names another agency before
	// this; a UUID names none).
	others, created, err := e.svc.Receive(ctx, input(id, c, "", ""))
	if err != nil || !created || others.ID == real.ID || others.Sender.OrgID != c.OrgID {
		t.Fatalf("same id from another sender: created=%v err=%v (want a new document of C's)", created, err)
	}
	if again, created, err := e.svc.Receive(ctx, input(id, c, "", "")); err != nil || created || again.ID != others.ID {
		t.Fatalf("C's redelivery: created=%v err=%v", created, err)
	}
	repl, _, err := e.svc.Receive(ctx, input("000.00.32.H13,2026/11/20,2/UBND", c, "", id))
	if err != nil || repl.Replaces != others.ID {
		t.Fatalf("C replaces the document it sent under A's id: %v replaces=%q, want C's %q (never A's %q)", err, repl.Replaces, others.ID, real.ID)
	}
	own, _, err := e.svc.Receive(ctx, input("000.00.12.H13,2026/11/20,3/UBND", a, "", id))
	if err != nil || own.Replaces != real.ID {
		t.Fatalf("A replaces its own document: %v replaces=%q want %q", err, own.Replaces, real.ID)
	}
	if r, _, err := e.svc.Receive(ctx, input("000.00.32.H13,2026/11/20,5/UBND", c, "", "000.00.12.H13,2026/11/20,3/UBND")); err != nil || r.Replaces != "" {
		t.Fatalf("C replaces a document only A sent: %v replaces=%q", err, r.Replaces)
	}

	// UUIDs, as the national platform's gateway writes them: per sender too.
	uuid := "5e515fca-3627-4f2e-b517-7169acdc8bda"
	ua, created, err := e.svc.Receive(ctx, input(uuid, a, "", ""))
	if err != nil || !created || ua.ExternalID != uuid {
		t.Fatalf("A's UUID document: created=%v err=%v", created, err)
	}
	uc, created, err := e.svc.Receive(ctx, input(uuid, c, "", ""))
	if err != nil || !created || uc.ID == ua.ID {
		t.Fatalf("C's document under A's UUID: created=%v err=%v", created, err)
	}
	if again, created, err := e.svc.Receive(ctx, input(uuid, a, "", "")); err != nil || created || again.ID != ua.ID {
		t.Fatalf("A's UUID redelivered: created=%v err=%v", created, err)
	}
	if r, _, err := e.svc.Receive(ctx, input("000.00.32.H13,2026/11/21,4/UBND", c, "", uuid)); err != nil || r.Replaces != uc.ID {
		t.Fatalf("C replaces its UUID document: %v replaces=%q want %q (not A's %q)", err, r.Replaces, uc.ID, ua.ID)
	}
}
