package workflow_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// reviseInspector is an inspector that refuses a PDF holding "/Encrypt"
// as the real one refuses an encrypted PDF, and finds a layout in any
// other (its signature box's X is the PDF's size, so a test can tell
// which PDF it was detected in).
type reviseInspector struct{}

func (reviseInspector) InspectPDF(_ context.Context, r io.ReaderAt, size int64) error {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return err
	}
	if bytes.Contains(b, []byte("/Encrypt")) {
		return workflow.Errorf(workflow.EUNPROCESSABLE, "the PDF is encrypted")
	}
	return nil
}

func (i reviseInspector) CheckSignable(ctx context.Context, r io.ReaderAt, size int64) error {
	return i.InspectPDF(ctx, r, size)
}

func (reviseInspector) DetectLayout(_ context.Context, _ io.ReaderAt, size int64, _ *workflow.User) (*workflow.Layout, error) {
	return &workflow.Layout{Signature: &workflow.Box{Page: 1, X: float64(size), Y: 100, W: 100, H: 50}, Source: workflow.LayoutDetected}, nil
}

func upload(name string, b []byte) *workflow.Upload {
	return &workflow.Upload{Name: name, Size: int64(len(b)), Content: bytes.NewReader(b)}
}

func ptr[T any](v T) *T { return &v }

// TestRevise: the guards (state, actor, version), the validation that
// reports every problem at once, and what a revision changes: fields,
// the current file (the old one kept, superseded), the layout found in
// the new PDF, one event naming the change.
func TestRevise(t *testing.T) {
	ctx := context.Background()
	newPDF := []byte("%PDF-1.4\n% revised draft\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	for _, tc := range []struct {
		name  string
		state workflow.State
		actor func(e *env) *workflow.User
		in    func(e *env, d *workflow.Document) workflow.ReviseInput
		want  string
		// fields are the problems' fields, in order, for EINVALID
		fields []string
	}{
		{name: "OK/fields", in: func(*env, *workflow.Document) workflow.ReviseInput {
			return workflow.ReviseInput{Subject: ptr("Về việc sửa đổi quy chế"), Type: ptr(workflow.DocType("KH")), Notes: ptr("Sửa theo ý kiến")}
		}},
		{name: "OK/file", in: func(_ *env, d *workflow.Document) workflow.ReviseInput {
			return workflow.ReviseInput{Version: d.Version, File: upload("b.pdf", newPDF)}
		}},
		{name: "OK/returned draft", state: workflow.InReview, in: func(*env, *workflow.Document) workflow.ReviseInput {
			return workflow.ReviseInput{File: upload("b.pdf", newPDF)}
		}},
		{name: "ErrState/in review", state: workflow.InReview, want: workflow.EILLEGAL, in: func(*env, *workflow.Document) workflow.ReviseInput {
			return workflow.ReviseInput{Subject: ptr("x")}
		}},
		{name: "ErrState/approved", state: workflow.Approved, want: workflow.EILLEGAL, in: func(*env, *workflow.Document) workflow.ReviseInput {
			return workflow.ReviseInput{File: upload("b.pdf", newPDF)}
		}},
		{name: "ErrActor/another handler", want: workflow.EFORBIDDEN, actor: func(e *env) *workflow.User { return e.other },
			in: func(*env, *workflow.Document) workflow.ReviseInput { return workflow.ReviseInput{Subject: ptr("x")} }},
		{name: "ErrActor/clerk", want: workflow.EFORBIDDEN, actor: func(e *env) *workflow.User { return e.users[workflow.RoleClerk] },
			in: func(*env, *workflow.Document) workflow.ReviseInput { return workflow.ReviseInput{Subject: ptr("x")} }},
		{name: "ErrActor/signer", want: workflow.EFORBIDDEN, actor: func(e *env) *workflow.User { return e.users[workflow.RoleOfficer] },
			in: func(*env, *workflow.Document) workflow.ReviseInput { return workflow.ReviseInput{Subject: ptr("x")} }},
		{name: "ErrStale", want: workflow.ECONFLICT, in: func(_ *env, d *workflow.Document) workflow.ReviseInput {
			return workflow.ReviseInput{Version: d.Version + 1, Subject: ptr("x")}
		}},
		{name: "ErrInvalid/every problem", want: workflow.EINVALID,
			fields: []string{"type", "subject", "drafting_unit", "retention", "signer_id", "recipients"},
			in: func(e *env, _ *workflow.Document) workflow.ReviseInput {
				return workflow.ReviseInput{Type: ptr(workflow.DocType("XX")), Subject: ptr(" "), DraftingUnit: ptr(strings.Repeat("V", 30)),
					Retention: ptr("1y"), SignerID: ptr(e.users[workflow.RoleClerk].ID), Recipients: &[]workflow.Org{{OrgID: "bad", Name: "x"}},
					File: upload("b.pdf", newPDF)}
			}},
		{name: "ErrInvalid/encrypted PDF", want: workflow.EUNPROCESSABLE, in: func(*env, *workflow.Document) workflow.ReviseInput {
			return workflow.ReviseInput{File: upload("enc.pdf", []byte("%PDF-1.4\ntrailer<</Encrypt 5 0 R>>\n%%EOF\n"))}
		}},
		{name: "ErrInvalid/nothing changes", want: workflow.EINVALID, in: func(_ *env, d *workflow.Document) workflow.ReviseInput {
			return workflow.ReviseInput{Subject: ptr(d.Subject)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.svc.Inspector = reviseInspector{}
			d := e.walkTo(t, workflow.Outgoing, workflow.Draft)
			if tc.state != "" {
				d = e.walkTo(t, workflow.Outgoing, tc.state)
			}
			if tc.name == "OK/returned draft" {
				var err error
				if d, err = e.svc.Apply(ctx, e.users[workflow.RoleOfficer], d.ID, workflow.Return, workflow.ActionInput{Comment: "Sửa trích yếu"}); err != nil {
					t.Fatal(err)
				}
			}
			actor := e.users[workflow.RoleHandler]
			if tc.actor != nil {
				actor = tc.actor(e)
			}
			if got := workflow.CanRevise(d, actor); got != (tc.want == "" || tc.want == workflow.EINVALID || tc.want == workflow.EUNPROCESSABLE || tc.want == workflow.ECONFLICT) {
				t.Errorf("CanRevise = %v", got)
			}
			before, _ := e.svc.Events(ctx, actor, d.ID)
			got, err := e.svc.Revise(ctx, actor, d.ID, tc.in(e, d))
			if workflow.ErrorCode(err) != tc.want {
				t.Fatalf("Revise: %v, want code %q", err, tc.want)
			}
			if errors.Is(err, workflow.ErrNothingRevised) != (tc.name == "ErrInvalid/nothing changes") {
				t.Fatalf("Revise: %v: ErrNothingRevised is for a revision that changes nothing only", err)
			}
			if tc.fields != nil {
				var fields []string
				for _, p := range workflow.Problems(err) {
					fields = append(fields, p.Field)
				}
				if strings.Join(fields, " ") != strings.Join(tc.fields, " ") {
					t.Fatalf("problems on %v, want %v: %v", fields, tc.fields, err)
				}
			}
			after, _ := e.repo.Document(ctx, d.ID)
			events, _ := e.svc.Events(ctx, e.users[workflow.RoleAdmin], d.ID)
			if tc.want != "" {
				if after.Version != d.Version || after.Subject != d.Subject || len(after.Files) != len(d.Files) || len(events) != len(before) {
					t.Fatalf("a refused revision changed the document: v%d %q %d files %d events", after.Version, after.Subject, len(after.Files), len(events))
				}
				return
			}
			checkRevised(t, d, got, after, events[len(events)-1])
		})
	}
}

// checkRevised checks a revision's result: got, as stored (after), one
// version on, and its event.
func checkRevised(t *testing.T, d, got, after *workflow.Document, ev workflow.Event) {
	t.Helper()
	if got.Version != d.Version+1 || after.Version != got.Version || after.Subject != got.Subject || after.Type != got.Type {
		t.Fatalf("revised: got v%d %q, stored v%d %q", got.Version, got.Subject, after.Version, after.Subject)
	}
	if ev.Kind != workflow.EventRevise || ev.Actor != d.CreatedBy || ev.Data["fields"] == "" {
		t.Fatalf("last event %+v", ev)
	}
	oldMain, _ := d.MainFile()
	newMain, _ := after.MainFile()
	if !strings.Contains(ev.Data["fields"], "file") {
		if newMain.SHA256 != oldMain.SHA256 || len(after.Files) != len(d.Files) || ev.Data["old_sha256"] != "" {
			t.Fatalf("fields only, yet the files changed: %+v / %+v", after.Files, ev.Data)
		}
		return
	}
	if newMain.SHA256 == oldMain.SHA256 || newMain.Name != "b.pdf" || ev.Data["old_sha256"] != oldMain.SHA256 || ev.Data["new_sha256"] != newMain.SHA256 {
		t.Fatalf("current file %+v (was %s); event %+v", newMain, oldMain.SHA256, ev.Data)
	}
	kept := false
	for _, f := range after.Files {
		kept = kept || (f.SHA256 == oldMain.SHA256 && f.Kind == workflow.FileSuperseded)
	}
	if !kept || len(after.Files) != len(d.Files)+1 {
		t.Fatalf("the old file is not kept as superseded: %+v", after.Files)
	}
	if after.Layout == nil || after.Layout.Signature == nil || after.Layout.Signature.X != float64(newMain.Size) {
		t.Fatalf("layout not detected in the new PDF: %+v", after.Layout)
	}
}

// TestReviseBackToEarlierPDF: a revision to a PDF the draft had before
// makes that file current again (a document keeps each file once).
func TestReviseBackToEarlierPDF(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	h := e.users[workflow.RoleHandler]
	d := e.create(t, workflow.Outgoing, workflow.Public)
	first, _ := d.MainFile()
	d, err := e.svc.Revise(ctx, h, d.ID, workflow.ReviseInput{File: upload("b.pdf", []byte("%PDF-1.4\n% b\n%%EOF\n"))})
	if err != nil {
		t.Fatal(err)
	}
	d, err = e.svc.Revise(ctx, h, d.ID, workflow.ReviseInput{Version: d.Version, File: upload("a.pdf", minimalPDF)})
	if err != nil {
		t.Fatal(err)
	}
	main, _ := d.MainFile()
	if main.SHA256 != first.SHA256 || len(d.Files) != 2 || d.Files[1].Kind != workflow.FileSuperseded {
		t.Fatalf("files %+v", d.Files)
	}
}

// TestReviseAttachments: a revision adds attachments (checked as a new
// draft's), removes them by SHA-256 (kept as superseded), or both (one
// replaced); the event names each added and removed, with its SHA-256.
// Removing one the draft does not have is refused on its field, with the
// other problems; adding one the draft keeps changes nothing. Each case
// starts from a draft with one attachment, phu-luc-1.pdf.
func TestReviseAttachments(t *testing.T) {
	ctx := context.Background()
	pdfA := []byte("%PDF-1.4\n% phu luc 1\n%%EOF\n")
	pdfB := []byte("%PDF-1.4\n% phu luc 2\n%%EOF\n")
	shaA, shaB := sha256hex(pdfA), sha256hex(pdfB)
	for _, tc := range []struct {
		name string
		in   workflow.ReviseInput
		want string
		// files are the draft's files after (name:kind); event its added
		// and removed ("+name" "-name").
		files, event string
		fields       []string
	}{
		{name: "OK/add", in: workflow.ReviseInput{Attachments: []workflow.Upload{*upload("phu-luc-2.pdf", pdfB)}},
			files: "a.pdf:main phu-luc-1.pdf:attachment phu-luc-2.pdf:attachment", event: "+phu-luc-2.pdf"},
		{name: "OK/remove", in: workflow.ReviseInput{RemoveAttachments: []string{shaA}},
			files: "a.pdf:main phu-luc-1.pdf:superseded", event: "-phu-luc-1.pdf"},
		{name: "OK/replace", in: workflow.ReviseInput{RemoveAttachments: []string{shaA}, Attachments: []workflow.Upload{*upload("phu-luc-2.pdf", pdfB)}},
			files: "a.pdf:main phu-luc-1.pdf:superseded phu-luc-2.pdf:attachment", event: "+phu-luc-2.pdf -phu-luc-1.pdf"},
		{name: "OK/with a field", in: workflow.ReviseInput{Subject: ptr("Về việc sửa phụ lục"), RemoveAttachments: []string{shaA}},
			files: "a.pdf:main phu-luc-1.pdf:superseded", event: "-phu-luc-1.pdf"},
		{name: "ErrInvalid/remove one not there", want: workflow.EINVALID, fields: []string{"remove_attachments"},
			in: workflow.ReviseInput{RemoveAttachments: []string{shaB}}},
		{name: "ErrInvalid/remove the PDF", want: workflow.EINVALID, fields: []string{"remove_attachments"},
			in: workflow.ReviseInput{RemoveAttachments: []string{sha256hex(minimalPDF)}}},
		{name: "ErrInvalid/with other problems", want: workflow.EINVALID, fields: []string{"subject", "remove_attachments"},
			in: workflow.ReviseInput{Subject: ptr(" "), RemoveAttachments: []string{"x"}, Attachments: []workflow.Upload{*upload("phu-luc-2.pdf", pdfB)}}},
		{name: "ErrInvalid/the PDF as an attachment", want: workflow.EINVALID, fields: []string{"attachment"},
			in: workflow.ReviseInput{Attachments: []workflow.Upload{*upload("a.pdf", minimalPDF)}}},
		{name: "ErrInvalid/an attachment as the PDF", want: workflow.EINVALID, fields: []string{"file"},
			in: workflow.ReviseInput{File: upload("phu-luc-1.pdf", pdfA)}},
		{name: "ErrInvalid/an encrypted attachment", want: workflow.EUNPROCESSABLE, fields: []string{"attachment"},
			in: workflow.ReviseInput{Attachments: []workflow.Upload{*upload("enc.pdf", []byte("%PDF-1.4\ntrailer<</Encrypt 5 0 R>>\n%%EOF\n"))}}},
		{name: "ErrInvalid/adding one it has", want: workflow.EINVALID,
			in: workflow.ReviseInput{Attachments: []workflow.Upload{*upload("phu-luc-1.pdf", pdfA)}}},
		{name: "ErrInvalid/removing and adding the same", want: workflow.EINVALID,
			in: workflow.ReviseInput{RemoveAttachments: []string{shaA}, Attachments: []workflow.Upload{*upload("phu-luc-1.pdf", pdfA)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.svc.Inspector = reviseInspector{}
			h := e.users[workflow.RoleHandler]
			d := e.create(t, workflow.Outgoing, workflow.Public)
			d, err := e.svc.Revise(ctx, h, d.ID, workflow.ReviseInput{Attachments: []workflow.Upload{*upload("phu-luc-1.pdf", pdfA)}})
			if err != nil {
				t.Fatal(err)
			}
			before, _ := e.svc.Events(ctx, h, d.ID)
			_, err = e.svc.Revise(ctx, h, d.ID, tc.in)
			if workflow.ErrorCode(err) != tc.want {
				t.Fatalf("Revise: %v, want code %q", err, tc.want)
			}
			if tc.fields != nil {
				var fields []string
				for _, p := range workflow.Problems(err) {
					fields = append(fields, p.Field)
				}
				if strings.Join(fields, " ") != strings.Join(tc.fields, " ") {
					t.Fatalf("problems on %v, want %v: %v", fields, tc.fields, err)
				}
			}
			if tc.want == workflow.EINVALID && tc.fields == nil && !errors.Is(err, workflow.ErrNothingRevised) {
				t.Fatalf("Revise: %v, want ErrNothingRevised", err)
			}
			after, _ := e.repo.Document(ctx, d.ID)
			events, _ := e.svc.Events(ctx, h, d.ID)
			if tc.want != "" {
				if after.Version != d.Version || len(after.Files) != len(d.Files) || after.Files[1].Kind != workflow.FileAttachment || len(events) != len(before) {
					t.Fatalf("a refused revision changed the draft: v%d %+v, %d events", after.Version, after.Files, len(events))
				}
				return
			}
			var files []string
			for _, f := range after.Files {
				files = append(files, f.Name+":"+string(f.Kind))
			}
			if strings.Join(files, " ") != tc.files {
				t.Errorf("files %v, want %s", files, tc.files)
			}
			ev := events[len(events)-1]
			var got []string
			for k, v := range ev.Data {
				if sha, ok := strings.CutPrefix(k, "attachment_added:"); ok && (sha == shaB) == (v == "phu-luc-2.pdf") {
					got = append(got, "+"+v)
				} else if sha, ok := strings.CutPrefix(k, "attachment_removed:"); ok && (sha == shaA) == (v == "phu-luc-1.pdf") {
					got = append(got, "-"+v)
				}
			}
			slices.Sort(got)
			if strings.Join(got, " ") != tc.event || !strings.Contains(ev.Data["fields"], "attachments") {
				t.Errorf("event %v, want %s and the field attachments", ev.Data, tc.event)
			}
		})
	}
}

// TestReviseAttachmentAgain: an attachment removed and added again in a
// later revision is the draft's attachment again, kept once.
func TestReviseAttachmentAgain(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	h := e.users[workflow.RoleHandler]
	pdfA := []byte("%PDF-1.4\n% phu luc 1\n%%EOF\n")
	d := e.create(t, workflow.Outgoing, workflow.Public)
	for _, in := range []workflow.ReviseInput{{Attachments: []workflow.Upload{*upload("phu-luc-1.pdf", pdfA)}},
		{RemoveAttachments: []string{sha256hex(pdfA)}}, {Attachments: []workflow.Upload{*upload("phu-luc-1 (2).pdf", pdfA)}}} {
		var err error
		if d, err = e.svc.Revise(ctx, h, d.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	if len(d.Files) != 2 || d.Files[1].Kind != workflow.FileAttachment || d.Files[1].Name != "phu-luc-1.pdf" {
		t.Fatalf("files %+v", d.Files)
	}
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
