package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/interop"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// fixture is the PKI and the signed documents shared by the table tests.
type fixture struct {
	ca, other        *testCA
	officer, agency  signer
	twoLayers        []byte
	objStmTwoLayers  []byte
	expired, noUsage signer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	fx := &fixture{ca: newCA(t, "Vanthu Test Root"), other: newCA(t, "Somebody Else's Root")}
	k1, c1 := fx.ca.leaf(t, "Nguyễn Văn A", leafOpts{})
	k2, c2 := fx.ca.leaf(t, "UBND Quận 1", leafOpts{rsa: true})
	fx.officer = signer{k1, c1, []*x509.Certificate{fx.ca.cert}}
	fx.agency = signer{k2, c2, []*x509.Certificate{fx.ca.cert}}
	fx.twoLayers = twoLayers(t, fx.officer, fx.agency)

	objstm, err := os.ReadFile("testdata/objstm.pdf")
	if err != nil {
		t.Fatal(err)
	}
	l1 := signApproval(t, objstm, fx.officer, "Nguyễn Văn A", 2, false)
	fx.objStmTwoLayers = signApproval(t, l1, fx.agency, "UBND Quận 1", 2, true)

	ke, ce := fx.ca.leaf(t, "Expired Officer", leafOpts{
		notBefore: time.Now().Add(-2 * 365 * 24 * time.Hour),
		notAfter:  time.Now().Add(-365 * 24 * time.Hour),
	})
	fx.expired = signer{ke, ce, []*x509.Certificate{fx.ca.cert}}
	kn, cn := fx.ca.leaf(t, "Encryption Only", leafOpts{keyUsage: x509.KeyUsageKeyEncipherment})
	fx.noUsage = signer{kn, cn, []*x509.Certificate{fx.ca.cert}}
	return fx
}

// flip returns a copy of pdf with one byte changed at the first occurrence
// of marker.
func flip(t testing.TB, pdf []byte, marker string) []byte {
	t.Helper()
	i := bytes.Index(pdf, []byte(marker))
	if i < 0 {
		t.Fatalf("marker %q not found", marker)
	}
	out := bytes.Clone(pdf)
	out[i] ^= 0x01
	return out
}

func TestVerify(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	trusted := Options{Roots: fx.ca.pool}

	type check func(t *testing.T, r *Report)
	wantReason := func(sub string) check {
		return func(t *testing.T, r *Report) {
			t.Helper()
			if !strings.Contains(strings.Join(r.Reasons, "\n"), sub) {
				t.Errorf("reasons do not mention %q:\n%s", sub, strings.Join(r.Reasons, "\n"))
			}
		}
	}
	allLaterAllowed := func(kinds ...string) check {
		return func(t *testing.T, r *Report) {
			t.Helper()
			seen := map[string]bool{}
			for _, c := range r.Signatures[0].LaterChanges {
				seen[c.Kind] = true
				if !c.Allowed {
					t.Errorf("later change %+v not allowed", c)
				}
			}
			for _, k := range kinds {
				if !seen[k] {
					t.Errorf("layer 1 later changes have no %q entry: %+v", k, r.Signatures[0].LaterChanges)
				}
			}
		}
	}
	sigOK := func(i int, whole bool) check {
		return func(t *testing.T, r *Report) {
			t.Helper()
			s := r.Signatures[i]
			if !s.SignatureValid || !s.ChainTrusted || s.CoversWholeFile != whole || s.SubFilter != "ETSI.CAdES.detached" {
				t.Errorf("signature %d: valid=%v trusted=%v whole=%v subfilter=%q", i, s.SignatureValid, s.ChainTrusted, s.CoversWholeFile, s.SubFilter)
			}
			if s.Signer == nil || !strings.Contains(strings.Join(s.Signer.KeyUsage, ","), "digitalSignature") {
				t.Errorf("signature %d: signer %+v", i, s.Signer)
			}
			if len(s.ByteRange) != 4 || s.ByteRange[0] != 0 {
				t.Errorf("signature %d: byte range %v", i, s.ByteRange)
			}
		}
	}
	hasChange := func(sig int, kind string, allowed bool) check {
		return func(t *testing.T, r *Report) {
			t.Helper()
			for _, c := range r.Signatures[sig].LaterChanges {
				if c.Kind == kind && c.Allowed == allowed {
					return
				}
			}
			t.Errorf("signature %d: no later change {kind %s allowed %v} in %+v", sig, kind, allowed, r.Signatures[sig].LaterChanges)
		}
	}

	officerOnly := signApproval(t, basePDF(), fx.officer, "Nguyễn Văn A", 2, false)
	addedPage := func() []byte {
		pdf := fx.twoLayers
		_, _, size := page(t, pdf, 1)
		f, _ := parseFile(pdf)
		pagesRef := f.states[0].root()["Pages"].(ref)
		pages := f.states[0].dictOf(pagesRef)
		kids := append(append([]object{}, pages["Kids"].([]object)...), ref{size, 0})
		p2 := dict{}
		for k, v := range pages {
			p2[k] = v
		}
		p2["Kids"], p2["Count"] = kids, int64(len(kids))
		return appendUpdate(t, pdf, map[int]string{
			size:         fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>", pagesRef.Num, size+1),
			size + 1:     streamObj("", "BT /Helvetica 12 Tf 72 700 Td (Phu luc gia mao) Tj ET"),
			pagesRef.Num: serialize(p2),
		})
	}
	droppedField := func() []byte {
		pdf := fx.twoLayers
		f, _ := parseFile(pdf)
		st := f.states[0]
		rootRef := st.trailer["Root"].(ref)
		root := st.root()
		af := st.dictOf(root["AcroForm"])
		fields := af["Fields"].([]object)
		af2 := dict{"Fields": fields[1:], "SigFlags": int64(3)}
		r2 := dict{}
		for k, v := range root {
			r2[k] = v
		}
		r2["AcroForm"] = af2
		return appendUpdate(t, pdf, map[int]string{rootRef.Num: serialize(r2)})
	}

	tests := []struct {
		name    string
		pdf     []byte
		opts    Options
		verdict string
		sigs    int
		checks  []check
	}{
		{"OK/two layers", fx.twoLayers, trusted, Valid, 2, []check{
			sigOK(0, false), sigOK(1, true),
			allLaterAllowed(KindSignature, KindWidget, KindAppearance, KindCatalog, KindPage),
			func(t *testing.T, r *Report) {
				if len(r.Signatures[1].LaterChanges) != 0 {
					t.Errorf("layer 2 later changes: %+v", r.Signatures[1].LaterChanges)
				}
				if r.Signatures[0].Name != "Nguyễn Văn A" || r.Signatures[1].Name != "UBND Quận 1" || r.Signatures[0].Location != "Quận 1" {
					t.Errorf("names: %q %q %q", r.Signatures[0].Name, r.Signatures[1].Name, r.Signatures[0].Location)
				}
				if r.Signatures[0].SigningTime == "" || r.Signatures[0].Timestamp != nil {
					t.Errorf("signing time %q timestamp %+v", r.Signatures[0].SigningTime, r.Signatures[0].Timestamp)
				}
			},
		}},
		{"OK/object streams and xref streams", fx.objStmTwoLayers, trusted, Valid, 2, []check{
			sigOK(0, false), sigOK(1, true), allLaterAllowed(KindSignature, KindWidget),
		}},
		{"OK/one layer", officerOnly, trusted, Valid, 1, []check{sigOK(0, true)}},
		// A new annotation drawn over the page after both signatures, with
		// no signature covering it: never plain valid.
		{"Indeterminate/annotation added later", addAnnotation(t, fx.twoLayers), trusted, Indeterminate, 2, []check{
			sigOK(0, false), sigOK(1, false), hasChange(1, KindAnnotation, false), hasChange(1, KindAppearance, false), hasChange(1, KindPage, true),
			wantReason("annotations added after signature: a /Square annotation was added to page 1"),
			func(t *testing.T, r *Report) {
				for _, s := range r.Signatures {
					if len(s.Errors) != 0 || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "(objects ") {
						t.Errorf("signature %d: errors %q warnings %q", s.Index, s.Errors, s.Warnings)
					}
				}
			},
		}},
		{"Invalid/byte flipped in page content", flip(t, fx.twoLayers, "QUYET DINH ve"), trusted, Invalid, 2, []check{
			wantReason("message digest does not match"),
			func(t *testing.T, r *Report) {
				for _, s := range r.Signatures {
					if s.SignatureValid {
						t.Errorf("signature %d still valid", s.Index)
					}
				}
			},
		}},
		{"Invalid/byte flipped in layer 2's second range", func() []byte {
			pdf := bytes.Clone(fx.twoLayers)
			r, _ := Verify(ctx, pdf, trusted)
			br := r.Signatures[1].ByteRange
			pdf[br[2]+2] ^= 0x01 // inside "/Type /Sig ..." after the signature value
			return pdf
		}(), trusted, Invalid, 2, []check{func(t *testing.T, r *Report) {
			if r.Signatures[1].SignatureValid {
				t.Error("layer 2 still valid")
			}
		}}},
		{"Invalid/page content appended after both signatures", forgeContent(t, fx.twoLayers), trusted, Invalid, 2, []check{
			wantReason("page content was changed after signing"),
			sigOK(0, false), sigOK(1, false), // the signatures themselves are intact
			hasChange(0, KindPageContent, false), hasChange(1, KindPageContent, false),
		}},
		{"Invalid/page content appended (object streams)", forgeContent(t, fx.objStmTwoLayers), trusted, Invalid, 2, []check{
			wantReason("page content"), hasChange(1, KindPageContent, false),
		}},
		{"Invalid/page content appended after layer 1", forgeContent(t, officerOnly), trusted, Invalid, 1, []check{
			wantReason("page content"),
		}},
		{"Invalid/page added", addedPage(), trusted, Invalid, 2, []check{
			wantReason("pages were changed after signing"), hasChange(1, KindPage, false),
		}},
		{"Invalid/layer 1 field dropped from the form", droppedField(), trusted, Invalid, 2, []check{
			wantReason("form fields removed"), hasChange(1, KindCatalog, false),
		}},
		{"Indeterminate/untrusted CA", fx.twoLayers, Options{Roots: fx.other.pool}, Indeterminate, 2, []check{
			wantReason("not issued by a trusted authority"),
			func(t *testing.T, r *Report) {
				if r.Signatures[0].ChainTrusted || !r.Signatures[0].SignatureValid {
					t.Errorf("trusted=%v valid=%v", r.Signatures[0].ChainTrusted, r.Signatures[0].SignatureValid)
				}
			},
		}},
		{"Indeterminate/no anchors", fx.twoLayers, Options{}, Indeterminate, 2, []check{wantReason("no trust anchors")}},
		{"Indeterminate/expired certificate, no timestamp", signApproval(t, basePDF(), fx.expired, "Expired", 1, false), trusted, Indeterminate, 1, []check{
			wantReason("certificate expired"), wantReason("nothing proves the signature was made while the certificate was valid"),
		}},
		{"Invalid/no signing key usage", signApproval(t, basePDF(), fx.noUsage, "No usage", 1, false), trusted, Invalid, 1, []check{
			wantReason("key usage digitalSignature or nonRepudiation is missing"),
		}},
		{"Unsigned/plain PDF", basePDF(), trusted, Unsigned, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(ctx, tt.pdf, tt.opts)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if r.Verdict != tt.verdict || len(r.Signatures) != tt.sigs {
				j, _ := json.MarshalIndent(r, "", "  ")
				t.Fatalf("verdict %s with %d signatures, want %s with %d:\n%s", r.Verdict, len(r.Signatures), tt.verdict, tt.sigs, j)
			}
			if r.Size != int64(len(tt.pdf)) || len(r.Reasons) == 0 {
				t.Errorf("size %d reasons %v", r.Size, r.Reasons)
			}
			for _, c := range tt.checks {
				c(t, r)
			}
		})
	}
}

// TestVerifyFixtures: PDFs from other producers without signatures are
// "unsigned" (or, for the damaged ones, a clear error — never a panic).
// They come from the interop corpus (skipped without
// VANTHU_INTEROP_FIXTURES); TestVerifyOwnUnsigned covers the same path.
func TestVerifyFixtures(t *testing.T) {
	for _, p := range fixtureFiles(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			checkUnsigned(t, b)
		})
	}
}

// TestVerifyOwnUnsigned: our own unsigned inputs (PDF 1.3 to 2.0, classic
// and stream cross-references, object streams) are "unsigned"; damaged
// ones get a clear error.
func TestVerifyOwnUnsigned(t *testing.T) {
	for _, in := range ownInputs(t) {
		t.Run(in.name, func(t *testing.T) { checkUnsigned(t, in.data) })
	}
	t.Run("truncated", func(t *testing.T) { checkUnsigned(t, testpdf.Make(2, "x")[:300]) })
}

func checkUnsigned(t *testing.T, b []byte) {
	t.Helper()
	r, err := Verify(context.Background(), b, Options{})
	if err != nil {
		if code := workflow.ErrorCode(err); code != workflow.EUNPROCESSABLE {
			t.Fatalf("error %v with code %q", err, code)
		}
		t.Logf("refused: %v", err)
		return
	}
	if r.Verdict != Unsigned || len(r.Signatures) != 0 {
		t.Errorf("verdict %s, %d signatures", r.Verdict, len(r.Signatures))
	}
}

// ownInput is an unsigned PDF of the repository's own corpus.
type ownInput struct {
	name string
	data []byte
}

// ownInputs are PDFs made by our tools: fpdf through internal/testpdf
// (classic cross-reference table) and qpdf's object-stream rewrite of
// one (testdata/objstm.pdf, cross-reference stream), each also with the
// header of later versions up to 2.0.
func ownInputs(t *testing.T) []ownInput {
	t.Helper()
	objstm, err := os.ReadFile("testdata/objstm.pdf")
	if err != nil {
		t.Fatal(err)
	}
	plain := testpdf.Make(3, "Quyết định")
	out := []ownInput{{"testpdf", plain}, {"objstm.pdf", objstm}}
	for _, v := range []string{"1.4", "1.7", "2.0"} {
		out = append(out, ownInput{"testpdf-as-" + v, testpdf.WithVersion(plain, v)}, ownInput{"objstm-as-" + v, testpdf.WithVersion(objstm, v)})
	}
	return out
}

func TestVerifyErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		code string
	}{
		{"garbage", []byte("this is not a PDF at all, just some text\n"), workflow.EUNSUPPORTEDMEDIA},
		{"empty", nil, workflow.EUNSUPPORTEDMEDIA},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), workflow.EUNSUPPORTEDMEDIA},
		{"header only", []byte("%PDF-1.7\nnothing else here\n"), workflow.EUNPROCESSABLE},
		{"encrypted", func() []byte {
			b := basePDF()
			return bytes.Replace(b, []byte("/Root 1 0 R >>"), []byte("/Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 >> >>"), 1)
		}(), workflow.EUNPROCESSABLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(context.Background(), tt.in, Options{})
			if err == nil {
				t.Fatalf("no error; report %+v", r)
			}
			if code := workflow.ErrorCode(err); code != tt.code {
				t.Errorf("code %q (%v), want %q", code, err, tt.code)
			}
		})
	}
}

// TestIntegrationPdfsigMissesForgery pins the fact this package exists for:
// poppler's pdfsig still calls both signatures of the forged file valid
// (it only notes "not total document signed"), while Verify says invalid.
func TestIntegrationPdfsigMissesForgery(t *testing.T) {
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Skip("pdfsig not installed (apt-get install poppler-utils; scripts/setup/signing.sh does it)")
	}
	fx := newFixture(t)
	forged := forgeContent(t, fx.twoLayers)
	path := filepath.Join(t.TempDir(), "forged.pdf")
	if err := os.WriteFile(path, forged, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", path).CombinedOutput()
	s := string(out)
	if n := strings.Count(s, "Signature is Valid"); n != 2 {
		t.Errorf("pdfsig: %d \"Signature is Valid\", want 2 (did poppler learn to catch the forgery? then update this pin):\n%s", n, s)
	}
	if !strings.Contains(s, "Not total document signed") {
		t.Errorf("pdfsig no longer says \"Not total document signed\":\n%s", s)
	}
	r, err := Verify(context.Background(), forged, Options{Roots: fx.ca.pool})
	if err != nil || r.Verdict != Invalid {
		t.Fatalf("Verify: %v, %+v", err, r)
	}
	// The forged text is really there for a reader to see.
	if _, err := exec.LookPath("pdftotext"); err == nil {
		txt, _ := exec.Command("pdftotext", "-f", "1", "-l", "1", path, "-").Output()
		if !strings.Contains(string(txt), "huy") {
			t.Errorf("forged content not rendered by pdftotext: %q", txt)
		}
	}
	if _, err := exec.LookPath("qpdf"); err == nil {
		if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
			t.Errorf("qpdf --check on the forged file: %v\n%s", err, out)
		}
	}
}

// fixtureFiles lists the PDFs of the interop corpus
// (VANTHU_INTEROP_FIXTURES/pdf); the test skips without it.
func fixtureFiles(t *testing.T) []string {
	t.Helper()
	return interop.Files(t, "pdf", "*")
}
