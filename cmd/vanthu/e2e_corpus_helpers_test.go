package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/signing/keys"
)

// The helpers of the received-package corpus (e2e_corpus_test.go): a
// signer nobody here wrote (xmlsec1, libxmlsec1 + OpenSSL, as other
// vendors' systems sign), spliced into the package exactly as spelled, and
// a raw poster that shows the endpoint's answer whatever it is.

// c14n methods a vendor's template may name.
const (
	excC14N    = "http://www.w3.org/2001/10/xml-exc-c14n#"
	incC14N    = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	incC14NCom = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
	c14n11     = "http://www.w3.org/2006/12/xml-c14n11"
)

// vendorSigner signs packages with xmlsec1 and the sender's agency key.
type vendorSigner struct {
	bin, dir string
	keyPEM   string // "key.pem,cert.pem" for --privkey-pem
}

func newVendorSigner(t *testing.T, k keys.Key) *vendorSigner {
	t.Helper()
	bin := os.Getenv("VANTHU_XMLSEC1")
	if bin == "" {
		t.Skip("VANTHU_XMLSEC1 is unset: the corpus is signed with xmlsec1, as other vendors sign (scripts/setup/edxml.sh installs it)")
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kf, cf := filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Chain[0].Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &vendorSigner{bin: bin, dir: dir, keyPEM: kf + "," + cf}
}

// template is an XMLDSig template for xmlsec1: an enveloped signature of
// the whole document, c14n as SignedInfo's canonicalisation and the
// reference's last transform, digest by digest (SHA-256 when "").
func template(prefix, c14n, digest string) string {
	if digest == "" {
		digest = "http://www.w3.org/2001/04/xmlenc#sha256"
	}
	p, decl := "", `xmlns="http://www.w3.org/2000/09/xmldsig#"`
	if prefix != "" {
		p, decl = prefix+":", `xmlns:`+prefix+`="http://www.w3.org/2000/09/xmldsig#"`
	}
	r := strings.NewReplacer("P:", p)
	return r.Replace(`<P:Signature ` + decl + `><P:SignedInfo><P:CanonicalizationMethod Algorithm="` + c14n + `"/>` +
		`<P:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/><P:Reference URI=""><P:Transforms>` +
		`<P:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><P:Transform Algorithm="` + c14n + `"/>` +
		`</P:Transforms><P:DigestMethod Algorithm="` + digest + `"/><P:DigestValue/></P:Reference></P:SignedInfo>` +
		`<P:SignatureValue/><P:KeyInfo><P:X509Data><P:X509Certificate/></P:X509Data></P:KeyInfo></P:Signature>`)
}

var headerEnd = regexp.MustCompile(`</([A-Za-z0-9_.-]+:)?edXMLHeader>`)

// sign returns pkg with an enveloped signature made by xmlsec1 over
// it at the end of its edXMLHeader: the Signature element xmlsec1 wrote
// is spliced into pkg, so the rest of pkg stays byte for byte as it was
// (line ends, references, CDATA, byte order mark) and the signature is
// over the document an XML reader reads in it.
func (s *vendorSigner) sign(t *testing.T, pkg []byte, tmpl string) []byte {
	t.Helper()
	return s.signAt(t, pkg, tmpl, headerEnd)
}

// signAt is sign with the signature before the first match of at.
func (s *vendorSigner) signAt(t *testing.T, pkg []byte, tmpl string, at *regexp.Regexp) []byte {
	t.Helper()
	loc := at.FindIndex(pkg)
	if loc == nil {
		t.Fatalf("sign: no %s", at)
	}
	in := filepath.Join(s.dir, "in.xml")
	if err := os.WriteFile(in, splice(pkg, loc[0], []byte(tmpl)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(s.bin, "--sign", "--privkey-pem", s.keyPEM, "--output", filepath.Join(s.dir, "out.xml"), in).CombinedOutput()
	if err != nil {
		t.Fatalf("xmlsec1 --sign: %v\n%s", err, out)
	}
	signed, err := os.ReadFile(filepath.Join(s.dir, "out.xml"))
	if err != nil {
		t.Fatal(err)
	}
	start := regexp.MustCompile(`<([A-Za-z]+:)?Signature[ >]`).FindIndex(signed)
	end := regexp.MustCompile(`</([A-Za-z]+:)?Signature>`).FindIndex(signed)
	if start == nil || end == nil {
		t.Fatalf("no Signature in xmlsec1's output")
	}
	return splice(pkg, loc[0], signed[start[0]:end[1]])
}

func splice(b []byte, at int, in []byte) []byte {
	out := make([]byte, 0, len(b)+len(in))
	return append(append(append(out, b[:at]...), in...), b[at:]...)
}

// rawPoster posts bodies to an exchange endpoint as a registered agency
// and returns the answer as it is.
type rawPoster struct {
	hc   *http.Client
	base string
}

func newRawPoster(t *testing.T, from *peer, to *exchange.Agency) *rawPoster {
	t.Helper()
	c, _ := peerClient(t, from)
	pinned, _ := pem.Decode([]byte(to.TLSCertPEM))
	if pinned == nil {
		t.Fatal("no TLS certificate registered for the receiver")
	}
	tc := &tls.Config{Certificates: []tls.Certificate{c.Cert}, InsecureSkipVerify: true, // checked below: the registered certificate
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], pinned.Bytes) {
				return errors.New("not the receiver's registered certificate")
			}
			return nil
		}}
	return &rawPoster{hc: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{TLSClientConfig: tc}}, base: to.Endpoint}
}

// answer is what the endpoint said.
type answer struct {
	status int
	body   []byte
	ack    exchange.Ack
	err    struct{ Code, Message string }
}

func (a answer) String() string {
	if a.status == 200 {
		return fmt.Sprintf("200 %s %q", a.ack.StatusCode, abbrev(a.ack.Description, 160))
	}
	if a.err.Code != "" {
		return fmt.Sprintf("%d %s %q", a.status, a.err.Code, abbrev(a.err.Message, 160))
	}
	return fmt.Sprintf("%d (not JSON) %q", a.status, abbrev(string(a.body), 120))
}

func abbrev(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// post posts body to path with header; it is safe to call from any
// goroutine (it does not stop the test).
func (p *rawPoster) post(path string, header map[string]string, body []byte) answer {
	req, err := http.NewRequest("POST", p.base+path, bytes.NewReader(body))
	if err != nil {
		return answer{status: -1, body: []byte(err.Error())}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return answer{status: -1, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	a.body, _ = io.ReadAll(resp.Body)
	if a.status == 200 {
		if json.Unmarshal(a.body, &a.ack) != nil {
			a.status = -2
		}
	} else {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(a.body, &e) == nil {
			a.err = e.Error
		}
	}
	return a
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
