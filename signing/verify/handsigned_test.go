package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	_ "crypto/md5" // MD5 signatures, checked and then not accepted
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"

	_ "golang.org/x/crypto/ripemd160" // an adbe.x509.rsa_sha1 signature of a digest not checked
)

// The signatures of this file are assembled by hand, the way signing
// tools that are not in the repository write theirs (OpenSSL and a
// placeholder, .NET and old Acrobat plug-ins, pyHanko, node's signpdf):
// an incremental update with a signature dictionary whose /ByteRange and
// /Contents are filled in afterwards, and a CMS (or PKCS#1) value built
// here with the algorithms, attributes and certificates each case needs.

// handSig says how handSigned writes its signature.
type handSig struct {
	subFilter string
	// extra entries of the signature dictionary (e.g. /Cert).
	extra string
	// byteRange writes the /ByteRange array from its four numbers (nil:
	// "[0 %d %d %d]"); the result is padded with spaces to the room the
	// placeholder had.
	byteRange func(a, b, c, d int64) string
	upper     bool // /Contents in upper-case hex
	// value is the signature value (DER) over the signed bytes.
	value func(signed []byte) []byte
	room  int // bytes of /Contents; 0 means 16 KiB
	// unlisted: the field is listed by the page only, not by the form's
	// /Fields (as poppler's pdfsig writes it when /Fields is indirect).
	unlisted bool
	// more are further objects written in the update, numbered after
	// the field.
	more []string
}

var placeholderBR = "[0 0000000000 0000000000 0000000000]"

// handSigned appends to pdf an incremental update with an invisible
// signature field on page 1 whose value hs describes, and signs it.
func handSigned(tb testing.TB, pdf []byte, hs handSig) []byte {
	tb.Helper()
	if hs.room == 0 {
		hs.room = 16 << 10
	}
	rootNum, r2, st := rootUpdate(tb, pdf)
	pnum, pd, size := page(tb, pdf, 1)
	sigNum, fieldNum := size, size+1
	switch {
	case hs.unlisted:
	case st.root()["AcroForm"] == nil:
		r2["AcroForm"] = dict{"Fields": []object{ref{fieldNum, 0}}, "SigFlags": int64(3)}
	default:
		listField(st, r2, ref{fieldNum, 0})
	}
	pd2 := dict{}
	for k, v := range pd {
		pd2[k] = v
	}
	annots, _ := pd["Annots"].([]object)
	pd2["Annots"] = append(append([]object{}, annots...), ref{fieldNum, 0})
	sig := fmt.Sprintf("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /%s /M (D:20260101120000+07'00') %s/ByteRange %s /Contents <%s> >>",
		hs.subFilter, hs.extra, placeholderBR, strings.Repeat("0", 2*hs.room))
	objs := map[int]string{
		rootNum:  serialize(r2),
		pnum:     serialize(pd2),
		sigNum:   sig,
		fieldNum: fmt.Sprintf("<< /FT /Sig /T (Hand%d) /V %d 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /P %d 0 R >>", sigNum, sigNum, pnum),
	}
	for i, o := range hs.more {
		objs[fieldNum+1+i] = o
	}
	out := appendUpdate(tb, pdf, objs)
	return fillSignature(tb, out, hs)
}

// fillSignature fills the last placeholder of out: its /ByteRange, then
// its /Contents with hs.value over the signed bytes.
func fillSignature(tb testing.TB, out []byte, hs handSig) []byte {
	tb.Helper()
	bri := bytes.LastIndex(out, []byte(placeholderBR))
	ci := bytes.Index(out[bri:], []byte("/Contents <")) + bri + len("/Contents ")
	ce := bytes.IndexByte(out[ci:], '>') + ci + 1
	a, b, c := int64(0), int64(ci), int64(ce)
	d := int64(len(out)) - c
	brText := fmt.Sprintf("[0 %d %d %d]", b, c, d)
	if hs.byteRange != nil {
		brText = hs.byteRange(a, b, c, d)
	}
	if len(brText) > len(placeholderBR) {
		tb.Fatalf("byte range %q longer than its placeholder", brText)
	}
	copy(out[bri:], brText+strings.Repeat(" ", len(placeholderBR)-len(brText)))
	signed := append(append([]byte{}, out[:b]...), out[c:]...)
	v := hs.value(signed)
	if len(v) > hs.room {
		tb.Fatalf("signature value of %d bytes, room for %d", len(v), hs.room)
	}
	h := hex.EncodeToString(v)
	if hs.upper {
		h = strings.ToUpper(h)
	}
	copy(out[ci+1:], h)
	return out
}

// cmsSpec says how testCMS builds a SignedData.
type cmsSpec struct {
	hash    crypto.Hash
	pss     bool // RSASSA-PSS (salt: the hash's length unless salt)
	salt    int
	noAttrs bool // sign the content itself, no signed attributes
	// encapsulate: the content is carried inside the CMS (adbe.pkcs7.sha1
	// carries the SHA-1 digest of the byte ranges), not detached.
	encapsulate bool
	// contentType is the encapsulated content's type (and the
	// contentType attribute's); nil means id-data.
	contentType asn1.ObjectIdentifier
	// sigAlgOID, when set, is written as the signature algorithm
	// instead of the one the key and hash give.
	sigAlgOID asn1.ObjectIdentifier
	certs     []*x509.Certificate // certificates carried, the signer's included or not
	// stamp, when set, makes the RFC 3161 token (DER) carried as the
	// signature time-stamp (an unsigned attribute) over the signature
	// value.
	stamp func(sig []byte) []byte
}

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidRSA           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
	testHashOIDs     = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.MD5: {1, 2, 840, 113549, 2, 5}, crypto.SHA1: {1, 3, 14, 3, 2, 26}, crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
		crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
		crypto.SHA224: {2, 16, 840, 1, 101, 3, 4, 2, 4}, crypto.SHA512_224: {2, 16, 840, 1, 101, 3, 4, 2, 5},
		crypto.SHA512_256: {2, 16, 840, 1, 101, 3, 4, 2, 6}, crypto.SHA3_224: {2, 16, 840, 1, 101, 3, 4, 2, 7},
		crypto.SHA3_256: {2, 16, 840, 1, 101, 3, 4, 2, 8}, crypto.SHA3_384: {2, 16, 840, 1, 101, 3, 4, 2, 9},
		crypto.SHA3_512: {2, 16, 840, 1, 101, 3, 4, 2, 10},
	}
	testECDSAOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA1: {1, 2, 840, 10045, 4, 1}, crypto.SHA256: {1, 2, 840, 10045, 4, 3, 2},
		crypto.SHA384: {1, 2, 840, 10045, 4, 3, 3}, crypto.SHA512: {1, 2, 840, 10045, 4, 3, 4},
	}
)

type algID struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

var asnNull = asn1.RawValue{FullBytes: []byte{5, 0}}

func mustDER(tb testing.TB, v any, params ...string) []byte {
	tb.Helper()
	b, err := asn1.MarshalWithParams(v, strings.Join(params, ","))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// testPSSParams are RSASSA-PSS-params (RFC 4055) for hash h and salt.
func testPSSParams(tb testing.TB, h crypto.Hash, salt int) []byte {
	hash := algID{Algorithm: testHashOIDs[h], Parameters: asnNull}
	mgf := algID{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: mustDER(tb, hash)}}
	return mustDER(tb, struct {
		Hash algID `asn1:"explicit,tag:0"`
		MGF  algID `asn1:"explicit,tag:1"`
		Salt int   `asn1:"explicit,tag:2"`
	}{hash, mgf, salt})
}

// signatureAlgorithm is the SignerInfo's signature algorithm for key and
// spec, and the options to sign with.
func (spec cmsSpec) signatureAlgorithm(tb testing.TB, key crypto.Signer) (algID, crypto.SignerOpts) {
	switch key.Public().(type) {
	case *rsa.PublicKey:
		if spec.pss {
			salt := spec.salt
			if salt == 0 {
				salt = spec.hash.Size()
			}
			return algID{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: testPSSParams(tb, spec.hash, salt)}},
				&rsa.PSSOptions{SaltLength: salt, Hash: spec.hash}
		}
		return algID{Algorithm: oidRSA, Parameters: asnNull}, spec.hash
	case ed25519.PublicKey:
		return algID{Algorithm: oidEd25519}, crypto.Hash(0)
	}
	return algID{Algorithm: testECDSAOIDs[spec.hash]}, spec.hash
}

// testCMS is a CMS SignedData by key and cert over content, as spec says.
func testCMS(tb testing.TB, key crypto.Signer, cert *x509.Certificate, spec cmsSpec, content []byte) []byte {
	tb.Helper()
	h := spec.hash.New()
	h.Write(content)
	digest := h.Sum(nil)
	var attrs []byte // the SET OF signed attributes, DER
	msg := content
	if !spec.noAttrs {
		type attr struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}
		set := func(v any) asn1.RawValue {
			return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: mustDER(tb, v)}
		}
		ct := spec.contentType
		if ct == nil {
			ct = oidData
		}
		enc := [][]byte{
			mustDER(tb, attr{oidContentType, set(ct)}),
			mustDER(tb, attr{oidMessageDigest, set(digest)}),
		}
		sort.Slice(enc, func(i, j int) bool { return bytes.Compare(enc[i], enc[j]) < 0 })
		attrs = mustDER(tb, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: bytes.Join(enc, nil)})
		msg = attrs
	}
	alg, opts := spec.signatureAlgorithm(tb, key)
	if spec.sigAlgOID != nil {
		alg = algID{Algorithm: spec.sigAlgOID, Parameters: asnNull}
	}
	toSign := msg
	if opts.HashFunc() != 0 {
		h := opts.HashFunc().New()
		h.Write(msg)
		toSign = h.Sum(nil)
	}
	sig, err := key.Sign(rand.Reader, toSign, opts)
	if err != nil {
		tb.Fatal(err)
	}
	digestAlg := algID{Algorithm: testHashOIDs[spec.hash], Parameters: asnNull}
	si := []any{1, asn1.RawValue{FullBytes: mustDER(tb, struct {
		Issuer asn1.RawValue
		Serial any
	}{asn1.RawValue{FullBytes: cert.RawIssuer}, cert.SerialNumber})}, digestAlg}
	if attrs != nil {
		attrs[0] = 0xA0 // [0] IMPLICIT
		si = append(si, asn1.RawValue{FullBytes: attrs})
	}
	si = append(si, alg, sig)
	if spec.stamp != nil {
		attr := mustDER(tb, struct {
			Type  asn1.ObjectIdentifier
			Value asn1.RawValue
		}{oidTimeStampToken, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: spec.stamp(sig)}})
		si = append(si, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: attr})
	}
	var certs []byte
	for _, c := range spec.certs {
		certs = append(certs, c.Raw...)
	}
	encap := []any{oidData}
	if spec.contentType != nil {
		encap = []any{spec.contentType}
	}
	if spec.encapsulate {
		encap = append(encap, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustDER(tb, content)})
	}
	sd := []any{1, asn1.RawValue{FullBytes: mustDER(tb, []algID{digestAlg}, "set")}, encap}
	if len(certs) > 0 {
		sd = append(sd, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs})
	}
	sd = append(sd, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: mustDER(tb, si)})
	return mustDER(tb, []any{oidSignedData, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustDER(tb, sd)}})
}

// cmsOver is a handSig value: testCMS over the signed bytes, or, for
// adbe.pkcs7.sha1, over their SHA-1 digest carried in the CMS.
func cmsOver(tb testing.TB, s signer, spec cmsSpec) func([]byte) []byte {
	return func(signed []byte) []byte {
		if spec.certs == nil {
			spec.certs = append([]*x509.Certificate{s.cert}, s.chain...)
		}
		if spec.encapsulate {
			d := crypto.SHA1.New()
			d.Write(signed)
			return testCMS(tb, s.key, s.cert, spec, d.Sum(nil))
		}
		return testCMS(tb, s.key, s.cert, spec, signed)
	}
}

// pkcs1Over is a handSig value for adbe.x509.rsa_sha1: a DER OCTET
// STRING holding the PKCS#1 v1.5 signature of the hash of the signed
// bytes.
func pkcs1Over(tb testing.TB, key crypto.Signer, h crypto.Hash) func([]byte) []byte {
	return func(signed []byte) []byte {
		d := h.New()
		d.Write(signed)
		sig, err := key.Sign(rand.Reader, d.Sum(nil), h)
		if err != nil {
			tb.Fatal(err)
		}
		return mustDER(tb, sig)
	}
}

// certEntry is a /Cert entry: one certificate as a string, several as an
// array of strings.
func certEntry(certs ...*x509.Certificate) string {
	var parts []string
	for _, c := range certs {
		parts = append(parts, "<"+hex.EncodeToString(c.Raw)+">")
	}
	if len(parts) == 1 {
		return "/Cert " + parts[0] + " "
	}
	return "/Cert [" + strings.Join(parts, " ") + "] "
}

// weakAlg is the start of the reason an algorithm past its sunset
// gives (cryptopolicy.go).
func weakAlg(what string) string { return "weak algorithm: " + what }

// intermediate is a CA certified by ca (its pool holds ca's root only).
func (ca *testCA) intermediate(tb testing.TB, cn string) *testCA {
	tb.Helper()
	return makeCA(tb, cn, elliptic.P384(), 5, ca)
}

// TestForeignSignatures: signatures as tools outside the repository write
// them — every algorithm of ETSI TS 119 312 and ISO 32000 a PDF signer
// uses, with and without signed attributes, the four CMS subfilters and
// the PKCS#1 one, byte ranges and hex strings written differently, a
// chain carried whole or not — each intact (valid, or what the
// certificate makes it) and changed after signing (invalid). Poppler's
// pdfsig 22.12 agrees on every verdict but these: RSASSA-PSS without
// signed attributes and Ed25519 (NSS does not verify them: "Signature is
// Invalid", "corrupted data"), adbe.x509.rsa_sha1 ("not yet verified"),
// and SHA-1 and MD5, which the cryptographic constraints make
// indeterminate here (cryptopolicy.go, TestCryptoConstraints) and pdfsig
// calls valid (SHA-1) or "Digest Mismatch" (MD5, which it cannot
// compute). pdfcpu 0.11 agrees but on Ed25519, PSS with a salt other
// than the hash's length, adbe.x509.rsa_sha1 with SHA-256 (it knows
// SHA-1 only) and adbe.pkcs7.sha1 with signed attributes ("not
// authentic"); it passes tampered signatures without signed attributes.
// Before, every RSASSA-PSS signature was invalid ("pkcs7: unsupported
// algorithm") and every adbe.x509.rsa_sha1 one indeterminate, tampered
// or not.
func TestForeignSignatures(t *testing.T) {
	root := newCA(t, "Foreign Root")
	sub := root.intermediate(t, "Foreign Sub CA")
	mk := func(ca *testCA, k crypto.Signer, chain ...*x509.Certificate) signer {
		_, c := ca.leaf(t, "Signer", leafOpts{key: k})
		return signer{k, c, chain}
	}
	r2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	rsaS := mk(root, r2048, root.cert)
	forged := signer{other, rsaS.cert, rsaS.chain} // rsaS's certificate, another key
	viaSub := mk(sub, r2048, sub.cert)
	untrusted := newCA(t, "Unknown Root")
	const cades, p7, sha1SF, pkcs1 = "ETSI.CAdES.detached", "adbe.pkcs7.detached", "adbe.pkcs7.sha1", "adbe.x509.rsa_sha1"
	cms := func(sf string, s signer, spec cmsSpec) handSig {
		return handSig{subFilter: sf, value: cmsOver(t, s, spec)}
	}
	raw := func(s signer, h crypto.Hash, certs ...*x509.Certificate) handSig {
		return handSig{subFilter: pkcs1, extra: certEntry(certs...), value: pkcs1Over(t, s.key, h)}
	}
	spaced := func(a, b, c, d int64) string { return fmt.Sprintf("[ %d\n%d\r\n%d\t%d      ]", a, b, c, d) }
	tests := []struct {
		name, verdict, reason string
		hs                    handSig
	}{
		{"RSASSA-PSS SHA-256", Valid, "", cms(cades, rsaS, cmsSpec{hash: crypto.SHA256, pss: true})},
		{"RSASSA-PSS SHA-384", Valid, "", cms(cades, rsaS, cmsSpec{hash: crypto.SHA384, pss: true})},
		{"RSASSA-PSS SHA-512", Valid, "", cms(cades, rsaS, cmsSpec{hash: crypto.SHA512, pss: true})},
		{"RSASSA-PSS SHA-256 salt 20", Valid, "", cms(cades, rsaS, cmsSpec{hash: crypto.SHA256, pss: true, salt: 20})},
		{"RSASSA-PSS no signed attributes", Valid, "", cms(p7, rsaS, cmsSpec{hash: crypto.SHA256, pss: true, noAttrs: true})},
		{"RSASSA-PSS by another key", Invalid, "the CMS signature does not verify", cms(cades, forged, cmsSpec{hash: crypto.SHA256, pss: true})},
		{"RSASSA-PSS no signed attributes by another key", Invalid, "the CMS signature does not verify", cms(p7, forged, cmsSpec{hash: crypto.SHA256, pss: true, noAttrs: true})},
		{"RSA SHA-384", Valid, "", cms(cades, rsaS, cmsSpec{hash: crypto.SHA384})},
		{"RSA SHA-1", Indeterminate, weakAlg("SHA-1 (message digest) retired on 2009-01-01"), cms(p7, rsaS, cmsSpec{hash: crypto.SHA1})},
		{"ECDSA P-384", Valid, "", cms(cades, mk(root, p384, root.cert), cmsSpec{hash: crypto.SHA384})},
		{"ECDSA P-521", Valid, "", cms(cades, mk(root, p521, root.cert), cmsSpec{hash: crypto.SHA512})},
		{"Ed25519", Valid, "", cms(cades, mk(root, edk, root.cert), cmsSpec{hash: crypto.SHA512})},
		{"RSA no signed attributes", Valid, "", cms(p7, rsaS, cmsSpec{hash: crypto.SHA256, noAttrs: true})},
		{"adbe.pkcs7.sha1", Indeterminate, weakAlg("SHA-1 (document digest)"), cms(sha1SF, rsaS, cmsSpec{hash: crypto.SHA1, encapsulate: true})},
		{"adbe.pkcs7.sha1 no signed attributes", Indeterminate, weakAlg("SHA-1 (document digest)"), cms(sha1SF, rsaS, cmsSpec{hash: crypto.SHA1, encapsulate: true, noAttrs: true})},
		{"adbe.pkcs7.sha1 SHA-256 CMS", Indeterminate, weakAlg("SHA-1 (document digest)"), cms(sha1SF, rsaS, cmsSpec{hash: crypto.SHA256, encapsulate: true})},
		{"adbe.x509.rsa_sha1 SHA-1 with chain", Indeterminate, weakAlg("SHA-1 (message digest)"), raw(rsaS, crypto.SHA1, rsaS.cert, root.cert)},
		{"adbe.x509.rsa_sha1 SHA-256", Valid, "", raw(rsaS, crypto.SHA256, rsaS.cert)},
		{"adbe.x509.rsa_sha1 by another key", Invalid, "the PKCS#1 signature does not match the signed byte ranges", raw(forged, crypto.SHA1, rsaS.cert)},
		{"adbe.x509.rsa_sha1 untrusted", Indeterminate, "not issued by a trusted authority", raw(mk(untrusted, r2048), crypto.SHA1, mk(untrusted, r2048).cert)},
		{"adbe.x509.rsa_sha1 MD5", Indeterminate, weakAlg("MD5 (message digest) retired on 2005-01-01"), raw(rsaS, crypto.MD5, rsaS.cert)},
		{"adbe.x509.rsa_sha1 RIPEMD-160", Indeterminate, "the PKCS#1 signature cannot be checked: its digest algorithm is not supported (1.0.10118.3.0.49)", raw(rsaS, crypto.RIPEMD160, rsaS.cert)},
		{"adbe.x509.rsa_sha1 /Cert not a certificate", Indeterminate, "(/Cert) of this /adbe.x509.rsa_sha1 signature cannot be read", handSig{subFilter: pkcs1, extra: "/Cert <3000> ", value: pkcs1Over(t, r2048, crypto.SHA1)}},
		{"byte range with whitespace", Valid, "", handSig{subFilter: p7, byteRange: spaced, value: cmsOver(t, rsaS, cmsSpec{hash: crypto.SHA256})}},
		{"upper-case hex", Valid, "", handSig{subFilter: p7, upper: true, value: cmsOver(t, rsaS, cmsSpec{hash: crypto.SHA256})}},
		{"intermediate only in the CMS", Valid, "", cms(cades, viaSub, cmsSpec{hash: crypto.SHA256})},
		{"intermediate missing", Indeterminate, "not issued by a trusted authority (CN=Foreign Sub CA", cms(cades, signer{r2048, viaSub.cert, nil}, cmsSpec{hash: crypto.SHA256})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := handSigned(t, basePDF(), tt.hs)
			// And with a byte of the signed page content changed:
			// invalid, unless nothing could be checked.
			tampered := Invalid
			if tt.verdict == Indeterminate && strings.Contains(tt.reason, "cannot be") {
				tampered = Indeterminate
			}
			for _, c := range []struct {
				pdf             []byte
				verdict, reason string
			}{{pdf, tt.verdict, tt.reason}, {flip(t, pdf, "QUYET DINH"), tampered, ""}} {
				r, err := Verify(context.Background(), c.pdf, Options{Roots: root.pool})
				if err != nil {
					t.Fatal(err)
				}
				reasons := strings.Join(r.Reasons, "\n")
				if r.Verdict != c.verdict || !strings.Contains(reasons, c.reason) || len(r.Signatures) != 1 {
					t.Fatalf("verdict %s, want %s with %q:\n%s", r.Verdict, c.verdict, c.reason, reasons)
				}
				if c.verdict == Valid && (!r.Signatures[0].SignatureValid || r.Signatures[0].Signer == nil) {
					t.Fatalf("valid, but the signature is not intact or has no signer: %+v", r.Signatures[0])
				}
			}
		})
	}
}

// TestSignatureFieldOnlyOnPage: poppler's pdfsig 22.12 (-add-signature)
// lists the field of the signature it adds in the page's /Annots but not
// in the form's /Fields when that is an indirect array, and writes two
// empty form XObjects nothing uses in the same update. pdfsig and pdfcpu
// find and check such a signature; before, the verifier called a
// document signed so "unsigned", and, signed so a second time, the first
// signature invalid ("object added that nothing in the document uses")
// or indeterminate (the second signature's widget taken for an
// annotation no signature covers).
func TestSignatureFieldOnlyOnPage(t *testing.T) {
	ca := newCA(t, "Root")
	k, c := ca.leaf(t, "Signer", leafOpts{rsa: true})
	s := signer{k, c, []*x509.Certificate{ca.cert}}
	opts := Options{Roots: ca.pool}
	value := cmsOver(t, s, cmsSpec{hash: crypto.SHA256})
	empty := streamObj("/Subtype /Form /BBox [0 0 0 0]", "")
	drawn := streamObj("/Subtype /Form /BBox [0 0 100 100]", "0 0 1 rg 0 0 100 100 re f")
	first := signApproval(t, basePDF(), s, "A", 1, false)
	onlyOnPage := handSigned(t, basePDF(), handSig{subFilter: "adbe.pkcs7.detached", value: value, unlisted: true})
	tests := []struct {
		name, verdict, reason string
		pdf                   []byte
		sigs                  int
	}{
		{"only signature", Valid, "", onlyOnPage, 1},
		{"only signature, tampered", Invalid, "the message digest does not match", flip(t, onlyOnPage, "QUYET DINH"), 1},
		{"second signature with empty form XObjects", Valid, "later updates only add signatures",
			handSigned(t, first, handSig{subFilter: "adbe.pkcs7.detached", value: value, unlisted: true, more: []string{empty, empty}}), 2},
		{"second signature with a form XObject that draws", Invalid, "object added that nothing in the document uses",
			handSigned(t, first, handSig{subFilter: "adbe.pkcs7.detached", value: value, unlisted: true, more: []string{drawn}}), 2},
		{"annotation after it", Indeterminate, "annotations added after signature", addAnnotation(t, onlyOnPage), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(context.Background(), tt.pdf, opts)
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Reasons, "\n")
			if r.Verdict != tt.verdict || !strings.Contains(reasons, tt.reason) || len(r.Signatures) != tt.sigs {
				t.Fatalf("verdict %s with %d signatures, want %s with %q and %d:\n%s", r.Verdict, len(r.Signatures), tt.verdict, tt.reason, tt.sigs, reasons)
			}
		})
	}
}
