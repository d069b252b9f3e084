package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/testpdf"
)

const ns = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

func (e *corpusEnv) cases() []corpusCase {
	var cs []corpusCase
	for _, f := range []func() []corpusCase{e.spellingCases, e.moreSpellingCases, e.attachmentCases, e.moreAttachmentCases,
		e.signatureCases, e.statusCases, e.brokenCases, e.deliveryCases} {
		cs = append(cs, f()...)
	}
	return cs
}

// subjectEdit rewrites the Subject's text with f and what B should store.
func (e *corpusEnv) subjectCase(name, subject string, spell func(string) string, stored string) corpusCase {
	re := regexp.MustCompile(`(<[A-Za-z:]*Subject>)[^<]*(</)`)
	return corpusCase{name: name, want: accept(), make: func(t *testing.T) sent {
		d := e.next()
		d.Subject = subject
		s := buildSent(t, d)
		s.body = re.ReplaceAll(s.body, []byte("${1}"+strings.ReplaceAll(spell(subject), "$", "$$")+"${2}"))
		s.body = e.signer.sign(t, s.body, template("", excC14N, ""))
		s.subject = stored
		return s
	}}
}

func (e *corpusEnv) spellingCases() []corpusCase {
	allDefault := chain(replace("edXML:", ""), replace(` xmlns:edXML="`+ns+`"`, ""))
	return []corpusCase{
		{name: "spelling/as our sender writes it", make: e.signed(nil), want: accept()},
		{name: "spelling/prefix ns1", make: e.signed(chain(replace("edXML:", "ns1:"), replace("xmlns:edXML=", "xmlns:ns1="))), want: accept()},
		{name: "spelling/default namespace throughout", make: e.signed(allDefault), want: accept()},
		{name: "spelling/every element prefixed", make: e.signed(chain(allDefault, reReplace(`<(/?)([A-Za-z])`, "<${1}q:${2}"),
			replace(`xmlns="`+ns+`"`, `xmlns:q="`+ns+`"`))), want: accept()},
		{name: "spelling/one line", make: e.signed(reReplace(`>\s+<`, "><")), want: accept()},
		{name: "spelling/CRLF", make: e.signed(replace("\n", "\r\n")), want: accept()},
		{name: "spelling/tabs and blank lines", make: e.signed(chain(replace("  ", "\t"), replace(">\n", ">\n\n"))), want: accept()},
		{name: "spelling/byte order mark", make: e.signed(func(b []byte) []byte { return append([]byte("\xef\xbb\xbf"), b...) }), want: accept()},
		{name: "spelling/encoding utf-8", make: e.signed(replace(`encoding="UTF-8"`, `encoding="utf-8"`)), want: accept()},
		{name: "spelling/no XML declaration", make: e.signed(reReplace(`^<\?xml[^>]*\?>\n`, "")), want: accept()},
		{name: "spelling/declaration single quotes standalone", make: e.signed(reReplace(`^<\?xml[^>]*\?>`, `<?xml version='1.0' encoding='UTF-8' standalone='yes'?>`)), want: accept()},
		{name: "spelling/processing instructions", make: e.signed(reReplace(`^(<\?xml[^>]*\?>)`, "${1}\n<?xml-stylesheet type=\"text/xsl\" href=\"edxml.xsl\"?>")), want: accept()},
		{name: "spelling/comments between and inside elements", make: e.signed(chain(reReplace(`(<[A-Za-z:]*Subject>)([^<]{5})`, "${1}${2}<!-- x -->"),
			reReplace(`\n(\s*<edXML:To>)`, "\n<!-- người nhận -->\n${1}"), reReplace(`^(<\?xml[^>]*\?>)`, "${1}\n<!-- made by X -->"))), want: accept()},
		e.subjectCase("spelling/CDATA subject", "Về việc A & B <năm 2026>", func(s string) string { return "<![CDATA[" + s + "]]>" }, "Về việc A & B <năm 2026>"),
		e.subjectCase("spelling/character references", "Về việc tổ chức hội nghị", charRefs, "Về việc tổ chức hội nghị"),
		e.subjectCase("spelling/NFD Vietnamese", "Về việc tổ chức hội nghị", norm.NFD.String, "Về việc tổ chức hội nghị"),
		e.subjectCase("spelling/CDATA in pieces", "Về việc A & B", func(s string) string { return "<![CDATA[Về việc]]> A &amp; <![CDATA[B]]>" }, "Về việc A & B"),
	}
}

// charRefs writes every non-ASCII character of s as a character
// reference, decimal and hexadecimal in turn.
func charRefs(s string) string {
	var b strings.Builder
	for i, r := range []rune(s) {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case i%2 == 0:
			fmt.Fprintf(&b, "&#%d;", r)
		default:
			fmt.Fprintf(&b, "&#x%X;", r)
		}
	}
	return b.String()
}

func (e *corpusEnv) moreSpellingCases() []corpusCase {
	toFirst := func(b []byte) []byte {
		re := regexp.MustCompile(`(?s)(\s*<edXML:From>.*?</edXML:From>)(\s*<edXML:To>.*?</edXML:To>)`)
		return re.ReplaceAll(b, []byte("${2}${1}"))
	}
	encodedFirst := reReplace(`(?s)(<ContentId>[^<]*</ContentId>)(.*?)(<edXML:ContentTransferEncoded[^>]*>[^<]*</edXML:ContentTransferEncoded>)`, "${3}${2}${1}")
	stripOptional := chain(reReplace(`(?s)\s*<edXML:TraceHeaderList>.*</edXML:TraceHeaderList>`, ""),
		reReplace(`(?s)\s*<edXML:OtherInfo>.*</edXML:OtherInfo>`, ""), reReplace(`(?s)\s*<edXML:SignerInfo>.*</edXML:SignerInfo>`, ""),
		reReplace(`\s*<edXML:(Content|Place|TypeDetail|TypeName|OrganName)>[^<]*</edXML:[A-Za-z]+>`, ""),
		reReplace(`\s*<(Description|ContentType)>[^<]*</[A-Za-z]+>`, ""), reReplace(`(?s)\s*<edXML:Description>[^<]*</edXML:Description>`, ""))
	empty := chain(reReplace(`<edXML:Content>[^<]*</edXML:Content>`, "<edXML:Content></edXML:Content>"),
		replace("</edXML:Subject>", "</edXML:Subject><edXML:DueDate/><edXML:SteeringType/>"),
		reReplace(`<edXML:TypeName>[^<]*</edXML:TypeName>`, "<edXML:TypeName/>"),
		replace("<edXML:Priority>0</edXML:Priority>", "<edXML:Priority/>"),
		replace("</edXML:MessageHeader>", "<edXML:ResponseFor><edXML:OrganId/><edXML:Code/><edXML:PromulgationDate/><edXML:DocumentId/></edXML:ResponseFor><edXML:ToPlaces/></edXML:MessageHeader>"))
	unknown := chain(replace("</edXML:MessageHeader>", `<edXML:ExtraInfo><edXML:Foo a="1">bar</edXML:Foo></edXML:ExtraInfo><v:Vendor xmlns:v="urn:vendor:x"><v:Ref>123</v:Ref></v:Vendor></edXML:MessageHeader>`),
		replace("<Attachment>", `<Attachment xmlns:v="urn:vendor:x" v:id="9"><Size>999999</Size>`),
		replace("<edXML:edXMLEnvelope ", `<edXML:edXMLEnvelope version="2.0" `))
	return []corpusCase{
		{name: "order/To before From", make: e.signed(toFirst), want: accept()},
		{name: "order/encoded text first in Attachment", make: e.signed(encodedFirst), want: accept()},
		{name: "optional/absent", make: e.signed(stripOptional), want: accept()},
		{name: "optional/empty", make: e.signed(empty), want: accept()},
		{name: "unknown/extra elements and attributes", make: e.signed(unknown), want: accept()},
		{name: "dates/PromulgationDate dd/MM/yyyy", make: e.signed(reReplace(`<edXML:PromulgationDate>([0-9]{4})/([0-9]{2})/([0-9]{2})<`, "<edXML:PromulgationDate>$3/$2/$1<")), want: accept()},
		{name: "dates/PromulgationDate yyyy-MM-dd", make: e.signed(reReplace(`<edXML:PromulgationDate>([0-9]{4})/([0-9]{2})/([0-9]{2})<`, "<edXML:PromulgationDate>$1-$2-$3<")), want: accept()},
		{name: "dates/trace Timestamp ISO with zone", make: e.signed(reReplace(`<edXML:Timestamp>([0-9]{4})/([0-9]{2})/([0-9]{2}) ([0-9:]{8})<`, "<edXML:Timestamp>$1-$2-${3}T$4+07:00<")), want: accept()},
		{name: "dates/trace Timestamp dd/MM/yyyy HH:mm:ss", make: e.signed(reReplace(`<edXML:Timestamp>([0-9]{4})/([0-9]{2})/([0-9]{2}) ([0-9:]{8})<`, "<edXML:Timestamp>$3/$2/$1 $4<")), want: accept()},
		{name: "envelope/repeated delivery", make: func(t *testing.T) sent {
			s := e.signed(nil)(t)
			s.again = true
			return s
		}, want: accept()},
		{name: "envelope/posted 4 times at once", make: func(t *testing.T) sent {
			s := e.signed(nil)(t)
			s.racing = 3
			return s
		}, want: accept()},
		{name: "envelope/Priority 5", make: e.signed(reReplace(`<edXML:Priority>[^<]*<`, "<edXML:Priority>5<")), want: refused(400, "Priority")},
		{name: "envelope/Priority in words", make: e.signed(reReplace(`<edXML:Priority>[^<]*<`, "<edXML:Priority>Khẩn<")), want: refused(400, "Priority")},
		{name: "envelope/BussinessDocType 4", make: e.signed(reReplace(`<edXML:BussinessDocType>[^<]*<`, "<edXML:BussinessDocType>4<")), want: refused(400, "BussinessDocType")},
		{name: "envelope/not addressed to B", make: e.signed(replace("<edXML:OrganId>"+e.B.orgID+"<", "<edXML:OrganId>000.00.99.H13<")), want: refused(400, "not addressed")},
		{name: "envelope/From another agency", make: e.signed(replace("<edXML:OrganId>"+e.A.orgID+"</edXML:OrganId>\n          <edXML:OrganName>", "<edXML:OrganId>000.00.98.H13</edXML:OrganId>\n          <edXML:OrganName>")), want: refused(403, "connection")},
		{name: "envelope/a status to the document endpoint", make: e.statusBody("03", nil), want: refused(400, exchange.PathStatus)},
	}
}

func (e *corpusEnv) attachmentCases() []corpusCase {
	pdf := func(name string) edxml.Attachment {
		return edxml.Attachment{Name: name, ContentType: "application/pdf", Data: testpdf.Make(1, name)}
	}
	other := func(name, ct, head string, n int) edxml.Attachment {
		return edxml.Attachment{Name: name, ContentType: ct, Data: randomBytes(n, head)}
	}
	return []corpusCase{
		{name: "base64/76 columns LF", make: e.signed(base64Lines(76, "\n", "\n")), want: accept()},
		{name: "base64/76 columns CRLF", make: e.signed(chain(base64Lines(76, "\r\n", "\r\n"))), want: accept()},
		{name: "base64/64 columns indented", make: e.signed(base64Lines(64, "\n        ", "\n        ")), want: accept()},
		{name: "base64/spaces every 4", make: e.signed(base64Lines(4, " ", "")), want: accept()},
		{name: "base64/tabs", make: e.signed(base64Lines(60, "\t", "\t")), want: accept()},
		{name: "base64/no padding", make: e.signed(reReplace(`=+(</edXML:ContentTransferEncoded>)`, "$1"),
			edxml.Attachment{Name: "a.pdf", ContentType: "application/pdf", Data: padded(testpdf.Make(1, "unpadded"))}), want: accept()},
		{name: "attachments/PDF and docx xlsx zip png", make: e.signed(nil, pdf("Quyết định.pdf"),
			other("Phụ lục 1.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04", 3000),
			other("Bảng số liệu.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04", 2500),
			other("Hồ sơ.zip", "application/zip", "PK\x03\x04", 2000), other("Sơ đồ.png", "image/png", "\x89PNG\r\n\x1a\n", 1500)), want: accept()},
		{name: "attachments/doc first PDF second", make: e.signed(nil, other("Công văn.doc", "application/msword", "\xd0\xcf\x11\xe0", 2000),
			pdf("Công văn.pdf")), want: accept()},
		{name: "attachments/only a .doc", make: e.signed(nil, other("1896_QD-TTg.doc", "application/msword", "\xd0\xcf\x11\xe0", 5000)), want: rejected("PDF")},
		{name: "attachments/only a .zip", make: e.signed(nil, other("ho-so.zip", "application/zip", "PK\x03\x04", 5000)), want: rejected("PDF")},
		{name: "attachments/PDF type on docx bytes", make: e.signed(nil, other("vb.pdf", "application/pdf", "PK\x03\x04", 3000)), want: rejected("PDF")},
		{name: "attachments/PDF as octet-stream", make: e.signed(nil, edxml.Attachment{Name: "vb.PDF", ContentType: "application/octet-stream",
			Data: testpdf.Make(1, "octet")}), want: accept()},
	}
}

func (e *corpusEnv) moreAttachmentCases() []corpusCase {
	named := func(name string) func(t *testing.T) sent {
		return func(t *testing.T) sent {
			s := buildSent(t, e.next(edxml.Attachment{Name: "x.pdf", ContentType: "application/pdf", Data: testpdf.Make(1, "name")}))
			s.body = bytes.ReplaceAll(s.body, []byte("x.pdf<"), []byte(name+"<"))
			s.body = e.signer.sign(t, s.body, template("", excC14N, ""))
			s.files[0].name = safeName(name)
			return s
		}
	}
	emptySecond := func(t *testing.T) sent {
		s := buildSent(t, e.next(edxml.Attachment{Name: "vb.pdf", ContentType: "application/pdf", Description: "main", Data: testpdf.Make(1, "e")},
			edxml.Attachment{Name: "rong.txt", ContentType: "text/plain"}))
		s.body = e.signer.sign(t, s.body, template("", excC14N, ""))
		return s
	}
	return []corpusCase{
		{name: "names/Vietnamese NFD", make: named(norm.NFD.String("Quyết định số 15.pdf")), want: accept()},
		{name: "names/dot-dot path", make: named("../../../etc/cron.d/vb.pdf"), want: accept()},
		{name: "names/Windows path", make: named(`C:\Users\VanThu\Desktop\vb.pdf`), want: accept()},
		{name: "names/directory", make: named("thu-muc/con/vb.pdf"), want: accept()},
		{name: "names/control characters", make: named("vb&#9;\u202Efdp.exe"), want: accept()},
		{name: "names/only ..", make: named(".."), want: accept()},
		{name: "attachments/manifest description differs", make: e.signed(reReplace(`(<edXML:Description>)[^<]*(</edXML:Description>)`, "${1}Tệp khác hẳn, 9 MB${2}")), want: accept()},
		{name: "attachments/empty second attachment", make: emptySecond, want: accept()},
		{name: "attachments/empty only attachment", make: e.signed(nil, edxml.Attachment{Name: "rong.pdf", ContentType: "application/pdf"}), want: rejected("")},
		{name: "attachments/not base64", make: e.signed(reReplace(`(<edXML:ContentTransferEncoded[^>]*>)`, "${1}@@")), want: refused(400, "base64")},
		{name: "attachments/Reference without Attachment", make: e.signed(reReplace(`(?s)<AttachmentEncoded>.*</AttachmentEncoded>`, "<AttachmentEncoded/>")), want: refused(400, "ContentId")},
		{name: "size/near the limit (47 MiB)", make: e.signed(nil, edxml.Attachment{Name: "lon.pdf", ContentType: "application/pdf",
			Data: padPDF(47 << 20)}), want: accept()},
		{name: "size/over the limit (49 MiB)", make: e.signed(reReplace(`(<edXML:ContentTransferEncoded[^>]*>)[^<]*`,
			"${1}"+base64.StdEncoding.EncodeToString(padPDF(49<<20)))), want: refused(413, "larger")},
	}
}

// safeName is the name B should store for a name as sent: the last
// element of a path, without control characters; "" (a name of dots
// only) becomes a name of its own.
func safeName(s string) string {
	s = strings.ReplaceAll(s, "&#9;", "\t")
	s = norm.NFC.String(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return -1
		}
		return r
	}, s)
	if strings.Trim(s, ". ") == "" {
		return "attachment-1"
	}
	return s
}

// padded is pdf with line ends after it so that its base64 ends in "=".
func padded(pdf []byte) []byte {
	for len(pdf)%3 == 0 {
		pdf = append(pdf, '\n')
	}
	return pdf
}

// padPDF is a valid one-page PDF of about n bytes.
func padPDF(n int) []byte {
	var b bytes.Buffer
	testpdf.WriteLarge(&b, int64(n), "large")
	_ = http.StatusOK
	return b.Bytes()
}
