package exchange

import (
	"testing"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
)

// TestReceiveInputMainFile: the received document's file is the attachment
// described "main", else the first PDF, by its MIME type as producers
// write it (any case, with parameters: before, only the exact
// "application/pdf" counted, and a package whose PDF came second after a
// Word file got the Word file as its document) or its name, else the first
// attachment.
func TestReceiveInputMainFile(t *testing.T) {
	doc := func(atts ...edxml.Attachment) *edxml.Document {
		return &edxml.Document{Number: "1", Notation: "QĐ-UBND", Attachments: atts}
	}
	docx := edxml.Attachment{Name: "du-thao.docx", ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Data: []byte("docx")}
	for _, c := range []struct {
		name string
		doc  *edxml.Document
		want string
	}{
		{"exact type", doc(docx, edxml.Attachment{Name: "qd", ContentType: "application/pdf", Data: []byte("pdf")}), "qd"},
		{"type in capitals with a parameter", doc(docx, edxml.Attachment{Name: "qd", ContentType: "Application/PDF; name=qd.pdf", Data: []byte("pdf")}), "qd"},
		{"by name", doc(docx, edxml.Attachment{Name: "QD.PDF", ContentType: "application/octet-stream", Data: []byte("pdf")}), "QD.PDF"},
		{"described main", doc(edxml.Attachment{Name: "a.pdf", ContentType: "application/pdf", Data: []byte("a")}, edxml.Attachment{Name: "b.pdf", ContentType: "application/pdf", Description: "main", Data: []byte("b")}), "b.pdf"},
		{"no PDF: the first", doc(docx), "du-thao.docx"},
		{"by its bytes", doc(docx, edxml.Attachment{Name: "QD15", ContentType: "application/x-pdf", Data: []byte("%PDF-1.7\n")}), "QD15"},
		{"a PDF by type before one by bytes", doc(edxml.Attachment{Name: "b", Data: []byte("%PDF-1.4")}, edxml.Attachment{Name: "a.pdf", Data: []byte("x")}), "a.pdf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := ReceiveInput(c.doc)
			if in.File == nil || in.File.Name != c.want {
				t.Fatalf("main file %+v, want %q", in.File, c.want)
			}
			if in.File.Size == 0 {
				t.Errorf("main file empty")
			}
			// Handed as the bytes the package holds (read in place by the
			// receipt's inspection and verification), not a reader only.
			if b, ok := workflow.HeldContent(in.File.Content, in.File.Size); !ok || &b[0] != &c.doc.Attachments[attachmentNamed(c.doc, c.want)].Data[0] {
				t.Errorf("main file not handed as the attachment's bytes (%T)", in.File.Content)
			}
			if len(in.Attachments) != len(c.doc.Attachments)-1 {
				t.Errorf("%d other attachments, want %d", len(in.Attachments), len(c.doc.Attachments)-1)
			}
		})
	}
}

// attachmentNamed is the index of the attachment named name.
func attachmentNamed(d *edxml.Document, name string) int {
	for i, a := range d.Attachments {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// TestReceiveInputNames: a received file is kept under the last element
// of the path its sender wrote, without control characters or
// bidirectional controls; a name of dots only, or none, gets one of its
// own. Vietnamese names are kept.
func TestReceiveInputNames(t *testing.T) {
	for _, tc := range []struct{ sent, want string }{
		{"Quyết định số 15.pdf", "Quyết định số 15.pdf"},
		{"../../../etc/cron.d/vb.pdf", "vb.pdf"},
		{`C:\Users\VanThu\Desktop\Công văn.pdf`, "Công văn.pdf"},
		{"thu-muc/con/vb.pdf", "vb.pdf"},
		{"vb\t\u202Efdp.exe", "vbfdp.exe"},
		{"a\u2067b\u200f.pdf\x00", "ab.pdf"},
		{"..", "attachment-1"},
		{"thu-muc/", "attachment-1"},
		{" . ", "attachment-1"},
		{"", "attachment-1"},
		// Percent-escaped, as systems that keep names URL-encoded send them.
		{"Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%20s%E1%BB%91%2015.pdf", "Quyết định số 15.pdf"},
		{"Quye%CC%82%CC%81t%20%C4%91i%CC%A3nh.pdf", "Quyết định.pdf"}, // NFD, kept NFC
		{"thu-muc%2Fvb%00.pdf", "vb.pdf"},
		{"A+B%20C.pdf", "A+B C.pdf"},
		{"Tăng 50%.pdf", "Tăng 50%.pdf"},
		{"Tang%2050%.pdf", "Tang%2050%.pdf"},
		{"100%25.pdf", "100%.pdf"},
		{"bad%FF.pdf", "bad%FF.pdf"},
	} {
		in := ReceiveInput(&edxml.Document{Attachments: []edxml.Attachment{{Name: tc.sent, ContentType: "application/pdf", Data: []byte("x")}}})
		if in.File.Name != tc.want {
			t.Errorf("%q kept as %q, want %q", tc.sent, in.File.Name, tc.want)
		}
	}
}
