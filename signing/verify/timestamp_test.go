package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/digitorus/pdfsign"
	"github.com/digitorus/timestamp"
)

// startTSA runs an RFC 3161 timestamp authority on 127.0.0.1 whose
// certificate is issued by ca; it stamps with the time now() returns.
func startTSA(t *testing.T, ca *testCA, now func() time.Time) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "Vanthu Test TSA"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{
			HashAlgorithm:     req.HashAlgorithm,
			HashedMessage:     req.HashedMessage,
			Time:              now(),
			Nonce:             req.Nonce,
			Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
			AddTSACertificate: true,
		}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(resp)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestVerifyTimestamp(t *testing.T) {
	ca := newCA(t, "Root")
	k, c := ca.leaf(t, "Officer", leafOpts{})
	stampTime := time.Now().Add(-time.Minute).Truncate(time.Second)
	url := startTSA(t, ca, func() time.Time { return stampTime })

	in := basePDF()
	doc, err := pdfsign.Open(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	doc.Sign(k, c, ca.cert).Type(pdfsign.ApprovalSignature).Format(pdfsign.PAdES_B_T).Timestamp(url).SignerName("Officer")
	var out bytes.Buffer
	if _, err := doc.Write(&out); err != nil {
		t.Fatalf("sign B-T: %v", err)
	}

	// A document timestamp (ETSI.RFC3161) appended afterwards.
	doc2, err := pdfsign.Open(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	doc2.Timestamp(url)
	var out2 bytes.Buffer
	if _, err := doc2.Write(&out2); err != nil {
		t.Fatalf("document timestamp: %v", err)
	}
	t.Run("OK/document timestamp", func(t *testing.T) {
		r, err := Verify(context.Background(), out2.Bytes(), Options{Roots: ca.pool})
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != Valid || len(r.Signatures) != 2 {
			t.Fatalf("verdict %s with %d signatures: %v", r.Verdict, len(r.Signatures), r.Reasons)
		}
		d := r.Signatures[1]
		if d.SubFilter != "ETSI.RFC3161" || d.Timestamp == nil || !d.Timestamp.Trusted || !d.SignatureValid || !d.CoversWholeFile {
			t.Errorf("document timestamp %+v", d)
		}
		// Tampering with the signed revision breaks the document timestamp too.
		bad := flip(t, out2.Bytes(), "QUYET DINH ve")
		r, err = Verify(context.Background(), bad, Options{Roots: ca.pool})
		if err != nil || r.Verdict != Invalid || r.Signatures[1].SignatureValid {
			t.Fatalf("tampered: %v %+v", err, r)
		}
	})

	tests := []struct {
		name    string
		opts    Options
		verdict string
		trusted bool
	}{
		{"OK/trusted TSA", Options{Roots: ca.pool}, Valid, true},
		{"Indeterminate/untrusted", Options{Roots: newCA(t, "Other").pool}, Indeterminate, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(context.Background(), out.Bytes(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict %s: %v", r.Verdict, r.Reasons)
			}
			ts := r.Signatures[0].Timestamp
			if ts == nil {
				t.Fatal("no timestamp in the report")
			}
			if ts.Time != stampTime.UTC().Format(time.RFC3339) && ts.Time != stampTime.Format(time.RFC3339) {
				t.Errorf("timestamp time %s, want %s", ts.Time, stampTime.Format(time.RFC3339))
			}
			if ts.Authority != "CN=Vanthu Test TSA" || ts.Trusted != tt.trusted {
				t.Errorf("timestamp %+v", ts)
			}
		})
	}
}
