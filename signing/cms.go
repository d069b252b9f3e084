package signing

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

// errUnsupportedCMS marks a signature whose algorithms cmsIntact does
// not handle itself (the caller then asks pdfsign's verifier).
var errUnsupportedCMS = errors.New("unsupported CMS algorithm")

// cmsIntact checks the CMS der (zero padding allowed) against the digest
// of the signed bytes, which digest computes for the CMS's algorithm.
func cmsIntact(contents []byte, digest func(crypto.Hash) []byte) error {
	p7, err := parseOneSigner(contents)
	if err != nil {
		return err
	}
	si := p7.Signers[0]
	if len(si.AuthenticatedAttributes) == 0 {
		return errUnsupportedCMS // digest signed directly (not PAdES)
	}
	hash, ok := cmsDigestHash(si.DigestAlgorithm.Algorithm)
	if !ok {
		return errUnsupportedCMS
	}
	ee := signerCertificate(p7)
	if ee == nil {
		return errors.New("the signer's certificate is not in the signature")
	}
	var md []byte
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, &md); err != nil {
		return fmt.Errorf("no messageDigest attribute: %w", err)
	}
	if subtle.ConstantTimeCompare(md, digest(hash)) != 1 {
		return errors.New("the message digest does not match the signed byte ranges")
	}
	signed, err := signedAttributesDER(p7)
	if err != nil {
		return err
	}
	alg, err := signerAlgorithm(ee.PublicKey, si.DigestEncryptionAlgorithm.Algorithm, hash)
	if err != nil {
		return err
	}
	if err := ee.CheckSignature(alg, signed, si.EncryptedDigest); err != nil {
		return fmt.Errorf("the signature over the signed attributes does not verify: %w", err)
	}
	return nil
}

// parseOneSigner parses a /Contents value (zero padding allowed) as CMS
// SignedData with exactly one signer.
func parseOneSigner(contents []byte) (*pkcs7.PKCS7, error) {
	der := contents
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err == nil {
		der = raw.FullBytes // without the zero padding
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("the signature value is not CMS: %w", err)
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("the CMS has %d signers, want 1", len(p7.Signers))
	}
	return p7, nil
}

// cmsDigestHash is the hash of a digest algorithm cmsIntact handles.
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
// SignerInfo's signature algorithm enc and digest hash; errUnsupportedCMS
// for what cmsIntact leaves to pdfsign (RSASSA-PSS, Ed25519, others).
func signerAlgorithm(pub crypto.PublicKey, enc asn1.ObjectIdentifier, hash crypto.Hash) (x509.SignatureAlgorithm, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		if !enc.Equal(pkcs7.OIDEncryptionAlgorithmRSA) && !enc.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA256) &&
			!enc.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA384) && !enc.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA512) {
			return 0, errUnsupportedCMS // e.g. RSASSA-PSS
		}
		return map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}[hash], nil
	case *ecdsa.PublicKey:
		return map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}[hash], nil
	}
	return 0, errUnsupportedCMS
}
