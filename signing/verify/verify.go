// Package verify validates the signatures of a PDF and reports, per
// signature, the signer's certificate, its chain to the configured trust
// anchors, the cryptographic check of the CMS signature over its byte
// range, the RFC 3161 timestamp, and what every later incremental update
// changed — classified as allowed (later signatures, annotations and their
// appearances, form/DSS bookkeeping) or forbidden (page content, pages,
// anything else).
//
// The incremental-update analysis is done here, on a per-revision view of
// the file built from the cross-reference chain (tables and streams,
// including objects in object streams), because general PDF readers only
// show the final revision: pdfsign's own verifier reports a page content
// stream forged after all signatures as valid, and poppler's pdfsig only
// says "not total document signed".
package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/internal/memo"
	"github.com/vanthu/vanthu/workflow"
)

// Verdicts.
const (
	Valid         = "valid"
	Invalid       = "invalid"
	Indeterminate = "indeterminate"
	Unsigned      = "unsigned"
)

// Kinds of later changes.
const (
	KindSignature   = "signature"    // a new signature dictionary
	KindAnnotation  = "annotation"   // an annotation other than a widget, or a page's /Annots array
	KindWidget      = "widget"       // a widget annotation or form field (signature fields included)
	KindAppearance  = "appearance"   // a new object reachable from a changed annotation's /AP (form XObject, image, font)
	KindAcroForm    = "acroform"     // the interactive form dictionary
	KindCatalog     = "catalog"      // the document catalog
	KindDSS         = "dss"          // document security store (validation data)
	KindMetadata    = "metadata"     // the document information dictionary
	KindStructure   = "structure"    // cross-reference and object streams
	KindPageContent = "page_content" // a page content stream
	KindPage        = "page"         // a page dictionary or the page tree
	KindOther       = "other"
)

// Options configure Verify.
type Options struct {
	// Roots are the trust anchors. Nil means none: every signature is then
	// at best indeterminate.
	Roots *x509.CertPool
	// Now is the clock: a signature without a trusted timestamp is judged
	// at Now() (the certificate must be valid now). Nil means time.Now.
	// The signingTime a CMS claims (or the /M entry) is reported, never
	// used as the validation time: whoever holds the key can write any
	// date there.
	Now func() time.Time
	// Limits bound the work on one file; nil means DefaultLimits.
	Limits *Limits
	// Fetcher fetches revocation data online for signer certificates
	// that name a service and whose status the document's /DSS does not
	// give; nil = offline (such signatures are indeterminate).
	Fetcher Fetcher
	// docStamps are the trusted document time-stamps of the file.
	docStamps []docStamp
	// tsaRevoked says why a time-stamping authority's certificate (tsa,
	// issued by issuer) keeps its token from proving anything, by its
	// revocation status at the token's time at ("" when nothing does;
	// nil: not checked). verifyAll sets it (tsarevocation.go).
	tsaRevoked func(tsa, issuer *x509.Certificate, at time.Time) string
}

// ClockSkew is how far past this verifier's clock a time-stamp token's
// time may lie, beyond the accuracy the token states (at most ClockSkew
// more), before it is a time in the future, which makes its signature
// invalid. A time-stamping authority's clock and the verifier's agree
// only within their synchronisation's error: the issue verifies both
// layers a moment after their tokens were made, and failed (invalid,
// "lies in the future") whenever the TSA's clock ran a second ahead of
// the server's and the token's time was past the server's.
const ClockSkew = time.Minute

// inFuture reports whether a token's time t, stated accurate to within
// acc, lies in the future at now beyond the skew allowed.
func inFuture(t time.Time, acc time.Duration, now time.Time) bool {
	return t.After(now.Add(ClockSkew + min(max(acc, 0), ClockSkew)))
}

// docStamp is a trusted document time-stamp: it proves that the bytes up
// to end existed at time t, as long as its algorithms, which retire as
// weak, can be relied on (cryptopolicy.go).
type docStamp struct {
	end  int64
	t    time.Time
	weak retired
}

// Report is the validation report of one PDF.
type Report struct {
	Verdict    string      `json:"verdict"`
	Reasons    []string    `json:"reasons"`
	Size       int64       `json:"size"`
	Signatures []Signature `json:"signatures"`
}

// Signature is the report for one signature, in file order.
type Signature struct {
	Index           int          `json:"index"`
	Field           string       `json:"field"`
	Name            string       `json:"name"`
	Reason          string       `json:"reason"`
	Location        string       `json:"location"`
	SigningTime     string       `json:"signing_time"` // claimed (CMS signingTime or /M), RFC 3339
	SubFilter       string       `json:"subfilter"`
	Signer          *Certificate `json:"signer"`
	ChainTrusted    bool         `json:"chain_trusted"`
	ChainError      string       `json:"chain_error"`
	ByteRange       []int64      `json:"byte_range"`
	CoversWholeFile bool         `json:"covers_whole_file"`
	SignatureValid  bool         `json:"signature_valid"`
	Timestamp       *Timestamp   `json:"timestamp"`
	LaterChanges    []Change     `json:"later_changes"`
	Errors          []string     `json:"errors"`
	// Warnings make a signature indeterminate: changes after it that are
	// neither allowed nor an alteration of what it signed (annotations
	// added after signature).
	Warnings []string `json:"warnings"`
	// ValidationTime is the time the certificate was judged at, RFC 3339;
	// ValidationTimeSource says where it came from: "timestamp" (a trusted
	// RFC 3161 signature timestamp) or "current time".
	ValidationTime       string `json:"validation_time"`
	ValidationTimeSource string `json:"validation_time_source"`
	// Revocation is the revocation status of the signer's certificate at
	// the validation time (nil for document time-stamps and signatures
	// that could not be read).
	Revocation  *Revocation `json:"revocation"`
	verdict     string
	num         int  // signature dictionary object number
	certProblem bool // the certificate failed a validity, usage or timestamp check
	unreachable int  // warnings that only say a revocation service did not answer
	ee          *x509.Certificate
	issuer      *x509.Certificate   // from the verified chain
	chain       []*x509.Certificate // the verified chain, signer first
	certs       []*x509.Certificate
	valAt       time.Time
	archived    dssData // revocation data inside the CMS (revarchive.go)
	// ownTS is the signature's own trusted time-stamp, and tokenWeak the
	// sunset of a document time-stamp's algorithms when it has one
	// (cryptopolicy.go); nil otherwise (pointers: a Signature is copied
	// around, and most have neither).
	ownTS     *poe
	tokenWeak *retired
	// weak: an algorithm past its sunset with no proof of existence
	// before it; cryptoNote: the proof that made one acceptable.
	weak       bool
	cryptoNote string
	// unusedPOE says which time-stamps over the signature were not used
	// as its validation time (for the reason a certificate expired by
	// now gives).
	unusedPOE []string
}

// Certificate describes the signer's certificate.
type Certificate struct {
	Subject   string   `json:"subject"`
	Issuer    string   `json:"issuer"`
	Serial    string   `json:"serial"`
	NotBefore string   `json:"not_before"`
	NotAfter  string   `json:"not_after"`
	KeyUsage  []string `json:"key_usage"`
	// ExtKeyUsage lists the extended key usages; empty when the
	// certificate has no such extension (no restriction).
	ExtKeyUsage []string `json:"ext_key_usage"`
}

// Timestamp is an RFC 3161 signature timestamp.
type Timestamp struct {
	Time      string `json:"time"`
	Authority string `json:"authority"`
	Trusted   bool   `json:"trusted"` // the TSA certificate chains to Options.Roots
	// NotUsed says why a time-stamp is not used as the validation time
	// nor as proof of existence: its own algorithms are past their sunset
	// with nothing proving it existed before (cryptopolicy.go), or its
	// authority's certificate was revoked (tsarevocation.go). Empty when
	// it is used, or not trusted at all.
	NotUsed string `json:"not_used,omitempty"`
}

// Change is one object added or changed by an incremental update after the
// signature.
type Change struct {
	Object  string `json:"object"` // "12 0", or a description for file-level changes
	Kind    string `json:"kind"`
	Allowed bool   `json:"allowed"`
	// Verdict is what a change that is not allowed makes of the signature:
	// invalid (content, pages, signed fields...) or indeterminate
	// (annotations added or changed after the signature, which draw over
	// the page but leave the signed content itself intact).
	Verdict string `json:"verdict,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// approvedBy is the signature dictionary (object number) of the later
	// signature that covers this change, when that is what allows it.
	approvedBy int
	// group: changes with the same group (an annotation and the objects of
	// its appearance) make one warning.
	group string
	// mdpFree: a certification signature permits this change whatever its
	// DocMDP level (docmdp.go).
	mdpFree bool
}

// Verify validates every signature in pdf. It returns an error only when
// the input is not a PDF or cannot be read at all (a *workflow.Error with
// EUNSUPPORTEDMEDIA or EUNPROCESSABLE); every problem with a signature is
// part of the report.
func Verify(ctx context.Context, pdf []byte, opts Options) (*Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f, past, err := open(ctx, pdf, opts.Limits)
	if past != nil || err != nil {
		return past, err
	}
	sigs := findSignatures(f)
	if f.bud.err != nil {
		return pastLimits(pdf, f.bud.err), nil
	}
	if len(sigs) == 0 {
		return unsignedReport(f), nil
	}
	checked, err := verifyAll(ctx, f, sigs, opts)
	if err != nil {
		return nil, err
	}
	if f.bud.err != nil {
		// Something was not read: no verdict from what was.
		return pastLimits(pdf, f.bud.err), nil
	}
	withdrawApprovals(checked)
	rep := &Report{Size: int64(len(pdf)), Reasons: []string{}, Signatures: checked}
	rep.summarize()
	return rep, nil
}

// open parses pdf within the limits (nil means DefaultLimits). A file past
// the limits gives the report saying so; a file that is not a PDF, cannot
// be parsed or is encrypted gives the error Verify returns.
func open(ctx context.Context, pdf []byte, limits *Limits) (*pdfFile, *Report, error) {
	lim := DefaultLimits
	if limits != nil {
		lim = *limits
	}
	f, err := parseFileLimits(pdf, lim)
	if errors.Is(err, ErrLimit) {
		return nil, pastLimits(pdf, err), nil
	}
	if err != nil {
		if headerOffset(pdf) >= 0 {
			return nil, nil, workflow.Wrap(workflow.EUNPROCESSABLE, err, "PDF cannot be parsed: %v", err)
		}
		return nil, nil, workflow.Wrap(workflow.EUNSUPPORTEDMEDIA, err, "not a PDF file")
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if _, enc := f.states[0].trailer["Encrypt"]; enc {
		return nil, nil, workflow.Errorf(workflow.EUNPROCESSABLE, "PDF is encrypted (password protected); it cannot be validated")
	}
	return f, nil, nil
}

// unsignedReport is the report on a file with no signature.
func unsignedReport(f *pdfFile) *Report {
	rep := &Report{Verdict: Unsigned, Size: int64(len(f.b)), Signatures: []Signature{}}
	rep.Reasons = []string{"The document has no digital signature."}
	if f.damaged != "" {
		rep.Reasons = append(rep.Reasons, "Its cross-reference data is damaged ("+f.damaged+"); the objects were recovered by scanning.")
	}
	return rep
}

// verifyAll checks every signature, in file order, revocation included.
// Document time-stamps are checked first: a trusted one gives the
// signatures it covers their validation time when they carry no
// time-stamp of their own.
func verifyAll(ctx context.Context, f *pdfFile, sigs []foundSig, opts Options) ([]Signature, error) {
	an := newAnalyzer(f)
	f.digests = newPrefixDigests(f.b, directRanges(sigs))
	done := map[int]Signature{}
	rs := &revocationState{dss: readDSS(f), fetched: map[string]fetchResult{}}
	opts.tsaRevoked = tsaRevocationCheck(ctx, rs, opts.Fetcher)
	for i, fs := range sigs {
		if fs.dict == nil || asName(fs.dict["SubFilter"]) != "ETSI.RFC3161" {
			continue
		}
		s := verifyOne(f, an, fs, opts)
		done[i] = s
		if t, err := time.Parse(time.RFC3339, s.ValidationTime); err == nil && s.verdict != Invalid && s.ChainTrusted && s.SignatureValid && len(s.ByteRange) == 4 {
			opts.docStamps = append(opts.docStamps, docStamp{end: s.ByteRange[2] + s.ByteRange[3], t: t, weak: s.tokenWeak.or()})
		}
	}
	// A document time-stamp's own algorithms, once every later one that
	// may prove it existed before their sunset is known.
	for i, s := range done {
		if s.verdict != Invalid && s.tokenWeak != nil {
			s.judgeCrypto(*s.tokenWeak, nil, opts)
			s.verdict = sigVerdict(&s)
			done[i] = s
		}
	}
	out := []Signature{}
	for i, fs := range sigs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s, ok := done[i]
		if !ok {
			s = verifyOne(f, an, fs, opts)
		}
		s.Index = i
		s.num = fs.num
		if s.ee != nil && s.verdict != Invalid {
			ne, nw := len(s.Errors), len(s.Warnings)
			checkRevocation(ctx, rs, &s, opts)
			if len(s.Errors) != ne || len(s.Warnings) != nw {
				s.verdict = sigVerdict(&s)
			}
		} else if s.ee != nil {
			checkRevocation(ctx, rs, &s, opts)
		}
		out = append(out, s)
	}
	return out, nil
}

// directRanges are the byte ranges the signatures' dictionaries hold
// directly (an indirect one is hashed on its own).
func directRanges(sigs []foundSig) []ByteRange {
	var out []ByteRange
	for _, fs := range sigs {
		if br := intArray(fs.dict["ByteRange"]); len(br) == 4 {
			out = append(out, ByteRange{br[0], br[1], br[2], br[3]})
		}
	}
	return out
}

// summarize sets the report's verdict from its signatures' verdicts (the
// worst of them) and gives one or more reasons per signature.
func (rep *Report) summarize() {
	rep.Verdict = Valid
	for _, s := range rep.Signatures {
		label := s.label()
		switch s.verdict {
		case Invalid:
			rep.Verdict = Invalid
			for _, e := range s.Errors {
				rep.Reasons = append(rep.Reasons, label+": "+e+".")
			}
		case Indeterminate:
			if rep.Verdict == Valid {
				rep.Verdict = Indeterminate
			}
			switch {
			case !s.ChainTrusted && s.SignatureValid:
				rep.Reasons = append(rep.Reasons, label+": the signature is intact but its certificate is not trusted: "+s.ChainError+".")
			case !s.ChainTrusted && s.ChainError != "":
				rep.Reasons = append(rep.Reasons, label+": its certificate is not trusted: "+s.ChainError+".")
			}
			for _, e := range s.Errors { // what stopped the check (its work budget)
				rep.Reasons = append(rep.Reasons, label+": "+e+".")
			}
			for _, w := range s.Warnings {
				rep.Reasons = append(rep.Reasons, label+": "+w+".")
			}
		default:
			rep.Reasons = append(rep.Reasons, label+": "+s.validReason()+".")
		}
	}
}

// label names the signature in the report's reasons: "Signature 2
// (name)", the name being /Name or else the signer's subject.
func (s *Signature) label() string {
	label := fmt.Sprintf("Signature %d", s.Index+1)
	if s.Name != "" {
		label += " (" + s.Name + ")"
	} else if s.Signer != nil {
		label += " (" + s.Signer.Subject + ")"
	}
	return label
}

// validReason says why a valid signature is valid: what later updates
// did, and when and against what revocation data it was judged.
func (s *Signature) validReason() string {
	msg := "valid"
	if !s.CoversWholeFile {
		msg += "; later updates only add signatures, annotations or form data"
	}
	if s.cryptoNote != "" {
		msg += "; " + s.cryptoNote
	}
	if r := s.Revocation; r != nil && r.Status != RevocationNotApplicable {
		msg += fmt.Sprintf("; judged at %s (%s); certificate not revoked then (%s %s)", s.ValidationTime, s.ValidationTimeSource, r.Source, r.Kind)
		if r.RevokedAt != "" {
			msg += "; it was revoked later, at " + r.RevokedAt
		}
	}
	return msg
}

// pastLimits is the report on a file that is past one of the Limits: it
// cannot be validated, whatever it claims.
func pastLimits(pdf []byte, err error) *Report {
	return &Report{
		Verdict:    Indeterminate,
		Reasons:    []string{"The document cannot be validated: " + err.Error() + "."},
		Size:       int64(len(pdf)),
		Signatures: []Signature{},
	}
}

// foundSig is a signature dictionary found through a signature field.
type foundSig struct {
	num   int
	field string
	dict  dict
	state *state
}

// findSignatures collects the signature dictionaries referenced by
// signature fields in any revision (a later update cannot hide a
// signature by dropping its field), and by signature widgets the pages
// list outside the form, each as first written, ordered by the end of
// their byte range.
func findSignatures(f *pdfFile) []foundSig {
	w := &sigWalker{byNum: map[int]foundSig{}}
	for i := len(f.states) - 1; i >= 0; i-- {
		st := f.states[i]
		af := st.dictOf(st.root()["AcroForm"])
		fields, _ := st.resolve(af["Fields"]).([]object)
		w.st, w.latest, w.seen = st, i == 0, map[int]bool{}
		for _, fo := range fields {
			w.walk(fo, "", "", 0)
		}
		w.pageWidgets()
	}
	out := w.inline
	for _, s := range w.byNum {
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b foundSig) int {
		ea, eb := a.end(), b.end()
		if ea != eb {
			if ea < eb {
				return -1
			}
			return 1
		}
		return a.num - b.num
	})
	return out
}

// sigWalker walks the field trees of the revisions, latest last, and
// collects the signature values of signature fields.
type sigWalker struct {
	st     *state           // the revision walked
	latest bool             // st is the final revision
	seen   map[int]bool     // fields already walked in st
	byNum  map[int]foundSig // indirect signature dictionaries, as first written
	inline []foundSig       // direct signature dictionaries of the final revision
}

// walk visits field o, whose parent's full name is parent and inherited
// field type ft, and its kids.
func (w *sigWalker) walk(o object, parent, ft string, depth int) {
	if depth > 32 {
		return
	}
	if r, ok := o.(ref); ok {
		if w.seen[r.Num] {
			return
		}
		w.seen[r.Num] = true
	}
	st := w.st
	d := st.dictOf(o)
	if d == nil {
		return
	}
	fname := parent
	if t, ok := st.resolve(d["T"]).(pdfString); ok {
		if fname != "" {
			fname += "."
		}
		fname += decodeText(string(t))
	}
	if v := asName(d["FT"]); v != "" {
		ft = v
	}
	if ft == "Sig" && d["V"] != nil {
		w.value(d["V"], fname)
	}
	kids, _ := st.resolve(d["Kids"]).([]object)
	for _, k := range kids {
		w.walk(k, fname, ft, depth+1)
	}
}

// pageWidgets records the signed signature widgets the pages of the
// revision list but its form does not: poppler's pdfsig 22.12 writes the
// field of a signature it adds so when the form's /Fields is an indirect
// array (it updates the page's /Annots, not /Fields). pdfsig and pdfcpu
// find such a signature through the page; the document is not unsigned.
func (w *sigWalker) pageWidgets() {
	st := w.st
	for _, p := range pageList(st, map[int]bool{}, map[int]bool{}, nil) {
		annots, _ := st.resolve(st.dictOf(ref{p, 0})["Annots"]).([]object)
		for _, a := range annots {
			r, ok := a.(ref)
			if !ok || w.seen[r.Num] {
				continue
			}
			w.seen[r.Num] = true
			d := st.dictOf(r)
			if asName(d["FT"]) != "Sig" || d["V"] == nil {
				continue
			}
			fname := ""
			if t, ok := st.resolve(d["T"]).(pdfString); ok {
				fname = decodeText(string(t))
			}
			w.value(d["V"], fname)
		}
	}
}

// value records v, the value of the signature field named fname.
func (w *sigWalker) value(v object, fname string) {
	st := w.st
	if r, ok := v.(ref); ok {
		if _, have := w.byNum[r.Num]; have {
			return
		}
		if vd := st.dictOf(r); vd != nil {
			w.byNum[r.Num] = foundSig{num: r.Num, field: fname, dict: vd, state: st}
		} else if e, ok := st.entries[r.Num]; ok && e.kind != 0 {
			// Referenced but unreadable: report it, do not let a
			// damaged signature disappear.
			w.byNum[r.Num] = foundSig{num: r.Num, field: fname, state: st}
		}
	} else if vd, ok := v.(dict); ok && w.latest {
		w.inline = append(w.inline, foundSig{num: -1, field: fname, dict: vd, state: st})
	}
}

// end is where the signature's byte range ends (for an unreadable
// dictionary, its offset in the file), the key signatures are ordered by.
func (s foundSig) end() int64 {
	if s.dict == nil {
		if e, ok := s.state.entries[s.num]; ok && e.kind == 1 {
			return e.off
		}
		return 0
	}
	br := intArray(s.state.resolve(s.dict["ByteRange"]))
	if len(br) == 4 {
		return br[2] + br[3]
	}
	return 0
}

func intArray(o object) []int64 {
	arr, _ := o.([]object)
	out := make([]int64, 0, len(arr))
	for _, v := range arr {
		n, ok := v.(int64)
		if !ok {
			return nil
		}
		out = append(out, n)
	}
	return out
}

var (
	oidSigningTime    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// verifyOne checks one signature: its dictionary, its byte range and the
// changes made after it, its CMS value, the validation time, the signer's
// certificate and its chain, and returns the result with its verdict.
func verifyOne(f *pdfFile, an *analyzer, fs foundSig, opts Options) Signature {
	d := fs.dict
	s := Signature{
		Field:        fs.field,
		Name:         textOf(fs.state, d["Name"]),
		Reason:       textOf(fs.state, d["Reason"]),
		Location:     textOf(fs.state, d["Location"]),
		SubFilter:    asName(d["SubFilter"]),
		LaterChanges: []Change{},
		Errors:       []string{},
		Warnings:     []string{},
	}
	if d == nil {
		if _, err := fs.state.get(fs.num); err != nil {
			s.fail("the signature dictionary (object %d) cannot be read: %v", fs.num, err)
		} else {
			s.fail("the signature field's value (object %d) is not a signature dictionary", fs.num)
		}
		s.verdict = Invalid
		return s
	}

	contents, _ := fs.state.resolve(d["Contents"]).(pdfString)
	signed, rangeOK, err := s.checkByteRange(f, an, fs, contents)
	if err != nil {
		s.fail("%v", err)
		s.verdict = Indeterminate
		return s
	}
	claimed := claimedTime(fs)

	if len(contents) == 0 {
		s.fail("the signature has no /Contents value")
		s.verdict = Invalid
		return s
	}
	if s.SubFilter == "adbe.x509.rsa_sha1" {
		// A PKCS#1 signature with the certificates in /Cert, not CMS
		// (pkcs1sig.go).
		s.verifyPKCS1(fs, contents, signed, rangeOK, claimed, opts)
		return s
	}
	der, p7, err := parseCMS(contents)
	if s.SubFilter == "ETSI.RFC3161" {
		verifyDocTimestamp(&s, der, signed, opts, s.fail)
		s.verdict = sigVerdict(&s)
		return s
	}
	if err != nil { // a certificate crypto/x509 refuses is not a malformed CMS (keytypes.go)
		if !s.unreadableSigner(der, signed) {
			// Nothing to check the bytes with (EN 319 102-1 5.2.2).
			s.Warnings = append(s.Warnings, fmt.Sprintf("the signature value is not a valid CMS/PKCS#7 structure (%v), so the signature cannot be checked: it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/FORMAT_FAILURE)", err))
		}
		s.verdict = sigVerdict(&s)
		return s
	}
	ee := s.signerCert(p7)
	if ee == nil {
		s.verdict = Invalid
		return s
	}
	s.Signer = describeCert(ee)
	s.ee, s.certs, s.archived = ee, p7.Certificates, archivedRevocation(p7)

	claimed = signedAttrTime(p7, claimed)
	if !claimed.IsZero() {
		s.SigningTime = claimed.Format(time.RFC3339)
	}
	s.checkValue(p7, ee, signed, rangeOK)

	nerr, nwarn := len(s.Errors), len(s.Warnings)
	valAt, src := s.validationTime(p7, opts)
	s.checkCertificate(ee, valAt, src, claimed)
	s.certProblem = len(s.Errors) > nerr || len(s.Warnings) > nwarn

	s.checkChain(p7.Certificates, ee, valAt, src, opts.Roots)
	s.judgeCrypto(cmsRetired(p7, ee, s.SubFilter), s.ownTS, opts)
	s.verdict = sigVerdict(&s)
	return s
}

// fail records a problem that makes the signature invalid.
func (s *Signature) fail(format string, args ...any) {
	s.Errors = append(s.Errors, fmt.Sprintf(format, args...))
}

// checkByteRange checks the signature's byte range against the file and the
// signature's value, records the changes made after the signed revision, and
// returns the signed bytes (nil when the range is malformed) and whether the
// range is sound. The error is the file's work budget running out.
func (s *Signature) checkByteRange(f *pdfFile, an *analyzer, fs foundSig, contents pdfString) (signed *signedBytes, rangeOK bool, err error) {
	br := intArray(fs.state.resolve(fs.dict["ByteRange"]))
	s.ByteRange = br
	sr, brErr := CheckByteRange(f.b, br)
	if errors.Is(brErr, ErrByteRangeMalformed) {
		s.fail("the byte range %v is malformed or extends beyond the end of the file", br)
		return nil, false, nil
	}
	end := br[2] + br[3]
	// Reading and hashing the range is work on the file's budget
	// (a file can carry many signatures over the same bytes).
	if err := f.bud.spend(end / 4); err != nil {
		return nil, false, err
	}
	s.CoversWholeFile = end == int64(len(f.b))
	nerr := len(s.Errors)
	if brErr != nil {
		s.fail("the byte range does not exclude exactly the signature value")
	} else if string(sr.Contents) != string(contents) {
		s.fail("the bytes excluded from the byte range are not this signature's value")
	}
	if fs.num >= 0 {
		if e, ok := fs.state.entries[fs.num]; !ok || e.kind != 1 || e.off >= br[1] {
			s.fail("the signature dictionary is not inside the signed byte range")
		}
	}
	rangeOK = len(s.Errors) == nerr
	signed = &signedBytes{file: f.b, r: ByteRange{br[0], br[1], br[2], br[3]}, shared: f.digests}
	s.LaterChanges = an.laterChanges(end)
	applyDocMDP(docMDP(fs.state, fs.dict), s.LaterChanges)
	s.judgeLaterChanges()
	return signed, rangeOK, nil
}

// judgeLaterChanges turns the changes made after the signed revision into
// errors (forbidden changes) and warnings (changes that cannot be judged,
// grouped by kind).
func (s *Signature) judgeLaterChanges() {
	groups := map[string][]string{}
	var order, errOrder []string
	for _, c := range s.LaterChanges {
		switch {
		case c.Allowed:
		case c.Verdict == Invalid && c.group != "":
			// Forbidden by a certification (docmdp.go): one error.
			if groups[c.group] == nil {
				errOrder = append(errOrder, c.group)
			}
			groups[c.group] = append(groups[c.group], c.Object)
		case c.Verdict == Indeterminate && c.group != "":
			if groups[c.group] == nil {
				order = append(order, c.group)
			}
			groups[c.group] = append(groups[c.group], c.Object)
		case c.Verdict == Indeterminate:
			s.Warnings = append(s.Warnings, changeSentence(c))
		default:
			s.fail("%s", changeSentence(c))
		}
	}
	for _, g := range errOrder {
		s.fail("%s (objects %s)", g, strings.Join(groups[g], ", "))
	}
	for _, g := range order {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s (objects %s)", g, strings.Join(groups[g], ", ")))
	}
}

// claimedTime is the signing time the signature dictionary claims (/M), or
// the zero time.
func claimedTime(fs foundSig) time.Time {
	if m, ok := fs.state.resolve(fs.dict["M"]).(pdfString); ok {
		if t, err := parsePDFDate(string(m)); err == nil {
			return t
		}
	}
	return time.Time{}
}

// parseCMS parses the signature value, without its zero padding (not
// copied: the placeholder is sized for the largest value).
func parseCMS(contents pdfString) ([]byte, *pkcs7.PKCS7, error) {
	der := []byte(contents[:derLen(contents)])
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err == nil {
		der = raw.FullBytes // drops the zero padding
	}
	p7, err := ParseCMS(der)
	return der, p7, err
}

// derLen is the length of the DER element at the start of s, header
// included, or len(s) when its header does not tell one that fits.
func derLen(s pdfString) int {
	if len(s) < 2 || s[0]&0x1f == 0x1f { // no room, or a multi-byte tag
		return len(s)
	}
	hdr, n := 2, int(s[1])
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(s) < 2+k {
			return len(s)
		}
		n = 0
		for i := range k {
			n = n<<8 | int(s[2+i])
		}
		hdr += k
	}
	if n < 0 || hdr+n > len(s) {
		return len(s)
	}
	return hdr + n
}

// signerCert finds the certificate of the CMS structure's only signer, or
// records why it cannot and returns nil. The certificate's validity period
// is widened in p7 so that verifying the signature does not judge it.
func (s *Signature) signerCert(p7 *pkcs7.PKCS7) *x509.Certificate {
	if len(p7.Signers) != 1 {
		s.fail("the CMS structure has %d signers; exactly one is expected", len(p7.Signers))
		return nil
	}
	si := p7.Signers[0]
	for i, c := range p7.Certificates {
		if c.SerialNumber.Cmp(si.IssuerAndSerialNumber.SerialNumber) == 0 && bytes.Equal(c.RawIssuer, si.IssuerAndSerialNumber.IssuerName.FullBytes) {
			c = withPSSKey(c) // an RSA key certified as id-RSASSA-PSS (keytypes.go)
			// Check the signature itself independently of the
			// certificate's validity period, which is judged later.
			wide := *c
			wide.NotBefore = time.Unix(0, 0)
			wide.NotAfter = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
			p7.Certificates[i] = &wide
			return c
		}
	}
	s.fail("the signer's certificate is not included in the signature")
	return nil
}

// signedAttrTime is the signing time from the signer's signed attributes,
// or claimed when there is none.
func signedAttrTime(p7 *pkcs7.PKCS7, claimed time.Time) time.Time {
	for _, a := range p7.Signers[0].AuthenticatedAttributes {
		if a.Type.Equal(oidSigningTime) {
			var t time.Time
			if _, err := asn1.Unmarshal(a.Value.Bytes, &t); err == nil {
				claimed = t
			}
		}
	}
	return claimed
}

// signedBytes are the bytes a signature's byte range covers, read where
// they are in the file.
type signedBytes struct {
	file []byte
	r    ByteRange
	// shared, when set, hashes the first bytes the file's signatures
	// have in common once (prefixDigests).
	shared *prefixDigests
}

// digest hashes the signed bytes in place.
func (b *signedBytes) digest(h crypto.Hash) []byte {
	if b.shared != nil {
		return b.shared.digest(b.r, h)
	}
	return b.r.Digest(b.file, h)
}

// bytes copies the signed bytes out (for pkcs7's verifier, which wants
// them as the CMS's content).
func (b *signedBytes) bytes() []byte {
	out := make([]byte, 0, b.r[1]+b.r[3])
	out = append(out, b.file[b.r[0]:b.r[0]+b.r[1]]...)
	return append(out, b.file[b.r[2]:b.r.End()]...)
}

// checkValue checks the CMS signature by ee over the signed bytes (nil:
// a malformed byte range, nothing to check): checkDigest, or, for a key
// this verifier cannot check (keytypes.go), checkUnsupported.
func (s *Signature) checkValue(p7 *pkcs7.PKCS7, ee *x509.Certificate, signed *signedBytes, rangeOK bool) {
	var algs string // algorithms this verifier does not check (algorithms.go)
	if s.SubFilter != "adbe.pkcs7.sha1" {
		algs = unsupportedAlgorithm(p7, ee.PublicKey)
	}
	switch alg := unsupportedKey(ee); {
	case signed == nil:
	case alg != "":
		s.checkUnsupported(p7, signed, alg, roleKey)
	case algs != "":
		s.checkUnsupported(p7, signed, algs, roleSigAlg)
	default:
		s.checkDigest(p7, signed, rangeOK)
	}
}

// checkDigest checks that the CMS signature covers the signed bytes: by
// CMSIntact (the bytes hashed in place, a signature already checked in
// this process not checked again), else by pkcs7's verifier.
func (s *Signature) checkDigest(p7 *pkcs7.PKCS7, signed *signedBytes, rangeOK bool) {
	switch s.SubFilter {
	case "adbe.pkcs7.sha1":
		if !bytes.Equal(signed.digest(crypto.SHA1), p7.Content) {
			s.fail("the document digest does not match the signed byte ranges (the signed revision was modified)")
		}
	default:
		switch err := CMSIntact(p7, signed.digest); {
		case err == nil:
			s.SignatureValid = rangeOK
			return
		case errors.Is(err, ErrDigestMismatch):
			s.fail("the message digest does not match the signed byte ranges (the signed revision was modified)")
			return
		case !errors.Is(err, ErrUnsupportedCMS):
			s.notVerified(p7, signed, err)
			return
		}
		p7.Content = signed.bytes()
	}
	if err := p7.Verify(); err != nil {
		var mm *pkcs7.MessageDigestMismatchError
		if errors.As(err, &mm) {
			s.fail("the message digest does not match the signed byte ranges (the signed revision was modified)")
		} else {
			s.notVerified(p7, signed, err)
		}
	} else {
		s.SignatureValid = rangeOK
	}
}

// notVerified records a CMS signature that does not verify (err): invalid,
// unless it verifies with the other hash its signature algorithm names
// (otherReading, algorithms.go): indeterminate.
func (s *Signature) notVerified(p7 *pkcs7.PKCS7, signed *signedBytes, err error) {
	if why := otherReading(p7, signerCertificate(p7), signed.digest); why != "" {
		s.Warnings = append(s.Warnings, why)
		return
	}
	s.fail("the CMS signature does not verify: %v", err)
}

// signatureTimestamp checks the signature's RFC 3161 time-stamp token (an
// unsigned attribute of its CMS): the stamped time when the token covers
// the signature, is trusted and may be relied on (usable), otherwise now.
func (s *Signature) signatureTimestamp(p7 *pkcs7.PKCS7, opts Options, now time.Time) (time.Time, string) {
	si := p7.Signers[0]
	valAt, src := now, "current time"
	for _, a := range si.UnauthenticatedAttributes {
		if !a.Type.Equal(oidTimeStampToken) {
			continue
		}
		ts, tsa, weak, err := parseTimestamp(a.Value.Bytes)
		var ue *unsupportedTokenError
		if err != nil {
			// An unsigned attribute the signer did not sign: a token that
			// cannot be read, checked or relied on proves no time (ETSI
			// EN 319 102-1 5.5.4 removes it from the signature
			// time-stamps). Reported, not used; the signature is judged
			// without it.
			var at string
			why := err.Error()
			var fe *tokenFormatError
			switch {
			case errors.As(err, &ue):
				at = rfc3339(ue.at)
			case !errors.As(err, &fe):
				why = "its signature does not verify: " + why
			}
			s.tokenNotUsed(&Timestamp{Time: at}, why)
			break
		}
		h := ts.HashAlgorithm.New()
		h.Write(si.EncryptedDigest)
		if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
			s.tokenNotUsed(&Timestamp{Time: ts.Time.Format(time.RFC3339)}, "it does not cover this signature (its imprint is of other bytes)")
			break
		}
		s.Timestamp = &Timestamp{Time: ts.Time.Format(time.RFC3339)}
		var issuer *x509.Certificate
		if tsa != nil {
			s.Timestamp.Authority = describeCert(tsa).Subject
			issuer, s.Timestamp.Trusted = tsaTrusted(tsa, ts, opts.Roots)
		}
		if !s.Timestamp.Trusted {
			break
		}
		if inFuture(ts.Time, ts.Accuracy, now) {
			s.fail("the signature timestamp (%s) lies in the future", ts.Time.UTC().Format(time.RFC3339))
			break
		}
		var end int64
		if len(s.ByteRange) == 4 {
			end = s.ByteRange[2] + s.ByteRange[3]
		}
		if why := s.tokenUnusable(tsa, issuer, ts.Time, weak, end, opts); why != "" {
			s.Timestamp.NotUsed = why
			s.unusedPOE = append(s.unusedPOE, "the signature time-stamp of "+s.Timestamp.Time+" is not used: "+why)
			break
		}
		valAt, src = ts.Time, "timestamp"
		if len(s.ByteRange) == 4 {
			s.ownTS = &poe{t: ts.Time, end: end, weak: weak}
		}
		break
	}
	return valAt, src
}

// tokenNotUsed reports the signature time-stamp ts as not used, and why.
func (s *Signature) tokenNotUsed(ts *Timestamp, why string) {
	ts.NotUsed = why
	s.Timestamp = ts
	s.unusedPOE = append(s.unusedPOE, "the signature time-stamp is not used: "+why)
}

// tokenUnusable says why a trusted time-stamp token at time at, by tsa
// (issued by issuer), over the bytes up to end, whose algorithms retire
// as weak, proves nothing, or "" when it may be relied on. ETSI EN 319
// 102-1 (5.4 with 5.2.8, and 5.6.2.x: a proof of existence comes only
// from a time-stamp that passes its own cryptographic constraints): one
// past its sunset is no proof unless a later sound document time-stamp
// shows it existed before; and a token whose authority's certificate
// was revoked when it stamped (or whose key was compromised, RFC 3161
// section 4) proves nothing.
func (s *Signature) tokenUnusable(tsa, issuer *x509.Certificate, at time.Time, weak retired, end int64, opts Options) string {
	if !sound(weak, end, opts.Now(), opts.docStamps) {
		return weakTokenNote(weak)
	}
	if opts.tsaRevoked != nil && tsa != nil {
		return opts.tsaRevoked(tsa, issuer, at)
	}
	return ""
}

// weakTokenNote says why a time-stamp whose algorithms retire as w is no
// proof of existence.
func weakTokenNote(w retired) string {
	when := "never accepted"
	if !w.at.IsZero() {
		when = "retired on " + w.at.Format(time.DateOnly)
	}
	return fmt.Sprintf("its own algorithm %s (%s) is %s (%s) and no later trusted time-stamp proves the token existed before then, so it is no proof of existence (ETSI EN 319 102-1 5.2.8, 5.6.2)",
		w.name(), w.role, when, w.source)
}

// validationTime checks the signature's timestamp and returns the time the
// certificate is judged at and where it comes from. Only a trusted
// timestamp that may be relied on (tokenUnusable) moves the validation
// time away from now; the claimed signing time never does.
func (s *Signature) validationTime(p7 *pkcs7.PKCS7, opts Options) (time.Time, string) {
	now := opts.Now()
	valAt, src := now, "current time"
	if p7 != nil { // nil: a signature that is not CMS (adbe.x509.rsa_sha1)
		valAt, src = s.signatureTimestamp(p7, opts, now)
	}
	if src == "current time" && len(s.ByteRange) == 4 {
		// No usable signature time-stamp: the earliest trusted document
		// time-stamp over this signature that may be relied on proves it
		// existed then (the archive time-stamp of PAdES B-LTA).
		end := s.ByteRange[2] + s.ByteRange[3]
		for _, d := range opts.docStamps {
			if d.end < end || !d.t.Before(valAt) {
				continue
			}
			if !sound(d.weak, d.end, now, opts.docStamps) {
				s.unusedPOE = append(s.unusedPOE, "the document time-stamp of "+d.t.UTC().Format(time.RFC3339)+" is not used: "+weakTokenNote(d.weak))
				continue
			}
			valAt, src = d.t, "document timestamp"
		}
	}
	s.ValidationTime = valAt.UTC().Format(time.RFC3339)
	s.ValidationTimeSource = src
	s.valAt = valAt
	return valAt, src
}

// checkCertificate checks the signer's certificate's validity period at the
// validation time and its key usage.
//
// A certificate that has expired by the current time, with no proof of
// when the signature was made (no trusted time-stamp), makes the signature
// indeterminate, not invalid: it may well have been made while the
// certificate was valid (ETSI EN 319 102-1, INDETERMINATE /
// OUT_OF_BOUNDS_NO_POE; Acrobat says "validity unknown", pdfsig "Signature
// is Valid" and "Certificate has Expired"). A trusted time after the
// certificate's end proves it was made with an expired certificate:
// invalid.
func (s *Signature) checkCertificate(ee *x509.Certificate, valAt time.Time, src string, claimed time.Time) {
	if valAt.After(ee.NotAfter) && src == "current time" {
		s.Warnings = append(s.Warnings, fmt.Sprintf("certificate expired: it was valid until %s, the validation time is %s (%s%s); nothing proves the signature was made while the certificate was valid (no trusted timestamp%s), so it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/OUT_OF_BOUNDS_NO_POE)", ee.NotAfter.UTC().Format(time.RFC3339), s.ValidationTime, src, claimedNote(src, claimed), s.unusedNote()))
	} else if valAt.After(ee.NotAfter) {
		s.fail("certificate expired: it was valid until %s, the validation time is %s (%s%s)", ee.NotAfter.UTC().Format(time.RFC3339), s.ValidationTime, src, claimedNote(src, claimed))
	} else if valAt.Before(ee.NotBefore) {
		s.fail("certificate not yet valid: it is valid from %s, the validation time is %s (%s%s)", ee.NotBefore.UTC().Format(time.RFC3339), s.ValidationTime, src, claimedNote(src, claimed))
	}
	if why := signingUsageProblem(ee); why != "" {
		s.fail("%s", why)
	}
}

// checkChain builds the signer's chain to the trust anchors at the
// validation time (src says where that time comes from: a CA certificate
// expired by the current time is, as the signer's is, indeterminate).
func (s *Signature) checkChain(certs []*x509.Certificate, ee *x509.Certificate, valAt time.Time, src string, roots *x509.CertPool) {
	if roots == nil {
		s.ChainError = "no trust anchors are configured"
		return
	}
	var inter []*x509.Certificate
	for _, c := range certs {
		if c != ee && c.SerialNumber != ee.SerialNumber {
			inter = append(inter, c)
		}
	}
	chain, err := verifyChain(ee, inter, roots, valAt, x509.ExtKeyUsageAny)
	var cie x509.CertificateInvalidError
	switch {
	case err == nil:
		s.ChainTrusted = true
		if len(chain) > 1 {
			s.issuer, s.chain = chain[1], chain
		}
	case errors.As(err, &cie) && cie.Reason == x509.Expired:
		s.ChainError = err.Error()
		said := strings.Join(append(slices.Clone(s.Errors), s.Warnings...), " ")
		switch {
		case strings.Contains(said, "certificate expired") || strings.Contains(said, "not yet valid"):
		case src == "current time" && valAt.After(cie.Cert.NotAfter):
			s.Warnings = append(s.Warnings, fmt.Sprintf("a certificate in the chain has expired (%v); nothing proves the signature was made while it was valid (no trusted timestamp)", err))
		default:
			s.fail("a certificate in the chain was expired or not yet valid at signing time: %v", err)
		}
	default:
		var uae x509.UnknownAuthorityError
		var uce x509.UnhandledCriticalExtension
		if errors.As(err, &uce) {
			s.ChainError = err.Error() + " (RFC 5280 6.1: a certificate with a critical extension that is not processed fails path validation; ETSI EN 319 102-1 INDETERMINATE/CERTIFICATE_CHAIN_GENERAL_FAILURE)"
		} else if errors.As(err, &uae) {
			s.ChainError = "the certificate is not issued by a trusted authority (" + dn.Issuer(ee) + ")"
		} else {
			s.ChainError = err.Error()
		}
	}
}

func sigVerdict(s *Signature) string {
	switch {
	case len(s.Errors) > 0:
		return Invalid
	case !s.ChainTrusted || len(s.Warnings) > 0:
		return Indeterminate
	}
	return Valid
}

// withdrawApprovals: annotations added together with a later signature are
// allowed because that signature covers them. When that signature is not
// itself valid, nobody trustworthy approved them: the earlier signatures
// become indeterminate ("annotations added after signature").
func withdrawApprovals(sigs []Signature) {
	byNum := map[int]*Signature{}
	for i := range sigs {
		if sigs[i].num > 0 {
			byNum[sigs[i].num] = &sigs[i]
		}
	}
	for i := len(sigs) - 1; i >= 0; i-- {
		s := &sigs[i]
		withdrawn := map[int]int{} // approving signature -> objects
		var order []int
		for j := range s.LaterChanges {
			c := &s.LaterChanges[j]
			if !c.Allowed || c.approvedBy == 0 {
				continue
			}
			// The approving signature must itself be sound; its own later
			// changes are its business.
			if by, ok := byNum[c.approvedBy]; ok && by.SignatureValid && by.ChainTrusted && !by.certProblem && !by.weak {
				continue
			}
			c.Allowed, c.Verdict = false, Indeterminate
			c.Detail = "annotations added after signature, with a later signature that is not valid"
			if withdrawn[c.approvedBy] == 0 {
				order = append(order, c.approvedBy)
			}
			withdrawn[c.approvedBy]++
		}
		for _, num := range order {
			label := fmt.Sprintf("the signature in object %d", num)
			if by, ok := byNum[num]; ok {
				label = fmt.Sprintf("signature %d", by.Index+1)
			}
			s.Warnings = append(s.Warnings, fmt.Sprintf("annotations added after signature: %d object(s) (annotations and their appearances) were added with %s, whose signer is not trusted or whose signature is not valid, so nobody trusted approved them", withdrawn[num], label))
		}
		if len(order) > 0 {
			s.verdict = sigVerdict(s)
		}
	}
}

// tsaTrusted reports whether the timestamp's signer chains to roots at the
// time it stamped and is a time-stamping certificate, and returns its
// issuer (nil for a self-signed one).
func tsaTrusted(tsa *x509.Certificate, ts *timestamp.Timestamp, roots *x509.CertPool) (*x509.Certificate, bool) {
	if roots == nil || !slices.Contains(tsa.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return nil, false
	}
	var inter []*x509.Certificate
	for _, c := range ts.Certificates {
		if !c.Equal(tsa) {
			inter = append(inter, c)
		}
	}
	chain, err := verifyChain(tsa, inter, roots, ts.Time, x509.ExtKeyUsageTimeStamping)
	if err != nil {
		return nil, false
	}
	if len(chain) > 1 {
		return chain[1], true
	}
	return nil, true
}

// unusedNote names the time-stamps that were not used as proof of when
// the signature was made, and why ("" for none).
func (s *Signature) unusedNote() string {
	if len(s.unusedPOE) == 0 {
		return ""
	}
	return "; " + strings.Join(s.unusedPOE, "; ")
}

func claimedNote(src string, claimed time.Time) string {
	if src == "timestamp" || claimed.IsZero() {
		return ""
	}
	return fmt.Sprintf("; the signature claims it was made at %s, but without a trusted timestamp that claim is not evidence", claimed.UTC().Format(time.RFC3339))
}

// Extended key usages fit for signing documents.
var (
	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
	documentSigningEKU = []struct {
		oid  asn1.ObjectIdentifier
		name string
	}{
		{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}, "emailProtection"},
		{asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}, "documentSigning"},
		{asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}, "Adobe Authentic Documents Trust"},
		{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}, "Microsoft document signing"},
		{asn1.ObjectIdentifier{2, 5, 29, 37, 0}, "anyExtendedKeyUsage"},
	}
	ekuNames = map[string]string{
		"1.3.6.1.5.5.7.3.1": "serverAuth", "1.3.6.1.5.5.7.3.2": "clientAuth", "1.3.6.1.5.5.7.3.3": "codeSigning",
		"1.3.6.1.5.5.7.3.4": "emailProtection", "1.3.6.1.5.5.7.3.8": "timeStamping", "1.3.6.1.5.5.7.3.9": "OCSPSigning",
		"1.3.6.1.5.5.7.3.36": "documentSigning", "1.2.840.113583.1.1.5": "Adobe Authentic Documents Trust",
		"1.3.6.1.4.1.311.10.3.12": "Microsoft document signing", "2.5.29.37.0": "anyExtendedKeyUsage",
	}
)

// extKeyUsages returns the OIDs of c's extended key usage extension, and
// whether it has one. The raw extension is read, so that usages the x509
// package does not name are judged the same as those it does.
func extKeyUsages(c *x509.Certificate) ([]asn1.ObjectIdentifier, bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			var oids []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(e.Value, &oids); err != nil {
				return nil, true // present but unreadable: fits nothing
			}
			return oids, true
		}
	}
	return nil, false
}

// signingUsageProblem says why c is not fit for signing documents, or "".
// Path validation is done with ExtKeyUsageAny (a document-signing chain
// need not allow serverAuth); this is the explicit check instead: key
// usage digitalSignature or nonRepudiation, and, when the certificate
// restricts its extended key usage, one of documentSigningEKU.
func signingUsageProblem(c *x509.Certificate) string {
	if c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		has := strings.Join(describeCert(c).KeyUsage, ", ")
		if has == "" {
			has = "none"
		}
		return "the signer's certificate is not fit for document signing: key usage digitalSignature or nonRepudiation is missing (key usage: " + has + ")"
	}
	oids, present := extKeyUsages(c)
	if !present {
		return ""
	}
	for _, o := range oids {
		for _, ok := range documentSigningEKU {
			if o.Equal(ok.oid) {
				return ""
			}
		}
	}
	var want []string
	for _, ok := range documentSigningEKU {
		want = append(want, ok.name)
	}
	return fmt.Sprintf("the signer's certificate is not fit for document signing: its extended key usage (%s) allows none of %s",
		strings.Join(ekuList(oids), ", "), strings.Join(want, ", "))
}

func ekuList(oids []asn1.ObjectIdentifier) []string {
	out := make([]string, 0, len(oids))
	for _, o := range oids {
		if n, ok := ekuNames[o.String()]; ok {
			out = append(out, n)
		} else {
			out = append(out, o.String())
		}
	}
	return out
}

// verifyDocTimestamp checks a document timestamp (SubFilter ETSI.RFC3161).
func verifyDocTimestamp(s *Signature, der []byte, signed *signedBytes, opts Options, fail func(string, ...any)) {
	ts, tsa, weak, err := parseTimestamp(der)
	var ue *unsupportedTokenError
	if errors.As(err, &ue) {
		s.Timestamp = &Timestamp{Time: rfc3339(ue.at), NotUsed: ue.Error()}
		s.ChainError = "not checked: " + ue.Error()
		if signed != nil && ue.imprint.Available() && !bytes.Equal(signed.digest(ue.imprint), ue.digest) {
			fail("the document timestamp does not match the signed byte ranges (the signed revision was modified)")
		}
		s.Warnings = append(s.Warnings, fmt.Sprintf("unsupported algorithm: %s (%s): the document time-stamp cannot be checked by this verifier, so it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE)", ue.alg, ue.role))
		return
	}
	var fe *tokenFormatError
	if errors.As(err, &fe) {
		s.ChainError = fmt.Sprintf("not checked: the document time-stamp cannot be read (%v)", fe.err)
		s.Warnings = append(s.Warnings, fmt.Sprintf("the document time-stamp cannot be read (%v), so it can be neither accepted nor rejected (ETSI EN 319 102-1 INDETERMINATE/FORMAT_FAILURE)", fe.err))
		return
	}
	if err != nil {
		fail("the document timestamp cannot be verified: %v", err)
		return
	}
	if weak.alg != "" {
		s.tokenWeak = &weak
	}
	s.Timestamp = &Timestamp{Time: ts.Time.Format(time.RFC3339)}
	s.SigningTime = s.Timestamp.Time
	if signed != nil {
		if !ts.HashAlgorithm.Available() || !bytes.Equal(signed.digest(ts.HashAlgorithm), ts.HashedMessage) {
			fail("the document timestamp does not match the signed byte ranges (the signed revision was modified)")
		} else {
			s.SignatureValid = true
		}
	}
	s.ValidationTime, s.ValidationTimeSource = s.Timestamp.Time, "timestamp"
	if tsa == nil {
		s.ChainError = "the timestamp carries no certificate of its signer"
		return
	}
	s.Signer = describeCert(tsa)
	s.Timestamp.Authority = s.Signer.Subject
	if opts.Roots == nil {
		s.ChainError = "no trust anchors are configured"
		return
	}
	issuer, ok := tsaTrusted(tsa, ts, opts.Roots)
	if !ok {
		s.ChainError = "the time-stamping authority " + dn.Subject(tsa) + " is not trusted (or its certificate is not a valid time-stamping certificate at " + s.Timestamp.Time + ")"
		return
	}
	if inFuture(ts.Time, ts.Accuracy, opts.Now()) {
		fail("the document timestamp (%s) lies in the future", s.Timestamp.Time)
		return
	}
	if opts.tsaRevoked != nil {
		if why := opts.tsaRevoked(tsa, issuer, ts.Time); why != "" {
			s.Timestamp.NotUsed = why
			s.ChainError = "the time-stamping authority " + dn.Subject(tsa) + " cannot be relied on: " + why
			return
		}
	}
	s.ChainTrusted = true
	s.Timestamp.Trusted = true
}

// describeCert is the report's description of c: describeCertNew
// remembered by c's bytes (every document of an agency names the same
// signers and time-stamp authorities, and the description is a pure
// function of the certificate, which c was parsed from). The result is
// the caller's own.
func describeCert(c *x509.Certificate) *Certificate {
	k := key("describe", c.Raw)
	d, ok := described.Get(k)
	if !ok {
		d = describeCertNew(c)
		described.Put(k, d)
	}
	out := *d
	out.KeyUsage, out.ExtKeyUsage = slices.Clone(d.KeyUsage), slices.Clone(d.ExtKeyUsage)
	return &out
}

// described holds the certificates described (describeCert), never
// handed out: only copies are.
var described = memo.Map[*Certificate]{Max: maxCertificates}

func describeCertNew(c *x509.Certificate) *Certificate {
	out := &Certificate{
		Subject:   dn.Subject(c),
		Issuer:    dn.Issuer(c),
		Serial:    serialHex(c.SerialNumber),
		NotBefore: c.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:  c.NotAfter.UTC().Format(time.RFC3339),
		KeyUsage:  []string{},
	}
	oids, _ := extKeyUsages(c)
	out.ExtKeyUsage = ekuList(oids)
	names := []struct {
		u x509.KeyUsage
		n string
	}{
		{x509.KeyUsageDigitalSignature, "digitalSignature"},
		{x509.KeyUsageContentCommitment, "nonRepudiation"},
		{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
		{x509.KeyUsageDataEncipherment, "dataEncipherment"},
		{x509.KeyUsageKeyAgreement, "keyAgreement"},
		{x509.KeyUsageCertSign, "keyCertSign"},
		{x509.KeyUsageCRLSign, "cRLSign"},
		{x509.KeyUsageEncipherOnly, "encipherOnly"},
		{x509.KeyUsageDecipherOnly, "decipherOnly"},
	}
	for _, k := range names {
		if c.KeyUsage&k.u != 0 {
			out.KeyUsage = append(out.KeyUsage, k.n)
		}
	}
	return out
}

func serialHex(n *big.Int) string {
	if n == nil {
		return ""
	}
	return fmt.Sprintf("%X", n)
}

// textOf decodes a PDF text string (PDFDocEncoding or UTF-16BE with BOM).
func textOf(s *state, o object) string {
	v, ok := s.resolve(o).(pdfString)
	if !ok {
		return ""
	}
	return decodeText(string(v))
}

func decodeText(v string) string {
	b := []byte(v)
	if len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF {
		r := make([]rune, 0, len(b)/2)
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		for i := 0; i < len(u); i++ {
			c := rune(u[i])
			if c >= 0xD800 && c < 0xDC00 && i+1 < len(u) {
				c = (c-0xD800)<<10 + (rune(u[i+1]) - 0xDC00) + 0x10000
				i++
			}
			r = append(r, c)
		}
		return string(r)
	}
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return string(b[3:])
	}
	// PDFDocEncoding is Latin-1 for the printable range; good enough here.
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// parsePDFDate parses "D:YYYYMMDDHHmmSSOHH'mm'" (fields after the year are optional).
func parsePDFDate(v string) (time.Time, error) {
	v = strings.TrimPrefix(v, "D:")
	digits := func(s string, n int) (int, string, bool) {
		if len(s) < n {
			return 0, s, false
		}
		x := 0
		for i := 0; i < n; i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, s, false
			}
			x = x*10 + int(s[i]-'0')
		}
		return x, s[n:], true
	}
	year, rest, ok := digits(v, 4)
	if !ok {
		return time.Time{}, fmt.Errorf("bad PDF date %q", v)
	}
	f := []int{1, 1, 0, 0, 0}
	for i := range f {
		x, r, ok := digits(rest, 2)
		if !ok {
			break
		}
		f[i], rest = x, r
	}
	loc := time.UTC
	if len(rest) > 0 && (rest[0] == '+' || rest[0] == '-') {
		sign := 1
		if rest[0] == '-' {
			sign = -1
		}
		hh, r, ok := digits(rest[1:], 2)
		if ok {
			r = strings.TrimPrefix(r, "'")
			mm, _, _ := digits(r, 2)
			loc = time.FixedZone("", sign*(hh*3600+mm*60))
		}
	}
	return time.Date(year, time.Month(f[0]), f[1], f[2], f[3], f[4], 0, loc), nil
}
