package keys

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStoredAgency: the agency of an existing PKI is read back from its
// agency certificate; a directory without one is an error.
func TestStoredAgency(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	if _, _, err := StoredAgency(dir); err == nil {
		t.Fatal("StoredAgency of an empty directory: no error")
	}
	p, err := OpenDevPKI(dir, "UBND Quận Một", "000.00.00.H13", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Agency(); err != nil {
		t.Fatal(err)
	}
	name, org, err := StoredAgency(dir)
	if err != nil || name != "UBND Quận Một" || org != "000.00.00.H13" {
		t.Errorf("StoredAgency = %q, %q, %v", name, org, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "agency.pem"), []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := StoredAgency(dir); err == nil {
		t.Error("StoredAgency of a damaged agency file: no error")
	}
}

// TestTLSKeyPath: TLSKeyPath names the file TLSServerClient keeps.
func TestTLSKeyPath(t *testing.T) {
	p := newTestPKI(t)
	path := p.TLSKeyPath("peer/1")
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("%s exists before the certificate is issued", path)
	}
	if _, _, _, err := p.TLSServerClient("peer/1", []string{"localhost"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if certs, err := ParseCertificatesPEM(data); err != nil || len(certs) == 0 || certs[0].Subject.CommonName != "peer/1" {
		t.Errorf("%s: %v, %v", path, certs, err)
	}
}
