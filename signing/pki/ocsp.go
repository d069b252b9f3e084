package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/workflow"
)

// OCSP answers a DER-encoded OCSP request (RFC 6960) with a DER-encoded
// response signed by the root CA itself (the issuer is the responder, so
// no delegated responder certificate is needed): good for a certificate
// the development PKI issued and that is not revoked, revoked (time and
// reason) for one that is, unknown for a serial it never issued. A
// request that cannot be parsed gets malformedRequest, one for another
// issuer unauthorized; these are answers, not errors. The error is only
// for a failure of the store or of signing (the HTTP handler answers
// internalError then).
func (a *Authority) OCSP(ctx context.Context, der []byte) ([]byte, error) {
	req, err := ocsp.ParseRequest(der)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse, nil
	}
	root := a.pki.Root()
	if !a.isRoot(root, req) {
		return ocsp.UnauthorizedErrorResponse, nil
	}
	return a.respond(ctx, req.SerialNumber, req.HashAlgorithm)
}

// OCSPResponse returns a fresh OCSP response for cert, a certificate the
// development PKI issued (the in-process equivalent of asking the
// responder over HTTP, e.g. to embed in a document's DSS). The CertID
// uses SHA-1, as OCSP clients do by default.
func (a *Authority) OCSPResponse(ctx context.Context, cert *x509.Certificate) ([]byte, error) {
	return a.respond(ctx, cert.SerialNumber, crypto.SHA1)
}

// OCSPReuse is how long a signed OCSP response is served again for the
// same certificate instead of looking its status up and signing a new one
// (as production responders pre-produce theirs). It bounds how long
// another instance sharing the database may still answer "good" for a
// certificate revoked elsewhere; the revoking instance forgets its
// responses at once. A reused response is at most OCSPReuse plus the
// minute thisUpdate is truncated to old, well within the verifier's
// 5-minute freshness grace for embedded evidence.
const OCSPReuse = time.Minute

// ocspCache holds the responses respond made, by CertID hash and serial.
type ocspCache struct {
	mu  sync.Mutex
	m   map[ocspKey]ocspEntry
	gen uint64 // counts forget calls
}

type ocspKey struct {
	hash   crypto.Hash
	serial string
}

type ocspEntry struct {
	der   []byte
	until time.Time // reused while the clock is before this
}

// get returns the response kept for k, or nil and the generation a new
// one must be put under.
func (c *ocspCache) get(k ocspKey, now time.Time) ([]byte, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok && now.Before(e.until) {
		return e.der, c.gen
	}
	return nil, c.gen
}

// put keeps der unless a revocation was stored since the status it says
// was read (gen changed).
func (c *ocspCache) put(k ocspKey, der []byte, until time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= 4096 {
		c.m = map[ocspKey]ocspEntry{} // a bound, not a policy: entries live a minute
	}
	c.m[k] = ocspEntry{der: der, until: until}
}

// forget drops every response (a revocation was stored here).
func (c *ocspCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
	c.gen++
}

// ForgetOCSP drops the responses kept for OCSPReuse: the next one for
// each certificate is made anew from its status. A signing worker calls
// it when its server says it stored a revocation.
func (a *Authority) ForgetOCSP() { a.ocsp.forget() }

// respond returns the response for serial: one made less than OCSPReuse
// ago, or a new one (always a new one with FreshOCSP).
func (a *Authority) respond(ctx context.Context, serial *big.Int, hash crypto.Hash) ([]byte, error) {
	if a.FreshOCSP {
		der, _, err := a.produce(ctx, serial, hash)
		return der, err
	}
	k := ocspKey{hash: hash, serial: string(serial.Bytes())}
	now := a.now()
	der, gen := a.ocsp.get(k, now)
	if der != nil {
		return der, nil
	}
	der, status, err := a.produce(ctx, serial, hash)
	if err != nil || status == ocsp.Unknown {
		return der, err
	}
	a.ocsp.put(k, der, now.Add(OCSPReuse), gen)
	return der, nil
}

// produce looks serial's status up and signs a response.
func (a *Authority) produce(ctx context.Context, serial *big.Int, hash crypto.Hash) ([]byte, int, error) {
	// x/crypto/ocsp sets producedAt to the wall clock truncated to the
	// minute, and NSS (pdfsig) rejects a response whose thisUpdate is later
	// than its producedAt ("not yet valid"): thisUpdate is truncated
	// likewise, and never after the wall clock's minute.
	now := a.now().UTC().Truncate(time.Minute)
	if wall := time.Now().UTC().Truncate(time.Minute); now.After(wall) {
		now = wall
	}
	tmpl := ocsp.Response{SerialNumber: serial, ThisUpdate: now, NextUpdate: now.Add(a.OCSPValidity), IssuerHash: hash}
	r, err := a.Status(ctx, serial)
	switch {
	case workflow.ErrorCode(err) == workflow.ENOTFOUND:
		tmpl.Status = ocsp.Unknown
	case err != nil:
		return nil, 0, err
	case r != nil:
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, r.RevokedAt, r.Reason.Code()
	default:
		tmpl.Status = ocsp.Good
	}
	ca := a.pki.Issuer()
	der, err := ocsp.CreateResponse(ca.Chain[0], ca.Chain[0], tmpl, ca.Signer)
	if err != nil {
		return nil, 0, fmt.Errorf("pki: sign OCSP response: %w", err)
	}
	return der, tmpl.Status, nil
}

// isRoot reports whether req names the root CA as the issuer.
func (a *Authority) isRoot(root *x509.Certificate, req *ocsp.Request) bool {
	if !req.HashAlgorithm.Available() {
		return false
	}
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(root.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h := req.HashAlgorithm.New()
	h.Write(spki.PublicKey.RightAlign())
	keyHash := h.Sum(nil)
	h.Reset()
	h.Write(root.RawSubject)
	nameHash := h.Sum(nil)
	return bytes.Equal(keyHash, req.IssuerKeyHash) && bytes.Equal(nameHash, req.IssuerNameHash)
}
