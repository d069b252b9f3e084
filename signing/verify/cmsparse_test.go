package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

var contentsHex = regexp.MustCompile(`/Contents\s*<([0-9a-fA-F]+)>`)

// signatureCMS is the DER of the first signature value in pdf (padding cut).
func signatureCMS(tb testing.TB, pdf []byte) []byte {
	tb.Helper()
	m := contentsHex.FindSubmatch(pdf)
	if m == nil {
		tb.Fatal("no /Contents in the signed PDF")
	}
	b, err := hex.DecodeString(string(m[1]))
	if err != nil {
		tb.Fatal(err)
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(b, &raw); err != nil {
		tb.Fatal(err)
	}
	return raw.FullBytes
}

// indefinite re-encodes der's outer element with an indefinite length
// (BER), which pkcs7 reads and ParseCMS must leave to it.
func indefinite(der []byte) []byte {
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err != nil {
		return nil
	}
	out := append([]byte{der[0], 0x80}, raw.Bytes...)
	return append(out, 0, 0)
}

// TestParseCMSAsPkcs7: ParseCMS gives what pkcs7.Parse gives — the same
// content, certificates, CRLs and signers, or an error where it errs —
// for signatures (RSA, ECDSA), a time-stamp token (encapsulated content),
// BER, padding and trailing bytes, damaged input; and it reads the DER
// ones itself (without that the test could not tell the fast path from
// pkcs7's); a second parse of the same bytes (remembered) gives the same,
// whatever the caller did to the first's content, certificate list and
// signers.
func TestParseCMSAsPkcs7(t *testing.T) {
	ca := newCA(t, "Parse Root")
	var sigs [][]byte
	for _, rsa := range []bool{false, true} {
		k, c := ca.leaf(t, "Nguyễn Văn Phân Tích", leafOpts{rsa: rsa})
		pdf := signApproval(t, basePDF(), signer{key: k, cert: c, chain: []*x509.Certificate{ca.cert}}, "Nguyễn Văn Phân Tích", 1, false)
		sigs = append(sigs, signatureCMS(t, pdf))
	}
	tk, tc := ca.leaf(t, "Vanthu Parse TSA", leafOpts{extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	ts := timestamp.Timestamp{HashAlgorithm: crypto.SHA256, HashedMessage: make([]byte, 32), Time: time.Now(),
		Policy: asn1.ObjectIdentifier{1, 2, 3}, AddTSACertificate: true, Certificates: []*x509.Certificate{ca.cert}}
	resp, err := ts.CreateResponseWithOpts(tc, tk, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := timestamp.ParseResponse(resp)
	if err != nil {
		t.Fatal(err)
	}
	sigs = append(sigs, tok.RawToken)

	for i, der := range sigs {
		if _, ok := parseSignedDER(der); !ok {
			t.Errorf("sample %d: DER not read by ParseCMS itself", i)
		}
		flipped := bytes.Clone(der)
		flipped[len(flipped)/2] ^= 0xff
		for name, in := range map[string][]byte{
			"der": der, "zero padding": append(bytes.Clone(der), 0, 0, 0, 0), "trailing bytes": append(bytes.Clone(der), 0x30, 0x03, 1, 2, 3),
			"ber": indefinite(der), "truncated": der[:len(der)-1], "header only": der[:4], "flipped byte": flipped, "empty": nil,
		} {
			want, werr := pkcs7.Parse(in)
			// The second round reads what the first remembered, after
			// the first's result was changed as verifyOne changes it.
			for round := range 2 {
				got, gerr := ParseCMS(in)
				if (werr == nil) != (gerr == nil) {
					t.Errorf("sample %d, %s, round %d: pkcs7 error %v, ParseCMS error %v", i, name, round, werr, gerr)
					break
				}
				if werr != nil {
					break
				}
				if !bytes.Equal(got.Content, want.Content) || !reflect.DeepEqual(got.Signers, want.Signers) || !reflect.DeepEqual(got.CRLs, want.CRLs) {
					t.Errorf("sample %d, %s, round %d: content, signers or CRLs differ from pkcs7's", i, name, round)
				}
				if len(got.Certificates) != len(want.Certificates) {
					t.Fatalf("sample %d, %s, round %d: %d certificates, pkcs7 %d", i, name, round, len(got.Certificates), len(want.Certificates))
				}
				for j := range got.Certificates {
					if !got.Certificates[j].Equal(want.Certificates[j]) {
						t.Errorf("sample %d, %s, round %d: certificate %d differs", i, name, round, j)
					}
				}
				if got.GetOnlySigner() == nil || !got.GetOnlySigner().Equal(want.GetOnlySigner()) {
					t.Errorf("sample %d, %s, round %d: signer certificate differs", i, name, round)
				}
				got.Content = []byte("changed")
				got.Certificates[0] = &x509.Certificate{}
				got.Signers[0].EncryptedDigest = nil
			}
		}
	}
}

// TestParsedCertificateNotReused: a certificate changed in a signature
// is read from the signature's bytes, never taken from the parse cache for
// the one it replaces — verifying the original first (so that it is
// cached), then a copy whose signer certificate has one byte of its own
// signature changed: the copy's chain is not trusted and the signature is
// not valid. (Revocation of a cached certificate: TestReuseAfterRevocation
// in signing, which verifies twice before revoking.)
func TestParsedCertificateNotReused(t *testing.T) {
	ctx := context.Background()
	ca := newCA(t, "Cache Root")
	k, c := ca.leaf(t, "Lê Văn Bộ Nhớ", leafOpts{})
	pdf := signApproval(t, basePDF(), signer{key: k, cert: c, chain: []*x509.Certificate{ca.cert}}, "Lê Văn Bộ Nhớ", 1, false)
	opts := Options{Roots: ca.pool}
	rep, err := Verify(ctx, pdf, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Valid {
		t.Fatalf("original: %s %v", rep.Verdict, rep.Reasons)
	}
	if cached, ok := certificates.Get(key("cert", c.Raw)); !ok || !cached.Equal(c) {
		t.Fatal("the signer's certificate was not cached by the first verification")
	}
	changed := bytes.Clone(c.Raw)
	changed[len(changed)-3] ^= 0x01 // inside the certificate's signature value
	certHex, changedHex := hex.EncodeToString(c.Raw), hex.EncodeToString(changed)
	i := bytes.Index(pdf, []byte(certHex))
	if i < 0 {
		certHex, changedHex = strings.ToUpper(certHex), strings.ToUpper(changedHex)
		i = bytes.Index(pdf, []byte(certHex))
	}
	if i < 0 {
		t.Fatal("the signer's certificate is not in the signature value")
	}
	tampered := bytes.Clone(pdf)
	copy(tampered[i:], changedHex)

	p7, err := ParseCMS(signatureCMS(t, tampered))
	if err != nil {
		t.Fatal(err)
	}
	if s := p7.GetOnlySigner(); s == nil || !bytes.Equal(s.Raw, changed) {
		t.Fatal("the changed certificate was not read from the signature's bytes")
	}
	rep, err = Verify(ctx, tampered, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict == Valid || len(rep.Signatures) != 1 || rep.Signatures[0].ChainTrusted {
		t.Fatalf("changed certificate: verdict %s, chain trusted %v", rep.Verdict, len(rep.Signatures) == 1 && rep.Signatures[0].ChainTrusted)
	}
}

// TestParseTimestampTokenAsLibrary: parseTimestampToken gives what
// timestamp.Parse gives — the same Timestamp, or an error where it errs —
// for tokens with and without certificates, accuracy and nonce, a SHA-512
// imprint, and damaged ones (a changed byte in the signed TSTInfo, in the
// signature, a cut token).
func TestParseTimestampTokenAsLibrary(t *testing.T) {
	ca := newCA(t, "TST Root")
	k, c := ca.leaf(t, "Vanthu TST TSA", leafOpts{extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	var tokens [][]byte
	for i, ts := range []timestamp.Timestamp{
		{HashAlgorithm: crypto.SHA256, HashedMessage: make([]byte, 32), Time: time.Now(), Policy: asn1.ObjectIdentifier{1, 2, 3}, AddTSACertificate: true},
		{HashAlgorithm: crypto.SHA256, HashedMessage: bytes.Repeat([]byte{7}, 32), Time: time.Now(), Policy: asn1.ObjectIdentifier{1, 2, 4},
			AddTSACertificate: true, Certificates: []*x509.Certificate{ca.cert}, Accuracy: 1500 * time.Millisecond, Nonce: big.NewInt(42), Ordering: true},
		{HashAlgorithm: crypto.SHA512, HashedMessage: make([]byte, 64), Time: time.Now(), Policy: asn1.ObjectIdentifier{1, 2, 5}},
	} {
		resp, err := ts.CreateResponseWithOpts(c, k, crypto.SHA256)
		if err != nil {
			t.Fatal(i, err)
		}
		tok, err := timestamp.ParseResponse(resp)
		if err != nil {
			t.Fatal(i, err)
		}
		tokens = append(tokens, tok.RawToken)
	}
	refused := 0
	for i, der := range tokens {
		for name, in := range map[string][]byte{
			"as made": der, "cut": der[:len(der)-2],
			"signature byte": append(bytes.Clone(der[:len(der)-5]), der[len(der)-5]^1, der[len(der)-4], der[len(der)-3], der[len(der)-2], der[len(der)-1]),
			"imprint byte":   flipAt(der, bytes.Index(der, []byte{0x04, byte(len(tokenImprint(t, der)))})+5),
		} {
			want, werr := timestamp.Parse(in)
			got, gerr := parseTimestampToken(in)
			if (werr == nil) != (gerr == nil) {
				t.Errorf("token %d, %s: timestamp error %v, ours %v", i, name, werr, gerr)
				continue
			}
			if werr != nil {
				refused++
			} else if !reflect.DeepEqual(got, want) {
				t.Errorf("token %d, %s: parsed differently:\n%+v\n%+v", i, name, got, want)
			}
		}
	}
	if refused < 5 {
		t.Errorf("%d damaged tokens refused, want at least 5 (3 cut, 2 signatures)", refused)
	}
}

func flipAt(b []byte, i int) []byte {
	out := bytes.Clone(b)
	if i >= 0 && i < len(out) {
		out[i] ^= 0x01
	}
	return out
}

func tokenImprint(tb testing.TB, der []byte) []byte {
	tb.Helper()
	ts, err := timestamp.Parse(der)
	if err != nil {
		tb.Fatal(err)
	}
	return ts.HashedMessage
}

// TestLargeCertificateNotCached: the parse cache keeps only certificates
// of a plausible size, so a document carrying large ones (a DSS stream of
// padded certificates, on the public verify page) cannot park them in
// memory; one just under the bound is kept.
func TestLargeCertificateNotCached(t *testing.T) {
	for _, tc := range []struct {
		pad    int
		cached bool
	}{
		{pad: maxCachedCertificate / 2, cached: true},
		{pad: maxCachedCertificate, cached: false},
		{pad: 4 * maxCachedCertificate, cached: false},
	} {
		key0, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(tc.pad)),
			Subject:      pkix.Name{CommonName: "Padded"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			ExtraExtensions: []pkix.Extension{{
				Id:    asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
				Value: bytes.Repeat([]byte{0x04}, tc.pad),
			}},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key0.Public(), key0)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseCertificate(der)
		if err != nil {
			t.Fatalf("%d bytes: %v", len(der), err)
		}
		if !bytes.Equal(c.Raw, der) {
			t.Fatalf("%d bytes: parsed something else", len(der))
		}
		if _, ok := certificates.Get(key("cert", der)); ok != tc.cached {
			t.Errorf("certificate of %d bytes: cached %v, want %v", len(der), ok, tc.cached)
		}
	}
}
