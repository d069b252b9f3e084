package verify

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// A signature of the form /SubFilter /adbe.x509.rsa_sha1 (ISO 32000-1
// 12.8.3.2; deprecated by PDF 2.0, still found in documents of old
// Acrobat and .NET signing tools) is not CMS: /Contents is a DER OCTET
// STRING holding the signer's PKCS#1 v1.5 RSA signature of the digest of
// the byte ranges, and /Cert the certificate chain, the signer's first
// (one byte string, or an array of them). The digest is SHA-1, or from
// PDF 1.6 on SHA-256, SHA-384 or SHA-512 (Table 257), named by the
// signature's DigestInfo. There is no signed attribute and no signature
// time-stamp: the certificate is judged now, or at a trusted document
// time-stamp over it.

// verifyPKCS1 checks an adbe.x509.rsa_sha1 signature: its value over the
// signed bytes (signed, nil when the byte range is malformed), then the
// signer's certificate and chain as for a CMS signature.
func (s *Signature) verifyPKCS1(fs foundSig, contents pdfString, signed *signedBytes, rangeOK bool, claimed time.Time, opts Options) {
	certs, err := certEntries(fs.state, fs.dict["Cert"])
	if err != nil {
		// Nothing to check the value with: neither accepted nor rejected
		// (ETSI EN 319 102-1, INDETERMINATE / FORMAT_FAILURE; pdfcpu says
		// "validity unknown" for its sample01.pdf, whose certificate has
		// a negative serial number, which crypto/x509 refuses).
		s.Warnings = append(s.Warnings, fmt.Sprintf("the signer's certificate (/Cert) of this /adbe.x509.rsa_sha1 signature cannot be read (%v), so the signature cannot be checked: it can be neither accepted nor rejected", err))
		s.verdict = Indeterminate
		return
	}
	ee := certs[0]
	var weak retired // the digest's sunset, when the signature names one
	s.Signer = describeCert(ee)
	s.ee, s.certs = ee, certs
	if !claimed.IsZero() {
		s.SigningTime = claimed.Format(time.RFC3339)
	}
	if signed != nil {
		h, err := checkPKCS1(ee, []byte(contents[:derLen(contents)]), signed.digest)
		if h != 0 {
			weak = hashRetired(h, roleDigest)
		}
		switch {
		case errors.Is(err, rsa.ErrVerification):
			s.fail("the PKCS#1 signature does not match the signed byte ranges (the signed revision was modified, or the signature is not by the certificate's key)")
		case errors.Is(err, errPKCS1Digest):
			// Made with a digest this verifier does not compute
			// (RIPEMD-160, which ISO 32000-1 also allows, or older):
			// neither accepted nor rejected.
			s.Warnings = append(s.Warnings, fmt.Sprintf("the PKCS#1 signature cannot be checked: %v; it can be neither accepted nor rejected", err))
		case err != nil:
			s.fail("the PKCS#1 signature cannot be checked: %v", err)
		default:
			s.SignatureValid = rangeOK
		}
	}
	nerr, nwarn := len(s.Errors), len(s.Warnings)
	valAt, src := s.validationTime(nil, opts)
	s.checkCertificate(ee, valAt, src, claimed)
	s.certProblem = len(s.Errors) > nerr || len(s.Warnings) > nwarn
	s.checkChain(certs, ee, valAt, src, opts.Roots)
	s.judgeCrypto(earliest(weak, keyRetired(ee.PublicKey, roleKey)), nil, opts)
	s.verdict = sigVerdict(s)
}

// certEntries reads a /Cert entry: one DER certificate as a string, or
// an array of them, the signer's first.
func certEntries(st *state, o object) ([]*x509.Certificate, error) {
	var strs []pdfString
	switch v := st.resolve(o).(type) {
	case pdfString:
		strs = []pdfString{v}
	case []object:
		for _, e := range v {
			str, ok := st.resolve(e).(pdfString)
			if !ok {
				return nil, errors.New("an element of the array is not a string")
			}
			strs = append(strs, str)
		}
	}
	if len(strs) == 0 {
		return nil, errors.New("there is none")
	}
	certs := make([]*x509.Certificate, 0, len(strs))
	for _, str := range strs {
		c, err := ParseCertificate([]byte(str))
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// pkcs1Hashes are the digests an adbe.x509.rsa_sha1 signature may use,
// by the OID its DigestInfo names.
var pkcs1Hashes = map[string]crypto.Hash{
	"1.2.840.113549.2.5": crypto.MD5, // checked, then never accepted without proof of existence (cryptopolicy.go)
	"1.3.14.3.2.26":      crypto.SHA1, "2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384, "2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

// errPKCS1Digest: the signature's DigestInfo names a digest that is not
// one of pkcs1Hashes.
var errPKCS1Digest = errors.New("its digest algorithm is not supported")

// checkPKCS1 checks der, the DER OCTET STRING of /Contents, as ee's
// PKCS#1 v1.5 signature of the signed bytes, whose digest digest
// computes. The hash is read from the signature's DigestInfo (opened
// with the public key), then the signature is checked as a whole by
// crypto/rsa with that hash: what was read only chooses which digest to
// compute. It returns that hash (0 when none was read).
func checkPKCS1(ee *x509.Certificate, der []byte, digest func(crypto.Hash) []byte) (crypto.Hash, error) {
	pub, ok := ee.PublicKey.(*rsa.PublicKey)
	if !ok {
		return 0, errors.New("the signer's key is not RSA")
	}
	var sig []byte
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) > 0 {
		return 0, errors.New("the signature value is not a DER OCTET STRING")
	}
	hash, err := pkcs1Hash(pub, sig)
	if err != nil {
		return 0, err
	}
	return hash, rsa.VerifyPKCS1v15(pub, hash, digest(hash), sig)
}

// pkcs1Hash opens sig with pub (RSA's public operation) and returns the
// hash its PKCS#1 v1.5 encoding's DigestInfo names.
func pkcs1Hash(pub *rsa.PublicKey, sig []byte) (crypto.Hash, error) {
	k := pub.Size()
	s := new(big.Int).SetBytes(sig)
	if len(sig) != k || s.Cmp(pub.N) >= 0 {
		return 0, rsa.ErrVerification
	}
	em := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k))
	// EM = 0x00 0x01 0xFF... 0x00 DigestInfo
	sep := bytes.IndexByte(em[2:], 0)
	if em[0] != 0 || em[1] != 1 || sep < 0 {
		return 0, rsa.ErrVerification
	}
	var info struct {
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		Digest []byte
	}
	if _, err := asn1.Unmarshal(em[2+sep+1:], &info); err != nil {
		return 0, rsa.ErrVerification
	}
	h, ok := pkcs1Hashes[info.Algorithm.Algorithm.String()]
	if !ok {
		return 0, fmt.Errorf("%w (%v)", errPKCS1Digest, info.Algorithm.Algorithm)
	}
	return h, nil
}
