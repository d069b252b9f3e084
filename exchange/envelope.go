package exchange

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/workflow"
)

// Identity is this agency as the exchange presents it: its organisation
// and the key its envelopes are signed with.
type Identity struct {
	Org   workflow.Org
	Place string // PromulgationInfo/Place
	Key   crypto.Signer
	Chain []*x509.Certificate // Chain[0] is Key's certificate
}

var priorityOf = map[workflow.Urgency]int{workflow.UrgencyNormal: 0, workflow.UrgencyUrgent: 1,
	workflow.UrgencyVeryUrgent: 2, workflow.UrgencyFlash: 3}

// edXML DocumentType/Type: 1 is a văn bản hành chính (administrative
// document), what vanthu exchanges; the type itself goes in TypeName
// (its Decree 30 name) and TypeDetail (its abbreviation).
const typeAdministrative = "1"

// ExternalID returns the QCVN 102 DocumentId an issued document goes out
// as: "OrganId,yyyy/MM/dd,Số/KýHiệu".
func ExternalID(self workflow.Org, d *workflow.Document) (string, error) {
	number, notation, err := splitNotation(d)
	if err != nil {
		return "", err
	}
	return edxml.MakeDocumentID(self.OrgID, workflow.VietnamDate(*d.IssuedAt), number, notation), nil
}

func splitNotation(d *workflow.Document) (string, string, error) {
	if d.IssuedAt == nil || d.Notation == "" {
		return "", "", workflow.Errorf(workflow.EINVALID, "document %s is not issued: nothing to send", d.ID)
	}
	number, notation, ok := strings.Cut(d.Notation, "/")
	if !ok {
		return "", "", workflow.Errorf(workflow.EINVALID, "document %s: notation %q is not Số/KýHiệu", d.ID, d.Notation)
	}
	return number, notation, nil
}

// EnvelopeInput is what BuildEnvelope needs besides the document.
type EnvelopeInput struct {
	Self     Identity
	Doc      *workflow.Document
	Signer   *workflow.User // the official who signed (SignerInfo); may be nil
	Blobs    workflow.Blobs
	Tails    workflow.TailReader // the signed files stored as tails (nil: none)
	Business edxml.Business      // zero: a new document
	Now      time.Time
}

// BuildEnvelope builds and signs the edXML package of an issued document
// for its recipients: the signed PDF first, then the signed attachments,
// from the work store. It returns the package and its DocumentId.
func BuildEnvelope(ctx context.Context, in EnvelopeInput) ([]byte, string, error) {
	d := in.Doc
	number, notation, err := splitNotation(d)
	if err != nil {
		return nil, "", err
	}
	doc := edxml.Document{
		From:             edxml.Organization{ID: in.Self.Org.OrgID, Name: in.Self.Org.Name},
		Number:           number,
		Notation:         notation,
		Place:            in.Self.Place,
		PromulgationDate: workflow.VietnamDate(*d.IssuedAt),
		TypeCode:         typeAdministrative,
		TypeDetail:       string(d.Type),
		TypeName:         workflow.DocTypes[d.Type],
		Subject:          d.Subject,
		Priority:         priorityOf[d.Urgency],
		Business:         in.Business,
		Trace:            []edxml.Hop{{OrganID: in.Self.Org.OrgID, Time: in.Now}},
	}
	doc.DocumentID = edxml.MakeDocumentID(doc.From.ID, doc.PromulgationDate, number, notation)
	for _, r := range d.Recipients {
		doc.To = append(doc.To, edxml.Organization{ID: r.OrgID, Name: r.Name})
		doc.ToPlaces = append(doc.ToPlaces, r.Name)
	}
	if d.DueDate != nil {
		doc.DueDate = *d.DueDate
	}
	if in.Signer != nil {
		doc.Signer = edxml.Signer{Position: in.Signer.Title, FullName: in.Signer.FullName}
	}
	if in.Business.Type != edxml.BusinessRevoke {
		// A new, replacing or updating document carries its signed files.
		main, ok := d.MainFile()
		if !ok || main.Kind != workflow.FileSigned {
			return nil, "", workflow.Errorf(workflow.EINVALID, "document %s has no signed file to send", d.ID)
		}
		files := []workflow.File{main}
		files = append(files, signedAttachments(d)...)
		for i, f := range files {
			b, err := (workflow.Files{Blobs: in.Blobs, Tails: in.Tails}).Read(ctx, d.Files, f)
			if err != nil {
				return nil, "", err
			}
			desc := "attachment"
			if i == 0 {
				desc = "main"
			}
			doc.Attachments = append(doc.Attachments, edxml.Attachment{Name: f.Name, ContentType: "application/pdf",
				Description: desc, Data: b})
		}
	}
	signed, err := edxml.BuildSigned(doc, in.Self.Key, in.Self.Chain)
	if err != nil {
		return nil, "", fmt.Errorf("build and sign envelope of %s: %w", d.ID, err)
	}
	return signed, doc.DocumentID, nil
}

// signedAttachments returns the agency-signed versions of a document's
// attachments: at issue each attachment is signed and stored again as a
// later FileAttachment with the same name, so the last one of each name.
func signedAttachments(d *workflow.Document) []workflow.File {
	var out []workflow.File
	idx := map[string]int{}
	for _, f := range d.Files {
		if f.Kind != workflow.FileAttachment {
			continue
		}
		if i, ok := idx[f.Name]; ok {
			out[i] = f
			continue
		}
		idx[f.Name] = len(out)
		out = append(out, f)
	}
	return out
}

var urgencyOf = map[int]workflow.Urgency{0: workflow.UrgencyNormal, 1: workflow.UrgencyUrgent,
	2: workflow.UrgencyVeryUrgent, 3: workflow.UrgencyFlash, 4: workflow.UrgencyFlash}

// docTypeOf maps an edXML DocumentType to a Decree 30 type: by our own
// TypeDetail, else by name, else công văn.
func docTypeOf(doc *edxml.Document) workflow.DocType {
	if t := workflow.DocType(doc.TypeDetail); t.Valid() {
		return t
	}
	name := norm.NFC.String(strings.ToLower(strings.TrimSpace(doc.TypeName)))
	for t, n := range workflow.DocTypes {
		if norm.NFC.String(strings.ToLower(n)) == name {
			return t
		}
	}
	return workflow.CongVan
}

// ReceiveInput converts a parsed edXML document into what
// workflow.Service.Receive takes: the attachment described "main", else
// the first PDF (firstPDF), is the document, the rest are
// attachments; sender, original number and date, subject, urgency.
func ReceiveInput(doc *edxml.Document) workflow.ReceiveInput {
	in := workflow.ReceiveInput{ExternalID: doc.DocumentID}
	if doc.DocumentIDAsSent != doc.DocumentID {
		in.ExternalIDAsSent = doc.DocumentIDAsSent
	}
	in.Type = docTypeOf(doc)
	in.Subject = doc.Subject
	in.Urgency = urgencyOf[doc.Priority]
	in.Confidentiality = workflow.Public
	in.Sender = &workflow.Org{OrgID: doc.From.ID, Name: doc.From.Name}
	if in.Sender.Name == "" {
		in.Sender.Name = doc.From.ID
	}
	in.OriginalNumber = doc.Number + "/" + doc.Notation
	pd := doc.PromulgationDate
	in.OriginalDate = &pd
	if !doc.DueDate.IsZero() {
		dd := doc.DueDate
		in.DueDate = &dd
	}
	main := -1
	for i, a := range doc.Attachments {
		if a.Description == "main" {
			main = i
			break
		}
	}
	if main < 0 {
		main = firstPDF(doc.Attachments)
	}
	for i, a := range doc.Attachments {
		u := workflow.Upload{Name: attachmentName(a.Name, i), Size: int64(len(a.Data)), Content: workflow.Held(a.Data)}
		if i == main {
			in.File = &u
		} else {
			in.Attachments = append(in.Attachments, u)
		}
	}
	switch doc.Business.Type {
	case edxml.BusinessReplace:
		if len(doc.Business.Replaces) > 0 {
			in.Replaces = doc.Business.Replaces[0].DocumentID
		} else if doc.ResponseFor != nil {
			in.Replaces = doc.ResponseFor.DocumentID
		}
	case edxml.BusinessUpdate:
		in.Updates = doc.Business.DocumentID
	}
	return in
}

// firstPDF is the index of the first attachment that says it is a PDF
// (by its MIME type or name), else of the first that is one by its bytes
// (a type such as "application/x-pdf" and a name without extension, as
// some senders write), else 0 (-1 without attachments). Before, such a
// PDF after a Word file left the Word file as the document, rejected as
// "not a PDF".
func firstPDF(atts []edxml.Attachment) int {
	for i, a := range atts {
		if isPDFType(a.ContentType) || strings.HasSuffix(strings.ToLower(a.Name), ".pdf") {
			return i
		}
	}
	for i, a := range atts {
		if bytes.HasPrefix(a.Data, []byte("%PDF-")) {
			return i
		}
	}
	if len(atts) > 0 {
		return 0
	}
	return -1
}

// attachmentName is the name a received file is kept under: the last
// element of the path the sender may have written ("C:\\Users\\...\\qd.pdf",
// "../../qd.pdf"), as an upload's is, without control characters or the
// bidirectional controls that make "vb\u202Efdp.exe" show as "vbexe.pdf";
// a name left empty or of dots only is "attachment-N" (N from 1). Before,
// the name was kept as sent, shown to the clerk and offered for download.
func attachmentName(name string, i int) string {
	name = percentDecoded(name)
	if j := strings.LastIndexAny(name, `/\`); j >= 0 {
		name = name[j+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return -1
		}
		return r
	}, name))
	if strings.Trim(name, ". ") == "" {
		return fmt.Sprintf("attachment-%d", i+1)
	}
	return name
}

// percentDecoded is name with its percent-escapes decoded, as systems
// that keep file names URL-encoded send them
// ("Quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh.pdf" for "Quyết định.pdf"), in NFC:
// only a name all in ASCII, with at least one escape, every '%' starting
// one, and UTF-8 once decoded; any other name is kept as sent ("Tăng
// 50%.pdf"). A '+' stays a '+'. Before, the clerk saw and downloaded the
// escapes.
func percentDecoded(name string) string {
	if !strings.Contains(name, "%") {
		return name
	}
	for _, r := range name {
		if r >= utf8.RuneSelf {
			return name
		}
	}
	dec, err := url.PathUnescape(name)
	if err != nil || !utf8.ValidString(dec) {
		return name
	}
	return norm.NFC.String(dec)
}

// isPDFType says whether a MIME type is PDF's, as producers write it:
// any case, with parameters ("Application/PDF; name=qd.pdf").
func isPDFType(ct string) bool {
	t, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(t), "application/pdf")
}
