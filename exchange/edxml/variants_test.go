package edxml

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/internal/edxmlid"
	"github.com/vanthu/vanthu/internal/interop"
)

// TestIntegrationVariantCorpus: the same packages as other senders spell
// them. Each base — our own Build's document and every well-formed
// package of the national platform's SDK (VANTHU_INTEROP_FIXTURES/edxml,
// their sample signature taken out) — is rewritten by every spelling QCVN
// 102:2016 and XML allow (byte order mark, declarations, prefixes, the
// default namespace, CRLF, one line, base64 wrapped at 64/76 columns or
// not at all, NFD, character references), signed by xmlsec1 (RSA-SHA256),
// and must parse to exactly what the base parses to and verify against
// the sender's certificate. The signature variants are then made on each
// base: RSA and ECDSA, SHA-256 to SHA-512, exclusive and inclusive
// canonicalisation, and a KeyInfo with the leaf only, the chain leaf
// first or leaf last, the certificates in separate X509Data elements, or
// no KeyInfo at all. The table of every variant and how it fared is
// logged.
func TestIntegrationVariantCorpus(t *testing.T) {
	bin := os.Getenv("VANTHU_XMLSEC1")
	if bin == "" {
		t.Skip("VANTHU_XMLSEC1 is unset: the variants are signed with xmlsec1 (scripts/setup/edxml.sh installs it)")
	}
	rsaAgency, ecAgency := chainKey(t, "rsa"), chainKey(t, "ec")
	var (
		mu   sync.Mutex
		rows []string
	)
	t.Run("bases", func(t *testing.T) {
		for _, b := range variantBases(t) {
			t.Run(b.name, func(t *testing.T) {
				t.Parallel() // xmlsec1's start dominates: two at a time
				r := variantRows(t, bin, b, rsaAgency, ecAgency)
				mu.Lock()
				rows = append(rows, r...)
				mu.Unlock()
			})
		}
	})
	sort.Strings(rows)
	t.Logf("variant corpus, %d variants:\n%s", len(rows), strings.Join(rows, "\n"))
}

// variantRows signs and checks every spelling and signature variant of
// b, reporting each that is wrong, and returns a row per variant.
func variantRows(t *testing.T, bin string, b variantBase, rsaAgency, ecAgency agencyKey) []string {
	want, err := ParseBytes(b.body, Limits{})
	if err != nil {
		t.Fatalf("%s: the base does not parse: %v", b.name, err)
	}
	dir := t.TempDir()
	var rows []string
	for _, sp := range spellings() {
		body := sp.edit(b.body)
		if sp.name != "as it is" && bytes.Equal(body, b.body) {
			continue // nothing to respell (no attachment, no declaration...)
		}
		signed := xmlsecSign(t, bin, dir, rsaAgency, body, dsigTemplate(excC14NURI, rsaSHA256URI, sha256URI))
		rows = tally(t, rows, b.name+" / "+sp.name, variantVerdict(signed, want, rsaAgency.chain[0]))
	}
	for _, sv := range signatureVariants(rsaAgency, ecAgency) {
		signed := sv.keyInfo(xmlsecSign(t, bin, dir, sv.key, b.body, dsigTemplate(sv.c14n, sv.method, sv.digest)))
		rows = tally(t, rows, b.name+" / signature "+sv.name, variantVerdict(signed, want, sv.key.chain[0]))
	}
	return rows
}

func tally(t *testing.T, rows []string, name, verdict string) []string {
	t.Helper()
	if verdict != "ok" {
		t.Errorf("%s: %s", name, verdict)
	}
	return append(rows, fmt.Sprintf("%-70s %s", name, verdict))
}

// variantVerdict is "ok" when signed parses to want's document or status
// and verifies against the sender's certificate, else what went wrong.
func variantVerdict(signed []byte, want *Message, sender *x509.Certificate) string {
	p, err := Open(signed, Limits{})
	if err != nil {
		return "refused: " + err.Error()
	}
	m, err := p.Parse()
	if err != nil {
		return "refused: " + err.Error()
	}
	if !m.Signed {
		return "signature not seen"
	}
	if m.Document != nil && want.Document != nil {
		// The DocumentId as spelled is the variant's own (what the answers
		// echo); read as an identifier, it is the base's.
		if got := edxmlid.Identifier(m.Document.DocumentIDAsSent); got != want.Document.DocumentID {
			return fmt.Sprintf("read otherwise: DocumentIDAsSent %q reads as %q, want %q", m.Document.DocumentIDAsSent, got, want.Document.DocumentID)
		}
		d := *m.Document
		d.DocumentIDAsSent = want.Document.DocumentIDAsSent
		m.Document = &d
	}
	if !reflect.DeepEqual(m.Document, want.Document) || !reflect.DeepEqual(m.Status, want.Status) {
		return fmt.Sprintf("read otherwise: %s", messageDiff(m, want))
	}
	if err := (&Verifier{Trusted: []*x509.Certificate{sender}}).VerifyPackage(p); err != nil {
		return "signature refused: " + err.Error()
	}
	return "ok"
}

// messageDiff names the first top-level field that differs.
func messageDiff(got, want *Message) string {
	if (got.Document == nil) != (want.Document == nil) {
		return "kind"
	}
	a, b := reflect.ValueOf(got.Document), reflect.ValueOf(want.Document)
	if got.Document == nil {
		a, b = reflect.ValueOf(got.Status), reflect.ValueOf(want.Status)
	}
	a, b = a.Elem(), b.Elem()
	for i := range a.NumField() {
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			return fmt.Sprintf("%s = %.200v, want %.200v", a.Type().Field(i).Name, a.Field(i).Interface(), b.Field(i).Interface())
		}
	}
	return "?"
}

type variantBase struct {
	name string
	body []byte
}

// variantBases are our own document (three attachments: a PDF, a .docx,
// a .xlsx) and status message, and the SDK's well-formed packages without
// their sample signature (and edoc_new.edxml without the junk before its
// declaration); without the interop corpus, ours only.
func variantBases(t *testing.T) []variantBase {
	d := sampleDocument()
	d.Attachments = append(d.Attachments, Attachment{ContentID: "cid:3", Name: "Bảng số liệu.xlsx",
		ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: bytes.Repeat([]byte("PK\x03\x04xlsx"), 300)})
	doc, err := Build(d)
	if err != nil {
		t.Fatal(err)
	}
	st, err := BuildStatus(Status{From: Organization{ID: "000.00.00.H41", Name: "UBND Tỉnh Nghệ An"}, Code: StatusAccepted,
		Time: at(2026, 3, 2, 10, 0, 0), Description: "Đã vào sổ", Staff: Staff{Department: "Văn thư", Name: "Lê Văn Bình"},
		ResponseFor: DocRef{OrganID: "000.00.12.H13", Code: "125/STTTT-VP", DocumentID: "000.00.12.H13,2026/03/02,125/STTTT-VP"}})
	if err != nil {
		t.Fatal(err)
	}
	bases := []variantBase{{"ours/document", doc}, {"ours/status", st}}
	if os.Getenv("VANTHU_INTEROP_FIXTURES") == "" {
		return bases
	}
	sample := regexp.MustCompile(`(?s)\s*<Signature[ >].*?</Signature>`)
	for _, name := range interop.Files(t, "edxml", "*.edxml") {
		name = filepath.Base(name)
		if name == "edoc.edxml" { // an unbound prefix: refused as it is (TestParseMalformedFixtures)
			continue
		}
		b := readFixture(t, name)
		if i := bytes.Index(b, []byte("<?xml")); i > 0 {
			b = b[i:]
		}
		bases = append(bases, variantBase{"sdk/" + name, sample.ReplaceAll(b, nil)})
	}
	return bases
}

type spelling struct {
	name string
	edit func([]byte) []byte
}

var (
	encodedRun  = regexp.MustCompile(`(<(?:[A-Za-z0-9_]+:)?ContentTransferEncoded[^>]*>)([^<]*)(<)`)
	declaration = regexp.MustCompile(`^(\xef\xbb\xbf)?<\?xml[^>]*\?>\s*`)
	startOrEnd  = regexp.MustCompile(`<(/?)([A-Za-z][A-Za-z0-9_]*:)?([A-Za-z])`)
	nsDecl      = regexp.MustCompile(`\s+xmlns(:[A-Za-z0-9_]+)?="` + regexp.QuoteMeta(Namespace) + `"`)
	textNodes   = regexp.MustCompile(`>([^<]+)<`)
)

// spellings are the ways a sender may write the same package.
func spellings() []spelling {
	re := func(r *regexp.Regexp, s string) func([]byte) []byte {
		return func(b []byte) []byte { return r.ReplaceAll(b, []byte(s)) }
	}
	rep := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(old), []byte(new)) }
	}
	return []spelling{
		{"as it is", func(b []byte) []byte { return b }},
		{"byte order mark", func(b []byte) []byte { return append([]byte("\xef\xbb\xbf"), b...) }},
		{`encoding="utf-8"`, re(declaration, `<?xml version="1.0" encoding="utf-8"?>`+"\n")},
		{"declaration without encoding", re(declaration, `<?xml version="1.0"?>`+"\n")},
		{"declaration in single quotes, standalone", re(declaration, `<?xml version='1.0' encoding='UTF-8' standalone='yes'?>`+"\r\n")},
		{"no declaration", re(declaration, "")},
		{"xsi:schemaLocation on the root (JAXB)", re(regexp.MustCompile(`<((?:[A-Za-z0-9_]+:)?edXML) `), `<${1} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" `+
			`xsi:schemaLocation="`+Namespace+` edXML.xsd" `)},
		{"attachments before the envelope", attachmentsFirst},
		{"BOM and no declaration", func(b []byte) []byte { return append([]byte("\xef\xbb\xbf"), declaration.ReplaceAll(b, nil)...) }},
		{"CRLF", rep("\n", "\r\n")},
		{"one line", re(regexp.MustCompile(`>\s+<`), "><")},
		{"tabs", rep("  ", "\t")},
		{"text on lines of its own", re(regexp.MustCompile(`>([^<\s][^<]*)<`), ">\n        ${1}\n      <")},
		{"base64 unwrapped", base64Wrap(0, "")},
		{"base64 at 64 columns LF", base64Wrap(64, "\n")},
		{"base64 at 76 columns CRLF", base64Wrap(76, "\r\n")},
		{"base64 at 76 columns, indented", base64Wrap(76, "\n          ")},
		{"prefix ns2 everywhere", prefixEverywhere("ns2")},
		{"default namespace throughout", defaultNamespace},
		{"NFD text", func(b []byte) []byte { return []byte(norm.NFD.String(string(b))) }},
		{"character references", charReferences},
		{"DocumentIds broken after their commas", idText(`DocumentId`, func(v string) string {
			return strings.ReplaceAll(v, ",", ",\n            ")
		})},
		{"identifiers in no-break spaces", idText(`(?:DocumentId|OrganId)`, func(v string) string {
			return "\u00a0" + strings.ReplaceAll(v, ",", ",\u00a0") + "\u00a0"
		})},
	}
}

// idText rewrites the text of every element named by the pattern
// (identifiers of the envelope) with edit.
func idText(name string, edit func(string) string) func([]byte) []byte {
	re := regexp.MustCompile(`(<(?:[A-Za-z0-9_]+:)?` + name + `>)([^<]+)(</)`)
	return func(b []byte) []byte {
		return re.ReplaceAllFunc(b, func(m []byte) []byte {
			s := re.FindSubmatch(m)
			return []byte(string(s[1]) + edit(string(s[2])) + string(s[3]))
		})
	}
}

// attachmentsFirst moves AttachmentEncoded before edXMLEnvelope.
func attachmentsFirst(b []byte) []byte {
	att := regexp.MustCompile(`(?s)\s*<((?:[A-Za-z0-9_]+:)?)AttachmentEncoded[ >].*</((?:[A-Za-z0-9_]+:)?)AttachmentEncoded>`)
	m := att.Find(b)
	env := regexp.MustCompile(`\s*<(?:[A-Za-z0-9_]+:)?edXMLEnvelope[ >]`).FindIndex(b)
	if m == nil || env == nil {
		return b
	}
	rest := att.ReplaceAll(b, nil)
	return append(append(append([]byte{}, rest[:env[0]]...), m...), rest[env[0]:]...)
}

// base64Wrap rewrites every attachment's base64 in lines of n characters
// separated by sep (n 0: one line, no white space at all).
func base64Wrap(n int, sep string) func([]byte) []byte {
	return func(b []byte) []byte {
		return encodedRun.ReplaceAllFunc(b, func(m []byte) []byte {
			s := encodedRun.FindSubmatch(m)
			text := strings.Join(strings.Fields(string(s[2])), "")
			if n == 0 {
				return []byte(string(s[1]) + text + "<")
			}
			var lines []string
			for len(text) > n {
				lines, text = append(lines, text[:n]), text[n:]
			}
			lines = append(lines, text)
			return []byte(string(s[1]) + sep + strings.Join(lines, sep) + sep + "<")
		})
	}
}

// prefixEverywhere writes every element with prefix p, bound once on the
// root.
func prefixEverywhere(p string) func([]byte) []byte {
	return func(b []byte) []byte {
		b = nsDecl.ReplaceAll(b, nil)
		b = startOrEnd.ReplaceAll(b, []byte("<${1}"+p+":${3}"))
		i := bytes.Index(b, []byte("<"+p+":edXML"))
		end := i + len("<"+p+":edXML")
		return append(append(append([]byte{}, b[:end]...), ` xmlns:`+p+`="`+Namespace+`"`...), b[end:]...)
	}
}

// defaultNamespace writes every element without a prefix, the edXML
// namespace the default one, declared on the root.
func defaultNamespace(b []byte) []byte {
	b = nsDecl.ReplaceAll(b, nil)
	b = startOrEnd.ReplaceAll(b, []byte("<${1}${3}"))
	return bytes.Replace(b, []byte("<edXML"), []byte(`<edXML xmlns="`+Namespace+`"`), 1)
}

// charReferences writes every non-ASCII character of the text as a
// character reference.
func charReferences(b []byte) []byte {
	return textNodes.ReplaceAllFunc(b, func(m []byte) []byte {
		var out strings.Builder
		for _, r := range string(m) {
			if r < 0x80 {
				out.WriteRune(r)
			} else {
				fmt.Fprintf(&out, "&#x%X;", r)
			}
		}
		return []byte(out.String())
	})
}

const (
	excC14NURI   = "http://www.w3.org/2001/10/xml-exc-c14n#"
	incC14NURI   = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	rsaSHA256URI = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	sha256URI    = "http://www.w3.org/2001/04/xmlenc#sha256"
)

// agencyKey is a key with its chain: the leaf (the agency's registered
// certificate), then the CA that issued it.
type agencyKey struct {
	key   crypto.Signer
	chain []*x509.Certificate
	dir   string // key.pem, cert.pem for xmlsec1
}

// chainKey makes an RSA-2048 or ECDSA P-256 agency key whose certificate
// a CA of the same kind issued.
func chainKey(t *testing.T, kind string) agencyKey {
	gen := func() crypto.Signer {
		if kind == "rsa" {
			k, _ := rsa.GenerateKey(rand.Reader, 2048)
			return k
		}
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		return k
	}
	caKey, leafKey := gen(), gen()
	mk := func(cn string, ca bool, pub crypto.PublicKey, parent *x509.Certificate, signer crypto.Signer) *x509.Certificate {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: ca, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return c
	}
	ca := mk("Vanthu test CA "+kind, true, caKey.Public(), nil, caKey)
	leaf := mk("000.00.12.H13 agency "+kind, false, leafKey.Public(), ca, caKey)
	dir := t.TempDir()
	der, _ := x509.MarshalPKCS8PrivateKey(leafKey)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o600)
	return agencyKey{key: leafKey, chain: []*x509.Certificate{leaf, ca}, dir: dir}
}

// dsigTemplate is an enveloped-signature template over the whole
// document for xmlsec1.
func dsigTemplate(c14n, method, digest string) string {
	return `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="` + c14n + `"/>` +
		`<SignatureMethod Algorithm="` + method + `"/><Reference URI=""><Transforms>` +
		`<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><Transform Algorithm="` + c14n + `"/>` +
		`</Transforms><DigestMethod Algorithm="` + digest + `"/><DigestValue/></Reference></SignedInfo>` +
		`<SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>`
}

var headerClose = regexp.MustCompile(`</([A-Za-z0-9_]+:)?edXMLHeader>`)

// xmlsecSign signs pkg with xmlsec1 and k, the signature at the end of
// edXMLHeader, and splices xmlsec1's Signature element into pkg so that
// the rest stays byte for byte as spelled.
func xmlsecSign(t *testing.T, bin, dir string, k agencyKey, pkg []byte, tmpl string) []byte {
	t.Helper()
	loc := headerClose.FindIndex(pkg)
	if loc == nil {
		t.Fatal("no edXMLHeader end tag")
	}
	with := append(append(append([]byte{}, pkg[:loc[0]]...), tmpl...), pkg[loc[0]:]...)
	in, out := filepath.Join(dir, "in.xml"), filepath.Join(dir, "out.xml")
	if err := os.WriteFile(in, with, 0o600); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(k.dir, "key.pem") + "," + filepath.Join(k.dir, "cert.pem")
	if msg, err := exec.Command(bin, "--sign", "--privkey-pem", keys, "--output", out, in).CombinedOutput(); err != nil {
		t.Fatalf("xmlsec1 --sign: %v\n%s", err, msg)
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s, e := bytes.Index(signed, []byte("<Signature ")), bytes.Index(signed, []byte("</Signature>"))
	if s < 0 || e < 0 {
		t.Fatal("no Signature in xmlsec1's output")
	}
	return append(append(append([]byte{}, pkg[:loc[0]]...), signed[s:e+len("</Signature>")]...), pkg[loc[0]:]...)
}

type signatureVariant struct {
	name                 string
	key                  agencyKey
	c14n, method, digest string
	keyInfo              func([]byte) []byte // rewrites the (unsigned) KeyInfo
}

var keyInfoElement = regexp.MustCompile(`(?s)<KeyInfo>.*</KeyInfo>`)

// withKeyInfo replaces the KeyInfo xmlsec1 wrote (it is not covered by
// the signature) by one carrying certs as the layout says.
func withKeyInfo(layout string, certs ...*x509.Certificate) func([]byte) []byte {
	return func(b []byte) []byte {
		var ki strings.Builder
		enc := func(c *x509.Certificate) string {
			s := base64.StdEncoding.EncodeToString(c.Raw)
			var lines []string
			for len(s) > 64 {
				lines, s = append(lines, s[:64]), s[64:]
			}
			return strings.Join(append(lines, s), "\n")
		}
		switch layout {
		case "none":
			return keyInfoElement.ReplaceAll(b, nil)
		case "separate":
			ki.WriteString("<KeyInfo>")
			for _, c := range certs {
				ki.WriteString("<X509Data><X509Certificate>" + enc(c) + "</X509Certificate></X509Data>")
			}
			ki.WriteString("</KeyInfo>")
		default:
			ki.WriteString("<KeyInfo><X509Data>")
			for _, c := range certs {
				ki.WriteString("\n<X509Certificate>" + enc(c) + "</X509Certificate>")
			}
			ki.WriteString("</X509Data></KeyInfo>")
		}
		return keyInfoElement.ReplaceAll(b, []byte(ki.String()))
	}
}

func signatureVariants(r, e agencyKey) []signatureVariant {
	const (
		ecSHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
		ecSHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
		rsa512   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
		sha512   = "http://www.w3.org/2001/04/xmlenc#sha512"
		sha384   = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	)
	asIs := func(b []byte) []byte { return b }
	return []signatureVariant{
		{"RSA-SHA256 exclusive, leaf", r, excC14NURI, rsaSHA256URI, sha256URI, asIs},
		{"RSA-SHA256 inclusive, leaf", r, incC14NURI, rsaSHA256URI, sha256URI, asIs},
		{"RSA-SHA512 inclusive, SHA-512 digest", r, incC14NURI, rsa512, sha512, asIs},
		{"ECDSA-SHA256 exclusive, leaf", e, excC14NURI, ecSHA256, sha256URI, asIs},
		{"ECDSA-SHA256 inclusive, leaf", e, incC14NURI, ecSHA256, sha256URI, asIs},
		{"ECDSA-SHA384, SHA-384 digest", e, excC14NURI, ecSHA384, sha384, asIs},
		{"RSA chain leaf first", r, excC14NURI, rsaSHA256URI, sha256URI, withKeyInfo("", r.chain...)},
		{"RSA chain leaf last", r, excC14NURI, rsaSHA256URI, sha256URI, withKeyInfo("", r.chain[1], r.chain[0])},
		{"ECDSA chain leaf last", e, incC14NURI, ecSHA256, sha256URI, withKeyInfo("", e.chain[1], e.chain[0])},
		{"RSA chain in separate X509Data, CA first", r, excC14NURI, rsaSHA256URI, sha256URI, withKeyInfo("separate", r.chain[1], r.chain[0])},
		{"RSA no KeyInfo", r, excC14NURI, rsaSHA256URI, sha256URI, withKeyInfo("none")},
	}
}

// TestVerifyKeyInfoChainOrder: a KeyInfo carrying the signer's chain is
// read in any order and in one X509Data or several; the registered
// certificate must be among them. Before, only the first certificate was
// looked at, so a chain written CA first was refused as signed by a
// certificate that is not the sender's.
func TestVerifyKeyInfoChainOrder(t *testing.T) {
	for _, kind := range []string{"rsa", "ec"} {
		k := chainKey(t, kind)
		other := chainKey(t, kind)
		b, err := Build(sampleDocument())
		if err != nil {
			t.Fatal(err)
		}
		signed, err := Sign(b, k.key, k.chain[:1])
		if err != nil {
			t.Fatal(err)
		}
		leaf, ca := k.chain[0], k.chain[1]
		for _, tc := range []struct {
			name string
			ki   func([]byte) []byte
			want string // "" verifies
		}{
			{"leaf only", withKeyInfo("", leaf), ""},
			{"leaf first", withKeyInfo("", leaf, ca), ""},
			{"CA first", withKeyInfo("", ca, leaf), ""},
			{"separate X509Data, CA first", withKeyInfo("separate", ca, leaf), ""},
			{"no KeyInfo", withKeyInfo("none"), ""},
			{"IssuerSerial, SubjectName and KeyValue beside the chain", func(b []byte) []byte {
				return bytes.Replace(withKeyInfo("", ca, leaf)(b), []byte("<X509Data>"), []byte("<KeyValue><RSAKeyValue><Modulus>AQAB</Modulus>"+
					"<Exponent>AQAB</Exponent></RSAKeyValue></KeyValue><X509Data><X509IssuerSerial><X509IssuerName>CN=x</X509IssuerName>"+
					"<X509SerialNumber>1</X509SerialNumber></X509IssuerSerial><X509SubjectName>CN=y</X509SubjectName>"), 1)
			}, ""},
			{"CA only", withKeyInfo("", ca), "registered certificate"},
			{"another agency's chain", withKeyInfo("", other.chain[1], other.chain[0]), "registered certificate"},
			{"an empty certificate then the leaf", func(b []byte) []byte {
				return bytes.Replace(withKeyInfo("", leaf)(b), []byte("<X509Data>"), []byte("<X509Data><X509Certificate></X509Certificate>"), 1)
			}, "no usable certificate"},
		} {
			body := tc.ki(signed)
			if !bytes.Contains(body, []byte("<KeyInfo>")) && tc.name != "no KeyInfo" {
				t.Fatalf("%s/%s: no KeyInfo rewritten", kind, tc.name)
			}
			err := Verify(body, []*x509.Certificate{leaf})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%s/%s: refused: %v", kind, tc.name, err)
			case tc.want != "":
				assertVerifyErr(t, err, ErrUntrustedSigner, tc.want)
			}
		}
	}
}

// TestParseRecipientTwice: a package that names a recipient twice (Build
// refuses it; other senders' systems write it) is read with that
// recipient once; before, it was refused with 400 and the sender's
// delivery failed for good.
func TestParseRecipientTwice(t *testing.T) {
	b, err := Build(sampleDocument()) // To: H41, G22
	if err != nil {
		t.Fatal(err)
	}
	to := regexp.MustCompile(`(?s)<edXML:To>.*?</edXML:To>`)
	twice := to.ReplaceAllFunc(b, func(m []byte) []byte { return append(append([]byte{}, m...), m...) })
	m, err := ParseBytes(twice, Limits{})
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	var ids []string
	for _, o := range m.Document.To {
		ids = append(ids, o.ID)
	}
	if strings.Join(ids, " ") != "000.00.00.H41 000.00.00.G22" {
		t.Fatalf("To = %v", ids)
	}
	d := sampleDocument()
	d.To = append(d.To, d.To[0])
	if _, err := Build(d); err == nil || !strings.Contains(err.Error(), "already recipient") {
		t.Fatalf("Build with a recipient twice: %v", err)
	}
}
