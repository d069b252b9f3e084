package verify

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA signatures of other producers (keytypes.go)
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/digitorus/pkcs7"
)

// Which algorithm combinations a signature (or a time-stamp token's own
// CMS) can be checked with, and what is said of the rest. A key this
// verifier checks (RSA, ECDSA, DSA) with a signature or digest algorithm
// it does not — SHA-3, SHAKE, SHA-512/224, SHA-224 as a CMS digest, DSA
// with SHA-3 — proves nothing either way: INDETERMINATE/
// CRYPTO_CONSTRAINTS_FAILURE "unsupported algorithm" (ETSI EN 319 102-1
// 5.2.8), the messageDigest attribute still compared when its digest is
// one computed here (checkUnsupported), so that a change stays invalid.
//
// A digest algorithm that disagrees with the hash a combined signature
// algorithm names (digest SHA-256, sha1WithRSAEncryption): the signature
// is checked with the digest algorithm (RFC 5652 5.4–5.6: the signer's
// digest algorithm hashes the content and the signed attributes; OpenSSL
// and pkcs7 do the same for RSA), the cryptographic constraints judging
// both hashes. A signature that verifies only with the hash the
// signature algorithm names is an ill-formed SignerInfo, not a wrong
// signature: INDETERMINATE/FORMAT_FAILURE (otherReading). One that
// verifies with neither is invalid.

var (
	// The hashes a CMS digest algorithm may be for each key type here.
	sha12 = []asn1.ObjectIdentifier{pkcs7.OIDDigestAlgorithmSHA1, pkcs7.OIDDigestAlgorithmSHA256, pkcs7.OIDDigestAlgorithmSHA384, pkcs7.OIDDigestAlgorithmSHA512}
	// RSA PKCS#1 v1.5 signature algorithms pkcs7 and CMSIntact check
	// (by the digest algorithm).
	rsaSigAlgs = []asn1.ObjectIdentifier{pkcs7.OIDEncryptionAlgorithmRSA, pkcs7.OIDEncryptionAlgorithmRSASHA1,
		pkcs7.OIDEncryptionAlgorithmRSASHA256, pkcs7.OIDEncryptionAlgorithmRSASHA384, pkcs7.OIDEncryptionAlgorithmRSASHA512}
	// ECDSA signature algorithms, with the public key's and the curves'
	// OIDs some producers write instead (pkcs7 reads them).
	ecdsaSigAlgs = []asn1.ObjectIdentifier{pkcs7.OIDDigestAlgorithmECDSASHA1, pkcs7.OIDDigestAlgorithmECDSASHA256,
		pkcs7.OIDDigestAlgorithmECDSASHA384, pkcs7.OIDDigestAlgorithmECDSASHA512, pkcs7.OIDPublicKeyAlgorithmEC,
		pkcs7.OIDEncryptionAlgorithmECDSAP256, pkcs7.OIDEncryptionAlgorithmECDSAP384, pkcs7.OIDEncryptionAlgorithmECDSAP521}
	// sigAlgHashes are the hashes combined signature algorithms name.
	sigAlgHashes = map[string]crypto.Hash{
		"1.2.840.113549.1.1.5": crypto.SHA1, "1.2.840.113549.1.1.14": crypto.SHA224, "1.2.840.113549.1.1.11": crypto.SHA256,
		"1.2.840.113549.1.1.12": crypto.SHA384, "1.2.840.113549.1.1.13": crypto.SHA512,
		"1.2.840.10045.4.1": crypto.SHA1, "1.2.840.10045.4.3.1": crypto.SHA224, "1.2.840.10045.4.3.2": crypto.SHA256,
		"1.2.840.10045.4.3.3": crypto.SHA384, "1.2.840.10045.4.3.4": crypto.SHA512,
		"1.2.840.10040.4.3": crypto.SHA1, "2.16.840.1.101.3.4.3.1": crypto.SHA224, "2.16.840.1.101.3.4.3.2": crypto.SHA256,
		"2.16.840.1.101.3.4.3.3": crypto.SHA384, "2.16.840.1.101.3.4.3.4": crypto.SHA512,
	}
)

func oidIn(o asn1.ObjectIdentifier, list []asn1.ObjectIdentifier) bool {
	for _, e := range list {
		if e.Equal(o) {
			return true
		}
	}
	return false
}

// unsupportedAlgorithm names the algorithms of p7's (one) signer when
// this verifier cannot check a signature by the key pub with them, or
// "" when it can (or when pub is of a type judged elsewhere: keytypes.go).
func unsupportedAlgorithm(p7 *pkcs7.PKCS7, pub crypto.PublicKey) string {
	if len(p7.Signers) != 1 {
		return ""
	}
	si := p7.Signers[0]
	d, enc := si.DigestAlgorithm.Algorithm, si.DigestEncryptionAlgorithm.Algorithm
	var name string
	var ok bool
	switch pub.(type) {
	case *rsa.PublicKey:
		if enc.Equal(oidRSASSAPSS) {
			if _, _, err := pssOptions(si.DigestEncryptionAlgorithm.Parameters); err != nil {
				return err.Error()
			}
			return ""
		}
		name = "RSA"
		md5 := d.Equal(oidMD5) && (enc.Equal(pkcs7.OIDEncryptionAlgorithmRSA) || enc.Equal(oidMD5WithRSA))
		ok = md5 || (oidIn(enc, rsaSigAlgs) && oidIn(d, sha12))
	case *ecdsa.PublicKey:
		name, ok = "ECDSA", oidIn(enc, ecdsaSigAlgs) && oidIn(d, sha12)
	case *dsa.PublicKey:
		_, known := cmsHashes[d.String()]
		name, ok = "DSA", oidIn(enc, dsaSigAlgs) && known
	default:
		return ""
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("%s with %v and the digest %v", name, enc, d)
}

// otherReading is the reason a signature by ee that did not verify with
// its digest algorithm is indeterminate rather than invalid: it verifies
// with the other hash its combined signature algorithm names (digest
// computes that hash of the signed bytes when there are no signed
// attributes). "" when it does not, or names no other hash.
func otherReading(p7 *pkcs7.PKCS7, ee *x509.Certificate, digest func(crypto.Hash) []byte) string {
	if ee == nil || len(p7.Signers) != 1 {
		return ""
	}
	si := p7.Signers[0]
	h, ok := sigAlgHashes[si.DigestEncryptionAlgorithm.Algorithm.String()]
	d, known := cmsHashes[si.DigestAlgorithm.Algorithm.String()]
	if !ok || !h.Available() || (known && d == h) {
		return ""
	}
	var sum []byte
	if len(si.AuthenticatedAttributes) > 0 {
		signed, err := signedAttributesDER(p7)
		if err != nil {
			return ""
		}
		w := h.New()
		w.Write(signed)
		sum = w.Sum(nil)
	} else {
		sum = digest(h)
	}
	if !verifiesWith(ee.PublicKey, h, sum, si.EncryptedDigest) {
		return ""
	}
	dname := si.DigestAlgorithm.Algorithm.String()
	if known {
		dname = d.String()
	}
	return fmt.Sprintf("the signature verifies only with the hash its signature algorithm names (%s), not with its digest algorithm's (%s): the SignerInfo is ill-formed (RFC 5652 5.4-5.6), so the signature can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/FORMAT_FAILURE)", h, dname)
}

// verifiesWith reports whether sig is pub's signature of the hash sum
// (made with h): PKCS#1 v1.5 for RSA, an ASN.1 (r, s) pair for ECDSA
// and DSA.
func verifiesWith(pub crypto.PublicKey, h crypto.Hash, sum, sig []byte) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, h, sum, sig) == nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(k, sum, sig)
	case *dsa.PublicKey:
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(sig, &rs); err != nil || len(rest) > 0 || rs.R == nil || rs.S == nil || k.P == nil || k.Q == nil || k.G == nil || k.Y == nil {
			return false
		}
		if n := (k.Q.BitLen() + 7) / 8; len(sum) > n {
			sum = sum[:n]
		}
		return dsa.Verify(k, sum, rs.R, rs.S)
	}
	return false
}
