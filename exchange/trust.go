package exchange

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/vanthu/vanthu/internal/memo"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

// ParseCertsPEM reads every CERTIFICATE block of a PEM bundle. EINVALID
// when there is none or one does not parse.
// A bundle that parsed is remembered by its bytes: an agency's
// certificates are read from its row for every delivery and status
// message. The certificates are shared; callers do not change them.
func ParseCertsPEM(what string, b []byte) ([]*x509.Certificate, error) {
	k := sha256.Sum256(b)
	if out, ok := parsedPEM.Get(k); ok {
		return slices.Clone(out), nil
	}
	out, err := keys.ParseCertificatesPEM(b)
	if err != nil {
		return nil, workflow.Wrap(workflow.EINVALID, err, "%s: a certificate does not parse", what)
	}
	if len(out) == 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "%s: no PEM certificate", what)
	}
	parsedPEM.Put(k, slices.Clone(out))
	return out, nil
}

// parsedPEM holds the bundles ParseCertsPEM parsed (a few per connected
// agency).
var parsedPEM = memo.Map[[]*x509.Certificate]{Max: 1024}

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
