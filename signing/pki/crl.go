package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"
)

// CRL returns the root CA's certificate revocation list (DER, X.509 v2,
// RFC 5280), made afresh from the store: every revocation with its time
// and reason code (none for unspecified, as RFC 5280 5.3.1 asks),
// thisUpdate now, nextUpdate now+CRLValidity. The CRL number is the time
// of issue in milliseconds, so it increases across restarts and across
// instances with synchronised clocks without any shared counter.
func (a *Authority) CRL(ctx context.Context) ([]byte, error) {
	revs, err := a.Revocations(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now().UTC().Truncate(time.Second)
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(a.now().UnixMilli()),
		ThisUpdate: now,
		NextUpdate: now.Add(a.CRLValidity),
	}
	for _, r := range revs {
		serial, err := ParseSerial(r.Serial)
		if err != nil {
			return nil, fmt.Errorf("pki: stored revocation: %w", err)
		}
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: serial, RevocationTime: r.RevokedAt.UTC(), ReasonCode: r.Reason.Code()})
	}
	ca := a.pki.Issuer()
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.Chain[0], ca.Signer)
	if err != nil {
		return nil, fmt.Errorf("pki: sign CRL: %w", err)
	}
	return der, nil
}
