package verify

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdfsign"

	"github.com/vanthu/vanthu/internal/testtsa"
)

// startTSA runs a TSA on 127.0.0.1 whose certificate ca issues; it stamps
// with the time now() returns.
func startTSA(t *testing.T, ca *testCA, now func() time.Time) string {
	t.Helper()
	return testtsa.Start(t, ca.cert, ca.key, nil, now).URL
}

func TestVerifyTimestamp(t *testing.T) {
	ca := newCA(t, "Root")
	k, c := ca.leaf(t, "Officer", leafOpts{})
	stampTime := time.Now().Add(-time.Minute).Truncate(time.Second)
	url := startTSA(t, ca, func() time.Time { return stampTime })

	in := basePDF()
	doc, err := pdfsign.Open(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	doc.Sign(k, c, ca.cert).Type(pdfsign.ApprovalSignature).Format(pdfsign.PAdES_B_T).Timestamp(url).SignerName("Officer")
	var out bytes.Buffer
	if _, err := doc.Write(&out); err != nil {
		t.Fatalf("sign B-T: %v", err)
	}

	// A document timestamp (ETSI.RFC3161) appended afterwards.
	doc2, err := pdfsign.Open(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	doc2.Timestamp(url)
	var out2 bytes.Buffer
	if _, err := doc2.Write(&out2); err != nil {
		t.Fatalf("document timestamp: %v", err)
	}
	t.Run("OK/document timestamp", func(t *testing.T) {
		r, err := Verify(context.Background(), out2.Bytes(), Options{Roots: ca.pool})
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != Valid || len(r.Signatures) != 2 {
			t.Fatalf("verdict %s with %d signatures: %v", r.Verdict, len(r.Signatures), r.Reasons)
		}
		d := r.Signatures[1]
		if d.SubFilter != "ETSI.RFC3161" || d.Timestamp == nil || !d.Timestamp.Trusted || !d.SignatureValid || !d.CoversWholeFile {
			t.Errorf("document timestamp %+v", d)
		}
		// Tampering with the signed revision breaks the document timestamp too.
		bad := flip(t, out2.Bytes(), "QUYET DINH ve")
		r, err = Verify(context.Background(), bad, Options{Roots: ca.pool})
		if err != nil || r.Verdict != Invalid || r.Signatures[1].SignatureValid {
			t.Fatalf("tampered: %v %+v", err, r)
		}
	})

	tests := []struct {
		name    string
		opts    Options
		verdict string
		trusted bool
	}{
		{"OK/trusted TSA", Options{Roots: ca.pool}, Valid, true},
		{"Indeterminate/untrusted", Options{Roots: newCA(t, "Other").pool}, Indeterminate, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(context.Background(), out.Bytes(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tt.verdict {
				t.Fatalf("verdict %s: %v", r.Verdict, r.Reasons)
			}
			ts := r.Signatures[0].Timestamp
			if ts == nil {
				t.Fatal("no timestamp in the report")
			}
			if ts.Time != stampTime.UTC().Format(time.RFC3339) && ts.Time != stampTime.Format(time.RFC3339) {
				t.Errorf("timestamp time %s, want %s", ts.Time, stampTime.Format(time.RFC3339))
			}
			if ts.Authority != "CN=Vanthu Test TSA" || ts.Trusted != tt.trusted {
				t.Errorf("timestamp %+v", ts)
			}
		})
	}
}

// TestTimestampClockAhead: a token made by a time-stamping authority
// whose clock runs ahead of the verifier's is a time in the future only
// beyond ClockSkew (and the accuracy it states); within it, the signature
// and the document time-stamp are valid — the issue verifies both layers
// a moment after signing, and failed whenever the TSA ran a second
// ahead. Both kinds of token, each way.
func TestTimestampClockAhead(t *testing.T) {
	ca := newCA(t, "Root")
	k, c := ca.leaf(t, "Officer", leafOpts{})
	for _, tc := range []struct {
		name    string
		ahead   time.Duration
		verdict string
	}{
		{"a second ahead", time.Second, Valid},
		{"within the skew", ClockSkew - 5*time.Second, Valid},
		{"beyond the skew", 2*ClockSkew + 10*time.Second, Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := startTSA(t, ca, func() time.Time { return time.Now().Add(tc.ahead) })
			in := basePDF()
			doc, err := pdfsign.Open(bytes.NewReader(in), int64(len(in)))
			if err != nil {
				t.Fatal(err)
			}
			doc.Sign(k, c, ca.cert).Type(pdfsign.ApprovalSignature).Format(pdfsign.PAdES_B_T).Timestamp(url).SignerName("Officer")
			var signed bytes.Buffer
			if _, err := doc.Write(&signed); err != nil {
				t.Fatal(err)
			}
			doc2, err := pdfsign.Open(bytes.NewReader(signed.Bytes()), int64(signed.Len()))
			if err != nil {
				t.Fatal(err)
			}
			doc2.Timestamp(url)
			var stamped bytes.Buffer
			if _, err := doc2.Write(&stamped); err != nil {
				t.Fatal(err)
			}
			for _, f := range []struct {
				what string
				pdf  []byte
			}{{"signature time-stamp", signed.Bytes()}, {"and document time-stamp", stamped.Bytes()}} {
				r, err := Verify(context.Background(), f.pdf, Options{Roots: ca.pool})
				if err != nil {
					t.Fatal(err)
				}
				if r.Verdict != tc.verdict {
					t.Errorf("%s: verdict %s, want %s: %v", f.what, r.Verdict, tc.verdict, r.Reasons)
				}
				if future := strings.Contains(strings.Join(r.Reasons, "; "), "lies in the future"); future != (tc.verdict == Invalid) {
					t.Errorf("%s: reasons %v", f.what, r.Reasons)
				}
			}
		})
	}
}
