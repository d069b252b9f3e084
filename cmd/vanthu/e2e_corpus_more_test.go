package main

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"mime/multipart"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/exchange/edxml"
	"github.com/vanthu/vanthu/signing/keys"
)

func (e *corpusEnv) signedWith(tmpl string, edit func([]byte) []byte) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := buildSent(t, e.next())
		if edit != nil {
			s.body = edit(s.body)
		}
		s.body = e.signer.sign(t, s.body, tmpl)
		return s
	}
}

func (e *corpusEnv) signatureCases() []corpusCase {
	comments := reReplace(`\n(\s*<edXML:To>)`, "\n<!-- người nhận -->\n${1}")
	return []corpusCase{
		{name: "signature/inclusive c14n", make: e.signedWith(template("", incC14N, ""), nil), want: accept()},
		{name: "signature/inclusive c14n with comments", make: e.signedWith(template("", incC14NCom, ""), comments), want: accept()},
		{name: "signature/c14n 1.1", make: e.signedWith(template("", c14n11, ""), nil), want: accept()},
		{name: "signature/ds: prefix", make: e.signedWith(template("ds", excC14N, ""), nil), want: accept()},
		{name: "signature/SHA-512 digest", make: e.signedWith(template("", excC14N, "http://www.w3.org/2001/04/xmlenc#sha512"), nil), want: accept()},
		{name: "signature/at the end of the root (QCVN: in edXMLHeader)", make: func(t *testing.T) sent {
			s := buildSent(t, e.next())
			s.body = e.signer.signAt(t, s.body, template("", excC14N, ""), regexp.MustCompile(`</edXML>\s*$`))
			return s
		}, want: rejected("edXMLHeader")},
		{name: "signature/SHA-1 digest", make: e.signedWith(template("", excC14N, "http://www.w3.org/2000/09/xmldsig#sha1"), nil), want: rejected("SHA-256")},
		{name: "signature/missing", make: func(t *testing.T) sent { return buildSent(t, e.next()) }, want: rejected("envelope")},
		{name: "signature/changed after signing", make: func(t *testing.T) sent {
			s := e.signed(nil)(t)
			s.body = bytes.Replace(s.body, []byte("thử nghiệm"), []byte("thử nghịch"), 1)
			s.subject = strings.Replace(s.subject, "thử nghiệm", "thử nghịch", 1)
			return s
		}, want: rejected("changed")},
		{name: "signature/another key", make: func(t *testing.T) sent {
			s := buildSent(t, e.next())
			s.body = newVendorSigner(t, otherKey(t)).sign(t, s.body, template("", excC14N, ""))
			return s
		}, want: rejected("registered")},
		{name: "signature/the SDK's sample signature", make: func(t *testing.T) sent {
			s := buildSent(t, e.next())
			s.body = headerEnd.ReplaceAllLiteral(s.body, []byte(sdkSampleSignature+"</edXML:edXMLHeader>"))
			return s
		}, want: rejected("envelope")},
	}
}

const sdkSampleSignature = `<Signature><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315" />` +
	`<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1" /><Reference URI=""><Transforms>` +
	`<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature" /></Transforms>` +
	`<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1" /><DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</DigestValue>` +
	`</Reference></SignedInfo><SignatureValue>AAAA</SignatureValue></Signature>`

func otherKey(t *testing.T) keys.Key {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "not the agency"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return keys.Key{Signer: k, Chain: []*x509.Certificate{c}}
}

// sdkStatus is the SDK's status message of code (the interop corpus)
// made A's answer about the document B sent it: From A, ResponseFor
// that document. Without the corpus, BuildStatus's.
func (e *corpusEnv) sdkStatus(t *testing.T, code string) []byte {
	files := map[string]string{"01": "status_inbox_01", "02": "status_rejection_02", "03": "status_acceptance_03", "04": "status_assignment_04",
		"05": "status_processing_05", "06": "status_finish_06", "13": "status_cancellation_13", "15": "status_change-acceptance_15",
		"16": "status_change-rejection_16"}
	dir := os.Getenv("VANTHU_INTEROP_FIXTURES")
	b, err := os.ReadFile(filepath.Join(dir, "edxml", files[code]+".edxml"))
	if dir == "" || err != nil || files[code] == "" {
		b, err = edxml.BuildStatus(edxml.Status{From: edxml.Organization{ID: "X.1"}, Code: edxml.StatusCode(first(files[code], code)),
			ResponseFor: edxml.DocRef{OrganID: "X.2", DocumentID: "X.2,2026/01/01,1/A", Code: "1/A"}})
		if err != nil {
			b = []byte(strings.Replace(string(mustBytes(edxml.BuildStatus(edxml.Status{From: edxml.Organization{ID: "X.1"}, Code: "01",
				ResponseFor: edxml.DocRef{OrganID: "X.2", DocumentID: "X.2,2026/01/01,1/A"}}))), ">01<", ">"+code+"<", 1))
		}
	}
	ids := regexp.MustCompile(`<edXML:OrganId>[^<]*</edXML:OrganId>`).FindAllIndex(b, 2)
	out := string(b[:ids[0][0]]) + "<edXML:OrganId>" + e.A.orgID + "</edXML:OrganId>" + string(b[ids[0][1]:ids[1][0]]) +
		"<edXML:OrganId>" + e.B.orgID + "</edXML:OrganId>" + string(b[ids[1][1]:])
	out = regexp.MustCompile(`(<edXML:DocumentId>)[^<]*(<)`).ReplaceAllString(out, "${1}"+e.sentID+"${2}")
	out = regexp.MustCompile(`(<edXML:StatusCode>)[^<]*(<)`).ReplaceAllString(out, "${1}"+code+"${2}")
	return []byte(out)
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func mustBytes(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// statusBody is A's signed status code about B's document, edited.
func (e *corpusEnv) statusBody(code string, edit func([]byte) []byte) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		b := e.sdkStatus(t, code)
		if edit != nil {
			b = edit(b)
		}
		return sent{body: e.signer.sign(t, b, template("", excC14N, ""))}
	}
}

func stamp(s string) func([]byte) []byte {
	return reReplace(`(<edXML:Timestamp>)[^<]*(<)`, "${1}"+s+"${2}")
}

func (e *corpusEnv) statusCases() []corpusCase {
	var cs []corpusCase
	st := func(name, code string, edit func([]byte) []byte, w want) corpusCase {
		return corpusCase{name: "status/" + name, path: exchange.PathStatus, make: e.statusBody(code, edit), want: w}
	}
	ok := func(code string) want { return want{status: 200, ack: code} }
	for _, code := range []string{"01", "03", "04", "05", "06", "02", "13", "15", "16"} {
		cs = append(cs, st("SDK "+code, code, nil, ok(code)))
	}
	twice := e.statusBody("05", stamp("2026/12/01 10:00:00"))
	cs = append(cs,
		corpusCase{name: "status/the same twice", path: exchange.PathStatus, make: func(t *testing.T) sent {
			s := twice(t)
			s.again = true
			return s
		}, want: ok("05")},
		st("unknown code 07", "07", nil, refused(400, "StatusCode")),
		st("unknown code 99", "99", nil, refused(400, "StatusCode")),
		st("code 3 (no leading zero)", "3", nil, ok("03")),
		st("for a document never sent", "03", reReplace(`(<edXML:DocumentId>)[^<]*(<)`, "${1}"+e.B.orgID+",2026/01/05,999/UBND-VP${2}"), refused(404, "999/UBND-VP")),
		st("Timestamp ISO with zone", "04", stamp("2026-12-01T10:00:00+07:00"), ok("04")),
		st("Timestamp ISO UTC", "04", stamp("2026-12-01T03:00:01Z"), ok("04")),
		st("Timestamp ISO no zone", "04", stamp("2026-12-01T10:00:02"), ok("04")),
		st("Timestamp ISO with milliseconds", "04", stamp("2026-12-01T10:00:03.123+07:00"), ok("04")),
		st("Timestamp dd/MM/yyyy HH:mm:ss", "04", stamp("01/12/2026 10:00:04"), ok("04")),
		st("Timestamp yyyy-MM-dd HH:mm:ss", "04", stamp("2026-12-01 10:00:05"), ok("04")),
		st("Timestamp dd/MM/yyyy", "04", stamp("02/12/2026"), ok("04")),
		st("Timestamp nonsense", "04", stamp("hôm qua"), refused(400, "Timestamp")),
		st("Timestamp missing", "04", reReplace(`\s*<edXML:Timestamp>[^<]*</edXML:Timestamp>`, ""), refused(400, "Timestamp")),
		corpusCase{name: "status/unsigned", path: exchange.PathStatus, make: func(t *testing.T) sent { return sent{body: e.sdkStatus(t, "03")} },
			want: refused(400, "refused")},
		corpusCase{name: "status/a document to the status endpoint", path: exchange.PathStatus, make: e.signed(nil), want: refused(400, exchange.PathEdXML)},
	)
	return cs
}

func (e *corpusEnv) brokenCases() []corpusCase {
	raw := func(b []byte) func(t *testing.T) sent { return func(t *testing.T) sent { return sent{body: b} } }
	half := func(t *testing.T) sent { s := e.signed(nil)(t); return sent{body: s.body[:len(s.body)/2]} }
	cut := func(t *testing.T) sent { s := e.signed(nil)(t); return sent{body: s.body[:len(s.body)-30]} }
	bomb := `<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">` +
		`<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><edXML xmlns="` + ns + `">&d;</edXML>`
	deep := `<edXML xmlns="` + ns + `">` + strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000) + "</edXML>"
	huge := func(t *testing.T) sent {
		s := buildSent(t, e.next())
		s.body = reReplace(`(<edXML:Subject>)[^<]*`, "${1}"+strings.Repeat("Về việc ", 2<<20))(s.body)
		return sent{body: e.signer.sign(t, s.body, template("", excC14N, ""))}
	}
	hugeUnknown := e.signed(replace("</edXML:MessageHeader>", "<edXML:Extra>"+strings.Repeat("x", 20<<20)+"</edXML:Extra></edXML:MessageHeader>"))
	return []corpusCase{
		{name: "broken/truncated at half", make: half, want: refused(400, "malformed")},
		{name: "broken/truncated before the end tag", make: cut, want: refused(400, "malformed")},
		{name: "broken/entity expansion bomb", make: raw([]byte(bomb)), want: refused(400, "DTD")},
		{name: "broken/deep nesting", make: raw([]byte(deep)), want: refused(400, "deeper")},
		{name: "broken/20 MB subject", make: huge, want: refused(400, "Subject")},
		{name: "broken/20 MB unknown element", make: hugeUnknown, want: accept()},
		{name: "broken/empty body", make: raw(nil), want: refused(400, "empty")},
		{name: "broken/JSON body", ctype: "application/json", make: raw([]byte(`{"document":"x"}`)), want: refused(415, "application/json")},
		{name: "broken/UTF-16", make: raw(append([]byte("\xff\xfe<\x00?\x00"), make([]byte, 40)...)), want: refused(400, "UTF-16")},
		{name: "broken/ISO-8859-1 declared", make: raw([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><edXML xmlns="` + ns + `"/>`)), want: refused(400, "UTF-8")},
		{name: "broken/windows-1258 declared", make: raw([]byte(`<?xml version="1.0" encoding="windows-1258"?><edXML xmlns="` + ns + `"/>`)), want: refused(400, "UTF-8")},
		{name: "broken/invalid UTF-8 bytes", make: func(t *testing.T) sent {
			return sent{body: replace("thử nghiệm", "th\xfd nghi\xe9m")(buildSent(t, e.next()).body)}
		}, want: refused(400, "UTF-8")},
		{name: "content type/text/xml", ctype: "text/xml; charset=utf-8", make: e.signed(nil), want: accept()},
		{name: "content type/octet-stream", ctype: "application/octet-stream", make: e.signed(nil), want: accept()},
		{name: "content type/none", ctype: "-", make: e.signed(nil), want: accept()},
		{name: "content type/multipart form", ctype: "multipart", make: e.multipart(), want: refused(415, "multipart")},
		{name: "content type/gzip encoded", ctype: "gzip", make: e.gzipped(), want: refused(415, "gzip")},
		{name: "sdk/edoc.edxml as it is (unbound prefix)", make: sdkRaw("edoc.edxml"), want: refused(400, "not declared")},
		{name: "sdk/edoc_new.edxml as it is (junk first)", make: sdkRaw("edoc_new.edxml"), want: refused(400, "before the XML declaration")},
		{name: "sdk/edoc_new.edxml without its junk", make: e.sdkDocument("edoc_new.edxml"), want: refused(403, "DocumentId")},
		{name: "sdk/edoc_update.edxml", make: e.sdkAgain("edoc_update.edxml", nil), want: rejected("PDF")},
		{name: "sdk/edoc_replacement.edxml (under the update's DocumentId)", make: e.sdkAgain("edoc_replacement.edxml", nil), want: rejected("PDF")},
		{name: "sdk/edoc_new.edxml from its DocumentId's agency, then its update", make: e.sdkNewThenUpdate(), want: rejected("PDF")},
		{name: "sdk/edoc_revocation.edxml", make: e.sdkDocument("edoc_revocation.edxml"), want: refused(409, "cannot request_revoke a document in state rejected")},
		{name: "sdk/gateway-2019 (UUID DocumentId)", make: e.sdkDocument("gateway-2019-852e179c.edxml"), want: rejected("not a PDF")},
		{name: "sdk/gateway-2025-9e272474 (UUID DocumentId)", make: e.sdkDocument("gateway-2025-9e272474.edxml"), want: accept()},
	}
}

// multipart is a signed package posted as a file of a form.
func (e *corpusEnv) multipart() func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := e.signed(nil)(t)
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.SetBoundary("vanthu-corpus-boundary")
		fw, _ := w.CreateFormFile("file", "package.edxml")
		fw.Write(s.body)
		w.Close()
		return sent{body: buf.Bytes()}
	}
}

func (e *corpusEnv) gzipped() func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := e.signed(nil)(t)
		var buf bytes.Buffer
		z := gzip.NewWriter(&buf)
		z.Write(s.body)
		z.Close()
		return sent{body: buf.Bytes()}
	}
}

func sdkRaw(name string) func(t *testing.T) sent {
	return func(t *testing.T) sent { return sent{body: sdkFile(t, name)} }
}

// sdkFile reads an SDK package of the interop corpus (the test leaves
// these cases out without it).
func sdkFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(os.Getenv("VANTHU_INTEROP_FIXTURES"), "edxml", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sdkDocument is an SDK document of the interop corpus made A's to B:
// junk before the declaration and the sample signature taken out, its
// From A and first To B (the sender's code A elsewhere too), signed.
func (e *corpusEnv) sdkDocument(name string, edit ...func([]byte) []byte) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		b := sdkFile(t, name)
		for _, f := range edit {
			if f != nil {
				b = f(b)
			}
		}
		if i := bytes.Index(b, []byte("<?xml")); i > 0 {
			b = b[i:]
		}
		b = regexp.MustCompile(`(?s)\s*<Signature>.*?</Signature>`).ReplaceAll(b, nil)
		re := regexp.MustCompile(`<edXML:OrganId>([^<]*)</edXML:OrganId>`)
		ids := re.FindAllSubmatchIndex(b, 2)
		from := string(b[ids[0][2]:ids[0][3]])
		out := string(b[:ids[0][2]]) + e.A.orgID + string(b[ids[0][3]:ids[1][2]]) + e.B.orgID + string(b[ids[1][3]:])
		out = strings.ReplaceAll(out, ">"+from+"<", ">"+e.A.orgID+"<")
		out = strings.ReplaceAll(out, ">"+from+",", ">"+e.A.orgID+",")
		return sent{body: e.signer.sign(t, []byte(out), template("", excC14N, ""))}
	}
}

// sdkAgain is the SDK document name made A's (sdkDocument, edited by
// edit), followed by the same package signed anew: the same delivery,
// the first answer, nothing stored.
func (e *corpusEnv) sdkAgain(name string, edit func([]byte) []byte) func(t *testing.T) sent {
	return func(t *testing.T) sent {
		s := e.sdkDocument(name, edit)(t)
		again := e.sdkDocument(name, edit)(t)
		s.then = append(s.then, followUp{name: "signed anew", body: again.body, want: rejected("PDF")})
		return s
	}
}

// sdkNewThenUpdate: the SDK's sample new document sent by the agency its
// DocumentId names (the sample's From is another agency's: refused 403
// as it is), under a DocumentId of its own, then the SDK's sample update
// and replacement, copies of it under its DocumentId, each sent twice:
// each is received once, as an update or replacement of its own (before,
// 409), and a new document with other content under the DocumentId is
// still refused 409.
func (e *corpusEnv) sdkNewThenUpdate() func(t *testing.T) sent {
	own := func(b []byte) []byte {
		b = bytes.ReplaceAll(b, []byte(">000.00.00.G22<"), []byte(">"+e.A.orgID+"<"))
		b = bytes.ReplaceAll(b, []byte(">000.00.00.G22,"), []byte(">"+e.A.orgID+","))
		return bytes.ReplaceAll(b, []byte(",2015/09/30,7816/"), []byte(",2015/09/30,7817/"))
	}
	return func(t *testing.T) sent {
		s := e.sdkDocument("edoc_new.edxml", own)(t)
		for _, name := range []string{"edoc_update.edxml", "edoc_replacement.edxml"} {
			for i, added := range []int{1, 0} {
				s.then = append(s.then, followUp{name: fmt.Sprintf("%s (%d)", name, i+1), body: e.sdkDocument(name, own)(t).body,
					want: rejected("PDF"), added: added})
			}
		}
		other := e.sdkDocument("edoc_new.edxml", own, replace("V/v kết nối, liên thông", "V/v thử nghiệm kết nối"))(t).body
		s.then = append(s.then, followUp{name: "a new document under the DocumentId", body: other, want: refused(409, "7817")})
		return s
	}
}
