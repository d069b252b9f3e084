package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeRefusesNamingTheSetting: a configuration that cannot work —
// the database, the object store or the agency key as an operator gets
// them wrong on a new server — stops serve at start with exit 1 and a
// message that names the variable to fix and what it expected, and never
// shows the database password. The cases that need a running PostgreSQL,
// MinIO or SoftHSM2 token run when the test environment has them.
func TestServeRefusesNamingTheSetting(t *testing.T) {
	dir := t.TempDir()
	keyPEM, otherCert := agencyKeyFiles(t, dir)
	fileKey := map[string]string{"VANTHU_AGENCY_KEY": "file:" + keyPEM, "VANTHU_TRUST_ANCHORS": otherCert}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		needs string // VANTHU_TEST_S3_ENDPOINT, VANTHU_TEST_DATABASE_URL, VANTHU_PKCS11_MODULE
		want  []string
	}{
		{"DatabaseUnreachable", map[string]string{"VANTHU_DATABASE_URL": "postgres://vanthu:pg-secret-42@127.0.0.1:1/vanthu"}, "",
			[]string{"VANTHU_DATABASE_URL=postgres://vanthu:xxxxx@127.0.0.1:1/vanthu", "check the host and port of VANTHU_DATABASE_URL"}},
		{"DatabaseMissing", nil, "VANTHU_TEST_DATABASE_URL", []string{"VANTHU_DATABASE_URL=", "does not exist: create it first"}},
		{"ObjectStoreUnreachable", map[string]string{"VANTHU_S3_ENDPOINT": "127.0.0.1:1"}, "",
			[]string{`VANTHU_S3_WORK_BUCKET="vanthu-work" on VANTHU_S3_ENDPOINT=127.0.0.1:1`, "check VANTHU_S3_ENDPOINT"}},
		{"ObjectStoreWrongSecret", map[string]string{"VANTHU_S3_SECRET_KEY": "not-the-secret"}, "VANTHU_TEST_S3_ENDPOINT",
			[]string{"VANTHU_S3_WORK_BUCKET=", "check VANTHU_S3_ACCESS_KEY and VANTHU_S3_SECRET_KEY"}},
		{"ObjectStoreTLSOnHTTP", map[string]string{"VANTHU_S3_USE_TLS": "true"}, "VANTHU_TEST_S3_ENDPOINT",
			[]string{"VANTHU_S3_USE_TLS=true but the server answers plain HTTP"}},
		{"ArchiveBucketWithoutLock", map[string]string{"VANTHU_S3_ARCHIVE_BUCKET": "=work"}, "VANTHU_TEST_S3_ENDPOINT",
			[]string{"VANTHU_S3_ARCHIVE_BUCKET=", "without object lock", "name a new bucket in VANTHU_S3_ARCHIVE_BUCKET"}},
		{"ObjectStoreEndpointWithScheme", map[string]string{"VANTHU_S3_ENDPOINT": "https://127.0.0.1:1"}, "",
			[]string{"VANTHU_S3_ENDPOINT is host:port, without a scheme"}},
		{"AgencyCertMissing", fileKey, "", []string{"no certificate for this key", "set VANTHU_AGENCY_CERT"}},
		{"AgencyCertOfAnotherKey", with(fileKey, "VANTHU_AGENCY_CERT", otherCert), "",
			[]string{"does not match the key", "VANTHU_AGENCY_CERT (" + otherCert + ") must hold this key's certificate"}},
		{"WrongPIN", map[string]string{"VANTHU_AGENCY_KEY": "pkcs11:token=" + cmpOr(os.Getenv("VANTHU_TEST_PKCS11_TOKEN"), "vanthu-test") + ";object=agency-rsa",
			"VANTHU_TRUST_ANCHORS": otherCert}, "VANTHU_PKCS11_MODULE",
			[]string{"VANTHU_AGENCY_KEY pkcs11:", "unauthorized", "check VANTHU_PKCS11_PIN"}},
		{"PublicURLWithoutScheme", map[string]string{"VANTHU_PUBLIC_URL": "vanthu.quan.gov.vn"}, "",
			[]string{`VANTHU_PUBLIC_URL="vanthu.quan.gov.vn" must be`, "https://"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_LOG_LEVEL": "error"}
			switch tc.needs {
			case "VANTHU_TEST_S3_ENDPOINT":
				for k, v := range sharedS3Env(t) {
					env[k] = v
				}
			case "VANTHU_TEST_DATABASE_URL":
				u, err := url.Parse(os.Getenv("VANTHU_TEST_DATABASE_URL"))
				if err != nil || u.Host == "" {
					t.Skip("VANTHU_TEST_DATABASE_URL not set: source scripts/setup/postgres.sh (or run ./scripts/test)")
				}
				u.Path = "/vanthu_no_such_database"
				env["VANTHU_DATABASE_URL"] = u.String()
			case "VANTHU_PKCS11_MODULE":
				if env["VANTHU_PKCS11_MODULE"] = os.Getenv("VANTHU_PKCS11_MODULE"); env["VANTHU_PKCS11_MODULE"] == "" {
					t.Skip("VANTHU_PKCS11_MODULE is unset: source scripts/setup/signing.sh to create the SoftHSM2 test token")
				}
				// The key's certificate, made with the right PIN; then a wrong one.
				chain := filepath.Join(t.TempDir(), "chain.pem")
				if code, _, stderr := runCLI(t, nil, "pki", "certify", "--dir", newCLIPKI(t, "UBND").dir, "--key", tc.env["VANTHU_AGENCY_KEY"],
					"--name", "UBND (token)", "--out", chain); code != 0 {
					t.Fatalf("certify: exit %d: %s", code, stderr)
				}
				env["VANTHU_AGENCY_CERT"] = chain
				t.Setenv("VANTHU_PKCS11_PIN", "not-the-pin-0000") // read by signing/keys itself
			}
			for k, v := range tc.env {
				env[k] = v
			}
			if env["VANTHU_S3_ARCHIVE_BUCKET"] == "=work" { // the work bucket, which has no lock
				env["VANTHU_S3_ARCHIVE_BUCKET"] = env["VANTHU_S3_WORK_BUCKET"]
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, errb bytes.Buffer
			code := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &out, &errb)
			if code != 1 {
				t.Fatalf("serve: exit %d, want 1 at start\n%s%s", code, out.String(), errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("the refusal does not say %q:\n%s", w, errb.String())
				}
			}
			if strings.Contains(errb.String(), "pg-secret-42") || strings.Contains(errb.String(), "not-the-pin") {
				t.Errorf("the refusal shows a secret:\n%s", errb.String())
			}
		})
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for k2, v2 := range m {
		if k2 != k {
			out[k2] = v2
		}
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// agencyKeyFiles writes an agency key (PEM, no certificate) and a
// self-signed certificate of another key, and returns their paths.
func agencyKeyFiles(t *testing.T, dir string) (keyPath, otherCertPath string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Another key"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &other.PublicKey, other)
	if err != nil {
		t.Fatal(err)
	}
	keyPath, otherCertPath = filepath.Join(dir, "agency-key.pem"), filepath.Join(dir, "other.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otherCertPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyPath, otherCertPath
}

// TestAgencyExportEndpointPeersCanCall: agency export refuses to print an
// endpoint peers cannot call — a listen address on every address
// (0.0.0.0, :PORT; docker-compose.yml had it and exported
// https://0.0.0.0:8443) or a name the exchange TLS certificate does not
// hold, which peers check — naming VANTHU_EXCHANGE_URL and the names the
// certificate holds; a URL the certificate names is printed.
func TestAgencyExportEndpointPeersCanCall(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "ex.pem"), filepath.Join(dir, "ex-key.pem")
	if code, _, stderr := runCLI(t, nil, "pki", "tls", "--dir", newCLIPKI(t, "UBND").dir, "--cn", "vanthu.quan.test",
		"--host", "vanthu.quan.test,10.0.0.12", "--out-cert", cert, "--out-key", key); code != 0 {
		t.Fatalf("pki tls: exit %d: %s", code, stderr)
	}
	for _, tc := range []struct {
		name, addr, url string
		want            string // in stderr; "" = exported with endpoint wantEndpoint
		wantEndpoint    string
	}{
		{"EveryAddress", "0.0.0.0:8443", "", "set VANTHU_EXCHANGE_URL to https://NAME:PORT", ""},
		{"EveryAddressNoHost", ":8443", "", "set VANTHU_EXCHANGE_URL", ""},
		{"NameNotInCert", "0.0.0.0:8443", "https://vanthu:8443", "is not a name of its TLS certificate (VANTHU_EXCHANGE_CERT, or the development PKI's: it names vanthu.quan.test, 10.0.0.12)", ""},
		{"AddressNotInCert", "10.0.0.13:8443", "", "get one that names 10.0.0.13", ""},
		{"URLInCert", "0.0.0.0:8443", "https://vanthu.quan.test:8443", "", `"endpoint": "https://vanthu.quan.test:8443"`},
		{"AddressInCert", "10.0.0.12:8443", "", "", `"endpoint": "https://10.0.0.12:8443"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_LOG_LEVEL": "error", "VANTHU_EXCHANGE_ADDR": tc.addr,
				"VANTHU_EXCHANGE_URL": tc.url, "VANTHU_EXCHANGE_CERT": cert, "VANTHU_EXCHANGE_KEY": key}
			code, stdout, stderr := runCLI(t, env, "agency", "export")
			if tc.want != "" {
				if code == 0 || !strings.Contains(stderr, tc.want) {
					t.Fatalf("exit %d, want a refusal saying %q\nstdout: %s\nstderr: %s", code, tc.want, stdout, stderr)
				}
				return
			}
			if code != 0 || !strings.Contains(stdout, tc.wantEndpoint) {
				t.Fatalf("exit %d, want %s\nstdout: %s\nstderr: %s", code, tc.wantEndpoint, stdout, stderr)
			}
		})
	}
}
