package exchange

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

// ParseCertsPEM reads every CERTIFICATE block of a PEM bundle. EINVALID
// when there is none or one does not parse.
func ParseCertsPEM(what string, b []byte) ([]*x509.Certificate, error) {
	out, err := keys.ParseCertificatesPEM(b)
	if err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "%s: a certificate does not parse", what)
	}
	if len(out) == 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "%s: no PEM certificate", what)
	}
	return out, nil
}

// matchesTrust reports whether the peer's certificate chain (leaf first)
// is accepted by a registered TLS trust: the leaf is one of the trust's
// certificates byte for byte (pinned), or it chains, for usage, to one of
// them as a CA. host, when not empty, must be named by the leaf (a server
// checked through a CA).
func matchesTrust(chain []*x509.Certificate, trust []*x509.Certificate, usage x509.ExtKeyUsage, host string, now time.Time) error {
	if len(chain) == 0 {
		return fmt.Errorf("no certificate presented")
	}
	leaf := chain[0]
	for _, t := range trust {
		if bytes.Equal(t.Raw, leaf.Raw) {
			if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
				return fmt.Errorf("certificate %q expired or not yet valid", leaf.Subject.CommonName)
			}
			return nil
		}
	}
	roots := x509.NewCertPool()
	cas := 0
	for _, t := range trust {
		if t.IsCA {
			roots.AddCert(t)
			cas++
		}
	}
	if cas == 0 {
		return fmt.Errorf("certificate %q is not the registered one", leaf.Subject.CommonName)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{usage},
		DNSName: host, CurrentTime: now})
	if err != nil {
		return fmt.Errorf("certificate %q does not chain to the registered CA: %w", leaf.Subject.CommonName, err)
	}
	return nil
}
