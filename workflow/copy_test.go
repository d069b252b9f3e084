package workflow_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// failingCopySigner signs everything but copies.
type failingCopySigner struct{ workflowtest.Signer }

func (failingCopySigner) SignCopy(context.Context, *workflow.Copy, []byte) ([]byte, error) {
	return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the agency key is out")
}

// TestCopyRefusals: only a clerk copies, only a final PDF (no draft, no
// document before its issue or registration, no rejected one), in a form
// the source allows (a paper-registered letter: sao y only; trích sao
// not yet), for someone; each refusal takes no number.
func TestCopyRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk := e.users[workflow.RoleClerk]
	issued := e.walkTo(t, workflow.Outgoing, workflow.Issued)
	paper := e.walkTo(t, workflow.Incoming, workflow.Registered)
	for _, tc := range []struct {
		name  string
		actor *workflow.User
		doc   *workflow.Document
		in    workflow.CopyInput
		code  string
		field string
	}{
		{"a handler", e.users[workflow.RoleHandler], issued, workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.EFORBIDDEN, ""},
		{"an officer", e.users[workflow.RoleOfficer], issued, workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.EFORBIDDEN, ""},
		{"a draft", clerk, e.walkTo(t, workflow.Outgoing, workflow.Draft), workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ECONFLICT, ""},
		{"signed, not issued", clerk, e.walkTo(t, workflow.Outgoing, workflow.OfficerSigned), workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ECONFLICT, ""},
		{"received, not registered", clerk, e.walkTo(t, workflow.Incoming, workflow.Received), workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ECONFLICT, ""},
		{"rejected", clerk, e.walkTo(t, workflow.Incoming, workflow.Rejected), workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ECONFLICT, ""},
		{"no such document", clerk, &workflow.Document{ID: "d-nothing"}, workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ENOTFOUND, ""},
		{"an unknown form", clerk, issued, workflow.CopyInput{Form: "XX", RequestedFor: "Tòa án"}, workflow.EINVALID, "form"},
		{"trích sao", clerk, issued, workflow.CopyInput{Form: "TS", RequestedFor: "Tòa án"}, workflow.EINVALID, "form"},
		{"sao lục of a paper letter", clerk, paper, workflow.CopyInput{Form: "SL", RequestedFor: "Tòa án"}, workflow.EINVALID, "form"},
		{"for nobody", clerk, issued, workflow.CopyInput{Form: "SY", RequestedFor: "  "}, workflow.EINVALID, "requested_for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.MakeCopy(ctx, tc.actor, tc.doc.ID, tc.in)
			if workflow.ErrorCode(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if tc.field != "" && !slices.Equal(fieldsOf(err), []string{tc.field}) {
				t.Errorf("fields %q, want %s", fieldsOf(err), tc.field)
			}
		})
	}
	e.svc.Signer = failingCopySigner{}
	if _, err := e.svc.MakeCopy(ctx, clerk, issued.ID, workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("failing signer: err = %v, want EUNAVAILABLE", err)
	}
	e.svc.Signer = workflowtest.Signer{}
	c, err := e.svc.MakeCopy(ctx, clerk, paper.ID, workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"})
	if err != nil || c.Number != 1 {
		t.Fatalf("first copy after the refusals: %v, number %v, want 1", err, c)
	}
}

// TestMakeCopy: copies of an issued outgoing document and of a
// registered letter share one register (01/SY-UBND, 02/SL-UBND,
// 03/SY-UBND); each is the original's signed PDF signed as the copy, an
// event "copied" on the original says its number, form and for whom, and
// the copy is listed and opened by whoever sees the original.
func TestMakeCopy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk := e.users[workflow.RoleClerk]
	issued := e.walkTo(t, workflow.Outgoing, workflow.Issued)
	paper := e.walkTo(t, workflow.Incoming, workflow.Registered)
	steps := []struct {
		doc  *workflow.Document
		form workflow.CopyForm
		want string
	}{
		{issued, workflow.CopySaoY, "01/SY-UBND"},
		{issued, workflow.CopySaoLuc, "02/SL-UBND"},
		{paper, workflow.CopySaoY, "03/SY-UBND"},
	}
	for _, s := range steps {
		c, err := e.svc.MakeCopy(ctx, clerk, s.doc.ID, workflow.CopyInput{Form: s.form, RequestedFor: " Ông Nguyễn Văn A, theo đơn ngày 01/12/2026 "})
		if err != nil {
			t.Fatal(err)
		}
		if c.Notation != s.want || c.Year != 2026 || c.RequestedFor != "Ông Nguyễn Văn A, theo đơn ngày 01/12/2026" || c.CreatedBy != clerk.ID {
			t.Errorf("copy %+v, want %s of 2026 by the clerk", c, s.want)
		}
		evs, _ := e.repo.Events(ctx, s.doc.ID)
		last := evs[len(evs)-1]
		if last.Kind != workflow.EventCopied || last.Data["notation"] != s.want || last.Data["form"] != string(s.form) ||
			last.Data["requested_for"] != c.RequestedFor || last.Data["copy"] != c.ID {
			t.Errorf("original's last event %s %v, want copied %s", last.Kind, last.Data, s.want)
		}
		rc, got, d, err := e.svc.OpenCopy(ctx, e.users[workflow.RoleHandler], c.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if got.ID != c.ID || d.ID != s.doc.ID || !bytes.HasSuffix(b, []byte("%C "+s.want+"\n")) || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("opened copy %s of %s: %q", got.ID, d.ID, b)
		}
	}
	cs, err := e.svc.Copies(ctx, clerk, issued.ID)
	if err != nil || len(cs) != 2 || cs[0].Number != 1 || cs[1].Number != 2 {
		t.Errorf("copies of the issued document: %v %+v", err, cs)
	}
	if _, _, _, err := e.svc.OpenCopy(ctx, clerk, "c-nothing"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Errorf("open no copy: %v", err)
	}
	lines, err := e.svc.CopyRegister(ctx, clerk, 2026)
	if err != nil || len(lines) != 3 || lines[2].Original.ID != paper.ID {
		t.Errorf("register of copies: %v %d lines", err, len(lines))
	}
	if _, err := e.svc.CopyRegister(ctx, e.users[workflow.RoleHandler], 2026); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Errorf("a handler reads the register of copies: %v", err)
	}
}

// TestCopyForms: a paper-registered letter is copied as sao y only; an
// electronic original (issued here, or received over the exchange) as
// sao y or sao lục; a draft not at all.
func TestCopyForms(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	received := e.walkTo(t, workflow.Incoming, workflow.Registered)
	err := e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		d, err := tx.LockDocument(ctx, received.ID)
		if err != nil {
			return err
		}
		prev := d.Version
		d.ExternalID, d.Version = "000.00.00.H13,2026/11/20,125/UBND-VP", d.Version+1
		return tx.UpdateDocument(ctx, d, prev)
	})
	if err != nil {
		t.Fatal(err)
	}
	received, _ = e.repo.Document(ctx, received.ID)
	both := []workflow.CopyForm{workflow.CopySaoY, workflow.CopySaoLuc}
	for _, tc := range []struct {
		name string
		d    *workflow.Document
		want []workflow.CopyForm
	}{
		{"paper", e.walkTo(t, workflow.Incoming, workflow.Completed), []workflow.CopyForm{workflow.CopySaoY}},
		{"received electronically", received, both},
		{"issued", e.walkTo(t, workflow.Outgoing, workflow.Sent), both},
		{"draft", e.walkTo(t, workflow.Outgoing, workflow.Draft), nil},
	} {
		if got := workflow.CopyForms(tc.d); !slices.Equal(got, tc.want) {
			t.Errorf("%s: forms %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := e.svc.MakeCopy(ctx, e.users[workflow.RoleClerk], received.ID, workflow.CopyInput{Form: "SL", RequestedFor: "Tòa án"}); err != nil {
		t.Errorf("sao lục of a letter received electronically: %v", err)
	}
}
