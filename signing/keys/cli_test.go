package keys

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runPKI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := RunPKICLI(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunPKICLI(t *testing.T) {
	t.Setenv(EnvAgencyName, "")
	t.Setenv(EnvOrgID, "")
	t.Setenv(EnvPKIDir, "")
	dir := filepath.Join(t.TempDir(), "pki")
	out := filepath.Join(t.TempDir(), "tls")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name     string
		args     []string
		code     int
		contains string // in stdout (code 0) or stderr
	}{
		{"usage", nil, 2, "vanthu pki init"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"officer before init", []string{"officer", "--dir", dir, "--user", "u1", "--name", "A"}, 2, "pki init"},
		{"init needs agency", []string{"init", "--dir", dir}, 2, "--agency is required"},
		{"init", []string{"init", "--dir", dir, "--agency", "UBND Quận Một", "--org", "000.00.00.H13"}, 0, "file:" + filepath.Join(dir, "agency.pem")},
		{"init again is stable", []string{"init", "--dir", dir}, 0, "O=UBND Quận Một"},
		{"officer needs name", []string{"officer", "--dir", dir, "--user", "u1"}, 2, "--name"},
		{"officer", []string{"officer", "--dir", dir, "--user", "u1", "--name", "Nguyễn Văn A", "--title", "Chủ tịch", "--pem"}, 0, "BEGIN CERTIFICATE"},
		{"root", []string{"root", "--dir", dir}, 0, "BEGIN CERTIFICATE"},
		{"tls", []string{"tls", "--dir", dir, "--cn", "peer", "--host", "localhost,127.0.0.1", "--out-cert", filepath.Join(out, "c.pem"), "--out-key", filepath.Join(out, "k.pem")}, 0, "CN=peer"},
		{"stray argument", []string{"root", "--dir", dir, "extra"}, 2, "unexpected arguments"},
		{"certify bad key", []string{"certify", "--dir", dir, "--key", "file:/nonexistent", "--name", "X"}, 1, "not found"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			code, stdout, stderr := runPKI(t, s.args...)
			if code != s.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, s.code, stdout, stderr)
			}
			text := stderr
			if code == 0 {
				text = stdout
			}
			if !strings.Contains(text, s.contains) {
				t.Errorf("output lacks %q:\n%s", s.contains, text)
			}
		})
	}
	// The CLI's files are the library's: officer key loads and chains.
	p, err := OpenDevPKI(dir, "UBND Quận Một", "000.00.00.H13", nil)
	if err != nil {
		t.Fatal(err)
	}
	k, err := Load(context.Background(), "file:"+p.OfficerKeyPath("u1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if k.Chain[0].Subject.CommonName != "Nguyễn Văn A" || !k.Chain[1].Equal(p.Root()) {
		t.Errorf("officer file: %v", k.Chain[0].Subject)
	}
	if fi, err := os.Stat(filepath.Join(out, "k.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("TLS key file: %v", err)
	}
}

func TestIntegrationPKICLICertifyToken(t *testing.T) {
	token := requireToken(t)
	dir := filepath.Join(t.TempDir(), "pki")
	if code, _, stderr := runPKI(t, "init", "--dir", dir, "--agency", "UBND"); code != 0 {
		t.Fatal(stderr)
	}
	uri := "pkcs11:token=" + token + ";object=agency-rsa"
	chainPath := filepath.Join(t.TempDir(), "chain.pem")
	code, stdout, stderr := runPKI(t, "certify", "--dir", dir, "--key", uri, "--name", "UBND (token)", "--out", chainPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, os.Getenv(EnvPKCS11PIN)) {
		t.Error("output contains the PIN")
	}
	pemBytes, err := os.ReadFile(chainPath)
	if err != nil {
		t.Fatal(err)
	}
	k, err := Load(context.Background(), uri, pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	signAndVerify(t, k)
}
