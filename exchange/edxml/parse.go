package edxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/internal/edxmlid"
	"github.com/vanthu/vanthu/workflow"
)

// Parse reads one edXML package — a document or a status message — within
// lim, checks its structure and fields, and returns it in plain Go terms.
// Text is trimmed and put in Unicode NFC. It does not check the XML
// signature: call Verify on the same bytes.
//
// Errors are *workflow.Error: ETOOLARGE for input over lim.MaxBytes or more
// than lim.MaxAttachments attachments, EINVALID for malformed XML (junk
// before the declaration, undeclared namespace prefixes, nesting deeper than
// lim.MaxDepth...) and for fields that break the rules; the message names
// each offending field by its path, e.g. "MessageHeader/To[2]/OrganId".
func Parse(r io.Reader, lim Limits) (*Message, error) {
	lim = lim.withDefaults()
	data, sr, err := readScanned(r, lim)
	if err != nil {
		return nil, err
	}
	return decode(&Package{data: data, elided: data, res: sr})
}

// ParseBytes is Parse for a package already in memory.
// It reads the package as Open does: a caller that also verifies it
// opens it once and calls Package.Parse and Verifier.VerifyPackage.
func ParseBytes(data []byte, lim Limits) (*Message, error) {
	p, err := Open(data, lim)
	if err != nil {
		return nil, err
	}
	return p.Parse()
}

func decode(pkg *Package) (*Message, error) {
	sr := pkg.res
	var w wirePackage
	if err := xml.NewDecoder(bytes.NewReader(pkg.elided)).Decode(&w); err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "edxml: malformed XML: %v", err)
	}
	mh := &w.Envelope.MessageHeader
	if mh.StatusCode != nil {
		var p problems
		st := toStatus(mh, &p)
		checkStatus(&p, st, false)
		if err := p.err("status message"); err != nil {
			return nil, err
		}
		return &Message{Kind: KindStatus, Status: st, Signed: sr.signed}, nil
	}
	var p problems
	doc := toDocument(&w, pkg, &p)
	checkDocument(&p, doc, false)
	if err := p.err("document"); err != nil {
		return nil, err
	}
	return &Message{Kind: KindDocument, Document: doc, Signed: sr.signed}, nil
}

// ts trims s and puts it in Unicode NFC: the SDK's packages mix composed and
// decomposed Vietnamese ("Tuấn" written as "â" + U+0301), which would
// otherwise compare unequal, sort and search badly.
func ts(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

func toOrg(w wireOrg) Organization {
	return Organization{
		ID: edxmlid.Identifier(w.OrganID), InCharge: ts(w.InCharge), Name: ts(w.Name), Address: ts(w.Address),
		Email: ts(w.Email), Telephone: ts(w.Telephone), Fax: ts(w.Fax), Website: ts(w.Website),
	}
}

func toStaff(w *wireStaff) *Staff {
	if w == nil {
		return nil
	}
	return &Staff{Department: ts(w.Department), Name: ts(w.Staff), Mobile: ts(w.Mobile), Email: ts(w.Email)}
}

func toDocRef(p *problems, field string, w *wireDocRef) DocRef {
	r := DocRef{OrganID: edxmlid.Identifier(w.OrganID), Code: ts(w.Code), DocumentID: edxmlid.Identifier(w.DocumentID)}
	if s := ts(w.PromulgationDate); s != "" {
		t, err := parseDate(s)
		if err != nil {
			p.add(field+"/PromulgationDate", "%v", err)
		}
		r.PromulgationDate = t
	}
	return r
}

func toStatus(mh *wireMessageHeader, p *problems) *Status {
	st := &Status{
		From:        toOrg(mh.From),
		Code:        statusCode(ts(*mh.StatusCode)),
		Description: ts(mh.Description),
	}
	if mh.ResponseFor != nil {
		st.ResponseFor = toDocRef(p, "MessageHeader/ResponseFor", mh.ResponseFor)
	}
	if s := toStaff(mh.StaffInfo); s != nil {
		st.Staff = *s
	}
	if s := ts(mh.Timestamp); s != "" {
		t, err := parseTime(s)
		if err != nil {
			p.add("MessageHeader/Timestamp", "%v", err)
		}
		st.Time = t
	}
	return st
}

// statusCode reads a status code written as a number ("3", "003" for
// 03, as systems that keep it as an integer write it) as the standard's
// two digits; anything else is left for checkStatus to refuse.
func statusCode(s string) StatusCode {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 100 && strings.Trim(s, "0123456789") == "" {
		return StatusCode(fmt.Sprintf("%02d", n))
	}
	return StatusCode(s)
}

// toDocument converts the wire form, reporting fields that do not convert
// (dates, numbers, base64); checkDocument then applies the rules.
func toDocument(w *wirePackage, pkg *Package, p *problems) *Document {
	doc := headerDocument(&w.Envelope.MessageHeader, p)
	if tl := w.Envelope.Trace; tl != nil {
		traceInto(doc, tl, p)
	}
	if doc.Business.Type == "" {
		doc.Business.Type = BusinessNew
	}
	doc.Attachments = attachmentsOf(w, pkg, p)
	return doc
}

// headerDocument reads the MessageHeader into a Document.
func headerDocument(mh *wireMessageHeader, p *problems) *Document {
	const h = "MessageHeader/"
	doc := &Document{
		From:             toOrg(mh.From),
		DocumentID:       edxmlid.Identifier(mh.DocumentID),
		DocumentIDAsSent: mh.DocumentID,
		Number:           ts(mh.Code.Number),
		Notation:         ts(mh.Code.Notation),
		Place:            ts(mh.Promulgation.Place),
		TypeCode:         ts(mh.DocumentType.Type),
		TypeDetail:       ts(mh.DocumentType.Detail),
		TypeName:         ts(mh.DocumentType.Name),
		Subject:          ts(mh.Subject),
		Content:          ts(mh.Content),
		Signer:           Signer{Competence: ts(mh.Signer.Competence), Position: ts(mh.Signer.Position), FullName: ts(mh.Signer.FullName)},
		Sphere:           ts(mh.OtherInfo.Sphere),
		TyperNotation:    ts(mh.OtherInfo.TyperNotation),
		Direction:        ts(mh.OtherInfo.Direction),
		SteeringType:     ts(mh.SteeringType),
	}
	seen := map[string]bool{}
	for _, to := range mh.To {
		// A recipient named twice is one recipient (Build refuses it;
		// other senders' systems write it): read once, the first time.
		o := toOrg(to)
		if o.ID != "" && seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		doc.To = append(doc.To, o)
	}
	if s := ts(mh.Promulgation.Date); s != "" {
		t, err := parseDate(s)
		if err != nil {
			p.add(h+"PromulgationInfo/PromulgationDate", "%v", err)
		}
		doc.PromulgationDate = t
	}
	if s := ts(mh.DueDate); s != "" {
		t, err := parseDate(s)
		if err != nil {
			p.add(h+"DueDate", "%v", err)
		}
		doc.DueDate = t
	}
	for _, pl := range mh.ToPlaces {
		doc.ToPlaces = append(doc.ToPlaces, ts(pl))
	}
	for _, a := range mh.OtherInfo.Appendixes {
		doc.Appendixes = append(doc.Appendixes, ts(a))
	}
	var err error
	if doc.Priority, err = parseCount(ts(mh.OtherInfo.Priority)); err != nil {
		p.add(h+"OtherInfo/Priority", "%v", err)
	}
	if doc.PromulgationAmount, err = parseCount(ts(mh.OtherInfo.PromulgationAmount)); err != nil {
		p.add(h+"OtherInfo/PromulgationAmount", "%v", err)
	}
	if doc.PageAmount, err = parseCount(ts(mh.OtherInfo.PageAmount)); err != nil {
		p.add(h+"OtherInfo/PageAmount", "%v", err)
	}
	if mh.ResponseFor != nil {
		r := toDocRef(p, h+"ResponseFor", mh.ResponseFor)
		if !r.IsZero() {
			doc.ResponseFor = &r
		}
	}
	return doc
}

// traceInto reads the TraceHeaderList into doc: the hops and the business
// information.
func traceInto(doc *Document, tl *wireTraceList, p *problems) {
	for i, th := range tl.Headers {
		hop := Hop{OrganID: edxmlid.Identifier(th.OrganID)}
		t, err := parseTime(ts(th.Timestamp))
		if err != nil {
			p.add(fmt.Sprintf("TraceHeaderList/TraceHeader[%d]/Timestamp", i+1), "%v", err)
		}
		hop.Time = t
		doc.Trace = append(doc.Trace, hop)
	}
	if b := tl.Business; b != nil {
		doc.Business = Business{
			Type:       BusinessType(ts(b.DocType)),
			Reason:     ts(b.Reason),
			DocumentID: edxmlid.Identifier(b.DocumentID),
			Paper:      first(ts(b.Paper), "0"), // absent = no paper copy, as Build writes it
			Staff:      toStaff(b.StaffInfo),
		}
		for _, r := range b.Replacements {
			rep := Replacement{DocumentID: edxmlid.Identifier(r.DocumentID)}
			for _, o := range r.OrganIDs {
				rep.OrganIDs = append(rep.OrganIDs, edxmlid.Identifier(o))
			}
			doc.Business.Replaces = append(doc.Business.Replaces, rep)
		}
		if di := b.DocumentInfo; di != nil {
			u := &UpdateInfo{DocumentInfo: ts(di.DocumentInfo), DocumentReceiver: ts(di.DocumentReceiver)}
			for _, r := range di.Receivers {
				u.Receivers = append(u.Receivers, Receiver{OrganID: edxmlid.Identifier(r.OrganID), Type: ts(r.Type)})
			}
			doc.Business.Update = u
		}
	}
}

// attachmentsOf reads the attachments: the manifest (inside the envelope)
// describes them, the AttachmentEncoded element after the envelope
// carries them; they are matched by ContentId. The base64 is decoded from
// pkg's bytes where the text was stepped over (see Package).
func attachmentsOf(w *wirePackage, pkg *Package, p *problems) []Attachment {
	var out []Attachment
	refs := map[string]wireReference{}
	for i, r := range w.Envelope.Manifest {
		cid := ts(r.ContentID)
		f := fmt.Sprintf("edXMLManifest/Reference[%d]/ContentId", i+1)
		if cid == "" {
			p.add(f, "missing")
			continue
		}
		if _, dup := refs[cid]; dup {
			p.add(f, "%q listed twice", cid)
		}
		refs[cid] = r
	}
	used := map[string]bool{}
	for i, a := range w.Attachments {
		f := fmt.Sprintf("AttachmentEncoded/Attachment[%d]", i+1)
		cid := ts(a.ContentID)
		ref, ok := refs[cid]
		switch {
		case cid == "":
			p.add(f+"/ContentId", "missing")
		case !ok:
			p.add(f+"/ContentId", "%q is not in the edXMLManifest", cid)
		}
		used[cid] = true
		att := Attachment{
			ContentID:   cid,
			Name:        first(ts(a.AttachmentName), ts(ref.AttachmentName)),
			ContentType: first(ts(a.ContentType), ts(ref.ContentType)),
			Description: first(ts(a.Description), ts(ref.Description)),
		}
		data, err := pkg.attachmentData(a.Encoded)
		if err != nil {
			p.add(f+"/ContentTransferEncoded", "not base64: %v", err)
		}
		att.Data = data
		out = append(out, att)
	}
	for i, r := range w.Envelope.Manifest {
		if cid := ts(r.ContentID); cid != "" && !used[cid] {
			p.add(fmt.Sprintf("edXMLManifest/Reference[%d]", i+1), "no AttachmentEncoded/Attachment with ContentId %q", cid)
		}
	}
	return out
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func decodeBase64(s string) ([]byte, error) {
	return decodeBase64Bytes([]byte(s))
}
