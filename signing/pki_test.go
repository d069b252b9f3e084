package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
)

// testPKI is a root CA with an official's and an agency's certificate,
// made with the standard library only (independent of signing/keys).
type testPKI struct {
	Root    *x509.Certificate
	RootKey crypto.Signer
	Officer keys.Key
	Agency  keys.Key
}

var (
	pkiOnce  sync.Once
	pkiCache map[string]*testPKI
)

func (p *testPKI) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Raw})
}

// newTestPKI returns a cached PKI per algorithm ("rsa" or "ec").
func newTestPKI(tb testing.TB, alg string) *testPKI {
	tb.Helper()
	pkiOnce.Do(func() { pkiCache = map[string]*testPKI{} })
	if p := pkiCache[alg]; p != nil {
		return p
	}
	rootKey := genKey(tb, alg)
	now := time.Now()
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vanthu test root " + alg, Organization: []string{"vanthu test"}},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		tb.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	p := &testPKI{Root: root, RootKey: rootKey}
	p.Officer = p.issue(tb, alg, 2, pkix.Name{CommonName: "Nguyễn Văn Sĩ", Organization: []string{"UBND quận Bình Thủy"}}, now.AddDate(0, -1, 0), now.AddDate(2, 0, 0))
	p.Agency = p.issue(tb, alg, 3, pkix.Name{CommonName: "UBND quận Bình Thủy", Organization: []string{"UBND quận Bình Thủy"}}, now.AddDate(0, -1, 0), now.AddDate(2, 0, 0))
	pkiCache[alg] = p
	return p
}

func (p *testPKI) issue(tb testing.TB, alg string, serial int64, subj pkix.Name, nb, na time.Time) keys.Key {
	tb.Helper()
	k := genKey(tb, alg)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: subj, NotBefore: nb, NotAfter: na,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.Root, k.Public(), p.RootKey)
	if err != nil {
		tb.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return keys.Key{Signer: k, Chain: []*x509.Certificate{c, p.Root}}
}

func genKey(tb testing.TB, alg string) crypto.Signer {
	tb.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case "rsa":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ec":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		tb.Fatalf("unknown algorithm %q", alg)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
