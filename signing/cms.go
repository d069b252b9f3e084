package signing

import (
	"crypto"
	"encoding/asn1"
	"fmt"

	"github.com/digitorus/pkcs7"

	"github.com/vanthu/vanthu/signing/verify"
)

// cmsIntact checks the CMS der (zero padding allowed) against the digest
// of the signed bytes, which digest computes for the CMS's algorithm
// (verify.CMSIntact; verify.ErrUnsupportedCMS for algorithms it leaves to
// pdfsign's verifier).
func cmsIntact(contents []byte, digest func(crypto.Hash) []byte) error {
	p7, err := parseOneSigner(contents)
	if err != nil {
		return err
	}
	return verify.CMSIntact(p7, digest)
}

// parseOneSigner parses a /Contents value (zero padding allowed) as CMS
// SignedData with exactly one signer.
func parseOneSigner(contents []byte) (*pkcs7.PKCS7, error) {
	der := contents
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err == nil {
		der = raw.FullBytes // without the zero padding
	}
	p7, err := verify.ParseCMS(der)
	if err != nil {
		return nil, fmt.Errorf("the signature value is not CMS: %w", err)
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("the CMS has %d signers, want 1", len(p7.Signers))
	}
	return p7, nil
}
