package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/workflow"
)

// Revocation checking. A signer certificate that names a revocation
// service (an OCSP responder in its Authority Information Access, or a CRL
// distribution point) is checked with, in this order: evidence embedded in
// the document's /DSS or in the signature's adbe-revocationInfoArchival
// attribute (OCSP responses and CRLs; revarchive.go), and evidence fetched
// online through Options.Fetcher. Evidence only counts when it is signed
// by the certificate's issuer (or, for OCSP, by a responder the issuer
// delegated to) and speaks for the validation time:
//
//   - "revoked" at a time at or before the validation time: invalid;
//   - "revoked" after the validation time (a trusted time-stamp proves the
//     signature older than the revocation): valid, and the report says so;
//   - "good" in evidence whose validity (until its nextUpdate) reaches the
//     validation time and, when embedded, that was issued after it (within
//     freshnessGrace): good. A signature without a trusted time-stamp is
//     judged at the current time, and embedded evidence (older than now)
//     does not speak for it: its status is fetched;
//   - nothing usable for a certificate that names a service: indeterminate
//     ("no revocation data").
//
// A certificate that names no service (the older development PKI) is
// reported as not checked and does not change the verdict.

// Revocation statuses and sources.
const (
	RevocationGood          = "good"
	RevocationRevoked       = "revoked"
	RevocationUnknown       = "unknown"        // no usable evidence
	RevocationNotApplicable = "not_applicable" // the certificate names no revocation service

	SourceEmbedded    = "embedded"    // the document's /DSS
	SourceFetched     = "fetched"     // fetched online during this verification
	SourceUnavailable = "unavailable" // neither embedded nor reachable
	SourceNone        = "none"        // nothing to check
)

// Revocation is the revocation status of a signer's certificate.
type Revocation struct {
	Status string `json:"status"`
	Source string `json:"source"`
	// Kind is "ocsp" or "crl" (empty without evidence).
	Kind       string `json:"kind,omitempty"`
	URL        string `json:"url,omitempty"`
	ThisUpdate string `json:"this_update,omitempty"`
	NextUpdate string `json:"next_update,omitempty"`
	RevokedAt  string `json:"revoked_at,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Detail     string `json:"detail,omitempty"`
	// Evidence is the DER of fetched evidence (an OCSP response or a CRL),
	// kept with the report so that the record holds what was seen at
	// receipt; empty for embedded evidence (it is in the document).
	Evidence []byte `json:"evidence,omitempty"`
	// unreachable: no evidence because fetching failed as unavailable (a
	// service that did not answer, or a time-out), which may not last.
	unreachable bool
}

// Evidence is revocation evidence for one certificate: a DER OCSP response
// or a DER CRL, and where it came from.
type Evidence struct {
	OCSP []byte
	CRL  []byte
	URL  string
}

// Fetcher fetches revocation evidence online. Implementations must bound
// their time (a verification must not hang offline).
type Fetcher interface {
	// Fetch returns evidence for cert, issued by issuer. It returns an
	// error (EUNAVAILABLE) when the certificate names no service or none
	// answers.
	Fetch(ctx context.Context, cert, issuer *x509.Certificate) (Evidence, error)
}

// FetcherFunc adapts a function to Fetcher (for example the development
// PKI's own responder, asked in process).
type FetcherFunc func(ctx context.Context, cert, issuer *x509.Certificate) (Evidence, error)

// Fetch implements Fetcher.
func (f FetcherFunc) Fetch(ctx context.Context, cert, issuer *x509.Certificate) (Evidence, error) {
	return f(ctx, cert, issuer)
}

// HTTPFetcher fetches an OCSP response from the certificate's AIA OCSP
// URL, or else the CRL from its first HTTP distribution point.
type HTTPFetcher struct {
	Client *http.Client // nil = http.DefaultClient's transport
	// Timeout bounds each request; zero = 5 s.
	Timeout time.Duration
}

var _ Fetcher = HTTPFetcher{}

// maxEvidence bounds a fetched response.
const maxEvidence = 16 << 20

// Fetch implements Fetcher.
func (h HTTPFetcher) Fetch(ctx context.Context, cert, issuer *x509.Certificate) (Evidence, error) {
	var errs []error
	for _, u := range cert.OCSPServer {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			continue
		}
		der, err := h.ocsp(ctx, u, cert, issuer)
		if err == nil {
			return Evidence{OCSP: der, URL: u}, nil
		}
		errs = append(errs, fmt.Errorf("OCSP %s: %w", u, err))
	}
	for _, u := range cert.CRLDistributionPoints {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			continue
		}
		der, err := h.get(ctx, u, nil, "")
		if err == nil {
			return Evidence{CRL: der, URL: u}, nil
		}
		errs = append(errs, fmt.Errorf("CRL %s: %w", u, err))
	}
	if len(errs) == 0 {
		return Evidence{}, workflow.Errorf(workflow.EUNAVAILABLE, "the certificate names no HTTP OCSP responder or CRL")
	}
	return Evidence{}, workflow.Wrap(workflow.EUNAVAILABLE, errors.Join(errs...), "no revocation data could be fetched: %v", errors.Join(errs...))
}

func (h HTTPFetcher) ocsp(ctx context.Context, url string, cert, issuer *x509.Certificate) ([]byte, error) {
	if issuer == nil {
		return nil, errors.New("issuer unknown")
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, err
	}
	der, err := h.get(ctx, url, req, "application/ocsp-request")
	if err != nil {
		return nil, err
	}
	if _, err := ocsp.ParseResponseForCert(der, cert, issuer); err != nil {
		return nil, err
	}
	return der, nil
}

// get GETs url, or POSTs body with content type ct when body is set.
func (h HTTPFetcher) get(ctx context.Context, url string, body []byte, ct string) ([]byte, error) {
	to := h.Timeout
	if to <= 0 {
		to = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, to)
	defer cancel()
	method := http.MethodGet
	var rd io.Reader
	if body != nil {
		method, rd = http.MethodPost, bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	c := h.Client
	if c == nil {
		c = &http.Client{}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxEvidence+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxEvidence {
		return nil, errors.New("response too large")
	}
	return b, nil
}

// NamesRevocation reports whether c names a revocation service.
func NamesRevocation(c *x509.Certificate) bool {
	return len(c.OCSPServer) > 0 || len(c.CRLDistributionPoints) > 0
}

// judged is what one piece of evidence says about a certificate.
type judged struct {
	status     string // good, revoked, unknown
	kind       string
	thisUpdate time.Time
	nextUpdate time.Time
	revokedAt  time.Time
	reason     string
}

// judgeEvidence checks evidence for cert (signature by the issuer or a
// delegated OCSP responder) and returns what it says. An error means the
// evidence is not about cert or does not verify. judge (reuse.go) is this,
// remembered.
func judgeEvidence(ev Evidence, cert, issuer *x509.Certificate) (judged, error) {
	if issuer == nil {
		return judged{}, errors.New("the certificate's issuer is unknown")
	}
	if ev.OCSP != nil {
		r, err := ocsp.ParseResponseForCert(ev.OCSP, cert, issuer)
		if err != nil {
			return judged{}, err
		}
		if r.SerialNumber == nil || r.SerialNumber.Cmp(cert.SerialNumber) != 0 {
			return judged{}, errors.New("the OCSP response is about another certificate")
		}
		// x/crypto/ocsp accepts any certificate the issuer signed as the
		// responder: an official could answer "good" for their own revoked
		// certificate with their own key. A delegated responder must carry
		// the OCSPSigning usage (RFC 6960 4.2.2.2) and be valid when the
		// response was produced.
		if rc := r.Certificate; rc != nil && !rc.Equal(issuer) {
			if !slices.Contains(rc.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
				return judged{}, fmt.Errorf("the OCSP response is signed by %s, which the issuer did not delegate OCSP signing to (no OCSPSigning usage)", dn.Subject(rc))
			}
			if r.ProducedAt.Before(rc.NotBefore) || r.ProducedAt.After(rc.NotAfter) {
				return judged{}, fmt.Errorf("the OCSP responder certificate %s was not valid when the response was produced", dn.Subject(rc))
			}
		}
		j := judged{kind: "ocsp", thisUpdate: r.ThisUpdate, nextUpdate: r.NextUpdate}
		switch r.Status {
		case ocsp.Good:
			j.status = RevocationGood
		case ocsp.Revoked:
			j.status, j.revokedAt, j.reason = RevocationRevoked, r.RevokedAt, reasonName(r.RevocationReason)
		default:
			j.status = RevocationUnknown
		}
		return j, nil
	}
	crl, err := x509.ParseRevocationList(ev.CRL)
	if err != nil {
		return judged{}, err
	}
	if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
		return judged{}, errors.New("the CRL is issued by another authority")
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return judged{}, fmt.Errorf("the CRL's signature does not verify: %w", err)
	}
	j := judged{kind: "crl", status: RevocationGood, thisUpdate: crl.ThisUpdate, nextUpdate: crl.NextUpdate}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			j.status, j.revokedAt, j.reason = RevocationRevoked, e.RevocationTime, reasonName(e.ReasonCode)
		}
	}
	return j, nil
}

// covers reports whether j speaks for time t: a revocation does whenever
// it was issued; "good" when t lies before the evidence's next update (or
// before its this-update when it has none).
func (j judged) covers(t time.Time) bool {
	switch j.status {
	case RevocationRevoked:
		return true
	case RevocationGood:
		if !j.nextUpdate.IsZero() {
			return !t.After(j.nextUpdate)
		}
		return !t.After(j.thisUpdate)
	}
	return false
}

func reasonName(code int) string {
	names := map[int]string{
		ocsp.Unspecified: "unspecified", ocsp.KeyCompromise: "keyCompromise", ocsp.CACompromise: "cACompromise",
		ocsp.AffiliationChanged: "affiliationChanged", ocsp.Superseded: "superseded",
		ocsp.CessationOfOperation: "cessationOfOperation", ocsp.CertificateHold: "certificateHold",
		ocsp.RemoveFromCRL: "removeFromCRL", ocsp.PrivilegeWithdrawn: "privilegeWithdrawn", ocsp.AACompromise: "aACompromise",
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprint(code)
}

// dssData is the validation data of the document's /DSS.
type dssData struct {
	certs []*x509.Certificate
	ocsps [][]byte
	crls  [][]byte
	// the SHA-256 of each of ocsps and crls (judgeSummed)
	ocspSums, crlSums [][32]byte
}

// readDSS reads the /DSS of the newest revision (what was added in later
// revisions only adds to earlier ones; every piece of evidence is signed
// by its issuer, so where it sits does not matter).
func readDSS(f *pdfFile) dssData {
	var d dssData
	st := f.states[0]
	dss := st.dictOf(st.root()["DSS"])
	if dss == nil {
		return d
	}
	streams := func(key string) [][]byte {
		arr, _ := st.resolve(dss[key]).([]object)
		var out [][]byte
		for i, o := range arr {
			if i >= 1000 {
				break
			}
			s, ok := st.resolve(o).(*stream)
			if !ok {
				continue
			}
			b, err := f.decodeStream(s)
			if err == nil {
				out = append(out, b)
			}
		}
		return out
	}
	for _, b := range streams("Certs") {
		if c, err := ParseCertificate(b); err == nil {
			d.certs = append(d.certs, c)
		}
	}
	d.ocsps = streams("OCSPs")
	d.crls = streams("CRLs")
	for _, b := range d.ocsps {
		d.ocspSums = append(d.ocspSums, sha256.Sum256(b))
	}
	for _, b := range d.crls {
		d.crlSums = append(d.crlSums, sha256.Sum256(b))
	}
	return d
}

// freshnessGrace: embedded evidence issued this long before the validation
// time still speaks for it. Responders round their times down (Go's OCSP
// responses to the minute), and the DSS is fetched right after the
// signature time-stamp it serves.
const freshnessGrace = 5 * time.Minute

// revocationState is shared by the signatures of one verification: the
// /DSS and what was fetched (each certificate is fetched once).
type revocationState struct {
	dss     dssData
	fetched map[string]fetchResult
}

type fetchResult struct {
	ev  Evidence
	err error
}

// checkRevocation fills s.Revocation for the signer certificate and adds
// an error (revoked before the validation time) or a warning (no
// revocation data) to s.
func checkRevocation(ctx context.Context, rs *revocationState, s *Signature, opts Options) {
	ee := s.ee
	if ee == nil || s.SubFilter == "ETSI.RFC3161" {
		return
	}
	rs = rs.withArchived(s.archived)
	checkChainRevocation(ctx, rs, s, opts)
	if !NamesRevocation(ee) {
		s.Revocation = &Revocation{Status: RevocationNotApplicable, Source: SourceNone,
			Detail: "the certificate names no OCSP responder or CRL distribution point; its revocation status was not checked"}
		return
	}
	at := s.valAt
	issuer := s.issuer
	if issuer == nil {
		for _, c := range append(slices.Clone(s.certs), rs.dss.certs...) {
			if bytes.Equal(c.RawSubject, ee.RawIssuer) && ee.CheckSignatureFrom(c) == nil {
				issuer = c
				break
			}
		}
	}
	rev, found := statusOf(ctx, rs, ee, issuer, at, opts)
	s.Revocation = rev
	if !found {
		s.noteUnreachable(rev)
		s.Warnings = append(s.Warnings, fmt.Sprintf("no revocation data: the certificate names %s but no usable OCSP response or CRL was embedded or could be fetched (%s)",
			revocationServices(ee), rev.Detail))
		return
	}
	switch rev.Status {
	case RevocationRevoked:
		reason := ""
		if rev.Reason != "" {
			reason = ", reason " + rev.Reason
		}
		if ra, _ := time.Parse(time.RFC3339, rev.RevokedAt); !ra.After(at) {
			s.Errors = append(s.Errors, fmt.Sprintf("certificate revoked at %s%s, at or before the validation time %s (%s; revocation data %s, %s)",
				rev.RevokedAt, reason, s.ValidationTime, s.ValidationTimeSource, rev.Source, rev.Kind))
			s.certProblem = true
		} else {
			rev.Detail = fmt.Sprintf("the certificate was revoked at %s%s, after the validation time %s (%s): the signature was made while it was valid", rev.RevokedAt, reason, s.ValidationTime, s.ValidationTimeSource)
		}
	}
}

// statusOf finds the revocation status of cert (issued by issuer) at
// time at: embedded evidence first, else fetched. found is false when
// nothing usable was had; rev.Detail then says why.
func statusOf(ctx context.Context, rs *revocationState, cert, issuer *x509.Certificate, at time.Time, opts Options) (rev *Revocation, found bool) {
	rev = &Revocation{Status: RevocationUnknown, Source: SourceUnavailable}
	var notes []string
	use := func(j judged, src string, ev Evidence) {
		rev.Status, rev.Source, rev.Kind, rev.URL = j.status, src, j.kind, ev.URL
		rev.ThisUpdate = rfc3339(j.thisUpdate)
		rev.NextUpdate = rfc3339(j.nextUpdate)
		rev.RevokedAt = rfc3339(j.revokedAt)
		rev.Reason = j.reason
		if src == SourceFetched {
			rev.Evidence = ev.OCSP
			if rev.Evidence == nil {
				rev.Evidence = ev.CRL
			}
		}
	}
	found = false
	// Embedded: OCSP first, then CRLs; a revocation wins over "good".
	// Embedded "good" speaks only when issued after the validation time
	// (within freshnessGrace): a response from before it says nothing of
	// a revocation between the two, and whoever adds a DSS could pick an
	// old one. A signature without a time-stamp is judged now, so its
	// status is fetched.
	speaks := func(j judged) bool {
		return j.covers(at) && (j.status == RevocationRevoked || !j.thisUpdate.Before(at.Add(-freshnessGrace)))
	}
	best, bestEv := bestEmbedded(rs.dss, cert, issuer, speaks)
	if best != nil {
		use(*best, SourceEmbedded, bestEv)
		found = true
	} else if len(rs.dss.ocsps)+len(rs.dss.crls) > 0 {
		notes = append(notes, "the document's embedded revocation data does not speak for this certificate at the validation time")
	}
	if !found && opts.Fetcher != nil {
		key := string(cert.Raw)
		r, ok := rs.fetched[key]
		if !ok {
			r.ev, r.err = opts.Fetcher.Fetch(ctx, cert, issuer)
			rs.fetched[key] = r
		}
		if r.err != nil {
			notes = append(notes, "fetching failed: "+workflow.ErrorMessage(r.err))
			rev.unreachable = workflow.ErrorCode(r.err) == workflow.EUNAVAILABLE
		} else if j, err := judge(r.ev, cert, issuer); err != nil {
			notes = append(notes, "the fetched revocation data does not verify: "+err.Error())
		} else if !j.covers(at) {
			notes = append(notes, "the fetched revocation data does not speak for the validation time")
		} else {
			use(j, SourceFetched, r.ev)
			found = true
		}
	} else if !found {
		notes = append(notes, "revocation data is not fetched online in this verification")
	}
	if !found {
		rev.Detail = strings.Join(notes, "; ")
	}
	return rev, found
}

// bestEmbedded is the document's evidence that speaks for cert (OCSP
// first, then CRLs; a revocation wins over "good"), or nil. Each piece is
// judged by judgeSummed with the sums readDSS made.
func bestEmbedded(dss dssData, cert, issuer *x509.Certificate, speaks func(judged) bool) (*judged, Evidence) {
	var best *judged
	var bestEv Evidence
	var certSum, issuerSum *[32]byte // computed at the first piece of evidence
	judgeDSS := func(ev Evidence, sum [32]byte) (judged, error) {
		if issuer == nil || cert == nil {
			return judge(ev, cert, issuer)
		}
		if certSum == nil {
			cs, is := sha256.Sum256(cert.Raw), sha256.Sum256(issuer.Raw)
			certSum, issuerSum = &cs, &is
		}
		return judgeSummed(ev, sum, cert, issuer, *certSum, *issuerSum)
	}
	for i, der := range dss.ocsps {
		if j, err := judgeDSS(Evidence{OCSP: der}, dss.ocspSums[i]); err == nil && speaks(j) {
			if best == nil || j.status == RevocationRevoked {
				best, bestEv = &j, Evidence{OCSP: der}
			}
		}
	}
	for i, der := range dss.crls {
		if j, err := judgeDSS(Evidence{CRL: der}, dss.crlSums[i]); err == nil && speaks(j) {
			if best == nil || j.status == RevocationRevoked && best.status != RevocationRevoked {
				best, bestEv = &j, Evidence{CRL: der}
			}
		}
	}
	return best, bestEv
}

// checkChainRevocation judges the intermediate CA certificates of the
// verified chain that name a revocation service, by the same rules: one
// revoked at or before the validation time makes the signature invalid, one
// without usable data indeterminate.
func checkChainRevocation(ctx context.Context, rs *revocationState, s *Signature, opts Options) {
	for i := 1; i+1 < len(s.chain); i++ {
		c := s.chain[i]
		if !NamesRevocation(c) {
			continue
		}
		rev, found := statusOf(ctx, rs, c, s.chain[i+1], s.valAt, opts)
		switch {
		case !found:
			s.noteUnreachable(rev)
			s.Warnings = append(s.Warnings, fmt.Sprintf("no revocation data for the intermediate CA certificate %s: it names %s but no usable OCSP response or CRL was embedded or could be fetched (%s)",
				dn.Subject(c), revocationServices(c), rev.Detail))
		case rev.Status == RevocationRevoked:
			if ra, _ := time.Parse(time.RFC3339, rev.RevokedAt); !ra.After(s.valAt) {
				s.Errors = append(s.Errors, fmt.Sprintf("the intermediate CA certificate %s was revoked at %s, at or before the validation time %s (%s; revocation data %s, %s)",
					dn.Subject(c), rev.RevokedAt, s.ValidationTime, s.ValidationTimeSource, rev.Source, rev.Kind))
				s.certProblem = true
			}
		}
	}
}

// noteUnreachable counts the warning about to be given for rev when it
// only says that a revocation service did not answer.
func (s *Signature) noteUnreachable(rev *Revocation) {
	if rev.unreachable {
		s.unreachable++
	}
}

// Unreachable reports whether the report is indeterminate only because
// revocation services did not answer: every indeterminate signature is
// intact, trusted and without errors, and its only warnings are
// revocation data that could not be fetched as unavailable (not data that
// was fetched and did not verify, nor a verification told not to fetch).
// The same bytes may then verify once the service answers again. It reads
// what Verify noted and is false on a report decoded from JSON.
func (rep *Report) Unreachable() bool {
	if rep.Verdict != Indeterminate {
		return false
	}
	found := false
	for _, s := range rep.Signatures {
		if s.verdict != Indeterminate {
			continue
		}
		if !s.ChainTrusted || len(s.Errors) > 0 || s.unreachable == 0 || s.unreachable != len(s.Warnings) {
			return false
		}
		found = true
	}
	return found
}

func revocationServices(c *x509.Certificate) string {
	var parts []string
	if len(c.OCSPServer) > 0 {
		parts = append(parts, "an OCSP responder ("+strings.Join(c.OCSPServer, ", ")+")")
	}
	if len(c.CRLDistributionPoints) > 0 {
		parts = append(parts, "a CRL ("+strings.Join(c.CRLDistributionPoints, ", ")+")")
	}
	return strings.Join(parts, " and ")
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// OCSPResponses and CRLs from the newest revision's /DSS, and its
// certificates: for tools and tests that look into the validation data.
func ReadDSS(pdf []byte) (certs []*x509.Certificate, ocsps, crls [][]byte, err error) {
	f, err := parseFile(pdf)
	if err != nil {
		return nil, nil, nil, err
	}
	d := readDSS(f)
	return d.certs, d.ocsps, d.crls, nil
}

// CheckEvidence verifies ev for cert (its signature by issuer, or by an
// OCSP responder issuer delegated to) and returns the status it gives:
// good, revoked or unknown.
func CheckEvidence(ev Evidence, cert, issuer *x509.Certificate) (string, error) {
	j, err := judge(ev, cert, issuer)
	return j.status, err
}

// CertificateStatus is the revocation status of cert, issued by issuer,
// at time at, as a signature's verification finds it for its signer
// (statusOf: the evidence fetched through fetcher, nil = offline; none is
// embedded): RevocationNotApplicable when cert names no OCSP responder or
// CRL; RevocationUnknown (Detail says why) when no usable evidence speaks
// for at. For what is not a PDF signature: the audit chain's anchors.
func CertificateStatus(ctx context.Context, cert, issuer *x509.Certificate, at time.Time, fetcher Fetcher) *Revocation {
	if !NamesRevocation(cert) {
		return &Revocation{Status: RevocationNotApplicable, Source: SourceNone,
			Detail: "the certificate names no OCSP responder or CRL distribution point"}
	}
	rev, _ := statusOf(ctx, &revocationState{fetched: map[string]fetchResult{}}, cert, issuer, at, Options{Fetcher: fetcher})
	return rev
}
