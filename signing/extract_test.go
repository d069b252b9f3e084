package signing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	mrand "math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/internal/interop"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// extractPagesOf is the pages an extract of an n-page file keeps in
// these tests: the first and the last of three or more, the second of
// two (an excluded page on either side), the only one of one.
func extractPagesOf(n int) []int {
	switch {
	case n >= 3:
		return []int{1, n}
	case n == 2:
		return []int{2}
	}
	return []int{1}
}

// pageTexts is pdftotext's text of each page of file.
func pageTexts(t *testing.T, file string, n int) []string {
	t.Helper()
	var out []string
	for i := 1; i <= n; i++ {
		s, err := run(t, "pdftotext", "-q", "-f", strconv.Itoa(i), "-l", strconv.Itoa(i), file, "-")
		if err != nil {
			t.Fatalf("pdftotext page %d: %v\n%s", i, err, s)
		}
		out = append(out, s)
	}
	return out
}

// checkExtract extracts the pages extractPagesOf keeps from in and
// checks the extract: qpdf --check clean, the page count, each kept
// page's text the original page's, and a line of text only on an
// excluded page in neither the extract's text nor (when it is in the
// original's bytes as they are: uncompressed content) its bytes, and no
// content stream of an excluded page (but one a kept page has too) in
// the extract. It returns the
// extract and how many lines of excluded pages it looked for.
func checkExtract(t *testing.T, in []byte) ([]byte, int) {
	t.Helper()
	n, err := PageCount(in)
	if err != nil {
		t.Fatal(err)
	}
	keep := extractPagesOf(n)
	out, err := ExtractPages(in, keep)
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "extract.pdf", out)
	checkQpdf(t, file)
	if got, _ := PageCount(out); got != len(keep) {
		t.Fatalf("the extract has %d pages, want %d", got, len(keep))
	}
	orig := pageTexts(t, writeTemp(t, "in.pdf", in), n)
	got := pageTexts(t, file, len(keep))
	kept := ""
	for i, p := range keep {
		if got[i] != orig[p-1] {
			t.Errorf("extract page %d (page %d): text %q, want %q", i+1, p, got[i], orig[p-1])
		}
		kept += orig[p-1]
	}
	all := strings.Join(got, "")
	var keptRaw []byte // the kept pages' content streams, which an excluded page's may repeat (a wrapper's "q", "Q")
	for _, p := range keep {
		keptRaw = append(bytes.Join(contentStreams(t, in, p), []byte{0}), keptRaw...)
	}
	checked := 0
	for p := 1; p <= n; p++ {
		excluded := true
		for _, k := range keep {
			excluded = excluded && k != p
		}
		if !excluded {
			continue
		}
		for line := range strings.SplitSeq(orig[p-1], "\n") {
			line = strings.TrimSpace(line)
			if len(line) < 12 || strings.Contains(kept, line) {
				continue
			}
			checked++
			if strings.Contains(all, line) {
				t.Errorf("a line of excluded page %d is in the extract's text: %q", p, line)
			}
			if bytes.Contains(in, []byte(line)) && bytes.Contains(out, []byte(line)) {
				t.Errorf("a line of excluded page %d is in the extract's bytes: %q", p, line)
			}
		}
		for _, raw := range contentStreams(t, in, p) {
			if len(raw) > 16 && !bytes.Contains(keptRaw, raw) && bytes.Contains(out, raw) {
				t.Errorf("a content stream of excluded page %d (%d bytes) is in the extract", p, len(raw))
			}
		}
	}
	return out, checked
}

// contentStreams is the raw bytes of page p's content streams.
func contentStreams(t *testing.T, in []byte, p int) [][]byte {
	t.Helper()
	c := mustReader(t, in).Page(p).V.Key("Contents")
	parts := []pdf.Value{c}
	if c.Kind() == pdf.Array {
		parts = parts[:0]
		for i := range c.Len() {
			parts = append(parts, c.Index(i))
		}
	}
	var out [][]byte
	for _, s := range parts {
		if raw, ok := rawStream(s, in); ok {
			out = append(out, raw)
		}
	}
	return out
}

// TestExtractPages extracts pages from files of several producers (fpdf,
// Chromium, LibreOffice, a hand-made file with object streams, PDF 1.3, an
// incremental update) and, with VANTHU_INTEROP_FIXTURES, from every file
// of the interop corpus its README calls signable as it is (not the two
// damaged ones, repaired before they are signed).
func TestExtractPages(t *testing.T) {
	needTool(t, "qpdf")
	needTool(t, "pdftotext")
	reg, bold := Fonts()
	draft, _, err := testpdf.MakeDraft(testpdf.Draft{Producer: testpdf.FPDFUnicode, Regular: reg, Bold: bold, Pages: 2, SigTitleY: 300})
	if err != nil {
		t.Fatal(err)
	}
	own := map[string][]byte{"fpdf": draft}
	for _, name := range []string{"decision-chromium.pdf", "decision-libreoffice.pdf", "objstm.pdf", "v13.pdf", "incremental.pdf"} {
		own[name] = readFile(t, filepath.Join("testdata", name))
	}
	for name, in := range own {
		t.Run(name, func(t *testing.T) {
			if _, checked := checkExtract(t, in); checked == 0 && name != "v13.pdf" && name != "objstm.pdf" && name != "incremental.pdf" {
				t.Error("no line of an excluded page looked for")
			}
		})
	}
	t.Run("interop", func(t *testing.T) {
		for _, path := range interop.Files(t, "pdf", "*") {
			switch filepath.Base(path) {
			case "pdf20-withOffsetStart.pdf", "testRot.pdf":
				continue
			}
			t.Run(filepath.Base(path), func(t *testing.T) { checkExtract(t, readFile(t, path)) })
		}
	})
}

// TestExtractPagesRefused: a page the file does not have is EINVALID with
// a PageRangeError naming it and the page count; an encrypted file is
// EINVALID, and so is a page whose content stream cannot be read (the
// other page of that file is extracted) and one whose Type 3 font is
// written inside its own resources, its glyph using it (no stack
// overflow).
func TestExtractPagesRefused(t *testing.T) {
	in := readFile(t, filepath.Join("testdata", "decision-chromium.pdf"))
	_, err := ExtractPages(in, []int{1, 7})
	var pe *workflow.PageRangeError
	if workflow.ErrorCode(err) != workflow.EINVALID || !errors.As(err, &pe) || pe.Page != 7 || pe.Count != 4 {
		t.Errorf("page 7 of 4: %v, want EINVALID with page 7 of 4", err)
	}
	enc := readFile(t, filepath.Join("testdata", "encrypted-owner-only.pdf"))
	if _, err := ExtractPages(enc, []int{1}); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Errorf("encrypted: %v, want EINVALID", err)
	}
	// Page 2's content stream says it is longer than the file.
	broken := buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 595 842] >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Contents 6 0 R >>"),
		[]byte("<< /Length 8 >>\nstream\n0 0 m S\n\nendstream"),
		[]byte("<< /Length 99999 >>\nstream\n0 0 m S\n\nendstream"),
	})
	if _, err := ExtractPages(broken, []int{1}); err != nil {
		t.Errorf("page 1 of the broken file: %v", err)
	}
	_, err = ExtractPages(broken, []int{1, 2})
	if workflow.ErrorCode(err) != workflow.EINVALID || !strings.Contains(err.Error(), "page 2") {
		t.Errorf("page 2 unreadable: %v, want EINVALID naming page 2", err)
	}
	// A Type 3 font written in the resource dictionary that is its own
	// resources, its glyph naming it: pruned inside itself for ever.
	glyph := "1000 0 d0 BT /T5 1 Tf (c) Tj ET"
	selfFont := buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Resources 4 0 R /Contents 5 0 R >>"),
		[]byte("<< /Font << /T5 << /Type /Font /Subtype /Type3 /Resources 4 0 R /CharProcs << /c 6 0 R >> /FontMatrix [0.001 0 0 0.001 0 0]" +
			" /FontBBox [0 0 1000 1000] /FirstChar 99 /LastChar 99 /Widths [1000] /Encoding << /Differences [99 /c] >> >> >> >>"),
		[]byte("<< /Length 25 >>\nstream\nBT /T5 12 Tf (c) Tj ET\nendstream"),
		[]byte(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(glyph), glyph)),
	})
	if _, err := ExtractPages(selfFont, []int{1}); workflow.ErrorCode(err) != workflow.EINVALID || !strings.Contains(err.Error(), "nest") {
		t.Errorf("a Type 3 font among its own resources: %v, want EINVALID (nesting)", err)
	}
}

// TestIntegrationSignExtract: an extract signed as a trích sao — of a
// Chromium and a LibreOffice file, and of a document signed in two layers
// (an issued one: the extract carries none of its signatures) — is a
// valid signed PDF to pdfsig and to our verifier, its one signature
// covering the whole file.
func TestIntegrationSignExtract(t *testing.T) {
	needTool(t, "pdfsig")
	p := newTestPKI(t, "rsa")
	nss := nssDB(t, p.RootPEM())
	svc := copyService(t, p)
	_, signed, err := twoLayers(t, smallPDF(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		in    []byte
		pages []int
	}{
		{"decision-chromium.pdf", readFile(t, filepath.Join("testdata", "decision-chromium.pdf")), []int{1, 3}},
		{"decision-libreoffice.pdf", readFile(t, filepath.Join("testdata", "decision-libreoffice.pdf")), []int{1, 3}},
		{"issued: signed in two layers", signed, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signExtract(t, svc, nss, tc.in, tc.pages)
		})
	}
}

// signExtract extracts pages of in and signs the extract as a trích sao
// with svc: one signature, valid to pdfsig (nss) and to svc.Verify,
// covering the whole file, qpdf --check clean. It returns the extract.
func signExtract(t *testing.T, svc *Service, nss string, in []byte, pages []int) []byte {
	t.Helper()
	ext, err := svc.ExtractPages(context.Background(), in, pages)
	if err != nil {
		t.Fatal(err)
	}
	out, err := svc.SignCopy(context.Background(), &workflow.Copy{Form: workflow.CopyTrichSao, Notation: "03/TS-UBND"}, ext)
	if err != nil {
		t.Fatal(err)
	}
	file := writeTemp(t, "extract-signed.pdf", out)
	checkPdfsigCopy(t, file, nss, 1)
	checkQpdf(t, file)
	v, err := svc.Verify(context.Background(), out)
	if err != nil || v.Verdict != workflow.VerdictValid {
		t.Errorf("Verify: %v %s %v", err, v.Verdict, v.Reasons)
	}
	return ext
}

// scanPDF is an n-page scan of paper: page i a JPEG of noise of its own
// (120 by 170 pixels, drawn over the A4 page), no text.
func scanPDF(tb testing.TB, n int) []byte {
	tb.Helper()
	objs := [][]byte{[]byte("<< /Type /Catalog /Pages 2 0 R >>"), nil}
	var kids []string
	for p := range n {
		rng := mrand.New(mrand.NewPCG(7, uint64(p)))
		img := image.NewGray(image.Rect(0, 0, 120, 170))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
		}
		var jb bytes.Buffer
		if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 80}); err != nil {
			tb.Fatal(err)
		}
		id := len(objs) + 1
		kids = append(kids, fmt.Sprintf("%d 0 R", id))
		content := "q 595 0 0 842 0 0 cm /Im0 Do Q"
		objs = append(objs,
			[]byte(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", id+2, id+1)),
			[]byte(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content)),
			append([]byte(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 120 /Height 170 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n", jb.Len())), append(jb.Bytes(), "\nendstream"...)...))
	}
	objs[1] = []byte(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	return buildPDF("1.7", objs)
}

// pageImages is the raw bytes of the images page p of in draws from its
// resources' XObjects.
func pageImages(t *testing.T, in []byte, p int) [][]byte {
	t.Helper()
	res, _ := inheritedFrom(mustReader(t, in).Page(p).V, "Resources")
	xo := res.Key("XObject")
	var out [][]byte
	for _, k := range xo.Keys() {
		if im := xo.Key(k); im.Key("Subtype").Name() == "Image" {
			if raw, ok := rawStream(im, in); ok {
				out = append(out, raw)
			}
		}
	}
	return out
}

// TestIntegrationSignExtractScan: a trích sao of a document registered
// from paper is an extract of its scan (Decree 30 Art. 25.3: from paper
// to electronic), signed by the agency — of a scan made here (three
// pages, an image each) and, with VANTHU_INTEROP_FIXTURES, of a real one
// (HL1396.pdf, HP PrecisionScan Pro, 18 pages of CCITT images): the
// extract has the kept pages, their images and none of the excluded
// pages', and its signature is valid to pdfsig and to our verifier.
func TestIntegrationSignExtractScan(t *testing.T) {
	needTool(t, "pdfsig")
	needTool(t, "qpdf")
	p := newTestPKI(t, "rsa")
	nss := nssDB(t, p.RootPEM())
	svc := copyService(t, p)
	for _, tc := range []struct {
		name string
		scan func(t *testing.T) []byte
	}{
		{"a scan made here", func(t *testing.T) []byte { return scanPDF(t, 3) }},
		{"HL1396.pdf", func(t *testing.T) []byte { return interop.File(t, "pdf", "HL1396.pdf") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.scan(t)
			n, err := PageCount(in)
			if err != nil {
				t.Fatal(err)
			}
			keep := extractPagesOf(n)
			ext := signExtract(t, svc, nss, in, keep)
			if got, _ := PageCount(ext); got != len(keep) {
				t.Fatalf("the extract has %d pages, want %d", got, len(keep))
			}
			var kept [][]byte
			for _, k := range keep {
				kept = append(kept, pageImages(t, in, k)...)
			}
			if len(kept) == 0 {
				t.Fatal("no image on the kept pages")
			}
			for _, im := range kept {
				if !bytes.Contains(ext, im) {
					t.Errorf("an image of a kept page (%d bytes) is not in the extract", len(im))
				}
			}
			for q := 1; q <= n; q++ {
				for _, im := range pageImages(t, in, q) {
					if !slices.Contains(keep, q) && !slices.ContainsFunc(kept, func(k []byte) bool { return bytes.Equal(k, im) }) && bytes.Contains(ext, im) {
						t.Errorf("an image of excluded page %d (%d bytes) is in the extract", q, len(im))
					}
				}
			}
		})
	}
}

// sharedResourcesPDF is two pages under a page tree node that holds
// their MediaBox, Rotate and one resource dictionary (as LibreOffice
// writes it): page 1 draws image Im1, page 2 image Im2, each with data
// of its own; page 1 has a link to page 2 and a text box.
func sharedResourcesPDF() []byte {
	stream := func(dict, data string) []byte {
		return []byte(fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
	}
	image := func(data string) []byte {
		return stream("/Type /XObject /Subtype /Image /Width 20 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", data)
	}
	return buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 2 /MediaBox [0 0 595 842] /Rotate 90" +
			" /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 8 0 R /Im2 9 0 R >> /ProcSet [/PDF /Text /ImageB] >> >>"),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Contents 6 0 R /Annots [10 0 R 11 0 R] /StructParents 0 >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>"),
		stream("", "q 200 0 0 10 72 700 cm /Im1 Do Q BT /F1 13 Tf 72 760 Td (QUYET DINH trang mot) Tj ET"),
		stream("", "q 200 0 0 10 72 700 cm /Im2 Do Q BT /F1 13 Tf 72 760 Td (NOI NHAN chi o trang hai) Tj ET"),
		image("IMAGE-OF-PAGE-ONE-11"),
		image("IMAGE-OF-PAGE-TWO-22"),
		[]byte("<< /Type /Annot /Subtype /Link /Rect [72 600 200 620] /Dest [5 0 R /Fit] /P 4 0 R >>"),
		[]byte("<< /Type /Annot /Subtype /FreeText /Rect [72 500 300 540] /Contents (Ghi chu) /DA (/Helv 12 Tf 0 g) /P 4 0 R >>"),
	})
}

// TestExtractPagesShared: an extract of page 1 of sharedResourcesPDF has
// the inherited MediaBox and Rotate, the image and text of page 1 and
// not those of page 2, whose resource entry is left out; the text box is
// kept on the new page, the link is not.
func TestExtractPagesShared(t *testing.T) {
	in := sharedResourcesPDF()
	out, err := ExtractPages(in, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"IMAGE-OF-PAGE-TWO-22", "NOI NHAN", "/Im2", "/Link", "StructParents"} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("the extract of page 1 holds %q", s)
		}
	}
	for _, s := range []string{"IMAGE-OF-PAGE-ONE-11", "QUYET DINH trang mot", "/Im1", "/FreeText"} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("the extract of page 1 lacks %q", s)
		}
	}
	p := mustReader(t, out).Page(1).V
	if p.Key("Rotate").Int64() != 90 || p.Key("MediaBox").Index(3).Float64() != 842 {
		t.Errorf("page 1: Rotate %v, MediaBox %v; want 90 and [0 0 595 842], inherited", p.Key("Rotate"), p.Key("MediaBox"))
	}
	if a := p.Key("Annots"); a.Len() != 1 || a.Index(0).Key("P").Key("Contents").Kind() != pdf.Stream {
		t.Errorf("page 1's annotations: %v, want the text box alone, its /P the page", a)
	}
	if _, err := exec.LookPath("qpdf"); err == nil {
		checkQpdf(t, writeTemp(t, "extract.pdf", out))
	}
}

// sharedFormsPDF is two pages that share one resource dictionary (object
// 12), which is also the /Resources of every form, pattern and Type 3
// font of the file (as some scanners, Word exports and merge tools write
// it). Page 1 draws form FmA, which draws image Im1, a nested form FmN,
// a tiling pattern PT1 (its cell Im1) and a glyph of Type 3 fonts T3 and
// T4 (a direct dictionary in the shared one; their procedures Im1); page 2 draws image Im2 and form FmB, in font F2
// (Courier-BoldOblique), each only there. With selfDraw, FmN has no
// resources of its own (it uses FmA's) and draws itself (a cycle).
func sharedFormsPDF(selfDraw bool) []byte {
	stream := func(dict, data string) []byte {
		return []byte(fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
	}
	image := func(data string) []byte {
		return stream("/Type /XObject /Subtype /Image /Width 20 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", data)
	}
	form := func(data string) []byte {
		return stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources 12 0 R", data)
	}
	nested := form("BT /F1 11 Tf 72 720 Td (NESTED FORM OF PAGE ONE) Tj ET")
	if selfDraw {
		data := "BT /F1 11 Tf 72 720 Td (NESTED FORM OF PAGE ONE) Tj ET /FmN Do"
		nested = stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842]", data)
	}
	return buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 2 /MediaBox [0 0 595 842] >>"),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Resources 12 0 R /Contents 6 0 R >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /Resources 12 0 R /Contents 7 0 R >>"),
		stream("", "/FmA Do BT /F1 13 Tf 72 760 Td (QUYET DINH trang mot) Tj ET"),
		stream("", "q 200 0 0 10 72 700 cm /Im2 Do Q /FmB Do BT /F1 13 Tf 72 760 Td (NOI NHAN chi o trang hai) Tj ET"),
		image("IMAGE-OF-PAGE-ONE-11"),
		image("IMAGE-OF-PAGE-TWO-22"),
		form("q 200 0 0 10 72 700 cm /Im1 Do Q /FmN Do q /Pattern cs /PT1 scn 72 600 100 50 re f Q BT /T3 12 Tf 72 650 Td (a) Tj /T4 12 Tf (b) Tj ET"),
		nested,
		[]byte("<< /Font << /F1 3 0 R /T3 15 0 R /F2 17 0 R /T4 << /Type /Font /Subtype /Type3 /Resources 12 0 R /CharProcs << /b 18 0 R >>" +
			" /Encoding << /Type /Encoding /Differences [98 /b] >> /FontMatrix [0.001 0 0 0.001 0 0] /FontBBox [0 0 1000 1000] /FirstChar 98 /LastChar 98 /Widths [1000] >> >> /XObject << /Im1 8 0 R /Im2 9 0 R /FmA 10 0 R /FmN 11 0 R /FmB 13 0 R >>" +
			" /Pattern << /PT1 14 0 R >> /ProcSet [/PDF /Text /ImageB] >>"),
		form("BT /F2 11 Tf 72 720 Td (FORM OF PAGE TWO) Tj ET"),
		stream("/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] /XStep 10 /YStep 10 /Resources 12 0 R",
			"q 10 0 0 10 0 0 cm /Im1 Do Q"),
		[]byte("<< /Type /Font /Subtype /Type3 /Resources 12 0 R /CharProcs << /a 16 0 R >> /Encoding << /Type /Encoding /Differences [97 /a] >>" +
			" /FontMatrix [0.001 0 0 0.001 0 0] /FontBBox [0 0 1000 1000] /FirstChar 97 /LastChar 97 /Widths [1000] >>"),
		stream("", "1000 0 d0 q 1000 0 0 1000 0 0 cm /Im1 Do Q"),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Courier-BoldOblique >>"),
		stream("", "1000 0 d0 q 1000 0 0 1000 0 0 cm /Im1 Do Q"),
	})
}

// TestExtractPagesSharedForms: the extract of page 1 of sharedFormsPDF
// holds page 1's image, nested form, pattern and Type 3 font and nothing
// of page 2's (its image's data, its form, its font, their names): the
// forms', the pattern's and the font's resources keep only the names
// their own content uses. qpdf finds it clean and its text is the
// original page's; a form without resources that draws itself is
// extracted as well, its names FmA's.
func TestExtractPagesSharedForms(t *testing.T) {
	needTool(t, "qpdf")
	needTool(t, "pdftotext")
	in := sharedFormsPDF(false)
	out, err := ExtractPages(in, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"IMAGE-OF-PAGE-TWO-22", "FORM OF PAGE TWO", "Courier-BoldOblique", "NOI NHAN", "/Im2", "/FmB", "/F2"} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("the extract of page 1 holds %q", s)
		}
	}
	for _, s := range []string{"IMAGE-OF-PAGE-ONE-11", "NESTED FORM OF PAGE ONE", "/PatternType 1", "/Type3", "/CharProcs"} {
		if !bytes.Contains(out, []byte(s)) {
			t.Errorf("the extract of page 1 lacks %q", s)
		}
	}
	file := writeTemp(t, "extract.pdf", out)
	checkQpdf(t, file)
	if got, want := pageTexts(t, file, 1)[0], pageTexts(t, writeTemp(t, "in.pdf", in), 2)[0]; got != want || !strings.Contains(got, "NESTED FORM") {
		t.Errorf("the extract's text %q, want page 1's %q", got, want)
	}
	cyc, err := ExtractPages(sharedFormsPDF(true), []int{1})
	if err != nil {
		t.Fatalf("a form that draws itself: %v", err)
	}
	checkQpdf(t, writeTemp(t, "cycle.pdf", cyc))
	if bytes.Contains(cyc, []byte("IMAGE-OF-PAGE-TWO-22")) {
		t.Error("the extract of page 1 (a form that draws itself) holds page 2's image")
	}
}
