package edxml

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/vanthu/vanthu/internal/edxmlid"
	"github.com/vanthu/vanthu/workflow"
)

// FuzzParse feeds the parser arbitrary packages. The seeds are vanthu's
// own output: a document, a status, the same with the SDK's kind of
// <Signature>, the malformed variants of ownMalformed, and a few edge
// cases (the SDK's own packages stay outside the repository, in the
// interop corpus); testdata/fuzz/FuzzParse keeps inputs that once failed.
//
// Properties: Parse never panics; every refusal is a *workflow.Error;
// reading from a stream and from memory agree; whatever is accepted obeys
// the field rules; and a document that Build accepts again comes back
// unchanged from Parse(Build(doc)).
func FuzzParse(f *testing.F) {
	doc := sampleDocument()
	doc.Attachments = doc.Attachments[:1]
	if b, err := Build(doc); err == nil {
		f.Add(b)
	}
	st, _ := BuildStatus(Status{
		From:        Organization{ID: "000.00.00.H41"},
		ResponseFor: DocRef{OrganID: "000.00.12.H13", DocumentID: "000.00.12.H13,2026/03/02,125/STTTT-VP"},
		Code:        StatusRejected, Description: "thiếu chữ ký", Time: at(2026, 3, 2, 10, 0, 0),
	})
	f.Add(st)
	f.Add(withSDKSignature(f, buildOwn(f, ownDocument(Business{Type: BusinessReplace, Reason: "Văn bản thay thế", Paper: "0",
		Replaces: []Replacement{{"000.00.12.H13,2026/02/10,98/STTTT-VP", []string{"000.00.00.H41"}}}}))))
	for _, m := range ownMalformed(f) {
		f.Add(m.data)
	}
	f.Add([]byte(root + "</edXML>"))
	f.Add([]byte(root + "<a><b><c>"))
	f.Add([]byte("1212" + root))

	lim := Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxAttachments: 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseBytes(data, lim)
		m2, err2 := Parse(bytes.NewReader(data), lim)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("ParseBytes err %v, Parse err %v", err, err2)
		}
		if err != nil {
			var we *workflow.Error
			if !errors.As(err, &we) || (we.Code != workflow.EINVALID && we.Code != workflow.ETOOLARGE) {
				t.Fatalf("refusal is not EINVALID/ETOOLARGE *workflow.Error: %T %v", err, err)
			}
			return
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("ParseBytes and Parse disagree")
		}
		switch m.Kind {
		case KindStatus:
			if m.Status == nil || m.Document != nil || !m.Status.Code.Valid() || m.Status.Time.IsZero() {
				t.Fatalf("accepted a bad status: %+v", m)
			}
		case KindDocument:
			d := m.Document
			if d == nil || m.Status != nil {
				t.Fatalf("Kind document without Document")
			}
			if len(d.To) == 0 || d.Subject == "" || utf8.RuneCountInString(d.Subject) > MaxSubject ||
				!receivedOrgID.MatchString(d.From.ID) || d.PromulgationDate.IsZero() || !d.Business.Type.Valid() ||
				len(d.Attachments) > lim.MaxAttachments {
				t.Fatalf("accepted a document breaking the rules: %+v", d)
			}
			out, err := Build(*d)
			if err != nil {
				return // Parse is more lenient than Build (e.g. lower-case codes, UUID ids)
			}
			again, err := ParseBytes(out, lim)
			if err != nil {
				t.Fatalf("Parse(Build(Parse(x))): %v\n%s", err, out)
			}
			// The DocumentId as sent is the text read; Build writes the
			// identifier it reads as (TestBuild: "as Build wrote it").
			if id := edxmlid.Identifier(d.DocumentIDAsSent); id != d.DocumentID {
				t.Fatalf("DocumentId %q read as %q, its identifier is %q", d.DocumentIDAsSent, d.DocumentID, id)
			}
			want := *d
			want.DocumentIDAsSent = d.DocumentID
			assertSameDocument(t, again.Document, &want)
		default:
			t.Fatalf("Kind = %q", m.Kind)
		}
	})
}

func assertSameDocument(t *testing.T, got, want *Document) {
	t.Helper()
	g, w := normalise(*got), normalise(*want)
	if len(w.Trace) == 0 {
		g.Trace = nil // Build adds the sender's hop
	}
	// Build fills in content types it can guess.
	for i := range w.Attachments {
		if w.Attachments[i].ContentType == "" && i < len(g.Attachments) {
			g.Attachments[i].ContentType = ""
		}
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", g, w)
	}
}
