package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
)

// TestPKIKeysCLI walks `vanthu pki init|officer|root|tls|certify` through
// a fresh directory: usage errors exit 2, failures 1, and what the CLI
// wrote is what the library reads.
func TestPKIKeysCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	out := t.TempDir()
	steps := []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		contains string // in stdout (code 0) or stderr; help goes to stderr
	}{
		{"usage", nil, nil, 2, "vanthu pki init"},
		{"help", nil, []string{"help"}, 0, "vanthu pki certify"},
		{"unknown command", nil, []string{"frobnicate"}, 2, "unknown command"},
		{"officer before init", nil, []string{"officer", "--dir", dir, "--user", "u1", "--name", "A"}, 2, "pki init"},
		{"init needs agency", nil, []string{"init", "--dir", dir}, 2, "--agency is required"},
		{"init", nil, []string{"init", "--dir", dir, "--agency", "UBND Quận Một", "--org", "000.00.00.H13"}, 0, "file:" + filepath.Join(dir, "agency.pem")},
		{"init again is stable", nil, []string{"init", "--dir", dir}, 0, "O=UBND Quận Một"},
		{"dir from the environment", map[string]string{"VANTHU_PKI_DIR": dir}, []string{"init"}, 0, "development PKI in " + dir},
		{"dir in the data directory", map[string]string{"VANTHU_DATA_DIR": filepath.Dir(dir), "VANTHU_ORG_NAME": "UBND Quận Một", "VANTHU_ORG_ID": "000.00.00.H13"}, []string{"root"}, 0, "BEGIN CERTIFICATE"},
		{"VANTHU_PKI_DIR before the data directory", map[string]string{"VANTHU_PKI_DIR": dir, "VANTHU_DATA_DIR": out}, []string{"root"}, 0, "BEGIN CERTIFICATE"},
		{"officer needs name", nil, []string{"officer", "--dir", dir, "--user", "u1"}, 2, "--name"},
		{"officer", nil, []string{"officer", "--dir", dir, "--user", "u1", "--name", "Nguyễn Văn A", "--title", "Chủ tịch", "--pem"}, 0, "BEGIN CERTIFICATE"},
		{"root", nil, []string{"root", "--dir", dir}, 0, "BEGIN CERTIFICATE"},
		{"tls", nil, []string{"tls", "--dir", dir, "--cn", "peer", "--host", "localhost,127.0.0.1", "--out-cert", filepath.Join(out, "c.pem"), "--out-key", filepath.Join(out, "k.pem")}, 0, "stored in:    " + filepath.Join(dir, "tls", "peer.pem")},
		{"stray argument", nil, []string{"root", "--dir", dir, "extra"}, 2, "unexpected arguments"},
		{"certify needs name", nil, []string{"certify", "--dir", dir, "--key", "file:" + filepath.Join(dir, "agency.pem")}, 2, "--key and --name are required"},
		{"certify", nil, []string{"certify", "--dir", dir, "--key", "file:" + filepath.Join(dir, "agency.pem"), "--name", "UBND (again)", "--out", filepath.Join(out, "chain.pem")}, 0, "chain PEM:    " + filepath.Join(out, "chain.pem")},
		{"certify bad key", nil, []string{"certify", "--dir", dir, "--key", "file:/nonexistent", "--name", "X"}, 1, "not found"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, s.env, append([]string{"pki"}, s.args...)...)
			if code != s.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, s.code, stdout, stderr)
			}
			text := stderr
			if code == 0 && s.args[0] != "help" {
				text = stdout
			}
			if !strings.Contains(text, s.contains) {
				t.Errorf("output lacks %q:\n%s", s.contains, text)
			}
		})
	}
	// The CLI's files are the library's: the officer key loads and chains.
	p, err := keys.OpenDevPKI(dir, "UBND Quận Một", "000.00.00.H13", nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.Load(context.Background(), "file:"+p.OfficerKeyPath("u1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if k.Chain[0].Subject.CommonName != "Nguyễn Văn A" || !k.Chain[1].Equal(p.Root()) {
		t.Errorf("officer file: %v", k.Chain[0].Subject)
	}
	for file, mode := range map[string]os.FileMode{"k.pem": 0o600, "c.pem": 0o644, "chain.pem": 0o644} {
		if fi, err := os.Stat(filepath.Join(out, file)); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: %v, want mode %o", file, err, mode)
		}
	}
}

// TestIntegrationPKICLICertifyToken: `vanthu pki certify` issues a
// certificate over a SoftHSM2 token key, and `vanthu sign` signs with the
// token key and that chain a file `vanthu verify` finds valid.
func TestIntegrationPKICLICertifyToken(t *testing.T) {
	module, token := os.Getenv("VANTHU_PKCS11_MODULE"), os.Getenv("VANTHU_TEST_PKCS11_TOKEN")
	if module == "" {
		t.Skip("VANTHU_PKCS11_MODULE is unset: source scripts/setup/signing.sh to create the SoftHSM2 test token")
	}
	if token == "" {
		token = "vanthu-test"
	}
	p := newCLIPKI(t, "UBND quận Bình Thủy")
	uri := "pkcs11:token=" + token + ";object=agency-rsa"
	chain := filepath.Join(t.TempDir(), "chain.pem")
	code, stdout, stderr := runCLI(t, nil, "pki", "certify", "--dir", p.dir, "--key", uri, "--name", "UBND (token)", "--out", chain)
	if code != 0 {
		t.Fatalf("certify: exit %d: %s", code, stderr)
	}
	if pin := os.Getenv("VANTHU_PKCS11_PIN"); pin != "" && strings.Contains(stdout+stderr, pin) {
		t.Error("output contains the PIN")
	}
	in := writeFile(t, "in.pdf", testpdf.Make(1, "Quyết định"))
	l1 := filepath.Join(t.TempDir(), "l1.pdf")
	if code, _, stderr := runCLI(t, nil, "sign", "--layer", "officer", "--key", uri, "--cert", chain, in, l1); code != 0 {
		t.Fatalf("sign with the token key: exit %d: %s", code, stderr)
	}
	if code, stdout, stderr := runCLI(t, nil, "verify", "--trust", p.root, l1); code != 0 || !strings.Contains(stdout, "CN=UBND (token)") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
}
