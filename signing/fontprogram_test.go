package signing

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// misaligned is d with its font programs' tables off four-byte
// boundaries, as libharu 2.3 writes them (before: sfnt refused such a
// program, and the text read as none).
func misaligned(d testpdf.Draft) testpdf.Draft {
	d.MisalignedProgram = true
	return d
}

// glyphCases are drafts whose text /ToUnicode does not give: Type0 fonts
// whose codes are the embedded TrueType program's glyph IDs (directly, or
// through a /CIDToGIDMap stream) with no /ToUnicode or one stripped of
// every Vietnamese letter, simple fonts whose /Differences name the
// glyphs (uniXXXX) with no /ToUnicode or such a stripped one, and simple
// fonts with no /Differences whose embedded program maps the codes to
// glyphs: a bare CFF's built-in encoding and names, a Type 1 program's
// clear-text encoding, a symbolic TrueType's
// (3,0) or (1,0) cmap and its post names or (3,1) cmap.
func glyphCases() []draftCase {
	reg, bold := Fonts()
	d := func(p testpdf.Producer, tu string, cidToGID bool) testpdf.Draft {
		return testpdf.Draft{Producer: p, Regular: reg, Bold: bold, Pages: 2, SigTitleY: 560, ToUnicode: tu, CIDToGID: cidToGID,
			Titles: []string{"TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}, Name: "Trần Thị Bình", YearBlank: true}
	}
	return []draftCase{
		{"glyph-ids/identity", d(testpdf.GlyphIDs, "", false)},
		{"glyph-ids/cidtogid-stream", d(testpdf.GlyphIDs, "", true)},
		{"glyph-ids/tounicode-ascii", d(testpdf.GlyphIDs, "ascii", false)},
		{"glyph-ids/cidtogid-tounicode-ascii", d(testpdf.GlyphIDs, "ascii", true)},
		{"glyph-ids/misaligned-program", misaligned(d(testpdf.GlyphIDs, "", false))},
		{"glyph-ids/cidtogid-misaligned-program", misaligned(d(testpdf.GlyphIDs, "", true))},
		{"raw-simple/differences-no-tounicode", d(testpdf.RawSimple, "none", false)},
		{"raw-simple/differences-tounicode-ascii", d(testpdf.RawSimple, "ascii", false)},
		{"cidfonttype0c/name-keyed", cff(d(testpdf.GlyphIDs, "", false), "names")},
		{"cidfonttype0c/name-keyed-tounicode-ascii", cff(d(testpdf.GlyphIDs, "ascii", false), "names")},
		{"type1c/builtin-encoding", program(d(testpdf.RawSimple, "none", false), testpdf.ProgramType1C)},
		{"type1c/builtin-encoding-tounicode-ascii", program(d(testpdf.RawSimple, "ascii", false), testpdf.ProgramType1C)},
		{"type1/builtin-encoding", program(d(testpdf.RawSimple, "none", false), testpdf.ProgramType1)},
		{"truetype/symbolic-cmap30-post-names", program(d(testpdf.RawSimple, "none", false), testpdf.ProgramSymbolic)},
		{"truetype/symbolic-cmap30-and-cmap31", program(d(testpdf.RawSimple, "none", false), testpdf.ProgramSymbolicUnicode)},
		{"truetype/symbolic-cmap10-post-names", program(d(testpdf.RawSimple, "none", false), testpdf.ProgramMac)},
		{"truetype/symbolic-cmap10-tounicode-ascii", program(d(testpdf.RawSimple, "ascii", false), testpdf.ProgramMac)},
	}
}

// cff is d with its fonts CIDFontType0 fonts of bare CFF programs (kind
// "names" or "cid": testpdf.Draft.CFF).
func cff(d testpdf.Draft, kind string) testpdf.Draft {
	d.CFF = kind
	return d
}

// program is d with its fonts the embedded programs p.
func program(d testpdf.Draft, p string) testpdf.Draft {
	d.Program = p
	return d
}

// TestDetectLayoutFromFontProgram finds the anchors of drafts whose
// letters only the embedded font program or the glyph names say, and
// reads their text.
func TestDetectLayoutFromFontProgram(t *testing.T) {
	for _, c := range glyphCases() {
		t.Run(c.name, func(t *testing.T) {
			in, a := makeDraft(t, c.d)
			checkDetected(t, c.d, in, a)
			text := draftText(t, in, c.d.Pages)
			for _, want := range []string{"ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
				"Số:", "/QĐ-UBND", "Bình Thủy, ngày", "QUYẾT ĐỊNH", "Về việc ban hành quy chế làm việc", "PHÓ CHỦ TỊCH", "Trần Thị Bình"} {
				if !strings.Contains(text, want) {
					t.Errorf("%q not in the text read:\n%s", want, text)
				}
			}
		})
	}
}

// draftText is the text of in's pages, a line each span.
func draftText(t *testing.T, in []byte, pages int) string {
	t.Helper()
	var all strings.Builder
	fonts := fontCache{}
	for p := 1; p <= pages; p++ {
		gs, _, err := pageGlyphs(mustReader(t, in), in, p, fonts)
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range spans(gs) {
			all.WriteString(sp.orig + "\n")
		}
	}
	return all.String()
}

// TestFontProgramDamaged: a font program cut short, zeroed or replaced by
// junk is read as no program (the codes then read as before), never a
// panic or an error.
func TestFontProgramDamaged(t *testing.T) {
	reg, bold := Fonts()
	for _, c := range []struct {
		name string
		cut  func([]byte) []byte
	}{
		{"truncated-half", func(b []byte) []byte { return b[:len(b)/2] }},
		{"truncated-header", func(b []byte) []byte { return b[:40] }},
		{"zeroed-tables", func(b []byte) []byte {
			z := bytes.Clone(b)
			clear(z[12:min(len(z), 4096)])
			return z
		}},
		{"junk", func(b []byte) []byte { return bytes.Repeat([]byte{0xFF}, 1000) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, _ := makeDraft(t, testpdf.Draft{Producer: testpdf.GlyphIDs, Regular: reg, Bold: bold, Pages: 1, SigTitleY: 300})
			// Both faces' programs are damaged in place: same length, so
			// the file's offsets still hold (a cut program is padded).
			for _, prog := range [][]byte{reg, bold} {
				i := bytes.Index(in, prog)
				if i < 0 {
					t.Fatal("font program not found in the draft")
				}
				bad := c.cut(prog)
				pad := make([]byte, len(prog))
				copy(pad, bad)
				copy(in[i:], pad)
			}
			if _, err := DetectLayout(in); err != nil {
				t.Fatal(err)
			}
			if _, err := fontProgramGlyphs(c.cut(reg)); err == nil && c.name != "zeroed-tables" {
				t.Errorf("a damaged program read without error")
			}
		})
	}
}
