package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// TestWeakTimestampValidationTime: a time-stamp is the time a signature
// is judged at (its certificate's validity, its revocation) and a proof
// of existence only when it passes its own constraints (ETSI EN 319
// 102-1 5.4 with 5.2.8; 5.6.2: a POE comes only from a token that does):
// its algorithms not past their sunset unless a later sound document
// time-stamp shows it existed before, its authority's certificate valid
// and not revoked when it stamped (nor revoked later for a compromise,
// RFC 3161 section 4). The signer's certificate expired a month ago; a
// token from two months ago that may be relied on keeps the signature
// valid, any other leaves it judged now: INDETERMINATE/
// OUT_OF_BOUNDS_NO_POE (EN 319 102-1 5.2.6 at the current time; 5.5 finds
// no best-signature-time before the expiry). Before, every weak token
// made the signature valid, and a TSA revoked before it stamped was not
// looked at.
func TestWeakTimestampValidationTime(t *testing.T) {
	root := makeCA(t, "POE Root", elliptic.P256(), 30, nil)
	now := time.Now().UTC().Truncate(time.Second)
	ago := func(days int) time.Time { return now.AddDate(0, 0, -days) }
	in2007, in2010 := day(2007, 1, 1), day(2010, 1, 1)
	mkSigner := func(cn string, from, until time.Time) signer {
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		_, c := root.leaf(t, cn, leafOpts{key: k, notBefore: from, notAfter: until})
		return signer{k, c, []*x509.Certificate{root.cert}}
	}
	mkTSA := func(cn string, k crypto.Signer, until time.Time, crlDP ...string) stamper {
		_, c := root.leaf(t, cn, leafOpts{key: k, notBefore: in2007, notAfter: until, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, crlDP: crlDP})
		return stamper{k, c}
	}
	p256 := func() crypto.Signer { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k }
	r1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	expired := mkSigner("Expired Signer", in2007, ago(30)) // valid two months ago, not now
	old := mkSigner("Old Signer", in2007, in2010)          // valid in 2008
	strong := mkTSA("Strong TSA", p256(), now.AddDate(5, 0, 0))
	weakKey := mkTSA("RSA-1024 TSA", r1024, now.AddDate(5, 0, 0))
	lapsed := mkTSA("Lapsed TSA", p256(), ago(90))
	const crlURL = "http://127.0.0.1:9/tsa.crl" // never asked: the fetcher answers
	revoked := mkTSA("Revoked TSA", p256(), now.AddDate(5, 0, 0), crlURL)
	crl := func(at time.Time, reason int) Fetcher {
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: revoked.cert.SerialNumber, RevocationTime: at, ReasonCode: reason}},
		}, root.cert, root.key)
		if err != nil {
			t.Fatal(err)
		}
		return FetcherFunc(func(_ context.Context, c, _ *x509.Certificate) (Evidence, error) {
			return Evidence{CRL: der, URL: crlURL}, nil
		})
	}
	stamped := func(s signer, st stamper, at time.Time, imprint, cmsHash crypto.Hash) handSig {
		return handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, s, cmsSpec{hash: crypto.SHA256, stamp: st.over(t, at, imprint, cmsHash)})}
	}
	plain := handSig{subFilter: "ETSI.CAdES.detached", value: cmsOver(t, expired, cmsSpec{hash: crypto.SHA256})}
	const noPOE = "INDETERMINATE/OUT_OF_BOUNDS_NO_POE"
	tests := []struct {
		name    string
		sig     handSig
		doc     *handSig // a document time-stamp after the signature
		fetcher Fetcher
		verdict string
		source  string // the signature's validation_time_source
		reasons []string
		notUsed string // in the signature time-stamp's not_used
	}{
		{name: "strong token", sig: stamped(expired, strong, ago(60), crypto.SHA256, crypto.SHA256), verdict: Valid, source: "timestamp"},
		{name: "SHA-1 imprint", sig: stamped(expired, strong, ago(60), crypto.SHA1, crypto.SHA256), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE, "the signature time-stamp of " + ago(60).Format(time.RFC3339) + " is not used: its own algorithm SHA-1 (time-stamp imprint) is retired on 2009-01-01"},
			notUsed: "SHA-1 (time-stamp imprint)"},
		{name: "SHA-1 token CMS", sig: stamped(expired, strong, ago(60), crypto.SHA256, crypto.SHA1), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE, "SHA-1 (time-stamp digest)"}, notUsed: "no proof of existence"},
		{name: "RSA-1024 authority", sig: stamped(expired, weakKey, ago(60), crypto.SHA256, crypto.SHA256), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE, "RSA-1024 (time-stamping authority's key)"}, notUsed: "RSA-1024"},
		{name: "SHA-1 token of 2008 alone", sig: stamped(old, strong, day(2008, 6, 1), crypto.SHA1, crypto.SHA1), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}},
		{name: "SHA-1 token of 2008 kept by a SHA-256 document time-stamp of 2008", sig: stamped(old, strong, day(2008, 6, 1), crypto.SHA1, crypto.SHA1),
			doc: ptr(strong.docStamp(t, day(2008, 12, 1), crypto.SHA256, crypto.SHA256)), verdict: Valid, source: "timestamp"},
		{name: "strong document time-stamp", sig: plain, doc: ptr(strong.docStamp(t, ago(60), crypto.SHA256, crypto.SHA256)), verdict: Valid, source: "document timestamp"},
		{name: "SHA-1 document time-stamp", sig: plain, doc: ptr(strong.docStamp(t, ago(60), crypto.SHA1, crypto.SHA256)), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE, "the document time-stamp of " + ago(60).Format(time.RFC3339) + " is not used: its own algorithm SHA-1 (time-stamp imprint)"}},
		{name: "authority expired before the token", sig: stamped(expired, lapsed, ago(60), crypto.SHA256, crypto.SHA256), verdict: Indeterminate, source: "current time",
			reasons: []string{noPOE}},
		{name: "authority revoked before the token", sig: stamped(expired, revoked, ago(60), crypto.SHA256, crypto.SHA256), fetcher: crl(ago(90), ocsp.Superseded),
			verdict: Indeterminate, source: "current time", reasons: []string{noPOE}, notUsed: "revoked at " + ago(90).Format(time.RFC3339) + ", reason superseded, at or before the time it stamped"},
		{name: "authority revoked after the token, superseded", sig: stamped(expired, revoked, ago(60), crypto.SHA256, crypto.SHA256), fetcher: crl(ago(10), ocsp.Superseded),
			verdict: Valid, source: "timestamp"},
		{name: "authority revoked after the token, key compromised", sig: stamped(expired, revoked, ago(60), crypto.SHA256, crypto.SHA256), fetcher: crl(ago(10), ocsp.KeyCompromise),
			verdict: Indeterminate, source: "current time", reasons: []string{noPOE}, notUsed: "its key may have been compromised"},
		{name: "authority of the document time-stamp revoked before it", sig: plain, doc: ptr(revoked.docStamp(t, ago(60), crypto.SHA256, crypto.SHA256)), fetcher: crl(ago(90), ocsp.Superseded),
			verdict: Indeterminate, source: "current time", reasons: []string{noPOE, "cannot be relied on: the time-stamping authority's certificate was revoked"}},
		{name: "authority revocation not known", sig: stamped(expired, revoked, ago(60), crypto.SHA256, crypto.SHA256), verdict: Valid, source: "timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s := judgeStamped(t, tt.sig, tt.doc, Options{Roots: root.pool, Fetcher: tt.fetcher}, tt.verdict, tt.source, tt.reasons, tt.notUsed)
			if tt.source != "timestamp" && s.Timestamp != nil && s.Timestamp.NotUsed == "" && s.Timestamp.Trusted {
				t.Errorf("a trusted signature time-stamp not used, without saying why: %+v", s.Timestamp)
			}
		})
	}
}

// judgeStamped signs a PDF with sig (and doc, a document time-stamp
// after it, unless nil), verifies it with opts and fails t unless the
// verdict, the first signature's validation_time_source, its reasons and
// its time-stamp's not_used are as wanted; it returns the PDF and that
// signature.
func judgeStamped(t *testing.T, sig handSig, doc *handSig, opts Options, verdict, source string, reasons []string, notUsed string) ([]byte, *Signature) {
	t.Helper()
	pdf := handSigned(t, basePDF(), sig)
	if doc != nil {
		pdf = handSigned(t, pdf, *doc)
	}
	r, err := Verify(context.Background(), pdf, opts)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(r.Reasons, "\n")
	s := &r.Signatures[0]
	if r.Verdict != verdict || s.ValidationTimeSource != source {
		t.Fatalf("verdict %s judged at %s (%s), want %s (%s):\n%s", r.Verdict, s.ValidationTime, s.ValidationTimeSource, verdict, source, all)
	}
	for _, want := range reasons {
		if !strings.Contains(all, want) {
			t.Errorf("reasons lack %q:\n%s", want, all)
		}
	}
	if notUsed != "" && (s.Timestamp == nil || !strings.Contains(s.Timestamp.NotUsed, notUsed)) {
		t.Errorf("timestamp %+v, want not_used with %q", s.Timestamp, notUsed)
	}
	return pdf, s
}
