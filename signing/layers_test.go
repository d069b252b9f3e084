package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdfsign"

	"github.com/vanthu/vanthu/workflow"
)

var at = time.Date(2026, 11, 25, 10, 15, 30, 0, ict)

func agencyLayer(p *testPKI) AgencyLayer {
	return AgencyLayer{Key: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy", Notation: "15/QĐ-UBND", IssueDate: at, Time: at}
}

func TestDateLineAndStampTime(t *testing.T) {
	tests := []struct {
		d    time.Time
		want string
	}{
		{at, "Bình Thủy, ngày 25 tháng 11 năm 2026"},
		{time.Date(2027, 2, 5, 0, 0, 0, 0, ict), "Bình Thủy, ngày 05 tháng 02 năm 2027"},
		{time.Date(2027, 3, 9, 23, 0, 0, 0, time.UTC), "Bình Thủy, ngày 10 tháng 3 năm 2027"}, // UTC evening = next day in Vietnam
	}
	for _, tt := range tests {
		if got := DateLine("Bình Thủy", tt.d); got != tt.want {
			t.Errorf("DateLine(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	if got := StampTime(at.UTC()); got != "2026-11-25T10:15:30+07:00" {
		t.Errorf("StampTime = %q", got)
	}
}

func TestPDFText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nguyen (Van) A", "Nguyen (Van) A"},
		{"Nguyễn Văn Sĩ", "Nguyễn Văn Si\u0303"},
		{"ĨNH (x)", "I\u0303NH [x]"},
	}
	for _, tt := range tests {
		if got := pdfText(tt.in); got != tt.want {
			t.Errorf("pdfText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSignAgencyRefusals(t *testing.T) {
	p := newTestPKI(t, "ec")
	in := smallPDF()
	l1, err := SignOfficer(context.Background(), in, OfficerLayer{Key: p.Officer, Name: "Trần Thị B", Title: "Phó Chủ tịch", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := SignAgency(context.Background(), l1, agencyLayer(p))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(l1)
	i := bytes.Index(flipped, []byte("QUYET DINH"))
	flipped[i] = 'X'
	tests := []struct {
		name string
		in   []byte
		code string
	}{
		{"NoLayer1", in, workflow.EINVALID},
		{"Layer1Tampered", flipped, workflow.EINVALID},
		{"Layer2Twice", l2, workflow.ECONFLICT},
		{"NotPDF", []byte("hello"), workflow.EUNSUPPORTEDMEDIA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SignAgency(context.Background(), tt.in, agencyLayer(p))
			if workflow.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want code %s", err, tt.code)
			}
		})
	}
}

// TestSignOfficerRefusesForms: an XFA form without fields (its pages are
// not its content) and an encrypted file are refused, each with its
// cause (a page says what to do by it); a filled-in form is
// flattened and signed (TestFormFlattenedBeforeSigning).
func TestSignOfficerRefusesForms(t *testing.T) {
	p := newTestPKI(t, "ec")
	for _, tc := range []struct {
		name  string
		pdf   []byte
		cause error
	}{
		{"form-xfa.pdf", readFile(t, "testdata/form-xfa.pdf"), workflow.ErrPDFForm},
		{"encrypted-owner-only.pdf", readFile(t, "testdata/encrypted-owner-only.pdf"), workflow.ErrPDFEncrypted},
	} {
		_, err := SignOfficer(context.Background(), tc.pdf, OfficerLayer{Key: p.Officer, Name: "A"})
		if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || !errors.Is(err, tc.cause) {
			t.Errorf("%s: got %v, want EUNPROCESSABLE caused by %q", tc.name, err, tc.cause)
		}
	}
}

// Both algorithms, with the independent tools.
func TestIntegrationECDSA(t *testing.T) {
	needTool(t, "pdfsig")
	p := newTestPKI(t, "ec")
	_, l2, err := twoLayers(t, smallPDF(), p)
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "ec.pdf", l2)
	out := checkPdfsig(t, file, nssDB(t, p.RootPEM()), 2)
	checkQpdf(t, file)
	checkMutool(t, file, mutoolWant...)
	checkStampsRendered(t, l2, file)
	if !strings.Contains(out, "Signer Certificate Common Name: UBND quận Bình Thủy") {
		t.Errorf("pdfsig does not show the agency:\n%s", out)
	}
}

// The stamp's words are in the signature dictionaries, readable by pdfsig.
func TestIntegrationSignatureDictionaryText(t *testing.T) {
	needTool(t, "pdfsig")
	p := newTestPKI(t, "rsa")
	_, l2, err := twoLayers(t, smallPDF(), p)
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "dict.pdf", l2)
	out, err := run(t, "pdfsig", "-nssdir", nssDB(t, p.RootPEM()), file)
	if err != nil {
		t.Fatal(err)
	}
	// pdfsig prints the certificate names, not /Name; check the raw
	// dictionaries via qpdf's JSON instead.
	js, err := run(t, "qpdf", "--json", "--json-key=acroform", file)
	if err != nil {
		t.Fatal(err, js)
	}
	_ = out
	for _, want := range []string{"Signature 1", "Signature 2"} {
		if !strings.Contains(js, want) {
			t.Errorf("qpdf acroform JSON lacks %q", want)
		}
	}
	raw, err := run(t, "qpdf", "--qdf", "--object-streams=disable", file, "-")
	if err != nil {
		t.Fatal(err)
	}
	// /Reason of layer 2 carries the notation and the time (UTF-16BE).
	if !strings.Contains(raw, "/Reason") || !strings.Contains(raw, "/Location") {
		t.Errorf("signature dictionaries lack /Reason or /Location")
	}
}

// TestPdfsignFacts pins the behaviours of pdfsign that our code works
// around or relies on (docs/signing.md).
func TestPdfsignFacts(t *testing.T) {
	p := newTestPKI(t, "rsa")
	v13 := readFile(t, "testdata/v13.pdf")
	t.Run("HeaderBelow1.5DuplicatesVersion", func(t *testing.T) {
		// Signing twice without our normalisation: the second catalog has /Version twice.
		s1, err := signPDF(context.Background(), v13, signParams{key: p.Officer, name: "A", time: at})
		if err != nil {
			t.Fatal(err)
		}
		s2, err := signPDF(context.Background(), s1, signParams{key: p.Agency, name: "B", time: at})
		if err != nil {
			t.Fatal(err)
		}
		last := s2[bytes.LastIndex(s2, []byte("/Type /Catalog")):]
		if n := bytes.Count(last[:bytes.Index(last, []byte("endobj"))], []byte("/Version")); n != 2 {
			t.Errorf("last catalog has /Version %d times; pdfsign changed (was 2): revisit normalize", n)
		}
		if _, err := exec_LookPath("qpdf"); err == nil {
			out, _ := run(t, "qpdf", "--check", writeTemp(t, "dup.pdf", s2))
			t.Logf("qpdf on the unnormalised file: %s", firstLine(out, "WARNING"))
		}
		// With normalisation (SignOfficer) the header is 1.5 and there is no duplicate.
		_, l2, err := twoLayers(t, v13, p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(l2, []byte("%PDF-1.5")) {
			t.Errorf("header %q, want %%PDF-1.5", l2[:8])
		}
		last = l2[bytes.LastIndex(l2, []byte("/Type /Catalog")):]
		if n := bytes.Count(last[:bytes.Index(last, []byte("endobj"))], []byte("/Version")); n > 1 {
			t.Errorf("normalised: /Version %d times", n)
		}
	})
	t.Run("EngineBuffersInMemoryAndWritesOnce", func(t *testing.T) {
		// signPDF pre-sizes the engine's buffer through its io.WriterTo and
		// keeps the slice of its single final Write (no copy).
		out, st, err := signEngine(context.Background(), docParts{smallPDF()}, signParams{key: p.Officer, name: "A", time: at})
		if err != nil {
			t.Fatal(err)
		}
		if !st.presized || st.writes != 1 {
			t.Errorf("engine stats %+v: pdfsign changed how it buffers (want presized, 1 write); revisit presizedReader/resultWriter", st)
		}
		if !bytes.HasPrefix(out, smallPDF()) {
			t.Error("output does not start with the input")
		}
	})
	t.Run("PAdES_B_LT_Refused", func(t *testing.T) {
		// Why B-T is the highest level offered: B-LT is refused.
		in := smallPDF()
		doc, err := pdfsign.Open(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			t.Fatal(err)
		}
		doc.Sign(p.Officer.Signer, p.Officer.Chain[0], p.Root).Type(pdfsign.ApprovalSignature).Format(pdfsign.PAdES_B_LT)
		var out bytes.Buffer
		if _, err := doc.Write(&out); err == nil || !strings.Contains(err.Error(), "not currently supported") {
			t.Errorf("PAdES B-LT: err = %v; pdfsign changed: B-LT may now be offered", err)
		}
	})
	t.Run("OwnVerifierMissesContentForgery", func(t *testing.T) {
		// Why signing/verify analyses incremental updates itself.
		_, l2, err := twoLayers(t, smallPDF(), p)
		if err != nil {
			t.Fatal(err)
		}
		forged := appendForgery(t, l2, 5)
		doc, err := pdfsign.Open(bytes.NewReader(forged), int64(len(forged)))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(p.Root)
		if res := doc.Verify().TrustedRoots(pool); !res.Valid() {
			t.Errorf("pdfsign's verifier now rejects a page-content forgery after both signatures (%v): good news, note it", res.Err())
		}
	})
	t.Run("UTF16LiteralUnescaped", func(t *testing.T) {
		// pdfsign writes non-ASCII /Name as UTF-16BE in an unescaped literal
		// string; "ĩ" (U+0129) puts a lone ')' byte in it. pdfText avoids it.
		s, err := signPDF(context.Background(), smallPDF(), signParams{key: p.Officer, name: "Sĩ", time: at})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(s, []byte("S\x00i\x03\x03)")) {
			t.Errorf("expected the decomposed name in /Name")
		}
	})
	t.Run("AcroFormRewritten", func(t *testing.T) {
		// Why SignOfficer flattens forms: the signature's new /AcroForm keeps
		// only /Fields and /SigFlags; /DA (and /DR, /XFA) are dropped, so
		// text fields lose their appearance settings and XFA forms vanish.
		s, err := signPDF(context.Background(), readFile(t, "testdata/form-text.pdf"), signParams{key: p.Officer, name: "A", time: at})
		if err != nil {
			t.Fatal(err)
		}
		last := s[bytes.LastIndex(s, []byte("/AcroForm")):]
		if bytes.Contains(last[:bytes.Index(last, []byte("endobj"))], []byte("/DA")) {
			t.Errorf("/DA survived signing: pdfsign changed; forms could be accepted")
		}
		x, err := signPDF(context.Background(), readFile(t, "testdata/form-xfa.pdf"), signParams{key: p.Officer, name: "A", time: at})
		if err != nil {
			t.Fatal(err)
		}
		if info, err := inspectBytes(x); err != nil || info.HasXFA {
			t.Errorf("XFA survived signing (%+v, %v): pdfsign changed", info, err)
		}
	})
}

var exec_LookPath = func(s string) (string, error) { return lookPath(s) }

func firstLine(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// Signing never rewrites: each layer's output starts with its input.
func TestAppendOnly(t *testing.T) {
	p := newTestPKI(t, "ec")
	in := smallPDF()
	l1, l2, err := twoLayers(t, in, p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(l1, in) || !bytes.HasPrefix(l2, l1) {
		t.Error("a layer rewrote earlier bytes")
	}
	if n := len(regexp.MustCompile(`%%EOF`).FindAll(l2, -1)); n != 3 {
		t.Errorf("%d revisions, want 3", n)
	}
}

func TestSignAttachmentIntegration(t *testing.T) {
	p := newTestPKI(t, "rsa")
	s, err := SignAttachment(context.Background(), smallPDF(), agencyLayer(p))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lookPath("pdfsig"); err != nil {
		t.Skip("pdfsig not installed")
	}
	file := writeTemp(t, "att.pdf", s)
	checkPdfsig(t, file, nssDB(t, p.RootPEM()), 1)
	checkQpdf(t, file)
	if ink, _, _ := inkIn(t, file, 1, 842, [4]float64{595 - 28 - 210, 842 - 60, 595 - 28, 842 - 20}); ink < 50 {
		t.Errorf("attachment stamp not rendered (%d inked pixels)", ink)
	}
}

// writeSamples writes signed samples for a human to look at when
// VANTHU_SIGNING_SAMPLES names a directory.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("VANTHU_SIGNING_SAMPLES")
	if dir == "" {
		t.Skip("VANTHU_SIGNING_SAMPLES not set")
	}
	_, l2, err := twoLayers(t, smallPDF(), newTestPKI(t, "rsa"))
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "two-layers.pdf"), l2, 0o644)
}

// TestStampBoxOffPage: a box set by hand (PUT /layout takes any x and y up
// to 14,400 pt) that lies wholly outside its page is refused with EINVALID
// at the layer that would draw it, not signed with a stamp no reader
// shows; a box the page cuts is kept.
func TestStampBoxOffPage(t *testing.T) {
	p := newTestPKI(t, "ec")
	ctx := context.Background()
	sizes, err := PageSizes(smallPDF())
	if err != nil {
		t.Fatal(err)
	}
	w, h := sizes[0][0], sizes[0][1]
	officer := func(r *Rect) OfficerLayer {
		return OfficerLayer{Key: p.Officer, Name: "Trần Thị B", Title: "Phó Chủ tịch", Time: at, Box: r}
	}
	for _, c := range []struct {
		name string
		box  Rect
		off  bool
	}{
		{"inside", Rect{Page: 1, X: w / 2, Y: 100, W: 150, H: 60}, false},
		{"cut by the right edge", Rect{Page: 1, X: w - 50, Y: 100, W: 150, H: 60}, false},
		{"right of the page", Rect{Page: 1, X: w + 10, Y: 100, W: 150, H: 60}, true},
		{"above the page", Rect{Page: 1, X: 100, Y: h, W: 150, H: 60}, true},
	} {
		t.Run("signature "+c.name, func(t *testing.T) {
			_, err := SignOfficer(ctx, smallPDF(), officer(&c.box))
			if c.off != (workflow.ErrorCode(err) == workflow.EINVALID) || (!c.off && err != nil) {
				t.Fatalf("err %v, off the page %v", err, c.off)
			}
			if c.off && !strings.Contains(workflow.ErrorMessage(err), "lies outside its page") {
				t.Errorf("message %q", workflow.ErrorMessage(err))
			}
		})
	}
	l1, err := SignOfficer(ctx, smallPDF(), officer(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		num, dat *Rect
	}{
		{"number", &Rect{Page: 1, X: 100, Y: h + 200, W: 100, H: 18}, nil},
		{"date", nil, &Rect{Page: 1, X: w + 1, Y: 100, W: 200, H: 18}},
	} {
		t.Run(c.name+" off the page", func(t *testing.T) {
			l := agencyLayer(p)
			l.NumberPos, l.DatePos = c.num, c.dat
			_, err := SignAgency(ctx, l1, l)
			if workflow.ErrorCode(err) != workflow.EINVALID || !strings.Contains(workflow.ErrorMessage(err), "the "+c.name+" box") {
				t.Fatalf("err %v", err)
			}
		})
	}
}
