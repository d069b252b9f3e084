package workflow_test

import (
	"bytes"
	"context"
	"errors"
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
// the source allows (a paper-registered letter: no sao lục), for
// someone, a trích sao of pages the document has, listed in order, and
// pages for a trích sao only; each refusal takes no number.
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
		{"an archivist, a document not archived", e.users[workflow.RoleArchivist], issued, workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.EFORBIDDEN, ""},
		{"a draft", clerk, e.walkTo(t, workflow.Outgoing, workflow.Draft), workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ECONFLICT, ""},
		{"signed, not issued", clerk, e.walkTo(t, workflow.Outgoing, workflow.OfficerSigned), workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ECONFLICT, ""},
		{"received, not registered", clerk, e.walkTo(t, workflow.Incoming, workflow.Received), workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ECONFLICT, ""},
		{"rejected", clerk, e.walkTo(t, workflow.Incoming, workflow.Rejected), workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ECONFLICT, ""},
		{"no such document", clerk, &workflow.Document{ID: "d-nothing"}, workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án"}, workflow.ENOTFOUND, ""},
		{"an unknown form", clerk, issued, workflow.CopyInput{Form: "XX", RequestedFor: "Tòa án"}, workflow.EINVALID, "form"},
		{"trích sao without pages", clerk, issued, workflow.CopyInput{Form: "TS", RequestedFor: "Tòa án"}, workflow.EINVALID, "pages"},
		{"trích sao of page 7 of 4", clerk, issued, workflow.CopyInput{Form: "TS", RequestedFor: "Tòa án", Pages: "1,7"}, workflow.EINVALID, "pages"},
		{"trích sao out of order", clerk, issued, workflow.CopyInput{Form: "TS", RequestedFor: "Tòa án", Pages: "3,1"}, workflow.EINVALID, "pages"},
		{"trích sao of page 5 of a paper letter", clerk, paper, workflow.CopyInput{Form: "TS", RequestedFor: "Tòa án", Pages: "5"}, workflow.EINVALID, "pages"},
		{"pages of a sao y", clerk, issued, workflow.CopyInput{Form: "SY", RequestedFor: "Tòa án", Pages: "1"}, workflow.EINVALID, "pages"},
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
	_, err := e.svc.MakeCopy(ctx, clerk, issued.ID, workflow.CopyInput{Form: "TS", RequestedFor: "Tòa án", Pages: "2-5"})
	if pe := (*workflow.PageRangeError)(nil); !errors.As(err, &pe) || pe.Page != 5 || pe.Count != workflowtest.FakePages {
		t.Errorf("page 5 of 4: %v, want a PageRangeError", err)
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

// TestArchivistCopiesArchivedRecords: an archivist makes the copy of an
// archived document — an outgoing one (sao y, sao lục, trích sao) and a
// paper letter (sao y) — numbered in the one register of copies, the
// copied event naming her; of one not archived she is refused
// (TestCopyRefusals). The citizen asking the archive for a copy of a
// decision of years ago was sent to the clerk (walk 12).
func TestArchivistCopiesArchivedRecords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	archivist := e.users[workflow.RoleArchivist]
	out, paper := e.walkTo(t, workflow.Outgoing, workflow.Archived), e.walkTo(t, workflow.Incoming, workflow.Archived)
	for i, tc := range []struct {
		doc *workflow.Document
		in  workflow.CopyInput
	}{
		{out, workflow.CopyInput{Form: workflow.CopySaoY, RequestedFor: "Ông Nguyễn Văn Tám, theo đơn ngày 07/12/2026"}},
		{out, workflow.CopyInput{Form: workflow.CopyTrichSao, RequestedFor: "Phòng Tài nguyên và Môi trường", Pages: "1"}},
		{paper, workflow.CopyInput{Form: workflow.CopySaoY, RequestedFor: "Tòa án nhân dân quận"}},
	} {
		if !workflow.MayCopy(archivist, tc.doc) {
			t.Errorf("MayCopy(archivist, %s) = false", tc.doc.State)
		}
		c, err := e.svc.MakeCopy(ctx, archivist, tc.doc.ID, tc.in)
		if err != nil || c.Number != i+1 || c.CreatedBy != archivist.ID {
			t.Fatalf("copy %d: %+v, %v", i+1, c, err)
		}
	}
	evs, err := e.repo.Events(ctx, paper.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Kind != workflow.EventCopied || last.Actor != archivist.ID {
		t.Errorf("the letter's last event: %s by %s, want copied by the archivist", last.Kind, last.Actor)
	}
	if workflow.MayCopy(archivist, e.walkTo(t, workflow.Incoming, workflow.Completed)) {
		t.Error("MayCopy(archivist, completed) = true")
	}
}

// TestMakeCopy: copies of an issued outgoing document and of a
// registered letter share one register (01/SY-UBND, 02/SL-UBND,
// 03/SY-UBND, 04/TS-UBND, 05/TS-UBND: a trích sao of the paper letter's
// scan); each is the original's signed PDF signed as
// the copy (a trích sao: its extract of the pages asked for), an event
// "copied" on the original says its number, form, pages and for whom,
// and the copy is listed, with its pages, and opened by whoever sees the
// original.
func TestMakeCopy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk := e.users[workflow.RoleClerk]
	issued := e.walkTo(t, workflow.Outgoing, workflow.Issued)
	paper := e.walkTo(t, workflow.Incoming, workflow.Registered)
	steps := []struct {
		doc          *workflow.Document
		form         workflow.CopyForm
		pages, want  string
		extractPages string // "": the whole document
	}{
		{issued, workflow.CopySaoY, "", "01/SY-UBND", ""},
		{issued, workflow.CopySaoLuc, "", "02/SL-UBND", ""},
		{paper, workflow.CopySaoY, "", "03/SY-UBND", ""},
		{issued, workflow.CopyTrichSao, " 1, 3–4 ", "04/TS-UBND", "1,3-4"},
		{paper, workflow.CopyTrichSao, "2", "05/TS-UBND", "2"},
	}
	for _, s := range steps {
		c, err := e.svc.MakeCopy(ctx, clerk, s.doc.ID, workflow.CopyInput{Form: s.form, RequestedFor: " Ông Nguyễn Văn A, theo đơn ngày 01/12/2026 ", Pages: s.pages})
		if err != nil {
			t.Fatal(err)
		}
		if c.Notation != s.want || c.Year != 2026 || c.RequestedFor != "Ông Nguyễn Văn A, theo đơn ngày 01/12/2026" || c.CreatedBy != clerk.ID {
			t.Errorf("copy %+v, want %s of 2026 by the clerk", c, s.want)
		}
		evs, _ := e.repo.Events(ctx, s.doc.ID)
		last := evs[len(evs)-1]
		if c.Pages != s.extractPages {
			t.Errorf("copy %s: pages %q, want %q", c.Notation, c.Pages, s.extractPages)
		}
		if last.Kind != workflow.EventCopied || last.Data["notation"] != s.want || last.Data["form"] != string(s.form) ||
			last.Data["requested_for"] != c.RequestedFor || last.Data["copy"] != c.ID || last.Data["pages"] != s.extractPages {
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
		if extract := []byte("\n%E " + s.extractPages + "\n"); bytes.Contains(b, extract) != (s.extractPages != "") {
			t.Errorf("copy %s: signed from an extract %v, want %v", c.Notation, !(s.extractPages != ""), s.extractPages != "")
		}
	}
	cs, err := e.svc.Copies(ctx, clerk, issued.ID)
	if err != nil || len(cs) != 3 || cs[0].Number != 1 || cs[1].Number != 2 || cs[2].Pages != "1,3-4" {
		t.Errorf("copies of the issued document: %v %+v", err, cs)
	}
	if _, _, _, err := e.svc.OpenCopy(ctx, clerk, "c-nothing"); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Errorf("open no copy: %v", err)
	}
	lines, err := e.svc.CopyRegister(ctx, clerk, 2026)
	if err != nil || len(lines) != 5 || lines[2].Original.ID != paper.ID || lines[3].Pages != "1,3-4" || lines[4].Original.ID != paper.ID || lines[4].Pages != "2" {
		t.Errorf("register of copies: %v %d lines", err, len(lines))
	}
	if _, err := e.svc.CopyRegister(ctx, e.users[workflow.RoleHandler], 2026); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Errorf("a handler reads the register of copies: %v", err)
	}
}

// TestCopyForms: a paper-registered letter is copied as sao y or trích
// sao (of its scan), not sao lục; an
// electronic original (issued here, or received over the exchange) as
// sao y, sao lục or trích sao; a draft not at all.
func TestCopyForms(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	received := e.walkTo(t, workflow.Incoming, workflow.Registered)
	if err := workflowtest.MarkExchanged(ctx, e.repo, received.ID, "000.00.00.H13,2026/11/20,125/UBND-VP"); err != nil {
		t.Fatal(err)
	}
	received, _ = e.repo.Document(ctx, received.ID)
	both := []workflow.CopyForm{workflow.CopySaoY, workflow.CopySaoLuc, workflow.CopyTrichSao}
	for _, tc := range []struct {
		name string
		d    *workflow.Document
		want []workflow.CopyForm
	}{
		{"paper", e.walkTo(t, workflow.Incoming, workflow.Completed), []workflow.CopyForm{workflow.CopySaoY, workflow.CopyTrichSao}},
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

// TestParsePages reads lists of pages: numbers and ranges, blanks and an
// en dash allowed, in increasing order, each page once.
func TestParsePages(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int // nil: EINVALID on pages
	}{
		{"1", []int{1}},
		{"1,3-4", []int{1, 3, 4}},
		{" 2 , 4 – 6 ", []int{2, 4, 5, 6}},
		{"", nil},
		{"0", nil},
		{"3,1", nil},
		{"1-3,3", nil},
		{"4-2", nil},
		{"1,,2", nil},
		{"a", nil},
		{"1-", nil},
	} {
		got, err := workflow.ParsePages(tc.in)
		if tc.want == nil {
			if workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != "pages" {
				t.Errorf("%q: %v %v, want EINVALID on pages", tc.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, got, err, tc.want)
		}
		if f := workflow.FormatPages(got); tc.in == "1,3-4" && f != tc.in {
			t.Errorf("FormatPages(%v) = %q", got, f)
		}
	}
}
