package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// probeMailpit is a Mailpit of the test's own (the binary of
// scripts/setup/mail.sh) on 127.0.0.1 with args added, stopped when the
// test ends; its SMTP address and API base URL.
func probeMailpit(t *testing.T, args ...string) (smtp, api string) {
	t.Helper()
	bin := os.Getenv("VANTHU_TEST_MAILPIT_BIN")
	if bin == "" {
		t.Skip("VANTHU_TEST_MAILPIT_BIN not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	smtp, listen := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, append([]string{"--smtp", smtp, "--listen", listen, "--disable-version-check", "--quiet"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	api = "http://" + listen
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(api + "/api/v1/messages"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return smtp, api
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit on %s did not start:\n%s", api, out.String())
		}
	}
}

// freeAddr is a 127.0.0.1 address nothing listens on (just closed).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// mailCount is how many messages the Mailpit at api holds.
func mailCount(t *testing.T, api string) int {
	t.Helper()
	res, err := http.Get(api + "/api/v1/messages?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.Total
}

// tlsFiles writes a CA and a server certificate for 127.0.0.1 it issued
// (PEM, in dir) and returns the files and the CA as a pool.
func tlsFiles(t *testing.T, dir string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "SMTP test CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "smtp.crt"), filepath.Join(dir, "smtp.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	roots = x509.NewCertPool()
	roots.AddCert(ca)
	return certFile, keyFile, roots
}

// TestIntegrationSMTPProbe: the start probe of VANTHU_SMTP_URL against
// real SMTP servers (Mailpit): it passes where Send delivers, and fails
// where Send fails, naming the step — a closed port (connect), a
// certificate the client does not trust (STARTTLS), a user named for a
// server that offers no AUTH, or only PLAIN/LOGIN without TLS, a wrong
// password (AUTH) — and it sends no mail; no error says the password.
func TestIntegrationSMTPProbe(t *testing.T) {
	shared, sharedAPI := os.Getenv("VANTHU_TEST_MAILPIT_SMTP"), os.Getenv("VANTHU_TEST_MAILPIT_API")
	if shared == "" {
		t.Skip("VANTHU_TEST_MAILPIT_SMTP not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	dir := t.TempDir()
	certFile, keyFile, roots := tlsFiles(t, dir)
	authFile := filepath.Join(dir, "auth")
	os.WriteFile(authFile, []byte("probe:right-pw-4711\n"), 0o600)
	starttls, starttlsAPI := probeMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls", "--smtp-auth-file", authFile)
	implicit, implicitAPI := probeMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-tls", "--smtp-auth-file", authFile)
	plainAuth, plainAuthAPI := probeMailpit(t, "--smtp-auth-file", authFile, "--smtp-auth-allow-insecure")
	for _, tc := range []struct {
		name, url, api string
		trusted        bool   // the client trusts the test CA
		step           string // "" = passes
	}{
		{"OK", "smtp://" + shared, sharedAPI, false, ""},
		{"OK/STARTTLS+AUTH", "smtp://probe:right-pw-4711@" + starttls, starttlsAPI, true, ""},
		{"OK/smtps+AUTH", "smtps://probe:right-pw-4711@" + implicit, implicitAPI, true, ""},
		{"ClosedPort", "smtp://" + freeAddr(t), "", false, StepConnect},
		{"UntrustedCertificate", "smtp://probe:right-pw-4711@" + starttls, starttlsAPI, false, StepSTARTTLS},
		{"UntrustedCertificate/smtps", "smtps://probe:right-pw-4711@" + implicit, implicitAPI, false, StepConnect},
		{"WrongPassword", "smtp://probe:wrong-pw-0815@" + starttls, starttlsAPI, true, StepAUTH},
		{"NoAuthOffered", "smtp://probe:right-pw-4711@" + shared, sharedAPI, false, StepAUTH},
		{"PlainAuthWithoutTLS", "smtp://probe:right-pw-4711@" + plainAuth, plainAuthAPI, false, StepAUTH},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSMTP(tc.url, "Văn thư <vanthu@quan.test>")
			if err != nil {
				t.Fatal(err)
			}
			if tc.trusted {
				s.roots = roots
			}
			before := -1
			if tc.api != "" {
				before = mailCount(t, tc.api)
			}
			err = s.Probe(context.Background())
			t.Logf("probe of %s: %v", s.host, err)
			if tc.api != "" && mailCount(t, tc.api) != before {
				t.Error("the probe sent a mail")
			}
			for _, pw := range []string{"right-pw-4711", "wrong-pw-0815"} {
				if err != nil && strings.Contains(err.Error(), pw) {
					t.Errorf("the error says the password: %v", err)
				}
			}
			var pe *ProbeError
			switch {
			case tc.step == "" && err != nil:
				t.Fatalf("want the probe to pass: %v", err)
			case tc.step != "" && (!errors.As(err, &pe) || pe.Step != tc.step):
				t.Fatalf("want a ProbeError at %s, got %#v (%v)", tc.step, err, err)
			}
			// Send agrees: it delivers where the probe passed, fails where it failed.
			sendErr := s.Send(context.Background(), workflow.Notification{ID: 1, EventSeq: 1, Address: "probe@quan.test", Subject: "thử", Body: "thử"})
			if (sendErr == nil) != (tc.step == "") {
				t.Errorf("Send: %v, the probe: %v", sendErr, err)
			}
		})
	}
}
