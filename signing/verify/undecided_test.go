package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA signatures of other producers
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The cases of this file are signatures this verifier cannot judge —
// an algorithm it does not check, a time-stamp token it cannot read or
// rely on, a CMS whose digest and signature algorithms disagree — and
// which are therefore indeterminate (ETSI EN 319 102-1), never invalid:
// invalid is kept for what is proven wrong, a change after signing
// above all. Each is also changed after signing.

// Algorithm identifiers the cases write.
var (
	oidSHA3x256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 8}
	oidSHA512x224      = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 5}
	oidSM3             = asn1.ObjectIdentifier{1, 2, 156, 10197, 1, 401}
	oidRIPEMD160       = asn1.ObjectIdentifier{1, 3, 36, 3, 2, 1}
	oidECDSAWithSHA3   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 10}
	oidRSAWithSHA3     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 14}
	oidECDSAWithSHAKE  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 6, 33}
	oidRSAPSSWithSHAKE = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 6, 31}
	oidSHA1WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA512x224RSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 15}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidDSAWithSHA384   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 3}
	oidDSAWithSHA3     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 6}
	oidECDSAWithSHAKE1 = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 6, 32}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA512x256RSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 16}
	// The combined signature algorithms of SHA-3 (NIST's arc, RFC 9688),
	// by key type and hash.
	sha3SigAlgs = map[string]map[crypto.Hash]asn1.ObjectIdentifier{
		"RSA": {crypto.SHA3_224: {2, 16, 840, 1, 101, 3, 4, 3, 13}, crypto.SHA3_256: oidRSAWithSHA3,
			crypto.SHA3_384: {2, 16, 840, 1, 101, 3, 4, 3, 15}, crypto.SHA3_512: {2, 16, 840, 1, 101, 3, 4, 3, 16}},
		"ECDSA": {crypto.SHA3_224: {2, 16, 840, 1, 101, 3, 4, 3, 9}, crypto.SHA3_256: oidECDSAWithSHA3,
			crypto.SHA3_384: {2, 16, 840, 1, 101, 3, 4, 3, 11}, crypto.SHA3_512: {2, 16, 840, 1, 101, 3, 4, 3, 12}},
		"DSA": {crypto.SHA3_224: {2, 16, 840, 1, 101, 3, 4, 3, 5}, crypto.SHA3_256: oidDSAWithSHA3,
			crypto.SHA3_384: {2, 16, 840, 1, 101, 3, 4, 3, 7}, crypto.SHA3_512: {2, 16, 840, 1, 101, 3, 4, 3, 8}},
	}
)

// cmsParts says how rawCMS assembles a SignedData whose algorithms need
// not agree: the digest algorithm written and the digest of the content
// in the messageDigest attribute, the signature algorithm written and
// the signature over the signed attributes (or, with noAttrs, over the
// content).
type cmsParts struct {
	digestOID asn1.ObjectIdentifier
	digest    func([]byte) []byte
	sigAlg    algID
	sign      func([]byte) []byte
	noAttrs   bool
	// tstInfo: the content is a TSTInfo carried inside the CMS (a
	// time-stamp token), not detached data.
	tstInfo bool
}

// rawCMS is a SignedData by cert over content, as p says: detached, or
// a time-stamp token carrying content (p.tstInfo).
func rawCMS(tb testing.TB, cert *x509.Certificate, p cmsParts, content []byte) []byte {
	tb.Helper()
	msg := content
	var attrs []byte
	ctype, encap := oidData, []any{oidData}
	if p.tstInfo {
		ctype = oidTSTInfo
		encap = []any{oidTSTInfo, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustDER(tb, content)}}
	}
	if !p.noAttrs {
		set := func(v any) asn1.RawValue {
			return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: mustDER(tb, v)}
		}
		type attr struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		enc := [][]byte{mustDER(tb, attr{oidContentType, set(ctype)}), mustDER(tb, attr{oidMessageDigest, set(p.digest(content))})}
		sort.Slice(enc, func(i, j int) bool { return bytes.Compare(enc[i], enc[j]) < 0 })
		attrs = mustDER(tb, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(enc, nil)})
		msg = attrs
	}
	sig := p.sign(msg)
	digestAlg := algID{Algorithm: p.digestOID, Parameters: asnNull}
	si := []any{1, asn1.RawValue{FullBytes: mustDER(tb, struct {
		Issuer asn1.RawValue
		Serial any
	}{asn1.RawValue{FullBytes: cert.RawIssuer}, cert.SerialNumber})}, digestAlg}
	if attrs != nil {
		attrs[0] = 0xA0
		si = append(si, asn1.RawValue{FullBytes: attrs})
	}
	si = append(si, p.sigAlg, sig)
	sd := []any{1, asn1.RawValue{FullBytes: mustDER(tb, []algID{digestAlg}, "set")}, encap,
		asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: cert.Raw},
		asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: mustDER(tb, si)}}
	return mustDER(tb, []any{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustDER(tb, sd)}})
}

// hashed is a digest function of h.
func hashed(h crypto.Hash) func([]byte) []byte {
	return func(b []byte) []byte {
		d := h.New()
		d.Write(b)
		return d.Sum(nil)
	}
}

func shake256(b []byte) []byte { return sha3.SumSHAKE256(b, 64) }

func shake128(b []byte) []byte { return sha3.SumSHAKE128(b, 32) }

// signPSS signs the hash h of a message with key, RSASSA-PSS with a
// salt as long as the hash.
func signPSS(tb testing.TB, key *rsa.PrivateKey, h crypto.Hash) func([]byte) []byte {
	return func(msg []byte) []byte {
		sig, err := rsa.SignPSS(rand.Reader, key, h, hashed(h)(msg), &rsa.PSSOptions{SaltLength: h.Size(), Hash: h})
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	}
}

// signWith signs the digest of a message (by digest) with key: PKCS#1
// v1.5 with h for RSA, ASN.1 (r, s) for ECDSA.
func signWith(tb testing.TB, key crypto.Signer, h crypto.Hash, digest func([]byte) []byte) func([]byte) []byte {
	return func(msg []byte) []byte {
		var sig []byte
		var err error
		switch k := key.(type) {
		case *rsa.PrivateKey:
			sig, err = rsa.SignPKCS1v15(rand.Reader, k, h, digest(msg))
		case *ecdsa.PrivateKey:
			sig, err = ecdsa.SignASN1(rand.Reader, k, digest(msg))
		default:
			sig, err = key.Sign(rand.Reader, digest(msg), h)
		}
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	}
}

// verdictCase is a signature (and a document time-stamp after it, or
// nil), and the verdict of the signature named by which (0: the first)
// intact and changed after signing, with what its reasons must say.
type verdictCase struct {
	name     string
	sig      handSig
	doc      *handSig
	which    int
	verdict  string
	reasons  []string
	source   string // the validation time's source, when it matters
	notUsed  string // in the signature's timestamp.not_used
	tampered string
	// opensslDiffers says why `openssl cms -verify` disagrees with the
	// intact verdict (crossCheck), when it does.
	opensslDiffers string
}

// runVerdictCases verifies each case intact and with a byte of the first
// revision's content changed, and, when the openssl command is
// installed, asks OpenSSL's opinion of the same signature (crossCheck).
func runVerdictCases(t *testing.T, roots *x509.CertPool, tests []verdictCase) {
	t.Helper()
	_, err := exec.LookPath("openssl")
	withOpenSSL := err == nil
	if !withOpenSSL {
		t.Log("openssl is not installed: no second opinion on these signatures")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := handSigned(t, basePDF(), tt.sig)
			if tt.doc != nil {
				pdf = handSigned(t, pdf, *tt.doc)
			}
			for i, c := range []struct {
				pdf     []byte
				verdict string
			}{{pdf, tt.verdict}, {flip(t, pdf, "QUYET DINH"), tt.tampered}} {
				r, err := Verify(context.Background(), c.pdf, Options{Roots: roots})
				if err != nil {
					t.Fatal(err)
				}
				reasons := strings.Join(r.Reasons, "\n")
				if len(r.Signatures) <= tt.which {
					t.Fatalf("%d signatures:\n%s", len(r.Signatures), reasons)
				}
				s := r.Signatures[tt.which]
				if s.verdict != c.verdict {
					t.Fatalf("verdict %s, want %s:\n%s", s.verdict, c.verdict, reasons)
				}
				if withOpenSSL {
					crossCheck(t, c.pdf, s, i > 0, tt.opensslDiffers)
				}
				if i > 0 {
					continue // changed: only its verdict is pinned
				}
				for _, want := range tt.reasons {
					if !strings.Contains(reasons, want) {
						t.Errorf("reasons lack %q:\n%s", want, reasons)
					}
				}
				if !strings.Contains(strings.Join(tt.reasons, "\n"), "unsupported algorithm") && strings.Contains(reasons, "unsupported algorithm") {
					t.Errorf("an algorithm is unsupported:\n%s", reasons)
				}
				if tt.source != "" && s.ValidationTimeSource != tt.source {
					t.Errorf("judged at %s (%s), want %s", s.ValidationTime, s.ValidationTimeSource, tt.source)
				}
				if tt.notUsed != "" && (s.Timestamp == nil || !strings.Contains(s.Timestamp.NotUsed, tt.notUsed)) {
					t.Errorf("timestamp %+v, want not_used with %q", s.Timestamp, tt.notUsed)
				}
			}
		})
	}
}

const (
	unsupportedSub = "INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE)"
	formatSub      = "INDETERMINATE/FORMAT_FAILURE"
)

// TestUnsupportedSignatureAlgorithms: keys this verifier checks (RSA,
// ECDSA) with the signature and digest algorithms of SHA-3, of
// SHA-512/224 and /256 and of SHA-224 are checked (crypto/rsa,
// crypto/ecdsa), as OpenSSL 3 checks them: valid, or, for the 224-bit
// hashes, retired (INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE), and
// invalid once changed. SHAKE128 and SHAKE256 stay INDETERMINATE/
// CRYPTO_CONSTRAINTS_FAILURE "unsupported algorithm", the messageDigest
// still compared (a change stays invalid). A digest algorithm that
// disagrees with the hash the signature algorithm names: checked by the
// digest algorithm (RFC 5652 5.4–5.6; OpenSSL and pkcs7 do the same for
// RSA), the constraints then judging both hashes; a signature that
// verifies only by the signature algorithm's hash is
// INDETERMINATE/FORMAT_FAILURE (an ill-formed SignerInfo, not a wrong
// signature); one that verifies by neither is invalid. A signer's
// certificate with a critical extension nobody handles cannot be
// chained (RFC 5280 6.1.3, crypto/x509's UnhandledCriticalExtension):
// indeterminate, its chain error reported. Before, the SHA-3,
// SHA-512/224 and SHA-224 rows were INDETERMINATE "unsupported
// algorithm" (and before that invalid).
func TestUnsupportedSignatureAlgorithms(t *testing.T) {
	root := makeCA(t, "Undecided Root", elliptic.P256(), 30, nil)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, rc := root.leaf(t, "RSA Signer", leafOpts{key: rk})
	_, ec := root.leaf(t, "EC Signer", leafOpts{key: ek})
	crit := pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{5, 0}}
	_, cc := root.leafWith(t, "Critical Signer", leafOpts{key: ek}, crit)
	const cades = "ETSI.CAdES.detached"
	raw := func(cert *x509.Certificate, p cmsParts) handSig {
		return handSig{subFilter: cades, value: func(b []byte) []byte { return rawCMS(t, cert, p, b) }}
	}
	sha256OID, sha384OID := testHashOIDs[crypto.SHA256], testHashOIDs[crypto.SHA384]
	ecAlg := func(oid asn1.ObjectIdentifier) algID { return algID{Algorithm: oid} }
	rsaAlg := func(oid asn1.ObjectIdentifier) algID { return algID{Algorithm: oid, Parameters: asnNull} }
	pssAlg := func(h crypto.Hash) algID {
		return algID{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: testPSSParams(t, h, h.Size())}}
	}
	unsup := func(what string) []string { return []string{"unsupported algorithm: " + what, unsupportedSub} }
	weak := func(alg string) []string {
		return []string{"weak algorithm: " + alg + " (message digest) retired on 2026-01-01", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}
	}
	// OpenSSL 3.0 checks RSA with SHA-512/224 and /256 when the signature
	// algorithm is rsaEncryption (what it writes itself), and refuses the
	// combined OIDs of PKCS#1 v2.2 (RFC 8017 A.2.4) as a CMS signature
	// algorithm ("CMS Verification failure", the same CMS with
	// rsaEncryption written instead verifying).
	const sha512tOID = "OpenSSL 3.0 does not take sha512-224/256WithRSAEncryption as a CMS signature algorithm"
	// the SHA-3 family with each key, the signature algorithm naming it
	var tests []verdictCase
	for _, h := range []crypto.Hash{crypto.SHA3_224, crypto.SHA3_256, crypto.SHA3_384, crypto.SHA3_512} {
		verdict, reasons := Valid, []string(nil)
		if h == crypto.SHA3_224 {
			verdict, reasons = Indeterminate, weak("SHA3-224")
		}
		tests = append(tests,
			verdictCase{name: "ECDSA with " + h.String(), sig: raw(ec, cmsParts{digestOID: testHashOIDs[h], digest: hashed(h), sigAlg: ecAlg(sha3SigAlgs["ECDSA"][h]), sign: signWith(t, ek, h, hashed(h))}),
				verdict: verdict, reasons: reasons, tampered: Invalid},
			verdictCase{name: "RSA with " + h.String(), sig: raw(rc, cmsParts{digestOID: testHashOIDs[h], digest: hashed(h), sigAlg: rsaAlg(sha3SigAlgs["RSA"][h]), sign: signWith(t, rk, h, hashed(h))}),
				verdict: verdict, reasons: reasons, tampered: Invalid})
	}
	sha3 := hashed(crypto.SHA3_256)
	tests = append(tests, []verdictCase{
		{name: "ECDSA with SHA3-256, no signed attributes", sig: raw(ec, cmsParts{oidSHA3x256, sha3, ecAlg(oidECDSAWithSHA3), signWith(t, ek, crypto.SHA3_256, sha3), true, false}),
			verdict: Valid, tampered: Invalid},
		{name: "ECDSA with SHA3-256, signed by another key", sig: raw(ec, cmsParts{oidSHA3x256, sha3, ecAlg(oidECDSAWithSHA3), signWith(t, mustP256(t), crypto.SHA3_256, sha3), false, false}),
			verdict: Invalid, reasons: []string{"the CMS signature does not verify"}, tampered: Invalid},
		{name: "ECDSA with SHAKE256", sig: raw(ec, cmsParts{oidSHAKE256, shake256, ecAlg(oidECDSAWithSHAKE), signWith(t, ek, 0, shake256), false, false}),
			verdict: Indeterminate, reasons: unsup("ECDSA with 1.3.6.1.5.5.7.6.33"), tampered: Invalid},
		{name: "ECDSA with SHAKE128", sig: raw(ec, cmsParts{oidSHAKE128, shake128, ecAlg(oidECDSAWithSHAKE1), signWith(t, ek, 0, shake128), false, false}),
			verdict: Indeterminate, reasons: unsup("ECDSA with 1.3.6.1.5.5.7.6.32 and the digest 2.16.840.1.101.3.4.2.11 (signature algorithm): the digest of the signed content matches"), tampered: Invalid},
		{name: "ECDSA SHA-256 digest, ecdsa-with-SHA3-256, signed with SHA3-256", sig: raw(ec, cmsParts{sha256OID, hashed(crypto.SHA256), ecAlg(oidECDSAWithSHA3), signWith(t, ek, crypto.SHA3_256, sha3), false, false}),
			verdict: Indeterminate, reasons: []string{"(SHA3-256), not with its digest algorithm's (SHA-256)", formatSub}, tampered: Invalid},
		{name: "ECDSA SHA-256 digest, ecdsa-with-SHA3-256, signed with SHA-256", sig: raw(ec, cmsParts{sha256OID, hashed(crypto.SHA256), ecAlg(oidECDSAWithSHA3), signWith(t, ek, crypto.SHA256, hashed(crypto.SHA256)), false, false}),
			verdict: Valid, tampered: Invalid},
		{name: "RSA rsaEncryption, SHA3-256 digest", sig: raw(rc, cmsParts{oidSHA3x256, sha3, rsaAlg(oidRSA), signWith(t, rk, crypto.SHA3_256, sha3), false, false}),
			verdict: Valid, tampered: Invalid},
		{name: "RSA with SHA3-256, no signed attributes", sig: raw(rc, cmsParts{oidSHA3x256, sha3, rsaAlg(oidRSAWithSHA3), signWith(t, rk, crypto.SHA3_256, sha3), true, false}),
			verdict: Valid, tampered: Invalid},
		{name: "RSA SHA3-256 digest, sha256WithRSA, signed with SHA-256", sig: raw(rc, cmsParts{oidSHA3x256, sha3, rsaAlg(oidSHA256WithRSA), signWith(t, rk, crypto.SHA256, hashed(crypto.SHA256)), false, false}),
			verdict: Indeterminate, reasons: []string{"(SHA-256), not with its digest algorithm's (SHA3-256)", formatSub}, tampered: Invalid},
		{name: "RSASSA-PSS with SHAKE256", sig: raw(rc, cmsParts{oidSHAKE256, shake256, algID{Algorithm: oidRSAPSSWithSHAKE}, signWith(t, rk, crypto.SHA256, hashed(crypto.SHA256)), false, false}),
			verdict: Indeterminate, reasons: unsup("RSA with 1.3.6.1.5.5.7.6.31"), tampered: Invalid},
		{name: "RSASSA-PSS with SHA3-256", sig: raw(rc, cmsParts{oidSHA3x256, sha3, pssAlg(crypto.SHA3_256), signPSS(t, rk, crypto.SHA3_256), false, false}),
			verdict: Valid, tampered: Invalid},
		{name: "RSASSA-PSS with SHA3-512, no signed attributes", sig: raw(rc, cmsParts{testHashOIDs[crypto.SHA3_512], hashed(crypto.SHA3_512), pssAlg(crypto.SHA3_512), signPSS(t, rk, crypto.SHA3_512), true, false}),
			verdict: Valid, tampered: Invalid},
		{name: "RSASSA-PSS parameters naming SHA3-256, SHA-256 digest", sig: raw(rc, cmsParts{sha256OID, hashed(crypto.SHA256), pssAlg(crypto.SHA3_256), signPSS(t, rk, crypto.SHA3_256), false, false}),
			verdict: Valid, tampered: Invalid, opensslDiffers: "OpenSSL hashes the signed attributes with the digest algorithm, not the PSS parameters' hash"},
		{name: "RSASSA-PSS with SHA-256, SHA-1 digest", sig: raw(rc, cmsParts{testHashOIDs[crypto.SHA1], hashed(crypto.SHA1), pssAlg(crypto.SHA256), signPSS(t, rk, crypto.SHA256), false, false}),
			verdict: Indeterminate, reasons: []string{"weak algorithm: SHA-1 (message digest)", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}, tampered: Invalid},
		{name: "RSASSA-PSS with SHA-256, SHAKE256 digest", sig: raw(rc, cmsParts{oidSHAKE256, shake256, pssAlg(crypto.SHA256), signPSS(t, rk, crypto.SHA256), false, false}),
			verdict: Indeterminate, reasons: unsup("RSASSA-PSS with the digest 2.16.840.1.101.3.4.2.12"), tampered: Invalid},
		{name: "RSASSA-PSS with SHA3-256, signed by PKCS#1 v1.5", sig: raw(rc, cmsParts{oidSHA3x256, sha3, pssAlg(crypto.SHA3_256), signWith(t, rk, crypto.SHA3_256, sha3), false, false}),
			verdict: Invalid, reasons: []string{"the CMS signature does not verify"}, tampered: Invalid},
		{name: "RSA with SHA-512/224", sig: raw(rc, cmsParts{oidSHA512x224, hashed(crypto.SHA512_224), rsaAlg(oidSHA512x224RSA), signWith(t, rk, crypto.SHA512_224, hashed(crypto.SHA512_224)), false, false}),
			verdict: Indeterminate, reasons: weak("SHA-512/224"), tampered: Invalid},
		{name: "RSA with SHA-512/256", sig: raw(rc, cmsParts{testHashOIDs[crypto.SHA512_256], hashed(crypto.SHA512_256), rsaAlg(oidSHA512x256RSA), signWith(t, rk, crypto.SHA512_256, hashed(crypto.SHA512_256)), false, false}),
			verdict: Valid, tampered: Invalid, opensslDiffers: sha512tOID},
		{name: "RSA with SHA-512/256, no signed attributes", sig: raw(rc, cmsParts{testHashOIDs[crypto.SHA512_256], hashed(crypto.SHA512_256), rsaAlg(oidSHA512x256RSA), signWith(t, rk, crypto.SHA512_256, hashed(crypto.SHA512_256)), true, false}),
			verdict: Valid, tampered: Invalid, opensslDiffers: sha512tOID},
		{name: "RSA rsaEncryption, SHA-512/256 digest", sig: raw(rc, cmsParts{testHashOIDs[crypto.SHA512_256], hashed(crypto.SHA512_256), rsaAlg(oidRSA), signWith(t, rk, crypto.SHA512_256, hashed(crypto.SHA512_256)), false, false}),
			verdict: Valid, tampered: Invalid},
		{name: "ECDSA with a SHA-224 CMS digest", sig: raw(ec, cmsParts{testHashOIDs[crypto.SHA224], hashed(crypto.SHA224), ecAlg(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}), signWith(t, ek, crypto.SHA224, hashed(crypto.SHA224)), false, false}),
			verdict: Indeterminate, reasons: weak("SHA-224"), tampered: Invalid},
		{name: "digest SHA-256, sha1WithRSA, signed with SHA-256", sig: raw(rc, cmsParts{sha256OID, hashed(crypto.SHA256), rsaAlg(oidSHA1WithRSA), signWith(t, rk, crypto.SHA256, hashed(crypto.SHA256)), false, false}),
			verdict: Indeterminate, reasons: []string{"weak algorithm: SHA-1 (signature algorithm)", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}, tampered: Invalid},
		{name: "digest SHA-256, sha1WithRSA, signed with SHA-1", sig: raw(rc, cmsParts{sha256OID, hashed(crypto.SHA256), rsaAlg(oidSHA1WithRSA), signWith(t, rk, crypto.SHA1, hashed(crypto.SHA1)), false, false}),
			verdict: Indeterminate, reasons: []string{"verifies only with the hash its signature algorithm names (SHA-1), not with its digest algorithm's (SHA-256)", formatSub}, tampered: Invalid},
		{name: "digest SHA-256, ecdsa-with-SHA384, signed with SHA-384", sig: raw(ec, cmsParts{sha256OID, hashed(crypto.SHA256), ecAlg(oidECDSAWithSHA384), signWith(t, ek, crypto.SHA384, hashed(crypto.SHA384)), false, false}),
			verdict: Indeterminate, reasons: []string{"(SHA-384), not with its digest algorithm's (SHA-256)", formatSub}, tampered: Invalid},
		{name: "digest SHA-256, ecdsa-with-SHA384, signed with SHA-256", sig: raw(ec, cmsParts{sha256OID, hashed(crypto.SHA256), ecAlg(oidECDSAWithSHA384), signWith(t, ek, crypto.SHA256, hashed(crypto.SHA256)), false, false}),
			verdict: Valid, tampered: Invalid},
		{name: "digest SHA-384, ecdsa-with-SHA384, signed by another key", sig: raw(ec, cmsParts{sha384OID, hashed(crypto.SHA384), ecAlg(oidECDSAWithSHA384), signWith(t, mustP256(t), crypto.SHA384, hashed(crypto.SHA384)), false, false}),
			verdict: Invalid, reasons: []string{"the CMS signature does not verify"}, tampered: Invalid},
		{name: "signer's certificate with an unknown critical extension", sig: handSig{subFilter: cades, value: cmsOver(t, signer{ek, cc, nil}, cmsSpec{hash: crypto.SHA256})},
			verdict: Indeterminate, reasons: []string{"the signature is intact but its certificate is not trusted: x509: unhandled critical extension", "CERTIFICATE_CHAIN_GENERAL_FAILURE"}, tampered: Invalid},
	}...)
	runVerdictCases(t, root.pool, tests)
}

func mustP256(tb testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// leafWith is leaf with extra extensions in the certificate.
func (ca *testCA) leafWith(tb testing.TB, cn string, o leafOpts, ext ...pkix.Extension) (crypto.Signer, *x509.Certificate) {
	tb.Helper()
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn, Organization: []string{"UBND Quận 1"}},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, ExtraExtensions: ext,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, o.key.Public(), ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return o.key, c
}

// dsaSigner is a DSA key (its parameters made by `openssl dsaparam`,
// which Go takes seconds longer to make) certified by ca as crypto/x509
// cannot: its SubjectPublicKeyInfo written here.
func (ca *testCA) dsaSigner(tb testing.TB, bits int) (*dsa.PrivateKey, *x509.Certificate) {
	tb.Helper()
	var params struct{ P, Q, G *big.Int }
	if _, err := asn1.Unmarshal(runOpenSSL(tb, "dsaparam", "-outform", "DER", strconv.Itoa(bits)), &params); err != nil {
		tb.Fatal(err)
	}
	k := &dsa.PrivateKey{PublicKey: dsa.PublicKey{Parameters: dsa.Parameters{P: params.P, Q: params.Q, G: params.G}}}
	if err := dsa.GenerateKey(k, rand.Reader); err != nil {
		tb.Fatal(err)
	}
	spki := mustDER(tb, struct {
		Alg struct {
			OID    asn1.ObjectIdentifier
			Params struct{ P, Q, G *big.Int }
		}
		Key asn1.BitString
	}{struct {
		OID    asn1.ObjectIdentifier
		Params struct{ P, Q, G *big.Int }
	}{asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}, params}, asn1.BitString{Bytes: mustDER(tb, k.Y), BitLength: 8 * len(mustDER(tb, k.Y))}})
	c, err := x509.ParseCertificate(ca.foreignLeaf(tb, "DSA Signer", spki, time.Now().AddDate(-1, 0, 0), time.Now().AddDate(1, 0, 0)))
	if err != nil {
		tb.Fatal(err)
	}
	return k, c
}

// dsaSign signs the digest of a message (by digest) with k, the hash
// cut to the subgroup's length (FIPS 186-4 4.6).
func dsaSign(tb testing.TB, k *dsa.PrivateKey, digest func([]byte) []byte) func([]byte) []byte {
	return func(msg []byte) []byte {
		d := digest(msg)
		if n := (k.Q.BitLen() + 7) / 8; len(d) > n {
			d = d[:n]
		}
		r, s, err := dsa.Sign(rand.Reader, k, d)
		if err != nil {
			tb.Fatal(err)
		}
		return mustDER(tb, struct{ R, S *big.Int }{r, s})
	}
}

// TestDSAAlgorithms: DSA with the algorithm identifiers other producers
// write. id-dsa-with-sha384 and id-dsa-with-sha512 (NIST's arc, after
// RFC 5758's dsa-with-sha224/256) and DSA with SHA-3
// (id-dsa-with-sha3-*) are checked, SHA3-224 then judged retired; a
// digest algorithm other than the one the signature algorithm names is
// checked by the digest algorithm, as for RSA and ECDSA. Before, the
// SHA-3 rows were INDETERMINATE "unsupported algorithm"; before that,
// the first two, the SHA-3 ones and the last were invalid.
func TestDSAAlgorithms(t *testing.T) {
	needOpenSSL(t)
	root := makeCA(t, "DSA Alg Root", elliptic.P256(), 30, nil)
	k, c := root.dsaSigner(t, 3072)
	raw := func(p cmsParts) handSig {
		return handSig{subFilter: "ETSI.CAdES.detached", value: func(b []byte) []byte { return rawCMS(t, c, p, b) }}
	}
	dsaAlg := func(oid asn1.ObjectIdentifier) algID { return algID{Algorithm: oid} }
	sha3 := hashed(crypto.SHA3_256)
	tests := []verdictCase{
		{name: "id-dsa-with-sha384", sig: raw(cmsParts{testHashOIDs[crypto.SHA384], hashed(crypto.SHA384), dsaAlg(oidDSAWithSHA384), dsaSign(t, k, hashed(crypto.SHA384)), false, false}), verdict: Valid, tampered: Invalid},
		{name: "id-dsa-with-sha512", sig: raw(cmsParts{testHashOIDs[crypto.SHA512], hashed(crypto.SHA512), dsaAlg(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 4}), dsaSign(t, k, hashed(crypto.SHA512)), false, false}), verdict: Valid, tampered: Invalid},
		{name: "id-dsa-with-sha3-256", sig: raw(cmsParts{oidSHA3x256, sha3, dsaAlg(oidDSAWithSHA3), dsaSign(t, k, sha3), false, false}), verdict: Valid, tampered: Invalid},
		{name: "id-dsa-with-sha3-256, no signed attributes", sig: raw(cmsParts{oidSHA3x256, sha3, dsaAlg(oidDSAWithSHA3), dsaSign(t, k, sha3), true, false}), verdict: Valid, tampered: Invalid},
		{name: "id-dsa-with-sha3-512", sig: raw(cmsParts{testHashOIDs[crypto.SHA3_512], hashed(crypto.SHA3_512), dsaAlg(sha3SigAlgs["DSA"][crypto.SHA3_512]), dsaSign(t, k, hashed(crypto.SHA3_512)), false, false}), verdict: Valid, tampered: Invalid},
		{name: "id-dsa-with-sha3-224", sig: raw(cmsParts{testHashOIDs[crypto.SHA3_224], hashed(crypto.SHA3_224), dsaAlg(sha3SigAlgs["DSA"][crypto.SHA3_224]), dsaSign(t, k, hashed(crypto.SHA3_224)), false, false}), verdict: Indeterminate,
			reasons: []string{"weak algorithm: SHA3-224 (message digest) retired on 2026-01-01", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}, tampered: Invalid},
		{name: "id-dsa-with-sha3-256, signed with SHA-256", sig: raw(cmsParts{oidSHA3x256, sha3, dsaAlg(oidDSAWithSHA3), dsaSign(t, k, hashed(crypto.SHA256)), false, false}), verdict: Invalid,
			reasons: []string{"the DSA signature does not verify"}, tampered: Invalid},
		{name: "digest SHA-512, dsa-with-sha256", sig: raw(cmsParts{testHashOIDs[crypto.SHA512], hashed(crypto.SHA512), dsaAlg(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 2}), dsaSign(t, k, hashed(crypto.SHA512)), false, false}), verdict: Valid, tampered: Invalid},
		{name: "digest SHA-512, dsa-with-sha256, signed with SHA-256", sig: raw(cmsParts{testHashOIDs[crypto.SHA512], hashed(crypto.SHA512), dsaAlg(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 2}), dsaSign(t, k, hashed(crypto.SHA256)), false, false}), verdict: Indeterminate,
			reasons: []string{"(SHA-256), not with its digest algorithm's (SHA-512)", formatSub}, tampered: Invalid},
	}
	runVerdictCases(t, root.pool, tests)
}

// tokenParts is a time-stamp token whose imprint algorithm is any OID.
func (st stamper) tokenParts(tb testing.TB, at time.Time, imprintOID asn1.ObjectIdentifier, digest []byte) []byte {
	tb.Helper()
	var info tstInfoDER
	info.Version, info.Policy, info.SerialNumber, info.Time = 1, asn1.ObjectIdentifier{1, 2, 3}, big.NewInt(at.Unix()), at.UTC()
	info.MessageImprint.HashAlgorithm = pkix.AlgorithmIdentifier{Algorithm: imprintOID, Parameters: asnNull}
	info.MessageImprint.HashedMessage = digest
	spec := cmsSpec{hash: crypto.SHA256, encapsulate: true, contentType: oidTSTInfo, certs: []*x509.Certificate{st.cert}}
	return testCMS(tb, st.key, st.cert, spec, mustDER(tb, info))
}

// TestUndecidedTimestamps: a signature time-stamp is an unsigned
// attribute, outside what the signer signed. One this verifier cannot
// rely on — an imprint in a digest it does not compute (SM3, RIPEMD-160)
// or in MD5 (computed, retired 2005), a token that is not a CMS or not a
// TSTInfo, one whose own signature fails, one over other bytes — proves
// no time (ETSI EN 319 102-1 5.5.4: such a token is removed from the
// set of signature time-stamps); the signature is reported with the
// token not used and judged at the current time: valid when its
// certificate is valid now, INDETERMINATE/OUT_OF_BOUNDS_NO_POE when it
// has expired since. A document time-stamp is the signature itself: one
// that does not parse is INDETERMINATE/FORMAT_FAILURE, one in a digest
// not computed here INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE, an MD5
// one is computed (a change is invalid) then not accepted; one whose own
// signature fails stays invalid (SIG_CRYPTO_FAILURE). Before, each row
// but the last was invalid.
func TestUndecidedTimestamps(t *testing.T) {
	root := makeCA(t, "Undecided TSA Root", elliptic.P256(), 30, nil)
	now := time.Now().UTC().Truncate(time.Second)
	from, until := now.AddDate(-2, 0, 0), now.AddDate(2, 0, 0)
	tk, ok := mustP256(t), mustP256(t)
	_, tc := root.leaf(t, "Undecided TSA", leafOpts{key: tk, notBefore: from, notAfter: until, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	st, forger := stamper{tk, tc}, stamper{ok, tc}
	person := func(cn string, notAfter time.Time) signer {
		k, c := root.leaf(t, cn, leafOpts{rsa: true, notBefore: from, notAfter: notAfter})
		return signer{k, c, nil}
	}
	expired, current := person("Expired", now.AddDate(0, 0, -30)), person("Current", until)
	at := now.AddDate(0, 0, -60)
	stamped := func(s signer, token func(sig []byte) []byte) handSig {
		return handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, s, cmsSpec{hash: crypto.SHA256, stamp: token})}
	}
	imprint := func(s stamper, oid asn1.ObjectIdentifier, h func([]byte) []byte) func([]byte) []byte {
		return func(b []byte) []byte { return s.tokenParts(t, at, oid, h(b)) }
	}
	random := func([]byte) []byte { b := make([]byte, 32); rand.Read(b); return b }
	notTSTInfo := func(sig []byte) []byte {
		spec := cmsSpec{hash: crypto.SHA256, encapsulate: true, contentType: oidTSTInfo, certs: []*x509.Certificate{tc}}
		return testCMS(t, tk, tc, spec, mustDER(t, "not a TSTInfo"))
	}
	garbage := func([]byte) []byte { return mustDER(t, []any{oidSignedData, "not a SignedData"}) }
	docStamp := func(token func(signed []byte) []byte) *handSig {
		return &handSig{subFilter: "ETSI.RFC3161", value: token}
	}
	plain := handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, current, cmsSpec{hash: crypto.SHA256})}
	const noPOE = "INDETERMINATE/OUT_OF_BOUNDS_NO_POE"
	sha := hashed(crypto.SHA256)
	tests := []verdictCase{
		{name: "SM3 imprint, certificate expired since", sig: stamped(expired, imprint(st, oidSM3, random)), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE, "the signature time-stamp is not used"}, notUsed: "1.2.156.10197.1.401", tampered: Invalid},
		{name: "SM3 imprint, certificate valid now", sig: stamped(current, imprint(st, oidSM3, random)), verdict: Valid, source: "current time", notUsed: "1.2.156.10197.1.401", tampered: Invalid},
		{name: "RIPEMD-160 imprint", sig: stamped(expired, imprint(st, oidRIPEMD160, random)), verdict: Indeterminate, source: "current time", reasons: []string{noPOE}, notUsed: "1.3.36.3.2.1", tampered: Invalid},
		{name: "MD5 imprint", sig: stamped(expired, imprint(st, testHashOIDs[crypto.MD5], hashed(crypto.MD5))), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}, notUsed: "MD5 (time-stamp imprint) is retired on 2005-01-01", tampered: Invalid},
		{name: "MD5 imprint, certificate valid now", sig: stamped(current, imprint(st, testHashOIDs[crypto.MD5], hashed(crypto.MD5))), verdict: Valid, source: "current time", notUsed: "MD5", tampered: Invalid},
		{name: "SHA3-256 imprint", sig: stamped(expired, imprint(st, oidSHA3x256, hashed(crypto.SHA3_256))), verdict: Valid, source: "timestamp", tampered: Invalid},
		{name: "token not a SignedData", sig: stamped(expired, garbage), verdict: Indeterminate, source: "current time", reasons: []string{noPOE}, notUsed: "cannot be read", tampered: Invalid},
		{name: "token not a TSTInfo", sig: stamped(current, notTSTInfo), verdict: Valid, source: "current time", notUsed: "cannot be read", tampered: Invalid},
		{name: "token signed by another key", sig: stamped(expired, imprint(forger, testHashOIDs[crypto.SHA256], sha)), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}, notUsed: "its signature does not verify", tampered: Invalid},
		{name: "token over other bytes", sig: stamped(expired, imprint(st, testHashOIDs[crypto.SHA256], random)), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}, notUsed: "does not cover this signature", tampered: Invalid},
		{name: "document time-stamp, SM3 imprint", sig: plain, doc: docStamp(imprint(st, oidSM3, random)), which: 1, verdict: Indeterminate,
			reasons: []string{"unsupported algorithm: 1.2.156.10197.1.401 (time-stamp imprint)", unsupportedSub}, tampered: Indeterminate},
		{name: "document time-stamp, MD5 imprint", sig: plain, doc: docStamp(imprint(st, testHashOIDs[crypto.MD5], hashed(crypto.MD5))), which: 1, verdict: Indeterminate,
			reasons: []string{"weak algorithm: MD5 (time-stamp imprint)"}, tampered: Invalid},
		{name: "document time-stamp not a SignedData", sig: plain, doc: docStamp(garbage), which: 1, verdict: Indeterminate,
			reasons: []string{"cannot be read", formatSub}, tampered: Indeterminate},
		{name: "document time-stamp not a TSTInfo", sig: plain, doc: docStamp(notTSTInfo), which: 1, verdict: Indeterminate,
			reasons: []string{"cannot be read", formatSub}, tampered: Indeterminate},
		{name: "document time-stamp signed by another key", sig: plain, doc: docStamp(imprint(forger, testHashOIDs[crypto.SHA256], sha)), which: 1, verdict: Invalid,
			reasons: []string{"the document timestamp cannot be verified"}, tampered: Invalid},
	}
	runVerdictCases(t, root.pool, tests)
}

// TestSHA3Timestamps: time-stamp tokens whose own CMS is signed with the
// SHA-3 or SHA-512/256 algorithms (the authority's signature algorithm
// and digest), or whose imprint is in one of them, are checked as a
// signature is: a signature time-stamp gives the validation time (the
// signer's certificate has expired since: valid only through it), a
// document time-stamp is valid. The 224-bit ones are retired (the token
// not used; a document time-stamp indeterminate); SHAKE256 stays
// unsupported (not used; indeterminate). Before, every token signed
// with SHA-3 or SHA-512/256 was "not supported" (not used, the signature
// judged now: INDETERMINATE/OUT_OF_BOUNDS_NO_POE), and SHA3-224 and
// SHA-512/224 imprints unknown.
func TestSHA3Timestamps(t *testing.T) {
	root := makeCA(t, "SHA-3 TSA Root", elliptic.P256(), 30, nil)
	now := time.Now().UTC().Truncate(time.Second)
	from, until := now.AddDate(-2, 0, 0), now.AddDate(2, 0, 0)
	tsaEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
	ek, rk := mustP256(t), mustRSA(t)
	_, ec := root.leaf(t, "SHA-3 EC TSA", leafOpts{key: ek, notBefore: from, notAfter: until, extKeyUsage: tsaEKU})
	_, rc := root.leaf(t, "SHA-3 RSA TSA", leafOpts{key: rk, notBefore: from, notAfter: until, extKeyUsage: tsaEKU})
	person := func(cn string, notAfter time.Time) signer {
		k, c := root.leaf(t, cn, leafOpts{rsa: true, notBefore: from, notAfter: notAfter})
		return signer{k, c, nil}
	}
	expired, current := person("Expired", now.AddDate(0, 0, -30)), person("Current", until)
	at := now.AddDate(0, 0, -60)
	// token is a time-stamp token by cert whose CMS is as p says (its
	// content the TSTInfo), over the imprint h of the bytes it stamps.
	token := func(cert *x509.Certificate, p cmsParts, h crypto.Hash) func([]byte) []byte {
		p.tstInfo = true
		return func(b []byte) []byte {
			var info tstInfoDER
			info.Version, info.Policy, info.SerialNumber, info.Time = 1, asn1.ObjectIdentifier{1, 2, 3}, big.NewInt(at.Unix()), at
			info.MessageImprint.HashAlgorithm = pkix.AlgorithmIdentifier{Algorithm: testHashOIDs[h], Parameters: asnNull}
			info.MessageImprint.HashedMessage = hashed(h)(b)
			return rawCMS(t, cert, p, mustDER(t, info))
		}
	}
	ecdsa3 := func(h crypto.Hash) cmsParts {
		return cmsParts{digestOID: testHashOIDs[h], digest: hashed(h), sigAlg: algID{Algorithm: sha3SigAlgs["ECDSA"][h]}, sign: signWith(t, ek, h, hashed(h))}
	}
	rsa3 := func(h crypto.Hash, oid asn1.ObjectIdentifier) cmsParts {
		return cmsParts{digestOID: testHashOIDs[h], digest: hashed(h), sigAlg: algID{Algorithm: oid, Parameters: asnNull}, sign: signWith(t, rk, h, hashed(h))}
	}
	pss := cmsParts{digestOID: oidSHA3x256, digest: hashed(crypto.SHA3_256), sign: signPSS(t, rk, crypto.SHA3_256),
		sigAlg: algID{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: testPSSParams(t, crypto.SHA3_256, 32)}}}
	shake := cmsParts{digestOID: oidSHAKE256, digest: shake256, sigAlg: algID{Algorithm: oidECDSAWithSHAKE}, sign: signWith(t, ek, 0, shake256)}
	forged := ecdsa3(crypto.SHA3_256)
	forged.sign = signWith(t, mustP256(t), crypto.SHA3_256, hashed(crypto.SHA3_256))
	ec256 := cmsParts{digestOID: testHashOIDs[crypto.SHA256], digest: hashed(crypto.SHA256), sigAlg: algID{Algorithm: testECDSAOIDs[crypto.SHA256]},
		sign: signWith(t, ek, crypto.SHA256, hashed(crypto.SHA256))}
	stamped := func(tok func([]byte) []byte) handSig {
		return handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, expired, cmsSpec{hash: crypto.SHA256, stamp: tok})}
	}
	plain := handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, current, cmsSpec{hash: crypto.SHA256})}
	doc := func(tok func([]byte) []byte) *handSig { return &handSig{subFilter: "ETSI.RFC3161", value: tok} }
	const noPOE = "INDETERMINATE/OUT_OF_BOUNDS_NO_POE"
	rsa512t := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	tests := []verdictCase{
		{name: "token ECDSA with SHA3-256", sig: stamped(token(ec, ecdsa3(crypto.SHA3_256), crypto.SHA256)), verdict: Valid, source: "timestamp", tampered: Invalid},
		{name: "token ECDSA with SHA3-512, SHA3-512 imprint", sig: stamped(token(ec, ecdsa3(crypto.SHA3_512), crypto.SHA3_512)), verdict: Valid, source: "timestamp", tampered: Invalid},
		{name: "token RSA with SHA3-384", sig: stamped(token(rc, rsa3(crypto.SHA3_384, sha3SigAlgs["RSA"][crypto.SHA3_384]), crypto.SHA256)), verdict: Valid, source: "timestamp", tampered: Invalid},
		{name: "token RSASSA-PSS with SHA3-256", sig: stamped(token(rc, pss, crypto.SHA3_256)), verdict: Valid, source: "timestamp", tampered: Invalid},
		{name: "token RSA with SHA-512/256, SHA-512/256 imprint", sig: stamped(token(rc, rsa3(crypto.SHA512_256, rsa512t), crypto.SHA512_256)), verdict: Valid, source: "timestamp", tampered: Invalid},
		{name: "token ECDSA with SHA3-224", sig: stamped(token(ec, ecdsa3(crypto.SHA3_224), crypto.SHA256)), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}, notUsed: "SHA3-224 (time-stamp digest) is retired on 2026-01-01", tampered: Invalid},
		{name: "token with a SHA-512/224 imprint", sig: stamped(token(ec, ec256, crypto.SHA512_224)), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}, notUsed: "SHA-512/224 (time-stamp imprint) is retired on 2026-01-01", tampered: Invalid},
		{name: "token ECDSA with SHAKE256", sig: stamped(token(ec, shake, crypto.SHA256)), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}, notUsed: "the time-stamp signature algorithm (ECDSA with 1.3.6.1.5.5.7.6.33", tampered: Invalid},
		{name: "token ECDSA with SHA3-256 signed by another key", sig: stamped(token(ec, forged, crypto.SHA256)), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}, notUsed: "its signature does not verify", tampered: Invalid},
		{name: "document time-stamp ECDSA with SHA3-256, SHA3-256 imprint", sig: plain, doc: doc(token(ec, ecdsa3(crypto.SHA3_256), crypto.SHA3_256)), which: 1, verdict: Valid, tampered: Invalid},
		{name: "document time-stamp RSA with SHA-512/256", sig: plain, doc: doc(token(rc, rsa3(crypto.SHA512_256, rsa512t), crypto.SHA512_256)), which: 1, verdict: Valid, tampered: Invalid},
		{name: "document time-stamp ECDSA with SHA3-224", sig: plain, doc: doc(token(ec, ecdsa3(crypto.SHA3_224), crypto.SHA256)), which: 1, verdict: Indeterminate,
			reasons: []string{"weak algorithm: SHA3-224 (time-stamp digest) retired on 2026-01-01", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"}, tampered: Invalid},
		{name: "document time-stamp ECDSA with SHAKE256", sig: plain, doc: doc(token(ec, shake, crypto.SHA256)), which: 1, verdict: Indeterminate,
			reasons: []string{"unsupported algorithm: ECDSA with 1.3.6.1.5.5.7.6.33", unsupportedSub}, tampered: Invalid},
	}
	runVerdictCases(t, root.pool, tests)
}

func mustRSA(tb testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// FuzzSignerAlgorithms: what decides whether a SignerInfo's algorithms
// can be checked, the check of those crypto/x509 and pkcs7 do not know
// (SHA-3, SHA-512/224 and /256, SHA-224: intactDirect), RSASSA-PSS
// parameters, and the second reading of a signature whose digest and
// signature algorithms disagree, never panic on any SignerInfo.
func FuzzSignerAlgorithms(f *testing.F) {
	root := makeCA(f, "Fuzz Alg Root", elliptic.P256(), 10, nil)
	k, c := root.leaf(f, "Fuzz Alg Signer", leafOpts{})
	rk := mustRSA(f)
	_, rc := root.leaf(f, "Fuzz Alg RSA Signer", leafOpts{key: rk})
	content := basePDF()
	sha3 := hashed(crypto.SHA3_256)
	f.Add(testCMS(f, k, c, cmsSpec{hash: crypto.SHA256, certs: []*x509.Certificate{c}}, content))
	f.Add(rawCMS(f, c, cmsParts{testHashOIDs[crypto.SHA256], hashed(crypto.SHA256), algID{Algorithm: oidECDSAWithSHA384}, signWith(f, k, crypto.SHA384, hashed(crypto.SHA384)), false, false}, content))
	f.Add(rawCMS(f, c, cmsParts{oidSHA3x256, sha3, algID{Algorithm: oidECDSAWithSHA3}, signWith(f, k, crypto.SHA3_256, sha3), true, false}, content))
	f.Add(rawCMS(f, c, cmsParts{oidSHA3x256, sha3, algID{Algorithm: oidECDSAWithSHA3}, signWith(f, k, crypto.SHA3_256, sha3), false, false}, content))
	f.Add(rawCMS(f, c, cmsParts{oidSHAKE128, shake128, algID{Algorithm: oidECDSAWithSHAKE1}, signWith(f, k, 0, shake128), false, false}, content))
	f.Add(rawCMS(f, rc, cmsParts{testHashOIDs[crypto.SHA512_256], hashed(crypto.SHA512_256), algID{Algorithm: oidSHA512x256RSA, Parameters: asnNull},
		signWith(f, rk, crypto.SHA512_256, hashed(crypto.SHA512_256)), false, false}, content))
	f.Add(rawCMS(f, rc, cmsParts{oidSHA3x256, sha3, algID{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: testPSSParams(f, crypto.SHA3_256, 32)}},
		signPSS(f, rk, crypto.SHA3_256), false, false}, content))
	signed := &signedBytes{file: content, r: ByteRange{0, int64(len(content)), int64(len(content)), 0}}
	d := sha256.Sum256(content)
	f.Add(stamper{k, c}.tokenParts(f, time.Now(), oidSM3, d[:]))
	f.Add(stamper{k, c}.tokenParts(f, time.Now(), testHashOIDs[crypto.SHA3_224], d[:28]))
	f.Fuzz(func(t *testing.T, b []byte) {
		p7, _, ok := rawSignedData(b)
		if !ok {
			_, _, _, _ = parseTimestamp(b)
			return
		}
		si := p7.Signers[0]
		_, _, _ = pssOptions(si.DigestEncryptionAlgorithm.Parameters)
		_ = sigAlgRetired(si.DigestEncryptionAlgorithm, roleSigAlg)
		for _, pub := range []crypto.PublicKey{c.PublicKey, rc.PublicKey, &rsa.PublicKey{N: big.NewInt(187), E: 3}, nil} {
			_ = unsupportedAlgorithm(p7, pub)
			_ = otherReading(p7, &x509.Certificate{PublicKey: pub}, signed.digest)
			if h, ok := directHash(si.DigestAlgorithm.Algorithm, si.DigestEncryptionAlgorithm.Algorithm, pub); ok {
				_ = intactDirect(p7, pub, h, signed.digest)
			}
		}
		for _, cert := range []*x509.Certificate{c, rc} {
			p7.Certificates = []*x509.Certificate{cert}
			_ = CMSIntact(p7, signed.digest)
		}
	})
}
