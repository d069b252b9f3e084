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
// CMS) can be checked with, and what is said of the rest. RSA (PKCS#1
// v1.5 and RSASSA-PSS), ECDSA and DSA are checked with every hash Go
// computes that a CMS digest algorithm names: SHA-1, the SHA-2 family
// (SHA-224 to SHA-512, SHA-512/224 and SHA-512/256) and SHA-3 (SHA3-224
// to SHA3-512), with the combined signature algorithms that name them
// (sigAlgs); MD5 with RSA only (cms.go). crypto/x509 and pkcs7 check the
// usual ones (SHA-1 and SHA-256 to SHA-512 with their RSA and ECDSA
// OIDs); the rest are checked here, by crypto/rsa and crypto/ecdsa
// (intactDirect), as OpenSSL 3 checks them. What is left — SHAKE128 and
// SHAKE256 (RFC 8702: their output length is a parameter of the
// algorithm, not read here), SM3, RIPEMD-160, any OID not listed — with a
// key this verifier checks proves nothing either way: INDETERMINATE/
// CRYPTO_CONSTRAINTS_FAILURE "unsupported algorithm" (ETSI EN 319 102-1
// 5.2.8), the messageDigest attribute still compared when its digest is
// one computed here (checkUnsupported), so that a change stays invalid.
// Whether a checked hash may be relied on is the cryptographic
// constraints' business (cryptopolicy.go).
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
	// The hashes a CMS digest algorithm may be for pkcs7's verifier.
	sha12 = []asn1.ObjectIdentifier{pkcs7.OIDDigestAlgorithmSHA1, pkcs7.OIDDigestAlgorithmSHA256, pkcs7.OIDDigestAlgorithmSHA384, pkcs7.OIDDigestAlgorithmSHA512}
	// RSA PKCS#1 v1.5 signature algorithms pkcs7 and CMSIntact check
	// (by the digest algorithm).
	rsaSigAlgs = []asn1.ObjectIdentifier{pkcs7.OIDEncryptionAlgorithmRSA, pkcs7.OIDEncryptionAlgorithmRSASHA1,
		pkcs7.OIDEncryptionAlgorithmRSASHA256, pkcs7.OIDEncryptionAlgorithmRSASHA384, pkcs7.OIDEncryptionAlgorithmRSASHA512}
	// ECDSA signature algorithms pkcs7 reads, with the public key's and
	// the curves' OIDs some producers write instead.
	ecdsaSigAlgs = []asn1.ObjectIdentifier{pkcs7.OIDDigestAlgorithmECDSASHA1, pkcs7.OIDDigestAlgorithmECDSASHA256,
		pkcs7.OIDDigestAlgorithmECDSASHA384, pkcs7.OIDDigestAlgorithmECDSASHA512, pkcs7.OIDPublicKeyAlgorithmEC,
		pkcs7.OIDEncryptionAlgorithmECDSAP256, pkcs7.OIDEncryptionAlgorithmECDSAP384, pkcs7.OIDEncryptionAlgorithmECDSAP521}
)

// sigAlg is what a SignerInfo's signature algorithm says: the key type
// it is for, and the hash it names (0: none, the digest algorithm's).
type sigAlg struct {
	key  string // "RSA" (PKCS#1 v1.5), "ECDSA", "DSA"
	hash crypto.Hash
}

// sigAlgs are the signature algorithms checked here, by OID: RFC 3279,
// 4055, 5754 and 5758, and NIST's arc for DSA with SHA-384/512 and for
// SHA-3 (id-dsa-with-sha3-*, id-ecdsa-with-sha3-*,
// id-rsassa-pkcs1-v1_5-with-sha3-*, RFC 9688 for CMS). RSASSA-PSS names
// its hash in its parameters (pssOptions). A list, not a map by the
// OID's string, so that looking one up allocates nothing.
var sigAlgs = []struct {
	oid asn1.ObjectIdentifier
	sigAlg
}{
	{mkOID(1, 2, 840, 113549, 1, 1, 1), sigAlg{"RSA", 0}}, {mkOID(1, 2, 840, 113549, 1, 1, 4), sigAlg{"RSA", crypto.MD5}},
	{mkOID(1, 2, 840, 113549, 1, 1, 5), sigAlg{"RSA", crypto.SHA1}}, {mkOID(1, 2, 840, 113549, 1, 1, 14), sigAlg{"RSA", crypto.SHA224}},
	{mkOID(1, 2, 840, 113549, 1, 1, 11), sigAlg{"RSA", crypto.SHA256}}, {mkOID(1, 2, 840, 113549, 1, 1, 12), sigAlg{"RSA", crypto.SHA384}},
	{mkOID(1, 2, 840, 113549, 1, 1, 13), sigAlg{"RSA", crypto.SHA512}}, {mkOID(1, 2, 840, 113549, 1, 1, 15), sigAlg{"RSA", crypto.SHA512_224}},
	{mkOID(1, 2, 840, 113549, 1, 1, 16), sigAlg{"RSA", crypto.SHA512_256}}, {mkOID(2, 16, 840, 1, 101, 3, 4, 3, 13), sigAlg{"RSA", crypto.SHA3_224}},
	{mkOID(2, 16, 840, 1, 101, 3, 4, 3, 14), sigAlg{"RSA", crypto.SHA3_256}}, {mkOID(2, 16, 840, 1, 101, 3, 4, 3, 15), sigAlg{"RSA", crypto.SHA3_384}},
	{mkOID(2, 16, 840, 1, 101, 3, 4, 3, 16), sigAlg{"RSA", crypto.SHA3_512}},

	{mkOID(1, 2, 840, 10045, 2, 1), sigAlg{"ECDSA", 0}}, {mkOID(1, 2, 840, 10045, 3, 1, 7), sigAlg{"ECDSA", 0}},
	{mkOID(1, 3, 132, 0, 34), sigAlg{"ECDSA", 0}}, {mkOID(1, 3, 132, 0, 35), sigAlg{"ECDSA", 0}},
	{mkOID(1, 2, 840, 10045, 4, 1), sigAlg{"ECDSA", crypto.SHA1}}, {mkOID(1, 2, 840, 10045, 4, 3, 1), sigAlg{"ECDSA", crypto.SHA224}},
	{mkOID(1, 2, 840, 10045, 4, 3, 2), sigAlg{"ECDSA", crypto.SHA256}}, {mkOID(1, 2, 840, 10045, 4, 3, 3), sigAlg{"ECDSA", crypto.SHA384}},
	{mkOID(1, 2, 840, 10045, 4, 3, 4), sigAlg{"ECDSA", crypto.SHA512}}, {mkOID(2, 16, 840, 1, 101, 3, 4, 3, 9), sigAlg{"ECDSA", crypto.SHA3_224}},
	{mkOID(2, 16, 840, 1, 101, 3, 4, 3, 10), sigAlg{"ECDSA", crypto.SHA3_256}}, {mkOID(2, 16, 840, 1, 101, 3, 4, 3, 11), sigAlg{"ECDSA", crypto.SHA3_384}},
	{mkOID(2, 16, 840, 1, 101, 3, 4, 3, 12), sigAlg{"ECDSA", crypto.SHA3_512}},

	{mkOID(1, 2, 840, 10040, 4, 1), sigAlg{"DSA", 0}}, {mkOID(1, 2, 840, 10040, 4, 3), sigAlg{"DSA", crypto.SHA1}},
	{mkOID(2, 16, 840, 1, 101, 3, 4, 3, 1), sigAlg{"DSA", crypto.SHA224}}, {mkOID(2, 16, 840, 1, 101, 3, 4, 3, 2), sigAlg{"DSA", crypto.SHA256}},
	{mkOID(2, 16, 840, 1, 101, 3, 4, 3, 3), sigAlg{"DSA", crypto.SHA384}}, {mkOID(2, 16, 840, 1, 101, 3, 4, 3, 4), sigAlg{"DSA", crypto.SHA512}},
	{mkOID(2, 16, 840, 1, 101, 3, 4, 3, 5), sigAlg{"DSA", crypto.SHA3_224}}, {mkOID(2, 16, 840, 1, 101, 3, 4, 3, 6), sigAlg{"DSA", crypto.SHA3_256}},
	{mkOID(2, 16, 840, 1, 101, 3, 4, 3, 7), sigAlg{"DSA", crypto.SHA3_384}}, {mkOID(2, 16, 840, 1, 101, 3, 4, 3, 8), sigAlg{"DSA", crypto.SHA3_512}},
}

// mkOID is the object identifier of arcs (for the tables above).
func mkOID(arcs ...int) asn1.ObjectIdentifier { return arcs }

// sigAlgOf is what the signature algorithm enc says (the zero sigAlg
// for one not checked here).
func sigAlgOf(enc asn1.ObjectIdentifier) sigAlg {
	for _, e := range sigAlgs {
		if e.oid.Equal(enc) {
			return e.sigAlg
		}
	}
	return sigAlg{}
}

// sigAlgFor reports whether the signature algorithm enc is one checked
// here for keys of the type key.
func sigAlgFor(enc asn1.ObjectIdentifier, key string) bool {
	return sigAlgOf(enc).key == key
}

// digestHashes are the CMS digest algorithms that signatures by RSA,
// ECDSA and DSA keys are checked with (MD5 aside: cms.go).
var digestHashes = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}, crypto.SHA224}, {asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384}, {asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 5}, crypto.SHA512_224}, {asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 6}, crypto.SHA512_256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 7}, crypto.SHA3_224}, {asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 8}, crypto.SHA3_256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 9}, crypto.SHA3_384}, {asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 10}, crypto.SHA3_512},
}

// digestHash is the hash of the CMS digest algorithm alg, if signatures
// are checked with it here (and Go computes it).
func digestHash(alg asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, e := range digestHashes {
		if e.oid.Equal(alg) && e.hash.Available() {
			return e.hash, true
		}
	}
	return 0, false
}

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
	_, known := digestHash(d)
	switch pub.(type) {
	case *rsa.PublicKey:
		if enc.Equal(oidRSASSAPSS) {
			if _, _, err := pssOptions(si.DigestEncryptionAlgorithm.Parameters); err != nil {
				return err.Error()
			}
			if !known && len(si.AuthenticatedAttributes) > 0 {
				return fmt.Sprintf("RSASSA-PSS with the digest %v", d)
			}
			return ""
		}
		name = "RSA"
		md5 := d.Equal(oidMD5) && (enc.Equal(pkcs7.OIDEncryptionAlgorithmRSA) || enc.Equal(oidMD5WithRSA))
		ok = md5 || (known && sigAlgFor(enc, name))
	case *ecdsa.PublicKey:
		name = "ECDSA"
		ok = known && sigAlgFor(enc, name)
	case *dsa.PublicKey:
		_, known = cmsHashes[d.String()]
		name = "DSA"
		ok = known && sigAlgFor(enc, name)
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
	h := sigAlgOf(si.DigestEncryptionAlgorithm.Algorithm).hash
	d, known := cmsHashes[si.DigestAlgorithm.Algorithm.String()]
	if h == 0 || !h.Available() || (known && d == h) {
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
