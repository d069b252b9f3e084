package edxml

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"mime"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// Build writes doc as an unsigned edXML document package shaped like the
// national platform's: prefixed edXML: elements in the envelope, element
// order as the SDK writes it, yyyy/MM/dd dates, and the attachments as
// base64 in AttachmentEncoded after the envelope. Sign it before sending.
//
// When doc.DocumentID is empty it is derived (MakeDocumentID); when
// doc.Trace is empty Build writes one TraceHeader for From.ID at the
// current time (callers with a clock of their own set Trace); attachments without ContentID get "cid:<uuid>" and those
// without ContentType one guessed from the name.
//
// Errors are *workflow.Error with EINVALID naming each bad field, or
// ETOOLARGE when the package would exceed DefaultMaxBytes (peers using the
// default limits would refuse it).
func Build(doc Document) ([]byte, error) {
	d := withDefaults(doc)
	var p problems
	checkDocument(&p, &d, true)
	checkTexts(&p, d)
	if err := p.err("document"); err != nil {
		return nil, err
	}

	if err := checkBuildSize(d.Attachments); err != nil {
		return nil, err
	}
	w := &writer{}
	w.Grow(buildSize(d.Attachments))
	w.open()
	w.messageHeader(&d)
	w.traceHeaders(d.Trace, d.Business)
	w.WriteString("    </edXML:edXMLHeader>\n")
	w.manifest(d.Attachments)
	w.attachments(d.Attachments)
	return w.Bytes(), nil
}

// buildSize is about the size of the package Build writes with atts.
func buildSize(atts []Attachment) int {
	size := 4096
	for _, a := range atts {
		size += base64.StdEncoding.EncodedLen(len(a.Data)) + 512
	}
	return size
}

// checkBuildSize refuses (ETOOLARGE) attachments that would make the
// package larger than DefaultMaxBytes.
func checkBuildSize(atts []Attachment) error {
	if size := buildSize(atts); size > DefaultMaxBytes {
		return workflow.Errorf(workflow.ETOOLARGE, "edxml: package would be about %d bytes, more than %d", size, DefaultMaxBytes)
	}
	return nil
}

// withDefaults returns a shallow copy of doc (the caller's slices stay
// untouched) with what Build fills in: the DocumentId, a TraceHeader for
// the sender at the current time, business type 0 (new), attachment
// ContentIds and ContentTypes.
func withDefaults(doc Document) Document {
	d := doc // shallow copy: fill in defaults without touching the caller's slices
	if d.DocumentID == "" && d.From.ID != "" && !d.PromulgationDate.IsZero() && d.Number != "" && d.Notation != "" {
		d.DocumentID = MakeDocumentID(d.From.ID, d.PromulgationDate, d.Number, d.Notation)
	}
	if len(d.Trace) == 0 {
		d.Trace = []Hop{{OrganID: d.From.ID, Time: time.Now()}}
	}
	if d.Business.Type == "" {
		d.Business.Type = BusinessNew
	}
	d.Attachments = make([]Attachment, len(doc.Attachments))
	for i, a := range doc.Attachments {
		if a.ContentID == "" {
			a.ContentID = "cid:" + newUUID()
		}
		if a.ContentType == "" {
			a.ContentType = mime.TypeByExtension(strings.ToLower(path.Ext(a.Name)))
			if a.ContentType == "" {
				a.ContentType = "application/octet-stream"
			}
			a.ContentType, _, _ = strings.Cut(a.ContentType, ";")
		}
		d.Attachments[i] = a
	}
	return d
}

// messageHeader writes the MessageHeader: sender and recipients, the
// document's identity, type, subject, signer and other information.
func (w *writer) messageHeader(d *Document) {
	w.start(2, "MessageHeader")
	w.org(3, "From", d.From)
	for _, to := range d.To {
		w.org(3, "To", to)
	}
	w.elem(3, "DocumentId", d.DocumentID)
	w.start(3, "Code")
	w.elem(4, "CodeNumber", d.Number)
	w.elem(4, "CodeNotation", d.Notation)
	w.end(3, "Code")
	w.start(3, "PromulgationInfo")
	w.opt(4, "Place", d.Place)
	w.elem(4, "PromulgationDate", formatDate(d.PromulgationDate))
	w.end(3, "PromulgationInfo")
	w.start(3, "DocumentType")
	w.elem(4, "Type", d.TypeCode)
	w.opt(4, "TypeDetail", d.TypeDetail)
	w.opt(4, "TypeName", d.TypeName)
	w.end(3, "DocumentType")
	w.elem(3, "Subject", d.Subject)
	w.opt(3, "Content", d.Content)
	if d.Signer != (Signer{}) {
		w.start(3, "SignerInfo")
		w.opt(4, "Competence", d.Signer.Competence)
		w.opt(4, "Position", d.Signer.Position)
		w.opt(4, "FullName", d.Signer.FullName)
		w.end(3, "SignerInfo")
	}
	if !d.DueDate.IsZero() {
		w.elem(3, "DueDate", formatDate(d.DueDate))
	}
	w.start(3, "OtherInfo")
	w.elem(4, "Priority", strconv.Itoa(d.Priority))
	w.opt(4, "SphereOfPromulgation", d.Sphere)
	w.opt(4, "TyperNotation", d.TyperNotation)
	w.elem(4, "PromulgationAmount", strconv.Itoa(d.PromulgationAmount))
	w.elem(4, "PageAmount", strconv.Itoa(d.PageAmount))
	w.opt(4, "Direction", d.Direction)
	if len(d.Appendixes) > 0 {
		w.start(4, "Appendixes")
		for _, a := range d.Appendixes {
			w.elem(5, "Appendix", a)
		}
		w.end(4, "Appendixes")
	}
	w.end(3, "OtherInfo")
	if r := d.ResponseFor; r != nil && !r.IsZero() {
		w.docRef(3, *r)
	}
	w.opt(3, "SteeringType", d.SteeringType)
	if len(d.ToPlaces) > 0 {
		w.start(3, "ToPlaces")
		for _, pl := range d.ToPlaces {
			w.elem(4, "Place", pl)
		}
		w.end(3, "ToPlaces")
	}
	w.end(2, "MessageHeader")

}

// traceHeaders writes the TraceHeaderList: one TraceHeader per hop, then
// the business information (new, revoke, update, replace).
func (w *writer) traceHeaders(trace []Hop, b Business) {
	w.start(2, "TraceHeaderList")
	for _, h := range trace {
		w.start(3, "TraceHeader")
		w.elem(4, "OrganId", h.OrganID)
		w.elem(4, "Timestamp", formatTime(h.Time))
		w.end(3, "TraceHeader")
	}
	w.start(3, "Bussiness")
	w.opt(4, "DocumentId", b.DocumentID)
	w.elem(4, "BussinessDocType", string(b.Type))
	w.opt(4, "BussinessDocReason", b.Reason)
	w.elem(4, "Paper", first(b.Paper, "0"))
	if len(b.Replaces) > 0 {
		w.start(4, "ReplacementInfoList")
		for _, r := range b.Replaces {
			w.start(5, "ReplacementInfo")
			w.elem(6, "DocumentId", r.DocumentID)
			w.start(6, "OrganIdList")
			for _, o := range r.OrganIDs {
				w.elem(7, "OrganId", o)
			}
			w.end(6, "OrganIdList")
			w.end(5, "ReplacementInfo")
		}
		w.end(4, "ReplacementInfoList")
	}
	if u := b.Update; u != nil {
		w.start(4, "BussinessDocumentInfo")
		w.opt(5, "DocumentInfo", u.DocumentInfo)
		w.opt(5, "DocumentReceiver", u.DocumentReceiver)
		if len(u.Receivers) > 0 {
			w.start(5, "ReceiverList")
			for _, r := range u.Receivers {
				w.start(6, "Receiver")
				w.elem(7, "OrganId", r.OrganID)
				w.elem(7, "ReceiverType", r.Type)
				w.end(6, "Receiver")
			}
			w.end(5, "ReceiverList")
		}
		w.end(4, "BussinessDocumentInfo")
	}
	if b.Staff != nil {
		w.staff(4, *b.Staff)
	}
	w.end(3, "Bussiness")
	w.end(2, "TraceHeaderList")
}

// manifest writes the edXMLBody: the manifest of the attachments.
func (w *writer) manifest(atts []Attachment) {
	w.WriteString("    <edXML:edXMLBody>\n      <edXML:edXMLManifest version=\"1.0\">\n")
	for _, a := range atts {
		w.start(3, "Reference")
		w.elem(4, "ContentId", a.ContentID)
		w.elem(4, "ContentType", a.ContentType)
		w.opt(4, "Description", a.Description)
		w.elem(4, "AttachmentName", a.Name)
		w.end(3, "Reference")
	}
	w.WriteString("      </edXML:edXMLManifest>\n    </edXML:edXMLBody>\n  </edXML:edXMLEnvelope>\n")

}

// attachments writes the AttachmentEncoded element with each
// attachment in base64, and closes the document.
func (w *writer) attachments(atts []Attachment) {
	// After the envelope, unprefixed in the root's default namespace, as
	// the SDK writes it.
	w.WriteString("  <AttachmentEncoded>\n")
	for _, a := range atts {
		w.WriteString("    <Attachment>\n")
		w.plain(2, "ContentId", a.ContentID)
		w.plain(2, "AttachmentName", a.Name)
		if a.Description != "" {
			w.plain(2, "Description", a.Description)
		}
		w.plain(2, "ContentType", a.ContentType)
		w.WriteString(`      <edXML:ContentTransferEncoded xmlns:edXML="` + Namespace + `">`)
		enc := base64.StdEncoding.EncodedLen(len(a.Data))
		w.Grow(enc)
		buf := w.AvailableBuffer()[:enc]
		base64.StdEncoding.Encode(buf, a.Data)
		w.Write(buf)
		w.WriteString("</edXML:ContentTransferEncoded>\n    </Attachment>\n")
	}
	w.WriteString("  </AttachmentEncoded>\n</edXML>\n")
}

// BuildStatus writes st as an unsigned edXML status message (MessageStatus)
// shaped like the SDK's: From, ResponseFor, StaffInfo, StatusCode,
// Description, Timestamp. A zero st.Time is the current time.
// Errors are *workflow.Error with EINVALID naming each bad field.
func BuildStatus(st Status) ([]byte, error) {
	if st.Time.IsZero() {
		st.Time = time.Now()
	}
	var p problems
	checkStatus(&p, &st, true)
	checkTexts(&p, st)
	if err := p.err("status message"); err != nil {
		return nil, err
	}
	w := &writer{}
	w.open()
	w.start(2, "MessageHeader")
	w.org(3, "From", st.From)
	w.docRef(3, st.ResponseFor)
	if st.Staff != (Staff{}) {
		w.staff(3, st.Staff)
	}
	w.elem(3, "StatusCode", string(st.Code))
	w.opt(3, "Description", st.Description)
	w.elem(3, "Timestamp", formatTime(st.Time))
	w.end(2, "MessageHeader")
	w.WriteString("    </edXML:edXMLHeader>\n  </edXML:edXMLEnvelope>\n</edXML>\n")
	return w.Bytes(), nil
}

func formatDate(d workflow.Date) string { return d.Format(dateLayout) }
func formatTime(t time.Time) string     { return t.In(Location).Format(timeLayout) }

// writer writes the indented, prefixed XML of the SDK's packages. Indent
// levels count from the envelope (edXMLHeader = 1... MessageHeader = 2)
// plus one for the root, two spaces each.
type writer struct{ bytes.Buffer }

func (w *writer) open() {
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.WriteString(`<edXML xmlns="` + Namespace + `">` + "\n")
	w.WriteString(`  <edXML:edXMLEnvelope xmlns:edXML="` + Namespace + `">` + "\n")
	w.WriteString("    <edXML:edXMLHeader>\n")
}

func (w *writer) indent(level int) {
	for range level + 1 {
		w.WriteString("  ")
	}
}

func (w *writer) start(level int, name string) {
	w.indent(level)
	w.WriteString("<edXML:" + name + ">\n")
}

func (w *writer) end(level int, name string) {
	w.indent(level)
	w.WriteString("</edXML:" + name + ">\n")
}

func (w *writer) elem(level int, name, text string) {
	w.indent(level)
	w.WriteString("<edXML:" + name + ">")
	xml.EscapeText(w, []byte(text))
	w.WriteString("</edXML:" + name + ">\n")
}

// opt writes name only when text is not empty.
func (w *writer) opt(level int, name, text string) {
	if text != "" {
		w.elem(level, name, text)
	}
}

// plain writes an unprefixed element (inside AttachmentEncoded).
func (w *writer) plain(level int, name, text string) {
	w.indent(level)
	w.WriteString("<" + name + ">")
	xml.EscapeText(w, []byte(text))
	w.WriteString("</" + name + ">\n")
}

func (w *writer) org(level int, name string, o Organization) {
	w.start(level, name)
	w.elem(level+1, "OrganId", o.ID)
	w.opt(level+1, "OrganizationInCharge", o.InCharge)
	w.opt(level+1, "OrganName", o.Name)
	w.opt(level+1, "OrganAdd", o.Address)
	w.opt(level+1, "Email", o.Email)
	w.opt(level+1, "Telephone", o.Telephone)
	w.opt(level+1, "Fax", o.Fax)
	w.opt(level+1, "Website", o.Website)
	w.end(level, name)
}

func (w *writer) docRef(level int, r DocRef) {
	w.start(level, "ResponseFor")
	w.elem(level+1, "OrganId", r.OrganID)
	w.opt(level+1, "Code", r.Code)
	if !r.PromulgationDate.IsZero() {
		w.elem(level+1, "PromulgationDate", formatDate(r.PromulgationDate))
	}
	w.elem(level+1, "DocumentId", r.DocumentID)
	w.end(level, "ResponseFor")
}

func (w *writer) staff(level int, s Staff) {
	w.start(level, "StaffInfo")
	w.opt(level+1, "Department", s.Department)
	w.opt(level+1, "Staff", s.Name)
	w.opt(level+1, "Mobile", s.Mobile)
	w.opt(level+1, "Email", s.Email)
	w.end(level, "StaffInfo")
}

// checkTexts refuses strings that cannot be written as XML 1.0 text
// (invalid UTF-8, control characters): xml.EscapeText would silently
// replace them, and the receiver would read something else than was sent.
func checkTexts(p *problems, v any) {
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		switch rv.Kind() {
		case reflect.String:
			if !xmlText(rv.String()) {
				p.add(path, "contains invalid UTF-8 or control characters")
			}
		case reflect.Struct:
			if rv.Type() == reflect.TypeOf(time.Time{}) {
				return
			}
			for i := range rv.NumField() {
				walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
			}
		case reflect.Slice:
			if rv.Type().Elem().Kind() == reflect.Uint8 {
				return // attachment data is base64-encoded
			}
			for i := range rv.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i+1), rv.Index(i))
			}
		case reflect.Pointer:
			if !rv.IsNil() {
				walk(path, rv.Elem())
			}
		}
	}
	rv := reflect.ValueOf(v)
	walk(rv.Type().Name(), rv)
}

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
