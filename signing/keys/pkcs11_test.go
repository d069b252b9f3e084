package keys

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// tokenKeys are the key pairs scripts/setup/signing.sh creates.
var tokenKeys = []struct{ label, alg string }{
	{"agency-rsa", "rsa"}, {"agency-ec", "ec"}, {"officer-rsa", "rsa"}, {"officer-ec", "ec"},
}

// requireToken skips unless the SoftHSM2 token of scripts/setup/signing.sh
// is configured, and returns its label.
func requireToken(t *testing.T) string {
	t.Helper()
	if os.Getenv(EnvPKCS11Module) == "" {
		t.Skip("VANTHU_PKCS11_MODULE is unset: source scripts/setup/signing.sh to create the SoftHSM2 test token")
	}
	if os.Getenv(EnvPKCS11PIN) == "" {
		t.Fatal("VANTHU_PKCS11_MODULE is set but VANTHU_PKCS11_PIN is not")
	}
	if tok := os.Getenv("VANTHU_TEST_PKCS11_TOKEN"); tok != "" {
		return tok
	}
	return "vanthu-test"
}

// tokenKey loads a token key with a certificate issued by p over its public key.
func tokenKey(t *testing.T, p *DevPKI, token, label string) (Key, string) {
	t.Helper()
	uri := fmt.Sprintf("pkcs11:token=%s;object=%s", token, label)
	s, err := LoadSigner(context.Background(), uri)
	if err != nil {
		t.Fatalf("LoadSigner(%s): %v", uri, err)
	}
	chain, err := p.CertifyPublicKey("Token "+label, s.Public())
	if err != nil {
		t.Fatal(err)
	}
	k, err := Load(context.Background(), uri, Key{Chain: chain}.ChainPEM())
	if err != nil {
		t.Fatalf("Load(%s): %v", uri, err)
	}
	return k, uri
}

func TestIntegrationPKCS11Sign(t *testing.T) {
	token := requireToken(t)
	p := newTestPKI(t)
	for _, tk := range tokenKeys {
		t.Run(tk.label, func(t *testing.T) {
			k, _ := tokenKey(t, p, token, tk.label)
			switch k.Chain[0].PublicKey.(type) {
			case *rsa.PublicKey:
				if tk.alg != "rsa" || k.Chain[0].PublicKey.(*rsa.PublicKey).N.BitLen() != 2048 {
					t.Fatalf("want RSA-2048 for %s", tk.label)
				}
			case *ecdsa.PublicKey:
				if tk.alg != "ec" || k.Chain[0].PublicKey.(*ecdsa.PublicKey).Curve.Params().Name != "P-256" {
					t.Fatalf("want EC P-256 for %s", tk.label)
				}
			}
			signAndVerify(t, k)
		})
	}
}

func TestIntegrationPKCS11ContextCached(t *testing.T) {
	token := requireToken(t)
	p := newTestPKI(t)
	for range 3 {
		for _, tk := range tokenKeys {
			tokenKey(t, p, token, tk.label)
		}
	}
	tokens.Lock()
	n := 0
	for k := range tokens.m {
		if strings.HasSuffix(k, "\x00token="+token) {
			n++
		}
	}
	tokens.Unlock()
	if n != 1 {
		t.Fatalf("%d cached contexts for token %s, want 1", n, token)
	}
}

func TestIntegrationPKCS11Concurrent(t *testing.T) {
	token := requireToken(t)
	p := newTestPKI(t)
	var wg sync.WaitGroup
	keys := make([]Key, len(tokenKeys))
	for i, tk := range tokenKeys {
		keys[i], _ = tokenKey(t, p, token, tk.label)
	}
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if err := checkSignVerify(keys[g%len(keys)]); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestIntegrationPKCS11PINSources(t *testing.T) {
	token := requireToken(t)
	pin := os.Getenv(EnvPKCS11PIN)
	pinFile := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(pinFile, []byte(pin+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VANTHU_TEST_OTHER_PIN", pin)
	for _, uri := range []string{
		"pkcs11:token=" + token + ";object=agency-ec;pin-source=file:" + pinFile,
		"pkcs11:token=" + token + ";object=agency-ec?pin-source=" + pinFile,
		"pkcs11:token=" + token + ";object=agency-ec;pin-env=VANTHU_TEST_OTHER_PIN",
		"pkcs11:token=" + token + ";object=agency-ec;id=%02;module-path=" + os.Getenv(EnvPKCS11Module),
	} {
		if _, err := LoadSigner(context.Background(), uri); err != nil {
			t.Errorf("LoadSigner(%s): %v", uri, err)
		}
	}
}

func TestIntegrationPKCS11Errors(t *testing.T) {
	token := requireToken(t)
	p := newTestPKI(t)
	ec, _ := tokenKey(t, p, token, "agency-ec")
	module := os.Getenv(EnvPKCS11Module)
	const wrongPIN = "wrong-pin-31337"
	t.Setenv("VANTHU_TEST_WRONG_PIN", wrongPIN)
	tests := []struct {
		name     string
		uri      string
		certPEM  []byte
		fresh    bool // close cached contexts first
		code     string
		contains string
	}{
		{"no cert", "pkcs11:token=" + token + ";object=officer-ec", nil, false, workflow.EINVALID, "no certificate"},
		{"cert of another key", "pkcs11:token=" + token + ";object=officer-ec", ec.ChainPEM(), false, workflow.EINVALID, "does not match the key"},
		{"no such key", "pkcs11:token=" + token + ";object=nope", ec.ChainPEM(), false, workflow.ENOTFOUND, "no key pair"},
		{"no such token", "pkcs11:token=no-such-token;object=agency-ec", ec.ChainPEM(), false, workflow.ENOTFOUND, "no such token"},
		{"no module", "pkcs11:token=" + token + ";object=agency-ec;module-path=/nonexistent/lib.so", ec.ChainPEM(), false, workflow.EUNAVAILABLE, "/nonexistent/lib.so"},
		{"PIN env empty", "pkcs11:token=" + token + ";object=agency-ec;pin-env=VANTHU_TEST_UNSET_PIN", ec.ChainPEM(), false, workflow.EUNAUTHORIZED, "VANTHU_TEST_UNSET_PIN"},
		{"PIN differs from cached", "pkcs11:token=" + token + ";object=agency-ec;pin-env=VANTHU_TEST_WRONG_PIN", ec.ChainPEM(), false, workflow.EUNAUTHORIZED, "PIN differs"},
		{"wrong PIN", "pkcs11:token=" + token + ";object=agency-ec;pin-env=VANTHU_TEST_WRONG_PIN", ec.ChainPEM(), true, workflow.EUNAUTHORIZED, "wrong PIN"},
		{"wrong PIN in URI", "pkcs11:token=" + token + ";object=agency-ec;pin-value=" + wrongPIN, ec.ChainPEM(), true, workflow.EUNAUTHORIZED, "pin-value=REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fresh {
				if err := ClosePKCS11(); err != nil {
					t.Fatal(err)
				}
			}
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
			if pin := os.Getenv(EnvPKCS11PIN); strings.Contains(err.Error(), pin) || strings.Contains(err.Error(), wrongPIN) {
				t.Errorf("error leaks a PIN: %v", err)
			}
		})
	}
	_ = module
	// The token still works after the failures.
	k, _ := tokenKey(t, p, token, "agency-rsa")
	signAndVerify(t, k)
}
