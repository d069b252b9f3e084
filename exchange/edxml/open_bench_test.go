package edxml

import (
	"crypto/x509"
	"testing"
)

// BenchmarkReceive: what the exchange endpoint does with a signed package
// (ECDSA P-256, one attachment): parse and verify it, reading it twice
// (ParseBytes + Verify) or once (Open + Parse + VerifyPackage).
func BenchmarkReceive(b *testing.B) {
	_, _, ek := testKeys(b)
	trusted := []*x509.Certificate{ek.cert}
	for _, size := range []struct {
		name string
		n    int
	}{{"100KB", 100 << 10}, {"1MB", 1 << 20}} {
		signed, err := BuildSigned(benchDocument(b, size.n), ek.key, trusted)
		if err != nil {
			b.Fatal(err)
		}
		v := &Verifier{Trusted: trusted}
		for _, fn := range []struct {
			name string
			f    func() error
		}{
			{"ParseBytes+Verify", func() error {
				if _, err := ParseBytes(signed, Limits{}); err != nil {
					return err
				}
				return v.Verify(signed)
			}},
			{"Open", func() error {
				p, err := Open(signed, Limits{})
				if err != nil {
					return err
				}
				if _, err := p.Parse(); err != nil {
					return err
				}
				return v.VerifyPackage(p)
			}},
		} {
			b.Run(fn.name+"/"+size.name, func(b *testing.B) {
				b.SetBytes(int64(size.n))
				b.ReportAllocs()
				for b.Loop() {
					if err := fn.f(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
