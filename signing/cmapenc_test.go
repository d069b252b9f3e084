package signing

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// embeddedCMapPDF returns a one-page PDF whose font F1 is a Type0 font
// with the CMap encoding (a stream, not a name), the ToUnicode map tu
// and the widths w (by CID), and whose page shows the string shown (hex)
// at 14 points from (100, 700). An empty encoding is the name
// /Identity-H.
func embeddedCMapPDF(encoding, tu, w, shown string) []byte {
	stream := func(s string) []byte {
		return []byte(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s))
	}
	content := "BT /F1 14 Tf 100 700 Td <" + shown + "> Tj ET"
	enc := "6 0 R"
	if encoding == "" {
		enc = "/Identity-H"
	}
	return buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [4 0 R] /Count 1 >>"),
		[]byte("<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+Tinos /Encoding " + enc + " /ToUnicode 7 0 R /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+Tinos /DW 1000 /W [" + w + "] >>] >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R /Resources << /Font << /F1 3 0 R >> >> >>"),
		stream(content),
		stream("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n/CMapName /Embedded def\n" + encoding + "\nendcmap CMapName currentdict /CMap defineresource pop end end"),
		stream(string(cmap(tu))),
	})
}

// TestEmbeddedCMapEncoding: a Type0 font whose /Encoding is a CMap stream
// (Ghostscript's pdfwrite for PDF/A writes "OneByteIdentityH", codespace
// <00> <FF>) is read with the code lengths its codespace ranges give and
// the CIDs its cidrange/cidchar sections give. Before, every Type0 font was
// read two bytes a code: such a draft's text came out as nothing, and
// number, date and signature went to the default positions.
func TestEmbeddedCMapEncoding(t *testing.T) {
	so := "1 beginbfchar\n<01> <0053>\nendbfchar\n1 beginbfchar\n<02> <1ED1>\nendbfchar\n1 beginbfchar\n<03> <003A>\nendbfchar"
	for _, tc := range []struct {
		name, encoding, tu, w, shown, want string
		x1                                 float64 // where the last glyph ends
	}{
		{"one byte, identity CIDs", "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n1 begincidrange\n<00> <FF> 0\nendcidrange",
			so, "1 [722 500 278]", "010203", "Số:", 100 + 14*(0.722+0.5+0.278)},
		{"one byte, CIDs offset", "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n1 begincidrange\n<01> <03> 10\nendcidrange",
			so, "10 [722 500 278]", "010203", "Số:", 100 + 14*(0.722+0.5+0.278)},
		{"one byte, cidchar", "1 begincodespacerange\n<00> <FF>\nendcodespacerange\n2 begincidchar\n<01> 7\n<03> 9\nendcidchar",
			so, "7 [722] 9 [278]", "0103", "S:", 100 + 14*(0.722+0.278)},
		{"mixed lengths", "2 begincodespacerange\n<00> <7F>\n<8000> <FFFF>\nendcodespacerange\n1 begincidrange\n<00> <7F> 0\nendcidrange\n1 begincidrange\n<8000> <FFFF> 128\nendcidrange",
			"1 beginbfchar\n<41> <0041>\nendbfchar\n1 beginbfchar\n<8001> <1EC7>\nendbfchar", "65 [600] 129 [400]", "418001" + "41", "AệA", 100 + 14*(0.6+0.4+0.6)},
		{"named CMap still two bytes", "", "1 beginbfchar\n<0041> <0041>\nendbfchar", "65 [600]", "00410041", "AA", 100 + 14*1.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := embeddedCMapPDF(tc.encoding, tc.tu, tc.w, tc.shown)
			gs, _, err := pageGlyphs(mustReader(t, in), nil, 1, fontCache{})
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, g := range gs {
				got.WriteRune(g.r)
			}
			if got.String() != tc.want {
				t.Fatalf("text %q, want %q", got.String(), tc.want)
			}
			if last := gs[len(gs)-1]; math.Abs(last.x+last.w-tc.x1) > 0.01 {
				t.Fatalf("the last glyph ends at %.2f, want %.2f", last.x+last.w, tc.x1)
			}
		})
	}
}
