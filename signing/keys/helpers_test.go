package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
	"time"
)

// fixedClock returns a clock stuck at t (advance by writing *t).
func fixedClock(t *time.Time) func() time.Time { return func() time.Time { return *t } }

func newTestPKI(tb testing.TB) *DevPKI {
	tb.Helper()
	p, err := OpenDevPKI(tb.TempDir(), "Ủy ban nhân dân Quận Một", "000.00.00.H13", nil)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// signAndVerify signs a SHA-256 digest with k.Signer and verifies the
// signature with the public key of k.Chain[0] (not the signer's own Public).
func signAndVerify(tb testing.TB, k Key) {
	tb.Helper()
	if err := checkSignVerify(k); err != nil {
		tb.Fatal(err)
	}
}

// checkSignVerify is signAndVerify returning its failure, for goroutines
// (which must not call t.Fatal).
func checkSignVerify(k Key) error {
	if len(k.Chain) == 0 {
		return errors.New("empty chain")
	}
	digest := sha256.Sum256([]byte("vanthu test message " + time.Now().String()))
	sig, err := k.Signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	switch pub := k.Chain[0].PublicKey.(type) {
	case *rsa.PublicKey:
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			return fmt.Errorf("RSA signature does not verify with the certificate's key: %w", err)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			return errors.New("ECDSA signature does not verify with the certificate's key")
		}
	default:
		return fmt.Errorf("unexpected public key type %T", pub)
	}
	// A signature over another digest must not verify (the check can fail).
	other := sha256.Sum256([]byte("another message"))
	switch pub := k.Chain[0].PublicKey.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, other[:], sig) == nil {
			return errors.New("signature verified over the wrong digest")
		}
	case *ecdsa.PublicKey:
		if ecdsa.VerifyASN1(pub, other[:], sig) {
			return errors.New("signature verified over the wrong digest")
		}
	}
	return nil
}

// verifyChain checks that k.Chain[0] chains to roots for the given usage.
func verifyChain(tb testing.TB, k Key, roots *x509.CertPool, usage x509.ExtKeyUsage) {
	tb.Helper()
	inter := x509.NewCertPool()
	for _, c := range k.Chain[1:] {
		inter.AddCert(c)
	}
	if _, err := k.Chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		tb.Fatalf("chain of %q: %v", k.Chain[0].Subject, err)
	}
}
