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
	for i, f := range d.Files {
		if i >= len(want) || f.Active != want[i] {
			t.Errorf("file %d (%s): %v, want %v", i, f.Name, f.Active, want)
		}
	}
}
