package archive

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/workflow"
)

// Evidence records (docs/archive.md, "Evidence renewal"), in the spirit of
// RFC 4998 (Evidence Record Syntax): an archive time-stamp chain kept
// beside the record, never inside it. Time-stamp n is a pair of
// write-once objects under the record's prefix:
//
//	evidence/NNNN-manifest.json   what is stamped: the record's data objects and their
//	                              SHA-256, their data hash, and every earlier token's and
//	                              manifest's SHA-256 (the chain)
//	evidence/NNNN-timestamp.tst   the RFC 3161 TimeStampToken (DER) whose message imprint
//	                              is the SHA-256 of the manifest's bytes
//
// So time-stamp 0 covers the record's data (document.pdf among it), and
// each renewal covers the data hash and the hash of the previous token:
// it proves the previous token existed while that token's TSA
// certificate was still valid.

// EvidenceFormat names the layout of evidence manifests.
const EvidenceFormat = "vanthu-evidence/1"

// EvidenceDir is the folder of the evidence objects within a record.
const EvidenceDir = "evidence/"

// Verdicts of an evidence check (as signing/verify's).
const (
	VerdictValid         = "valid"
	VerdictInvalid       = "invalid"
	VerdictIndeterminate = "indeterminate"
)

// Period is a calendar period (years, months, days).
type Period struct{ Years, Months, Days int }

// DefaultRenewBefore is how long before the newest time-stamp's
// certificate expires its record is renewed: one year.
var DefaultRenewBefore = Period{Years: 1}

// ParsePeriod parses "1y", "18m", "90d", "1y6m" (years, months, days).
func ParsePeriod(s string) (Period, error) {
	var p Period
	rest := strings.TrimSpace(s)
	if rest == "" {
		return p, fmt.Errorf("empty period: want e.g. 1y, 18m, 90d")
	}
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) || i > 5 {
			return Period{}, fmt.Errorf("period %q: want numbers with y, m or d (1y, 18m, 90d)", s)
		}
		var n int
		fmt.Sscan(rest[:i], &n)
		switch rest[i] {
		case 'y':
			p.Years += n
		case 'm':
			p.Months += n
		case 'd':
			p.Days += n
		default:
			return Period{}, fmt.Errorf("period %q: unit %q: want y, m or d", s, rest[i])
		}
		rest = rest[i+1:]
	}
	if p == (Period{}) {
		return p, fmt.Errorf("period %q is zero", s)
	}
	return p, nil
}

// Before returns t minus the period.
func (p Period) Before(t time.Time) time.Time { return t.AddDate(-p.Years, -p.Months, -p.Days) }

// RenewAt is when a time-stamp made at stamped whose certificate path is
// valid until validUntil is due for renewal: RenewBefore ahead of its
// expiry, but never before a third of its life has passed (so an authority
// whose certificates are shorter than RenewBefore is not asked again at
// every run).
func (s *Service) RenewAt(stamped, validUntil time.Time) time.Time {
	at := s.renewBefore().Before(validUntil)
	if third := stamped.Add(validUntil.Sub(stamped) / 3); third.After(at) {
		at = third
	}
	return at.UTC()
}

// IsEvidence reports whether name (within a record) is an evidence object.
func IsEvidence(name string) bool { return strings.HasPrefix(name, EvidenceDir) }

// EvidenceNames returns the names of time-stamp seq's manifest and token.
func EvidenceNames(seq int) (manifest, token string) {
	return fmt.Sprintf("%s%04d-manifest.json", EvidenceDir, seq), fmt.Sprintf("%s%04d-timestamp.tst", EvidenceDir, seq)
}

// RevocationName is the name of the revocation data (OCSP response or
// CRL, DER) that time-stamp seq keeps for the previous time-stamp's TSA
// certificate.
func RevocationName(seq int) string { return fmt.Sprintf("%s%04d-revocation.der", EvidenceDir, seq) }

// RevocationFetcher fetches revocation data (kind "ocsp" or "crl", DER)
// for cert, issued by issuer; an error when there is none.
type RevocationFetcher func(ctx context.Context, cert, issuer *x509.Certificate) (der []byte, kind, url string, err error)

// RevocationChecker verifies revocation data for cert (signed by issuer or
// its delegated responder) and returns the status it gives: good, revoked
// or unknown.
type RevocationChecker func(der []byte, kind string, cert, issuer *x509.Certificate) (string, error)

// DocumentVerifier re-validates a record's principal file as of a time
// (the time the first archive time-stamp proves); verdict is valid,
// invalid, indeterminate or unsigned. cmd wires signing/verify here.
type DocumentVerifier func(ctx context.Context, pdf []byte, at time.Time) (verdict string, reasons []string, err error)

// EvidenceManifest is evidence/NNNN-manifest.json. It holds no time and
// nothing that is not fixed by the record and the earlier time-stamps, so
// an interrupted renewal writes the same bytes again.
type EvidenceManifest struct {
	Format        string           `json:"format"`
	DocumentID    string           `json:"document_id"`
	Record        string           `json:"record"` // the record's key prefix
	Seq           int              `json:"seq"`
	HashAlgorithm string           `json:"hash_algorithm"` // "SHA-256"
	Objects       []EvidenceObject `json:"objects"`        // the record's data objects, by name
	// DataHash is the SHA-256 of the lines "sha256  name\n" of Objects
	// in name order (a BagIt manifest's form).
	DataHash string `json:"data_hash"`
	// Previous lists every earlier time-stamp, oldest first; the last is
	// the one this renews.
	Previous []EvidenceLink `json:"previous,omitempty"`
	// Revocation is the revocation data of the previous time-stamp's TSA
	// certificate, fetched at this renewal and so covered by this
	// time-stamp (absent when that certificate names no service or none
	// answered).
	Revocation *EvidenceRevocation `json:"revocation,omitempty"`
}

// EvidenceRevocation names the revocation data a manifest covers.
type EvidenceRevocation struct {
	OfSeq  int    `json:"of_seq"` // the time-stamp whose TSA certificate it is about
	Object string `json:"object"`
	SHA256 string `json:"sha256"`
	Kind   string `json:"kind"` // ocsp or crl
	URL    string `json:"url,omitempty"`
}

// EvidenceObject is one data object a manifest covers.
type EvidenceObject struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// EvidenceLink names an earlier time-stamp of the chain.
type EvidenceLink struct {
	Seq            int       `json:"seq"`
	Manifest       string    `json:"manifest"`
	ManifestSHA256 string    `json:"manifest_sha256"`
	Token          string    `json:"token"`
	TokenSHA256    string    `json:"token_sha256"`
	Time           time.Time `json:"time"` // the token's genTime
}

// DataHash computes a manifest's data hash from its objects.
func DataHash(objs []EvidenceObject) string {
	s := slices.Clone(objs)
	sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	h := sha256.New()
	for _, o := range s {
		fmt.Fprintf(h, "%s  %s\n", o.SHA256, o.Name)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// dataObjects returns the record's objects that are not evidence.
func dataObjects(rec *Record) []Object {
	var out []Object
	for _, o := range rec.Objects {
		if !IsEvidence(o.Name) {
			out = append(out, o)
		}
	}
	return out
}

func objectByName(rec *Record, name string) (Object, bool) {
	for _, o := range rec.Objects {
		if o.Name == name {
			return o, true
		}
	}
	return Object{}, false
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// token is a parsed, CMS-checked archive time-stamp token.
type token struct {
	ts         *timestamp.Timestamp
	cert       *x509.Certificate // the TSA's
	issuer     *x509.Certificate // its issuer, when known
	trusted    bool              // chains to the trust anchors at its time, time-stamping usage
	trustErr   string
	validUntil time.Time // the earliest NotAfter of the TSA certificate's path
}

// parseToken parses der (checking its CMS signature) and judges its TSA
// certificate against roots at the token's own time.
func parseToken(der []byte, roots *x509.CertPool) (*token, error) {
	ts, err := timestamp.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("not a valid time-stamp token: %w", err)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("not a valid time-stamp token: %w", err)
	}
	cert := p7.GetOnlySigner()
	if cert == nil {
		return nil, fmt.Errorf("the time-stamp token carries no TSA certificate")
	}
	t := &token{ts: ts, cert: cert, validUntil: cert.NotAfter}
	switch {
	case roots == nil:
		t.trustErr = "no trust anchors are configured"
	case !timeStampingOnly(cert):
		t.trustErr = "the TSA certificate is not for time-stamping (RFC 3161 2.3: one critical extended key usage, id-kp-timeStamping)"
	default:
		inter := x509.NewCertPool()
		for _, c := range ts.Certificates {
			if !c.Equal(cert) {
				inter.AddCert(c)
			}
		}
		chains, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: ts.Time,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
		if err != nil {
			t.trustErr = err.Error()
			break
		}
		t.trusted = true
		if len(chains[0]) > 1 {
			t.issuer = chains[0][1]
		}
		for _, c := range chains[0] {
			if c.NotAfter.Before(t.validUntil) {
				t.validUntil = c.NotAfter
			}
		}
	}
	return t, nil
}

// timeStampingOnly reports whether c's extended key usage is exactly
// id-kp-timeStamping, in a critical extension (RFC 3161 2.3).
func timeStampingOnly(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) > 0 {
		return false
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			return e.Critical
		}
	}
	return false
}

// chainLink is one time-stamp of a record's chain as read from the store.
type chainLink struct {
	seq                      int
	manifestObj, tokenObj    Object
	manifestRaw, tokenRaw    []byte
	manifest                 EvidenceManifest
	tok                      *token
	problems                 []string // structural: hashes, imprint, links (each makes the chain invalid)
	manifestName, tokenName  string
	manifestSum, tokenSumHex string
	revocationRaw            []byte // the revocation data the manifest covers (of the previous TSA certificate)
}

// readChain reads and checks the structure of a record's time-stamp chain:
// every object matches its recorded SHA-256, each token's imprint is its
// manifest's hash, each manifest covers the record's data objects as
// recorded (the first one document.pdf among them) and links to the
// previous token. Certificates are judged against roots (nil: not).
func (s *Service) readChain(ctx context.Context, rec *Record, roots *x509.CertPool) ([]*chainLink, error) {
	data := dataObjects(rec)
	want := make(map[string]string, len(data))
	for _, o := range data {
		want[o.Name] = o.SHA256
	}
	var links []*chainLink
	for seq := 0; seq < rec.Evidence.Count; seq++ {
		mn, tn := EvidenceNames(seq)
		l := &chainLink{seq: seq, manifestName: mn, tokenName: tn}
		links = append(links, l)
		if ok, err := s.loadLink(ctx, rec, l); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		if err := json.Unmarshal(l.manifestRaw, &l.manifest); err != nil {
			l.problems = append(l.problems, fmt.Sprintf("%s is not a manifest: %v", mn, err))
			continue
		}
		checkManifest(l, rec, want, links)
		if err := s.loadRevocation(ctx, rec, l); err != nil {
			return nil, err
		}
		checkLinkToken(l, links, roots)
	}
	return links, nil
}

// loadLink reads the manifest and token of link l; not ok (with the
// problem noted) when one is not recorded or cannot be read. An
// unavailable store is an error.
func (s *Service) loadLink(ctx context.Context, rec *Record, l *chainLink) (bool, error) {
	var ok bool
	if l.manifestObj, ok = objectByName(rec, l.manifestName); !ok {
		l.problems = append(l.problems, fmt.Sprintf("%s is not recorded", l.manifestName))
		return false, nil
	}
	if l.tokenObj, ok = objectByName(rec, l.tokenName); !ok {
		l.problems = append(l.problems, fmt.Sprintf("%s is not recorded", l.tokenName))
		return false, nil
	}
	var err error
	for _, r := range []struct {
		o   Object
		raw *[]byte
	}{{l.manifestObj, &l.manifestRaw}, {l.tokenObj, &l.tokenRaw}} {
		if *r.raw, err = s.readObject(ctx, r.o); err != nil {
			if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
				return false, err
			}
			l.problems = append(l.problems, err.Error())
			return false, nil
		}
	}
	l.manifestSum, l.tokenSumHex = sumHex(l.manifestRaw), sumHex(l.tokenRaw)
	return true, nil
}

// checkManifest notes what is wrong with link l's manifest: another
// record or place, a data hash or object list that is not the record's,
// a broken link to the previous time-stamp.
func checkManifest(l *chainLink, rec *Record, want map[string]string, links []*chainLink) {
	m, mn, seq := &l.manifest, l.manifestName, l.seq
	if m.Format != EvidenceFormat || m.DocumentID != rec.DocumentID || m.Seq != seq || m.Record != rec.Key {
		l.problems = append(l.problems, fmt.Sprintf("%s names another record or place (format %q, document %q, record %q, seq %d)", mn, m.Format, m.DocumentID, m.Record, m.Seq))
	}
	if DataHash(m.Objects) != m.DataHash {
		l.problems = append(l.problems, fmt.Sprintf("%s: its data hash does not match its object list", mn))
	}
	covered := map[string]bool{}
	for _, o := range m.Objects {
		covered[o.Name] = true
		if w, ok := want[o.Name]; !ok || w != o.SHA256 {
			l.problems = append(l.problems, fmt.Sprintf("%s covers %s with SHA-256 %s, which is not the record's", mn, o.Name, o.SHA256))
		}
	}
	for name := range want {
		if !covered[name] {
			l.problems = append(l.problems, fmt.Sprintf("%s does not cover %s", mn, name))
		}
	}
	if len(m.Previous) != seq {
		l.problems = append(l.problems, fmt.Sprintf("%s lists %d earlier time-stamps, want %d", mn, len(m.Previous), seq))
	} else if seq > 0 {
		p, prev := m.Previous[seq-1], links[seq-1]
		if p.Seq != seq-1 || p.TokenSHA256 != prev.tokenSumHex || p.ManifestSHA256 != prev.manifestSum {
			l.problems = append(l.problems, fmt.Sprintf("%s does not link to time-stamp %d (token SHA-256 %s, want %s)", mn, seq-1, p.TokenSHA256, prev.tokenSumHex))
		}
	}
}

// loadRevocation reads the revocation data link l's manifest names, if
// any, noting what does not match the record.
func (s *Service) loadRevocation(ctx context.Context, rec *Record, l *chainLink) error {
	r, mn, seq := l.manifest.Revocation, l.manifestName, l.seq
	if r == nil {
		return nil
	}
	o, ok := objectByName(rec, r.Object)
	switch {
	case r.OfSeq != seq-1 || r.Object != RevocationName(seq):
		l.problems = append(l.problems, fmt.Sprintf("%s names revocation data %s of time-stamp %d", mn, r.Object, r.OfSeq))
	case !ok:
		l.problems = append(l.problems, fmt.Sprintf("%s is not recorded", r.Object))
	case o.SHA256 != r.SHA256:
		l.problems = append(l.problems, fmt.Sprintf("%s covers %s with SHA-256 %s, which is not the recorded one", mn, r.Object, r.SHA256))
	default:
		b, err := s.readObject(ctx, o)
		if err != nil {
			if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
				return err
			}
			l.problems = append(l.problems, err.Error())
		}
		l.revocationRaw = b
	}
	return nil
}

// checkLinkToken parses link l's token (certificates judged against
// roots) and notes whether it stamps the manifest at the time the next
// manifest gives it.
func checkLinkToken(l *chainLink, links []*chainLink, roots *x509.CertPool) {
	m, mn, tn, seq := &l.manifest, l.manifestName, l.tokenName, l.seq
	tok, err := parseToken(l.tokenRaw, roots)
	if err != nil {
		l.problems = append(l.problems, fmt.Sprintf("%s: %v", tn, err))
		return
	}
	l.tok = tok
	if tok.ts.HashAlgorithm != crypto.SHA256 || hex.EncodeToString(tok.ts.HashedMessage) != l.manifestSum {
		l.problems = append(l.problems, fmt.Sprintf("%s: its message imprint is not the SHA-256 of %s", tn, mn))
	}
	if seq > 0 && len(m.Previous) == seq && !m.Previous[seq-1].Time.Equal(timeOf(links[seq-1])) {
		l.problems = append(l.problems, fmt.Sprintf("%s gives time-stamp %d another time than its token", mn, seq-1))
	}
}

func timeOf(l *chainLink) time.Time {
	if l.tok == nil {
		return time.Time{}
	}
	return l.tok.ts.Time.UTC()
}

// readObject reads a recorded object whole and checks its SHA-256.
func (s *Service) readObject(ctx context.Context, o Object) ([]byte, error) {
	rc, _, err := s.Store.Get(ctx, o.Key)
	if err != nil {
		if workflow.ErrorCode(err) == workflow.ENOTFOUND {
			return nil, fmt.Errorf("%s is missing from the archive store", o.Key)
		}
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "read %s", o.Key)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "read %s", o.Key)
	}
	if sumHex(b) != o.SHA256 {
		return nil, fmt.Errorf("%s does not match its recorded SHA-256 %s (read %s)", o.Key, o.SHA256, sumHex(b))
	}
	return b, nil
}

// checkData re-reads the record's data objects and compares their
// SHA-256 with the recorded values; it returns the mismatches.
func (s *Service) checkData(ctx context.Context, rec *Record) ([]string, error) {
	var bad []string
	buf := make([]byte, 1<<20)
	for _, o := range dataObjects(rec) {
		p, kind, _ := s.checkObject(ctx, o, buf)
		switch kind {
		case "":
		case "error":
			return nil, workflow.Errorf(workflow.EUNAVAILABLE, "read %s: %s", o.Key, p.Error)
		default:
			bad = append(bad, fmt.Sprintf("%s does not match its recorded SHA-256 %s (%s %s)", o.Name, o.SHA256, kind, p.Actual))
		}
	}
	return bad, nil
}

func (s *Service) roots() *x509.CertPool {
	if s.TrustRoots != nil {
		return s.TrustRoots()
	}
	return nil
}

func (s *Service) renewBefore() Period {
	if s.RenewBefore != (Period{}) {
		return s.RenewBefore
	}
	return DefaultRenewBefore
}

// RenewalDue says whether rec needs a new archive time-stamp at now, and
// why (or why not): it has none yet, or it is kept longer than its newest
// time-stamp's certificate lives and its renewal date has come.
func (s *Service) RenewalDue(rec *Record, now time.Time) (bool, string) {
	ev, f := rec.Evidence, time.RFC3339
	switch {
	case !rec.RetainUntil.After(now):
		return false, fmt.Sprintf("retention ended %s", rec.RetainUntil.UTC().Format(f))
	case ev.Count == 0:
		return true, "the record has no archive time-stamp yet"
	case !rec.RetainUntil.After(ev.ValidUntil):
		return false, fmt.Sprintf("kept until %s; its newest time-stamp stays verifiable until %s", rec.RetainUntil.UTC().Format(f), ev.ValidUntil.UTC().Format(f))
	case now.Before(ev.RenewAt):
		return false, fmt.Sprintf("not due before %s: the newest time-stamp stays verifiable until %s", ev.RenewAt.UTC().Format(f), ev.ValidUntil.UTC().Format(f))
	}
	return true, fmt.Sprintf("kept until %s, longer than the newest time-stamp's certificate lives (until %s)", rec.RetainUntil.UTC().Format(f), ev.ValidUntil.UTC().Format(f))
}

// RenewResult is the outcome of renewing one record.
type RenewResult struct {
	DocumentID string    `json:"document_id"`
	Seq        int       `json:"seq"` // the new time-stamp's number (or the count, when skipped)
	Manifest   string    `json:"manifest,omitempty"`
	Token      string    `json:"token,omitempty"`
	Time       time.Time `json:"time,omitzero"`        // the new token's time
	ValidUntil time.Time `json:"valid_until,omitzero"` // its TSA certificate path's earliest expiry
	Authority  string    `json:"authority,omitempty"`
	Reason     string    `json:"reason"`            // why it was due
	Skipped    string    `json:"skipped,omitempty"` // why nothing was added
}

// Renew adds an archive time-stamp to docID's record when one is due (any
// time with force): it re-reads the record's data objects (refusing when
// one no longer matches its hash), checks the existing chain, writes the
// next manifest and the token over its hash as new write-once objects
// beside the record, and records them in the index. Idempotent and safe
// with several instances: the manifest's bytes are fixed by the record and
// the chain, a token already stored for it is reused, and the index takes
// time-stamp n only when the record has exactly n (another instance's
// concurrent renewal is reported as skipped). Errors: ENOTFOUND,
// EUNAVAILABLE (no time-stamp authority, store or authority down),
// EINTERNAL (the record no longer matches its hashes or its chain is
// damaged: not renewed).
func (s *Service) Renew(ctx context.Context, docID string, force bool) (*RenewResult, error) {
	rec, res, err := s.renewable(ctx, docID, force)
	if err != nil || res.Skipped != "" {
		return res, err
	}
	now := s.now()
	m, links, err := s.nextManifest(ctx, rec)
	if err != nil {
		return nil, err
	}
	if n := len(links); n > 0 && !links[n-1].tok.validUntil.After(now) {
		s.logger().WarnContext(ctx, "renewing evidence after the newest time-stamp's certificate expired: the chain stays broken there",
			"doc_id", docID, "expired", links[n-1].tok.validUntil)
	}
	opts := workflow.PutOptions{RetainUntil: rec.RetainUntil, LegalHold: rec.LegalHold}
	var extra []Object // recorded with the time-stamp
	if n := len(links); n > 0 {
		r, o, err := s.previousRevocation(ctx, rec, links[n-1], m.Seq, opts)
		if err != nil {
			return nil, err
		}
		if r != nil {
			m.Revocation = r
			extra = append(extra, o)
		}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	mb = append(mb, '\n')
	msum := sha256.Sum256(mb)
	mname, tname := EvidenceNames(m.Seq)
	moi, err := s.putEvidence(ctx, rec.Key+mname, mb, "application/json", opts)
	if err != nil {
		return nil, err
	}
	tok, toi, err := s.stampManifest(ctx, docID, rec.Key+tname, msum[:], opts)
	if err != nil {
		return nil, err
	}
	pt, err := parseToken(tok, s.roots())
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "archive time-stamp of %s", docID)
	}
	if !pt.trusted {
		s.logger().WarnContext(ctx, "archive time-stamp not trusted", "doc_id", docID, "reason", pt.trustErr)
	}
	ev := Evidence{Count: m.Seq + 1, Time: pt.ts.Time.UTC(), ValidUntil: pt.validUntil.UTC(), RenewAt: s.RenewAt(pt.ts.Time, pt.validUntil)}
	err = s.Index.AddEvidence(ctx, docID, rec.Key, ev, append(extra, objectOf(docID, mname, moi), objectOf(docID, tname, toi)))
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		res.Skipped = "renewed at the same time by another instance"
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	res.Seq, res.Manifest, res.Token = m.Seq, mname, tname
	res.Time, res.ValidUntil, res.Authority = pt.ts.Time.UTC(), pt.validUntil.UTC(), dn.Subject(pt.cert)
	s.logger().InfoContext(ctx, "archive time-stamp added", "doc_id", docID, "seq", m.Seq, "time", res.Time,
		"valid_until", res.ValidUntil, "reason", res.Reason)
	return res, nil
}

// renewable loads docID's record and says whether it is to be renewed:
// a result with Skipped set when it is not due (and not forced); an
// error when renewal is impossible (no authority, no archive, an
// incomplete record, data that no longer matches).
func (s *Service) renewable(ctx context.Context, docID string, force bool) (*Record, *RenewResult, error) {
	if s.Stamper == nil {
		return nil, nil, workflow.Errorf(workflow.EUNAVAILABLE, "no time-stamp authority is configured (VANTHU_TSA_URL)")
	}
	if s.Store == nil || s.Index == nil {
		return nil, nil, workflow.Errorf(workflow.EUNAVAILABLE, "the archive is not configured on this server")
	}
	rec, err := s.Index.Record(ctx, docID)
	if err != nil {
		return nil, nil, err
	}
	res := &RenewResult{DocumentID: docID, Seq: rec.Evidence.Count}
	due, why := s.RenewalDue(rec, s.now())
	res.Reason = why
	if !due && !force {
		res.Skipped = why
		return rec, res, nil
	}
	if _, ok := objectByName(rec, NameMetadata); !ok {
		return nil, nil, workflow.Errorf(workflow.EINVALID, "the record of %s is not complete (no %s)", docID, NameMetadata)
	}
	bad, err := s.checkData(ctx, rec)
	if err != nil {
		return nil, nil, err
	}
	if len(bad) > 0 {
		return nil, nil, workflow.Errorf(workflow.EINTERNAL, "record of %s not renewed: %s", docID, strings.Join(bad, "; "))
	}
	return rec, res, nil
}

// nextManifest is the manifest of rec's next time-stamp: the record's
// data objects and every earlier time-stamp, whose chain must be intact.
func (s *Service) nextManifest(ctx context.Context, rec *Record) (EvidenceManifest, []*chainLink, error) {
	links, err := s.readChain(ctx, rec, nil)
	if err != nil {
		return EvidenceManifest{}, nil, err
	}
	m := EvidenceManifest{Format: EvidenceFormat, DocumentID: rec.DocumentID, Record: rec.Key, Seq: rec.Evidence.Count, HashAlgorithm: "SHA-256"}
	for _, o := range dataObjects(rec) {
		m.Objects = append(m.Objects, EvidenceObject{Name: o.Name, SHA256: o.SHA256, Size: o.Size})
	}
	sort.Slice(m.Objects, func(i, j int) bool { return m.Objects[i].Name < m.Objects[j].Name })
	m.DataHash = DataHash(m.Objects)
	for _, l := range links {
		if len(l.problems) > 0 {
			return EvidenceManifest{}, nil, workflow.Errorf(workflow.EINTERNAL, "record of %s not renewed: its evidence chain is damaged: %s", rec.DocumentID, strings.Join(l.problems, "; "))
		}
		m.Previous = append(m.Previous, EvidenceLink{Seq: l.seq, Manifest: l.manifestName, ManifestSHA256: l.manifestSum,
			Token: l.tokenName, TokenSHA256: l.tokenSumHex, Time: timeOf(l)})
	}
	return m, links, nil
}

// stampManifest gets the time-stamp token over a manifest's SHA-256 msum
// and stores it write-once under tkey. A token an interrupted (or a
// concurrent) attempt stored for this very manifest is kept: the key is
// write-once, so the new token's PUT is refused (no read before it, one
// round trip in the common case) and the stored one is read then.
func (s *Service) stampManifest(ctx context.Context, docID, tkey string, msum []byte, opts workflow.PutOptions) ([]byte, workflow.ObjectInfo, error) {
	tok, err := s.Stamper.Stamp(ctx, msum)
	if err != nil {
		return nil, workflow.ObjectInfo{}, fmt.Errorf("archive time-stamp of %s: %w", docID, err)
	}
	ts, err := timestamp.Parse(tok)
	if err != nil || ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, msum) {
		return nil, workflow.ObjectInfo{}, workflow.Errorf(workflow.EUNAVAILABLE, "archive time-stamp of %s: the authority's token does not stamp the manifest (%v)", docID, err)
	}
	toi, err := s.putEvidence(ctx, tkey, tok, "application/timestamp-token", opts)
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		if tok, err = s.storedToken(ctx, tkey, msum); err == nil && tok != nil {
			toi, err = s.Store.Stat(ctx, tkey)
		} else if err == nil {
			err = workflow.Errorf(workflow.EINTERNAL, "%s holds a token over another manifest", tkey)
		}
	}
	if err != nil {
		return nil, workflow.ObjectInfo{}, err
	}
	return tok, toi, nil
}

// previousRevocation gets the revocation data of the previous
// time-stamp's TSA certificate for time-stamp seq, stores it write-once
// (reusing what an interrupted or concurrent attempt stored) and returns
// what the manifest names and the object to record. Nil when the
// certificate names no revocation service, no fetcher is configured, or
// none answers (logged: the report will say it was not checked).
func (s *Service) previousRevocation(ctx context.Context, rec *Record, prev *chainLink, seq int, opts workflow.PutOptions) (*EvidenceRevocation, Object, error) {
	c := prev.tok.cert
	if s.FetchRevocation == nil || (len(c.OCSPServer) == 0 && len(c.CRLDistributionPoints) == 0) {
		return nil, Object{}, nil
	}
	issuer := prev.tok.issuer
	if issuer == nil {
		for _, cand := range prev.tok.ts.Certificates {
			if !cand.Equal(c) && c.CheckSignatureFrom(cand) == nil {
				issuer = cand
			}
		}
	}
	if issuer == nil {
		return nil, Object{}, nil
	}
	name := RevocationName(seq)
	key := rec.Key + name
	var der []byte
	var kind, url string
	if rc, _, err := s.Store.Get(ctx, key); err == nil {
		der, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, Object{}, workflow.Wrap(workflow.EUNAVAILABLE, err, "read %s", key)
		}
		kind = "ocsp"
		if _, err := x509.ParseRevocationList(der); err == nil {
			kind = "crl"
		}
	} else if workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return nil, Object{}, workflow.Wrap(workflow.EUNAVAILABLE, err, "read %s", key)
	} else {
		der, kind, url, err = s.FetchRevocation(ctx, c, issuer)
		if err != nil {
			s.logger().WarnContext(ctx, "no revocation data for the previous archive time-stamp's TSA certificate", "doc_id", rec.DocumentID, "seq", prev.seq, "err", err)
			return nil, Object{}, nil
		}
	}
	oi, err := s.putEvidence(ctx, key, der, "application/octet-stream", opts)
	if workflow.ErrorCode(err) == workflow.ECONFLICT { // another instance stored its own first: use that
		return s.previousRevocation(ctx, rec, prev, seq, opts)
	}
	if err != nil {
		return nil, Object{}, err
	}
	o := Object{Key: oi.Key, DocumentID: rec.DocumentID, Name: name, Size: oi.Size, SHA256: oi.SHA256,
		VersionID: oi.VersionID, RetainUntil: oi.RetainUntil, LegalHold: oi.LegalHold}
	return &EvidenceRevocation{OfSeq: prev.seq, Object: name, SHA256: oi.SHA256, Kind: kind, URL: url}, o, nil
}

// storedToken returns the token stored at key when it stamps digest, nil
// when there is none.
func (s *Service) storedToken(ctx context.Context, key string, digest []byte) ([]byte, error) {
	rc, _, err := s.Store.Get(ctx, key)
	switch workflow.ErrorCode(err) {
	case "":
	case workflow.ENOTFOUND:
		return nil, nil
	default:
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "read %s", key)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, workflow.Wrap(workflow.EUNAVAILABLE, err, "read %s", key)
	}
	ts, err := timestamp.Parse(b)
	if err != nil || !bytes.Equal(ts.HashedMessage, digest) {
		return nil, workflow.Errorf(workflow.EINTERNAL, "%s already holds something else than a time-stamp over its manifest", key)
	}
	return b, nil
}

func (s *Service) putEvidence(ctx context.Context, key string, b []byte, ct string, opts workflow.PutOptions) (workflow.ObjectInfo, error) {
	sum := sha256.Sum256(b)
	oi, err := s.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), hex.EncodeToString(sum[:]), withType(opts, ct))
	if err != nil {
		if workflow.ErrorCode(err) == workflow.ECONFLICT {
			return oi, workflow.Wrap(workflow.ECONFLICT, err, "archive store: %s already holds other bytes", key)
		}
		return oi, fmt.Errorf("archive store: write %s: %w", key, err)
	}
	return oi, nil
}

// RenewReport is the outcome of one renewal run over the due records.
type RenewReport struct {
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	Renewed    []*RenewResult  `json:"renewed"`
	Skipped    []*RenewResult  `json:"skipped"`
	Errors     []FixityProblem `json:"errors"` // document id and error
}

// RenewDue renews every archived record that is due (RenewalDue at now).
// A record that fails is reported and the run goes on, except when the
// time-stamp authority or the store is unavailable: the run stops there
// (the next run resumes).
func (s *Service) RenewDue(ctx context.Context) (*RenewReport, error) {
	now := s.now()
	rep := &RenewReport{StartedAt: now.UTC(), Renewed: []*RenewResult{}, Skipped: []*RenewResult{}, Errors: []FixityProblem{}}
	after := ""
	for {
		ids, err := s.Index.EvidenceDue(ctx, now, after, 100)
		if err != nil {
			return rep, fmt.Errorf("evidence renewal: %w", err)
		}
		results := s.renewAll(ctx, ids)
		for i, id := range ids {
			r, err := results[i].res, results[i].err
			switch {
			case err != nil:
				rep.Errors = append(rep.Errors, FixityProblem{DocumentID: id, Error: err.Error()})
				if workflow.ErrorCode(err) == workflow.EUNAVAILABLE || ctx.Err() != nil {
					rep.FinishedAt = s.now().UTC()
					return rep, err
				}
			case r.Skipped != "":
				rep.Skipped = append(rep.Skipped, r)
			default:
				rep.Renewed = append(rep.Renewed, r)
			}
		}
		if len(ids) < 100 {
			break
		}
		after = ids[len(ids)-1]
	}
	rep.FinishedAt = s.now().UTC()
	return rep, nil
}

// RenewWorkers is how many records RenewDue renews at once: a renewal
// waits mostly for the time-stamp authority and the archive store.
const RenewWorkers = 8

type renewOutcome struct {
	res *RenewResult
	err error
}

// renewAll renews ids, RenewWorkers at a time, and returns the outcomes
// in the order of ids. After an outage (EUNAVAILABLE) or a cancellation
// the records not yet started are not tried (their outcome is the same
// error).
func (s *Service) renewAll(ctx context.Context, ids []string) []renewOutcome {
	out := make([]renewOutcome, len(ids))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(RenewWorkers, len(ids)) {
		wg.Go(func() {
			for i := range next {
				if err := ctx.Err(); err != nil {
					out[i].err = err
					continue
				}
				out[i].res, out[i].err = s.Renew(ctx, ids[i], false)
				if workflow.ErrorCode(out[i].err) == workflow.EUNAVAILABLE {
					cancel()
				}
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// EvidenceReport is the check of an archived record's evidence at a time.
type EvidenceReport struct {
	DocumentID  string            `json:"document_id"`
	Record      string            `json:"record"`
	CheckedAt   time.Time         `json:"checked_at"`
	RetainUntil time.Time         `json:"retain_until"`
	Verdict     string            `json:"verdict"` // valid, invalid, indeterminate
	Reasons     []string          `json:"reasons"`
	Document    *DocumentEvidence `json:"document,omitempty"`
	TimeStamps  []EvidenceStamp   `json:"time_stamps"`
}

// DocumentEvidence is the re-validation of the principal file at the time
// the first archive time-stamp proves.
type DocumentEvidence struct {
	Name           string    `json:"name"`
	SHA256         string    `json:"sha256"`
	ValidationTime time.Time `json:"validation_time"`
	Verdict        string    `json:"verdict"`
	Reasons        []string  `json:"reasons,omitempty"`
}

// EvidenceStamp is one archive time-stamp of the chain.
type EvidenceStamp struct {
	Seq          int       `json:"seq"`
	Manifest     string    `json:"manifest"`
	Token        string    `json:"token"`
	Time         time.Time `json:"time,omitzero"`
	Authority    string    `json:"authority,omitempty"`
	CertNotAfter time.Time `json:"cert_not_after,omitzero"`
	ValidUntil   time.Time `json:"valid_until,omitzero"` // earliest expiry of its certificate path
	Trusted      bool      `json:"trusted"`
	Problems     []string  `json:"problems,omitempty"`
}

// VerifyEvidence checks docID's record and its chain of archive
// time-stamps at the service's clock: every data object matches its
// recorded SHA-256; each token's signature verifies, its TSA certificate
// chains to the trust anchors at its time and its imprint is its
// manifest's hash; the first covers the record's data (document.pdf among
// it); each later one was made while the previous one's TSA certificate
// was still valid and covers that token's hash; the newest one's
// certificate is still valid now; and the principal file's signatures
// were valid at the time the first one proves. Verdict: invalid when
// something does not match (content, imprint, link, signature),
// indeterminate when the evidence cannot be trusted or has expired,
// valid otherwise; the reasons say which.
func (s *Service) VerifyEvidence(ctx context.Context, docID string) (*EvidenceReport, error) {
	rec, err := s.Index.Record(ctx, docID)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	rep := &EvidenceReport{DocumentID: docID, Record: rec.Key, CheckedAt: now, RetainUntil: rec.RetainUntil.UTC(), TimeStamps: []EvidenceStamp{}}
	f := &findings{rep: rep}
	bad, err := s.checkData(ctx, rec)
	if err != nil {
		return nil, err
	}
	for _, b := range bad {
		f.fail(b)
	}
	if len(bad) == 0 {
		f.ok(fmt.Sprintf("the record's %d objects match their recorded SHA-256", len(dataObjects(rec))))
	}
	links, err := s.readChain(ctx, rec, s.roots())
	if err != nil {
		return nil, err
	}
	if len(links) == 0 {
		f.doubt("no archive time-stamp: nothing proves when the record existed (run `vanthu archive renew`)")
	}
	for i := range links {
		rep.TimeStamps = append(rep.TimeStamps, s.judgeStamp(rec, links, i, f))
	}
	if n := len(links); n > 0 && links[n-1].tok != nil {
		last := links[n-1].tok
		if now.Before(last.validUntil) {
			f.ok(fmt.Sprintf("the newest time-stamp (%d) stays verifiable until %s; checked at %s", n-1, last.validUntil.UTC().Format(time.RFC3339), now.Format(time.RFC3339)))
		} else {
			f.doubt(fmt.Sprintf("the evidence expired: the newest archive time-stamp (%d, made %s) has a TSA certificate that expired at %s and was not renewed before then; checked at %s",
				n-1, last.ts.Time.UTC().Format(time.RFC3339), last.validUntil.UTC().Format(time.RFC3339), now.Format(time.RFC3339)))
		}
	}
	if doc, ok := objectByName(rec, NameDocument); ok && s.VerifyDocument != nil {
		if err := s.judgeDocument(ctx, doc, links, now, f); err != nil {
			return nil, err
		}
	}
	switch {
	case f.invalid:
		rep.Verdict = VerdictInvalid
	case f.indet:
		rep.Verdict = VerdictIndeterminate
	default:
		rep.Verdict = VerdictValid
	}
	return rep, nil
}

// findings gathers an evidence report's reasons and whether one makes it
// invalid or indeterminate.
type findings struct {
	rep            *EvidenceReport
	invalid, indet bool
}

func (f *findings) fail(r string)  { f.invalid = true; f.rep.Reasons = append(f.rep.Reasons, r) }
func (f *findings) doubt(r string) { f.indet = true; f.rep.Reasons = append(f.rep.Reasons, r) }
func (f *findings) ok(r string)    { f.rep.Reasons = append(f.rep.Reasons, r) }

// judgeStamp reports on time-stamp i of the chain: its problems, whom it
// is by and what it covers, its TSA certificate's trust and revocation,
// and whether it was made while the previous one was still verifiable.
func (s *Service) judgeStamp(rec *Record, links []*chainLink, i int, f *findings) EvidenceStamp {
	l := links[i]
	st := EvidenceStamp{Seq: l.seq, Manifest: l.manifestName, Token: l.tokenName, Problems: l.problems}
	for _, p := range l.problems {
		f.fail(fmt.Sprintf("time-stamp %d: %s", l.seq, p))
	}
	if l.tok == nil {
		return st
	}
	t := l.tok
	st.Time, st.Authority, st.CertNotAfter, st.ValidUntil, st.Trusted = t.ts.Time.UTC(), dn.Subject(t.cert), t.cert.NotAfter.UTC(), t.validUntil.UTC(), t.trusted
	switch {
	case !t.trusted:
		f.doubt(fmt.Sprintf("time-stamp %d (%s, by %s): its TSA certificate is not trusted: %s", l.seq, st.Time.Format(time.RFC3339), st.Authority, t.trustErr))
	case len(l.problems) > 0:
	case i == 0:
		what := "the record's data hash"
		if doc, ok := objectByName(rec, NameDocument); ok {
			what = fmt.Sprintf("the record's data hash, which includes %s (SHA-256 %s)", NameDocument, doc.SHA256)
		}
		f.ok(fmt.Sprintf("time-stamp 0 (%s, by %s) covers %s; its TSA certificate chains to a trust anchor at that time and stays valid until %s",
			st.Time.Format(time.RFC3339), st.Authority, what, st.ValidUntil.Format(time.RFC3339)))
	default:
		f.ok(fmt.Sprintf("time-stamp %d (%s, by %s) covers time-stamp %d's token and the data hash; its TSA certificate chains to a trust anchor at that time and stays valid until %s",
			l.seq, st.Time.Format(time.RFC3339), st.Authority, l.seq-1, st.ValidUntil.Format(time.RFC3339)))
	}
	if t.trusted && (len(t.cert.OCSPServer) > 0 || len(t.cert.CRLDistributionPoints) > 0) {
		s.judgeRevocation(l, links, i, f.ok, f.doubt)
	}
	if i > 0 && links[i-1].tok != nil {
		prevUntil := links[i-1].tok.validUntil
		if t.ts.Time.Before(prevUntil) {
			f.ok(fmt.Sprintf("time-stamp %d was made while time-stamp %d's TSA certificate was still valid (until %s)", l.seq, l.seq-1, prevUntil.UTC().Format(time.RFC3339)))
		} else {
			f.doubt(fmt.Sprintf("the chain is broken: time-stamp %d was made at %s, after time-stamp %d's TSA certificate expired at %s", l.seq, st.Time.Format(time.RFC3339), l.seq-1, prevUntil.UTC().Format(time.RFC3339)))
		}
	}
	return st
}

// judgeDocument validates the signatures of the record's document as of
// the time the first time-stamp proves (now, without one). Only an
// unavailable store is an error.
func (s *Service) judgeDocument(ctx context.Context, doc Object, links []*chainLink, now time.Time, f *findings) error {
	at, src := now, "the current time (no archive time-stamp)"
	if len(links) > 0 && links[0].tok != nil && len(links[0].problems) == 0 {
		at, src = links[0].tok.ts.Time.UTC(), "the time of archive time-stamp 0"
		if f.invalid || f.indet {
			src += ", which the chain above no longer proves"
		}
	}
	pdf, err := s.readObject(ctx, doc)
	if err != nil {
		if workflow.ErrorCode(err) == workflow.EUNAVAILABLE {
			return err
		}
		return nil
	}
	v, reasons, err := s.VerifyDocument(ctx, pdf, at)
	if err != nil {
		v, reasons = VerdictIndeterminate, []string{err.Error()}
	}
	f.rep.Document = &DocumentEvidence{Name: NameDocument, SHA256: doc.SHA256, ValidationTime: at, Verdict: v, Reasons: reasons}
	msg := fmt.Sprintf("%s validated as of %s, %s: %s", NameDocument, at.Format(time.RFC3339), src, v)
	if len(reasons) > 0 {
		msg += " (" + strings.Join(reasons, "; ") + ")"
	}
	switch v {
	case VerdictValid, "unsigned":
		f.ok(msg)
	case VerdictInvalid:
		f.fail(msg)
	default:
		f.doubt(msg)
	}
	return nil
}

// judgeRevocation reports the revocation status of time-stamp i's TSA
// certificate from the data the next time-stamp keeps (fetched at that
// renewal and covered by it).
func (s *Service) judgeRevocation(l *chainLink, links []*chainLink, i int, ok, doubt func(string)) {
	if i+1 >= len(links) {
		ok(fmt.Sprintf("time-stamp %d: the revocation status of its TSA certificate is kept at the next renewal", l.seq))
		return
	}
	next := links[i+1]
	r := next.manifest.Revocation
	if r == nil || next.revocationRaw == nil || len(next.problems) > 0 {
		ok(fmt.Sprintf("time-stamp %d: no revocation data of its TSA certificate was kept (none answered at the renewal): not checked", l.seq))
		return
	}
	if s.CheckRevocation == nil || l.tok.issuer == nil {
		ok(fmt.Sprintf("time-stamp %d: revocation data of its TSA certificate is kept in %s, not checked here", l.seq, r.Object))
		return
	}
	st, err := s.CheckRevocation(next.revocationRaw, r.Kind, l.tok.cert, l.tok.issuer)
	switch {
	case err != nil:
		doubt(fmt.Sprintf("time-stamp %d: the revocation data kept in %s does not verify: %v", l.seq, r.Object, err))
	case st == "good":
		ok(fmt.Sprintf("time-stamp %d: its TSA certificate was not revoked when time-stamp %d was made (%s kept in %s)", l.seq, next.seq, strings.ToUpper(r.Kind), r.Object))
	case st == "revoked":
		doubt(fmt.Sprintf("time-stamp %d: its TSA certificate was revoked before time-stamp %d was made (%s kept in %s): the time-stamp cannot be trusted", l.seq, next.seq, strings.ToUpper(r.Kind), r.Object))
	default:
		doubt(fmt.Sprintf("time-stamp %d: the revocation status of its TSA certificate is %s (%s kept in %s)", l.seq, st, strings.ToUpper(r.Kind), r.Object))
	}
}

// checkChains checks the structure of the evidence chain of each document
// (fixity: hashes, imprints, links; not certificates).
func (s *Service) checkChains(ctx context.Context, docs []string) ([]FixityProblem, error) {
	var out []FixityProblem
	for _, id := range docs {
		rec, err := s.Index.Record(ctx, id)
		if err != nil {
			out = append(out, FixityProblem{DocumentID: id, Error: err.Error()})
			continue
		}
		links, err := s.readChain(ctx, rec, nil)
		if err != nil {
			out = append(out, FixityProblem{DocumentID: id, Key: rec.Key + EvidenceDir, Error: err.Error()})
			continue
		}
		if rec.Evidence.Count == 0 {
			for _, o := range rec.Objects {
				if IsEvidence(o.Name) {
					out = append(out, FixityProblem{DocumentID: id, Key: o.Key, Error: "evidence object recorded, but the record has no time-stamp chain"})
				}
			}
		}
		for _, l := range links {
			for _, p := range l.problems {
				out = append(out, FixityProblem{DocumentID: id, Key: rec.Key + l.tokenName, Error: p})
			}
		}
	}
	return out, nil
}

// CheckEvidence is VerifyEvidence for a reader of the archive: the same
// roles and visibility as Get.
func (s *Service) CheckEvidence(ctx context.Context, actor *workflow.User, docID string) (*EvidenceReport, error) {
	if _, err := s.Get(ctx, actor, docID); err != nil {
		return nil, err
	}
	return s.VerifyEvidence(ctx, docID)
}
