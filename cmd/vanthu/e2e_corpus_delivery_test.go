package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// storedFile is a file of a document as the API lists it.
type storedFile struct {
	Name, SHA256, Kind string
	Size               int64
}

// mainFile says what is wrong when the file kept as the document is not
// the one named want ("" checks nothing).
func mainFile(files []storedFile, want string) string {
	if want == "" {
		return ""
	}
	for _, f := range files {
		if f.Kind == "main" {
			if f.Name != want {
				return fmt.Sprintf("the document's file is %q, want %q", f.Name, want)
			}
			return ""
		}
	}
	return "no file kept as the document"
}

// deliveryCases: several PDFs, several recipients, names as senders'
// systems write them, and redeliveries — the same package sent again
// spelled otherwise (recognised: the first answer, nothing stored) and
// other packages that share a DocumentId or files with it (never merged
// with it).
func (e *corpusEnv) deliveryCases() []corpusCase {
	pdf := func(name, desc string) edxml.Attachment {
		return edxml.Attachment{Name: name, ContentType: "application/pdf", Description: desc, Data: testpdf.Make(1, name)}
	}
	many := func(atts ...edxml.Attachment) func(t *testing.T) sent {
		return func(t *testing.T) sent {
			s := e.signed(nil, atts...)(t)
			for _, a := range atts {
				if a.Description == "main" {
					s.main = a.Name
				}
			}
			for _, a := range atts {
				if s.main == "" && bytes.HasPrefix(a.Data, []byte("%PDF-")) {
					s.main = a.Name // the first PDF
				}
			}
			return s
		}
	}
	return []corpusCase{
		{name: "attachments/two PDFs, none described main", make: many(pdf("Quyết định.pdf", ""), pdf("Phụ lục.pdf", "")), want: accept()},
		{name: "attachments/three PDFs, the last described main", make: many(pdf("Phụ lục 1.pdf", "Phụ lục"), pdf("Phụ lục 2.pdf", "Phụ lục"),
			pdf("Quyết định.pdf", "main")), want: accept()},
		{name: "attachments/a docx, then a PDF typed application/x-pdf named without extension", make: many(
			edxml.Attachment{Name: "Dự thảo.docx", ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
				Data: randomBytes(2000, "PK\x03\x04")},
			edxml.Attachment{Name: "QD-15", ContentType: "application/x-pdf", Data: testpdf.Make(1, "QD-15")}), want: accept()},
		{name: "dates/PromulgationDate xs:date with its zone", make: e.signed(reReplace(`<edXML:PromulgationDate>([0-9]{4})/([0-9]{2})/([0-9]{2})<`,
			"<edXML:PromulgationDate>$1-$2-$3+07:00<")), want: accept()},
		{name: "dates/trace Timestamp xs:date with UTC zone", make: e.signed(reReplace(`<edXML:Timestamp>([0-9]{4})/([0-9]{2})/([0-9]{2}) [0-9:]{8}<`,
			"<edXML:Timestamp>$1-$2-${3}Z<")), want: accept()},
		{name: "to/B second of three recipients", make: e.addressed(func(d *edxml.Document) {
			d.To = []edxml.Organization{{ID: "000.00.01.H13", Name: "Sở Nội vụ"}, d.To[0], {ID: "000.00.02.H13", Name: "Sở Tài chính"}}
		}), want: accept()},
		{name: "to/B twice among the recipients", make: e.signed(reReplace(`(?s)(<edXML:To>.*?</edXML:To>)`, "${1}${1}")), want: accept()},
		{name: "names/spaces inside and around", make: e.renamed("  Quyết định   số 15 .pdf ", "Quyết định   số 15 .pdf"), want: accept()},
		{name: "names/percent-escaped UTF-8", make: e.renamed(url.PathEscape("Quyết định số 15.pdf"), "Quyết định số 15.pdf"), want: accept()},
		{name: "names/percent-escaped NFD", make: e.renamed(url.PathEscape(norm.NFD.String("Quyết định số 16.pdf")), "Quyết định số 16.pdf"), want: accept()},
		{name: "names/a literal percent sign", make: e.renamed("Tăng 50%.pdf", "Tăng 50%.pdf"), want: accept()},
		{name: "names/an escaped slash", make: e.renamed("thu-muc%2Fvb.pdf", "vb.pdf"), want: accept()},
		{name: "redelivery/respelled: CRLF, one line, base64 rewrapped, re-signed", make: e.resent(respell), want: accept()},
		{name: "redelivery/white space inside the subject and number", make: e.resent(chain(
			reReplace(`(<edXML:Subject>)([^<]*?) ([^<]*)(</)`, "${1}\n   ${2}  \n ${3}  ${4}"),
			reReplace(`(<edXML:CodeNumber>)([^<]*)(</)`, "${1} ${2} ${3}"))), want: accept()},
		{name: "redelivery/every text on lines of its own", make: e.resent(reReplace(`>([^<\s][^<]*)<`, ">\n        ${1}\n      <")), want: accept()},
		{name: "redelivery/NFD subject", make: e.resent(func(b []byte) []byte { return []byte(norm.NFD.String(string(b))) }), want: accept()},
		{name: "signature/KeyInfo with A's chain, CA first", make: e.keyInfo(true), want: accept()},
		{name: "signature/KeyInfo with A's chain, leaf first", make: e.keyInfo(false), want: accept()},
		{name: "merge/same files, another DocumentId and number", make: e.another(chain(reReplace(`(<edXML:CodeNumber>)([^<]*)(</)`, "${1}9${2}${3}"),
			reReplace(`(<edXML:DocumentId>[^<]*,)([0-9]+/)`, "${1}9${2}")), accept(), 1), want: accept()},
		{name: "merge/same DocumentId and files, another number", make: e.another(reReplace(`(<edXML:CodeNumber>)([^<]*)(</)`, "${1}9${2}${3}"),
			refused(409, "number"), 0), want: accept()},
		{name: "merge/same DocumentId and files, another subject", make: e.another(reReplace(`(<edXML:Subject>)[^<]*(</)`,
			"${1}Về việc khác hẳn${2}"), refused(409, "subject"), 0), want: accept()},
		{name: "merge/same DocumentId and files, another date", make: e.another(reReplace(`(<edXML:PromulgationDate>)([0-9]{4})/`,
			"${1}2019/"), refused(409, "date"), 0), want: accept()},
		{name: "merge/same DocumentId and files, another recipient list", make: e.another(replace("</edXML:To>",
			"</edXML:To><edXML:To><edXML:OrganId>000.00.01.H13</edXML:OrganId></edXML:To>"), accept(), 0), want: accept()},
	}
}

// addressed is a signed document from A, edited before it is built.
func (e *corpusEnv) addressed(edit func(*edxml.Document)) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		d := e.next()
		edit(&d)
		s := buildSent(t, d)
		s.body = e.signer.sign(t, s.body, template("", excC14N, ""))
		return s
	}
}

// renamed is a signed document whose one PDF is named as sent, and kept
// as stored.
func (e *corpusEnv) renamed(as, stored string) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := buildSent(t, e.next(edxml.Attachment{Name: "x.pdf", ContentType: "application/pdf", Data: testpdf.Make(1, "name")}))
		s.body = []byte(strings.ReplaceAll(string(s.body), ">x.pdf<", ">"+as+"<"))
		s.body = e.signer.sign(t, s.body, template("", excC14N, ""))
		s.files[0].name = stored
		s.main = stored
		return s
	}
}

// respell writes a package as another sender's system would: CRLF line
// ends, every element on one line, base64 at 76 columns.
func respell(b []byte) []byte {
	return chain(reReplace(`>\s+<`, "><"), base64Lines(76, "\r\n", "\r\n"), replace("\n", "\r\n"))(b)
}

// resent is a signed document followed by the same one edited and
// signed again: the same delivery, answered as the first and not stored
// twice.
func (e *corpusEnv) resent(edit func([]byte) []byte) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := buildSent(t, e.next())
		unsigned := s.body
		s.body = e.signer.sign(t, unsigned, template("", excC14N, ""))
		again := e.signer.sign(t, edit(unsigned), template("", incC14N, ""))
		s.then = []followUp{{name: "the same package spelled otherwise", body: again, want: accept()}}
		return s
	}
}

// another is a signed document followed by another package made from
// it by edit: answered w, storing added documents, never merged.
func (e *corpusEnv) another(edit func([]byte) []byte, w want, added int) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := buildSent(t, e.next())
		unsigned := s.body
		s.body = e.signer.sign(t, unsigned, template("", excC14N, ""))
		other := edit(unsigned)
		if string(other) == string(unsigned) {
			t.Fatal("the edit changed nothing")
		}
		s.then = []followUp{{name: "the other package", body: e.signer.sign(t, other, template("", excC14N, "")), want: w, added: added}}
		return s
	}
}

// keyInfo is a signed document whose KeyInfo (not covered by the
// signature) carries A's whole chain, its CA first or last; a chain of
// the leaf alone gets another certificate beside it.
func (e *corpusEnv) keyInfo(caFirst bool) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := e.signed(nil)(t)
		chain := e.chain
		if len(chain) == 1 {
			chain = append(chain, otherKey(t).Chain[0])
		}
		certs := make([]string, len(chain))
		for i, c := range chain {
			certs[i] = "<X509Certificate>" + base64.StdEncoding.EncodeToString(c.Raw) + "</X509Certificate>"
		}
		if caFirst {
			slices.Reverse(certs)
		}
		re := regexp.MustCompile(`(?s)<X509Data>.*?</X509Data>`)
		if !re.Match(s.body) {
			t.Fatal("no X509Data in the signature")
		}
		s.body = re.ReplaceAll(s.body, []byte("<X509Data>"+strings.Join(certs, "\n")+"</X509Data>"))
		return s
	}
}
