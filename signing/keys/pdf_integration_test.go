package keys

import (
	"bytes"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitorus/pdfsign"
	"github.com/go-pdf/fpdf"
)

// makePDF returns a small two-page PDF written by fpdf.
func makePDF(tb testing.TB) []byte {
	tb.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	for _, s := range []string{"vanthu signing/keys test, page 1", "page 2"} {
		f.AddPage()
		f.SetFont("Helvetica", "", 12)
		f.Cell(80, 10, s)
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// signPDF signs pdf with k via pdfsign (PAdES B-B approval signature).
func signPDF(tb testing.TB, pdf []byte, k Key, name string) []byte {
	tb.Helper()
	doc, err := pdfsign.Open(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		tb.Fatal(err)
	}
	doc.Sign(k.Signer, k.Chain[0], k.Chain[1:]...).
		Type(pdfsign.ApprovalSignature).
		Format(pdfsign.PAdES_B).
		SignerName(name).
		Reason("keys test")
	var out bytes.Buffer
	if _, err := doc.Write(&out); err != nil {
		tb.Fatalf("pdfsign: %v", err)
	}
	return out.Bytes()
}

// nssDB makes an NSS database (certutil, libnss3-tools) trusting rootPEM
// and returns its directory, or skips when certutil is missing.
func nssDB(tb testing.TB, rootPEM []byte) string {
	tb.Helper()
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		tb.Skip("certutil not installed (libnss3-tools; scripts/setup/signing.sh installs it)")
	}
	dir := tb.TempDir()
	rootPath := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootPath, rootPEM, 0o644); err != nil {
		tb.Fatal(err)
	}
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "vanthu dev root", "-t", "CT,C,C", "-i", rootPath},
	} {
		if out, err := exec.Command(certutil, args...).CombinedOutput(); err != nil {
			tb.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// pdfsig runs poppler's pdfsig on pdf with the NSS db and returns its output.
func pdfsig(tb testing.TB, pdf []byte, nssDir string) string {
	tb.Helper()
	bin, err := exec.LookPath("pdfsig")
	if err != nil {
		tb.Skip("pdfsig not installed (poppler-utils; scripts/setup/signing.sh installs it)")
	}
	path := filepath.Join(tb.TempDir(), "signed.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
	// No -no-ocsp: poppler 22.12 then reports "Unknown issue with
	// Certificate" for a valid chain. Dev certificates carry no AIA/OCSP URL,
	// so nothing is fetched.
	out, _ := exec.Command(bin, "-nssdir", "sql:"+nssDir, path).CombinedOutput()
	return string(out)
}

func requireValidTrusted(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{"Signature is Valid.", "Certificate is Trusted.", "ETSI.CAdES.detached"} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfsig output lacks %q:\n%s", want, out)
		}
	}
}

func TestIntegrationPKCS11PDFSig(t *testing.T) {
	token := requireToken(t)
	p := newTestPKI(t)
	db := nssDB(t, p.RootPEM())
	pdf := makePDF(t)
	for _, label := range []string{"agency-rsa", "agency-ec", "officer-rsa", "officer-ec"} {
		t.Run(label, func(t *testing.T) {
			k, _ := tokenKey(t, p, token, label)
			requireValidTrusted(t, pdfsig(t, signPDF(t, pdf, k, "Token "+label), db))
		})
	}
}

// TestIntegrationDevPKIPDFSig: documents signed with dev PKI certificates
// validate as trusted in pdfsig when the dev root is in the NSS db, and as
// untrusted (but intact) when another root is.
func TestIntegrationDevPKIPDFSig(t *testing.T) {
	p := newTestPKI(t)
	db := nssDB(t, p.RootPEM())
	pdf := makePDF(t)
	agency, err := p.Agency()
	if err != nil {
		t.Fatal(err)
	}
	officer, err := p.Officer("u-42", "Nguyễn Văn Ánh", "Chủ tịch")
	if err != nil {
		t.Fatal(err)
	}
	layer1 := signPDF(t, pdf, officer, "Nguyễn Văn Ánh")
	out := pdfsig(t, layer1, db)
	requireValidTrusted(t, out)
	both := signPDF(t, layer1, agency, "agency")
	out = pdfsig(t, both, db)
	if n := strings.Count(out, "Signature is Valid."); n != 2 {
		t.Errorf("pdfsig: %d valid signatures, want 2:\n%s", n, out)
	}
	if n := strings.Count(out, "Certificate is Trusted."); n != 2 {
		t.Errorf("pdfsig: %d trusted certificates, want 2:\n%s", n, out)
	}

	// pdfsign's own verifier with the dev root, requiring non-repudiation.
	doc, err := pdfsign.Open(bytes.NewReader(both), int64(len(both)))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.RootPEM())
	res := doc.Verify().TrustedRoots(pool).RequireNonRepudiation(true).TrustSignatureTime(true)
	if !res.Valid() {
		for _, s := range res.Signatures() {
			t.Logf("%s: errors %v", s.SignerName, s.Errors)
		}
		t.Errorf("pdfsign verifier: not valid: %v", res.Err())
	}

	// Another root in the NSS db: intact but not trusted.
	other := newTestPKI(t)
	out = pdfsig(t, layer1, nssDB(t, other.RootPEM()))
	if !strings.Contains(out, "Signature is Valid.") || strings.Contains(out, "Certificate is Trusted.") {
		t.Errorf("with a foreign root pdfsig should say valid but not trusted:\n%s", out)
	}
}
