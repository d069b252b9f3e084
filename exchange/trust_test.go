package exchange

import (
	"crypto/sha256"
	"crypto/x509"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestParseCertsPEMRemembered: a bundle read again gives the same
// certificates (a list of its own: changing it changes nothing kept), and
// a bundle that does not parse is refused every time, not remembered.
func TestParseCertsPEMRemembered(t *testing.T) {
	a, b := cert(t, "A", false, nil, x509.ExtKeyUsageServerAuth), cert(t, "B", false, nil, x509.ExtKeyUsageServerAuth)
	bundle := []byte(certPEM(a) + certPEM(b))
	first, err := ParseCertsPEM("test", bundle)
	if err != nil || len(first) != 2 {
		t.Fatalf("first: %v, %d certificates", err, len(first))
	}
	first[0] = nil
	again, err := ParseCertsPEM("test", bundle)
	if err != nil || len(again) != 2 || again[0] == nil || !again[0].Equal(a.Leaf) || !again[1].Equal(b.Leaf) {
		t.Fatalf("again: %v %v", err, again)
	}
	if _, ok := parsedPEM.Get(sha256.Sum256(bundle)); !ok {
		t.Error("the bundle was not remembered")
	}
	bad := []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	for range 2 {
		if _, err := ParseCertsPEM("test", bad); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Fatalf("a bundle that does not parse: %v", err)
		}
	}
	if _, ok := parsedPEM.Get(sha256.Sum256(bad)); ok {
		t.Error("a bundle that does not parse was remembered")
	}
}
