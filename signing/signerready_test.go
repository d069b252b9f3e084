package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// readyCA is a root, a subordinate CA under it that publishes its
// certificate at /sub.crt and answers OCSP at /ocsp, and leaves it issues.
type readyCA struct {
	root, sub *x509.Certificate
	rootKey   crypto.Signer
	subKey    crypto.Signer
	srv       *httptest.Server
	caDown    atomic.Bool
	revoked   atomic.Pointer[big.Int]
}

func newReadyCA(t *testing.T) *readyCA {
	t.Helper()
	ca := &readyCA{}
	ca.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sub.crt":
			if ca.caDown.Load() {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			w.Write(ca.sub.Raw)
		case "/ocsp":
			body, _ := io.ReadAll(r.Body)
			req, err := ocsp.ParseRequest(body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			now := time.Now().Truncate(time.Minute)
			tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}
			if s := ca.revoked.Load(); s != nil && s.Cmp(req.SerialNumber) == 0 {
				tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, now.Add(-time.Hour), ocsp.KeyCompromise
			}
			resp, _ := ocsp.CreateResponse(ca.sub, ca.sub, tmpl, ca.subKey)
			w.Write(resp)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ca.srv.Close)
	ca.rootKey, ca.subKey = ecKey(t), ecKey(t)
	now := time.Now()
	rootT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Root CA thử"}, NotBefore: now.AddDate(-1, 0, 0),
		NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	ca.root = certOf(t, rootT, rootT, ca.rootKey.Public(), ca.rootKey)
	subT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "CA trung gian thử"}, NotBefore: now.AddDate(-1, 0, 0),
		NotAfter: now.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	ca.sub = certOf(t, subT, ca.root, ca.subKey.Public(), ca.rootKey)
	return ca
}

func ecKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func certOf(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// leaf issues a signing key under the subordinate CA, naming its
// caIssuers and OCSP URLs; its chain is the leaf alone.
func (ca *readyCA) leaf(t *testing.T, cn string, serial int64) keys.Key {
	t.Helper()
	k := ecKey(t)
	now := time.Now()
	c := certOf(t, &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		IssuingCertificateURL: []string{ca.srv.URL + "/sub.crt"}, OCSPServer: []string{ca.srv.URL + "/ocsp"}}, ca.sub, k.Public(), ca.subKey)
	return keys.Key{Signer: k, Chain: []*x509.Certificate{c}}
}

// TestReadySigner: before a layer is signed, a chain given without its
// subordinate CA is completed from the caIssuers URL, and a certificate
// its CA revoked, a chain that cannot be completed, or a TSA outside the
// trust anchors is refused with nothing signed. Before, every case signed
// a layer that issue then refused.
func TestReadySigner(t *testing.T) {
	ca := newReadyCA(t)
	roots := x509.NewCertPool()
	roots.AddCert(ca.root)
	agency := ca.leaf(t, "UBND quận Bình Thủy", 10)
	stranger := newReadyCA(t) // another root, not an anchor
	trustedTSA := testtsa.Start(t, ca.root, ca.rootKey, []*x509.Certificate{ca.root}, time.Now)
	untrustedTSA := testtsa.Start(t, stranger.root, stranger.rootKey, []*x509.Certificate{stranger.root}, time.Now)
	for _, tc := range []struct {
		name    string
		key     keys.Key
		caDown  bool
		revoke  bool
		tsaURL  string
		code    string
		message string
	}{
		{"OKLeafOnlyCompleted", ca.leaf(t, "Nguyễn Văn Ân", 20), false, false, trustedTSA.URL, "", ""},
		{"ErrCAIssuersDown", ca.leaf(t, "Nguyễn Văn Ân", 21), true, false, "", workflow.EUNAVAILABLE, "could not be fetched"},
		{"ErrNotUnderAnchors", stranger.leaf(t, "Người Khác", 22), false, false, "", workflow.EUNPROCESSABLE, "not issued under the trust anchors"},
		{"ErrRevoked", ca.leaf(t, "Nguyễn Văn Ân", 23), false, true, "", workflow.EUNPROCESSABLE, "revoked"},
		{"ErrUntrustedTSA", ca.leaf(t, "Nguyễn Văn Ân", 24), false, false, untrustedTSA.URL, workflow.EUNPROCESSABLE, "add the TSA's root CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca.caDown.Store(tc.caDown)
			ca.revoked.Store(nil)
			if tc.revoke {
				ca.revoked.Store(tc.key.Chain[0].SerialNumber)
			}
			svc, err := NewService(Config{Agency: agency, AgencyName: "UBND quận Bình Thủy", Place: "Bình Thủy", Roots: roots,
				TSAURL: tc.tsaURL, Fetcher: verify.HTTPFetcher{Timeout: 2 * time.Second},
				Officer: func(context.Context, *workflow.User) (keys.Key, []byte, error) { return tc.key, nil, nil }})
			if err != nil {
				t.Fatal(err)
			}
			u := &workflow.User{ID: "u1", FullName: tc.key.Chain[0].Subject.CommonName}
			l1, err := svc.SignOfficial(context.Background(), &workflow.Document{ID: "d1"}, u, smallPDF())
			if workflow.ErrorCode(err) != tc.code || (tc.code != "" && !strings.Contains(workflow.ErrorMessage(err), tc.message)) {
				t.Fatalf("SignOfficial: %v; want %q with %q", err, tc.code, tc.message)
			}
			if tc.code != "" {
				return
			}
			d := &workflow.Document{ID: "d1", Notation: "01/QĐ-UBND"}
			l2, err := svc.SignAgency(context.Background(), d, l1)
			if err != nil {
				t.Fatal(err)
			}
			v, err := svc.VerifyDocument(context.Background(), d, l2)
			if err != nil || v.Verdict != workflow.VerdictValid {
				t.Fatalf("verification: %v %s %v", err, v.Verdict, v.Reasons)
			}
		})
	}
}
