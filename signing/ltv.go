package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/extract"
	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// PAdES B-LT and B-LTA, written by us: pdfsign refuses PAdES_B_LT. After
// layer 2, AppendLTV appends
//
//  1. an incremental update with the document security store (/DSS): the
//     certificates of every signature and of their time-stamp tokens, an
//     OCSP response (from the certificate's AIA) or else a CRL (from its
//     distribution point) for each certificate that is not a trust anchor,
//     and a /VRI entry per signature, keyed by the uppercase hex SHA-1 of
//     its /Contents bytes;
//  2. when a TSA is configured, a second update with a document time-stamp
//     (/Type /DocTimeStamp, /SubFilter /ETSI.RFC3161) over the whole file:
//     a signature dictionary with a /ByteRange and /Contents placeholder,
//     its invisible field (added to /AcroForm /Fields and page 1's
//     /Annots), the new cross-reference section; the ranges are hashed
//     from the io.ReaderAt and the appended bytes, and the token is
//     written into the placeholder.
//
// Each cross-reference section has the form of the file's previous one
// (table or stream), with /Prev.

// LTV configures AppendLTV.
type LTV struct {
	// Fetcher fetches OCSP responses and CRLs; nil = none (the DSS then
	// holds the certificates only).
	Fetcher verify.Fetcher
	// TSAURL set = B-LTA: a document time-stamp after the DSS.
	TSAURL string
	// Anchors are extra certificates (trust anchors, intermediates) used
	// to find issuers; they are added to the DSS when they are issuers.
	Anchors []*x509.Certificate
	// RequireRevocation makes a certificate that names a revocation
	// service but whose evidence cannot be fetched an error (EUNAVAILABLE)
	// instead of a gap listed in LTVResult.Missing.
	RequireRevocation bool
	Client            *http.Client // for the TSA; nil = a client with a 30 s timeout
	// TSA, when set, answers the document time-stamp's query in process
	// (the built-in TSA) instead of a POST to TSAURL, which still names
	// the TSA and turns B-LTA on.
	TSA TimeStamper
	// extraAnnots, set by tests, adds annotations to page 1 in the
	// document time-stamp's update (it returns their references).
	extraAnnots func(u *incUpdate) string
	// sigs, when set, are the /Contents values of every signature of the
	// file, in file order, known to whoever just signed it (Service's
	// layer 2): they are not read from the file again.
	sigs [][]byte
	// prefix, when set, is the SHA-256 state after the first bytes of the
	// file, known to whoever just signed it (layer 2 hashed its input):
	// the document time-stamp's digest goes on from it instead of hashing
	// those bytes again.
	prefix *hashedPrefix
}

// hashedPrefix is a SHA-256 state after the first n bytes of a file; h is
// cloned, never written.
type hashedPrefix struct {
	n int64
	h hash.Hash
}

// TimeStamper answers an RFC 3161 query (DER TimeStampReq) with a DER
// TimeStampResp; signing/pki.Authority is one.
type TimeStamper interface {
	TimeStamp(ctx context.Context, query []byte) ([]byte, error)
}

// LTVResult says what AppendLTV wrote.
type LTVResult struct {
	Level   string   // "B-LT" or "B-LTA"
	Certs   int      // certificates in the DSS
	OCSPs   int      // OCSP responses
	CRLs    int      // CRLs
	VRI     []string // VRI keys, one per signature
	Missing []string // certificates naming a revocation service without evidence
}

// AddLTV is AppendLTV on a file in memory; it returns the whole new file.
func AddLTV(ctx context.Context, in []byte, o LTV) ([]byte, LTVResult, error) {
	var tail bytes.Buffer
	res, err := AppendLTV(ctx, bytes.NewReader(in), int64(len(in)), &tail, o)
	if err != nil {
		return nil, res, err
	}
	out := make([]byte, 0, len(in)+tail.Len())
	return append(append(out, in...), tail.Bytes()...), res, nil
}

// AppendLTV reads a signed PDF of size bytes from r and writes to w the
// bytes to append to it (the DSS update and, with a TSA, the document
// time-stamp update). EINVALID for a PDF without signatures, EUNAVAILABLE
// when the TSA (or, with RequireRevocation, a revocation service) fails.
func AppendLTV(ctx context.Context, r io.ReaderAt, size int64, w io.Writer, o LTV) (LTVResult, error) {
	return safely("the long-term validation data", func() (LTVResult, error) { return appendLTV(ctx, r, size, w, o) })
}

func appendLTV(ctx context.Context, r io.ReaderAt, size int64, w io.Writer, o LTV) (LTVResult, error) {
	res := LTVResult{Level: "B-LT"}
	rdr, err := pdf.NewReader(r, size)
	if err != nil {
		return res, unparsable(err)
	}
	var sigs []ltvSig
	if o.sigs != nil {
		for i, c := range o.sigs {
			s, err := ltvSigOf(c, i)
			if err != nil {
				return res, err
			}
			sigs = append(sigs, s)
		}
	} else if sigs, err = collectSignatures(rdr, r); err != nil {
		return res, err
	}
	if len(sigs) == 0 {
		return res, workflow.Errorf(workflow.EINVALID, "the document has no signature to add validation data for")
	}
	dss, err := buildDSS(ctx, sigs, o, &res)
	if err != nil {
		return res, err
	}
	u, err := newIncUpdate(r, size, rdr)
	if err != nil {
		return res, unparsable(err)
	}
	if err := dss.write(u, rdr); err != nil {
		return res, unparsable(err)
	}
	if err := u.finish(); err != nil {
		return res, unparsable(err)
	}
	tail := u.buf.Bytes()
	if o.TSAURL != "" {
		all := appended{r: r, size: size, tail: tail}
		rdr2, err := pdf.NewReader(all, size+int64(len(tail)))
		if err != nil {
			return res, unparsable(err)
		}
		ts, err := docTimestamp(ctx, all, size+int64(len(tail)), rdr2, o)
		if err != nil {
			return res, err
		}
		tail = append(tail, ts...)
		res.Level = "B-LTA"
	}
	if _, err := w.Write(tail); err != nil {
		return res, err
	}
	return res, nil
}

// ltvSig is what the DSS needs of one signature.
type ltvSig struct {
	contents []byte              // the /Contents bytes, padding included (the VRI key is their SHA-1)
	certs    []*x509.Certificate // of the CMS and of its time-stamp token
}

// collectSignatures reads every signature's certificates, and those of
// its signature time-stamp token.
func collectSignatures(rdr *pdf.Reader, r io.ReaderAt) ([]ltvSig, error) {
	var out []ltvSig
	for s, err := range extract.Iter(rdr, r) {
		if err != nil {
			return nil, workflow.Wrap(workflow.EINVALID, err, "a signature cannot be read")
		}
		l, err := ltvSigOf(s.Contents(), len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// ltvSigOf reads the certificates of the i-th signature (0-based), whose
// /Contents value is c.
func ltvSigOf(c []byte, i int) (ltvSig, error) {
	der := c
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err == nil {
		der = raw.FullBytes
	}
	certs, ok := cmsCertificates(der)
	if !ok {
		var err error
		if certs, err = cmsCertificatesBER(der); err != nil {
			return ltvSig{}, workflow.Wrap(workflow.EINVALID, err, "signature %d is not a CMS structure", i+1)
		}
	}
	return ltvSig{contents: c, certs: certs}, nil
}

// cmsCertificatesBER returns the certificates of a CMS SignedData in any
// encoding (BER included, through pkcs7), and those of its signers'
// signature time-stamp tokens.
func cmsCertificatesBER(der []byte) ([]*x509.Certificate, error) {
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, err
	}
	certs := p7.Certificates
	for _, si := range p7.Signers {
		for _, a := range si.UnauthenticatedAttributes {
			if !a.Type.Equal(oidTimeStampToken) {
				continue
			}
			if tok, err := pkcs7.Parse(a.Value.Bytes); err == nil {
				certs = append(certs, tok.Certificates...)
			}
		}
	}
	return certs, nil
}

// cmsCertificates is cmsCertificatesBER for a DER SignedData (what our
// signer and most others write), read in place: no BER-to-DER copy of
// each nested structure and no parse of what the DSS does not need. ok is
// false when der is not DER this reads (then cmsCertificatesBER must).
func cmsCertificates(der []byte) (certs []*x509.Certificate, ok bool) {
	sd, certs, ok := signedDataCerts(der)
	if !ok {
		return nil, false
	}
	sd.SkipOptionalASN1(cbasn1.Tag(1).ContextSpecific().Constructed()) // crls
	var signers cryptobyte.String
	if !sd.ReadASN1(&signers, cbasn1.SET) {
		return nil, false
	}
	for !signers.Empty() {
		var si cryptobyte.String
		if !signers.ReadASN1(&si, cbasn1.SEQUENCE) {
			return nil, false
		}
		tokens, ok := timeStampTokens(si)
		if !ok {
			return nil, false
		}
		for _, tok := range tokens {
			tc, ok := cmsCertificatesNoTokens(tok)
			if !ok {
				return nil, false
			}
			certs = append(certs, tc...)
		}
	}
	return certs, true
}

// signedDataOf reads a ContentInfo holding a SignedData and returns the
// SignedData's content.
func signedDataOf(der []byte) (cryptobyte.String, bool) {
	in := cryptobyte.String(der)
	var ci, content, sd cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oidSignedData) ||
		!ci.ReadASN1(&content, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!content.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, false
	}
	return sd, true
}

// readCertSet reads the optional certificates [0] IMPLICIT SET OF
// CertificateChoices, keeping the X.509 certificates.
func readCertSet(sd *cryptobyte.String) ([]*x509.Certificate, bool) {
	var set cryptobyte.String
	var present bool
	if !sd.ReadOptionalASN1(&set, &present, cbasn1.Tag(0).ContextSpecific().Constructed()) {
		return nil, false
	}
	var certs []*x509.Certificate
	for !set.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !set.ReadAnyASN1Element(&el, &tag) {
			return nil, false
		}
		if tag != cbasn1.SEQUENCE {
			continue // an attribute certificate or other choice
		}
		c, err := verify.ParseCertificate(el)
		if err != nil {
			return nil, false
		}
		certs = append(certs, c)
	}
	return certs, true
}

// timeStampTokens returns the DER of the signature time-stamp tokens in a
// SignerInfo's unsigned attributes.
func timeStampTokens(si cryptobyte.String) ([][]byte, bool) {
	var version int64
	var sid, digestAlg, sigAlg, sig cryptobyte.String
	var sidTag cbasn1.Tag
	if !si.ReadASN1Integer(&version) || !si.ReadAnyASN1Element(&sid, &sidTag) || !si.ReadASN1(&digestAlg, cbasn1.SEQUENCE) {
		return nil, false
	}
	si.SkipOptionalASN1(cbasn1.Tag(0).ContextSpecific().Constructed()) // signed attributes
	if !si.ReadASN1(&sigAlg, cbasn1.SEQUENCE) || !si.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return nil, false
	}
	var attrs cryptobyte.String
	var present bool
	if !si.ReadOptionalASN1(&attrs, &present, cbasn1.Tag(1).ContextSpecific().Constructed()) {
		return nil, false
	}
	var out [][]byte
	for !attrs.Empty() {
		var attr, values cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) || !attr.ReadASN1(&values, cbasn1.SET) {
			return nil, false
		}
		if !oid.Equal(oidTimeStampToken) {
			continue
		}
		for !values.Empty() {
			var tok cryptobyte.String
			var tag cbasn1.Tag
			if !values.ReadAnyASN1Element(&tok, &tag) {
				return nil, false
			}
			out = append(out, tok)
		}
	}
	return out, true
}

// cmsCertificatesNoTokens is the certificates of a SignedData (a
// time-stamp token), without looking into its signers.
func cmsCertificatesNoTokens(der []byte) ([]*x509.Certificate, bool) {
	_, certs, ok := signedDataCerts(der)
	return certs, ok
}

// signedDataCerts reads a DER SignedData up to its certificates and
// returns them with the rest of its fields (crls, signerInfos).
func signedDataCerts(der []byte) (rest cryptobyte.String, certs []*x509.Certificate, ok bool) {
	sd, ok := signedDataOf(der)
	if !ok {
		return nil, nil, false
	}
	var version int64
	var digestAlgs, encap cryptobyte.String
	if !sd.ReadASN1Integer(&version) || !sd.ReadASN1(&digestAlgs, cbasn1.SET) || !sd.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, nil, false
	}
	if certs, ok = readCertSet(&sd); !ok {
		return nil, nil, false
	}
	return sd, certs, true
}

// dssBuild is the content of the DSS: the certificates, the evidence, and
// per signature which of them concern it.
type dssBuild struct {
	certs [][]byte // DER
	ocsps [][]byte
	crls  [][]byte
	vri   []vriEntry
}

type vriEntry struct {
	key                string
	certs, ocsps, crls []int // indices into dssBuild
}

func buildDSS(ctx context.Context, sigs []ltvSig, o LTV, res *LTVResult) (*dssBuild, error) {
	c := &dssCollector{ctx: ctx, o: o, b: &dssBuild{}, certIdx: map[string]int{},
		issuers: map[string]*x509.Certificate{}, done: map[string]*dssEvidence{}}
	c.pool = slices.Clone(o.Anchors)
	for _, s := range sigs {
		c.pool = append(c.pool, s.certs...)
	}
	for _, s := range sigs {
		v := c.vriFor(s)
		c.b.vri = append(c.b.vri, v)
		res.VRI = append(res.VRI, v.key)
	}
	b := c.b
	res.Certs, res.OCSPs, res.CRLs, res.Missing = len(b.certs), len(b.ocsps), len(b.crls), c.missing
	if len(c.missing) > 0 && o.RequireRevocation {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "revocation data could not be obtained for %s", strings.Join(c.missing, "; "))
	}
	return b, nil
}

// dssCollector gathers the DSS of buildDSS: each certificate once, each
// certificate's evidence fetched once, and its issuer found once.
type dssCollector struct {
	ctx     context.Context
	o       LTV
	b       *dssBuild
	certIdx map[string]int               // DER -> index into b.certs
	pool    []*x509.Certificate          // where issuers are looked for
	issuers map[string]*x509.Certificate // DER -> its issuer (nil = none in the pool)
	done    map[string]*dssEvidence      // DER -> its evidence
	missing []string
}

// dssEvidence is what the DSS holds for one certificate.
type dssEvidence struct {
	ocsp, crl int // index + 1, 0 = none
	certs     []int
}

func (c *dssCollector) addCert(cert *x509.Certificate) int {
	if i, ok := c.certIdx[string(cert.Raw)]; ok {
		return i
	}
	c.b.certs = append(c.b.certs, cert.Raw)
	c.certIdx[string(cert.Raw)] = len(c.b.certs) - 1
	return len(c.b.certs) - 1
}

// issuerOf finds cert's issuer in the pool (a signature check each
// candidate, so the answer is remembered).
func (c *dssCollector) issuerOf(cert *x509.Certificate) *x509.Certificate {
	if p, ok := c.issuers[string(cert.Raw)]; ok {
		return p
	}
	var found *x509.Certificate
	for _, p := range c.pool {
		if bytes.Equal(p.RawSubject, cert.RawIssuer) && !bytes.Equal(p.Raw, cert.Raw) && verify.CheckSignatureFrom(cert, p) == nil {
			found = p
			break
		}
	}
	c.issuers[string(cert.Raw)] = found
	return found
}

// revOf fetches (once) the OCSP response or else the CRL of cert, adds it
// to the DSS, and records a certificate it cannot get evidence for.
func (c *dssCollector) revOf(cert, issuer *x509.Certificate) *dssEvidence {
	if e, ok := c.done[string(cert.Raw)]; ok {
		return e
	}
	e := &dssEvidence{}
	c.done[string(cert.Raw)] = e
	if issuer == nil || !verify.NamesRevocation(cert) {
		return e
	}
	if c.o.Fetcher == nil {
		c.missing = append(c.missing, dn.Subject(cert)+": no revocation fetcher configured")
		return e
	}
	ev, err := c.o.Fetcher.Fetch(c.ctx, cert, issuer)
	if err == nil {
		_, err = verify.CheckEvidence(ev, cert, issuer)
	}
	if err != nil {
		c.missing = append(c.missing, dn.Subject(cert)+": "+workflow.ErrorMessage(err))
		return e
	}
	if ev.OCSP != nil {
		c.b.ocsps = append(c.b.ocsps, ev.OCSP)
		e.ocsp = len(c.b.ocsps)
		// Its signature was checked by CheckEvidence: parsed for the
		// responder's certificate only (nil issuer: no second check).
		if resp, err := ocsp.ParseResponse(ev.OCSP, nil); err == nil && resp.Certificate != nil {
			e.certs = append(e.certs, c.addCert(resp.Certificate))
		}
	} else {
		c.b.crls = append(c.b.crls, ev.CRL)
		e.crl = len(c.b.crls)
	}
	return e
}

// vriFor walks the chains of s's certificates up to a self-signed anchor,
// adding each certificate and its evidence, and returns s's /VRI entry.
func (c *dssCollector) vriFor(s ltvSig) vriEntry {
	sum := sha1.Sum(s.contents)
	v := vriEntry{key: strings.ToUpper(hex.EncodeToString(sum[:]))}
	seen := map[string]bool{}
	var walk func(cert *x509.Certificate, depth int)
	walk = func(cert *x509.Certificate, depth int) {
		if seen[string(cert.Raw)] || depth > 8 {
			return
		}
		seen[string(cert.Raw)] = true
		v.certs = append(v.certs, c.addCert(cert))
		if bytes.Equal(cert.RawIssuer, cert.RawSubject) {
			return // a self-signed trust anchor: nothing to check
		}
		issuer := c.issuerOf(cert)
		e := c.revOf(cert, issuer)
		if e.ocsp > 0 {
			v.ocsps = append(v.ocsps, e.ocsp-1)
		}
		if e.crl > 0 {
			v.crls = append(v.crls, e.crl-1)
		}
		v.certs = append(v.certs, e.certs...)
		if issuer != nil {
			walk(issuer, depth+1)
		}
	}
	for _, cert := range s.certs {
		walk(cert, 0)
	}
	return v
}

// write adds the DSS objects and the catalog pointing to them to u.
func (b *dssBuild) write(u *incUpdate, rdr *pdf.Reader) error {
	refs := func(nums []uint32, idx []int) string {
		var s []string
		for _, i := range uniq(idx) {
			s = append(s, fmt.Sprintf("%d 0 R", nums[i]))
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	var certs, ocsps, crls []uint32
	for _, c := range b.certs {
		certs = append(certs, u.addStream(c))
	}
	for _, c := range b.ocsps {
		ocsps = append(ocsps, u.addStream(c))
	}
	for _, c := range b.crls {
		crls = append(crls, u.addStream(c))
	}
	all := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	var d strings.Builder
	d.WriteString("<< /Type /DSS /Certs " + refs(certs, all(len(certs))))
	if len(ocsps) > 0 {
		d.WriteString(" /OCSPs " + refs(ocsps, all(len(ocsps))))
	}
	if len(crls) > 0 {
		d.WriteString(" /CRLs " + refs(crls, all(len(crls))))
	}
	d.WriteString(" /VRI <<")
	for _, v := range b.vri {
		fmt.Fprintf(&d, " /%s << /Cert %s", v.key, refs(certs, v.certs))
		if len(v.ocsps) > 0 {
			d.WriteString(" /OCSP " + refs(ocsps, v.ocsps))
		}
		if len(v.crls) > 0 {
			d.WriteString(" /CRL " + refs(crls, v.crls))
		}
		d.WriteString(" >>")
	}
	d.WriteString(" >> >>")
	dss := u.add(d.String())
	root := rdr.Trailer().Key("Root")
	p := root.GetPtr()
	if root.Kind() != pdf.Dict || p.GetID() == 0 {
		return errors.New("the document catalog is not an indirect dictionary")
	}
	var cat strings.Builder
	pdfDict(&cat, root, p.GetID(), map[string]string{"DSS": fmt.Sprintf("%d 0 R", dss)})
	u.put(p.GetID(), int(p.GetGen()), cat.String())
	return nil
}

func uniq(idx []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, i := range idx {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

// Size of the /Contents placeholder of a document time-stamp, in bytes,
// before the TSA's first token is seen (a token with the TSA's chain is
// 2-6 KB); then the room its recent tokens took (tokenRoom). A token that
// does not fit is asked again with room for it and 1 KB more, once.
const docTSPlaceholder = 12 << 10

// docTimestamp builds the document time-stamp update for the file r
// (size bytes, parsed by rdr).
func docTimestamp(ctx context.Context, r io.ReaderAt, size int64, rdr *pdf.Reader, o LTV) ([]byte, error) {
	room := tokenRoom(tsaKey(o.TSAURL, o.TSA != nil), docTSPlaceholder)
	for attempt := 0; ; attempt++ {
		u, err := newIncUpdate(r, size, rdr)
		if err != nil {
			return nil, unparsable(err)
		}
		brAt, cStart, cEnd, err := writeDocTSObjects(u, rdr, room, o.extraAnnots)
		if err != nil {
			return nil, unparsable(err)
		}
		if err := u.finish(); err != nil {
			return nil, unparsable(err)
		}
		buf := u.buf.Bytes()
		total := size + int64(len(buf))
		br := fmt.Sprintf("0 %d %d %d", cStart, cEnd, total-cEnd)
		const brWidth = 40
		if len(br) > brWidth {
			return nil, errors.New("byte range too long")
		}
		copy(buf[brAt-size:], br+strings.Repeat(" ", brWidth-len(br)))
		h, from := hash.Hash(sha256.New()), int64(0)
		if p := o.prefix; p != nil && p.n <= size {
			if c, err := p.h.(hash.Cloner).Clone(); err == nil {
				h, from = c, p.n
			}
		}
		if err := hashRange(h, r, from, size); err != nil {
			return nil, err
		}
		h.Write(buf[:cStart-size])
		h.Write(buf[cEnd-size:])
		tok, err := requestTimestamp(ctx, o, h.Sum(nil))
		if err != nil {
			return nil, err
		}
		if len(tok) > room {
			if attempt > 0 {
				return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the time-stamp token (%d bytes) does not fit its placeholder", len(tok))
			}
			room = len(tok) + 1024
			continue
		}
		hex.Encode(buf[cStart-size+1:], tok)
		return buf, nil
	}
}

// writeDocTSObjects writes the document time-stamp's signature dictionary,
// its field, the page and catalog changes into u. It returns the absolute
// offsets of the /ByteRange numbers and of the /Contents hex string
// (from '<' to after '>').
func writeDocTSObjects(u *incUpdate, rdr *pdf.Reader, room int, extraAnnots func(*incUpdate) string) (brAt, cStart, cEnd int64, err error) {
	root := rdr.Trailer().Key("Root")
	rp := root.GetPtr()
	if root.Kind() != pdf.Dict || rp.GetID() == 0 {
		return 0, 0, 0, errors.New("the document catalog is not an indirect dictionary")
	}
	page, err := firstPage(root.Key("Pages"), 0)
	if err != nil {
		return 0, 0, 0, err
	}
	pp := page.GetPtr()
	sig := u.alloc()
	field := u.alloc()
	brAt, cStart, cEnd = writeDocTSSig(u, sig, room)
	// Its field: invisible (empty rectangle), printable and locked.
	name := "DocTimeStamp" + strconv.Itoa(int(sig))
	u.put(field, 0, fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /V %d 0 R /F 132 /Rect [0 0 0 0] /P %d %d R >>", name, sig, pp.GetID(), pp.GetGen()))
	fieldRef := fmt.Sprintf("%d 0 R", field)
	addDocTSAnnot(u, page, fieldRef, extraAnnots)
	addDocTSField(u, root, fieldRef)
	return brAt, cStart, cEnd, nil
}

// writeDocTSSig writes the signature dictionary as object sig, by hand to
// know its offsets: a blank /ByteRange and a /Contents placeholder of room
// bytes. It returns the offsets writeDocTSObjects returns.
func writeDocTSSig(u *incUpdate, sig uint32, room int) (brAt, cStart, cEnd int64) {
	start := u.base + int64(u.buf.Len())
	u.offsets[sig], u.gens[sig] = start, 0
	fmt.Fprintf(&u.buf, "%d 0 obj\n<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 /ByteRange [", sig)
	brAt = u.base + int64(u.buf.Len())
	u.buf.Grow(2*room + 8<<10) // the placeholder and the objects after it
	u.buf.WriteString(blanks[:40])
	u.buf.WriteString("] /Contents ")
	cStart = u.base + int64(u.buf.Len())
	u.buf.WriteByte('<')
	for n := 2 * room; n > 0; n -= min(n, len(zeros)) {
		u.buf.WriteString(zeros[:min(n, len(zeros))])
	}
	u.buf.WriteByte('>')
	cEnd = u.base + int64(u.buf.Len())
	u.buf.WriteString(" >>\nendobj\n")
	return brAt, cStart, cEnd
}

// addDocTSAnnot lists the widget fieldRef in page's /Annots: the array
// object is rewritten when it is an object of its own, else the page;
// extra (LTV.extraAnnots, tests) adds annotations beside it.
func addDocTSAnnot(u *incUpdate, page pdf.Value, fieldRef string, extra func(*incUpdate) string) {
	pp := page.GetPtr()
	pageRefs := fieldRef
	if extra != nil {
		pageRefs += " " + extra(u)
	}
	if a := page.Key("Annots"); a.Kind() == pdf.Array && a.GetPtr().GetID() != 0 && a.GetPtr().GetID() != pp.GetID() {
		var s strings.Builder
		pdfValue(&s, a, a.GetPtr().GetID())
		arr := strings.TrimSuffix(s.String(), "]") + " " + pageRefs + "]"
		u.put(a.GetPtr().GetID(), int(a.GetPtr().GetGen()), arr)
		return
	}
	var s strings.Builder
	if a := page.Key("Annots"); a.Kind() == pdf.Array {
		pdfValue(&s, a, pp.GetID())
	} else {
		s.WriteString("[]")
	}
	arr := strings.TrimSuffix(s.String(), "]")
	if arr != "[" {
		arr += " "
	}
	var pd strings.Builder
	pdfDict(&pd, page, pp.GetID(), map[string]string{"Annots": arr + pageRefs + "]"})
	u.put(pp.GetID(), int(pp.GetGen()), pd.String())
}

// addDocTSField lists the field fieldRef in the form's /Fields, rewriting
// the smallest object that holds them: the /Fields array, the /AcroForm
// dictionary, or the catalog (creating the form when there is none).
func addDocTSField(u *incUpdate, root pdf.Value, fieldRef string) {
	rp := root.GetPtr()
	af := root.Key("AcroForm")
	var fields strings.Builder
	fl := af.Key("Fields")
	if fl.Kind() == pdf.Array {
		pdfValue(&fields, fl, rp.GetID())
	} else {
		fields.WriteString("[]")
	}
	fs := strings.TrimSuffix(fields.String(), "]")
	if fs != "[" {
		fs += " "
	}
	fs += fieldRef + "]"
	// The object that holds the form: its own, or the catalog.
	holder := rp.GetID()
	if ap := af.GetPtr(); af.Kind() == pdf.Dict && ap.GetID() != 0 && ap.GetID() != rp.GetID() {
		holder = ap.GetID()
	}
	if fp := fl.GetPtr(); af.Kind() == pdf.Dict && fl.Kind() == pdf.Array && fp.GetID() != 0 && fp.GetID() != holder {
		var s strings.Builder
		pdfValue(&s, fl, fp.GetID())
		u.put(fp.GetID(), int(fp.GetGen()), strings.TrimSuffix(s.String(), "]")+" "+fieldRef+"]")
		return
	}
	if ap := af.GetPtr(); holder != rp.GetID() {
		var s strings.Builder
		pdfDict(&s, af, ap.GetID(), map[string]string{"Fields": fs, "SigFlags": "3"})
		u.put(ap.GetID(), int(ap.GetGen()), s.String())
		return
	}
	var afs strings.Builder
	if af.Kind() == pdf.Dict {
		pdfDict(&afs, af, rp.GetID(), map[string]string{"Fields": fs, "SigFlags": "3"})
	} else {
		afs.WriteString("<< /Fields " + fs + " /SigFlags 3 >>")
	}
	var cat strings.Builder
	pdfDict(&cat, root, rp.GetID(), map[string]string{"AcroForm": afs.String()})
	u.put(rp.GetID(), int(rp.GetGen()), cat.String())
}

// firstPage walks the page tree to its first page.
func firstPage(node pdf.Value, depth int) (pdf.Value, error) {
	if depth > 64 || node.Kind() != pdf.Dict {
		return pdf.Value{}, errors.New("the page tree is broken")
	}
	if node.Key("Type").Name() == "Page" {
		return node, nil
	}
	kids := node.Key("Kids")
	if kids.Len() == 0 {
		return pdf.Value{}, errors.New("the document has no pages")
	}
	return firstPage(kids.Index(0), depth+1)
}

// requestTimestamp asks the TSA for a token over digest (SHA-256).
func requestTimestamp(ctx context.Context, o LTV, digest []byte) ([]byte, error) {
	ts, err := requestToken(ctx, o, digest)
	if err != nil {
		return nil, err
	}
	return ts.RawToken, nil
}

// requestToken asks the TSA for a token over digest (SHA-256), with a
// nonce and the TSA's certificates requested, and checks that the answer
// is a token (its CMS signature verified) for this imprint and nonce.
func requestToken(ctx context.Context, o LTV, digest []byte) (*timestamp.Timestamp, error) {
	body, nonce, err := timestampQuery(digest)
	if err != nil {
		return nil, err
	}
	var rb []byte
	if o.TSA != nil {
		if rb, err = o.TSA.TimeStamp(ctx, body); err != nil {
			return nil, asUnavailable(err, "the time-stamp authority failed: %v", err)
		}
	} else if rb, err = postTimestampQuery(ctx, o, body); err != nil {
		return nil, err
	}
	ts, err := timestampAnswer(rb, digest, nonce)
	if err != nil {
		return nil, err
	}
	noteToken(tsaKey(o.TSAURL, o.TSA != nil), len(ts.RawToken))
	return ts, nil
}

// timestampQuery is the DER of an RFC 3161 query over digest (SHA-256)
// asking for the TSA's certificates, and its nonce.
func timestampQuery(digest []byte) ([]byte, *big.Int, error) {
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return nil, nil, err
	}
	req := timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest, Certificates: true, Nonce: nonce}
	body, err := req.Marshal()
	return body, nonce, err
}

// timestampAnswer reads a TSA's answer rb to the query over digest with
// nonce: a token whose CMS signature verifies, for this imprint and
// nonce (EUNAVAILABLE otherwise).
func timestampAnswer(rb, digest []byte, nonce *big.Int) (*timestamp.Timestamp, error) {
	ts, err := verify.ParseTimestampResponse(rb)
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "the time-stamp authority's answer is not usable: %v", err)
	}
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, digest) || ts.Nonce == nil || ts.Nonce.Cmp(nonce) != 0 {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the time-stamp authority's token is not for this request")
	}
	return ts, nil
}

// postTimestampQuery sends an RFC 3161 query to o.TSAURL and returns the
// answer's body. EUNAVAILABLE when the TSA cannot be reached or refuses.
func postTimestampQuery(ctx context.Context, o LTV, body []byte) ([]byte, error) {
	c := o.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, o.TSAURL, bytes.NewReader(body))
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "time-stamp authority: %v", err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	resp, err := c.Do(hr)
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "the time-stamp authority cannot be reached: %v", err)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "the time-stamp authority answered %s", resp.Status)
	}
	return rb, nil
}
