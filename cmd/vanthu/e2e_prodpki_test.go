package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/keys"
)

// vnPKI is a public key infrastructure shaped like Vietnam's, made in the
// test: a root CA (the national root, or Ban Cơ yếu Chính phủ's), a
// subordinate CA under it that issues the agency's and the officials'
// certificates (UTF-8 Vietnamese subjects, digitalSignature +
// nonRepudiation, certificatePolicies, AIA OCSP + caIssuers, CRL
// distribution point), an OCSP responder answering with a delegated
// certificate (id-kp-OCSPSigning + id-pkix-ocsp-nocheck, issued by the
// subordinate CA), CRLs of both CAs and the CA certificates, all served on
// 127.0.0.1. Each service can be taken down, and a certificate revoked.
type vnPKI struct {
	root, sub, responder *x509.Certificate
	rootKey, subKey      crypto.Signer
	responderKey         crypto.Signer
	URL                  string

	mu        sync.Mutex
	ocspDown  bool
	crlDown   bool
	caDown    bool
	revoked   map[string]time.Time // serial (decimal) -> revocation time
	issued    map[string]bool      // serials (decimal) the subordinate CA issued
	ocspHits  atomic.Int64
	crlHits   atomic.Int64
	issuerHit atomic.Int64
}

var (
	oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidTitleAttr   = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidUIDAttr     = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	// A certificate policy under Vietnam's arc (2.16.704), as VGCA's are.
	oidVNPolicy = asn1.ObjectIdentifier{2, 16, 704, 1, 2, 3, 1}
)

func randSerial(t *testing.T) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

func mustCert(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newVNPKI makes the CAs and the responder and starts their services.
func newVNPKI(t *testing.T) *vnPKI {
	t.Helper()
	p := &vnPKI{revoked: map[string]time.Time{}, issued: map[string]bool{}}
	srv := httptest.NewUnstartedServer(p)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	now := time.Now()
	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	subKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p.rootKey, p.subKey = rootKey, subKey
	rootT := &x509.Certificate{SerialNumber: randSerial(t), NotBefore: now.AddDate(-5, 0, 0), NotAfter: now.AddDate(20, 0, 0),
		Subject: pkix.Name{CommonName: "Cơ quan chứng thực số chuyên dùng Chính phủ (thử nghiệm)", Organization: []string{"Ban Cơ yếu Chính phủ"}, Country: []string{"VN"}},
		IsCA:    true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	p.root = mustCert(t, rootT, rootT, rootKey.Public(), rootKey)
	subT := &x509.Certificate{SerialNumber: randSerial(t), NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(10, 0, 0),
		Subject: pkix.Name{CommonName: "CA phục vụ các cơ quan Nhà nước (thử nghiệm)", Organization: []string{"Ban Cơ yếu Chính phủ"}, Country: []string{"VN"}},
		IsCA:    true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		IssuingCertificateURL: []string{p.URL + "/root.crt"}, CRLDistributionPoints: []string{p.URL + "/root.crl"},
		PolicyIdentifiers: []asn1.ObjectIdentifier{oidVNPolicy},
	}
	p.sub = mustCert(t, subT, p.root, subKey.Public(), rootKey)
	respKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.responderKey = respKey
	respT := &x509.Certificate{SerialNumber: randSerial(t), NotBefore: now.Add(-24 * time.Hour), NotAfter: now.AddDate(0, 1, 0),
		Subject:  pkix.Name{CommonName: "OCSP - CA phục vụ các cơ quan Nhà nước", Organization: []string{"Ban Cơ yếu Chính phủ"}, Country: []string{"VN"}},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		ExtraExtensions: []pkix.Extension{{Id: oidOCSPNoCheck, Value: []byte{0x05, 0x00}}},
	}
	p.responder = mustCert(t, respT, p.sub, respKey.Public(), subKey)
	return p
}

// issue certifies pub under the subordinate CA with subject name.
func (p *vnPKI) issue(t *testing.T, pub crypto.PublicKey, name pkix.Name) *x509.Certificate {
	t.Helper()
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: randSerial(t), Subject: name, NotBefore: now.Add(-24 * time.Hour), NotAfter: now.AddDate(2, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection},
		BasicConstraintsValid: true,
		PolicyIdentifiers:     []asn1.ObjectIdentifier{oidVNPolicy},
		OCSPServer:            []string{p.URL + "/ocsp"}, IssuingCertificateURL: []string{p.URL + "/sub.crt"},
		CRLDistributionPoints: []string{p.URL + "/sub.crl"},
	}
	c := mustCert(t, tmpl, p.sub, pub, p.subKey)
	p.mu.Lock()
	p.issued[c.SerialNumber.String()] = true
	p.mu.Unlock()
	return c
}

// revoke marks c revoked (keyCompromise) now, at the responder and in
// the subordinate CA's CRL.
func (p *vnPKI) revoke(c *x509.Certificate) {
	p.mu.Lock()
	p.revoked[c.SerialNumber.String()] = time.Now().Add(-time.Second)
	p.mu.Unlock()
}

func (p *vnPKI) set(ocspDown, crlDown, caDown bool) {
	p.mu.Lock()
	p.ocspDown, p.crlDown, p.caDown = ocspDown, crlDown, caDown
	p.mu.Unlock()
}

func (p *vnPKI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	ocspDown, crlDown, caDown := p.ocspDown, p.crlDown, p.caDown
	p.mu.Unlock()
	path := r.URL.Path
	switch {
	case path == "/ocsp" || strings.HasPrefix(path, "/ocsp/"):
		if ocspDown {
			http.Error(w, "responder down for the test", http.StatusServiceUnavailable)
			return
		}
		p.ocspHits.Add(1)
		p.serveOCSP(w, r)
	case path == "/sub.crl" || path == "/root.crl":
		if crlDown {
			http.Error(w, "CRL down for the test", http.StatusServiceUnavailable)
			return
		}
		p.crlHits.Add(1)
		p.serveCRL(w, path == "/root.crl")
	case path == "/sub.crt" || path == "/root.crt":
		if caDown {
			http.Error(w, "repository down for the test", http.StatusServiceUnavailable)
			return
		}
		p.issuerHit.Add(1)
		w.Header().Set("Content-Type", "application/pkix-cert")
		if path == "/root.crt" {
			w.Write(p.root.Raw)
		} else {
			w.Write(p.sub.Raw)
		}
	default:
		http.NotFound(w, r)
	}
}

// serveOCSP answers for the subordinate CA's certificates with the
// delegated responder's key (RFC 6960 4.2.2.2), thisUpdate truncated to
// the minute as x/crypto/ocsp truncates producedAt (NSS refuses a
// thisUpdate after producedAt).
func (p *vnPKI) serveOCSP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Method == http.MethodGet {
		raw, _ := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/ocsp/"))
		body, _ = base64.StdEncoding.DecodeString(raw)
	} else {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 16<<10))
	}
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now().UTC().Truncate(time.Minute)
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(4 * time.Hour),
		Certificate: p.responder}
	p.mu.Lock()
	if at, ok := p.revoked[req.SerialNumber.String()]; ok {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at.UTC().Truncate(time.Second), ocsp.KeyCompromise
	} else if !p.issued[req.SerialNumber.String()] {
		tmpl.Status = ocsp.Unknown
	}
	p.mu.Unlock()
	resp, err := ocsp.CreateResponse(p.sub, p.responder, tmpl, p.responderKey)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

// serveCRL writes the subordinate CA's CRL (every revocation) or the
// root's (empty: the subordinate CA is in good standing).
func (p *vnPKI) serveCRL(w http.ResponseWriter, root bool) {
	now := time.Now()
	tmpl := &x509.RevocationList{Number: big.NewInt(now.Unix()), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(24 * time.Hour)}
	issuer, key := p.sub, p.subKey
	if root {
		issuer, key = p.root, p.rootKey
	} else {
		p.mu.Lock()
		for s, at := range p.revoked {
			n, _ := new(big.Int).SetString(s, 10)
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: at, ReasonCode: ocsp.KeyCompromise})
		}
		p.mu.Unlock()
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(der)
}

func pemOf(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

// The names on the certificates, as a district's come from the CA:
// UTF-8 Vietnamese, the official's with a title and a UID holding their
// citizen identity number.
const (
	prodOfficialCN  = "Nguyễn Văn Ân"
	prodOfficialUID = "CCCD:092080001234"
	prodAgencyCN    = "UBND quận Bình Thủy"
)

func officialName() pkix.Name {
	return pkix.Name{CommonName: prodOfficialCN, Organization: []string{prodAgencyCN}, Locality: []string{"Cần Thơ"}, Country: []string{"VN"},
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidTitleAttr, Value: "Chủ tịch"}, {Type: oidUIDAttr, Value: prodOfficialUID}}}
}

func agencyName() pkix.Name {
	return pkix.Name{CommonName: prodAgencyCN, Organization: []string{prodAgencyCN}, Locality: []string{"Cần Thơ"}, Country: []string{"VN"}}
}

// prodOffice is a production server on the vnPKI with its staff.
type prodOffice struct {
	pki                     *vnPKI
	tsa                     *testtsa.Authority
	s                       *server
	admin, clerk, handler   *client
	officer                 *client
	officialID              string
	officialCert, agencyCrt *x509.Certificate
	dir                     string
}

// prodSetup says what startProdOffice varies.
type prodSetup struct {
	agencyChain    func(leaf *x509.Certificate, p *vnPKI) []*x509.Certificate // default leaf + subordinate CA
	officialChain  func(leaf *x509.Certificate, p *vnPKI) []*x509.Certificate
	tsaUntrusted   bool // the anchors hold the signing root only
	env            map[string]string
	officialTokKey string // token object of the official's key (default officer-ec)
}

// startProdOffice makes the PKI and the TSA, certifies the token's keys,
// and runs serve in production with them.
func startProdOffice(t *testing.T, su prodSetup) *prodOffice {
	t.Helper()
	module, token := os.Getenv("VANTHU_PKCS11_MODULE"), os.Getenv("VANTHU_TEST_PKCS11_TOKEN")
	if module == "" || token == "" {
		t.Skip("VANTHU_PKCS11_MODULE / VANTHU_TEST_PKCS11_TOKEN not set: source scripts/setup/signing.sh (SoftHSM2 token)")
	}
	o := &prodOffice{pki: newVNPKI(t), dir: t.TempDir()}
	tsaCA := testtsa.NewCA(t, "Root CA Dịch vụ cấp dấu thời gian (thử nghiệm)", time.Now(), time.Now().AddDate(10, 0, 0))
	o.tsa = testtsa.NewAuthority(t, tsaCA, time.Now, time.Now().AddDate(5, 0, 0))

	agencyURI := "pkcs11:token=" + token + ";object=agency-rsa"
	offObj := su.officialTokKey
	if offObj == "" {
		offObj = "officer-ec"
	}
	officialURI := "pkcs11:token=" + token + ";object=" + offObj
	pub := func(uri string) crypto.PublicKey {
		s, err := keys.LoadSigner(t.Context(), uri)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		return s.Public()
	}
	o.agencyCrt = o.pki.issue(t, pub(agencyURI), agencyName())
	o.officialCert = o.pki.issue(t, pub(officialURI), officialName())
	chain := func(f func(*x509.Certificate, *vnPKI) []*x509.Certificate, leaf *x509.Certificate) []byte {
		if f == nil {
			return pemOf(leaf, o.pki.sub)
		}
		return pemOf(f(leaf, o.pki)...)
	}
	write := func(name string, b []byte) string {
		path := filepath.Join(o.dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	anchors := pemOf(o.pki.root, tsaCA.Cert)
	if su.tsaUntrusted {
		anchors = pemOf(o.pki.root)
	}
	env := map[string]string{"VANTHU_ENV": "production", "VANTHU_AGENCY_KEY": agencyURI,
		"VANTHU_AGENCY_CERT": write("agency.pem", chain(su.agencyChain, o.agencyCrt)), "VANTHU_TRUST_ANCHORS": write("anchors.pem", anchors),
		"VANTHU_TSA_URL": o.tsa.URL, "VANTHU_PKCS11_MODULE": module, "VANTHU_PKCS11_TOKENS": token}
	for k, v := range su.env {
		env[k] = v
	}
	o.s = startServer(t, env)
	o.admin = o.s.login(t, "admin", "admin-password-1")
	ids := addUsers(t, o.s,
		[4]string{"clerk", "Lê Thị Văn Thư", "Văn thư", "clerk"},
		[4]string{"chutich", prodOfficialCN, "Chủ tịch", "officer"},
		[4]string{"handler", "Phạm Thị Chuyên", "Chuyên viên", "handler"})
	o.officialID = ids["chutich"]
	// The certificate's UID names the official's CCCD, not the username:
	// refused until an admin gives the official that personal ID number.
	body, _ := json.Marshal(map[string]string{"key_uri": officialURI, "cert_pem": string(chain(su.officialChain, o.officialCert))})
	if code, out := o.admin.put("/api/v1/users/"+o.officialID+"/signing-key", "application/json", body); code != 403 || !strings.Contains(out, "personal ID number") {
		t.Fatalf("the official's token key before their personal ID number: %d %s", code, out)
	}
	if code, out := o.admin.raw("PATCH", "/api/v1/users/"+o.officialID, map[string]string{"personal_id": prodOfficialUID}); code != 200 ||
		!strings.Contains(string(out), `"has_personal_id":true`) {
		t.Fatalf("the official's personal ID number: %d %s", code, out)
	}
	if code, out := o.admin.put("/api/v1/users/"+o.officialID+"/signing-key", "application/json", body); code != 200 {
		t.Fatalf("the official's token key: %d %s", code, out)
	}
	o.clerk, o.handler = o.s.login(t, "clerk", "password-clerk"), o.s.login(t, "handler", "password-handler")
	o.officer = o.s.login(t, "chutich", "password-chutich")
	return o
}

// approved uploads an outgoing document naming the official, submits and
// approves it, and returns its ID.
func (o *prodOffice) approved(t *testing.T, subject string) string {
	t.Helper()
	doc, code := o.handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": subject, "urgency": "normal",
		"confidentiality": "normal", "signer_id": o.officialID}, testpdf.Make(1, "Quyet dinh"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	o.handler.act(id, "submit", nil)
	o.officer.act(id, "approve", nil)
	return id
}

// action posts an action and returns the status and the body.
func action(t *testing.T, c *client, id, act string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/documents/"+id+"/actions/"+act, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// state is the document's state as the API shows it.
func (o *prodOffice) state(t *testing.T, id string) string {
	t.Helper()
	var d struct{ State string }
	if err := json.Unmarshal(o.clerk.get("/api/v1/documents/"+id), &d); err != nil {
		t.Fatal(err)
	}
	return d.State
}

// prodReport is what the tests read of a verification report.
type prodReport struct {
	Verdict    string
	Reasons    []string
	Signatures []struct {
		SubFilter string
		Signer    struct{ Subject, Issuer string }
		Timestamp *struct {
			Authority string
			Trusted   bool
		}
		ValidationTimeSource string `json:"validation_time_source"`
		Revocation           *struct{ Status, Source, Kind string }
		Errors, Warnings     []string
	}
}

// offlineReport verifies pdf with `vanthu verify --json` offline under
// the anchors: what the document itself carries.
func (o *prodOffice) offlineReport(t *testing.T, pdf []byte) prodReport {
	t.Helper()
	path := filepath.Join(t.TempDir(), "issued.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	run(t.Context(), []string{"verify", "--json", "--expect-layers", "2", "--trust", filepath.Join(o.dir, "anchors.pem"), path},
		func(string) string { return "" }, &out, &errb)
	var rep prodReport
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("vanthu verify --json: %v\n%s%s", err, out.String(), errb.String())
	}
	return rep
}

// issueDoc signs and issues a new document and fails unless both work.
func (o *prodOffice) issueDoc(t *testing.T, subject string) string {
	t.Helper()
	id := o.approved(t, subject)
	if code, body := action(t, o.officer, id, "sign"); code != 200 {
		t.Fatalf("sign: %d %s", code, body)
	}
	if code, body := action(t, o.clerk, id, "issue"); code != 200 {
		t.Fatalf("issue: %d %s", code, body)
	}
	return id
}

// TestIntegrationProductionPKILifecycle: serve in production with the
// agency's and the official's keys on the SoftHSM2 token, certified by a
// subordinate CA under a root that alone is the trust anchor (with the
// TSA's own root), a delegated OCSP responder and a separate TSA; draft
// → submit → approve → sign → issue through the API. Both layers are
// valid in vanthu's report and in poppler's pdfsig (NSS, the root only),
// the /DSS holds the subordinate CA and the responder's answers, and the
// signers' names are the certificates' UTF-8 names everywhere.
func TestIntegrationProductionPKILifecycle(t *testing.T) {
	pdfsig, certutil, qpdf := needTool(t, "pdfsig"), needTool(t, "certutil"), needTool(t, "qpdf")
	o := startProdOffice(t, prodSetup{})
	id := o.issueDoc(t, "Quyết định về việc ban hành quy chế làm việc")
	var rep prodReport
	if err := json.Unmarshal(o.clerk.get("/api/v1/documents/"+id+"/verification"), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != "valid" || len(rep.Signatures) != 3 {
		t.Fatalf("report: %+v", rep)
	}
	wantSubject := map[int]string{0: "CN=" + prodOfficialCN, 1: "CN=" + prodAgencyCN}
	for i := range 2 {
		sig := rep.Signatures[i]
		if len(sig.Errors)+len(sig.Warnings) > 0 || sig.Timestamp == nil || !sig.Timestamp.Trusted || sig.ValidationTimeSource != "timestamp" ||
			sig.Revocation == nil || sig.Revocation.Status != "good" {
			t.Errorf("layer %d: %+v", i+1, sig)
		}
		if !strings.Contains(sig.Signer.Subject, wantSubject[i]) || !strings.Contains(sig.Signer.Issuer, "CA phục vụ các cơ quan Nhà nước") {
			t.Errorf("layer %d signer %q issuer %q: want the certificate's UTF-8 names", i+1, sig.Signer.Subject, sig.Signer.Issuer)
		}
	}
	// The official's title and identity number read as text, not as hex
	// DER, under their names, not as dotted OIDs (internal/dn).
	if s := rep.Signatures[0].Signer.Subject; !strings.Contains(s, "T=Chủ tịch") || !strings.Contains(s, "UID="+prodOfficialUID) {
		t.Errorf("official's subject %q lacks the title and UID as text", s)
	}
	pdf := o.clerk.get("/api/v1/documents/" + id + "/file")

	// Offline, the document carries what proves it: the embedded OCSP
	// responses of the delegated responder.
	off := o.offlineReport(t, pdf)
	if off.Verdict != "valid" {
		t.Errorf("offline report: %s %q", off.Verdict, off.Reasons)
	}
	for i := range 2 {
		if r := off.Signatures[i].Revocation; r == nil || r.Source != "embedded" || r.Kind != "ocsp" || r.Status != "good" {
			t.Errorf("layer %d offline revocation: %+v", i+1, r)
		}
	}
	// The /DSS (streams uncompressed by qpdf) holds the subordinate CA's
	// certificate and the responder's certificate inside its answers.
	dir := t.TempDir()
	in, qdf := filepath.Join(dir, "issued.pdf"), filepath.Join(dir, "qdf.pdf")
	os.WriteFile(in, pdf, 0o600)
	if out, err := exec.Command(qpdf, "--qdf", "--object-streams=disable", in, qdf).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --qdf: %v %s", err, out)
	}
	flat, _ := os.ReadFile(qdf)
	if !bytes.Contains(flat, []byte("/DSS")) || !bytes.Contains(flat, []byte("/OCSPs")) || !bytes.Contains(flat, []byte("/CRLs")) ||
		!bytes.Contains(flat, o.pki.sub.Raw) || !bytes.Contains(flat, o.pki.root.Raw) || !bytes.Contains(flat, o.pki.responder.Raw) {
		t.Errorf("/DSS: /OCSPs %v, /CRLs (the root's, for the subordinate CA) %v, subordinate CA %v, root %v, responder %v",
			bytes.Contains(flat, []byte("/OCSPs")), bytes.Contains(flat, []byte("/CRLs")), bytes.Contains(flat, o.pki.sub.Raw),
			bytes.Contains(flat, o.pki.root.Raw), bytes.Contains(flat, o.pki.responder.Raw))
	}

	// poppler: the root alone in the NSS db.
	nss := filepath.Join(dir, "nss")
	os.MkdirAll(nss, 0o700)
	rootPEM := filepath.Join(dir, "root.pem")
	os.WriteFile(rootPEM, pemOf(o.pki.root), 0o600)
	if out, err := exec.Command(certutil, "-N", "-d", "sql:"+nss, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v %s", err, out)
	}
	if out, err := exec.Command(certutil, "-A", "-n", "root", "-t", "CT,C,C", "-i", rootPEM, "-d", "sql:"+nss).CombinedOutput(); err != nil {
		t.Fatalf("certutil -A: %v %s", err, out)
	}
	out, _ := exec.Command(pdfsig, "-nssdir", "sql:"+nss, in).CombinedOutput()
	so := string(out)
	t.Logf("pdfsig:\n%s", so)
	if n := strings.Count(so, "Signature Validation: Signature is Valid."); n != 2 {
		t.Errorf("pdfsig: %d valid signatures, want 2", n)
	}
	if n := strings.Count(so, "Certificate Validation: Certificate is Trusted."); n != 2 {
		t.Errorf("pdfsig: %d trusted certificates, want 2", n)
	}
	for _, want := range []string{"Signer Certificate Common Name: " + prodOfficialCN + "\n", "Signer Certificate Common Name: " + prodAgencyCN + "\n"} {
		if !strings.Contains(so, want) {
			t.Errorf("pdfsig does not say %q", strings.TrimSpace(want))
		}
	}
	if o.pki.ocspHits.Load() == 0 {
		t.Error("the responder was never asked")
	}

	// The archived record: its metadata names the signer as the
	// certificate does, and its validation report holds the UTF-8 subjects.
	if code, body := action(t, o.clerk, id, "archive"); code != 200 {
		t.Fatalf("archive: %d %s", code, body)
	}
	var md struct {
		Signer struct {
			FullName string `json:"full_name"`
		}
	}
	if err := json.Unmarshal(o.clerk.get("/api/v1/archive/"+id+"/object?name=metadata.json"), &md); err != nil || md.Signer.FullName != prodOfficialCN {
		t.Errorf("metadata.json signer %q (%v), want %q", md.Signer.FullName, err, prodOfficialCN)
	}
	if v := string(o.clerk.get("/api/v1/archive/" + id + "/object?name=verification.json")); !strings.Contains(v, "CN="+prodOfficialCN+",O="+prodAgencyCN) ||
		!strings.Contains(v, "CN="+prodAgencyCN) {
		t.Errorf("verification.json lacks the certificates' UTF-8 subjects: %.400s", v)
	}
}

// wantRefused fails unless the action answered code with a JSON error
// whose message holds every part of want, and the document is still in
// state.
func (o *prodOffice) wantRefused(t *testing.T, c *client, id, act string, code int, state string, want ...string) {
	t.Helper()
	got, body := action(t, c, id, act)
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || got != code || e.Error.Message == "" {
		t.Fatalf("%s: %d %s; want %d with a JSON error", act, got, body, code)
	}
	for _, w := range want {
		if !strings.Contains(e.Error.Message, w) {
			t.Errorf("%s: message %q does not say %q", act, e.Error.Message, w)
		}
	}
	if st := o.state(t, id); st != state {
		t.Fatalf("after the refused %s the document is %s, want %s", act, st, state)
	}
}

// TestIntegrationProductionPKIOutages: the faults operators meet, on one
// production server: the OCSP responder down (the CRLs are used), the
// responder and the CRLs down (issue answers 503 and the document is
// issued once they answer), the TSA down (503, the document stays
// signable), the official's certificate revoked at the CA (sign refuses
// before signing; before the fix it signed, and issue then refused the
// document for ever: it could not be signed again).
func TestIntegrationProductionPKIOutages(t *testing.T) {
	o := startProdOffice(t, prodSetup{})
	p := o.pki

	t.Run("OCSPDown", func(t *testing.T) {
		p.set(true, false, false)
		defer p.set(false, false, false)
		id := o.issueDoc(t, "Quyết định khi máy chủ OCSP ngừng")
		off := o.offlineReport(t, o.clerk.get("/api/v1/documents/"+id+"/file"))
		if off.Verdict != "valid" {
			t.Fatalf("offline report: %s %q", off.Verdict, off.Reasons)
		}
		for i := range 2 {
			if r := off.Signatures[i].Revocation; r == nil || r.Source != "embedded" || r.Kind != "crl" || r.Status != "good" {
				t.Errorf("layer %d: %+v, want good from the embedded CRL", i+1, r)
			}
		}
	})

	t.Run("OCSPAndCRLDown", func(t *testing.T) {
		id := o.approved(t, "Quyết định khi cả OCSP và CRL ngừng")
		p.set(true, true, false)
		defer p.set(false, false, false)
		// Layer 1 is made (its status cannot be had now; issue judges it).
		if code, body := action(t, o.officer, id, "sign"); code != 200 {
			t.Fatalf("sign: %d %s", code, body)
		}
		o.wantRefused(t, o.clerk, id, "issue", 503, "officer_signed", "could not be verified now", "try again")
		p.set(false, false, false)
		if code, body := action(t, o.clerk, id, "issue"); code != 200 || o.state(t, id) != "issued" {
			t.Fatalf("issue once the services answer: %d %s", code, body)
		}
	})

	t.Run("TSADown", func(t *testing.T) {
		id := o.approved(t, "Quyết định khi máy chủ cấp dấu thời gian ngừng")
		o.tsa.SetDown(true)
		o.wantRefused(t, o.officer, id, "sign", 503, "approved", "time-stamp authority "+o.tsa.URL, "VANTHU_TSA_URL", "503", "try again")
		o.tsa.SetDown(false)
		if code, body := action(t, o.officer, id, "sign"); code != 200 {
			t.Fatalf("sign once the TSA answers: %d %s", code, body)
		}
		if code, body := action(t, o.clerk, id, "issue"); code != 200 {
			t.Fatalf("issue: %d %s", code, body)
		}
	})

	t.Run("OfficialRevoked", func(t *testing.T) {
		id := o.approved(t, "Quyết định ký bằng chứng thư đã bị thu hồi")
		p.revoke(o.officialCert)
		o.wantRefused(t, o.officer, id, "sign", 422, "approved", prodOfficialCN, "revoked", "signing-key")
	})
}

// TestIntegrationProductionPKILeafOnly: the token (or the PEM an admin
// pastes) gives the end-entity certificate without its subordinate CA;
// the CA's certificate is fetched from the certificate's AIA caIssuers
// URL, and both layers chain to the root. Before: layer 1 was signed
// with the leaf alone and issue refused the document ("not issued by a
// trusted authority"), for ever. With the CA's repository down too, sign
// refuses with a 503 that names what is missing, the document unsigned.
func TestIntegrationProductionPKILeafOnly(t *testing.T) {
	leafOnly := func(leaf *x509.Certificate, _ *vnPKI) []*x509.Certificate { return []*x509.Certificate{leaf} }
	o := startProdOffice(t, prodSetup{agencyChain: leafOnly, officialChain: leafOnly})

	id := o.approved(t, "Quyết định khi kho chứng thư CA ngừng")
	o.pki.set(false, false, true)
	o.wantRefused(t, o.officer, id, "sign", 503, "approved", "CA phục vụ các cơ quan Nhà nước", "could not be fetched", o.pki.URL+"/sub.crt")
	o.pki.set(false, false, false)

	id = o.issueDoc(t, "Quyết định ký với chứng thư không kèm CA trung gian")
	var rep prodReport
	if err := json.Unmarshal(o.clerk.get("/api/v1/documents/"+id+"/verification"), &rep); err != nil || rep.Verdict != "valid" {
		t.Fatalf("report: %v %+v", err, rep)
	}
	if o.pki.issuerHit.Load() == 0 {
		t.Fatal("the caIssuers URL was never asked")
	}
	off := o.offlineReport(t, o.clerk.get("/api/v1/documents/"+id+"/file"))
	if off.Verdict != "valid" {
		t.Fatalf("offline: %s %q", off.Verdict, off.Reasons)
	}
}

// TestIntegrationProductionPKIUntrustedTSA: the TSA's root is not among
// the trust anchors. Sign refuses before signing and says what to add;
// before, layer 1 was made, and issue refused every document
// (indeterminate: the document time-stamp's authority is not trusted).
func TestIntegrationProductionPKIUntrustedTSA(t *testing.T) {
	o := startProdOffice(t, prodSetup{tsaUntrusted: true})
	id := o.approved(t, "Quyết định với dấu thời gian không tin cậy")
	o.wantRefused(t, o.officer, id, "sign", 422, "approved", "time-stamp authority", "not under the trust anchors", "VANTHU_TRUST_ANCHORS")
}
