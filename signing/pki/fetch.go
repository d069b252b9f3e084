package pki

import (
	"context"
	"crypto/x509"
	"sync"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

type fetcher struct {
	a    *Authority
	next verify.Fetcher
}

// Fetcher returns a verify.Fetcher that answers in process for a
// certificate the development root issued (a fresh OCSP response, what
// the responder at its AIA URL would send: no HTTP round trip to this or
// another instance) and asks next for any other certificate (nil = no
// other: EUNAVAILABLE, offline).
func (a *Authority) Fetcher(next verify.Fetcher) verify.Fetcher { return fetcher{a: a, next: next} }

func (f fetcher) Fetch(ctx context.Context, cert, issuer *x509.Certificate) (verify.Evidence, error) {
	if cert != nil && f.a.issuedByRoot(cert) {
		der, err := f.a.OCSPResponse(ctx, cert)
		if err != nil {
			return verify.Evidence{}, workflow.Wrap(workflow.EUNAVAILABLE, err, "development PKI OCSP response")
		}
		url := f.a.pki.ServiceURL() + keys.OCSPPath
		if len(cert.OCSPServer) > 0 {
			url = cert.OCSPServer[0]
		}
		return verify.Evidence{OCSP: der, URL: url}, nil
	}
	if f.next == nil {
		return verify.Evidence{}, workflow.Errorf(workflow.EUNAVAILABLE, "revocation data is not fetched online here")
	}
	return f.next.Fetch(ctx, cert, issuer)
}

// rootIssued remembers which certificates the development root signed
// (a signature check per certificate, not per fetch).
type rootIssued struct {
	mu   sync.Mutex
	root *x509.Certificate // the root the answers are for
	m    map[string]bool   // DER -> signed by root
}

func (a *Authority) issuedByRoot(cert *x509.Certificate) bool {
	root := a.pki.Root()
	c := &a.issued
	c.mu.Lock()
	if c.root != root || len(c.m) >= 4096 {
		c.root, c.m = root, map[string]bool{}
	}
	ok, hit := c.m[string(cert.Raw)]
	c.mu.Unlock()
	if hit {
		return ok
	}
	ok = cert.CheckSignatureFrom(root) == nil
	c.mu.Lock()
	if c.root == root {
		c.m[string(cert.Raw)] = ok
	}
	c.mu.Unlock()
	return ok
}
