// Package testtsa runs an RFC 3161 time-stamp authority on 127.0.0.1 for
// tests (responses built with github.com/digitorus/timestamp).
package testtsa

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// ekuTimeStamping is the DER of ExtKeyUsageSyntax with id-kp-timeStamping.
var ekuTimeStamping, _ = asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})

// TSA is a running time-stamp authority.
type TSA struct {
	URL      string
	Requests atomic.Int64 // requests answered with a token
}

// Start runs a TSA whose certificate is issued by issuer (signed with
// issuerKey); it stamps with the time now returns and adds chain to each
// token's certificates. It stops when the test ends.
func Start(tb testing.TB, issuer *x509.Certificate, issuerKey crypto.Signer, chain []*x509.Certificate, now func() time.Time) *TSA {
	tb.Helper()
	// Valid today and at the time it stamps (tests stamp in the past to
	// prove a signature made while its certificate was valid).
	t0, t1 := time.Now(), now()
	if t1.Before(t0) {
		t0, t1 = t1, t0
	}
	cert, key := issueTSACert(tb, "Vanthu Test TSA", t0.Add(-24*time.Hour), t1.Add(24*time.Hour), issuer, issuerKey, "")
	tsa := &TSA{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if writeToken(w, r, cert, key, now(), chain) {
			tsa.Requests.Add(1)
		}
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	tb.Cleanup(srv.Close)
	tsa.URL = srv.URL
	return tsa
}

// issueTSACert makes a time-stamping key and its certificate, issued by
// issuer: RFC 3161 2.3 wants one extended key usage, id-kp-timeStamping,
// in a critical extension (Go's ExtKeyUsage field writes it non-critical,
// which openssl ts -verify refuses). ocspURL, when set, is named in AIA.
func issueTSACert(tb testing.TB, name string, notBefore, notAfter time.Time, issuer *x509.Certificate, issuerKey crypto.Signer, ocspURL string) (*x509.Certificate, crypto.Signer) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    serial(),
		Subject:         pkix.Name{CommonName: name},
		NotBefore:       notBefore,
		NotAfter:        notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: ekuTimeStamping}},
	}
	if ocspURL != "" {
		tmpl.OCSPServer = []string{ocspURL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), issuerKey)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert, key
}

// writeToken answers a time-stamp request with a token made at time at,
// carrying chain; it reports whether it wrote one.
func writeToken(w http.ResponseWriter, r *http.Request, cert *x509.Certificate, key crypto.Signer, at time.Time, chain []*x509.Certificate) bool {
	body, _ := io.ReadAll(r.Body)
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     req.HashedMessage,
		Time:              at,
		Nonce:             req.Nonce,
		Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		AddTSACertificate: req.Certificates,
		Certificates:      chain,
	}
	resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return false
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(resp)
	return true
}
