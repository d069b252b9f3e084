package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// appendForgery appends an incremental update to signed that replaces the
// content stream of page 1 (object contentsID) with forged text: what an
// attacker would do to change a signed document without touching the
// signed bytes.
func appendForgery(tb testing.TB, signed []byte, contentsID int) []byte {
	tb.Helper()
	startxref := lastInt(tb, signed, `startxref\s+(\d+)`)
	size := lastInt(tb, signed, `/Size (\d+)`)
	root := regexp.MustCompile(`/Root (\d+ \d+ R)`).FindAllSubmatch(signed, -1)
	if len(root) == 0 {
		tb.Fatal("no /Root in the trailer")
	}
	var b bytes.Buffer
	b.Write(signed)
	off := b.Len()
	c := "BT /F1 13 Tf 72 760 Td (QUYET DINH: chi 9 ty dong cho nguoi ky) Tj ET"
	fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", contentsID, len(c), c)
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n", contentsID, off)
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, root[len(root)-1][1], startxref, x)
	return b.Bytes()
}

func lastInt(tb testing.TB, b []byte, re string) int {
	tb.Helper()
	m := regexp.MustCompile(re).FindAllSubmatch(b, -1)
	if len(m) == 0 {
		tb.Fatalf("%s not found", re)
	}
	n, _ := strconv.Atoi(string(m[len(m)-1][1]))
	return n
}

// Each tampering is flagged by the verifier with the layer rule on top
// (what `vanthu verify` and Service.VerifyDocument run) with a reason that
// names it; the untampered document passes.
func TestTamperFlaggedByVerifier(t *testing.T) {
	ctx := context.Background()
	p := newTestPKI(t, "rsa")
	other := newTestPKI(t, "ec") // a CA the verifier does not trust
	_, good, err := twoLayers(t, smallPDF(), p)
	if err != nil {
		t.Fatal(err)
	}
	l1, err := SignOfficer(ctx, smallPDF(), OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn Sĩ", Title: "Chủ tịch", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	// Wrong order: the agency key applies layer 1 and the official's key layer 2.
	swapped := p
	swappedAgency, err := SignOfficer(ctx, smallPDF(), OfficerLayer{Key: swapped.Agency, Name: "UBND quận Bình Thủy", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	wrongOrder, err := SignAgency(ctx, swappedAgency, AgencyLayer{Key: swapped.Officer, AgencyName: "Nguyễn Văn Sĩ", Notation: "15/QĐ-UBND", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	_, untrusted, err := twoLayers(t, smallPDF(), other)
	if err != nil {
		t.Fatal(err)
	}
	// An official whose certificate expired a month before signing.
	now := time.Now()
	expiredKey := p.issue(t, "rsa", 99, pkix.Name{CommonName: "Lê Văn Hết Hạn", Organization: []string{"UBND quận Bình Thủy"}}, now.AddDate(-2, 0, 0), now.AddDate(0, -1, 0))
	expired, err := SignOfficer(ctx, smallPDF(), OfficerLayer{Key: expiredKey, Name: "Lê Văn Hết Hạn", Time: now})
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	i := bytes.Index(flipped, []byte("QUYET DINH"))
	flipped[i+1] ^= 0x20 // 'U' -> 'u', inside both signed ranges

	tests := []struct {
		name      string
		pdf       []byte
		expectTwo bool   // LayerRule.ExpectTwoLayers (--expect-layers 2)
		verdict   string // after the layer rule
		reason    string // in the report's reasons or a signature's errors
		layers    bool   // the reason comes from the Decree 30 layer rule (CheckLayers)
	}{
		{"OK", good, false, verify.Valid, "Signature 2 (Ủy ban nhân dân quận Bình Thủy): valid.", false},
		{"OK/expect two layers", good, true, verify.Valid, "Signature 2 (Ủy ban nhân dân quận Bình Thủy): valid.", true},
		{"FlippedByte", flipped, false, verify.Invalid, "the message digest does not match the signed byte ranges", false},
		{"ContentAppended", appendForgery(t, good, 5), false, verify.Invalid, "page content", false},
		{"Layer2Missing", l1, true, verify.Invalid, "the agency signature (layer 2) is missing", true},
		{"WrongOrder", wrongOrder, false, verify.Invalid, "layers in the wrong order", true},
		{"UntrustedCA", untrusted, false, verify.Indeterminate, "not issued by a trusted authority", false},
		// No time-stamp: nothing proves when it was signed (indeterminate,
		// not invalid; TestVerifyValidationTime has the time-stamped case).
		{"ExpiredCertificate", expired, false, verify.Indeterminate, "certificate expired", false},
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := verify.Verify(ctx, tt.pdf, verify.Options{Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			plain, plainText := rep.Verdict, reportText(rep)
			if rep.Verdict != verify.Unsigned || tt.expectTwo {
				CheckLayers(rep, LayerRule{ExpectTwoLayers: tt.expectTwo})
			}
			if text := reportText(rep); rep.Verdict != tt.verdict || !strings.Contains(text, tt.reason) {
				t.Errorf("with the layer rule: %s, want %s with %q\n%s", rep.Verdict, tt.verdict, tt.reason, text)
			}
			if tt.layers {
				// verify alone knows nothing of layers: the document is
				// cryptographically fine.
				if plain != verify.Valid {
					t.Errorf("verify alone: %s, want valid (the layer rule is signing's)\n%s", plain, plainText)
				}
				return
			}
			if plain != tt.verdict || !strings.Contains(plainText, tt.reason) {
				t.Errorf("verify alone: %s, want %s with %q\n%s", plain, tt.verdict, tt.reason, plainText)
			}
		})
	}

	// Independent tools agree on the cryptographic cases.
	if _, err := lookPath("pdfsig"); err != nil {
		t.Skip("pdfsig not installed")
	}
	nss := nssDB(t, p.RootPEM())
	t.Run("pdfsig/FlippedByte", func(t *testing.T) {
		out, _ := run(t, "pdfsig", "-nssdir", nss, writeTemp(t, "f.pdf", flipped))
		if strings.Count(out, "Signature is Valid.") != 0 {
			t.Errorf("pdfsig still finds a valid signature after a flipped byte:\n%s", out)
		}
	})
	t.Run("pdfsig/ContentAppended", func(t *testing.T) {
		// pdfsig only says the last signature no longer covers the file.
		out, _ := run(t, "pdfsig", "-nssdir", nss, writeTemp(t, "a.pdf", appendForgery(t, good, 5)))
		if strings.Contains(out, "Total document signed") {
			t.Errorf("pdfsig: forged file still 'Total document signed':\n%s", out)
		}
	})
	t.Run("pdfsig/UntrustedCA", func(t *testing.T) {
		out, _ := run(t, "pdfsig", "-nssdir", nss, writeTemp(t, "u.pdf", untrusted))
		if strings.Contains(out, "Certificate is Trusted.") || strings.Count(out, "Signature is Valid.") != 2 {
			t.Errorf("pdfsig on a foreign CA:\n%s", out)
		}
	})
}

// The service applies the layer rule: an issued outgoing document with
// only layer 1 is invalid; the same PDF as an incoming document is not
// judged on layers.
func TestServiceVerifyDocumentLayers(t *testing.T) {
	p := newTestPKI(t, "rsa")
	svc := newTestService(t, p)
	ctx := context.Background()
	l1, err := SignOfficer(ctx, smallPDF(), OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn Sĩ", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := SignAgency(ctx, l1, agencyLayer(p))
	if err != nil {
		t.Fatal(err)
	}
	issued := &workflow.Document{Direction: workflow.Outgoing, Number: 15, Notation: "15/QĐ-UBND"}
	incoming := &workflow.Document{Direction: workflow.Incoming, Number: 3}
	tests := []struct {
		name    string
		d       *workflow.Document
		pdf     []byte
		verdict string
		reason  string
	}{
		{"Issued/two layers", issued, l2, workflow.VerdictValid, ""},
		{"Issued/layer 2 missing", issued, l1, workflow.VerdictInvalid, "the agency signature (layer 2) is missing"},
		{"Issued/unsigned", issued, smallPDF(), workflow.VerdictInvalid, "has none"},
		{"Incoming/one signature", incoming, l1, workflow.VerdictValid, ""},
		{"Incoming/unsigned", incoming, smallPDF(), workflow.VerdictUnsigned, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := svc.VerifyDocument(ctx, tt.d, tt.pdf)
			if err != nil {
				t.Fatal(err)
			}
			if v.Verdict != tt.verdict || !strings.Contains(strings.Join(v.Reasons, " "), tt.reason) {
				t.Errorf("verdict %s %v, want %s with %q", v.Verdict, v.Reasons, tt.verdict, tt.reason)
			}
			if !bytes.Contains(v.Report, []byte(`"verdict":"`+tt.verdict+`"`)) {
				t.Errorf("the JSON report does not carry the verdict %s:\n%s", tt.verdict, v.Report)
			}
		})
	}
}

func TestSignerRole(t *testing.T) {
	p := newTestPKI(t, "rsa")
	tests := []struct {
		subject string
		want    string
	}{
		{"CN=UBND quận Bình Thủy,O=UBND quận Bình Thủy", RoleAgency},
		{"CN=Nguyễn Văn Sĩ,O=UBND quận Bình Thủy", RoleOfficial},
		{`CN=Sở Tài chính\, TP Cần Thơ,O=Sở Tài chính\, TP Cần Thơ,C=VN`, RoleAgency},
		// The development PKI's officer: title and UID attributes.
		{"CN=UBND,O=UBND,2.5.4.12=#0c0843687520e1bb8b6368", RoleOfficial},
		// As reports name them now (internal/dn), and as crypto/x509 did.
		{"T=Chủ tịch,CN=UBND,O=UBND", RoleOfficial},
		{"UID=CCCD:092085001234,CN=UBND,O=UBND", RoleOfficial},
		{"0.9.2342.19200300.100.1.1=CCCD:092085001234,CN=UBND,O=UBND", RoleOfficial},
		{"GN=Văn Sĩ,SN=Nguyễn,CN=UBND,O=UBND", RoleOfficial},
		{"2.5.4.42=Văn Sĩ,CN=UBND,O=UBND", RoleOfficial},
		{"SERIALNUMBER=MST:1800123456,CN=UBND,O=UBND", RoleAgency},
		{"", RoleOfficial},
	}
	for _, tt := range tests {
		if got := SignerRole(&verify.Certificate{Subject: tt.subject}, nil); got != tt.want {
			t.Errorf("SignerRole(%q) = %s, want %s", tt.subject, got, tt.want)
		}
	}
	// A configured agency certificate wins over the subject.
	// Named as reports name it, and as a report stored before did.
	c := p.Officer.Chain[0]
	for _, vc := range []*verify.Certificate{
		{Subject: dn.Subject(c), Issuer: dn.Issuer(c), Serial: fmt.Sprintf("%X", c.SerialNumber)},
		{Subject: c.Subject.String(), Issuer: c.Issuer.String(), Serial: fmt.Sprintf("%X", c.SerialNumber)},
	} {
		if got := SignerRole(vc, p.Officer.Chain[:1]); got != RoleAgency {
			t.Errorf("configured agency certificate %s: %s", vc.Issuer, got)
		}
	}
}

func newTestService(tb testing.TB, p *testPKI) *Service {
	tb.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	svc, err := NewService(Config{
		Agency: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy",
		Officer: func(context.Context, *workflow.User) (keys.Key, []byte, error) { return p.Officer, nil, nil },
		Roots:   roots,
		Now:     func() time.Time { return at },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}

// signatureIntact (the copy-free layer-1 check of SignAgency) agrees with
// signing/verify on intact and damaged signatures, both algorithms.
func TestSignatureIntact(t *testing.T) {
	for _, alg := range []string{"rsa", "ec"} {
		p := newTestPKI(t, alg)
		l1, err := SignOfficer(context.Background(), smallPDF(), OfficerLayer{Key: p.Officer, Name: "A", Time: at})
		if err != nil {
			t.Fatal(err)
		}
		flipped := bytes.Clone(l1)
		flipped[bytes.Index(flipped, []byte("QUYET"))] = 'X'
		tail := bytes.Clone(l1)
		img := bytes.LastIndex(tail, []byte("/Subtype /Image"))
		tail[img+bytes.Index(tail[img:], []byte("stream\n"))+20] ^= 1 // image data, in the second range
		for name, pdf := range map[string][]byte{"intact": l1, "flipped": flipped, "tail": tail} {
			_, _, check, err := requireLayer1For(pdf, false)
			if err != nil {
				t.Fatalf("%s/%s: %v", alg, name, err)
			}
			got := check.run(nil)
			rep, err := verify.Verify(context.Background(), pdf, verify.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := rep.Signatures[0].SignatureValid
			if (got == nil) != want || (name == "intact") != want {
				t.Errorf("%s/%s: signatureIntact = %v, signing/verify says valid=%v", alg, name, got, want)
			}
			// SignAgency finishes layer 1's digest from the streaming
			// signer's hash state (hashTap): same verdict.
			_, aerr := SignAgency(context.Background(), pdf, AgencyLayer{Key: p.Agency, AgencyName: "UBND", Notation: "1/QĐ-UBND", Time: at})
			if (aerr == nil) != want || (aerr != nil && workflow.ErrorCode(aerr) != workflow.EINVALID) {
				t.Errorf("%s/%s: SignAgency = %v, signing/verify says valid=%v", alg, name, aerr, want)
			}
		}
	}
}

// reportText is what a reader of the report sees as reasons: the report's
// reasons and each signature's errors.
func reportText(r *verify.Report) string {
	lines := append([]string(nil), r.Reasons...)
	for _, s := range r.Signatures {
		lines = append(lines, s.Errors...)
	}
	return strings.Join(lines, "\n")
}
