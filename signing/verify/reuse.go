package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/internal/memo"
)

// Work a verification need not do twice in one process. An issued
// document is checked right after it is made: its time-stamp tokens were
// parsed and their signatures checked when they were asked for, its
// OCSP responses were checked when they were put in the DSS (and the
// development PKI serves the same response for a minute), and every
// document of the office chains its signers and time-stamps to the same
// anchors. Two kinds of reuse, both bounded in size:
//
//   - pure checks, remembered by the bytes they read: a time-stamp
//     token's parse and CMS signature check (by the token's bytes) and
//     what a piece of revocation evidence says about a certificate (by
//     the evidence's, the certificate's and the issuer's bytes). The same
//     bytes give the same answer at any time and under any anchors, so
//     these need no invalidation: a revocation is new evidence (other
//     bytes), judged afresh.
//   - chain building, which also depends on the time and the anchors: a
//     chain built for a certificate is reused for ChainReuse, only under
//     anchors equal to those it was built with and only at a validation
//     time at which every certificate of the chain is valid; revocation
//     is not part of it (checked for every signature, checkRevocation).

// ChainReuse is how long a chain built to the trust anchors is reused for
// the same certificate and intermediates (see above).
const ChainReuse = time.Minute

// key is the SHA-256 of a tag and the parts, each with its length.
func key(tag string, parts ...[]byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(tag))
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// parsedToken is a time-stamp token that parsed and whose signature
// verified, with the certificate that signed it (nil when the token
// carries none).
type parsedToken struct {
	ts   *timestamp.Timestamp
	tsa  *x509.Certificate
	weak retired // its algorithms' sunset (cryptopolicy.go)
}

var tokens memo.Map[parsedToken]

// parseTimestamp parses and checks an RFC 3161 token (its CMS signature)
// and returns the certificate that signed it — found by the signer's
// issuer and serial, not by its place in the certificate list. A token
// that passed is remembered by its bytes; the result is shared and must
// not be changed. weak is the sunset of the token's algorithms (its
// imprint, its CMS, its signer's key).
func parseTimestamp(der []byte) (*timestamp.Timestamp, *x509.Certificate, retired, error) {
	k := key("tst", der)
	if t, ok := tokens.Get(k); ok {
		return t.ts, t.tsa, t.weak, nil
	}
	ts, err := parseTimestampToken(der)
	if err != nil {
		return nil, nil, retired{}, err
	}
	// Read once more for its signer's algorithms: ParseCMS remembers
	// what parseTimestampToken just read.
	p7, err := ParseCMS(der)
	if err != nil {
		return nil, nil, retired{}, err
	}
	var tsa *x509.Certificate
	if len(ts.Certificates) > 0 {
		if tsa = onlySigner(der, ts.Certificates); tsa == nil {
			// Not the DER this reads in place (or no such certificate):
			// pkcs7's answer.
			tsa = p7.GetOnlySigner()
		}
	}
	t := parsedToken{ts: ts, tsa: tsa, weak: tokenRetired(ts.HashAlgorithm, p7, tsa)}
	tokens.Put(k, t)
	return ts, tsa, t.weak, nil
}

// ParseTimestampResponse is timestamp.ParseResponse (an RFC 3161
// TimeStampResp: the status, then the token parsed and, when it carries
// the TSA's certificate, its signature checked), with the token
// remembered: verifying a document that carries it does not parse and
// check it again. The result is shared and must not be changed.
func ParseTimestampResponse(resp []byte) (*timestamp.Timestamp, error) {
	var r struct {
		Status struct {
			Status       int
			StatusString []string       `asn1:"optional,utf8"`
			FailInfo     asn1.BitString `asn1:"optional"`
		}
		TimeStampToken asn1.RawValue `asn1:"optional"`
	}
	rest, err := asn1.Unmarshal(resp, &r)
	if err != nil || len(rest) > 0 || r.Status.Status > 0 || len(r.TimeStampToken.Bytes) == 0 {
		return timestamp.ParseResponse(resp) // its error (or, should it accept what this does not, its answer)
	}
	ts, _, _, err := parseTimestamp(r.TimeStampToken.FullBytes)
	return ts, err
}

// judgedOr is judge's answer, error included.
type judgedOr struct {
	j   judged
	err error
}

var judgements memo.Map[judgedOr]

// judge is judgeEvidence remembered by the evidence's, the certificate's
// and the issuer's bytes.
func judge(ev Evidence, cert, issuer *x509.Certificate) (judged, error) {
	if issuer == nil || cert == nil || (ev.OCSP == nil && ev.CRL == nil) {
		return judgeEvidence(ev, cert, issuer)
	}
	return judgeSummed(ev, evidenceSum(ev), cert, issuer, sha256.Sum256(cert.Raw), sha256.Sum256(issuer.Raw))
}

// evidenceSum is the SHA-256 of ev's bytes (its OCSP response, else its
// CRL).
func evidenceSum(ev Evidence) [32]byte {
	if ev.OCSP != nil {
		return sha256.Sum256(ev.OCSP)
	}
	return sha256.Sum256(ev.CRL)
}

// judgeSummed is judge with the SHA-256 of the evidence's, the
// certificate's and the issuer's bytes already computed: the key is made
// of these sums, as unique as one made of the bytes, and the document's
// evidence, tried against every certificate of every signature, is
// hashed once per verification instead of once per try. cert and issuer
// must not be nil.
func judgeSummed(ev Evidence, evSum [32]byte, cert, issuer *x509.Certificate, certSum, issuerSum [32]byte) (judged, error) {
	if ev.OCSP == nil && ev.CRL == nil {
		return judgeEvidence(ev, cert, issuer)
	}
	tag := "crl#"
	if ev.OCSP != nil {
		tag = "ocsp#"
	}
	k := key(tag, evSum[:], certSum[:], issuerSum[:])
	if r, ok := judgements.Get(k); ok {
		return r.j, r.err
	}
	j, err := judgeEvidence(ev, cert, issuer)
	judgements.Put(k, judgedOr{j, err})
	return j, err
}

var signedBy memo.Map[error]

// CheckSignatureFrom is cert.CheckSignatureFrom(parent), remembered by
// the two certificates' bytes.
func CheckSignatureFrom(cert, parent *x509.Certificate) error {
	k := key("issued", cert.Raw, parent.Raw)
	if err, ok := signedBy.Get(k); ok {
		return err
	}
	err := cert.CheckSignatureFrom(parent)
	signedBy.Put(k, err)
	return err
}

// builtChain is a chain to the anchors reused for ChainReuse.
type builtChain struct {
	roots     *x509.CertPool // a copy of the anchors it was built with
	chain     []*x509.Certificate
	notBefore time.Time // every certificate of chain is valid in between
	notAfter  time.Time
	until     time.Time // reused before this (wall clock)
}

var chains memo.Map[builtChain]

// verifyChain is ee.Verify with roots, intermediates inter (DER, the
// signer's certificate left out), at time at, for usage eku: the first
// chain, or the error. A chain built less than ChainReuse ago for the
// same certificate, intermediates and usage is reused when roots equal
// the anchors it was built with and every certificate of it is valid at
// at; only successes are remembered.
func verifyChain(ee *x509.Certificate, inter []*x509.Certificate, roots *x509.CertPool, at time.Time, eku x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	parts := [][]byte{ee.Raw, {byte(eku)}}
	pool := x509.NewCertPool()
	for _, c := range inter {
		parts = append(parts, c.Raw)
		pool.AddCert(c)
	}
	k := key("chain", parts...)
	now := time.Now()
	if b, ok := chains.Get(k); ok && now.Before(b.until) && b.roots.Equal(roots) && !at.Before(b.notBefore) && !at.After(b.notAfter) {
		return b.chain, nil
	}
	found, err := ee.Verify(x509.VerifyOptions{Roots: roots, Intermediates: pool, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{eku}})
	if err != nil {
		return nil, err
	}
	chain := found[0]
	b := builtChain{roots: roots.Clone(), chain: chain, notBefore: chain[0].NotBefore, notAfter: chain[0].NotAfter, until: now.Add(ChainReuse)}
	for _, c := range chain[1:] {
		if c.NotBefore.After(b.notBefore) {
			b.notBefore = c.NotBefore
		}
		if c.NotAfter.Before(b.notAfter) {
			b.notAfter = c.NotAfter
		}
	}
	chains.Put(k, b)
	return chain, nil
}

var signatures memo.Map[error]

// CheckSignature is cert.CheckSignature(alg, signed, sig), remembered by
// the certificate's, the signed data's and the signature's bytes.
func CheckSignature(cert *x509.Certificate, alg x509.SignatureAlgorithm, signed, sig []byte) error {
	k := key("sig", cert.Raw, []byte{byte(alg)}, signed, sig)
	if err, ok := signatures.Get(k); ok {
		return err
	}
	err := cert.CheckSignature(alg, signed, sig)
	signatures.Put(k, err)
	return err
}

// onlySigner is pkcs7's GetOnlySigner for a DER SignedData read in place
// (no second parse of a token timestamp.Parse has just parsed): the
// certificate among certs that the only SignerInfo names by issuer and
// serial; nil when der is not that or names none of certs.
func onlySigner(der []byte, certs []*x509.Certificate) *x509.Certificate {
	in := cryptobyte.String(der)
	var ci, content, sd, signers, si, sid, issuer cryptobyte.String
	var oid asn1.ObjectIdentifier
	var version int64
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&oid) ||
		!ci.ReadASN1(&content, cbasn1.Tag(0).ContextSpecific().Constructed()) || !content.ReadASN1(&sd, cbasn1.SEQUENCE) ||
		!sd.ReadASN1Integer(&version) || !sd.SkipASN1(cbasn1.SET) || !sd.SkipASN1(cbasn1.SEQUENCE) ||
		!sd.SkipOptionalASN1(cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!sd.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific().Constructed()) ||
		!sd.ReadASN1(&signers, cbasn1.SET) || !signers.ReadASN1(&si, cbasn1.SEQUENCE) || !signers.Empty() ||
		!si.ReadASN1Integer(&version) || !si.ReadASN1(&sid, cbasn1.SEQUENCE) {
		return nil
	}
	serial := new(big.Int)
	if !sid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !sid.ReadASN1Integer(serial) || !sid.Empty() {
		return nil
	}
	for _, c := range certs {
		if c.SerialNumber.Cmp(serial) == 0 && bytes.Equal(c.RawIssuer, issuer) {
			return c
		}
	}
	return nil
}

// ForgetReuse drops every result this package remembers (the reuse
// above, parsed CMS and certificates, their descriptions): a process starting afresh. For
// benchmarks and tests that play a second process — the receiving
// agency's worker, which has checked none of the pieces a sender's
// verification finds already checked.
func ForgetReuse() {
	tokens.Forget()
	judgements.Forget()
	signedBy.Forget()
	chains.Forget()
	signatures.Forget()
	parsedCMS.Forget()
	certificates.Forget()
	described.Forget()
}
