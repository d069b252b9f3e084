package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/signing/verify"
)

// Object numbers in richPDF.
const (
	richFont      = 3
	richPage1     = 4
	richResources = 5  // page 1's /Resources, an indirect dictionary
	richContents  = 6  // page 1's content stream
	richImage     = 7  // an image XObject drawn by page 1
	richForm      = 8  // a form XObject drawn by page 1 (it carries the amount)
	richFontFile  = 10 // the embedded TrueType program of font 3
)

// richPDF is a two-page document whose first page draws an image XObject,
// a form XObject and text in an embedded TrueType font (Tinos), with its
// resources in an indirect dictionary: every kind of object an attacker
// could rewrite behind a signature.
func richPDF() []byte {
	stream := func(dict string, data []byte) []byte {
		return append([]byte(fmt.Sprintf("<< %s /Length %d >>\nstream\n", dict, len(data))), append(data, "\nendstream"...)...)
	}
	widths := strings.TrimSpace(strings.Repeat("500 ", 95))
	content := "q 120 0 0 60 72 600 cm /Im0 Do Q q /Fm0 Do Q BT /F1 13 Tf 72 760 Td (QUYET DINH ve viec ban hanh quy che) Tj ET"
	return buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [4 0 R 11 0 R] /Count 2 >>"),
		[]byte("<< /Type /Font /Subtype /TrueType /BaseFont /Tinos /FirstChar 32 /LastChar 126 /Widths [" + widths + "] /Encoding /WinAnsiEncoding /FontDescriptor 9 0 R >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 5 0 R /Contents 6 0 R >>"),
		[]byte("<< /Font << /F1 3 0 R >> /XObject << /Im0 7 0 R /Fm0 8 0 R >> >>"),
		stream("", []byte(content)),
		stream("/Type /XObject /Subtype /Image /Width 4 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8", []byte{0x40, 0x80, 0xc0, 0xff, 0xff, 0xc0, 0x80, 0x40}),
		stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>", []byte("BT /F1 12 Tf 72 500 Td (So tien: 1.000.000 dong) Tj ET")),
		[]byte("<< /Type /FontDescriptor /FontName /Tinos /Flags 34 /FontBBox [-568 -216 2046 891] /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 /FontFile2 10 0 R >>"),
		stream(fmt.Sprintf("/Length1 %d", len(tinosRegular)), tinosRegular),
		[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 12 0 R >>"),
		stream("", []byte("BT /F1 13 Tf 72 760 Td (Noi nhan: nhu tren) Tj ET")),
	})
}

// appendObjects appends an incremental update (classic xref table) that
// writes objs (number -> body, without "obj"/"endobj") on top of signed:
// how an attacker changes a signed document without touching its bytes.
func appendObjects(tb testing.TB, signed []byte, objs map[int][]byte) []byte {
	tb.Helper()
	startxref := lastInt(tb, signed, `startxref\s+(\d+)`)
	size := lastInt(tb, signed, `/Size (\d+)`)
	root := regexp.MustCompile(`/Root (\d+ \d+ R)`).FindAllSubmatch(signed, -1)
	if len(root) == 0 {
		tb.Fatal("no /Root in the trailer")
	}
	nums := make([]int, 0, len(objs))
	for n := range objs {
		nums = append(nums, n)
		size = max(size, n+1)
	}
	sort.Ints(nums)
	var b bytes.Buffer
	b.Write(signed)
	offs := map[int]int{}
	for _, n := range nums {
		offs[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	x := b.Len()
	b.WriteString("xref\n0 1\n0000000000 65535 f \n")
	for _, n := range nums {
		fmt.Fprintf(&b, "%d 1\n%010d 00000 n \n", n, offs[n])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, root[len(root)-1][1], startxref, x)
	return b.Bytes()
}

func streamBody(dict string, data []byte) []byte {
	return append([]byte(fmt.Sprintf("<< %s /Length %d >>\nstream\n", dict, len(data))), append(data, "\nendstream"...)...)
}

// addFreeText adds a /FreeText annotation with an appearance that paints
// over page 1's text, in an update no signature covers.
func addFreeText(tb testing.TB, signed []byte) []byte {
	tb.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		tb.Fatal(err)
	}
	pg, err := pageByNumber(rdr, 1)
	if err != nil {
		tb.Fatal(err)
	}
	size := lastInt(tb, signed, `/Size (\d+)`)
	ap, annot := size, size+1
	pd, err := pageWithAnnot(pg, uint32(annot))
	if err != nil {
		tb.Fatal(err)
	}
	return appendObjects(tb, signed, map[int][]byte{
		ap: streamBody("/Type /XObject /Subtype /Form /BBox [0 0 480 30] /Resources << /Font << /F1 3 0 R >> >>",
			[]byte("1 g 0 0 480 30 re f 0 g BT /F1 13 Tf 2 8 Td (QUYET DINH huy bo quy che) Tj ET")),
		annot:                    []byte(fmt.Sprintf("<< /Type /Annot /Subtype /FreeText /Rect [70 752 550 782] /F 4 /DA (/F1 13 Tf 0 g) /Contents (QUYET DINH huy bo quy che) /AP << /N %d 0 R >> >>", ap)),
		int(pg.GetPtr().GetID()): pd,
	})
}

// TestTamperReachability: after both layers, updates that rewrite what the
// page draws — whatever type the rewritten object claims — are invalid; a
// new annotation drawn over the page is indeterminate; our own two-layer
// output and a further genuine signature stay valid. Before changes.go
// judged objects by reachability, cases a, b, c, d and f were "valid"
// (the claimed /Type /Annot or /FT made them allowed annotation changes)
// and so was e (annotations were always allowed).
func TestTamperReachability(t *testing.T) {
	ctx := context.Background()
	p := newTestPKI(t, "rsa")
	_, l2, err := twoLayers(t, richPDF(), p)
	if err != nil {
		t.Fatal(err)
	}
	third, err := SignOfficer(ctx, l2, OfficerLayer{Key: p.Officer, Name: "Trần Thị B", Title: "Phó Chủ tịch", Time: at})
	if err != nil {
		t.Fatal(err)
	}
	black := make([]byte, 8)
	imageDict := "/Subtype /Image /Width 4 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8"
	forgedAmount := []byte("BT /F1 12 Tf 72 500 Td (So tien: 9.000.000.000 dong) Tj ET")
	tests := []struct {
		name    string
		pdf     []byte
		verdict string
		reason  string
		forged  string // text pdftotext must find on page 1 (the change is real)
	}{
		{"OK/own two layers", l2, verify.Valid, "Signature 2 (Ủy ban nhân dân quận Bình Thủy): valid", ""},
		{"OK/a further signature", third, verify.Valid, "Signature 3 (Trần Thị B): valid", ""},
		{"Invalid/a image rewritten as /Type /Annot", appendObjects(t, l2, map[int][]byte{
			richImage: streamBody("/Type /Annot "+imageDict, black),
		}), verify.Invalid, "page content was changed after signing: page resource (font, image, form XObject...) changed (it now claims to be /Type /Annot /Subtype /Image)", ""},
		{"Invalid/b image rewritten with /FT /Sig", appendObjects(t, l2, map[int][]byte{
			richImage: streamBody("/Type /XObject /FT /Sig "+imageDict, black),
		}), verify.Invalid, "page content was changed after signing: page resource", ""},
		{"Invalid/c font program rewritten as a widget", appendObjects(t, l2, map[int][]byte{
			richFontFile: streamBody(fmt.Sprintf("/Type /Annot /Subtype /Widget /FT /Sig /Rect [0 0 0 0] /Length1 %d", len(tinosBold)), tinosBold),
		}), verify.Invalid, "page content was changed after signing: page resource", ""},
		{"Invalid/d page content (its form XObject) replaced by an object claiming to be an annotation", appendObjects(t, l2, map[int][]byte{
			richForm: streamBody("/Type /Annot /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>", forgedAmount),
		}), verify.Invalid, "page content was changed after signing", "9.000.000.000"},
		{"Invalid/d2 content stream itself claiming to be an annotation", appendObjects(t, l2, map[int][]byte{
			richContents: streamBody("/Type /Annot /Subtype /Widget /FT /Sig /Rect [0 0 0 0]", forgedAmount),
		}), verify.Invalid, "page content was changed after signing: page content stream changed", "9.000.000.000"},
		{"Invalid/f resources dictionary rewritten with /FT /Sig", appendObjects(t, l2, map[int][]byte{
			richResources: []byte(fmt.Sprintf("<< /FT /Sig /Font << /F1 %d 0 R >> /XObject << /Im0 %d 0 R /Fm0 %d 0 R >> >>", richFont, richForm, richForm)),
		}), verify.Invalid, "page content was changed after signing: page resource", ""},
		{"Indeterminate/e FreeText annotation over the text", addFreeText(t, l2), verify.Indeterminate,
			"annotations added after signature: a /FreeText annotation was added to page 1 by an update that no signature covers", "DINH huy"},
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := verify.Verify(ctx, tt.pdf, verify.Options{Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(rep.Reasons, "\n")
			if rep.Verdict != tt.verdict || !strings.Contains(reasons, tt.reason) {
				t.Errorf("verdict %s, want %s with %q:\n%s", rep.Verdict, tt.verdict, tt.reason, reasons)
			}
			for _, s := range rep.Signatures {
				if !s.SignatureValid || !s.ChainTrusted {
					t.Errorf("signature %d: valid %v trusted %v (the signed bytes are intact)", s.Index+1, s.SignatureValid, s.ChainTrusted)
				}
			}
			if tt.verdict != verify.Valid && len(rep.Signatures) != 2 {
				t.Errorf("%d signatures", len(rep.Signatures))
			}
			if tt.forged != "" {
				if _, err := lookPath("pdftotext"); err == nil {
					out, _ := run(t, "pdftotext", "-f", "1", "-l", "1", writeTemp(t, "f.pdf", tt.pdf), "-")
					if !strings.Contains(out, tt.forged) {
						t.Errorf("pdftotext does not show the forged text %q (is the attack real?):\n%s", tt.forged, out)
					}
				}
			}
		})
	}

	// What the independent tools say about the same files: poppler and
	// MuPDF call both signatures valid and only note that the document
	// changed after the last one — the verdict on what changed is ours.
	if _, err := lookPath("pdfsig"); err != nil {
		t.Skip("pdfsig not installed")
	}
	nss := nssDB(t, p.RootPEM())
	for _, tt := range tests {
		t.Run("tools/"+tt.name, func(t *testing.T) {
			file := writeTemp(t, "t.pdf", tt.pdf)
			out, _ := run(t, "pdfsig", "-nssdir", nss, file)
			n := len(regexp.MustCompile(`Signature #\d`).FindAllString(out, -1))
			if strings.Count(out, "Signature is Valid.") != n || n < 2 {
				t.Errorf("pdfsig no longer calls the signatures valid (%d of %d):\n%s", strings.Count(out, "Signature is Valid."), n, out)
			}
			wholeLast := strings.Count(out, "Total document signed") == 1
			if wholeLast != (tt.verdict == verify.Valid) {
				t.Errorf("pdfsig: last signature covers the whole file = %v, want %v:\n%s", wholeLast, tt.verdict == verify.Valid, out)
			}
			if _, err := lookPath("mutool"); err != nil {
				return
			}
			mu, _ := run(t, "mutool", "sign", "-v", file)
			edits := strings.Count(mu, "there have been edits since signing")
			if want := n - 1; tt.verdict != verify.Valid {
				want = n
				if edits != want {
					t.Errorf("mutool: %d signatures with edits since signing, want %d:\n%s", edits, want, mu)
				}
			} else if edits != want {
				t.Errorf("mutool: %d signatures with edits since signing, want %d:\n%s", edits, want, mu)
			}
		})
	}
}
