package verify

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"testing"
)

// BenchmarkVerify validates a two-layer PDF (officer ECDSA P-256, agency
// RSA-2048, number/date initials) with a trusted chain.
// "small" is the 2-page test document (~21 KB signed); "large" adds a
// 12 MB incompressible image stream, like a scan.
func BenchmarkVerify(b *testing.B) {
	ca := newCA(b, "Root")
	k1, c1 := ca.leaf(b, "Officer", leafOpts{})
	k2, c2 := ca.leaf(b, "Agency", leafOpts{rsa: true})
	officer := signer{k1, c1, []*x509.Certificate{ca.cert}}
	agency := signer{k2, c2, []*x509.Certificate{ca.cert}}
	for _, bc := range []struct {
		name string
		base []byte
	}{{"small", basePDF()}, {"large", withScan(b, basePDF(), 12<<20)}} {
		l1 := signApproval(b, bc.base, officer, "Officer", 2, false)
		pdf := signApproval(b, l1, agency, "Agency", 2, true)
		opts := Options{Roots: ca.pool}
		ctx := context.Background()
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(pdf)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := Verify(ctx, pdf, opts)
				if err != nil || r.Verdict != Valid {
					b.Fatalf("%v %v", err, r)
				}
			}
		})
	}
}

// withScan adds an n-byte random image XObject drawn on page 1, in an
// incremental update before any signature.
func withScan(tb testing.TB, pdf []byte, n int) []byte {
	tb.Helper()
	img := make([]byte, n)
	_, _ = rand.Read(img)
	pnum, pd, size := page(tb, pdf, 1)
	pd2 := dict{}
	for k, v := range pd {
		pd2[k] = v
	}
	pd2["Resources"] = dict{"Font": dict{"F1": ref{5, 0}}, "XObject": dict{"Im1": ref{size, 0}}}
	pd2["Contents"] = []object{pd["Contents"], ref{size + 1, 0}}
	side := 2048
	return appendUpdate(tb, pdf, map[int]string{
		size:     fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream", side, n/(3*side), n, img),
		size + 1: streamObj("", "q 500 0 0 700 50 50 cm /Im1 Do Q"),
		pnum:     serialize(pd2),
	})
}
