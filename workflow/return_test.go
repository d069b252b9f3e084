package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestReturnNeedsReason: a signed document is returned only with a
// reason (EINVALID, ErrNoReason, nothing changed); a return before
// signing still takes an optional comment.
func TestReturnNeedsReason(t *testing.T) {
	tests := []struct {
		from    workflow.State
		actor   workflow.Role
		comment string
		want    string
	}{
		{workflow.OfficerSigned, workflow.RoleClerk, "", workflow.EINVALID},
		{workflow.OfficerSigned, workflow.RoleOfficer, " \n\t", workflow.EINVALID},
		{workflow.OfficerSigned, workflow.RoleClerk, "Sai thể thức: thiếu nơi nhận", ""},
		{workflow.OfficerSigned, workflow.RoleOfficer, "Cần sửa căn cứ", ""},
		{workflow.OfficerSigned, workflow.RoleHandler, "x", workflow.EFORBIDDEN},
		{workflow.InReview, workflow.RoleOfficer, "", ""},
		{workflow.Approved, workflow.RoleOfficer, "", ""},
		{workflow.InReview, workflow.RoleClerk, "x", workflow.EFORBIDDEN}, // the clerk returns only what is signed
		{workflow.Approved, workflow.RoleClerk, "x", workflow.EFORBIDDEN},
	}
	for _, tc := range tests {
		t.Run(string(tc.from)+"/"+string(tc.actor)+"/"+tc.comment, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			d := e.walkTo(t, workflow.Outgoing, tc.from)
			in := workflow.ActionInput{Comment: tc.comment}
			perr := e.svc.Precheck(ctx, e.users[tc.actor], d, workflow.Return, in)
			got, err := e.svc.Apply(ctx, e.users[tc.actor], d.ID, workflow.Return, in)
			if workflow.ErrorCode(err) != tc.want || workflow.ErrorCode(perr) != tc.want {
				t.Fatalf("Apply: %v; Precheck: %v; want code %q", err, perr, tc.want)
			}
			if tc.want == workflow.EINVALID && (!errors.Is(err, workflow.ErrNoReason) || !errors.Is(perr, workflow.ErrNoReason)) {
				t.Fatalf("not ErrNoReason: %v / %v", err, perr)
			}
			if tc.want != "" {
				after, _ := e.repo.Document(ctx, d.ID)
				if after.State != tc.from || after.Version != d.Version || len(after.Files) != len(d.Files) {
					t.Fatalf("a refused return changed the document: %s v%d", after.State, after.Version)
				}
				return
			}
			if got.State != workflow.Draft {
				t.Fatalf("state %s", got.State)
			}
		})
	}
}

// TestReturnSignedWithdrawsLayer1: returned from officer_signed, the
// layer-1 file stays in the files as FileWithdrawn, the draft is the
// current file again (the official signs it, not the signed one), the
// event names the withdrawn file, the layout is the drafter's; then
// submit, approve, sign and issue work as on any draft.
func TestReturnSignedWithdrawsLayer1(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	d := e.create(t, workflow.Outgoing, workflow.Public)
	layout := &workflow.Layout{Signature: &workflow.Box{Page: 1, X: 300, Y: 120, W: 200, H: 80}}
	d, err := e.svc.SetLayout(ctx, e.users[workflow.RoleHandler], d.ID, 0, layout)
	if err != nil {
		t.Fatal(err)
	}
	draft, _ := d.MainFile()
	for _, a := range []workflow.Action{workflow.Submit, workflow.Approve, workflow.Sign} {
		if d, err = e.svc.Apply(ctx, e.actorFor(d, a), d.ID, a, workflow.ActionInput{}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	l1, _ := d.MainFile()
	if l1.Kind != workflow.FileSigned {
		t.Fatalf("after sign the current file is %+v", l1)
	}
	// Issue refuses layer 1 (the official's certificate revoked, say):
	// without return the document would stay here.
	e.svc.Signer = workflowtest.Signer{Verdict: workflow.VerdictInvalid}
	if _, err := e.svc.Apply(ctx, e.users[workflow.RoleClerk], d.ID, workflow.Issue, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EUNPROCESSABLE {
		t.Fatalf("issue of an invalid layer 1: %v", err)
	}
	e.svc.Signer = workflowtest.Signer{}
	const reason = "Sai thể thức: thiếu nơi nhận"
	got, err := e.svc.Apply(ctx, e.users[workflow.RoleClerk], d.ID, workflow.Return, workflow.ActionInput{Comment: reason})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != workflow.Draft || got.Version != d.Version+1 || got.Verification != nil || got.Number != 0 {
		t.Fatalf("returned: state %s v%d verification %v number %d", got.State, got.Version, got.Verification, got.Number)
	}
	if main, _ := got.MainFile(); main != draft {
		t.Fatalf("current file %+v, want the draft %+v", main, draft)
	}
	if len(got.Files) != 2 || got.Files[1].SHA256 != l1.SHA256 || got.Files[1].Kind != workflow.FileWithdrawn || got.Files[1].Base != l1.Base {
		t.Fatalf("files after return: %+v", got.Files)
	}
	if got.Layout == nil || *got.Layout.Signature != *layout.Signature {
		t.Fatalf("layout after return: %+v", got.Layout)
	}
	rc, _, f, err := e.svc.OpenFile(ctx, e.users[workflow.RoleClerk], d.ID, l1.SHA256)
	if err != nil || f.Kind != workflow.FileWithdrawn {
		t.Fatalf("the withdrawn file: %v %+v", err, f)
	}
	rc.Close()
	evs, _ := e.repo.Events(ctx, d.ID)
	last := evs[len(evs)-1]
	if last.Action != workflow.Return || last.From != workflow.OfficerSigned || last.Comment != reason || last.Data["withdrawn"] != l1.SHA256 {
		t.Fatalf("return event %+v", last)
	}
	d = got
	for _, a := range []workflow.Action{workflow.Submit, workflow.Approve, workflow.Sign, workflow.Issue} {
		if d, err = e.svc.Apply(ctx, e.actorFor(d, a), d.ID, a, workflow.ActionInput{}); err != nil {
			t.Fatalf("%s after return: %v", a, err)
		}
	}
	if d.State != workflow.Issued || d.Number != 1 || d.Verification == nil || d.Verification.Verdict != workflow.VerdictValid {
		t.Fatalf("issued after return: %s number %d %+v", d.State, d.Number, d.Verification)
	}
	issued, _ := d.MainFile()
	kinds := []workflow.FileKind{workflow.FileMain, workflow.FileWithdrawn, workflow.FileSigned, workflow.FileSigned}
	if len(d.Files) != len(kinds) || issued != d.Files[3] {
		t.Fatalf("files after issue: %+v", d.Files)
	}
	b, err := workflow.FilesOf(e.svc.Blobs, e.repo).Read(ctx, d.Files, issued)
	if err != nil || bytes.Count(b, []byte("%L1 ")) != 1 || !bytes.HasPrefix(b, minimalPDF) {
		t.Fatalf("the issued file (%v): %q", err, b)
	}
	for i, k := range kinds {
		if d.Files[i].Kind != k {
			t.Fatalf("file %d kind %s, want %s", i, d.Files[i].Kind, k)
		}
	}
}

// TestReturnSignedThenIssueDevPKI, with the development PKI: a document
// signed (layer 1), returned with a reason, submitted, approved, signed
// again and issued is a valid two-layer document, made on the draft (the
// withdrawn layer 1 is not in it).
func TestReturnSignedThenIssueDevPKI(t *testing.T) {
	ctx := context.Background()
	p, err := keys.OpenDevPKI(t.TempDir(), "UBND quận Bình Thủy", "000.00.12.H13", nil)
	if err != nil {
		t.Fatal(err)
	}
	agency, err := p.Agency()
	if err != nil {
		t.Fatal(err)
	}
	sg, err := signing.NewService(signing.Config{Agency: agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy",
		Roots: p.RootPool(),
		Officer: func(_ context.Context, u *workflow.User) (keys.Key, []byte, error) {
			k, err := p.Officer(u.ID, "Nguyễn Văn Sĩ", "Chủ tịch")
			return k, nil, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.now = time.Now().In(workflow.Vietnam)
	e.svc.Signer = sg
	pdf := testpdf.Make(2, "vanthu test")
	d, err := e.svc.Create(ctx, e.users[workflow.RoleHandler], workflow.CreateInput{Direction: workflow.Outgoing, Type: "QĐ",
		Subject: "Về việc ban hành quy chế", SignerID: e.users[workflow.RoleOfficer].ID,
		Recipients: []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}},
		File:       &workflow.Upload{Name: "a.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}})
	if err != nil {
		t.Fatal(err)
	}
	apply := func(a workflow.Action, comment string) {
		t.Helper()
		if d, err = e.svc.Apply(ctx, e.actorFor(d, a), d.ID, a, workflow.ActionInput{Comment: comment}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	apply(workflow.Submit, "")
	apply(workflow.Approve, "")
	apply(workflow.Sign, "")
	withdrawn, _ := d.MainFile()
	apply(workflow.Return, "Sai thể thức: ký lại")
	if main, _ := d.MainFile(); main.Kind != workflow.FileMain || d.State != workflow.Draft {
		t.Fatalf("after return: %s, current file %+v", d.State, main)
	}
	for _, a := range []workflow.Action{workflow.Submit, workflow.Approve, workflow.Sign, workflow.Issue} {
		apply(a, "")
	}
	issued, _ := d.MainFile()
	if d.State != workflow.Issued || d.Verification == nil || d.Verification.Verdict != workflow.VerdictValid || issued.Kind != workflow.FileSigned {
		t.Fatalf("issued: %s %+v %+v", d.State, d.Verification, issued)
	}
	b, err := workflow.FilesOf(e.svc.Blobs, e.repo).Read(ctx, d.Files, issued)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sg.VerifyDocument(ctx, d, b)
	if err != nil || v.Verdict != workflow.VerdictValid {
		t.Fatalf("verify the issued file: %v %s %v", err, v.Verdict, v.Reasons)
	}
	if d.Files[1].SHA256 != withdrawn.SHA256 || d.Files[1].Kind != workflow.FileWithdrawn {
		t.Fatalf("files: %+v", d.Files)
	}
	if n := bytes.Count(b, []byte("/ByteRange")); n != 2 {
		t.Fatalf("the issued file has %d signatures, want 2 (the withdrawn layer 1 left out)", n)
	}
}
