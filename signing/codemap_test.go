package signing

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/digitorus/pdf"
)

// seenAs is what a Go map filled in definition order holds for a code:
// the definition's base and value.
type seenAs struct {
	base uint32
	v    int
}

// TestCodeMapAsFilledInOrder: for random definitions (single codes and
// ranges, overlapping or not, in any order), every code maps to what a
// map filled code by code in definition order holds — the latest
// definition covering it — and codes no definition covers map to
// nothing.
func TestCodeMapAsFilledInOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		n := rng.IntN(12)
		var defs []codeSeg[int]
		want := map[uint32]seenAs{}
		for i := range n {
			lo := uint32(rng.IntN(200))
			hi := lo
			if rng.IntN(2) == 0 {
				hi = lo + uint32(rng.IntN(60))
			}
			defs = append(defs, codeSeg[int]{lo: lo, hi: hi, base: lo, v: i})
			for c := lo; c <= hi; c++ {
				want[c] = seenAs{lo, i}
			}
		}
		m := newCodeMap(defs)
		for k := 1; k < len(m.segs); k++ {
			if m.segs[k].lo <= m.segs[k-1].hi {
				t.Fatalf("trial %d: segments overlap or are out of order: %+v", trial, m.segs)
			}
		}
		for c := uint32(0); c < 300; c++ {
			s, ok := m.get(c)
			w, wok := want[c]
			if ok != wok || (ok && (s.v != w.v || s.base != w.base)) {
				t.Fatalf("trial %d, defs %+v: code %d maps to %+v (%v), want %+v (%v)", trial, defs, c, s, ok, w, wok)
			}
		}
	}
	// The ends of the code space.
	m := newCodeMap([]codeSeg[int]{{lo: 0, hi: 0xFFFFFFFF, base: 0, v: 1}, {lo: 0xFFFFFFFF, hi: 0xFFFFFFFF, base: 0xFFFFFFFF, v: 2}})
	if s, ok := m.get(0xFFFFFFFF); !ok || s.v != 2 {
		t.Fatalf("last code: %+v %v", s, ok)
	}
	if s, ok := m.get(0xFFFFFFFE); !ok || s.v != 1 {
		t.Fatalf("code before the last: %+v %v", s, ok)
	}
}

// expandToUnicode reads a ToUnicode CMap as the reader did before
// codeMap: its definitions filled into a Go map code by code, in order.
// The tests hold parseToUnicode to it.
func expandToUnicode(data []byte) map[uint32][]rune {
	m := map[uint32][]rune{}
	for _, d := range toUnicodeDefs(data) {
		for c := uint64(d.lo); c <= uint64(d.hi); c++ {
			r := append([]rune(nil), d.v...)
			r[len(r)-1] += rune(uint32(c) - d.base)
			m[uint32(c)] = r
		}
	}
	return m
}

func cmap(sections ...string) []byte {
	return []byte("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n" +
		strings.Join(sections, "\n") + "\nendcmap CMapName currentdict /CMap defineresource pop end end\n")
}

// TestParseToUnicode: a ToUnicode CMap reads as before — the same text
// for every code — for the shapes producers write (fpdf's identity range,
// bfchar lists, ranges with a base or an array, ligatures, 1- to 4-byte
// codes) and for overlaps and broken entries.
func TestParseToUnicode(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		code uint32
		text string
	}{
		{"identity range (fpdf)", cmap("1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange"), 0x1EA0, "Ạ"},
		{"bfchar", cmap("2 beginbfchar\n<0003> <0020>\n<0024> <0041>\nendbfchar"), 0x24, "A"},
		{"range with a base", cmap("1 beginbfrange\n<0010> <0020> <00E0>\nendbfrange"), 0x13, "ã"},
		{"range with an array", cmap("1 beginbfrange\n<0005> <0007> [<0061> <0062> <0063>]\nendbfrange"), 0x06, "b"},
		{"ligature: the last character offset", cmap("1 beginbfrange\n<0100> <0102> <00660066>\nendbfrange"), 0x101, "fg"},
		{"a later bfchar wins over a range", cmap("1 beginbfrange\n<0000> <00FF> <0000>\nendbfrange", "1 beginbfchar\n<0041> <0110>\nendbfchar"), 0x41, "Đ"},
		{"a later range wins over a bfchar", cmap("1 beginbfchar\n<0041> <0110>\nendbfchar", "1 beginbfrange\n<0040> <0042> <0061>\nendbfrange"), 0x41, "b"},
		{"a range cut by a later one keeps its offsets", cmap("1 beginbfrange\n<0000> <0020> <0041>\nendbfrange", "1 beginbfrange\n<0000> <0004> <0030>\nendbfrange"), 0x05, "F"},
		{"hi below lo: skipped", cmap("1 beginbfrange\n<0020> <0010> <0041>\nendbfrange"), 0x15, ""},
		{"more than 65,536 codes: skipped", cmap("1 beginbfrange\n<00000000> <00010000> <0041>\nendbfrange"), 0x10, ""},
		{"4-byte codes", cmap("1 beginbfrange\n<00010000> <00010010> <0061>\nendbfrange"), 0x10002, "c"},
		{"surrogate pair", cmap("1 beginbfchar\n<0001> <D83DDE00>\nendbfchar"), 0x01, "😀"},
		{"unreadable entry skipped", cmap("2 beginbfchar\n<00zz> <0041>\n<0002> <0042>\nendbfchar"), 0x02, "B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fontInfo{twoByte: true, uni: parseToUnicode(tc.data)}
			if got := string(f.text(tc.code, nil)); got != tc.text {
				t.Fatalf("code %#x: %q, want %q", tc.code, got, tc.text)
			}
			old := expandToUnicode(tc.data)
			for c := uint32(0); c < 0x20000; c++ {
				want, ok := old[c]
				got := f.text(c, nil)
				if !ok && f.uni != nil {
					if _, has := f.uni.get(c); has {
						t.Fatalf("code %#x: %q, the old reader had no text", c, string(got))
					}
					continue
				}
				if ok && string(got) != string(want) {
					t.Fatalf("code %#x: %q, the old reader %q", c, string(got), string(want))
				}
			}
		})
	}
}

// TestFontLoadBounded: what a font costs to load depends on what its
// file spells out, not on how many codes its ranges cover — before, fpdf's
// identity range alone was 65,536 allocations per font and page, and a
// file with a hundred such lines or /W ranges multiplied it.
func TestFontLoadBounded(t *testing.T) {
	many := strings.Repeat("<0000> <FFFF> <0000>\n", 100)
	data := cmap("100 beginbfrange\n" + many + "endbfrange")
	allocs := testing.AllocsPerRun(5, func() { parseToUnicode(data) })
	if allocs > 2000 {
		t.Fatalf("a CMap of 100 full ranges: %.0f allocations", allocs)
	}
	f := &fontInfo{twoByte: true, uni: parseToUnicode(data)}
	if got := string(f.text(0x41, nil)); got != "A" {
		t.Fatalf("text of 0x41: %q", got)
	}
	var w strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&w, "%d %d 600 ", i*10, i*10+65535)
	}
	f = loadFont(testFontValue(t, "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /DW 1000 /W ["+w.String()+"] >>] >>"), nil)
	if f.width(70000) != 600 || f.width(10_065_000) != 1000 {
		t.Fatalf("widths: %v %v", f.width(70000), f.width(10_065_000))
	}
	if n := len(f.widths.segs); n > 1000 {
		t.Fatalf("1,000 /W ranges of 65,536 codes: %d segments", n)
	}
}

// BenchmarkParseToUnicode reads fpdf's identity ToUnicode CMap: as
// ranges (parseToUnicode) and, for the ratio, code by code into a map as
// before (expandToUnicode).
func BenchmarkParseToUnicode(b *testing.B) {
	data := cmap("1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange")
	b.Run("ranges", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			parseToUnicode(data)
		}
	})
	b.Run("expanded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			expandToUnicode(data)
		}
	})
}

// testFontValue returns font, a font dictionary, as the PDF reader gives
// it from a one-page file.
func testFontValue(t *testing.T, font string) pdf.Value {
	t.Helper()
	r := mustReader(t, buildPDF("1.7", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [4 0 R] /Count 1 >>"),
		[]byte(font),
		[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> >>"),
	}))
	return r.Page(1).Resources().Key("Font").Key("F1")
}

// TestHexUTF16: a CMap's UTF-16BE text is read as utf16.Decode reads it
// (lone and reversed surrogates as U+FFFD, an odd last byte dropped), into
// one array whose texts do not overlap.
func TestHexUTF16(t *testing.T) {
	var texts []rune
	var got [][]rune
	toks := []string{"<0041>", "<D83DDE00>", "<D83D>", "<DE00D83D>", "<D83D0041>", "<00410042 0043>", "<FFFF>", "<E000DBFF DFFF>", "<004>", "<00410>"}
	for _, tok := range toks {
		rs, ok := hexUTF16(tok, &texts)
		if !ok {
			t.Fatalf("%s: unreadable", tok)
		}
		got = append(got, rs)
	}
	for i, tok := range toks {
		b, _ := hexBytes(tok)
		u := make([]uint16, len(b)/2)
		for k := range u {
			u[k] = uint16(b[2*k])<<8 | uint16(b[2*k+1])
		}
		if want := utf16.Decode(u); string(got[i]) != string(want) || cap(got[i]) != len(got[i]) {
			t.Errorf("%s: %q (cap %d), utf16.Decode %q", tok, string(got[i]), cap(got[i]), string(want))
		}
	}
	for _, tok := range []string{"<00>", "<zz00>", "0041", "<>"} {
		if rs, ok := hexUTF16(tok, &texts); ok {
			t.Errorf("%s: read as %q", tok, string(rs))
		}
	}
}

// TestShowAllocs: showing a string allocates nothing per glyph once its
// font is read — a bfrange's text (the offset made in a buffer of the
// walk's, not a clone), a simple font's decoded code (kept by the font) —
// beyond the page's glyphs themselves.
func TestShowAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		font *fontInfo
	}{
		{"bfrange offset", &fontInfo{twoByte: true, dw: 1000, uni: parseToUnicode(cmap("1 beginbfrange\n<0000> <FFFF> <0020>\nendbfrange"))}},
		{"simple font by its encoding", &fontInfo{dw: 500, simple: pdf.Font{V: pdf.Value{}}.Encoder()}},
		{"no map: the code", &fontInfo{twoByte: true, dw: 1000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &glyphWalker{geom: pageGeom{box: [4]float64{0, 0, 595, 842}}, out: make([]glyph, 0, 1<<16)}
			c := &contentWalk{w: w, st: textState{ctm: identity, th: 1, size: 12, font: tc.font}, tm: identity, tlm: identity}
			s := []byte("\x00\x41\x00\x42\x1e\xa0\x00\x43")
			c.show(s) // the font's first use of each code
			if n := testing.AllocsPerRun(100, func() { c.show(s) }); n != 0 {
				t.Fatalf("%.0f allocations per string shown", n)
			}
			if len(w.out) == 0 {
				t.Fatal("no glyph read")
			}
		})
	}
}
