package verify

import (
	"crypto"
	"crypto/dsa" //nolint:staticcheck // DSA keys of other producers are judged
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	"github.com/digitorus/pkcs7"
)

// Cryptographic constraints (ETSI EN 319 102-1, 5.2.8 "signature
// acceptance validation", with the algorithms of ETSI TS 119 312). An
// algorithm or key size past its sunset date cannot support a valid
// verdict unless a trusted time-stamp, whose own algorithms are still
// accepted, proves the signature existed before that date (proof of
// existence, POE): otherwise the signature is INDETERMINATE with the
// sub-indication CRYPTO_CONSTRAINTS_FAILURE_NO_POE (no proof at all) or
// CRYPTO_CONSTRAINTS_FAILURE (proof only from after the sunset, or an
// algorithm never accepted). A time-stamp's own algorithms are judged
// the same way: one past its sunset is a proof only when a later one
// proves that it existed before its sunset (the archive time-stamps of
// PAdES B-LTA).
//
// What is judged, for a signature: the CMS digest algorithm, the
// signature algorithm (and the hash it names: sha1WithRSAEncryption,
// ecdsa-with-SHA1, RSASSA-PSS parameters), the signer's key size, and
// the SHA-1 document digest of adbe.pkcs7.sha1 or the DigestInfo hash of
// adbe.x509.rsa_sha1; for a time-stamp token: its message imprint hash,
// its CMS digest and signature algorithms and the authority's key size.
// The certificates of the chain are not judged here (their signatures
// are checked by crypto/x509, which refuses MD5 and SHA-1 in chains).
//
// The dates are those of EU DSS's default validation policy
// (dss-policy-jaxb constraint.xml, AlgoExpirationDate, which cites each
// date's ETSI source), except RSA from 2048 bits: see rsaRetired.

// retired is an algorithm, or a key size, that signatures may not rely
// on after a date; the zero value is "nothing retired".
type retired struct {
	alg    string    // "SHA-1", "MD5", "RSA", "P-224"
	bits   int       // the key size, for RSA ("RSA-1024")
	role   string    // what it was used for (the role* constants)
	at     time.Time // the sunset; zero with alg set: never accepted
	source string    // where the date comes from
}

// What a retired algorithm was used for, as the reasons name it.
const (
	roleDigest    = "message digest"
	roleSigAlg    = "signature algorithm"
	roleKey       = "signer's key"
	roleDocDigest = "document digest"
	roleTSImprint = "time-stamp imprint"
	roleTSDigest  = "time-stamp digest"
	roleTSSigAlg  = "time-stamp signature algorithm"
	roleTSKey     = "time-stamping authority's key"
)

// name is the algorithm as the reasons name it.
func (r retired) name() string {
	if r.bits > 0 {
		return fmt.Sprintf("%s-%d", r.alg, r.bits)
	}
	return r.alg
}

// or is *r, or nothing retired when r is nil.
func (r *retired) or() retired {
	if r == nil {
		return retired{}
	}
	return *r
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Sources of the dates.
const (
	srcTS102176v200 = "ETSI TS 102 176-1 V2.0.0"
	srcTS102176v211 = "ETSI TS 102 176-1 V2.1.1"
	srcTS119312v111 = "ETSI TS 119 312 V1.1.1"
	srcTS119312v142 = "ETSI TS 119 312 V1.4.2, SOG-IS ACM V1.2"
	srcNIST         = "NIST SP 800-57 Part 1 Rev. 5, SP 800-131A Rev. 2: 112-bit security through 2030"
	srcBelow1024    = "EU DSS MiniPublicKeySize RSA 1024"
	srcDSABelow1024 = "EU DSS MiniPublicKeySize DSA 1024"
	srcTS119312DSA  = "ETSI TS 119 312 V1.4.2"
	srcAsSHA224     = "ETSI TS 119 312 V1.4.2, SOG-IS ACM V1.2, SHA-224's date"
)

// retiredHashes are the digests past their sunset, by OID. SHA-2 from
// 256 bits (SHA-512/256 too) and SHA3-256/384/512 have none here: TS
// 119 312 keeps them recommended (DSS dates SHA-256..512 and
// SHA3-256..512 2029 only as an advisory date past its policy's
// update). SHA-512/224 and SHA3-224 are 224-bit hashes of SHA-224's
// strength (112 bits against collisions), which TS 119 312 V1.4.2 and
// SOG-IS ACM V1.2 keep only until the end of 2025; nothing dates them
// for later (DSS's policy leaves SHA3-224 out as "not referenced in
// ETSI/SOGIS" and has no SHA-512/t), so they retire with SHA-224.
var retiredHashes = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
	r    retired
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, crypto.MD5, retired{alg: "MD5", at: day(2005, 1, 1), source: srcTS102176v211}},
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1, retired{alg: "SHA-1", at: day(2009, 1, 1), source: srcTS102176v200}},
	{asn1.ObjectIdentifier{1, 3, 36, 3, 2, 1}, crypto.RIPEMD160, retired{alg: "RIPEMD-160", at: day(2011, 1, 1), source: srcTS102176v200}},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}, crypto.SHA224, retired{alg: "SHA-224", at: day(2026, 1, 1), source: srcTS119312v142}},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 5}, crypto.SHA512_224, retired{alg: "SHA-512/224", at: day(2026, 1, 1), source: srcAsSHA224}},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 7}, crypto.SHA3_224, retired{alg: "SHA3-224", at: day(2026, 1, 1), source: srcAsSHA224}},
}

// hashRetired is h's sunset, for role.
func hashRetired(h crypto.Hash, role string) retired {
	for _, e := range retiredHashes {
		if e.hash == h {
			r := e.r
			r.role = role
			return r
		}
	}
	return retired{}
}

// digestRetired is the sunset of the digest algorithm oid, for role.
func digestRetired(oid asn1.ObjectIdentifier, role string) retired {
	for _, e := range retiredHashes {
		if e.oid.Equal(oid) {
			r := e.r
			r.role = role
			return r
		}
	}
	return retired{}
}

// sigAlgRetired is the sunset of the hash a signature algorithm names:
// in its OID (sigAlgs, algorithms.go), or in its RSASSA-PSS parameters
// (SHA-1 when absent).
func sigAlgRetired(ai pkix.AlgorithmIdentifier, role string) retired {
	if ai.Algorithm.Equal(oidRSASSAPSS) {
		var p pssParams
		if _, err := asn1.Unmarshal(ai.Parameters.FullBytes, &p); err != nil {
			return retired{}
		}
		if len(p.Hash.Algorithm) == 0 {
			return hashRetired(crypto.SHA1, role)
		}
		return digestRetired(p.Hash.Algorithm, role)
	}
	if h := sigAlgOf(ai.Algorithm).hash; h != 0 {
		return hashRetired(h, role)
	}
	return retired{}
}

// keyRetired is the sunset of a signing key's size. RSA: below 1024
// bits never; 1024 until 2009, 1536 until 2016, 1900 until 2026 (DSS,
// from TS 102 176-1 and TS 119 312); 2048 to 2999 until 2031. SOG-IS ACM
// V1.2 and TS 119 312 V1.4.2 call 1900–2999 bits legacy after 2025 (DSS
// dates them 2026, 3000 bits 2029), which would make every RSA-2048
// signature made since (the keys of Vietnam's public CAs, of our PKCS#11
// tokens and of most signers elsewhere) indeterminate: we follow NIST
// (112-bit security, RSA-2048, accepted through 2030) instead, a
// decision to revisit when TS 119 312 is next updated. ECDSA: curves
// below 224 bits until 2013, P-224 until 2016; P-256 and larger, and
// Ed25519, none.
func keyRetired(pub crypto.PublicKey, role string) retired {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		r := retired{alg: "RSA", bits: k.N.BitLen(), role: role}
		switch {
		case r.bits < 1024:
			r.source = srcBelow1024
		case r.bits < 1536:
			r.at, r.source = day(2009, 1, 1), srcTS102176v200
		case r.bits < 1900:
			r.at, r.source = day(2016, 1, 1), srcTS119312v111
		case r.bits < 2048:
			r.at, r.source = day(2026, 1, 1), srcTS119312v142
		case r.bits < 3000:
			r.at, r.source = day(2031, 1, 1), srcNIST
		default:
			return retired{}
		}
		return r
	case *dsa.PublicKey:
		return dsaRetired(k, role)
	case *ecdsa.PublicKey:
		bits := k.Curve.Params().BitSize
		switch {
		case bits < 224:
			return retired{alg: k.Curve.Params().Name, role: role, at: day(2013, 1, 1), source: srcTS102176v211}
		case bits < 256:
			return retired{alg: k.Curve.Params().Name, role: role, at: day(2016, 1, 1), source: srcTS119312v111}
		}
	}
	return retired{}
}

// dsaRetired is the sunset of a DSA key by the size of its modulus p
// (EU DSS's constraint.xml and the ETSI documents it cites): below 1024
// bits never; 1024 until 2013 (TS 102 176-1 V2.1.1); 2048 until 2026 (TS
// 119 312 V1.4.2); 3072 and more none here — DSS dates them 2029, as it
// does RSA-3000 and P-256, which this table does not retire either
// (TS 119 312 keeps them). FIPS 186-5 no longer approves DSA for making
// signatures at all; verifying old ones is what is left.
func dsaRetired(k *dsa.PublicKey, role string) retired {
	if k.P == nil {
		return retired{alg: "DSA", role: role, source: srcDSABelow1024}
	}
	r := retired{alg: "DSA", bits: k.P.BitLen(), role: role}
	switch {
	case r.bits < 1024:
		r.source = srcDSABelow1024
	case r.bits < 2048:
		r.at, r.source = day(2013, 1, 1), srcTS102176v211
	case r.bits < 3072:
		r.at, r.source = day(2026, 1, 1), srcTS119312DSA
	default:
		return retired{}
	}
	return r
}

// earliest is whichever of a and b retires first ("never accepted"
// first of all; a on a tie); nothing retired counts as last.
func earliest(a, b retired) retired {
	switch {
	case a.alg == "":
		return b
	case b.alg == "":
		return a
	case b.at.Before(a.at):
		return b
	}
	return a
}

// cmsRetired is the earliest sunset among the algorithms of a CMS
// signature by ee (subFilter adbe.pkcs7.sha1 adds its SHA-1 digest of
// the document).
func cmsRetired(p7 *pkcs7.PKCS7, ee *x509.Certificate, subFilter string) retired {
	si := p7.Signers[0]
	var r retired
	if subFilter == "adbe.pkcs7.sha1" {
		r = hashRetired(crypto.SHA1, roleDocDigest)
	}
	r = earliest(r, digestRetired(si.DigestAlgorithm.Algorithm, roleDigest))
	r = earliest(r, sigAlgRetired(si.DigestEncryptionAlgorithm, roleSigAlg))
	return earliest(r, keyRetired(ee.PublicKey, roleKey))
}

// tokenRetired is the earliest sunset among the algorithms of a
// time-stamp token: its imprint's hash, its CMS's (p7 may be nil) and
// its authority's key (tsa may be nil).
func tokenRetired(imprint crypto.Hash, p7 *pkcs7.PKCS7, tsa *x509.Certificate) retired {
	r := hashRetired(imprint, roleTSImprint)
	if p7 != nil && len(p7.Signers) == 1 {
		si := p7.Signers[0]
		r = earliest(r, digestRetired(si.DigestAlgorithm.Algorithm, roleTSDigest))
		r = earliest(r, sigAlgRetired(si.DigestEncryptionAlgorithm, roleTSSigAlg))
	}
	if tsa != nil {
		r = earliest(r, keyRetired(tsa.PublicKey, roleTSKey))
	}
	return r
}

// poe is a trusted time-stamp: it proves that the bytes of the file up
// to end existed at t, if its own algorithms (weak) can be relied on.
type poe struct {
	t    time.Time
	end  int64
	weak retired
}

// sound reports whether a time-stamp whose algorithms retire as w, over
// the bytes up to end, can be relied on now: w is not retired by now,
// or a later trusted document time-stamp that can itself be relied on
// proves it existed before w's sunset.
func sound(w retired, end int64, now time.Time, stamps []docStamp) bool {
	if w.alg == "" || (!w.at.IsZero() && now.Before(w.at)) {
		return true
	}
	for _, d := range stamps {
		if d.end > end && d.t.Before(w.at) && sound(d.weak, d.end, now, stamps) {
			return true
		}
	}
	return false
}

// judgeCrypto applies the cryptographic constraints to the signature,
// whose algorithms retire as w: nothing when none is retired by now; a
// note (for its reason) when a sound time-stamp proves it existed before
// the sunset; else a warning, which makes it indeterminate. own is its
// signature time-stamp, when trusted (nil otherwise). A signature with
// no sound byte range is not judged (it is invalid already).
func (s *Signature) judgeCrypto(w retired, own *poe, opts Options) {
	now := opts.Now()
	if w.alg == "" || (!w.at.IsZero() && now.Before(w.at)) || len(s.ByteRange) != 4 {
		return
	}
	end := s.ByteRange[2] + s.ByteRange[3]
	var first *poe // the earliest sound proof
	consider := func(p poe) {
		if (first == nil || p.t.Before(first.t)) && sound(p.weak, p.end, now, opts.docStamps) {
			first = &p
		}
	}
	if own != nil {
		consider(*own)
	}
	for _, d := range opts.docStamps {
		if d.end > end {
			consider(poe{t: d.t, end: d.end, weak: d.weak})
		}
	}
	s.weak = true
	head := fmt.Sprintf("weak algorithm: %s (%s) ", w.name(), w.role)
	switch {
	case w.at.IsZero():
		head += fmt.Sprintf("never accepted (%s), ", w.source)
	case first != nil && first.t.Before(w.at):
		s.weak = false
		s.cryptoNote = fmt.Sprintf("%s retired on %s (%s) is accepted: a trusted time-stamp of %s proves the signature existed before then",
			w.name()+" ("+w.role+")", w.at.Format(time.DateOnly), w.source, first.t.UTC().Format(time.RFC3339))
		return
	default:
		head += fmt.Sprintf("retired on %s (%s), ", w.at.Format(time.DateOnly), w.source)
	}
	sub := "CRYPTO_CONSTRAINTS_FAILURE"
	switch {
	case first != nil:
		head += "the earliest trusted time-stamp with accepted algorithms over the signature is of " + first.t.UTC().Format(time.RFC3339)
	case w.at.IsZero():
		head += "no time-stamp can make up for it"
	default:
		head += "no trusted time-stamp with accepted algorithms proves the signature existed before then"
		sub = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
	}
	s.Warnings = append(s.Warnings, head+": it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/"+sub+")")
}
