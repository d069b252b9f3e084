package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/pkcs7"
)

// signClaiming signs in with a CMS signingTime attribute and a /M entry
// that both claim the time claimed (any date the key holder likes), and,
// with tsaURL, an RFC 3161 signature timestamp.
func signClaiming(tb testing.TB, in []byte, s signer, claimed time.Time, tsaURL string) []byte {
	tb.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		tb.Fatal(err)
	}
	sd := sign.SignData{
		Signer:            s.key,
		Certificate:       s.cert,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{s.cert}, s.chain...)},
		DigestAlgorithm:   crypto.SHA256,
		Updates:           map[uint32][]byte{},
		SubFilter:         sign.SubFilterETSICAdESDetached,
		ExtraSignedAttributes: []pkcs7.Attribute{
			{Type: oidSigningTime, Value: claimed.UTC()},
		},
		RevocationFunction: func(_, _ *x509.Certificate, _ *revocation.InfoArchival) error { return nil },
	}
	sd.Signature.CertType = sign.ApprovalSignature
	sd.Signature.Info = sign.SignDataSignatureInfo{Name: "Claimant", Date: claimed}
	sd.TSA.URL = tsaURL
	var out bytes.Buffer
	//nolint:staticcheck // the engine, for its signed-attribute hook.
	if err := sign.SignWithData(bytes.NewReader(in), &out, rdr, int64(len(in)), sd); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// The validation time is a trusted timestamp's time or now — never the
// time a signature claims for itself; a certificate expired at the current
// time with no trusted timestamp makes the signature indeterminate, one
// expired at a trusted timestamp's time invalid. Before, the claimed signingTime (or
// /M) was the validation time: an expired certificate whose signature
// claimed a date inside its validity was "valid", with or without an
// untrusted timestamp.
func TestVerifyValidationTime(t *testing.T) {
	ctx := context.Background()
	ca := newCA(t, "Root")
	now := time.Now().Truncate(time.Second)
	k, c := ca.leaf(t, "Expired Officer", leafOpts{notBefore: now.AddDate(-3, 0, 0), notAfter: now.AddDate(-1, 0, 0)})
	expired := signer{k, c, []*x509.Certificate{ca.cert}}
	k2, c2 := ca.leaf(t, "Current Officer", leafOpts{notBefore: now.AddDate(0, -1, 0), notAfter: now.AddDate(1, 0, 0)})
	current := signer{k2, c2, []*x509.Certificate{ca.cert}}

	inValidity := now.AddDate(-2, 0, 0)
	trustedTSA := startTSA(t, ca, func() time.Time { return inValidity })
	trustedLateTSA := startTSA(t, ca, func() time.Time { return now })
	other := newCA(t, "Unknown TSA Root")
	untrustedTSA := startTSA(t, other, func() time.Time { return inValidity })

	clock := func(t time.Time) func() time.Time { return func() time.Time { return t } }
	tests := []struct {
		name    string
		pdf     []byte
		now     func() time.Time
		verdict string
		source  string
		at      time.Time
		reason  string
	}{
		// Expired now, and nothing proves when it was signed: neither
		// valid (the claim is not evidence) nor invalid (it may have been
		// signed in time) — ETSI EN 319 102-1's OUT_OF_BOUNDS_NO_POE.
		{"Indeterminate/expired, signingTime claims a date inside the validity, no timestamp",
			signClaiming(t, basePDF(), expired, inValidity, ""), nil, Indeterminate, "current time", now,
			"certificate expired"},
		{"Indeterminate/expired, signingTime forged into the past, untrusted timestamp",
			signClaiming(t, basePDF(), expired, inValidity, untrustedTSA), nil, Indeterminate, "current time", now,
			"without a trusted timestamp that claim is not evidence"},
		// A trusted time after the certificate's end proves it was signed
		// with an expired certificate.
		{"Invalid/expired, trusted timestamp after the certificate's end",
			signClaiming(t, basePDF(), expired, inValidity, trustedLateTSA), nil, Invalid, "timestamp", now,
			"certificate expired"},
		{"OK/expired now, trusted timestamp inside the validity",
			signClaiming(t, basePDF(), expired, inValidity, trustedTSA), nil, Valid, "timestamp", inValidity, ""},
		{"OK/valid now, no timestamp", signClaiming(t, basePDF(), current, now, ""), nil, Valid, "current time", now, ""},
		{"Indeterminate/injected clock after the certificate's end, signingTime inside",
			signClaiming(t, basePDF(), current, now, ""), clock(now.AddDate(2, 0, 0)), Indeterminate, "current time", now.AddDate(2, 0, 0),
			"certificate expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(ctx, tt.pdf, Options{Roots: ca.pool, Now: tt.now})
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Reasons, "\n")
			if r.Verdict != tt.verdict || !strings.Contains(reasons, tt.reason) {
				t.Fatalf("verdict %s, want %s with %q:\n%s", r.Verdict, tt.verdict, tt.reason, reasons)
			}
			s := r.Signatures[0]
			if s.ValidationTimeSource != tt.source {
				t.Errorf("validation time source %q, want %q", s.ValidationTimeSource, tt.source)
			}
			got, err := time.Parse(time.RFC3339, s.ValidationTime)
			if err != nil || got.Sub(tt.at).Abs() > time.Minute {
				t.Errorf("validation time %q, want about %s", s.ValidationTime, tt.at.UTC().Format(time.RFC3339))
			}
			if s.SigningTime == "" {
				t.Error("the claimed signing time is no longer reported")
			}
			if !s.SignatureValid {
				t.Error("the signature itself should verify")
			}
		})
	}
}

// Key usage: a certificate must be fit for signing documents. Before, only
// the KeyUsage bits were checked, so a TLS server/client certificate from
// a trusted CA produced "valid" document signatures.
func TestVerifyKeyUsage(t *testing.T) {
	ctx := context.Background()
	ca := newCA(t, "Root")
	oid := func(s ...int) []asn1.ObjectIdentifier { return []asn1.ObjectIdentifier{s} }
	ds := x509.KeyUsageDigitalSignature
	tests := []struct {
		name    string
		o       leafOpts
		verdict string
		reason  string
	}{
		{"Invalid/TLS only (serverAuth, clientAuth)", leafOpts{keyUsage: ds, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}, Invalid,
			"not fit for document signing: its extended key usage (serverAuth, clientAuth) allows none of emailProtection, documentSigning"},
		{"Invalid/code signing only", leafOpts{keyUsage: ds, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}, Invalid, "extended key usage (codeSigning)"},
		{"Invalid/keyEncipherment only", leafOpts{keyUsage: x509.KeyUsageKeyEncipherment}, Invalid,
			"key usage digitalSignature or nonRepudiation is missing (key usage: keyEncipherment)"},
		{"OK/no EKU, digitalSignature", leafOpts{keyUsage: ds}, Valid, ""},
		{"OK/nonRepudiation only", leafOpts{keyUsage: x509.KeyUsageContentCommitment}, Valid, ""},
		{"OK/emailProtection", leafOpts{keyUsage: ds, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}, Valid, ""},
		{"OK/documentSigning", leafOpts{keyUsage: ds, extKeyUsageOIDs: oid(1, 3, 6, 1, 5, 5, 7, 3, 36)}, Valid, ""},
		{"OK/Adobe Authentic Documents Trust", leafOpts{keyUsage: ds, extKeyUsageOIDs: oid(1, 2, 840, 113583, 1, 1, 5)}, Valid, ""},
		{"OK/Microsoft document signing", leafOpts{keyUsage: ds, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, extKeyUsageOIDs: oid(1, 3, 6, 1, 4, 1, 311, 10, 3, 12)}, Valid, ""},
		{"OK/anyExtendedKeyUsage", leafOpts{keyUsage: ds, extKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}, Valid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, c := ca.leaf(t, "Signer", tt.o)
			pdf := signApproval(t, basePDF(), signer{k, c, []*x509.Certificate{ca.cert}}, "Signer", 1, false)
			r, err := Verify(ctx, pdf, Options{Roots: ca.pool})
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Reasons, "\n")
			if r.Verdict != tt.verdict || !strings.Contains(reasons, tt.reason) {
				t.Fatalf("verdict %s, want %s with %q:\n%s", r.Verdict, tt.verdict, tt.reason, reasons)
			}
			if !r.Signatures[0].ChainTrusted {
				t.Errorf("path validation failed (it must not demand an extended key usage): %s", r.Signatures[0].ChainError)
			}
		})
	}
}
