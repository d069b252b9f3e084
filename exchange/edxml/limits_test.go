package edxml

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// countingReader counts what Parse pulls from an endless stream.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader yields prefix and then unit forever.
type repeatReader struct {
	prefix []byte
	unit   []byte
	off    int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.prefix) > 0 {
			c := copy(p[n:], r.prefix)
			r.prefix = r.prefix[c:]
			n += c
			continue
		}
		c := copy(p[n:], r.unit[r.off:])
		r.off = (r.off + c) % len(r.unit)
		n += c
	}
	return n, nil
}

const root = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">`

// TestDepthBomb: endlessly nested elements are refused at the depth limit,
// after reading a few kilobytes, not the 64 MiB size limit.
func TestDepthBomb(t *testing.T) {
	for _, tt := range []struct {
		name string
		lim  Limits
		unit string
		max  int
	}{
		{"Default", Limits{}, "<a>", DefaultMaxDepth},
		{"Prefixed", Limits{}, `<edXML:x xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">`, DefaultMaxDepth},
		{"Custom", Limits{MaxDepth: 10}, "<a>", 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cr := &countingReader{r: &repeatReader{prefix: []byte(root), unit: []byte(tt.unit)}}
			_, err := Parse(cr, tt.lim)
			assertInvalid(t, err, fmt.Sprintf("nested deeper than %d levels", tt.max))
			if cr.n > 64<<10 {
				t.Errorf("read %d bytes before refusing", cr.n)
			}
		})
	}
	t.Run("ParseBytes", func(t *testing.T) {
		b := []byte(root + strings.Repeat("<a>", 100000))
		_, err := ParseBytes(b, Limits{})
		assertInvalid(t, err, "nested deeper than 64 levels")
	})
	t.Run("AtTheLimit", func(t *testing.T) {
		// 64 levels including the root is allowed: the refusal comes from
		// the fields, not the depth.
		b := root + strings.Repeat("<a>", 63) + strings.Repeat("</a>", 63) + "</edXML>"
		_, err := ParseBytes([]byte(b), Limits{})
		assertInvalid(t, err, "MessageHeader/Subject: missing")
	})
}

// TestSizeBomb: an endless package is refused after MaxBytes+1 bytes.
func TestSizeBomb(t *testing.T) {
	for _, tt := range []struct {
		name string
		unit string
	}{
		{"Text", "<edXML:Subject>" + strings.Repeat("x", 1000) + "</edXML:Subject>"},
		{"OneHugeToken", "x"}, // a single text token that never ends
		{"Whitespace", " "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const max = 1 << 20
			cr := &countingReader{r: &repeatReader{prefix: []byte(root + `<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">`), unit: []byte(tt.unit)}}
			_, err := Parse(cr, Limits{MaxBytes: max})
			assertCode(t, err, workflow.ETOOLARGE, "larger than 1048576 bytes")
			if cr.n > max+1 {
				t.Errorf("read %d bytes, limit %d", cr.n, max)
			}
		})
	}
	t.Run("ParseBytes", func(t *testing.T) {
		_, err := ParseBytes(make([]byte, 101), Limits{MaxBytes: 100})
		assertCode(t, err, workflow.ETOOLARGE, "larger than 100 bytes")
	})
}

func TestTooManyAttachments(t *testing.T) {
	doc := sampleDocument()
	doc.Attachments = nil
	for i := range 5 {
		doc.Attachments = append(doc.Attachments, Attachment{ContentID: fmt.Sprintf("cid:%d", i), Name: fmt.Sprintf("%d.pdf", i), Data: []byte{byte(i)}})
	}
	b, err := Build(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(bytes.NewReader(b), Limits{MaxAttachments: 5}); err != nil {
		t.Fatalf("5 attachments, limit 5: %v", err)
	}
	_, err = Parse(bytes.NewReader(b), Limits{MaxAttachments: 4})
	assertCode(t, err, workflow.ETOOLARGE, "more than 4 attachments")

	doc.Attachments = make([]Attachment, DefaultMaxAttachments+1)
	for i := range doc.Attachments {
		doc.Attachments[i] = Attachment{Name: "a.pdf"}
	}
	_, err = Build(doc)
	assertInvalid(t, err, "101 attachments, at most 100")
}

func TestParseEdgeInputs(t *testing.T) {
	// An arrival status made by our builder (the SDK's status_inbox_01 has
	// the same shape).
	status, err := BuildStatus(Status{From: Organization{ID: "000.00.00.H41"},
		ResponseFor: DocRef{OrganID: "000.00.00.G22", DocumentID: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"},
		Code:        StatusArrived, Description: "Đã đến", Time: at(2015, 9, 20, 11, 8, 36)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		input []byte
		want  string // "" = accepted
	}{
		{"Empty", nil, "empty package"},
		{"OnlySpace", []byte("   \n"), "no root element"},
		{"ByteOrderMark", append([]byte("\xef\xbb\xbf"), status...), ""},
		{"NoDeclaration", status[bytes.IndexByte(status, '\n')+1:], ""},
		{"LeadingJunk", append([]byte("HTTP/1.1 200 OK\r\n\r\n"), status...), `"HTTP/1.1 200 OK\r"`},
		{"NotXML", []byte("%PDF-1.7"), "before the XML declaration"},
		{"UnboundElementPrefix", bytes.Replace(status, []byte(` xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"`), nil, 1), `namespace prefix "edXML" of <edXML:edXMLEnvelope> is not declared`},
		{"EmptyPrefixBinding", bytes.Replace(status, []byte(`xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"`), []byte(`xmlns:edXML=""`), 1), `namespace prefix "edXML" bound to an empty name`},
		{"StatusCodeUnknown", bytes.Replace(status, []byte(">01<"), []byte(">07<"), 1), `MessageHeader/StatusCode: "07" is not one of`},
		{"StatusNoTimestamp", bytes.Replace(status, []byte("<edXML:Timestamp>2015/09/20 11:08:36</edXML:Timestamp>"), nil, 1), "MessageHeader/Timestamp: missing"},
		{"StatusBadTimestamp", bytes.Replace(status, []byte("2015/09/20 11:08:36"), []byte("2015/09/31 11:08:36"), 1), `MessageHeader/Timestamp: "2015/09/31 11:08:36" is not a valid date and time`},
		{"StatusBadResponseFor", bytes.Replace(status, []byte("<edXML:DocumentId>000.00.00.G22,"), []byte("<edXML:DocumentId>"), 1), "MessageHeader/ResponseFor/DocumentId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(bytes.NewReader(tt.input), Limits{})
			if tt.want == "" {
				if err != nil || m.Kind != KindStatus || m.Status.Code != StatusArrived {
					t.Fatalf("Parse = %+v, %v", m, err)
				}
				return
			}
			assertInvalid(t, err, tt.want)
		})
	}
}

// TestAttachmentLimitCountsManifestOnly: the SDK's <Signature> without
// xmlns is in the edXML namespace and has a <Reference> too; it is not an
// attachment.
func TestAttachmentLimitCountsManifestOnly(t *testing.T) {
	own := withSDKSignature(t, buildOwn(t, ownDocument(Business{Type: BusinessReplace, Reason: "Văn bản thay thế", Paper: "0",
		Replaces: []Replacement{{"000.00.12.H13,2026/02/10,98/STTTT-VP", []string{"000.00.00.H41"}}}})))
	for name, load := range map[string]func(t *testing.T) []byte{
		"own":     func(*testing.T) []byte { return own },
		"interop": func(t *testing.T) []byte { return readFixture(t, "edoc_replacement.edxml") },
	} {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(bytes.NewReader(load(t)), Limits{MaxAttachments: 1})
			if err != nil {
				t.Fatalf("1 attachment, limit 1: %v", err)
			}
			if len(m.Document.Attachments) != 1 {
				t.Errorf("%d attachments", len(m.Document.Attachments))
			}
		})
	}
}

// TestParseOtherEncodings: a package in another encoding than UTF-8 is
// refused with a message that says so, from Parse and from Open (what
// the receiver calls), in the message the peer is answered with
// (workflow.ErrorMessage): a declared encoding was answered "edxml:
// malformed XML" only, UTF-16 as junk before the declaration.
func TestParseOtherEncodings(t *testing.T) {
	b, err := Build(sampleDocument())
	if err != nil {
		t.Fatal(err)
	}
	latin1 := bytes.Replace(b, []byte(`encoding="UTF-8"`), []byte(`encoding="ISO-8859-1"`), 1)
	utf16 := []byte("\xff\xfe<\x00?\x00x\x00m\x00l\x00 \x00v\x00")
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"Latin1Declared", latin1, `encoding "ISO-8859-1" declared`},
		{"UTF16", utf16, "UTF-16"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, perr := Parse(bytes.NewReader(tt.data), Limits{})
			_, oerr := Open(tt.data, Limits{})
			for _, err := range []error{perr, oerr} {
				assertInvalid(t, err)
				if msg := workflow.ErrorMessage(err); !strings.Contains(msg, tt.want) || !strings.Contains(msg, "packages are UTF-8") {
					t.Errorf("message %q, want %q and %q", msg, tt.want, "packages are UTF-8")
				}
			}
		})
	}
}
