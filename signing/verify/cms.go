package verify

import (
	"bytes"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA signatures of other producers (keytypes.go)
	"crypto/ecdsa"
	"crypto/md5"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/digitorus/pkcs7"
)

// ErrUnsupportedCMS marks a signature whose algorithms CMSIntact does
// not handle itself (the caller then asks pkcs7's or pdfsign's verifier).
var ErrUnsupportedCMS = errors.New("unsupported CMS algorithm")

// ErrDigestMismatch: the CMS's messageDigest is not the digest of the
// signed bytes.
var ErrDigestMismatch = errors.New("the message digest does not match the signed byte ranges")

// CMSIntact checks p7, a CMS SignedData with one signer and signed
// attributes (PAdES), against the digest of the signed bytes, which
// digest computes in the CMS's hash: the messageDigest attribute and the
// signer's signature over the signed attributes (CheckSignature: a
// signature already checked in this process is not checked again). The
// signed bytes are hashed where they are, not copied. ErrUnsupportedCMS
// for what it leaves to pkcs7 (no signed attributes but for RSASSA-PSS,
// other hashes or keys), ErrDigestMismatch when the bytes were changed.
// RSASSA-PSS (RFC 4056) is checked here, with or without signed
// attributes: pkcs7 does not know it; so is MD5 with RSA (neither pkcs7
// nor crypto/x509 computes it), so that a change after signing is found:
// whether MD5 may be relied on at all is the cryptographic constraints'
// business (cryptopolicy.go), not this check's. So are RSA and ECDSA with
// the SHA-224, SHA-512/224 and /256 and SHA-3 hashes pkcs7 does not
// compute (intactDirect, algorithms.go).
func CMSIntact(p7 *pkcs7.PKCS7, digest func(crypto.Hash) []byte) error {
	if len(p7.Signers) != 1 {
		return fmt.Errorf("the CMS has %d signers, want 1", len(p7.Signers))
	}
	si := p7.Signers[0]
	if ee := signerCertificate(p7); ee != nil {
		if pub, ok := ee.PublicKey.(*dsa.PublicKey); ok {
			return dsaIntact(p7, pub, digest) // keytypes.go
		}
		if h, ok := directHash(si.DigestAlgorithm.Algorithm, si.DigestEncryptionAlgorithm.Algorithm, ee.PublicKey); ok {
			return intactDirect(p7, ee.PublicKey, h, digest)
		}
	}
	if len(si.AuthenticatedAttributes) == 0 {
		return intactUnattributed(p7, digest)
	}
	hash, ok := cmsDigestHash(si.DigestAlgorithm.Algorithm)
	switch {
	case ok:
	case si.DigestAlgorithm.Algorithm.Equal(oidMD5):
		// Checked so that a change is found (invalid); the cryptographic
		// constraints (cryptopolicy.go) then keep it from being valid.
		hash = crypto.MD5
	case si.DigestEncryptionAlgorithm.Algorithm.Equal(oidRSASSAPSS):
		// Any digest pssHash takes (SHA-1, SHA-224, SHA-3): pkcs7 knows
		// no RSASSA-PSS.
		if hash, ok = digestHash(si.DigestAlgorithm.Algorithm); !ok {
			return ErrUnsupportedCMS
		}
	default:
		return ErrUnsupportedCMS
	}
	ee := signerCertificate(p7)
	if ee == nil {
		return errors.New("the signer's certificate is not in the signature")
	}
	var md []byte
	if err := signedAttribute(p7, pkcs7.OIDAttributeMessageDigest, &md); err != nil {
		return fmt.Errorf("no messageDigest attribute: %w", err)
	}
	if subtle.ConstantTimeCompare(md, digest(hash)) != 1 {
		return ErrDigestMismatch
	}
	signed, err := signedAttributesDER(p7)
	if err != nil {
		return err
	}
	switch {
	case hash == crypto.MD5:
		d := md5.Sum(signed)
		err = checkMD5RSA(ee, si.DigestEncryptionAlgorithm.Algorithm, d[:], si.EncryptedDigest)
	case si.DigestEncryptionAlgorithm.Algorithm.Equal(oidRSASSAPSS):
		err = checkPSS(ee, si.DigestEncryptionAlgorithm.Parameters, func(h crypto.Hash) []byte {
			d := h.New()
			d.Write(signed)
			return d.Sum(nil)
		}, si.EncryptedDigest)
	default:
		var alg x509.SignatureAlgorithm
		if alg, err = signerAlgorithm(ee.PublicKey, si.DigestEncryptionAlgorithm.Algorithm, hash); err != nil {
			return err
		}
		err = CheckSignature(ee, alg, signed, si.EncryptedDigest)
	}
	if err != nil {
		return fmt.Errorf("the signature over the signed attributes does not verify: %w", err)
	}
	return nil
}

// intactUnattributed checks a CMS without signed attributes, whose
// signature is over the signed bytes themselves: RSASSA-PSS here, on
// their digest in place; the rest (PKCS#1 v1.5, ECDSA, Ed25519) is left
// to pkcs7 (ErrUnsupportedCMS).
func intactUnattributed(p7 *pkcs7.PKCS7, digest func(crypto.Hash) []byte) error {
	si := p7.Signers[0]
	md5RSA := si.DigestAlgorithm.Algorithm.Equal(oidMD5)
	if !si.DigestEncryptionAlgorithm.Algorithm.Equal(oidRSASSAPSS) && !md5RSA {
		return ErrUnsupportedCMS
	}
	ee := signerCertificate(p7)
	if ee == nil {
		return errors.New("the signer's certificate is not in the signature")
	}
	if md5RSA {
		if err := checkMD5RSA(ee, si.DigestEncryptionAlgorithm.Algorithm, digest(crypto.MD5), si.EncryptedDigest); err != nil {
			return fmt.Errorf("the signature over the signed bytes does not verify: %w", err)
		}
		return nil
	}
	if err := checkPSS(ee, si.DigestEncryptionAlgorithm.Parameters, digest, si.EncryptedDigest); err != nil {
		return fmt.Errorf("the signature over the signed bytes does not verify: %w", err)
	}
	return nil
}

// directHash is the hash intactDirect checks a signature by pub with,
// for the digest algorithm d and the signature algorithm enc that
// neither crypto/x509 nor pkcs7 checks but crypto/rsa and crypto/ecdsa
// do (SHA-224, SHA-512/224 and /256 and SHA-3 digests, the combined RSA
// and ECDSA signature algorithms that name them); false for the rest
// (RSASSA-PSS and MD5 are checked elsewhere in CMSIntact, the usual ones
// by crypto/x509 or pkcs7).
func directHash(d, enc asn1.ObjectIdentifier, pub crypto.PublicKey) (crypto.Hash, bool) {
	if oidIn(d, sha12) && (oidIn(enc, rsaSigAlgs) || oidIn(enc, ecdsaSigAlgs)) {
		return 0, false
	}
	h, ok := digestHash(d)
	switch pub.(type) {
	case *rsa.PublicKey:
		return h, ok && sigAlgFor(enc, "RSA")
	case *ecdsa.PublicKey:
		return h, ok && sigAlgFor(enc, "ECDSA")
	}
	return 0, false
}

// intactDirect checks p7's signature by pub (RSA PKCS#1 v1.5, ECDSA or
// DSA) with the digest algorithm's hash h: the messageDigest signed
// attribute against the signed bytes and the signature over the signed
// attributes, or, without them, the signature over the signed bytes.
func intactDirect(p7 *pkcs7.PKCS7, pub crypto.PublicKey, h crypto.Hash, digest func(crypto.Hash) []byte) error {
	si := p7.Signers[0]
	sum, err := signedDigest(p7, h, digest)
	if err != nil {
		return err
	}
	if !verifiesWith(pub, h, sum, si.EncryptedDigest) {
		return fmt.Errorf("the signature (%s) does not verify", h)
	}
	return nil
}

// signedDigest is the digest (by h) p7's signature value is over: with
// signed attributes, theirs once their messageDigest is found to be the
// signed bytes' digest; without, the signed bytes' own.
func signedDigest(p7 *pkcs7.PKCS7, h crypto.Hash, digest func(crypto.Hash) []byte) ([]byte, error) {
	sum := digest(h)
	if len(p7.Signers[0].AuthenticatedAttributes) == 0 {
		return sum, nil
	}
	var md []byte
	if err := signedAttribute(p7, pkcs7.OIDAttributeMessageDigest, &md); err != nil {
		return nil, fmt.Errorf("no messageDigest attribute: %w", err)
	}
	if subtle.ConstantTimeCompare(md, sum) != 1 {
		return nil, ErrDigestMismatch
	}
	signed, err := signedAttributesDER(p7)
	if err != nil {
		return nil, err
	}
	w := h.New()
	w.Write(signed)
	return w.Sum(nil), nil
}

// checkMD5RSA checks sig, an RSA PKCS#1 v1.5 signature by ee's key of
// a message whose MD5 digest is d (crypto/x509 refuses MD5 outright;
// pkcs7 does not know it); ErrUnsupportedCMS for another key or
// algorithm.
func checkMD5RSA(ee *x509.Certificate, alg asn1.ObjectIdentifier, d, sig []byte) error {
	pub, ok := ee.PublicKey.(*rsa.PublicKey)
	if !ok || !(alg.Equal(pkcs7.OIDEncryptionAlgorithmRSA) || alg.Equal(oidMD5WithRSA)) {
		return ErrUnsupportedCMS
	}
	return rsa.VerifyPKCS1v15(pub, crypto.MD5, d, sig)
}

// oidRSASSAPSS is id-RSASSA-PSS (RFC 4055), the signature algorithm of an
// RSASSA-PSS SignerInfo (RFC 4056); its parameters say the hash, the mask
// generation and the salt length.
var (
	oidRSASSAPSS  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidSHA1       = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidMD5        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidMD5WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
)

// pssParams are RSASSA-PSS-params (RFC 4055 section 3.1), each with its
// DEFAULT when absent (SHA-1, MGF1 with SHA-1, 20, 1).
type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:0"`
	MGF          pkix.AlgorithmIdentifier `asn1:"optional,explicit,tag:1"`
	SaltLength   int                      `asn1:"optional,explicit,tag:2,default:20"`
	TrailerField int                      `asn1:"optional,explicit,tag:3,default:1"`
}

// checkPSS checks sig, an RSASSA-PSS signature by ee's key of a message
// whose digest digest computes, with the hash, mask and salt length that
// params (the algorithm's parameters) name. Only MGF1 with the same hash
// as the message (what every producer writes, and all that crypto/rsa
// does) and the trailer field 1 are read; anything else is refused.
func checkPSS(ee *x509.Certificate, params asn1.RawValue, digest func(crypto.Hash) []byte, sig []byte) error {
	pub, ok := ee.PublicKey.(*rsa.PublicKey)
	if !ok {
		return errors.New("an RSASSA-PSS signature with a certificate whose key is not RSA")
	}
	hash, salt, err := pssOptions(params)
	if err != nil {
		return fmt.Errorf("%w is not supported", err)
	}
	return rsa.VerifyPSS(pub, hash, digest(hash), sig, &rsa.PSSOptions{SaltLength: salt, Hash: hash})
}

// pssOptions reads RSASSA-PSS parameters: the hash and the salt length,
// or what of them this verifier does not check (an error naming it).
func pssOptions(params asn1.RawValue) (crypto.Hash, int, error) {
	var p pssParams
	if rest, err := asn1.Unmarshal(params.FullBytes, &p); err != nil || len(rest) > 0 {
		return 0, 0, errors.New("RSASSA-PSS with unreadable parameters")
	}
	hashOID := p.Hash.Algorithm
	if len(hashOID) == 0 {
		hashOID = oidSHA1
	}
	hash, ok := pssHash(hashOID)
	if !ok {
		return 0, 0, fmt.Errorf("RSASSA-PSS with the hash %v", hashOID)
	}
	mgfHash := oidSHA1
	if len(p.MGF.Algorithm) > 0 {
		var h pkix.AlgorithmIdentifier
		if !p.MGF.Algorithm.Equal(oidMGF1) {
			return 0, 0, fmt.Errorf("RSASSA-PSS with the mask generation %v", p.MGF.Algorithm)
		}
		if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &h); err != nil {
			return 0, 0, errors.New("RSASSA-PSS with unreadable mask generation parameters")
		}
		mgfHash = h.Algorithm
	}
	if !mgfHash.Equal(hashOID) || p.TrailerField != 1 || p.SaltLength < 0 {
		return 0, 0, errors.New("RSASSA-PSS with MGF1 of another hash, a trailer field other than 1 or a negative salt length")
	}
	return hash, p.SaltLength, nil
}

// pssHash is the hash an RSASSA-PSS signature may name: any that a CMS
// digest algorithm may (SHA-1, SHA-2, SHA-3; RFC 4055, RFC 9688).
func pssHash(alg asn1.ObjectIdentifier) (crypto.Hash, bool) {
	return digestHash(alg)
}

// cmsDigestHash is the hash of a digest algorithm CMSIntact handles.
func cmsDigestHash(alg asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case alg.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		return crypto.SHA256, true
	case alg.Equal(pkcs7.OIDDigestAlgorithmSHA384):
		return crypto.SHA384, true
	case alg.Equal(pkcs7.OIDDigestAlgorithmSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// signerCertificate is the certificate of the CMS that its (one) signer
// names by issuer and serial, or nil.
func signerCertificate(p7 *pkcs7.PKCS7) *x509.Certificate {
	si := p7.Signers[0]
	for _, c := range p7.Certificates {
		if c.SerialNumber.Cmp(si.IssuerAndSerialNumber.SerialNumber) == 0 && bytes.Equal(c.RawIssuer, si.IssuerAndSerialNumber.IssuerName.FullBytes) {
			return c
		}
	}
	return nil
}

// signedAttributesDER is what the signature is over: the contents of the
// DER SET OF the (one) signer's signed attributes.
func signedAttributesDER(p7 *pkcs7.PKCS7) ([]byte, error) {
	si := p7.Signers[0]
	type attribute struct {
		Type  asn1.ObjectIdentifier
		Value asn1.RawValue `asn1:"set"`
	}
	attrs := make([]attribute, len(si.AuthenticatedAttributes))
	for i, a := range si.AuthenticatedAttributes {
		attrs[i] = attribute{Type: a.Type, Value: a.Value}
	}
	enc, err := asn1.Marshal(struct {
		A []attribute `asn1:"set"`
	}{A: attrs})
	if err != nil {
		return nil, err
	}
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(enc, &seq); err != nil {
		return nil, err
	}
	return seq.Bytes, nil
}

// signerAlgorithm is the x509 signature algorithm of a signer's key, its
// SignerInfo's signature algorithm enc and digest hash; ErrUnsupportedCMS
// for what CMSIntact leaves to pkcs7 (RSASSA-PSS, Ed25519, others).
func signerAlgorithm(pub crypto.PublicKey, enc asn1.ObjectIdentifier, hash crypto.Hash) (x509.SignatureAlgorithm, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		if !enc.Equal(pkcs7.OIDEncryptionAlgorithmRSA) && !enc.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA256) &&
			!enc.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA384) && !enc.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA512) {
			return 0, ErrUnsupportedCMS // e.g. RSASSA-PSS
		}
		return map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}[hash], nil
	case *ecdsa.PublicKey:
		return map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}[hash], nil
	}
	return 0, ErrUnsupportedCMS
}
