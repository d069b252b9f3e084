package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/vanthu/vanthu/workflow"
)

type testIdentity struct {
	key     crypto.Signer
	chain   []*x509.Certificate
	keyPEM  map[string][]byte // by PEM type: PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY
	certPEM []byte            // chain PEM, leaf first
}

func makeIdentity(t *testing.T, p *DevPKI, alg string) testIdentity {
	t.Helper()
	var key crypto.Signer
	var err error
	if alg == "rsa" {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	chain, err := p.CertifyPublicKey("Test "+alg, key.Public())
	if err != nil {
		t.Fatal(err)
	}
	id := testIdentity{key: key, chain: chain, keyPEM: map[string][]byte{}}
	p8, _ := x509.MarshalPKCS8PrivateKey(key)
	id.keyPEM["PRIVATE KEY"] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})
	switch k := key.(type) {
	case *rsa.PrivateKey:
		id.keyPEM["RSA PRIVATE KEY"] = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	case *ecdsa.PrivateKey:
		der, _ := x509.MarshalECPrivateKey(k)
		id.keyPEM["EC PRIVATE KEY"] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	for _, c := range chain {
		id.certPEM = append(id.certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return id
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFile(t *testing.T) {
	p := newTestPKI(t)
	dir := t.TempDir()
	for _, alg := range []string{"rsa", "ecdsa"} {
		id := makeIdentity(t, p, alg)
		modern, err := pkcs12.Modern.Encode(id.key, id.chain[0], id.chain[1:], "s3cret pässword")
		if err != nil {
			t.Fatal(err)
		}
		legacy, err := pkcs12.LegacyDES.Encode(id.key, id.chain[0], id.chain[1:], "s3cret pässword")
		if err != nil {
			t.Fatal(err)
		}
		nopass, err := pkcs12.Modern.Encode(id.key, id.chain[0], nil, "")
		if err != nil {
			t.Fatal(err)
		}
		var sec1or1 []byte
		for typ, b := range id.keyPEM {
			if typ != "PRIVATE KEY" {
				sec1or1 = b
			}
		}
		// Reversed order (root first, then key, then leaf) must still give leaf first.
		reversed := append(append([]byte{}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.chain[1].Raw})...), id.keyPEM["PRIVATE KEY"]...)
		reversed = append(reversed, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.chain[0].Raw})...)

		tests := []struct {
			name      string
			file      []byte
			certPEM   []byte
			password  string
			wantChain int
		}{
			{"p12 modern with password", modern, nil, "s3cret pässword", 2},
			{"p12 legacy 3DES", legacy, nil, "s3cret pässword", 2},
			{"p12 empty password, chain from certPEM", nopass, id.certPEM, "", 2},
			{"PEM PKCS#8 + chain in file", append(append([]byte{}, id.keyPEM["PRIVATE KEY"]...), id.certPEM...), nil, "", 2},
			{"PEM PKCS#8 + certPEM", id.keyPEM["PRIVATE KEY"], id.certPEM, "", 2},
			{"PEM PKCS#1/SEC1 + certPEM", sec1or1, id.certPEM, "", 2},
			{"PEM root first", reversed, nil, "", 2},
		}
		for i, tt := range tests {
			t.Run(alg+"/"+tt.name, func(t *testing.T) {
				t.Setenv(EnvKeyPassword, tt.password)
				path := writeFile(t, dir, alg+string(rune('a'+i))+".key", tt.file)
				k, err := Load(context.Background(), "file:"+path, tt.certPEM)
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if len(k.Chain) != tt.wantChain {
					t.Fatalf("chain length %d, want %d", len(k.Chain), tt.wantChain)
				}
				if !k.Chain[0].Equal(id.chain[0]) || !k.Chain[1].Equal(id.chain[1]) {
					t.Fatalf("chain = %q..., want leaf then root", k.Chain[0].Subject)
				}
				signAndVerify(t, k)
				verifyChain(t, k, p.RootPool(), x509.ExtKeyUsageEmailProtection)
			})
		}
	}
}

func TestLoadFileURIForms(t *testing.T) {
	p := newTestPKI(t)
	id := makeIdentity(t, p, "ecdsa")
	dir := t.TempDir()
	path := writeFile(t, dir, "k y.pem", append(id.keyPEM["PRIVATE KEY"], id.certPEM...))
	for _, uri := range []string{"file:" + path, "file://" + strings.ReplaceAll(path, " ", "%20"), "FILE:" + path} {
		if _, err := Load(context.Background(), uri, nil); err != nil {
			t.Errorf("Load(%q): %v", uri, err)
		}
	}
}

// TestLoadFileOpenSSLP12 checks a PKCS#12 made by OpenSSL (an independent
// writer; OpenSSL 3 defaults to PBES2/AES-256 and a SHA-256 MAC).
func TestLoadFileOpenSSLP12(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (scripts/setup/signing.sh installs it)")
	}
	p := newTestPKI(t)
	dir := t.TempDir()
	for _, alg := range []string{"rsa", "ecdsa"} {
		t.Run(alg, func(t *testing.T) {
			id := makeIdentity(t, p, alg)
			keyPath := writeFile(t, dir, alg+".key", id.keyPEM["PRIVATE KEY"])
			certPath := writeFile(t, dir, alg+".crt", id.certPEM)
			p12 := filepath.Join(dir, alg+".p12")
			out, err := exec.Command(openssl, "pkcs12", "-export", "-inkey", keyPath, "-in", certPath,
				"-out", p12, "-passout", "pass:openssl-pass").CombinedOutput()
			if err != nil {
				t.Fatalf("openssl: %v\n%s", err, out)
			}
			t.Setenv(EnvKeyPassword, "openssl-pass")
			k, err := Load(context.Background(), "file:"+p12, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !k.Chain[0].Equal(id.chain[0]) {
				t.Fatal("wrong leaf")
			}
			signAndVerify(t, k)
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	p := newTestPKI(t)
	dir := t.TempDir()
	a := makeIdentity(t, p, "ecdsa")
	b := makeIdentity(t, p, "rsa")
	p12, err := pkcs12.Modern.Encode(a.key, a.chain[0], nil, "right-password-xyz")
	if err != nil {
		t.Fatal(err)
	}
	encPEM := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1, 2, 3}})
	tests := []struct {
		name     string
		uri      string
		certPEM  []byte
		password string
		code     string
		contains string
	}{
		{"missing file", "file:" + filepath.Join(dir, "nope.p12"), nil, "", workflow.ENOTFOUND, "not found"},
		{"wrong password", "file:" + writeFile(t, dir, "a.p12", p12), nil, "wrong-password-abc", workflow.EUNAUTHORIZED, "wrong password"},
		{"cert does not match key", "file:" + writeFile(t, dir, "a.pem", a.keyPEM["PRIVATE KEY"]), b.certPEM, "", workflow.EINVALID, "does not match the key"},
		{"no certificate", "file:" + filepath.Join(dir, "a.pem"), nil, "", workflow.EINVALID, "no certificate"},
		{"certPEM without certificate", "file:" + filepath.Join(dir, "a.pem"), []byte("garbage"), "", workflow.EINVALID, "no CERTIFICATE"},
		{"encrypted PEM", "file:" + writeFile(t, dir, "enc.pem", encPEM), a.certPEM, "", workflow.EINVALID, "encrypted PEM"},
		{"PEM without key", "file:" + writeFile(t, dir, "c.pem", a.certPEM), nil, "", workflow.EINVALID, "no private key"},
		{"not a key at all", "file:" + writeFile(t, dir, "junk.p12", []byte("junk")), nil, "", workflow.EINVALID, "PKCS#12"},
		{"unknown scheme", "kms:foo", nil, "", workflow.EINVALID, "unsupported scheme"},
		{"no scheme", "just-a-path", nil, "", workflow.EINVALID, "want file:"},
		{"empty path", "file:", nil, "", workflow.EINVALID, "empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvKeyPassword, tt.password)
			_, err := Load(context.Background(), tt.uri, tt.certPEM)
			if err == nil {
				t.Fatal("Load succeeded, want error")
			}
			if got := workflow.ErrorCode(err); got != tt.code {
				t.Errorf("code %q, want %q (%v)", got, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
			if tt.password != "" && strings.Contains(err.Error(), tt.password) {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestLoadSignerFile(t *testing.T) {
	p := newTestPKI(t)
	a := makeIdentity(t, p, "rsa")
	path := writeFile(t, t.TempDir(), "a.pem", a.keyPEM["RSA PRIVATE KEY"])
	s, err := LoadSigner(context.Background(), "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if !publicKeysEqual(s.Public(), a.key.Public()) {
		t.Fatal("wrong key")
	}
}

func TestLoadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, "file:/nonexistent", nil); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
