package verify

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"reflect"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// TestChainReuse: a chain built for a signer is reused (the same chain,
// no second build) for the same certificate under the same anchors — also
// given as another pool with the same certificates — but not under other
// anchors, nor at a validation time at which a certificate of the chain
// is not valid. Without the anchors check the signature stays trusted
// under a root that never issued it; without the validity check it stays
// trusted after the certificate expired.
func TestChainReuse(t *testing.T) {
	ctx := context.Background()
	ca := newCA(t, "Reuse Root")
	now := time.Now().Truncate(time.Second)
	k, c := ca.leaf(t, "Nguyễn Văn Dùng Lại", leafOpts{notBefore: now.Add(-time.Hour), notAfter: now.Add(time.Hour)})
	pdf := signApproval(t, basePDF(), signer{key: k, cert: c, chain: []*x509.Certificate{ca.cert}}, "Nguyễn Văn Dùng Lại", 2, false)
	at := func(tm time.Time) func() time.Time { return func() time.Time { return tm } }
	verifyWith := func(t *testing.T, opts Options) Signature {
		t.Helper()
		rep, err := Verify(ctx, pdf, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Signatures) != 1 {
			t.Fatalf("%d signatures", len(rep.Signatures))
		}
		return rep.Signatures[0]
	}
	first := verifyWith(t, Options{Roots: ca.pool, Now: at(now)})
	if !first.ChainTrusted || len(first.chain) != 2 {
		t.Fatalf("first verification: trusted %v (%s), chain of %d", first.ChainTrusted, first.ChainError, len(first.chain))
	}
	same := ca.pool.Clone()
	for _, tc := range []struct {
		name    string
		opts    Options
		trusted bool
		reused  bool
	}{
		{"same anchors", Options{Roots: ca.pool, Now: at(now.Add(time.Minute))}, true, true},
		{"equal anchors in another pool", Options{Roots: same, Now: at(now)}, true, true},
		{"other anchors", Options{Roots: newCA(t, "Reuse Root").pool, Now: at(now)}, false, false},
		{"certificate expired at the validation time", Options{Roots: ca.pool, Now: at(now.Add(2 * time.Hour))}, false, false},
		{"certificate not yet valid at the validation time", Options{Roots: ca.pool, Now: at(now.Add(-2 * time.Hour))}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := verifyWith(t, tc.opts)
			if s.ChainTrusted != tc.trusted {
				t.Fatalf("chain trusted %v (%q), want %v", s.ChainTrusted, s.ChainError, tc.trusted)
			}
			if reused := len(s.chain) > 0 && s.chain[0] == first.chain[0]; reused != tc.reused {
				t.Errorf("chain reused %v, want %v", reused, tc.reused)
			}
		})
	}
}

// TestOnlySigner: the time-stamp token's signer read in place is the
// certificate pkcs7's GetOnlySigner finds, with and without the chain in
// the token; a structure it does not read gives nil (pkcs7 then answers).
func TestOnlySigner(t *testing.T) {
	ca := newCA(t, "TSA Root")
	k, c := ca.leaf(t, "Vanthu Test TSA", leafOpts{extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	for _, chain := range [][]*x509.Certificate{nil, {ca.cert}} {
		ts := timestamp.Timestamp{HashAlgorithm: crypto.SHA256, HashedMessage: make([]byte, 32), Time: time.Now(),
			Policy: asn1.ObjectIdentifier{1, 2, 3}, AddTSACertificate: true, Certificates: chain}
		resp, err := ts.CreateResponseWithOpts(c, k, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := ParseTimestampResponse(resp)
		if err != nil {
			t.Fatal(err)
		}
		p7, err := pkcs7.Parse(parsed.RawToken)
		if err != nil {
			t.Fatal(err)
		}
		want := p7.GetOnlySigner()
		if got := onlySigner(parsed.RawToken, parsed.Certificates); want == nil || got == nil || !got.Equal(want) {
			t.Errorf("chain of %d: signer %v, pkcs7 says %v", len(chain), got, want)
		}
		if got := onlySigner(parsed.RawToken[1:], parsed.Certificates); got != nil {
			t.Errorf("damaged token: signer %v, want nil", got.Subject)
		}
	}
}

// TestDescribeCertRemembered: a certificate is described once (by its
// bytes) and every caller gets a copy of its own — a report that changes
// its description does not change the next one.
func TestDescribeCertRemembered(t *testing.T) {
	ForgetReuse()
	ca := newCA(t, "Describe CA")
	_, c := ca.leaf(t, "Nguyễn Văn Mô Tả", leafOpts{keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}})
	want := describeCertNew(c)
	first := describeCert(c)
	if !reflect.DeepEqual(first, want) {
		t.Fatalf("described as %+v, want %+v", first, want)
	}
	first.Subject, first.KeyUsage[0], first.ExtKeyUsage[0] = "changed", "changed", "changed"
	again := describeCert(c)
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("after a change to the first description: %+v, want %+v", again, want)
	}
	if n := described.Len(); n != 1 {
		t.Fatalf("%d descriptions kept for one certificate described twice, want 1", n)
	}
	_, other := ca.leaf(t, "Trần Thị Khác", leafOpts{keyUsage: x509.KeyUsageDigitalSignature})
	if got := describeCert(other); got.Subject == want.Subject || !reflect.DeepEqual(got, describeCertNew(other)) {
		t.Fatalf("another certificate described as %+v", got)
	}
	ForgetReuse()
	if n := described.Len(); n != 0 {
		t.Fatalf("%d descriptions kept after ForgetReuse", n)
	}
}

// BenchmarkDescribeCert: a signer's description for the report, made
// afresh (describeCertNew, before) and remembered (describeCert).
func BenchmarkDescribeCert(b *testing.B) {
	ca := newCA(b, "Describe CA")
	_, c := ca.leaf(b, "Nguyễn Văn Mô Tả", leafOpts{keyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment})
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			describeCertNew(c)
		}
	})
	b.Run("remembered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			describeCert(c)
		}
	})
}
