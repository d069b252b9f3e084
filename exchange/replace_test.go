package exchange_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestReceiveReplacementLinks takes the national platform's replacement
// package (BussinessDocType 3) and checks that, once the document it
// replaces has been received, the replacement links to it.
func TestReceiveReplacementLinks(t *testing.T) {
	raw, err := os.ReadFile("../../shared/fixtures/edxml/edoc_replacement.edxml")
	if err != nil {
		t.Fatalf("shared fixtures (../shared/fixtures beside the repository): %v", err)
	}
	msg, err := edxml.ParseBytes(raw, edxml.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	in := exchange.ReceiveInput(msg.Document)
	if in.Replaces != "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT" {
		t.Fatalf("Replaces = %q", in.Replaces)
	}
	// The fixture's attachments are samples; give both documents a real PDF.
	pdf := testpdf.Make(1, "replacement")
	in.File = &workflow.Upload{Name: "vb.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}
	in.Attachments = nil

	svc := &workflow.Service{Repo: workflowtest.NewRepository(), Blobs: workflowtest.NewBlobs()}
	ctx := context.Background()
	od := time.Date(2014, 1, 30, 0, 0, 0, 0, time.UTC)
	orig := workflow.ReceiveInput{ExternalID: in.Replaces, CreateInput: workflow.CreateInput{Type: "CV", Subject: "Văn bản gốc",
		Sender: in.Sender, OriginalNumber: "7806/VPCP-TTĐT", OriginalDate: &od,
		File: &workflow.Upload{Name: "goc.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}}}
	first, _, err := svc.Receive(ctx, orig)
	if err != nil {
		t.Fatal(err)
	}
	repl, created, err := svc.Receive(ctx, in)
	if err != nil || !created {
		t.Fatalf("replacement: %v %v", created, err)
	}
	if repl.Replaces != first.ID {
		t.Fatalf("replacement links to %q, want %q", repl.Replaces, first.ID)
	}
}
