package workflow_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestTextLengths: a new document's text fields and a person's action
// comment are bounded (EINVALID, nothing created or changed), each at its
// limit accepted. Before, a drafting unit of 100,000 characters was
// issued into a notation as long, and notes, the sender's number and
// names, and an action's comment were kept whatever their size.
func TestTextLengths(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	long := func(n int) string { return strings.Repeat("x", n) }
	outgoing := func(f func(*workflow.CreateInput)) workflow.CreateInput {
		in := workflow.CreateInput{Direction: workflow.Outgoing, Type: "CV", Subject: "Công văn", SignerID: e.users[workflow.RoleOfficer].ID,
			Recipients: []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}},
			File:       &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}}
		f(&in)
		return in
	}
	incoming := func(f func(*workflow.CreateInput)) workflow.CreateInput {
		d := workflow.NewDate(2026, 11, 20)
		in := workflow.CreateInput{Direction: workflow.Incoming, Type: "CV", Subject: "Công văn", OriginalNumber: "125/UBND-VP", OriginalDate: &d,
			Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
			File:   &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}}
		f(&in)
		return in
	}
	for _, tc := range []struct {
		name string
		in   workflow.CreateInput
		ok   bool
	}{
		{"OK/drafting unit at the limit", outgoing(func(in *workflow.CreateInput) { in.DraftingUnit = long(workflow.MaxAbbr) }), true},
		{"ErrInvalid/drafting unit", outgoing(func(in *workflow.CreateInput) { in.DraftingUnit = long(100000) }), false},
		{"ErrInvalid/notes", outgoing(func(in *workflow.CreateInput) { in.Notes = long(workflow.MaxComment + 1) }), false},
		{"ErrInvalid/recipient name", outgoing(func(in *workflow.CreateInput) { in.Recipients[0].Name = long(workflow.MaxOrgName + 1) }), false},
		{"OK/original number at the limit", incoming(func(in *workflow.CreateInput) { in.OriginalNumber = long(workflow.MaxNotation) }), true},
		{"ErrInvalid/original number", incoming(func(in *workflow.CreateInput) { in.OriginalNumber = long(workflow.MaxNotation + 1) }), false},
		{"ErrInvalid/sender name", incoming(func(in *workflow.CreateInput) { in.Sender.Name = long(workflow.MaxOrgName + 1) }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			actor := e.users[workflow.RoleHandler]
			if tc.in.Direction == workflow.Incoming {
				actor = e.users[workflow.RoleClerk]
			}
			_, err := e.svc.Create(ctx, actor, tc.in)
			if tc.ok && err != nil {
				t.Fatalf("create: %v", err)
			}
			if !tc.ok && workflow.ErrorCode(err) != workflow.EINVALID {
				t.Fatalf("create: %v, want invalid", err)
			}
		})
	}
	d := e.create(t, workflow.Incoming, workflow.Public)
	if _, err := e.svc.Apply(ctx, e.users[workflow.RoleClerk], d.ID, workflow.Register, workflow.ActionInput{Comment: long(workflow.MaxComment + 1)}); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("register with a comment of %d characters: %v, want invalid", workflow.MaxComment+1, err)
	}
	if _, err := e.svc.Apply(ctx, e.users[workflow.RoleClerk], d.ID, workflow.Register, workflow.ActionInput{Comment: long(workflow.MaxComment)}); err != nil {
		t.Fatalf("register with a comment at the limit: %v", err)
	}
	if err := e.svc.Comment(ctx, e.users[workflow.RoleClerk], d.ID, long(workflow.MaxComment+1)); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("comment of %d characters: %v, want invalid", workflow.MaxComment+1, err)
	}
}
