package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
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

func (a *Authority) respond(ctx context.Context, serial *big.Int, hash crypto.Hash) ([]byte, error) {
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
		return nil, err
	case r != nil:
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, r.RevokedAt, r.Reason.Code()
	default:
		tmpl.Status = ocsp.Good
	}
	ca := a.pki.Issuer()
	der, err := ocsp.CreateResponse(ca.Chain[0], ca.Chain[0], tmpl, ca.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: sign OCSP response: %w", err)
	}
	return der, nil
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
