package signing

import (
	"bytes"
	"context"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/interop"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// Checks with tools nobody here wrote: poppler's pdfsig and pdftoppm, qpdf,
// and MuPDF's mutool. Each helper skips the test when its binary is missing.

func needTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Skipf("%s not installed (apt-get install poppler-utils qpdf mupdf-tools libnss3-tools): %v", name, err)
	}
	return p
}

func run(tb testing.TB, name string, args ...string) (string, error) {
	tb.Helper()
	out, err := exec.Command(needTool(tb, name), args...).CombinedOutput()
	return string(out), err
}

// nssDB creates an NSS database trusting rootPEM, for pdfsig -nssdir.
func nssDB(tb testing.TB, rootPEM []byte) string {
	tb.Helper()
	needTool(tb, "certutil")
	dir := tb.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, rootPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	if out, err := run(tb, "certutil", "-N", "-d", "sql:"+dir, "--empty-password"); err != nil {
		tb.Fatalf("certutil -N: %v\n%s", err, out)
	}
	if out, err := run(tb, "certutil", "-A", "-n", "ca", "-t", "CT,C,C", "-i", ca, "-d", "sql:"+dir); err != nil {
		tb.Fatalf("certutil -A: %v\n%s", err, out)
	}
	return "sql:" + dir
}

func writeTemp(tb testing.TB, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// checkPdfsig asserts that pdfsig (poppler 22.12) finds n signatures, each
// "Signature is Valid." and "Certificate is Trusted.", and that the last one
// covers the whole file. It returns the output.
func checkPdfsig(tb testing.TB, file, nss string, n int) string {
	tb.Helper()
	out, err := run(tb, "pdfsig", "-nssdir", nss, file)
	if err != nil {
		tb.Fatalf("pdfsig: %v\n%s", err, out)
	}
	if c := strings.Count(out, "Signature Validation: Signature is Valid."); c != n {
		tb.Errorf("pdfsig: %d × \"Signature is Valid.\", want %d\n%s", c, n, out)
	}
	if c := strings.Count(out, "Certificate Validation: Certificate is Trusted."); c != n {
		tb.Errorf("pdfsig: %d × \"Certificate is Trusted.\", want %d\n%s", c, n, out)
	}
	if c := strings.Count(out, "Signature Type: ETSI.CAdES.detached"); c != n {
		tb.Errorf("pdfsig: %d × ETSI.CAdES.detached, want %d\n%s", c, n, out)
	}
	if c := strings.Count(out, "  - Total document signed"); c != 1 {
		tb.Errorf("pdfsig: %d signatures cover the whole document, want exactly 1 (the last)\n%s", c, out)
	}
	return out
}

// checkPdfcpu asserts that pdfcpu (go install github.com/pdfcpu/pdfcpu/
// cmd/pdfcpu, a Go PDF processor nobody here wrote) validates file in
// strict mode when input passes it, and, trusting rootPEM, finds n
// signatures with trusted chains, none invalid, the document unmodified
// after each.
func checkPdfcpu(tb testing.TB, file string, input []byte, rootPEM []byte, n int) {
	tb.Helper()
	if _, err := exec.LookPath("pdfcpu"); err != nil {
		tb.Skipf("pdfcpu not installed (scripts/test: go install github.com/pdfcpu/pdfcpu/cmd/pdfcpu@v0.11.1): %v", err)
	}
	conf := tb.TempDir()
	root := filepath.Join(conf, "root.pem")
	if err := os.WriteFile(root, rootPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	if out, err := run(tb, "pdfcpu", "certificates", "import", "-c", conf, root); err != nil {
		tb.Fatalf("pdfcpu certificates import: %v\n%s", err, out)
	}
	out, err := run(tb, "pdfcpu", "signatures", "validate", "-c", conf, "-o", "-a", "-f", file)
	if err != nil {
		tb.Fatalf("pdfcpu signatures validate: %v\n%s", err, out)
	}
	// Without revocation data it reaches (offline) pdfcpu says "validity
	// unknown" of a trusted, intact signature: what it must say is that
	// each chain is trusted, no signature is invalid and nothing was
	// modified after any of them.
	if c := strings.Count(out, "Reason: cert chain up to root CA is trusted"); c != n {
		tb.Errorf("pdfcpu: %d × \"cert chain up to root CA is trusted\", want %d\n%s", c, n, out)
	}
	if strings.Contains(out, "signature is invalid") {
		tb.Errorf("pdfcpu: a signature is invalid\n%s", out)
	}
	if c := strings.Count(out, "DocModified: false"); c != n {
		tb.Errorf("pdfcpu: %d × \"DocModified: false\", want %d\n%s", c, n, out)
	}
	in := writeTemp(tb, "input.pdf", input)
	if _, err := run(tb, "pdfcpu", "validate", "-c", conf, "-mode", "strict", in); err != nil {
		return // the input is not strict PDF already: nothing to hold ours to
	}
	if out, err := run(tb, "pdfcpu", "validate", "-c", conf, "-mode", "strict", file); err != nil {
		tb.Errorf("pdfcpu validate -mode strict: %v\n%s", err, out)
	}
}

// checkQpdf asserts qpdf --check finds no error and no warning.
func checkQpdf(tb testing.TB, file string) {
	tb.Helper()
	out, err := run(tb, "qpdf", "--check", file)
	if err != nil || strings.Contains(strings.ToLower(out), "warning") || !strings.Contains(out, "No syntax or stream encoding errors found") {
		tb.Errorf("qpdf --check: %v\n%s", err, out)
	}
}

// checkMutool asserts MuPDF's verdict per signature. This mupdf-tools
// version (1.21) has "mutool verify"; newer ones spell it "mutool sign -v".
func checkMutool(tb testing.TB, file string, want ...string) {
	tb.Helper()
	out, err := run(tb, "mutool", "verify", file)
	if err != nil && strings.Contains(out, "usage") {
		out, err = run(tb, "mutool", "sign", "-v", file)
	}
	if err != nil {
		tb.Fatalf("mutool verify: %v\n%s", err, out)
	}
	var got []string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "The signature is") || strings.HasPrefix(line, "The document is") {
			got = append(got, line)
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		tb.Errorf("mutool verdicts %q, want %q\n%s", got, want, out)
	}
	if strings.Contains(out, "Signature is not valid") || strings.Contains(out, "Digest Failure") {
		tb.Errorf("mutool reports a broken signature:\n%s", out)
	}
}

// inkIn renders page (1-based) at 72 dpi with pdftoppm and returns the
// fraction of non-white pixels inside rect (PDF points, lower-left origin
// of a page whose crop box starts at 0,0) and how many of them are reddish
// and bluish.
func inkIn(tb testing.TB, file string, page int, pageH float64, rect [4]float64) (ink, red, blue int) {
	tb.Helper()
	return inkAt(tb, file, page, pageH, rect, 1)
}

// stampZoom is the zoom at which inkAt renders a stamp's region rect so
// that it is at least as wide as the default signature box at 72 dpi: a
// stamp on a small page (a label, a figure) is drawn smaller
// (layoutScale), and its pixels are counted against the same thresholds.
func stampZoom(rect [4]float64) float64 {
	return min(24, max(1, sigBoxW/(rect[2]-rect[0])))
}

// inkAt is inkIn with the page rendered at zoom × 72 dpi.
func inkAt(tb testing.TB, file string, page int, pageH float64, rect [4]float64, zoom float64) (ink, red, blue int) {
	tb.Helper()
	dir := tb.TempDir()
	prefix := filepath.Join(dir, "p")
	pg := strconv.Itoa(page)
	if zoom != 1 {
		pageH *= zoom
		for i := range rect {
			rect[i] *= zoom
		}
	}
	if out, err := run(tb, "pdftoppm", "-cropbox", "-r", strconv.FormatFloat(72*zoom, 'f', -1, 64), "-f", pg, "-l", pg, "-png", "-singlefile", file, prefix); err != nil {
		tb.Fatalf("pdftoppm page %d: %v\n%s", page, err, out)
	}
	f, err := os.Open(prefix + ".png")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	for y := int(pageH - rect[3]); y < int(pageH-rect[1]); y++ {
		for x := int(rect[0]); x < int(rect[2]); x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			if r < 230 || g < 230 || b < 230 {
				ink++
				if r > 150 && g < 120 && b < 120 {
					red++
				}
				if b > 120 && r < 120 {
					blue++
				}
			}
		}
	}
	return ink, red, blue
}

var mutoolWant = []string{"The signature is valid but there have been edits since signing.", "The document is unchanged since signing."}

func twoLayers(tb testing.TB, in []byte, p *testPKI) (l1, l2 []byte, err error) {
	tb.Helper()
	at := time.Date(2026, 11, 25, 10, 15, 30, 0, ict)
	l1, err = SignOfficer(context.Background(), in, OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn Sĩ", Title: "Chủ tịch", Time: at.Add(-time.Hour)})
	if err != nil {
		return nil, nil, err
	}
	l2, err = SignAgency(context.Background(), l1, AgencyLayer{
		Key: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy",
		Notation: "15/QĐ-UBND", IssueDate: at, Time: at,
	})
	return l1, l2, err
}

// pdfcpuDisagrees names the inputs whose signed files pdfcpu's validator
// refuses for what ISO 32000-1 allows, with the reason.
var pdfcpuDisagrees = map[string]string{
	// pdfsign's page rewrite prints the page's integral reals as integers
	// ("/W 1.0" as "/W 1" in /BoxColorInfo): 7.3.3 lets an integer stand
	// where a real is expected; pdfcpu's validateFloat does not.
	"basic-AnnotationDemo.pdf": "pdfsign prints the page's integral reals as integers, which ISO 32000-1 7.3.3 allows and pdfcpu refuses",
}

// TestIntegrationTwoLayers signs every input with both layers and checks the
// result with pdfsig (trusted through an NSS db), qpdf, mutool and pdftoppm.
func TestIntegrationTwoLayers(t *testing.T) {
	needTool(t, "pdfsig")
	p := newTestPKI(t, "rsa")
	nss := nssDB(t, p.RootPEM())
	refused := map[string]string{
		"form-xfa.pdf":         workflow.EUNPROCESSABLE,
		"encrypted-aes256.pdf": workflow.EUNPROCESSABLE,
	}
	check := func(t *testing.T, name string, in []byte) {
		if info, err := inspectBytes(in); err == nil && info.Signatures > 0 {
			// Not a draft: SignOfficial refuses it (TestOutgoingDraftMustBeUnsigned).
			t.Logf("signed already (%d signatures): drafts are unsigned", info.Signatures)
			return
		}
		_, l2, err := twoLayers(t, in, p)
		if code, ok := refused[name]; ok {
			if workflow.ErrorCode(err) != code {
				t.Fatalf("got %v, want a %s refusal", err, code)
			}
			t.Logf("refused as expected: %s", workflow.ErrorMessage(err))
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if from := fromHeader(in); !bytes.HasPrefix(l2, from[:min(len(from), 5)]) {
			t.Errorf("output does not start with the input's header")
		}
		file := writeTemp(t, "signed.pdf", l2)
		checkPdfsig(t, file, nss, 2)
		checkQpdf(t, file)
		checkMutool(t, file, mutoolWant...)
		if why, ok := pdfcpuDisagrees[name]; ok {
			t.Logf("pdfcpu not asked: %s", why)
		} else {
			checkPdfcpu(t, file, in, p.RootPEM(), 2)
		}
		checkStampsRendered(t, l2, file)
	}
	// Our own inputs: PDF 1.3 to 2.0, classic and stream cross-references,
	// an incremental update, an empty signature field, forms, encryption.
	v13, objstm := readFile(t, "testdata/v13.pdf"), readFile(t, "testdata/objstm.pdf")
	own := []struct {
		name string
		data []byte
	}{
		{"v13.pdf", v13}, {"objstm.pdf", objstm}, {"v13-as-2.0", testpdf.WithVersion(v13, "2.0")}, {"objstm-as-2.0", testpdf.WithVersion(objstm, "2.0")},
	}
	for _, f := range []string{"incremental.pdf", "sigfield-empty.pdf", "form-text.pdf", "form-xfa.pdf", "encrypted-aes256.pdf"} {
		own = append(own, struct {
			name string
			data []byte
		}{f, readFile(t, "testdata/"+f)})
	}
	made, _ := madeFormDraft()
	own = append(own, struct {
		name string
		data []byte
	}{"form-appearances-made", made})
	for name, data := range repairDrafts() {
		own = append(own, struct {
			name string
			data []byte
		}{name, data})
	}
	for name, data := range rereadDrafts() {
		own = append(own, struct {
			name string
			data []byte
		}{"reread-" + name, data})
	}
	// Each damage to the cross-reference data that readers repair, on a
	// table and on a stream with the catalog in an object stream: signed
	// from the data made again (verify.RebuildXref).
	for _, d := range testpdf.Damages() {
		for name, data := range map[string][]byte{"v13": v13, "objstm": objstm} {
			if bad := d.Apply(data); bad != nil {
				own = append(own, struct {
					name string
					data []byte
				}{"damaged-" + d.Name + "-" + name, bad})
			}
		}
	}
	// Each damage inside an object that readers recover from, and each
	// page tree they read otherwise than it is written, on a table and on
	// Chromium's compressed content: signed from the objects written again
	// as readers take them (verify.RebuildXref).
	chromium := readFile(t, "testdata/decision-chromium.pdf")
	for _, d := range append(testpdf.ObjectDamages(), testpdf.PageTreeDamages()...) {
		for name, data := range map[string][]byte{"v13": v13, "chromium": chromium} {
			if bad := d.Apply(data); bad != nil {
				own = append(own, struct {
					name string
					data []byte
				}{"damaged-inside-" + d.Name + "-" + name, bad})
			}
		}
	}
	for name, keys := range map[string]string{"hex": "/Y <4142zz43>"} {
		own = append(own, struct {
			name string
			data []byte
		}{"damaged-inside-" + name, pageDraft(keys, 0, 0)})
	}
	own = append(own, struct {
		name string
		data []byte
	}{"damaged-inside-objstm", testpdf.ObjStmCatalog("/N 1", "", 10, "<< /Type /Catalog junk /Pages 2 0 R /Lang <7669zz> >>")})
	// Ghostscript 10.00.0's -dFastWebView: the information dictionary and
	// an outline item with strings never closed, which readers take as
	// null (before, signed as they were: qpdf reported the signed file).
	for name, later := range map[string]bool{"": false, "-closed-later": true} {
		own = append(own, struct {
			name string
			data []byte
		}{"damaged-inside-unclosed-strings" + name, testpdf.UnclosedStrings(later)})
	}
	// Microsoft Word's hybrid cross-reference data (the structure tree
	// only a cross-reference stream lists): signed from data made again.
	own = append(own, struct {
		name string
		data []byte
	}{"word-hybrid", testpdf.WordHybrid("BT /F1 14 Tf 72 760 Td (QUYET DINH) Tj ET")})
	for _, in := range own {
		t.Run(in.name, func(t *testing.T) { check(t, in.name, in.data) })
	}
	// Files of other producers (interop corpus; skipped without
	// VANTHU_INTEROP_FIXTURES).
	t.Run("interop", func(t *testing.T) {
		for _, path := range interop.Files(t, "pdf", "*") {
			t.Run(filepath.Base(path), func(t *testing.T) { check(t, filepath.Base(path), readFile(t, path)) })
		}
	})
	// pdfcpu's test PDFs (VANTHU_PDFCPU_TESTDATA, fetched by scripts/test
	// from the Go module proxy): 56 files of many producers, the interop
	// corpus's among them. Before the twenty-third session five of them
	// were refused or signed with a qpdf warning (repair.go).
	t.Run("pdfcpu", func(t *testing.T) {
		paths, names := interop.PDFCPUFiles(t)
		for i, path := range paths {
			t.Run(names[i], func(t *testing.T) { check(t, names[i], readFile(t, path)) })
		}
	})
	// pdfcpu's sample PDFs (pkg/samples of the same module): forms filled
	// by several means (fields without appearances among them: made as a
	// viewer makes them, fieldap.go), booklets, n-up pages, watermarks,
	// imported images, each content once.
	t.Run("pdfcpu-samples", func(t *testing.T) {
		paths, names := interop.PDFCPUSamples(t)
		for i, path := range paths {
			t.Run(names[i], func(t *testing.T) { check(t, names[i], readFile(t, path)) })
		}
	})
}

// checkStampsRendered renders page 1 and the signature page and looks for
// ink where the number/date and the seal were put.
func checkStampsRendered(t *testing.T, signed []byte, file string) {
	t.Helper()
	rdr, sigs, _, err := requireLayer1For(signed, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 2 {
		t.Fatalf("%d signed fields, want 2", len(sigs))
	}
	g1, err := pageGeometry(rdr, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, h1 := g1.size()
	st, _ := numberDateStamp(rdr, AgencyLayer{Notation: "x"}, time.Now())
	if ink, _, _ := inkAt(t, file, 1, h1, st.rect, stampZoom(st.rect)); ink < 50 {
		t.Errorf("page 1 (%v): number/date region %v has %d inked pixels", g1, st.rect, ink)
	}
	gN, err := pageGeometry(rdr, sigs[1].page)
	if err != nil {
		t.Fatal(err)
	}
	_, hN := gN.size()
	seal := gN.rectFromUser(sigs[1].rect)
	if ink, red, _ := inkAt(t, file, sigs[1].page, hN, seal, stampZoom(seal)); ink < 200 || red < 100 {
		t.Errorf("page %d (%v): seal region %v has %d inked, %d red pixels", sigs[1].page, gN, seal, ink, red)
	}
	sig := gN.rectFromUser(sigs[0].rect)
	if _, _, blue := inkAt(t, file, sigs[0].page, hN, sig, stampZoom(sig)); blue < 20 {
		t.Errorf("page %d (%v): signature region %v has %d blue pixels", sigs[0].page, gN, sig, blue)
	}
}

func lookPath(s string) (string, error) { return exec.LookPath(s) }
