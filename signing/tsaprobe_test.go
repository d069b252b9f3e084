package signing

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testtsa"
)

// closedURL is an http:// URL on 127.0.0.1 at a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/tsa"
}

// TestProbeTSA: the start probe of VANTHU_TSA_URL asks a real RFC 3161
// authority (internal/testtsa) and passes when its certificate chains to
// the anchors; it names the step that failed for a TSA under another
// root (trust), a closed port and a TSA answering 503 (request), and a
// server answering something else than a time-stamp response (answer),
// with the TSA's URL and never its user information.
func TestProbeTSA(t *testing.T) {
	now := time.Now()
	ca := testtsa.NewCA(t, "Root CA TSA (probe)", now, now.AddDate(5, 0, 0))
	tsa := testtsa.NewAuthority(t, ca, time.Now, now.AddDate(2, 0, 0))
	down := testtsa.NewAuthority(t, ca, time.Now, now.AddDate(2, 0, 0))
	down.SetDown(true)
	stranger := testtsa.NewCA(t, "Another root", now, now.AddDate(5, 0, 0))
	notTSA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>not a TSA</html>"))
	}))
	t.Cleanup(notTSA.Close)
	pool := func(c *x509.Certificate) *x509.CertPool {
		p := x509.NewCertPool()
		p.AddCert(c)
		return p
	}
	withUser := strings.Replace(tsa.URL, "http://", "http://probe:secret-pw@", 1)
	for _, tc := range []struct {
		name, url string
		roots     *x509.CertPool
		step      string // "" = passes
		says      []string
	}{
		{"OK", tsa.URL, pool(ca.Cert), "", nil},
		{"OK/user in URL", withUser, pool(ca.Cert), "", nil},
		{"OK/no anchors given", tsa.URL, nil, "", nil},
		{"Untrusted", withUser, pool(stranger.Cert), ProbeTrust, []string{tsa.URL, "Root CA TSA (probe)", "VANTHU_TRUST_ANCHORS"}},
		{"ClosedPort", closedURL(t), pool(ca.Cert), ProbeRequest, []string{"cannot be reached", "connection refused"}},
		{"Down", down.URL, pool(ca.Cert), ProbeRequest, []string{down.URL, "503"}},
		{"NotATSA", notTSA.URL, pool(ca.Cert), ProbeAnswer, []string{notTSA.URL, "not usable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := ProbeTSA(ctx, tc.url, tc.roots, time.Now())
			if tc.step == "" {
				if err != nil {
					t.Fatalf("want the probe to pass: %v", err)
				}
				return
			}
			var pe *ProbeError
			if !errors.As(err, &pe) || pe.Step != tc.step {
				t.Fatalf("want a ProbeError at step %s, got %#v (%v)", tc.step, err, err)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the error does not say %q: %v", s, err)
				}
			}
			if strings.Contains(err.Error(), "secret-pw") {
				t.Errorf("the error shows the URL's password: %v", err)
			}
		})
	}
}
