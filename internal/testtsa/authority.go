package testtsa

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// CA is a test certificate authority that issues TSA certificates.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA makes a self-signed root valid from a day before notBefore until
// notAfter.
func NewCA(tb testing.TB, name string, notBefore, notAfter time.Time) *CA {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             notBefore.Add(-24 * time.Hour),
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &CA{Cert: cert, Key: key}
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// Authority is a time-stamp authority on 127.0.0.1 that stamps at an
// injected clock and whose certificate can be replaced by one with a
// chosen validity period (as a real TSA rolls its key over), for tests
// that look years ahead. It stops when the test ends.
type Authority struct {
	URL      string
	Requests atomic.Int64 // requests answered with a token

	ca      *CA
	now     func() time.Time
	mu      sync.Mutex
	cert    *x509.Certificate
	key     crypto.Signer
	down    bool
	revoked map[string]time.Time // serial (decimal) -> revocation time
}

// NewAuthority runs an authority whose first certificate, issued by ca,
// expires at notAfter.
func NewAuthority(tb testing.TB, ca *CA, now func() time.Time, notAfter time.Time) *Authority {
	tb.Helper()
	a := &Authority{ca: ca, now: now, revoked: map[string]time.Time{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ocsp" {
			a.serveOCSP(w, r)
			return
		}
		a.serve(w, r)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	tb.Cleanup(srv.Close)
	a.URL = srv.URL
	a.Rotate(tb, notAfter)
	return a
}

// Revoke marks cert revoked (keyCompromise) at the injected time: the
// OCSP responder at URL/ocsp, which every certificate names, says so.
func (a *Authority) Revoke(cert *x509.Certificate) {
	a.mu.Lock()
	a.revoked[cert.SerialNumber.String()] = a.now()
	a.mu.Unlock()
}

// serveOCSP answers an OCSP request (RFC 6960, POST) for the authority's
// certificates, signed by the CA.
func (a *Authority) serveOCSP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<10))
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := a.now()
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour)}
	a.mu.Lock()
	if at, ok := a.revoked[req.SerialNumber.String()]; ok {
		tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, at, ocsp.KeyCompromise
	}
	a.mu.Unlock()
	resp, err := ocsp.CreateResponse(a.ca.Cert, a.ca.Cert, tmpl, a.ca.Key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	_, _ = w.Write(resp)
}

// Rotate gives the authority a new key and a certificate (naming the
// OCSP responder URL/ocsp) valid from
// before both the real and the injected time until notAfter (the CMS
// signing-time the token library writes is the real time), and returns
// the certificate.
func (a *Authority) Rotate(tb testing.TB, notAfter time.Time) *x509.Certificate {
	tb.Helper()
	from := time.Now()
	if t := a.now(); t.Before(from) {
		from = t
	}
	ocspURL := ""
	if a.URL != "" {
		ocspURL = a.URL + "/ocsp"
	}
	cert, key := issueTSACert(tb, "Vanthu Test TSA "+notAfter.UTC().Format("2006-01-02"), from.Add(-24*time.Hour), notAfter, a.ca.Cert, a.ca.Key, ocspURL)
	a.mu.Lock()
	a.cert, a.key = cert, key
	a.mu.Unlock()
	return cert
}

// Cert is the authority's current certificate.
func (a *Authority) Cert() *x509.Certificate {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cert
}

// SetDown makes the authority answer 503 (true) or work again (false).
func (a *Authority) SetDown(down bool) {
	a.mu.Lock()
	a.down = down
	a.mu.Unlock()
}

func (a *Authority) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	cert, key, down := a.cert, a.key, a.down
	a.mu.Unlock()
	if down {
		http.Error(w, "down for the test", http.StatusServiceUnavailable)
		return
	}
	if writeToken(w, r, cert, key, a.now(), []*x509.Certificate{a.ca.Cert}) {
		a.Requests.Add(1)
	}
}
