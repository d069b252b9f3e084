package signing

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/extract"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// B-LTA written by AppendLTV, checked with tools nobody here wrote: qpdf,
// poppler's pdfsig, MuPDF, pdfcpu, openssl ocsp / crl / ts, and our
// verifier.
func TestIntegrationLTVTools(t *testing.T) {
	needTool(t, "pdfsig")
	needTool(t, "openssl")
	inputs := []struct {
		name, alg, xref string
		data            []byte
	}{
		{"xref-table", "rsa", "table", smallPDF()},
		{"xref-stream", "ec", "stream", readFile(t, "testdata/objstm.pdf")},
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			ctx := context.Background()
			p := newRevPKI(t, in.alg)
			var tsaTime atomic.Pointer[time.Time]
			setTSA := func(x time.Time) { x = x.Truncate(time.Second); tsaTime.Store(&x) }
			setTSA(time.Now().Add(-time.Hour))
			tsa := p.tsa(t, func() time.Time { return *tsaTime.Load() })
			l2 := p.signLayers(t, in.data, tsa.URL)
			setTSA(time.Now().Add(-time.Minute))
			out, res, err := AddLTV(ctx, l2, LTV{Fetcher: verify.HTTPFetcher{}, TSAURL: tsa.URL})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, l2) {
				t.Fatal("the output does not start with the signed input (not an incremental update)")
			}
			if res.Level != "B-LTA" || res.OCSPs != 1 || res.CRLs != 1 || len(res.VRI) != 2 || len(res.Missing) != 0 {
				t.Errorf("result %+v: want B-LTA, 1 OCSP (official), 1 CRL (agency), 2 VRI entries, nothing missing", res)
			}
			tail := string(out[len(l2):])
			if in.xref == "table" && (strings.Count(tail, "\nxref\n") != 2 || strings.Contains(tail, "/Type /XRef")) {
				t.Errorf("the two updates do not use cross-reference tables like the file before them")
			}
			if in.xref == "stream" && (strings.Count(tail, "/Type /XRef") != 2 || strings.Contains(tail, "\nxref\n")) {
				t.Errorf("the two updates do not use cross-reference streams like the file before them")
			}
			if c := strings.Count(tail, "/Prev "); c != 2 {
				t.Errorf("%d /Prev entries in the two updates, want 2", c)
			}
			file := writeTemp(t, "blta.pdf", out)
			checkQpdf(t, file)
			// pdfcpu: both layers and the document time-stamp, each chain
			// trusted, nothing modified after any of them.
			checkPdfcpu(t, file, in.data, p.RootPEM(), 3)

			// poppler: both layers valid and trusted (the responder is up:
			// NSS checks the official's certificate online), the document
			// time-stamp found and covering the whole file. pdfsig 22.12
			// cannot validate ETSI.RFC3161 ("Signature Type: unknown").
			nss := nssDB(t, p.RootPEM())
			// NSS fetches the official's status from the responder itself.
			// pdfsig -no-ocsp calls a certificate that names a responder
			// "Unknown issue".
			hits := p.OCSPHits.Load()
			pout, err := run(t, "pdfsig", "-nssdir", nss, file)
			if p.OCSPHits.Load() == hits {
				t.Errorf("pdfsig did not ask the OCSP responder")
			}
			if err != nil {
				t.Fatalf("pdfsig: %v\n%s", err, pout)
			}
			for what, want := range map[string]int{
				"Signature Validation: Signature is Valid.":       2,
				"Certificate Validation: Certificate is Trusted.": 2,
				"Signature Type: ETSI.CAdES.detached":             2,
				"Signature Field Name: DocTimeStamp":              1,
				"Signer Certificate Common Name: Vanthu Test TSA": 1,
				"  - Total document signed":                       1,
			} {
				if c := strings.Count(pout, what); c != want {
					t.Errorf("pdfsig: %d × %q, want %d\n%s", c, what, want, pout)
				}
			}
			if i := strings.Index(pout, "Signature #3"); i < 0 || !strings.Contains(pout[i:], "Total document signed") {
				t.Errorf("pdfsig: the document time-stamp (#3) does not cover the whole file\n%s", pout)
			}

			// MuPDF 1.21: both layers intact; it does not know /Type
			// /DocTimeStamp (only /Sig) and calls that field unsigned.
			mout, err := run(t, "mutool", "sign", "-v", file)
			if err != nil {
				t.Fatalf("mutool sign -v: %v\n%s", err, mout)
			}
			if c := strings.Count(mout, "The signature is valid but there have been edits since signing."); c != 2 {
				t.Errorf("mutool: %d intact layers, want 2\n%s", c, mout)
			}
			if strings.Contains(mout, "Signature is not valid") || strings.Contains(mout, "Digest Failure") {
				t.Errorf("mutool reports a broken signature\n%s", mout)
			}
			if strings.Count(mout, "Verifying signature") != 3 {
				t.Errorf("mutool does not list 3 signature fields\n%s", mout)
			}

			// openssl: each embedded OCSP response and CRL verifies against
			// the root; the document time-stamp verifies over its ranges.
			dir := t.TempDir()
			rootFile := filepath.Join(dir, "root.pem")
			if err := os.WriteFile(rootFile, p.RootPEM(), 0o600); err != nil {
				t.Fatal(err)
			}
			certs, ocsps, crls, err := verify.ReadDSS(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(certs) != 4 || len(ocsps) != 1 || len(crls) != 1 {
				t.Errorf("DSS: %d certificates (want 4: official, agency, TSA, root), %d OCSP, %d CRL", len(certs), len(ocsps), len(crls))
			}
			for i, o := range ocsps {
				f := filepath.Join(dir, "ocsp"+strconv.Itoa(i)+".der")
				_ = os.WriteFile(f, o, 0o600)
				oout, err := run(t, "openssl", "ocsp", "-respin", f, "-issuer", rootFile, "-CAfile", rootFile, "-resp_text", "-no_nonce")
				if err != nil || !strings.Contains(oout, "Response verify OK") || !strings.Contains(oout, "Cert Status: good") {
					t.Errorf("openssl ocsp -respin: %v\n%s", err, oout)
				}
			}
			for i, c := range crls {
				f := filepath.Join(dir, "crl"+strconv.Itoa(i)+".der")
				_ = os.WriteFile(f, c, 0o600)
				cout, err := run(t, "openssl", "crl", "-inform", "DER", "-in", f, "-CAfile", rootFile, "-noout")
				if err != nil || !strings.Contains(cout, "verify OK") {
					t.Errorf("openssl crl: %v\n%s", err, cout)
				}
			}
			tok, data := docTimestampParts(t, out)
			tokFile, dataFile := filepath.Join(dir, "tok.der"), filepath.Join(dir, "data.bin")
			_ = os.WriteFile(tokFile, tok, 0o600)
			_ = os.WriteFile(dataFile, data, 0o600)
			tout, err := run(t, "openssl", "ts", "-verify", "-in", tokFile, "-token_in", "-data", dataFile, "-CAfile", rootFile)
			if err != nil || !strings.Contains(tout, "Verification: OK") {
				t.Errorf("openssl ts -verify: %v\n%s", err, tout)
			}

			// VRI: one entry per layer, keyed by the uppercase hex SHA-1 of
			// its /Contents bytes (read here with a regexp, not our parser).
			for i, c := range contentsOf(out)[:2] {
				sum := sha1.Sum(c)
				key := strings.ToUpper(hex.EncodeToString(sum[:]))
				if !strings.Contains(tail, "/"+key+" <<") {
					t.Errorf("no /VRI entry %s for signature %d", key, i+1)
				}
			}

			// Our verifier, offline: both layers valid at their
			// time-stamps with embedded revocation data; the document
			// time-stamp recognised; the layer rule holds.
			roots := x509.NewCertPool()
			roots.AddCert(p.Root)
			rep, err := verify.Verify(ctx, out, verify.Options{Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			if bad := CheckLayers(rep, LayerRule{ExpectTwoLayers: true}); len(bad) > 0 || rep.Verdict != verify.Valid || len(rep.Signatures) != 3 {
				t.Fatalf("verdict %s, %d signatures, layer rule %v: %v", rep.Verdict, len(rep.Signatures), bad, rep.Reasons)
			}
			for i, kind := range []string{"ocsp", "crl"} {
				s := rep.Signatures[i]
				if r := s.Revocation; r == nil || r.Status != verify.RevocationGood || r.Source != verify.SourceEmbedded || r.Kind != kind {
					t.Errorf("signature %d: revocation %+v, want good, embedded %s", i+1, r, kind)
				}
				if s.ValidationTimeSource != "timestamp" {
					t.Errorf("signature %d: judged at %s (%s), want its time-stamp", i+1, s.ValidationTime, s.ValidationTimeSource)
				}
			}
			if s := rep.Signatures[2]; s.SubFilter != "ETSI.RFC3161" || !s.CoversWholeFile || s.Timestamp == nil || !s.Timestamp.Trusted {
				t.Errorf("document time-stamp: %+v", s)
			}
		})
	}
}

// docTimestampParts returns the document time-stamp token (the last
// signature's /Contents without its zero padding) and the bytes it covers.
func docTimestampParts(tb testing.TB, pdf []byte) (tok, data []byte) {
	tb.Helper()
	m := regexp.MustCompile(`/ByteRange \[\s*(\d+) (\d+) (\d+) (\d+)\s*\]`).FindAllSubmatch(pdf, -1)
	if len(m) == 0 {
		tb.Fatal("no /ByteRange")
	}
	var br [4]int
	for i := range br {
		br[i], _ = strconv.Atoi(string(m[len(m)-1][i+1]))
	}
	data = append(append([]byte{}, pdf[br[0]:br[0]+br[1]]...), pdf[br[2]:br[2]+br[3]]...)
	raw, err := hex.DecodeString(string(pdf[br[1]+1 : br[2]-1]))
	if err != nil {
		tb.Fatal(err)
	}
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(raw, &v); err != nil {
		tb.Fatal(err)
	}
	return v.FullBytes, data
}

// contentsOf returns the decoded /Contents of every signature dictionary,
// in file order.
func contentsOf(pdf []byte) [][]byte {
	var out [][]byte
	for _, m := range regexp.MustCompile(`/Contents\s*<([0-9a-fA-F]+)>`).FindAllSubmatch(pdf, -1) {
		if b, err := hex.DecodeString(string(m[1])); err == nil && len(b) > 1000 {
			out = append(out, b)
		}
	}
	return out
}

// The revocation rules, each case with its own CA, responder and TSA.
func TestLTVRevocationCases(t *testing.T) {
	type setup struct {
		p        *revPKI
		official *x509.Certificate
		sigAt    time.Time // the layers' time-stamp (zero: no TSA)
	}
	now := time.Now().Truncate(time.Second)
	cases := []struct {
		name       string
		tsa        bool          // layers B-T
		prepare    func(s setup) // before the DSS
		dss        bool          // AddLTV (with the fetcher)
		dssAt      time.Duration // the responder's clock when the DSS is made (0 = now-1h)
		docTS      bool          // B-LTA
		after      func(s setup) // after the DSS, before verifying
		fetch      bool
		timeout    time.Duration
		verdict    string
		status     string
		source     string
		timeSource string
		reason     string
		// unreachable: indeterminate only because the responder did not
		// answer (Report.Unreachable): an issue may be tried again.
		unreachable bool
	}{
		{name: "good/embedded/offline", tsa: true, dss: true, docTS: true,
			verdict: verify.Valid, status: verify.RevocationGood, source: verify.SourceEmbedded, timeSource: "timestamp"},
		{name: "no DSS/offline", tsa: true,
			verdict: verify.Indeterminate, status: verify.RevocationUnknown, source: verify.SourceUnavailable, timeSource: "timestamp", reason: "no revocation data"},
		{name: "no DSS/fetched", tsa: true, fetch: true,
			verdict: verify.Valid, status: verify.RevocationGood, source: verify.SourceFetched, timeSource: "timestamp"},
		{name: "no DSS/responder down", tsa: true, fetch: true, after: func(s setup) { s.p.down.Store(true) },
			verdict: verify.Indeterminate, status: verify.RevocationUnknown, source: verify.SourceUnavailable, reason: "503", unreachable: true},
		{name: "no DSS/responder hangs", tsa: true, fetch: true, timeout: 300 * time.Millisecond, after: func(s setup) { s.p.hang.Store(true) },
			verdict: verify.Indeterminate, status: verify.RevocationUnknown, source: verify.SourceUnavailable, reason: "deadline exceeded", unreachable: true},
		{name: "revoked before the time-stamp/fetched", tsa: true, fetch: true,
			after:   func(s setup) { s.p.revoke(s.official, s.sigAt.Add(-time.Hour), 1) },
			verdict: verify.Invalid, status: verify.RevocationRevoked, source: verify.SourceFetched, reason: "certificate revoked at"},
		{name: "revoked before the time-stamp/embedded", tsa: true, dss: true, docTS: true,
			prepare: func(s setup) { s.p.revoke(s.official, s.sigAt.Add(-time.Hour), 1) },
			verdict: verify.Invalid, status: verify.RevocationRevoked, source: verify.SourceEmbedded, reason: "keyCompromise"},
		{name: "revoked after the time-stamp/embedded good from before", tsa: true, dss: true, docTS: true, fetch: true,
			after:   func(s setup) { s.p.revoke(s.official, now.Add(-10*time.Minute), 1) },
			verdict: verify.Valid, status: verify.RevocationGood, source: verify.SourceEmbedded, timeSource: "timestamp"},
		{name: "revoked after the time-stamp/fetched", tsa: true, fetch: true,
			after:   func(s setup) { s.p.revoke(s.official, now.Add(-10*time.Minute), 4) },
			verdict: verify.Valid, status: verify.RevocationRevoked, source: verify.SourceFetched, timeSource: "timestamp"},
		{name: "no signature time-stamp/DSS only/revoked later", dss: true, fetch: true,
			after:   func(s setup) { s.p.revoke(s.official, now.Add(-10*time.Minute), 1) },
			verdict: verify.Invalid, status: verify.RevocationRevoked, source: verify.SourceFetched, timeSource: "current time", reason: "certificate revoked at"},
		{name: "no signature time-stamp/document time-stamp before the revocation", dss: true, docTS: true,
			after:   func(s setup) { s.p.revoke(s.official, now.Add(-10*time.Minute), 1) },
			verdict: verify.Valid, status: verify.RevocationGood, source: verify.SourceEmbedded, timeSource: "document timestamp"},
		{name: "stale embedded good from before the time-stamp, revoked in between", tsa: true, dss: true, dssAt: -3 * time.Hour, fetch: true,
			after:   func(s setup) { s.p.revoke(s.official, now.Add(-150*time.Minute), 1) },
			verdict: verify.Invalid, status: verify.RevocationRevoked, source: verify.SourceFetched, timeSource: "timestamp", reason: "certificate revoked at"},
		{name: "stale embedded good from before the time-stamp/offline", tsa: true, dss: true, dssAt: -3 * time.Hour,
			verdict: verify.Indeterminate, status: verify.RevocationUnknown, source: verify.SourceUnavailable, timeSource: "timestamp", reason: "does not speak for this certificate at the validation time"},
		{name: "no signature time-stamp/DSS only/offline", dss: true,
			verdict: verify.Indeterminate, status: verify.RevocationUnknown, source: verify.SourceUnavailable, timeSource: "current time", reason: "no revocation data"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			p := newRevPKI(t, "ec")
			sigAt := now.Add(-2 * time.Hour)
			var tsaTime atomic.Pointer[time.Time]
			tsaTime.Store(&sigAt)
			tsa := p.tsa(t, func() time.Time { return *tsaTime.Load() })
			tsaURL := ""
			if tc.tsa {
				tsaURL = tsa.URL
			}
			s := setup{p: p, official: p.Officer.Chain[0]}
			if tc.tsa {
				s.sigAt = sigAt
			}
			pdf := p.signLayers(t, nil, tsaURL)
			if tc.prepare != nil {
				tc.prepare(s)
			}
			if tc.dss {
				at := now.Add(-time.Hour) // the responder's time when the DSS is made
				if tc.dssAt != 0 {
					at = now.Add(tc.dssAt)
				}
				p.setClock(at)
				o := LTV{Fetcher: verify.HTTPFetcher{}}
				if tc.docTS {
					dt := now.Add(-time.Hour + time.Minute)
					tsaTime.Store(&dt)
					o.TSAURL = tsa.URL
				}
				var err error
				if pdf, _, err = AddLTV(ctx, pdf, o); err != nil {
					t.Fatal(err)
				}
				p.setClock(now)
			}
			if tc.after != nil {
				tc.after(s)
			}
			roots := x509.NewCertPool()
			roots.AddCert(p.Root)
			opts := verify.Options{Roots: roots}
			if tc.fetch {
				opts.Fetcher = verify.HTTPFetcher{Timeout: tc.timeout}
			}
			start := time.Now()
			rep, err := verify.Verify(ctx, pdf, opts)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); tc.timeout > 0 && d > 10*tc.timeout {
				t.Errorf("verification took %v with a %v fetch timeout", d, tc.timeout)
			}
			sig := rep.Signatures[0]
			r := sig.Revocation
			js, _ := json.MarshalIndent(sig, "", " ")
			if rep.Verdict != tc.verdict || r == nil || r.Status != tc.status || r.Source != tc.source {
				t.Fatalf("verdict %s, revocation %+v; want %s, %s/%s\nreasons %q\n%s", rep.Verdict, r, tc.verdict, tc.status, tc.source, rep.Reasons, js)
			}
			if tc.timeSource != "" && sig.ValidationTimeSource != tc.timeSource {
				t.Errorf("judged at %s (%s), want %s", sig.ValidationTime, sig.ValidationTimeSource, tc.timeSource)
			}
			if tc.reason != "" && !strings.Contains(strings.Join(rep.Reasons, " "), tc.reason) {
				t.Errorf("reasons %q do not say %q", rep.Reasons, tc.reason)
			}
			if rep.Unreachable() != tc.unreachable {
				t.Errorf("Unreachable() = %v, want %v (reasons %q)", rep.Unreachable(), tc.unreachable, rep.Reasons)
			}
			if r.Source == verify.SourceFetched && len(r.Evidence) == 0 {
				t.Errorf("fetched evidence is not kept in the report")
			}
			if r.Status == verify.RevocationRevoked && tc.verdict == verify.Valid && !strings.Contains(r.Detail, "after the validation time") {
				t.Errorf("a later revocation is not explained: %q", r.Detail)
			}
		})
	}
}

// A document time-stamp proves when the bytes existed; it approves
// nothing. An annotation drawn on page 1 in its update makes both layers
// indeterminate ("annotations added after signature"), while its own
// invisible field is allowed. Before the time-stamp stopped counting as a
// covering signature, the FreeText below passed as approved.
func TestDocTimestampApprovesNothing(t *testing.T) {
	ctx := context.Background()
	p := newRevPKI(t, "ec")
	tsa := p.tsa(t, func() time.Time { return time.Now().Add(-time.Minute) })
	pdf := p.signLayers(t, nil, tsa.URL)
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	for _, forged := range []bool{false, true} {
		t.Run(map[bool]string{false: "own field only", true: "FreeText added"}[forged], func(t *testing.T) {
			o := LTV{Fetcher: verify.HTTPFetcher{}, TSAURL: tsa.URL}
			if forged {
				o.extraAnnots = func(u *incUpdate) string {
					return fmt.Sprintf("%d 0 R", u.add("<< /Type /Annot /Subtype /FreeText /Rect [50 700 400 740] /Contents (Da thu hoi) /DA (/Helv 18 Tf 1 0 0 rg) >>"))
				}
			}
			out, _, err := AddLTV(ctx, pdf, o)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := verify.Verify(ctx, out, verify.Options{Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			want := verify.Valid
			if forged {
				want = verify.Indeterminate
			}
			if rep.Verdict != want {
				t.Fatalf("verdict %s, want %s: %q", rep.Verdict, want, rep.Reasons)
			}
			if forged && !strings.Contains(strings.Join(rep.Reasons, " "), "a /FreeText annotation was added to page 1 by an update that no signature covers") {
				t.Errorf("reasons %q", rep.Reasons)
			}
			if s := rep.Signatures[2]; s.SubFilter != "ETSI.RFC3161" || s.Errors == nil || len(s.Errors) != 0 {
				t.Errorf("document time-stamp: %+v", s)
			}
		})
	}
}

// The Service: with LTV on, issuing (layer 2) appends the DSS and the
// document time-stamp and the issued document verifies offline; a document
// received without a DSS is checked online and the fetched evidence is
// kept in the report stored with it.
func TestServiceLTVAndReceipt(t *testing.T) {
	ctx := context.Background()
	p := newRevPKI(t, "ec")
	tsa := p.tsa(t, func() time.Time { return time.Now().Add(-time.Minute) })
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	newSvc := func(f verify.Fetcher) *Service {
		svc, err := NewService(Config{Agency: p.Agency, AgencyName: "UBND quận Bình Thủy", Place: "Bình Thủy",
			Officer: func(context.Context, *workflow.User) (keys.Key, []byte, error) { return p.Officer, nil, nil },
			TSAURL:  tsa.URL, Roots: roots, LTV: true, Fetcher: f})
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	online := newSvc(verify.HTTPFetcher{Timeout: 2 * time.Second})
	d := &workflow.Document{Direction: workflow.Outgoing, Number: 15, Notation: "15/QĐ-UBND"}
	l1, err := online.SignOfficial(ctx, d, &workflow.User{FullName: "Nguyễn Văn Sĩ", Title: "Chủ tịch"}, smallPDF())
	if err != nil {
		t.Fatal(err)
	}
	issued, err := online.SignAgency(ctx, d, l1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(issued, []byte("/Type /DSS")) || !bytes.Contains(issued, []byte("/Type /DocTimeStamp")) {
		t.Fatal("the issued document has no DSS or no document time-stamp")
	}
	offline := newSvc(nil)
	v, err := offline.VerifyDocument(ctx, d, issued)
	if err != nil || v.Verdict != verify.Valid {
		t.Fatalf("issued document offline: %v %s %q", err, v.Verdict, v.Reasons)
	}

	// Received: both layers B-T, no DSS (another agency's system).
	received := p.signLayers(t, nil, tsa.URL)
	if v, _ := offline.Verify(ctx, received); v.Verdict != verify.Indeterminate {
		t.Errorf("received offline: %s %q, want indeterminate (no revocation data)", v.Verdict, v.Reasons)
	}
	if v, _ := offline.Verify(ctx, received); v.Unavailable {
		t.Errorf("received offline: unavailable, but this verification does not fetch (no outage)")
	}
	// A responder that does not answer: indeterminate for now, said so.
	down := newSvc(verify.FetcherFunc(func(context.Context, *x509.Certificate, *x509.Certificate) (verify.Evidence, error) {
		return verify.Evidence{}, workflow.Errorf(workflow.EUNAVAILABLE, "the responder is down")
	}))
	if v, _ := down.Verify(ctx, received); v.Verdict != verify.Indeterminate || !v.Unavailable {
		t.Errorf("received, responder down: %s unavailable=%v %q, want indeterminate and unavailable", v.Verdict, v.Unavailable, v.Reasons)
	}
	// Evidence that arrives but does not verify is no outage.
	forged := newSvc(verify.FetcherFunc(func(context.Context, *x509.Certificate, *x509.Certificate) (verify.Evidence, error) {
		return verify.Evidence{OCSP: []byte("not an OCSP response")}, nil
	}))
	if v, _ := forged.Verify(ctx, received); v.Verdict != verify.Indeterminate || v.Unavailable {
		t.Errorf("received, unusable response: %s unavailable=%v %q, want indeterminate, not unavailable", v.Verdict, v.Unavailable, v.Reasons)
	}
	v, err = online.Verify(ctx, received)
	if err != nil || v.Verdict != verify.Valid {
		t.Fatalf("received online: %v %s %q", err, v.Verdict, v.Reasons)
	}
	var rep verify.Report
	if err := json.Unmarshal(v.Report, &rep); err != nil {
		t.Fatal(err)
	}
	for i, s := range rep.Signatures {
		if s.Revocation == nil || s.Revocation.Source != verify.SourceFetched || len(s.Revocation.Evidence) == 0 {
			t.Errorf("signature %d: revocation %+v, want fetched with its evidence kept", i+1, s.Revocation)
		}
	}
}

// An OCSP "good" signed by a certificate the CA issued for something else
// (here the official's own key, for their own revoked certificate) is not
// evidence: x/crypto/ocsp accepts it, our check wants the OCSPSigning
// usage of a delegated responder. AppendLTV embeds nothing for it, and the
// document stays invalid.
func TestForgedOCSPResponderRefused(t *testing.T) {
	ctx := context.Background()
	p := newRevPKI(t, "ec")
	stamp := time.Now().Add(-time.Hour).Truncate(time.Second)
	tsa := p.tsa(t, func() time.Time { return stamp })
	pdf := p.signLayers(t, nil, tsa.URL)
	off := p.Officer.Chain[0]
	p.revoke(off, stamp.Add(-time.Hour), 1)
	now := time.Now().Truncate(time.Minute)
	forged, err := ocsp.CreateResponse(p.Root, off, ocsp.Response{Status: ocsp.Good, SerialNumber: off.SerialNumber, ThisUpdate: now, NextUpdate: now.Add(time.Hour), Certificate: off}, p.Officer.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ocsp.ParseResponseForCert(forged, off, p.Root); err != nil {
		t.Fatalf("x/crypto/ocsp refuses the forged response itself (%v): the test proves nothing", err)
	}
	if st, err := verify.CheckEvidence(verify.Evidence{OCSP: forged}, off, p.Root); err == nil {
		t.Fatalf("forged response accepted: %s", st)
	}
	fetch := verify.FetcherFunc(func(ctx context.Context, c, issuer *x509.Certificate) (verify.Evidence, error) {
		if c.Equal(off) {
			return verify.Evidence{OCSP: forged}, nil
		}
		return verify.HTTPFetcher{}.Fetch(ctx, c, issuer)
	})
	out, res, err := AddLTV(ctx, pdf, LTV{Fetcher: fetch, TSAURL: tsa.URL})
	if err != nil {
		t.Fatal(err)
	}
	if res.OCSPs != 0 || len(res.Missing) != 1 {
		t.Errorf("result %+v: the forged response must not be embedded", res)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	rep, err := verify.Verify(ctx, out, verify.Options{Roots: roots, Fetcher: verify.HTTPFetcher{}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.Invalid || rep.Signatures[0].Revocation.Status != verify.RevocationRevoked {
		t.Errorf("verdict %s, revocation %+v: %q", rep.Verdict, rep.Signatures[0].Revocation, rep.Reasons)
	}
}

// An intermediate CA that names a CRL is judged like the signer: revoked
// before the validation time makes the signature invalid, no data makes
// it indeterminate, a CRL without it keeps it valid.
func TestIntermediateRevocation(t *testing.T) {
	ctx := context.Background()
	now := time.Now().Truncate(time.Second)
	rootKey, intKey, leafKey := genKey(t, "ec"), genKey(t, "ec"), genKey(t, "ec")
	rootT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root with intermediate"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, _ := x509.CreateCertificate(rand.Reader, rootT, rootT, rootKey.Public(), rootKey)
	root, _ := x509.ParseCertificate(der)
	var revoked atomic.Bool
	var intermediate *x509.Certificate
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
		if revoked.Load() {
			rl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: intermediate.SerialNumber, RevocationTime: now.Add(-time.Hour)}}
		}
		der, err := x509.CreateRevocationList(rand.Reader, rl, root, rootKey)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, _ = w.Write(der)
	}))
	defer srv.Close()
	intT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "test intermediate CA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(4, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, CRLDistributionPoints: []string{srv.URL + "/root.crl"}}
	der, _ = x509.CreateCertificate(rand.Reader, intT, root, intKey.Public(), rootKey)
	intermediate, _ = x509.ParseCertificate(der)
	leafT := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "Nguyễn Văn Sĩ"},
		NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}
	der, _ = x509.CreateCertificate(rand.Reader, leafT, intermediate, leafKey.Public(), intKey)
	leaf, _ := x509.ParseCertificate(der)
	pdf, err := SignOfficer(ctx, smallPDF(), OfficerLayer{Key: keys.Key{Signer: leafKey, Chain: []*x509.Certificate{leaf, intermediate, root}}, Name: "Nguyễn Văn Sĩ", Time: now})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	for _, tc := range []struct {
		name    string
		revoked bool
		fetcher verify.Fetcher
		verdict string
		reason  string
	}{
		{"not revoked, fetched", false, verify.HTTPFetcher{}, verify.Valid, ""},
		{"revoked, fetched", true, verify.HTTPFetcher{}, verify.Invalid, "the intermediate CA certificate CN=test intermediate CA was revoked at"},
		{"offline", false, nil, verify.Indeterminate, "no revocation data for the intermediate CA certificate CN=test intermediate CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			revoked.Store(tc.revoked)
			rep, err := verify.Verify(ctx, pdf, verify.Options{Roots: roots, Fetcher: tc.fetcher})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != tc.verdict || !strings.Contains(strings.Join(rep.Reasons, " "), tc.reason) {
				t.Errorf("verdict %s, want %s with %q: %q", rep.Verdict, tc.verdict, tc.reason, rep.Reasons)
			}
		})
	}
}

// countingTSA is a TimeStamper that forwards to a TSA over HTTP and counts.
type countingTSA struct {
	url string
	n   atomic.Int64
}

func (c *countingTSA) TimeStamp(ctx context.Context, query []byte) ([]byte, error) {
	c.n.Add(1)
	return postTimestampQuery(ctx, LTV{TSAURL: c.url}, query)
}

// With LTV.TSA set, the document time-stamp is asked of it, not posted to
// TSAURL (here unreachable): the built-in TSA answers in process.
func TestDocTimestampInProcessTSA(t *testing.T) {
	ctx := context.Background()
	p := newRevPKI(t, "ec")
	tsa := p.tsa(t, func() time.Time { return time.Now().Add(-time.Minute) })
	signed := p.signLayers(t, nil, tsa.URL)
	in := &countingTSA{url: tsa.URL}
	out, res, err := AddLTV(ctx, signed, LTV{Fetcher: verify.HTTPFetcher{Timeout: 2 * time.Second}, TSAURL: "http://127.0.0.1:1/unreachable", TSA: in})
	if err != nil {
		t.Fatal(err)
	}
	if res.Level != "B-LTA" || in.n.Load() != 1 {
		t.Fatalf("level %s, in-process TSA asked %d times; want B-LTA, once", res.Level, in.n.Load())
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	rep, err := verify.Verify(ctx, out, verify.Options{Roots: roots})
	if err != nil || rep.Verdict != verify.Valid {
		t.Fatalf("verify: %v %s %q", err, rep.Verdict, rep.Reasons)
	}
}

// The DSS reads each signature's certificates (and its time-stamp
// token's) in place from the DER; the result is the same as through
// pkcs7, which stays for BER.
func TestCMSCertificatesInPlace(t *testing.T) {
	p := newRevPKI(t, "ec")
	tsa := p.tsa(t, func() time.Time { return time.Now().Add(-time.Minute) })
	signed := p.signLayers(t, nil, tsa.URL)
	rdr, err := pdf.NewReader(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for s, err := range extract.Iter(rdr, bytes.NewReader(signed)) {
		if err != nil {
			t.Fatal(err)
		}
		der := s.Contents()
		var raw asn1.RawValue
		if _, err := asn1.Unmarshal(der, &raw); err == nil {
			der = raw.FullBytes
		}
		got, ok := cmsCertificates(der)
		want, err := cmsCertificatesBER(der)
		if !ok || err != nil {
			t.Fatalf("signature %d: in place ok=%v, pkcs7 %v", n+1, ok, err)
		}
		if len(got) != len(want) || len(got) < 3 {
			t.Fatalf("signature %d: %d certificates in place, %d through pkcs7 (want the signer's, the TSA's and the root)", n+1, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i].Raw, want[i].Raw) {
				t.Errorf("signature %d certificate %d differs", n+1, i)
			}
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d signatures, want 2", n)
	}
	if _, ok := cmsCertificates([]byte{0x30, 0x80, 0, 0}); ok {
		t.Error("BER (indefinite length) read in place; it must fall back to pkcs7")
	}
}
