package keys

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkSign measures one SHA-256 digest signature per key kind: the
// per-signature floor the signing layers pay for their key.
func BenchmarkSign(b *testing.B) {
	p := newTestPKI(b)
	digest := sha256.Sum256([]byte("digest"))
	run := func(b *testing.B, k Key) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.Signer.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
				b.Fatal(err)
			}
		}
	}
	officer, err := p.Officer("bench", "Bench", "")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("file-ecdsa-p256", func(b *testing.B) { run(b, officer) })
	b.Run("file-rsa-2048", func(b *testing.B) { run(b, rsaFileKey(b, p)) })
	if os.Getenv(EnvPKCS11Module) == "" {
		b.Log("VANTHU_PKCS11_MODULE unset: skipping pkcs11 benchmarks")
		return
	}
	token := os.Getenv("VANTHU_TEST_PKCS11_TOKEN")
	if token == "" {
		token = "vanthu-test"
	}
	for _, label := range []string{"agency-rsa", "agency-ec"} {
		b.Run("pkcs11-"+label, func(b *testing.B) {
			s, err := LoadSigner(b.Context(), "pkcs11:token="+token+";object="+label)
			if err != nil {
				b.Fatal(err)
			}
			chain, err := p.CertifyPublicKey(label, s.Public())
			if err != nil {
				b.Fatal(err)
			}
			run(b, Key{Signer: s, Chain: chain})
		})
	}
}

// rsaFileKey writes an RSA-2048 PEM key + chain to disk and Loads it.
func rsaFileKey(b *testing.B, p *DevPKI) Key {
	b.Helper()
	s, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	chain, err := p.CertifyPublicKey("bench rsa", s.Public())
	if err != nil {
		b.Fatal(err)
	}
	data, err := encodeIdentity(s, chain...)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "rsa.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	k, err := Load(b.Context(), "file:"+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// BenchmarkDevPKIOfficer is the cost of asking for an already issued
// officer key (the path taken on every layer-1 signature).
func BenchmarkDevPKIOfficer(b *testing.B) {
	p := newTestPKI(b)
	if _, err := p.Officer("u", "N", "T"); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Officer("u", "N", "T"); err != nil {
			b.Fatal(err)
		}
	}
}
