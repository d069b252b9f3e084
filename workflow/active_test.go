package workflow_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// activeInspector is an inspector that says a file carries JavaScript
// when it holds "/JavaScript", a launch action when "/Launch", and
// refuses a file that is not a PDF.
type activeInspector struct{}

func (activeInspector) InspectPDF(ctx context.Context, r io.ReaderAt, n int64) error {
	_, err := activeInspector{}.InspectActive(ctx, r, n)
	return err
}

func (activeInspector) InspectActive(_ context.Context, r io.ReaderAt, n int64) (workflow.Active, error) {
	b := make([]byte, n)
	r.ReadAt(b, 0)
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return 0, workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PDF file")
	}
	var a workflow.Active
	if bytes.Contains(b, []byte("/JavaScript")) {
		a |= workflow.ActiveJavaScript
	}
	if bytes.Contains(b, []byte("/Launch")) {
		a |= workflow.ActiveLaunch
	}
	return a, nil
}

// TestReceiveRecordsActiveContent: a document received over the exchange
// is kept whatever its files carry, and each file — the document's PDF
// and each PDF attachment, which were stored uninspected — records what
// acts when it is opened (File.Active) for its page to warn of; an
// attachment that is not a PDF records nothing.
func TestReceiveRecordsActiveContent(t *testing.T) {
	svc := &workflow.Service{Repo: workflowtest.NewRepository(), Blobs: workflowtest.TempBlobs(t), Signer: &workflowtest.Signer{},
		Inspector: activeInspector{}}
	day := workflow.NewDate(2026, 12, 3)
	up := func(name string, b []byte) workflow.Upload {
		return workflow.Upload{Name: name, Size: int64(len(b)), Content: bytes.NewReader(b)}
	}
	main := up("a.pdf", append(bytes.Clone(minimalPDF), "%L1 u-officer\n%L2 1/UBND\n<< /S /JavaScript >>\n"...))
	d, created, err := svc.Receive(context.Background(), workflow.ReceiveInput{ExternalID: "000.00.12.H13,2026/12/03,1/UBND",
		CreateInput: workflow.CreateInput{Type: "CV", Subject: "Công văn", Sender: &workflow.Org{OrgID: "000.00.12.H13", Name: "A"},
			OriginalNumber: "1/UBND", OriginalDate: &day, File: &main,
			Attachments: []workflow.Upload{up("b.pdf", []byte("%PDF-1.7\n<< /S /Launch >>\n%%EOF\n")), up("c.xlsx", []byte("PK\x03\x04 /JavaScript"))}}})
	if err != nil || !created {
		t.Fatalf("receive: %v %v", created, err)
	}
	want := []workflow.Active{workflow.ActiveJavaScript, workflow.ActiveLaunch, 0}
	inspected := []workflow.Inspection{workflow.Inspected, workflow.Inspected, workflow.Unreadable}
	for i, f := range d.Files {
		if i >= len(want) || f.Active != want[i] || f.Inspection != inspected[i] {
			t.Errorf("file %d (%s): %v %q, want %v %q", i, f.Name, f.Active, f.Inspection, want, inspected)
		}
	}
}

// signableInspector is activeInspector that also checks an outgoing
// draft, refusing one that carries JavaScript as signing.Service does.
type signableInspector struct{ activeInspector }

func (i signableInspector) CheckSignable(ctx context.Context, r io.ReaderAt, n int64) error {
	a, err := i.InspectActive(ctx, r, n)
	if err == nil && a != 0 {
		return workflow.Errorf(workflow.EUNPROCESSABLE, "PDF contains JavaScript")
	}
	return err
}

// TestFilesRecordInspection: every path that inspects a file records
// that it did (File.Inspection), so that a file inspected with nothing
// found tells apart from one nothing is known of: an incoming upload and
// its attachment, an outgoing draft checked as signable, and a received
// PDF that is not one (Unreadable); an inspector that says nothing of
// what a PDF carries inspects nothing of it (NotInspected, as every file
// stored before), and neither does a file stored as the caller inspected
// it (Import) but what the caller says.
func TestFilesRecordInspection(t *testing.T) {
	for _, c := range []struct {
		name      string
		inspector workflow.PDFInspector
		dir       workflow.Direction
		want      workflow.Inspection
	}{
		{"incoming", activeInspector{}, workflow.Incoming, workflow.Inspected},
		{"outgoing, checked as signable", signableInspector{}, workflow.Outgoing, workflow.Inspected},
		{"outgoing, inspected", activeInspector{}, workflow.Outgoing, workflow.Inspected},
		{"an inspector that says nothing of it", workflow.PDFInspectorFunc(func(context.Context, io.ReaderAt, int64) error { return nil }), workflow.Incoming, workflow.NotInspected},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.svc.Inspector = c.inspector
			d := e.create(t, c.dir, workflow.Public)
			if f := d.Files[0]; f.Inspection != c.want || f.Active != 0 {
				t.Errorf("%s: %q %v, want %q", f.Name, f.Inspection, f.Active, c.want)
			}
		})
	}
	t.Run("imported, as the importer inspected it", func(t *testing.T) {
		e := newEnv(t)
		e.svc.Inspector = activeInspector{}
		day := workflow.NewDate(2019, 3, 4)
		for _, c := range []struct {
			in workflow.Inspection
			a  workflow.Active
		}{{workflow.Inspected, workflow.ActiveLaunch}, {workflow.NotInspected, 0}} {
			b := append(bytes.Clone(minimalPDF), string(c.in)...)
			d, err := e.svc.Import(context.Background(), e.users[workflow.RoleClerk], workflow.CreateInput{Direction: workflow.Incoming, Type: "CV", Subject: "Công văn",
				Sender: &workflow.Org{Name: "A"}, OriginalNumber: "5/UBND", OriginalDate: &day,
				File: &workflow.Upload{Name: "a.pdf", Size: int64(len(b)), Content: bytes.NewReader(b), Inspection: c.in, Active: c.a}}, "a.pdf", nil)
			if err != nil || d.Files[0].Inspection != c.in || d.Files[0].Active != c.a {
				t.Errorf("imported: %+v, %v; want %q %v", d.Files, err, c.in, c.a)
			}
		}
	})
	t.Run("received, not a PDF", func(t *testing.T) {
		svc := &workflow.Service{Repo: workflowtest.NewRepository(), Blobs: workflowtest.TempBlobs(t), Inspector: activeInspector{}}
		day := workflow.NewDate(2026, 12, 3)
		b := []byte("PK\x03\x04 a .docx sent as the document")
		d, _, err := svc.Receive(context.Background(), workflow.ReceiveInput{ExternalID: "000.00.12.H13,2026/12/03,2/UBND",
			CreateInput: workflow.CreateInput{Type: "CV", Subject: "Công văn", Sender: &workflow.Org{OrgID: "000.00.12.H13", Name: "A"},
				OriginalNumber: "2/UBND", OriginalDate: &day, File: &workflow.Upload{Name: "a.docx", Size: int64(len(b)), Content: bytes.NewReader(b)}}})
		if err != nil || d.Files[0].Inspection != workflow.Unreadable {
			t.Errorf("received: %+v, %v; want its file unreadable", d, err)
		}
	})
}
