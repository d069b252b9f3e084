package signing

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/keys"
)

// revPKI is a test CA with revocation services: the official's certificate
// names an OCSP responder (AIA), the agency's a CRL distribution point.
// Responses and CRLs are built in the test with ocsp.CreateResponse and
// x509.CreateRevocationList, at the time clock() says.
type revPKI struct {
	Root            *x509.Certificate
	RootKey         crypto.Signer
	Officer, Agency keys.Key
	URL             string
	clock           atomic.Pointer[time.Time]
	mu              sync.Mutex
	revoked         map[string]revEntry
	OCSPHits        atomic.Int64
	CRLHits         atomic.Int64
	down            atomic.Bool // answer 503
	hang            atomic.Bool // never answer (until the client gives up)
}

type revEntry struct {
	at     time.Time
	reason int
}

func newRevPKI(tb testing.TB, alg string) *revPKI {
	tb.Helper()
	p := &revPKI{revoked: map[string]revEntry{}}
	now := time.Now()
	p.setClock(now)
	p.RootKey = genKey(tb, alg)
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vanthu revocation test root " + alg, Organization: []string{"vanthu test"}},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, p.RootKey.Public(), p.RootKey)
	if err != nil {
		tb.Fatal(err)
	}
	p.Root, _ = x509.ParseCertificate(der)
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(srv.Close)
	tb.Cleanup(func() { p.hang.Store(false) })
	p.URL = srv.URL
	issue := func(serial int64, subj pkix.Name, aia, crl []string) keys.Key {
		k := genKey(tb, alg)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: subj, NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(2, 0, 0),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
			OCSPServer:  aia, CRLDistributionPoints: crl,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, p.Root, k.Public(), p.RootKey)
		if err != nil {
			tb.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return keys.Key{Signer: k, Chain: []*x509.Certificate{c, p.Root}}
	}
	p.Officer = issue(2, pkix.Name{CommonName: "Nguyễn Văn Sĩ", Organization: []string{"UBND quận Bình Thủy"}}, []string{srv.URL + "/ocsp"}, nil)
	p.Agency = issue(3, pkix.Name{CommonName: "UBND quận Bình Thủy", Organization: []string{"UBND quận Bình Thủy"}}, nil, []string{srv.URL + "/crl"})
	return p
}

func (p *revPKI) setClock(t time.Time) { p.clock.Store(&t) }
func (p *revPKI) now() time.Time       { return *p.clock.Load() }

func (p *revPKI) revoke(c *x509.Certificate, at time.Time, reason int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked[c.SerialNumber.String()] = revEntry{at: at, reason: reason}
}

func (p *revPKI) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Raw})
}

// tsa starts a TSA chained to the root that stamps at the time at returns.
func (p *revPKI) tsa(tb testing.TB, at func() time.Time) *testtsa.TSA {
	return testtsa.Start(tb, p.Root, p.RootKey, []*x509.Certificate{p.Root}, at)
}

func (p *revPKI) serve(w http.ResponseWriter, r *http.Request) {
	if p.hang.Load() {
		for p.hang.Load() && r.Context().Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		return
	}
	if p.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	now := p.now().Truncate(time.Second)
	// Go's ocsp.CreateResponse sets producedAt to the current minute; a
	// thisUpdate after producedAt is refused by NSS (pdfsig).
	ocspAt := now.Truncate(time.Minute)
	p.mu.Lock()
	defer p.mu.Unlock()
	path := r.URL.Path
	if strings.HasPrefix(path, "/ocsp/") && r.Method == http.MethodGet {
		path = "/ocsp" // RFC 6960 A.1: GET with the base64 request in the path (NSS uses it)
	}
	switch path {
	case "/ocsp":
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodGet {
			enc, _ := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), "/ocsp/"))
			body, _ = base64.StdEncoding.DecodeString(enc)
		}
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: ocspAt, NextUpdate: ocspAt.Add(24 * time.Hour)}
		if e, ok := p.revoked[req.SerialNumber.String()]; ok && !e.at.After(now) {
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, e.at, e.reason
		}
		der, err := ocsp.CreateResponse(p.Root, p.Root, tmpl, p.RootKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		p.OCSPHits.Add(1)
		w.Header().Set("Content-Type", "application/ocsp-response")
		_, _ = w.Write(der)
	case "/crl":
		var entries []x509.RevocationListEntry
		for s, e := range p.revoked {
			if e.at.After(now) {
				continue
			}
			n, _ := new(big.Int).SetString(s, 10)
			entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: e.at, ReasonCode: e.reason})
		}
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(now.Unix()), ThisUpdate: now, NextUpdate: now.Add(24 * time.Hour), RevokedCertificateEntries: entries,
		}, p.Root, p.RootKey)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		p.CRLHits.Add(1)
		w.Header().Set("Content-Type", "application/pkix-crl")
		_, _ = w.Write(der)
	default:
		http.NotFound(w, r)
	}
}

// signLayers signs both layers of in (nil = the small test PDF), B-T
// when tsaURL is set.
func (p *revPKI) signLayers(tb testing.TB, in []byte, tsaURL string) []byte {
	tb.Helper()
	ctx := context.Background()
	if in == nil {
		in = smallPDF()
	}
	l1, err := SignOfficer(ctx, in, OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn Sĩ", Title: "Chủ tịch", Time: at, TSAURL: tsaURL})
	if err != nil {
		tb.Fatal(err)
	}
	l2, err := SignAgency(ctx, l1, AgencyLayer{
		Key: p.Agency, AgencyName: "UBND quận Bình Thủy", Place: "Bình Thủy",
		Notation: "15/QĐ-UBND", IssueDate: at, Time: at, TSAURL: tsaURL,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return l2
}
