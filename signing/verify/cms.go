package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
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
// for what it leaves to pkcs7 (no signed attributes, RSASSA-PSS, other
// hashes or keys), ErrDigestMismatch when the bytes were changed.
func CMSIntact(p7 *pkcs7.PKCS7, digest func(crypto.Hash) []byte) error {
	if len(p7.Signers) != 1 {
		return fmt.Errorf("the CMS has %d signers, want 1", len(p7.Signers))
	}
	si := p7.Signers[0]
	if len(si.AuthenticatedAttributes) == 0 {
		return ErrUnsupportedCMS // digest signed directly (not PAdES)
	}
	hash, ok := cmsDigestHash(si.DigestAlgorithm.Algorithm)
	if !ok {
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
	alg, err := signerAlgorithm(ee.PublicKey, si.DigestEncryptionAlgorithm.Algorithm, hash)
	if err != nil {
		return err
	}
	if err := CheckSignature(ee, alg, signed, si.EncryptedDigest); err != nil {
		return fmt.Errorf("the signature over the signed attributes does not verify: %w", err)
	}
	return nil
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
