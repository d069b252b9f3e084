package signing

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testtsa"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// startTSA runs a TSA on 127.0.0.1 whose certificate the test PKI's root
// issues, with the root in every token.
func startTSA(tb testing.TB, p *testPKI, now func() time.Time) *testtsa.TSA {
	tb.Helper()
	return testtsa.Start(tb, p.Root, p.RootKey, []*x509.Certificate{p.Root}, now)
}

// Both layers are PAdES B-T when a TSA URL is set: each CMS carries a
// signature timestamp token, our report shows its time and authority, and
// pdfsig still validates both signatures.
func TestTimestampBothLayers(t *testing.T) {
	for _, alg := range []string{"rsa", "ec"} {
		t.Run(alg, func(t *testing.T) {
			p := newTestPKI(t, alg)
			stampAt := time.Now().Add(-2 * time.Minute).Truncate(time.Second).UTC()
			tsa := startTSA(t, p, func() time.Time { return stampAt })
			ctx := context.Background()
			l1, err := SignOfficer(ctx, smallPDF(), OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn Sĩ", Title: "Chủ tịch", Time: at, TSAURL: tsa.URL})
			if err != nil {
				t.Fatal(err)
			}
			al := agencyLayer(p)
			al.TSAURL = tsa.URL
			l2, err := SignAgency(ctx, l1, al)
			if err != nil {
				t.Fatal(err)
			}
			if n := tsa.Requests.Load(); n != 2 {
				t.Errorf("TSA answered %d requests, want 2 (one per layer)", n)
			}
			roots := x509.NewCertPool()
			roots.AddCert(p.Root)
			rep, err := verify.Verify(ctx, l2, verify.Options{Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != verify.Valid || len(rep.Signatures) != 2 {
				t.Fatalf("verdict %s, %d signatures: %v", rep.Verdict, len(rep.Signatures), rep.Reasons)
			}
			for i, s := range rep.Signatures {
				if s.Timestamp == nil {
					t.Fatalf("signature %d: no timestamp in the report", i+1)
				}
				if s.Timestamp.Time != stampAt.Format(time.RFC3339) {
					t.Errorf("signature %d: timestamp time %s, want %s", i+1, s.Timestamp.Time, stampAt.Format(time.RFC3339))
				}
				if !strings.Contains(s.Timestamp.Authority, "CN=Vanthu Test TSA") || !s.Timestamp.Trusted {
					t.Errorf("signature %d: timestamp %+v", i+1, s.Timestamp)
				}
			}
			file := writeTemp(t, "bt.pdf", l2)
			// Independent tools: the unsigned timestamp attribute does not
			// disturb poppler, qpdf or MuPDF.
			if _, err := lookPath("pdfsig"); err != nil {
				t.Skip("pdfsig not installed")
			}
			checkPdfsig(t, file, nssDB(t, p.RootPEM()), 2)
			checkQpdf(t, file)
			checkMutool(t, file, mutoolWant...)
			// Each CMS has the id-aa-signatureTimeStampToken attribute (checked
			// with openssl on the dumped CMS, independent of our parser).
			checkTimestampAttr(t, file, 2)
		})
	}
}

// checkTimestampAttr dumps the signatures with pdfsig -dump and looks for the
// signature timestamp attribute with openssl cms.
func checkTimestampAttr(t *testing.T, file string, n int) {
	t.Helper()
	if _, err := lookPath("openssl"); err != nil {
		t.Log("openssl not installed: CMS attribute check skipped")
		return
	}
	dir := t.TempDir()
	cmd := exec.Command("pdfsig", "-dump", file)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdfsig -dump: %v\n%s", err, out)
	}
	for i := 0; i < n; i++ {
		sig := file + ".sig" + strconv.Itoa(i)
		if _, err := os.Stat(sig); err != nil {
			sig = filepath.Join(dir, filepath.Base(file)+".sig"+strconv.Itoa(i))
		}
		out, err := run(t, "openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", sig)
		if err != nil {
			t.Fatalf("openssl cms %s: %v\n%s", sig, err, out)
		}
		if !strings.Contains(out, "id-smime-aa-timeStampToken") {
			t.Errorf("signature %d: no id-smime-aa-timeStampToken attribute in the CMS", i+1)
		}
	}
}

// A TSA that is down: signing fails with EUNAVAILABLE and writes nothing.
func TestTimestampUnavailable(t *testing.T) {
	p := newTestPKI(t, "ec")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := SignOfficer(context.Background(), smallPDF(), OfficerLayer{Key: p.Officer, Name: "A", Time: at, TSAURL: srv.URL})
	if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Fatalf("got %v, want EUNAVAILABLE", err)
	}
}
