package verify

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA signatures of other producers are still verified (ISO 32000-1 allows them)
	"crypto/rsa"
	"crypto/sha3"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/internal/dn"
)

// Key types beyond RSA, ECDSA on the NIST curves and Ed25519, which
// crypto/x509 and pkcs7 read and check themselves:
//
//   - DSA: crypto/x509 reads the key but checks no DSA signature, and
//     pkcs7 neither; checked here (dsaIntact), judged by the sunset table
//     (keyRetired).
//   - RSA keys certified as id-RSASSA-PSS (RFC 4055): crypto/x509 leaves
//     the key unread (UnknownPublicKeyAlgorithm); it is an RSAPublicKey
//     as for rsaEncryption, read here (withPSSKey), then checked and
//     judged as any RSA key.
//   - anything else — ECDSA on brainpool curves (crypto/x509 refuses the
//     whole certificate: "unsupported elliptic curve"), Ed448 (not in
//     Go), other algorithms: the signature value cannot be checked. What
//     can be is: the messageDigest signed attribute against the signed
//     bytes (a change after signing is still invalid). The signature is
//     otherwise INDETERMINATE with CRYPTO_CONSTRAINTS_FAILURE — ETSI EN
//     319 102-1 5.2.8: an algorithm the constraints do not list is not
//     accepted; no proof of existence makes up for it.

var (
	oidPublicKeyRSASSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidPublicKeyEC        = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidEd448              = asn1.ObjectIdentifier{1, 3, 101, 113}
	oidSHAKE128           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 11}
	oidSHAKE256           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 12}
	// curveNames are the named curves crypto/x509 does not read.
	curveNames = map[string]string{
		"1.3.36.3.3.2.8.1.1.1": "brainpoolP160r1", "1.3.36.3.3.2.8.1.1.3": "brainpoolP192r1",
		"1.3.36.3.3.2.8.1.1.5": "brainpoolP224r1", "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
		"1.3.36.3.3.2.8.1.1.8": "brainpoolP256t1", "1.3.36.3.3.2.8.1.1.9": "brainpoolP320r1",
		"1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1", "1.3.36.3.3.2.8.1.1.12": "brainpoolP384t1",
		"1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1", "1.3.36.3.3.2.8.1.1.14": "brainpoolP512t1",
		"1.3.132.0.10": "secp256k1",
	}
	// cmsHashes are the digests the messageDigest of a signature by an
	// unsupported key is checked with (and SHAKE128 and SHAKE256:
	// unsupportedDigest), and those signatures by RSA, ECDSA and DSA keys
	// are checked with (digestHash, algorithms.go).
	cmsHashes = map[string]crypto.Hash{
		"1.3.14.3.2.26": crypto.SHA1, "2.16.840.1.101.3.4.2.4": crypto.SHA224, "2.16.840.1.101.3.4.2.1": crypto.SHA256,
		"2.16.840.1.101.3.4.2.2": crypto.SHA384, "2.16.840.1.101.3.4.2.3": crypto.SHA512,
		// MD5: checked with RSA only (cms.go); computed for the
		// messageDigest of a signature by another key, so that a change
		// is found.
		"1.2.840.113549.2.5": crypto.MD5, "2.16.840.1.101.3.4.2.5": crypto.SHA512_224, "2.16.840.1.101.3.4.2.6": crypto.SHA512_256,
		"2.16.840.1.101.3.4.2.7": crypto.SHA3_224, "2.16.840.1.101.3.4.2.8": crypto.SHA3_256,
		"2.16.840.1.101.3.4.2.9": crypto.SHA3_384, "2.16.840.1.101.3.4.2.10": crypto.SHA3_512,
	}
)

// spkiDER is a SubjectPublicKeyInfo.
type spkiDER struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// withPSSKey is c, or, when c's key is an RSA key certified as
// id-RSASSA-PSS, a copy of c with that key read (the restrictions its
// parameters may carry are not enforced).
func withPSSKey(c *x509.Certificate) *x509.Certificate {
	if c.PublicKey != nil {
		return c
	}
	var spki spkiDER
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil || !spki.Algorithm.Algorithm.Equal(oidPublicKeyRSASSAPSS) {
		return c
	}
	var k struct{ N, E *big.Int }
	if rest, err := asn1.Unmarshal(spki.PublicKey.RightAlign(), &k); err != nil || len(rest) > 0 ||
		k.N == nil || k.E == nil || k.N.Sign() <= 0 || !k.E.IsInt64() || k.E.Int64() < 3 || k.E.Int64() > 1<<31-1 {
		return c
	}
	cp := *c
	cp.PublicKey = &rsa.PublicKey{N: k.N, E: int(k.E.Int64())}
	cp.PublicKeyAlgorithm = x509.RSA
	return &cp
}

// keyName names the algorithm of a SubjectPublicKeyInfo this verifier
// does not check signatures of ("" for one it does).
func keyName(spkiRaw []byte) string {
	var spki spkiDER
	if _, err := asn1.Unmarshal(spkiRaw, &spki); err != nil {
		return "an unreadable public key"
	}
	alg := spki.Algorithm.Algorithm
	switch {
	case alg.Equal(oidEd448):
		return "Ed448"
	case alg.Equal(oidPublicKeyEC):
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(spki.Algorithm.Parameters.FullBytes, &curve); err != nil {
			return "ECDSA on explicit curve parameters"
		}
		if n, ok := curveNames[curve.String()]; ok {
			return "ECDSA on " + n
		}
		return "ECDSA on the curve " + curve.String()
	}
	return "the public key algorithm " + alg.String()
}

// unsupportedKey names the algorithm of c's key when this verifier does
// not check its signatures, or "".
func unsupportedKey(c *x509.Certificate) string {
	if c.PublicKey != nil {
		return ""
	}
	return keyName(c.RawSubjectPublicKeyInfo)
}

// checkUnsupported judges a signature by a key of the algorithm alg,
// which this verifier cannot check: the messageDigest signed attribute
// against the signed bytes (a mismatch is invalid: the content was
// changed), the rest a warning (INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE).
func (s *Signature) checkUnsupported(p7 *pkcs7.PKCS7, signed *signedBytes, alg, role string) {
	what := "the signature value cannot be checked by this verifier"
	si := p7.Signers[0]
	var md []byte
	switch {
	case len(si.AuthenticatedAttributes) == 0:
		what = "the signature cannot be checked by this verifier (it has no signed attributes, so not even the digest of the signed content)"
	case signedAttribute(p7, pkcs7.OIDAttributeMessageDigest, &md) != nil:
		s.fail("the signature has signed attributes but no messageDigest")
		return
	default:
		d, ok := unsupportedDigest(si.DigestAlgorithm.Algorithm, signed)
		switch {
		case !ok:
			what = "the signature cannot be checked by this verifier (nor its digest algorithm " + si.DigestAlgorithm.Algorithm.String() + ")"
		case subtle.ConstantTimeCompare(d, md) != 1:
			s.fail("the message digest does not match the signed byte ranges (the signed revision was modified)")
			return
		default:
			what = "the digest of the signed content matches, but " + what
		}
	}
	s.Warnings = append(s.Warnings, fmt.Sprintf("unsupported algorithm: %s (%s): %s, so it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE)", alg, role, what))
}

// unsupportedDigest is the digest of the signed bytes in the digest
// algorithm alg, if this verifier computes it.
func unsupportedDigest(alg asn1.ObjectIdentifier, signed *signedBytes) ([]byte, bool) {
	switch {
	case alg.Equal(oidSHAKE256): // 512 bits in CMS (RFC 8419, RFC 8702)
		return sha3.SumSHAKE256(signed.bytes(), 64), true
	case alg.Equal(oidSHAKE128): // 256 bits in CMS (RFC 8702)
		return sha3.SumSHAKE128(signed.bytes(), 32), true
	}
	h, ok := cmsHashes[alg.String()]
	if !ok || !h.Available() {
		return nil, false
	}
	return signed.digest(h), true
}

// rawSignedData reads a CMS SignedData (DER) without parsing its
// certificates: the signers (into p7, with no certificates) and each
// certificate's bytes. For a signature whose certificate crypto/x509
// refuses (a brainpool key), which pkcs7 cannot parse at all.
func rawSignedData(der []byte) (*pkcs7.PKCS7, [][]byte, bool) {
	var info contentInfoDER
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 || !info.ContentType.Equal(pkcs7.OIDSignedData) {
		return nil, nil, false
	}
	var sd signedDataDER
	if _, err := asn1.Unmarshal(info.Content.Bytes, &sd); err != nil {
		return nil, nil, false
	}
	content, ok := signedContent(sd.ContentInfo.Content.Bytes)
	if !ok {
		return nil, nil, false
	}
	p7 := &pkcs7.PKCS7{Content: content}
	if rest, err := asn1.UnmarshalWithParams(sd.SignerInfos.FullBytes, &p7.Signers, "set"); err != nil || len(rest) > 0 || len(p7.Signers) != 1 {
		return nil, nil, false
	}
	var certs [][]byte
	if len(sd.Certificates.Raw) > 0 {
		var val asn1.RawValue
		if _, err := asn1.Unmarshal(sd.Certificates.Raw, &val); err != nil {
			return nil, nil, false
		}
		for s := cryptobyte.String(val.Bytes); !s.Empty(); {
			var c cryptobyte.String
			if !s.ReadASN1Element(&c, cbasn1.SEQUENCE) {
				return nil, nil, false
			}
			certs = append(certs, c)
		}
	}
	return p7, certs, true
}

// rawCertDER is as much of a certificate as the report needs, read
// without crypto/x509.
type rawCertDER struct {
	TBS struct {
		Version  int `asn1:"optional,explicit,default:0,tag:0"`
		Serial   *big.Int
		SigAlg   pkix.AlgorithmIdentifier
		Issuer   asn1.RawValue
		Validity struct{ NotBefore, NotAfter time.Time }
		Subject  asn1.RawValue
		SPKI     asn1.RawValue
	}
	SigAlg pkix.AlgorithmIdentifier
	Sig    asn1.BitString
}

// unreadableSigner handles a CMS that does not parse because its signer's
// certificate is one crypto/x509 refuses (its key's algorithm): it
// reports the signer and judges the signature as checkUnsupported does,
// and returns true; false when der is not such a CMS.
func (s *Signature) unreadableSigner(der []byte, signed *signedBytes) bool {
	p7, c, ok := unreadableSignerCert(der)
	if !ok {
		return false
	}
	alg := keyName(c.TBS.SPKI.FullBytes)
	s.Signer = &Certificate{Subject: rdnString(c.TBS.Subject.FullBytes), Issuer: rdnString(c.TBS.Issuer.FullBytes), Serial: serialHex(c.TBS.Serial),
		NotBefore: rfc3339(c.TBS.Validity.NotBefore), NotAfter: rfc3339(c.TBS.Validity.NotAfter), KeyUsage: []string{}, ExtKeyUsage: []string{}}
	s.ChainError = "not checked: crypto/x509 cannot read the signer's certificate (" + alg + ")"
	if signed != nil {
		s.checkUnsupported(p7, signed, alg, roleKey)
	}
	return true
}

// unreadableSignerCert reads der as a SignedData whose signer's
// certificate crypto/x509 refuses (its key's algorithm), and returns it
// as read; ok is false when der is not such a CMS (not one, or its
// signer's certificate is readable or absent).
func unreadableSignerCert(der []byte) (p7 *pkcs7.PKCS7, c rawCertDER, ok bool) {
	p7, certs, ok := rawSignedData(der)
	if !ok {
		return nil, rawCertDER{}, false
	}
	ias := p7.Signers[0].IssuerAndSerialNumber
	for _, raw := range certs {
		if _, err := asn1.Unmarshal(raw, &c); err != nil || c.TBS.Serial == nil || c.TBS.Serial.Cmp(ias.SerialNumber) != 0 ||
			string(c.TBS.Issuer.FullBytes) != string(ias.IssuerName.FullBytes) {
			continue
		}
		if _, err := x509.ParseCertificate(raw); err == nil {
			return nil, rawCertDER{}, false // readable: the CMS failed for another reason
		}
		return p7, c, true
	}
	return nil, rawCertDER{}, false
}

// rdnString is a DER Name as reports show one (dn.String; "" if
// unreadable).
func rdnString(der []byte) string { return dn.String(der) }

// dsaIntact checks a CMS signature by a DSA key (crypto/x509 and pkcs7
// check none) with a DSA signature algorithm (sigAlgs: RFC 3279, RFC
// 5758, NIST's arc for SHA-384/512 and SHA-3, and id-dsa, which some
// producers write): the messageDigest signed attribute, when there are
// signed attributes, and the DSA signature over them or, without, over
// the signed bytes, in the CMS's digest algorithm.
func dsaIntact(p7 *pkcs7.PKCS7, pub *dsa.PublicKey, digest func(crypto.Hash) []byte) error {
	si := p7.Signers[0]
	h, ok := cmsHashes[si.DigestAlgorithm.Algorithm.String()]
	if !ok || !sigAlgFor(si.DigestEncryptionAlgorithm.Algorithm, "DSA") {
		return fmt.Errorf("DSA with the digest %v and the algorithm %v is not supported", si.DigestAlgorithm.Algorithm, si.DigestEncryptionAlgorithm.Algorithm)
	}
	d, err := signedDigest(p7, h, digest)
	if err != nil {
		return err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(si.EncryptedDigest, &rs); err != nil || len(rest) > 0 || rs.R == nil || rs.S == nil {
		return errors.New("the DSA signature value is not a DER (r, s) pair")
	}
	if n := (pub.Q.BitLen() + 7) / 8; len(d) > n { // FIPS 186-4 4.6: the leftmost bits of the hash
		d = d[:n]
	}
	if !dsa.Verify(pub, d, rs.R, rs.S) {
		return errors.New("the DSA signature does not verify")
	}
	return nil
}

// unsupportedTokenError: a time-stamp token signed with a key this
// verifier does not check (a brainpool or Ed448 TSA): not a broken
// token, one that cannot be relied on here.
type unsupportedTokenError struct {
	alg     string      // the algorithm (keyName for a key)
	role    string      // what it is used for (roleTSKey, roleTSImprint, roleTSSigAlg)
	at      time.Time   // the time the token states (zero if unreadable)
	imprint crypto.Hash // the hash of its message imprint (0 if unknown)
	digest  []byte      // its message imprint
}

func (e *unsupportedTokenError) Error() string {
	return "the " + e.role + " (" + e.alg + ") is not supported by this verifier, so the token cannot be checked"
}

// unsupportedTokenOf is the error for a token with the algorithm alg
// used as role, whose TSTInfo is content (what of it can be read).
func unsupportedTokenOf(alg, role string, content []byte) *unsupportedTokenError {
	e := &unsupportedTokenError{alg: alg, role: role}
	var inf tstInfoDER
	if _, err := asn1.Unmarshal(content, &inf); err == nil {
		e.at, e.digest = inf.Time, inf.MessageImprint.HashedMessage
		e.imprint = tstHashes[inf.MessageImprint.HashAlgorithm.Algorithm.String()]
	}
	return e
}

// unsupportedToken is the error for a token that pkcs7 cannot parse
// because crypto/x509 refuses its signer's certificate, or nil.
func unsupportedToken(der []byte) error {
	p7, c, ok := unreadableSignerCert(der)
	if !ok {
		return nil
	}
	return unsupportedTokenOf(keyName(c.TBS.SPKI.FullBytes), roleTSKey, p7.Content)
}

// verifyTokenSignature checks a token's CMS signature (p7 carries the
// TSA's certificate): by CMSIntact, which also checks DSA and RSA-PSS
// keys, else by pkcs7; a key this verifier does not check is an
// unsupportedTokenError.
func verifyTokenSignature(p7 *pkcs7.PKCS7) error {
	if len(p7.Signers) == 1 {
		si := p7.Signers[0]
		for i, c := range p7.Certificates {
			if c.SerialNumber.Cmp(si.IssuerAndSerialNumber.SerialNumber) != 0 || string(c.RawIssuer) != string(si.IssuerAndSerialNumber.IssuerName.FullBytes) {
				continue
			}
			c = withPSSKey(c)
			p7.Certificates[i] = c // p7 is ParseCMS's copy: its slice is its own
			if alg := unsupportedKey(c); alg != "" {
				return unsupportedTokenOf(alg, roleTSKey, p7.Content)
			}
			if alg := unsupportedAlgorithm(p7, c.PublicKey); alg != "" {
				return unsupportedTokenOf(alg, roleTSSigAlg, p7.Content)
			}
		}
	}
	err := CMSIntact(p7, func(h crypto.Hash) []byte {
		d := h.New()
		d.Write(p7.Content)
		return d.Sum(nil)
	})
	if errors.Is(err, ErrUnsupportedCMS) {
		return p7.Verify()
	}
	return err
}
