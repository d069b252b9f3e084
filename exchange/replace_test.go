package exchange_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/interop"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestReceiveReplacementLinks takes a replacement package
// (BussinessDocType 3) and checks that, once the document it replaces has
// been received, the replacement links to it. The package is made by our
// builder, and, with VANTHU_INTEROP_FIXTURES, is also the national
// platform's own sample.
func TestReceiveReplacementLinks(t *testing.T) {
	const target = "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT"
	t.Run("own", func(t *testing.T) {
		pdf := testpdf.Make(1, "thay thế")
		raw, err := edxml.Build(edxml.Document{
			From:   edxml.Organization{ID: "000.00.00.G22", Name: "Văn phòng Chính phủ"},
			To:     []edxml.Organization{{ID: "000.00.12.H13", Name: "UBND quận Bình Thủy"}},
			Number: "7816", Notation: "VPCP-TTĐT", PromulgationDate: workflow.NewDate(2015, 9, 30),
			TypeCode: "1", TypeName: "Công văn", Subject: "V/v thay thế văn bản",
			Business: edxml.Business{Type: edxml.BusinessReplace, Reason: "Văn bản thay thế", Paper: "0",
				Replaces: []edxml.Replacement{{DocumentID: target, OrganIDs: []string{"000.00.12.H13"}}}},
			Trace:       []edxml.Hop{{OrganID: "000.00.00.G22", Time: time.Date(2015, 9, 30, 9, 0, 0, 0, edxml.Location)}},
			Attachments: []edxml.Attachment{{Name: "vb.pdf", ContentType: "application/pdf", Data: pdf}},
		})
		if err != nil {
			t.Fatal(err)
		}
		testReplacementLinks(t, raw, target)
	})
	t.Run("interop", func(t *testing.T) {
		testReplacementLinks(t, interop.File(t, "edxml", "edoc_replacement.edxml"), target)
	})
}

func testReplacementLinks(t *testing.T, raw []byte, target string) {
	t.Helper()
	msg, err := edxml.ParseBytes(raw, edxml.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	in := exchange.ReceiveInput(msg.Document)
	if in.Replaces != target {
		t.Fatalf("Replaces = %q", in.Replaces)
	}
	// The fixture's attachments are samples; give both documents a real PDF.
	pdf := testpdf.Make(1, "replacement")
	in.File = &workflow.Upload{Name: "vb.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}
	in.Attachments = nil

	svc := &workflow.Service{Repo: workflowtest.NewRepository(), Blobs: workflowtest.TempBlobs(t)}
	ctx := context.Background()
	od := workflow.NewDate(2014, 1, 30)
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
	// Linked both ways: the original names its replacement, with an event.
	got, err := svc.Repo.Document(ctx, first.ID)
	if err != nil || got.ReplacedBy != repl.ID || got.Version != first.Version+1 {
		t.Fatalf("original: %v replaced_by %q (want %q) v%d", err, got.ReplacedBy, repl.ID, got.Version)
	}
	evs, _ := svc.Repo.Events(ctx, first.ID)
	if last := evs[len(evs)-1]; last.Kind != workflow.EventLink || last.Data["replaced_by"] != repl.ID || last.Actor != workflow.Exchange.ID {
		t.Fatalf("link event %+v", last)
	}
}
