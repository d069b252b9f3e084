package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing/keys"
)

// TestIntegrationPKICSRToken: `vanthu pki csr` writes a certificate
// request (PKCS#10, PEM) for a key pair on the SoftHSM2 token — by label
// on the configured token, by key URI, or the agency key of
// VANTHU_AGENCY_KEY when neither is given — signed by that key on the
// token, with the subject given (Vietnamese, UTF-8): the request parses,
// its signature checks (crypto/x509, and `openssl req -verify`), its
// public key is the token key's, and openssl reads the subject as given.
// It needs no database or development PKI (VANTHU_ENV=production).
// Before, vanthu made no certificate request: a token's key could be
// certified only by the development PKI.
func TestIntegrationPKICSRToken(t *testing.T) {
	module, token := os.Getenv("VANTHU_PKCS11_MODULE"), os.Getenv("VANTHU_TEST_PKCS11_TOKEN")
	if module == "" {
		t.Skip("VANTHU_PKCS11_MODULE is unset: source scripts/setup/signing.sh to create the SoftHSM2 test token")
	}
	if token == "" {
		token = "vanthu-test"
	}
	openssl := needTool(t, "openssl")
	const official = "CN=Nguyễn Văn Ân,T=Chủ tịch,O=UBND quận Bình Thủy,L=Cần Thơ,C=VN,UID=CCCD:092080001234"
	const agency = "CN=UBND quận Bình Thủy,O=UBND quận Bình Thủy,L=Cần Thơ,C=VN"
	prod := map[string]string{"VANTHU_ENV": "production", "VANTHU_TRUST_ANCHORS": "/etc/vanthu/anchors.pem",
		"VANTHU_PKCS11_MODULE": module, "VANTHU_PKCS11_TOKENS": token, "VANTHU_AGENCY_KEY": "pkcs11:token=" + token + ";object=agency-ec"}
	for _, tc := range []struct {
		name, subject, label string
		args                 []string
	}{
		{"Official/EC/label", official, "officer-ec", []string{"--label", "officer-ec"}},
		{"Official/RSA/label+token", official, "officer-rsa", []string{"--label", "officer-rsa", "--token", token}},
		{"Agency/RSA/key", agency, "agency-rsa", []string{"--key", "pkcs11:token=" + token + ";object=agency-rsa"}},
		{"Agency/EC/VANTHU_AGENCY_KEY", agency, "agency-ec", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "req.pem")
			code, stdout, stderr := runCLI(t, prod, append([]string{"pki", "csr", "--subject", tc.subject, "--out", out}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, stdout, stderr)
			}
			if pin := os.Getenv("VANTHU_PKCS11_PIN"); pin != "" && strings.Contains(stdout+stderr, pin) {
				t.Error("the output shows the PIN")
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			block, rest := pem.Decode(b)
			if block == nil || block.Type != "CERTIFICATE REQUEST" || len(strings.TrimSpace(string(rest))) > 0 {
				t.Fatalf("not one PEM CERTIFICATE REQUEST:\n%s", b)
			}
			csr, err := x509.ParseCertificateRequest(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := csr.CheckSignature(); err != nil {
				t.Errorf("the request's signature: %v", err)
			}
			signer, err := keys.LoadSigner(context.Background(), "pkcs11:token="+token+";object="+tc.label)
			if err != nil {
				t.Fatal(err)
			}
			spki, err := x509.MarshalPKIXPublicKey(signer.Public())
			if err != nil || !bytes.Equal(spki, csr.RawSubjectPublicKeyInfo) {
				t.Errorf("the request's public key is not the token key %s's (%v)", tc.label, err)
			}
			if got := dn.String(csr.RawSubject); got != tc.subject {
				t.Errorf("subject %q, want %q", got, tc.subject)
			}
			if !strings.Contains(stdout, "public key SHA-256") || !strings.Contains(stdout, tc.label) {
				t.Errorf("stdout does not say which key and its fingerprint:\n%s", stdout)
			}
			verify, err := exec.Command(openssl, "req", "-in", out, "-verify", "-noout").CombinedOutput()
			if err != nil || !strings.Contains(string(verify), "verify OK") {
				t.Errorf("openssl req -verify: %v\n%s", err, verify)
			}
			subj, err := exec.Command(openssl, "req", "-in", out, "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb").CombinedOutput()
			if err != nil || !strings.Contains(string(subj), "CN=") || !strings.Contains(string(subj), dn.First(tc.subject, "CN")) {
				t.Errorf("openssl req -subject: %v\n%s", err, subj)
			}
		})
	}
}

// TestPKICSRRefuses: what `vanthu pki csr` cannot make a request from it
// refuses, saying why: no subject, a subject that is no name, no key
// named, a label with several tokens configured, a label on no token
// (exit 1: the token said so).
func TestPKICSRRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		says string
	}{
		{"NoSubject", nil, []string{"--label", "x"}, 2, "--subject is required"},
		{"BadSubject", map[string]string{"VANTHU_PKCS11_TOKENS": "t"}, []string{"--label", "x", "--subject", "CN=Ân,C=Việt Nam"}, 2, "two-letter"},
		{"NoKey", nil, []string{"--subject", "CN=Ân"}, 2, "which key?"},
		{"KeyAndLabel", nil, []string{"--subject", "CN=Ân", "--key", "file:/k.pem", "--label", "x"}, 2, "not both"},
		{"SeveralTokens", map[string]string{"VANTHU_PKCS11_TOKENS": "a,b"}, []string{"--subject", "CN=Ân", "--label", "x"}, 2, "--token T is needed"},
		{"NoSuchFile", nil, []string{"--subject", "CN=Ân", "--key", "file:" + filepath.Join(t.TempDir(), "none.pem")}, 1, "none.pem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.env, append([]string{"pki", "csr"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.says) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q); stdout %q", code, tc.code, stderr, tc.says, stdout)
			}
		})
	}
	if module := os.Getenv("VANTHU_PKCS11_MODULE"); module != "" {
		env := map[string]string{"VANTHU_PKCS11_MODULE": module, "VANTHU_PKCS11_TOKENS": os.Getenv("VANTHU_TEST_PKCS11_TOKEN")}
		code, _, stderr := runCLI(t, env, "pki", "csr", "--subject", "CN=Ân", "--label", "no-such-key")
		if code != 1 || !strings.Contains(stderr, "no key pair") {
			t.Errorf("a label on no key: exit %d, %s", code, stderr)
		}
	}
}
