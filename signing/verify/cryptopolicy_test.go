package verify

import (
	"context"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // the DSA rows of the table
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"
)

// stamper makes RFC 3161 tokens by a time-stamping certificate of a
// test CA, at any time and with any hash.
type stamper struct {
	key  crypto.Signer
	cert *x509.Certificate
}

// token is a time-stamp token at time at over digest (hashed with
// imprint), its own CMS signed with cmsHash. It is assembled here:
// github.com/digitorus/timestamp makes no SHA-1 token.
func (st stamper) token(tb testing.TB, at time.Time, imprint, cmsHash crypto.Hash, digest []byte) []byte {
	tb.Helper()
	var info tstInfoDER
	info.Version, info.Policy, info.SerialNumber, info.Time = 1, asn1.ObjectIdentifier{1, 2, 3}, big.NewInt(at.Unix()), at.UTC()
	info.MessageImprint.HashAlgorithm = pkix.AlgorithmIdentifier{Algorithm: testHashOIDs[imprint], Parameters: asnNull}
	info.MessageImprint.HashedMessage = digest
	spec := cmsSpec{hash: cmsHash, encapsulate: true, contentType: oidTSTInfo, certs: []*x509.Certificate{st.cert}}
	return testCMS(tb, st.key, st.cert, spec, mustDER(tb, info))
}

var oidTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

// over is a cmsSpec.stamp: a token at time at over the signature value.
func (st stamper) over(tb testing.TB, at time.Time, imprint, cmsHash crypto.Hash) func([]byte) []byte {
	return func(sig []byte) []byte {
		h := imprint.New()
		h.Write(sig)
		return st.token(tb, at, imprint, cmsHash, h.Sum(nil))
	}
}

// docStamp is a handSig for a document time-stamp (ETSI.RFC3161) at
// time at over the file signed before it.
func (st stamper) docStamp(tb testing.TB, at time.Time, imprint, cmsHash crypto.Hash) handSig {
	return handSig{subFilter: "ETSI.RFC3161", value: func(signed []byte) []byte {
		h := imprint.New()
		h.Write(signed)
		return st.token(tb, at, imprint, cmsHash, h.Sum(nil))
	}}
}

// TestCryptoConstraints: an algorithm or key size past its sunset
// (cryptopolicy.go: SHA-1 2009, MD5 2005, RSA-1024 2009, RSA-2048 2031)
// makes a signature indeterminate — CRYPTO_CONSTRAINTS_FAILURE_NO_POE
// with no time-stamp, CRYPTO_CONSTRAINTS_FAILURE with one from after the
// sunset — unless a trusted time-stamp whose own algorithms are accepted
// (now, or thanks to a later document time-stamp) proves it existed
// before. SHA-256 with RSA-2048 or ECDSA P-256 is valid. A change after
// signing stays invalid whatever the algorithm. Before, every one of
// these was valid (MD5: invalid, "pkcs7: unsupported algorithm").
func TestCryptoConstraints(t *testing.T) {
	root := makeCA(t, "Crypto Root", elliptic.P256(), 30, nil)
	since := time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	leaf := func(cn string, k crypto.Signer, eku ...x509.ExtKeyUsage) signer {
		_, c := root.leaf(t, cn, leafOpts{key: k, notBefore: since, notAfter: until, extKeyUsage: eku})
		return signer{k, c, []*x509.Certificate{root.cert}}
	}
	r2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	r1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaS, weakKey, ecS := leaf("Signer", r2048), leaf("Old Signer", r1024), leaf("EC Signer", p256)
	tsa := leaf("Crypto TSA", tk, x509.ExtKeyUsageTimeStamping)
	st := stamper{tsa.key, tsa.cert}

	before := time.Date(2008, 6, 1, 0, 0, 0, 0, time.UTC) // before SHA-1's and RSA-1024's sunset
	later := time.Date(2008, 12, 1, 0, 0, 0, 0, time.UTC)
	now := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	in2031 := time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)
	const p7 = "adbe.pkcs7.detached"
	cms := func(s signer, spec cmsSpec) handSig { return handSig{subFilter: p7, value: cmsOver(t, s, spec)} }
	sha1 := cmsSpec{hash: crypto.SHA1}
	stamped := func(spec cmsSpec, at time.Time, imprint, cmsHash crypto.Hash) cmsSpec {
		spec.stamp = st.over(t, at, imprint, cmsHash)
		return spec
	}
	tests := []struct {
		name    string
		sig     handSig
		doc     *handSig  // a document time-stamp after the signature
		at      time.Time // the current time (zero: now)
		verdict string
		reasons []string
	}{
		{name: "SHA-1 without time-stamp", sig: cms(rsaS, sha1), verdict: Indeterminate,
			reasons: []string{"weak algorithm: SHA-1 (message digest) retired on 2009-01-01", "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}},
		{name: "SHA-1 with a SHA-256 time-stamp before the sunset", sig: cms(rsaS, stamped(sha1, before, crypto.SHA256, crypto.SHA256)), verdict: Valid,
			reasons: []string{"SHA-1 (message digest) retired on 2009-01-01 (ETSI TS 102 176-1 V2.0.0) is accepted: a trusted time-stamp of 2008-06-01T00:00:00Z proves the signature existed before then"}},
		{name: "SHA-1 with a SHA-256 time-stamp after the sunset", sig: cms(rsaS, stamped(sha1, now, crypto.SHA256, crypto.SHA256)), verdict: Indeterminate,
			reasons: []string{"the earliest trusted time-stamp with accepted algorithms over the signature is of " + now.Format(time.RFC3339), "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE)"}},
		{name: "SHA-1 with a SHA-1 time-stamp before the sunset", sig: cms(rsaS, stamped(sha1, before, crypto.SHA1, crypto.SHA1)), verdict: Indeterminate,
			reasons: []string{"SHA-1 (message digest) retired", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}},
		{name: "SHA-1 with a time-stamp whose own CMS is SHA-1", sig: cms(rsaS, stamped(sha1, before, crypto.SHA256, crypto.SHA1)), verdict: Indeterminate,
			reasons: []string{"CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}},
		{name: "SHA-1 time-stamp over SHA-256 CMS", sig: cms(rsaS, stamped(cmsSpec{hash: crypto.SHA256}, before, crypto.SHA1, crypto.SHA256)), verdict: Valid},
		{name: "SHA-1 with a SHA-1 time-stamp, both kept by a SHA-256 document time-stamp before the sunset",
			sig: cms(rsaS, stamped(sha1, before, crypto.SHA1, crypto.SHA1)), doc: ptr(st.docStamp(t, later, crypto.SHA256, crypto.SHA256)), verdict: Valid,
			reasons: []string{"is accepted: a trusted time-stamp of 2008-06-01T00:00:00Z"}},
		{name: "SHA-1 kept by a SHA-256 document time-stamp before the sunset", sig: cms(rsaS, sha1),
			doc: ptr(st.docStamp(t, later, crypto.SHA256, crypto.SHA256)), verdict: Valid,
			reasons: []string{"is accepted: a trusted time-stamp of 2008-12-01T00:00:00Z"}},
		{name: "SHA-1 and a SHA-1 document time-stamp before the sunset", sig: cms(rsaS, sha1),
			doc: ptr(st.docStamp(t, later, crypto.SHA1, crypto.SHA1)), verdict: Indeterminate,
			reasons: []string{"Signature 1 (CN=Signer,O=UBND Quận 1): weak algorithm: SHA-1 (message digest)", "Signature 2 (CN=Crypto TSA,O=UBND Quận 1): weak algorithm: SHA-1 (time-stamp imprint)"}},
		{name: "MD5", sig: cms(rsaS, cmsSpec{hash: crypto.MD5}), verdict: Indeterminate,
			reasons: []string{"weak algorithm: MD5 (message digest) retired on 2005-01-01", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}},
		{name: "MD5 no signed attributes", sig: cms(rsaS, cmsSpec{hash: crypto.MD5, noAttrs: true}), verdict: Indeterminate,
			reasons: []string{"weak algorithm: MD5 (message digest)"}},
		{name: "RSA-1024 now", sig: cms(weakKey, cmsSpec{hash: crypto.SHA256}), verdict: Indeterminate,
			reasons: []string{"weak algorithm: RSA-1024 (signer's key) retired on 2009-01-01 (ETSI TS 102 176-1 V2.0.0)", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}},
		{name: "RSA-1024 with a time-stamp before the sunset", sig: cms(weakKey, stamped(cmsSpec{hash: crypto.SHA256}, before, crypto.SHA256, crypto.SHA256)), verdict: Valid,
			reasons: []string{"RSA-1024 (signer's key) retired on 2009-01-01"}},
		{name: "RSA-2048 SHA-256", sig: cms(rsaS, cmsSpec{hash: crypto.SHA256}), verdict: Valid},
		{name: "RSASSA-PSS SHA-256", sig: cms(rsaS, cmsSpec{hash: crypto.SHA256, pss: true}), verdict: Valid},
		{name: "ECDSA P-256 SHA-256", sig: cms(ecS, cmsSpec{hash: crypto.SHA256}), verdict: Valid},
		{name: "ECDSA SHA-1", sig: cms(ecS, sha1), verdict: Indeterminate, reasons: []string{"weak algorithm: SHA-1 (message digest)"}},
		{name: "RSA-2048 in 2031", sig: cms(rsaS, cmsSpec{hash: crypto.SHA256}), at: in2031, verdict: Indeterminate,
			reasons: []string{"weak algorithm: RSA-2048 (signer's key) retired on 2031-01-01", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}},
		{name: "RSA-2048 in 2031, time-stamped before", sig: cms(rsaS, stamped(cmsSpec{hash: crypto.SHA256}, now, crypto.SHA256, crypto.SHA256)), at: in2031, verdict: Valid},
		{name: "ECDSA P-256 in 2031", sig: cms(ecS, cmsSpec{hash: crypto.SHA256}), at: in2031, verdict: Valid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := handSigned(t, basePDF(), tt.sig)
			if tt.doc != nil {
				pdf = handSigned(t, pdf, *tt.doc)
			}
			opts := Options{Roots: root.pool}
			if !tt.at.IsZero() {
				opts.Now = func() time.Time { return tt.at }
			}
			r, err := Verify(context.Background(), pdf, opts)
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Reasons, "\n")
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict %s, want %s:\n%s", r.Verdict, tt.verdict, reasons)
			}
			for _, want := range tt.reasons {
				if !strings.Contains(reasons, want) {
					t.Errorf("reasons lack %q:\n%s", want, reasons)
				}
			}
			if tt.verdict == Valid && strings.Contains(reasons, "weak algorithm") {
				t.Errorf("valid with a weak-algorithm reason:\n%s", reasons)
			}
			// Changed after signing: invalid, weak algorithm or not.
			r, err = Verify(context.Background(), flip(t, pdf, "QUYET DINH"), opts)
			if err != nil || r.Verdict != Invalid {
				t.Fatalf("tampered: %v, verdict %s:\n%s", err, r.Verdict, strings.Join(r.Reasons, "\n"))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestRetiredTable: the policy's table, read directly — each digest,
// signature algorithm and key size with its sunset, and what has none.
func TestRetiredTable(t *testing.T) {
	rsaKey := func(bits int) crypto.PublicKey {
		return &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), uint(bits-1)), E: 65537}
	}
	ecKey := func(c elliptic.Curve) crypto.PublicKey { return &ecdsa.PublicKey{Curve: c} }
	dsaKey := func(bits int) crypto.PublicKey {
		return &dsa.PublicKey{Parameters: dsa.Parameters{P: new(big.Int).Lsh(big.NewInt(1), uint(bits-1)), Q: big.NewInt(3), G: big.NewInt(2)}, Y: big.NewInt(2)}
	}
	pss := func(h asn1.ObjectIdentifier) pkix.AlgorithmIdentifier {
		p := asn1.RawValue{FullBytes: []byte{0x30, 0}} // all defaults: SHA-1
		if h != nil {
			p = asn1.RawValue{FullBytes: mustDER(t, struct {
				Hash algID `asn1:"explicit,tag:0"`
			}{algID{Algorithm: h, Parameters: asnNull}})}
		}
		return pkix.AlgorithmIdentifier{Algorithm: oidRSASSAPSS, Parameters: p}
	}
	never := time.Time{}
	tests := []struct {
		name   string
		got    retired
		alg    string
		sunset time.Time
	}{
		{"MD5", digestRetired(testHashOIDs[crypto.MD5], roleDigest), "MD5", day(2005, 1, 1)},
		{"SHA-1", digestRetired(testHashOIDs[crypto.SHA1], roleDigest), "SHA-1", day(2009, 1, 1)},
		{"SHA-256", digestRetired(testHashOIDs[crypto.SHA256], roleDigest), "", never},
		{"SHA-512", hashRetired(crypto.SHA512, roleTSImprint), "", never},
		{"sha1WithRSAEncryption", sigAlgRetired(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}}, roleSigAlg), "SHA-1", day(2009, 1, 1)},
		{"ecdsa-with-SHA1", sigAlgRetired(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}}, roleSigAlg), "SHA-1", day(2009, 1, 1)},
		{"ecdsa-with-SHA256", sigAlgRetired(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}, roleSigAlg), "", never},
		{"RSASSA-PSS defaults", sigAlgRetired(pss(nil), roleSigAlg), "SHA-1", day(2009, 1, 1)},
		{"RSASSA-PSS SHA-256", sigAlgRetired(pss(testHashOIDs[crypto.SHA256]), roleSigAlg), "", never},
		{"RSA-768", keyRetired(rsaKey(768), roleKey), "RSA-768", never},
		{"RSA-1024", keyRetired(rsaKey(1024), roleKey), "RSA-1024", day(2009, 1, 1)},
		{"RSA-1536", keyRetired(rsaKey(1536), roleKey), "RSA-1536", day(2016, 1, 1)},
		{"RSA-1900", keyRetired(rsaKey(1900), roleKey), "RSA-1900", day(2026, 1, 1)},
		{"RSA-2048", keyRetired(rsaKey(2048), roleKey), "RSA-2048", day(2031, 1, 1)},
		{"RSA-3072", keyRetired(rsaKey(3072), roleKey), "", never},
		{"P-224", keyRetired(ecKey(elliptic.P224()), roleKey), "P-224", day(2016, 1, 1)},
		{"P-256", keyRetired(ecKey(elliptic.P256()), roleKey), "", never},
		{"DSA-768", keyRetired(dsaKey(768), roleKey), "DSA-768", never},
		{"DSA-1024", keyRetired(dsaKey(1024), roleKey), "DSA-1024", day(2013, 1, 1)},
		{"DSA-2048", keyRetired(dsaKey(2048), roleKey), "DSA-2048", day(2026, 1, 1)},
		{"DSA-3072", keyRetired(dsaKey(3072), roleKey), "", never},
		{"DSA without parameters", keyRetired(&dsa.PublicKey{}, roleKey), "DSA", never},
		{"dsa-with-sha224", sigAlgRetired(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 1}}, roleSigAlg), "SHA-224", day(2026, 1, 1)},
		{"Ed25519", keyRetired(ed25519.PublicKey(make([]byte, 32)), roleKey), "", never},
		{"earliest of SHA-1 and RSA-1024 and nothing", earliest(earliest(retired{}, hashRetired(crypto.SHA1, roleDigest)), keyRetired(rsaKey(1536), roleKey)), "SHA-1", day(2009, 1, 1)},
		{"earliest: never first", earliest(keyRetired(rsaKey(1024), roleKey), keyRetired(rsaKey(512), roleKey)), "RSA-512", never},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got.name(); got != tt.alg || !tt.got.at.Equal(tt.sunset) {
				t.Fatalf("got %q until %v, want %q until %v", got, tt.got.at, tt.alg, tt.sunset)
			}
			if tt.alg != "" && tt.got.source == "" {
				t.Fatalf("%s has no source", tt.alg)
			}
		})
	}
}
