package signing

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// ocrCell is a run of words an OCR engine found on one scanned line,
// starting at x (points from the page's left edge, along the line).
type ocrCell struct {
	x    float64
	text string
}

// ocrLine is a scanned line: where its baseline meets the page's left
// edge, its font size and its cells, left to right.
type ocrLine struct {
	y, size float64
	cells   []ocrCell
}

// ocrFont is the font an OCR text layer is written in: its objects
// (numbered from 6) and the codes of a string, in hex.
type ocrFont struct {
	objs  []string
	codes func(string) string
}

// glyphLess is tesseract's font: a Type0 font without glyphs, Identity-H
// codes that are the characters' UTF-16, every glyph half an em wide.
var glyphLess = ocrFont{
	objs: []string{
		"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H /DescendantFonts [7 0 R] /ToUnicode 8 0 R >>",
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 /CIDToGIDMap /Identity >>",
		testpdf.Stream("", []byte("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Adobe-Identify-UCS def /CMapType 2 def\n"+
			"1 begincodespacerange <0000> <FFFF> endcodespacerange\n1 beginbfrange <0000> <FFFF> <0000> endbfrange\nendcmap CMapName currentdict /CMap defineresource pop end end")),
	},
	codes: func(s string) string {
		var b strings.Builder
		for _, u := range utf16.Encode([]rune(s)) {
			fmt.Fprintf(&b, "%04x", u)
		}
		return b.String()
	},
}

// type3GlyphLess is a glyph-less Type3 font, as other OCR engines and
// bitmap-font converters write one: one empty glyph for every code, the
// codes given in order to the characters of lines, /ToUnicode for their
// text, and a /FontMatrix of scale fm with the widths (half an em) in
// the glyph space it makes.
func type3GlyphLess(fm float64, lines []ocrLine) ocrFont {
	code := map[rune]int{}
	var tu strings.Builder
	for _, l := range lines {
		for _, c := range l.cells {
			for _, r := range c.text + " " {
				if _, ok := code[r]; !ok {
					code[r] = len(code) + 1
					fmt.Fprintf(&tu, "<%02x> <%04x>\n", code[r], r)
				}
			}
		}
	}
	n := len(code)
	w := strings.TrimSpace(strings.Repeat(fmt.Sprintf("%g ", 0.5/fm), n))
	return ocrFont{
		objs: []string{
			fmt.Sprintf("<< /Type /Font /Subtype /Type3 /FontBBox [0 0 0 0] /FontMatrix [%g 0 0 %g 0 0] /CharProcs << /g 7 0 R >> /Encoding << /Type /Encoding /Differences [1 %s] >> /FirstChar 1 /LastChar %d /Widths [%s] /ToUnicode 8 0 R >>",
				fm, fm, strings.Repeat("/g ", n), n, w),
			testpdf.Stream("", []byte(fmt.Sprintf("%g 0 d0", 0.5/fm))),
			testpdf.Stream("", []byte(fmt.Sprintf("begincmap 1 begincodespacerange <00> <FF> endcodespacerange %d beginbfchar\n%sendbfchar endcmap", n, tu.String()))),
		},
		codes: func(s string) string {
			var b strings.Builder
			for _, r := range s {
				fmt.Fprintf(&b, "%02x", code[r])
			}
			return b.String()
		},
	}
}

// ocrScan is a one-page scan (A4, an image drawn over the page) with an
// invisible text layer written in font as tesseract's PDF renderer writes
// it (and ocrmypdf grafts it): rendering mode 3, one text matrix per line
// turned by the scan's skew (degrees, clockwise: the scanned lines fall to
// the right), and each word placed along it by Td and stretched by Tz to
// the width of its ink, the space tesseract writes after it included. The
// font's glyphs are half an em wide; a word's ink here is half an em per
// character, and the words of a cell are 0.3 em apart.
func ocrScan(skew float64, lines []ocrLine, font ocrFont) []byte {
	c, s := math.Cos(skew*math.Pi/180), math.Sin(skew*math.Pi/180)
	var content strings.Builder
	content.WriteString("q 595.28 0 0 841.89 0 0 cm /Im1 Do Q\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "BT\n3 Tr %.4f %.4f %.4f %.4f 0 %.2f Tm /f-0-0 %g Tf", c, -s, s, c, l.y, l.size)
		at := 0.0 // along the line, from its start at the left edge
		for _, cell := range l.cells {
			x := cell.x
			for _, word := range strings.Fields(cell.text) {
				n := float64(len([]rune(word)))
				fmt.Fprintf(&content, " %.3f 0 Td %.3f Tz [ <%s> ] TJ", x-at, 100*n/(n+1), font.codes(word+" "))
				at = x
				x += 0.5*l.size*n + 0.3*l.size
			}
		}
		content.WriteString("\nET\n")
	}
	w := testpdf.NewWriter("1.5")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> /Font << /f-0-0 6 0 R >> >> >>")
	w.Obj(4, testpdf.Stream("", []byte(content.String())))
	w.Obj(5, testpdf.Stream("/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8", []byte{0xf0}))
	for i, o := range font.objs {
		w.Obj(6+i, o)
	}
	return w.Table("/Root 1 0 R", -1)
}

// decree30Scan is a Decree 30 decision as tesseract reads it from a scan:
// the header's two columns on shared lines, "Số:" and its notation as
// cells 39 points apart, the date line's blanks a little wider than two
// font sizes (OCR places each word where its ink starts: the blank left
// for two digits, 24 points at 12, is read 24.5 wide), a body whose
// citation has "ngày … tháng … năm" filled in, and the signature block.
var decree30Scan = []ocrLine{
	{795, 13, []ocrCell{{100, "ỦY BAN NHÂN DÂN"}, {285, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}}},
	{780, 13, []ocrCell{{104, "QUẬN BÌNH THỦY"}, {330, "Độc lập - Tự do - Hạnh phúc"}}},
	{745, 12, []ocrCell{{97, "Số:"}, {154, "/QĐ-UBND"}, {299, "Bình Thủy, ngày"}, {408.7, "tháng"}, {463.2, "năm 2026"}}},
	{692, 15, []ocrCell{{260, "QUYẾT ĐỊNH"}}},
	{614, 12, []ocrCell{{78, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"}}},
	{594, 12, []ocrCell{{78, "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ;"}}},
	{318, 14, []ocrCell{{75, "Nơi nhận:"}, {348, "TM. ỦY BAN NHÂN DÂN"}}},
	{303, 14, []ocrCell{{75, "- Như Điều 3;"}, {390, "CHỦ TỊCH"}}},
	{206, 13, []ocrCell{{380, "Nguyễn Văn Sĩ"}}},
}

// TestDetectLayoutOCRScan: the invisible OCR text over a scan fed in up
// to two degrees askew gives the number's blank, the date line's blanks
// and the signature block, as the scan shows them. Before, a line was
// found by its height, which on an askew scan changes along it by more
// than a quarter of a font size across a column: lines were cut in the
// middle of a word ("Hạnh ph" / "úc", "TM. ỦY BAN NHÂN" / "DÂN"), "Số:"
// lost its notation, and a cut that left "ngày 19 tháng 6 năm 2015" of a
// citation at the start of a piece made that citation the date line — the
// document issued with no date. And the date line's blanks, wider in OCR
// text than spans' column gap, cut it into cells no one of which holds
// "ngày … tháng … năm": the date went to the default position.
func TestDetectLayoutOCRScan(t *testing.T) {
	for _, skew := range []float64{0, 0.5, -0.8, 1.5, 2} {
		t.Run(fmt.Sprintf("skew %g°", skew), func(t *testing.T) {
			checkOCRLayout(t, ocrScan(skew, decree30Scan, glyphLess), skew)
		})
	}
}

// TestDetectLayoutOCRScanType3: the same text layer in a glyph-less Type3
// font gives the same layout whatever the font's /FontMatrix. Before, a
// Type3 font's widths were read as thousandths of an em, as other fonts':
// with a /FontMatrix of 1 or 1/100 every glyph was a dot wide, the date
// line's blanks were found 0.1 pt wide, with a note asking the handler to
// widen them, and the day and month would have been stamped over the words.
func TestDetectLayoutOCRScanType3(t *testing.T) {
	for _, fm := range []float64{0.001, 0.01, 1} {
		for _, skew := range []float64{0, 1} {
			t.Run(fmt.Sprintf("FontMatrix %g skew %g°", fm, skew), func(t *testing.T) {
				checkOCRLayout(t, ocrScan(skew, decree30Scan, type3GlyphLess(fm, decree30Scan)), skew)
			})
		}
	}
}

// checkOCRLayout checks the layout detected in decree30Scan, drawn with a
// skew (degrees).
func checkOCRLayout(t *testing.T, in []byte, skew float64) {
	t.Helper()
	det, err := DetectLayout(in)
	if err != nil {
		t.Fatal(err)
	}
	l := det.Layout
	if len(det.Notes) != 0 {
		t.Errorf("notes: %q", det.Notes)
	}
	slope := -math.Tan(skew * math.Pi / 180)
	at := func(x, y float64) float64 { return y + x*slope } // the scanned line's baseline at x
	if n := l.Number; n == nil || !near(n.X+n.W, 154, 3) || n.X < 110 || n.X > 120 || !near(n.Y+0.3*12, at(n.X, 745), 1.5) {
		t.Errorf("number box %+v, want the blank from the end of \"Số:\" to the slash at 154 on the line at %.1f", n, at(115, 745))
	}
	if d := l.Date; d == nil || len(l.DateBlanks) != 3 || !near(d.Y+0.3*12, at(d.X, 745), 1.5) {
		t.Fatalf("date %+v (blanks %v), want the date line at %.1f", d, l.DateBlanks, at(300, 745))
	}
	day, month := l.Date.X+l.DateBlanks[0], l.Date.X+l.DateBlanks[1]
	// "ngày" is at 299 + 2 × 3.6 + 9 × 6 = 360.2 and its ink ends
	// at 384.2; "tháng" ends at 408.7 + 30 = 438.7. The letters
	// end a little before the ink (the trailing space's share).
	if !near(day, (384.2+408.7)/2, 4) || !near(month, (438.7+463.2)/2, 4) || l.DateBlanks[2] != 0 {
		t.Errorf("day at %.1f, month at %.1f, year blank %v; want about 396, 451 and the year filled", day, month, l.DateBlanks[2])
	}
	s := l.Signature
	if s == nil || !near(s.X+s.W/2, 420, 15) || s.Y < at(420, 206) || s.Y+s.H > at(420, 303) || s.H < 50 {
		t.Errorf("signature box %+v, want between the name at %.1f and the title at %.1f", s, at(420, 206), at(420, 303))
	}
	if err := l.Validate(); err != nil {
		t.Error(err)
	}
}
