package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
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
	der := contents
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err == nil {
		der = raw.FullBytes // without the zero padding
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return fmt.Errorf("the signature value is not CMS: %w", err)
	}
	if len(p7.Signers) != 1 {
		return fmt.Errorf("the CMS has %d signers, want 1", len(p7.Signers))
	}
	si := p7.Signers[0]
	if len(si.AuthenticatedAttributes) == 0 {
		return errUnsupportedCMS // digest signed directly (not PAdES)
	}
	var hash crypto.Hash
	switch alg := si.DigestAlgorithm.Algorithm; {
	case alg.Equal(pkcs7.OIDDigestAlgorithmSHA256):
		hash = crypto.SHA256
	case alg.Equal(pkcs7.OIDDigestAlgorithmSHA384):
		hash = crypto.SHA384
	case alg.Equal(pkcs7.OIDDigestAlgorithmSHA512):
		hash = crypto.SHA512
	default:
		return errUnsupportedCMS
	}
	var ee *x509.Certificate
	for _, c := range p7.Certificates {
		if c.SerialNumber.Cmp(si.IssuerAndSerialNumber.SerialNumber) == 0 && bytes.Equal(c.RawIssuer, si.IssuerAndSerialNumber.IssuerName.FullBytes) {
			ee = c
			break
		}
	}
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
	// The signature is over the DER SET OF the signed attributes.
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
		return err
	}
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(enc, &seq); err != nil {
		return err
	}
	var alg x509.SignatureAlgorithm
	enc2 := si.DigestEncryptionAlgorithm.Algorithm
	switch ee.PublicKey.(type) {
	case *rsa.PublicKey:
		if !enc2.Equal(pkcs7.OIDEncryptionAlgorithmRSA) && !enc2.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA256) &&
			!enc2.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA384) && !enc2.Equal(pkcs7.OIDEncryptionAlgorithmRSASHA512) {
			return errUnsupportedCMS // e.g. RSASSA-PSS
		}
		alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}[hash]
	case *ecdsa.PublicKey:
		alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}[hash]
	case ed25519.PublicKey:
		return errUnsupportedCMS
	default:
		return errUnsupportedCMS
	}
	if err := ee.CheckSignature(alg, seq.Bytes, si.EncryptedDigest); err != nil {
		return fmt.Errorf("the signature over the signed attributes does not verify: %w", err)
	}
	return nil
}
