package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/vanthu/vanthu/archive"
)

// TestAnchorSignerStatusOffline: with revocation checking off by
// configuration (VANTHU_REVOCATION_ONLINE=false), an agency certificate
// that names an OCSP responder is not asked and its anchors are said not
// checked — not unknown, which fails every audit check (503) of an office
// whose network cannot reach the CA; with it on and the responder
// unreachable the status stays unknown (the check answers 503).
func TestAnchorSignerStatusOffline(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := func(serial int64, cn string, ca bool) *x509.Certificate {
		return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: ca, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, OCSPServer: []string{"http://127.0.0.1:1/ocsp"}}
	}
	caT := tmpl(1, "CA", true)
	caDER, err := x509.CreateCertificate(rand.Reader, caT, caT, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, tmpl(2, "UBND", false), ca, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	for _, tc := range []struct {
		online bool
		want   string
	}{{false, archive.RevocationNotChecked}, {true, archive.RevocationUnknown}} {
		a := &app{cfg: &Config{RevOnline: tc.online}, now: func() time.Time { return now }}
		st, err := anchorSignerStatus(context.Background(), a, leaf, ca)
		if err != nil || st.Status != tc.want {
			t.Errorf("online=%v: %+v %v, want %s", tc.online, st, err, tc.want)
		}
	}
}
