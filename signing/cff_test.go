package signing

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestReadCFF reads the charset's names and the built-in encoding of bare
// CFF programs, and says a CID-keyed one names nothing.
func TestReadCFF(t *testing.T) {
	named := []testpdf.CFFGlyph{
		{SID: 34, Code: 'A'},                       // a standard string: "A"
		{Name: "ecircumflexdotbelow", Code: 0x80},  // the Adobe Glyph List's
		{Name: "uni01B0", Code: 0x81},              // uniXXXX
		{Name: "u1EE6", Code: 0x82},                // uXXXX
		{Name: "Dcroat.sc", Code: 0x83},            // a suffix
		{Name: "glyph7", Code: 0x84},               // no text
		{Name: "uhorn", Code: -1},                  // in no encoding
		{SID: cffStdStrings - 1, Code: -1},         // the last standard string: "Semibold"
		{Name: "uni1ec7", Code: -1},                // lowercase hex: not the rules'
		{Name: "uniD800", Code: -1},                // a surrogate
		{Name: strings.Repeat("x", 300), Code: -1}, // long
	}
	p, err := readCFF(testpdf.BareCFF(named, false))
	if err != nil {
		t.Fatal(err)
	}
	want := []rune{0, 'A', 'ệ', 'ư', 'Ủ', 'Đ', 0, 'ư', 0, 0, 0, 0}
	if string(p.text) != string(want) || p.cid {
		t.Errorf("text %q (cid %v), want %q", string(p.text), p.cid, string(want))
	}
	for c, g := range map[int]int32{'A': 1, 0x80: 2, 0x81: 3, 0x82: 4, 0x83: 5, 0x84: 6, 'B': 0, 0x85: 0} {
		if p.enc[c] != g {
			t.Errorf("code %#x: glyph %d, want %d", c, p.enc[c], g)
		}
	}
	p, err = readCFF(testpdf.BareCFF([]testpdf.CFFGlyph{{SID: 100}, {SID: 200}}, true))
	if err != nil || !p.cid || p.text != nil {
		t.Errorf("CID-keyed: %+v, %v; want cid, no text", p, err)
	}
	if _, err := readCFF(testpdf.BareCFF([]testpdf.CFFGlyph{{Name: "glyph1", Code: 1}}, false)); err != errNoProgramText {
		t.Errorf("no name of known text: %v, want errNoProgramText", err)
	}
}

// TestCFFCharsetEncoding reads the charset formats 1 and 2, the
// predefined ISOAdobe charset and Standard Encoding, and the encoding
// formats 0 and 1 with supplements.
func TestCFFCharsetEncoding(t *testing.T) {
	for _, c := range []struct {
		name    string
		charset []byte // at offset 3 (nil: offset 0, ISOAdobe)
		n       int
		want    []uint16
	}{
		{"iso-adobe", nil, 4, []uint16{0, 1, 2, 3}},
		{"format-1", []byte{1, 0, 34, 1, 1, 0, 0}, 4, []uint16{0, 34, 35, 256}},
		{"short", []byte{1, 0, 34, 1}, 4, nil},
		{"format-2", []byte{2, 0, 34, 0, 2}, 4, []uint16{0, 34, 35, 36}},
		{"format-0", []byte{0, 0, 5, 1, 0x90}, 3, []uint16{0, 5, 400}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, off := append([]byte{0xFF, 0xFF, 0xFF}, c.charset...), 3 // 0 to 2 are predefined
			if c.charset == nil {
				off = 0
			}
			sids, err := cffCharset(b, off, c.n)
			if c.want == nil {
				if err == nil {
					t.Errorf("a charset short of its glyphs read: %v", sids)
				}
				return
			}
			if err != nil || fmt.Sprint(sids) != fmt.Sprint(c.want) {
				t.Errorf("charset %v, %v; want %v", sids, err, c.want)
			}
		})
	}
	sids := []uint16{0, 34, 35, 66, 400} // A, B, a, a custom name
	for _, c := range []struct {
		name string
		enc  []byte // at offset 3 (nil: offset 0, the Standard Encoding)
		want map[int]int32
	}{
		{"standard", nil, map[int]int32{'A': 1, 'B': 2, 'a': 3, 'C': 0}},
		{"format-0", []byte{0, 2, 'x', 'y'}, map[int]int32{'x': 1, 'y': 2, 'A': 0}},
		{"format-1", []byte{1, 1, 'p', 2}, map[int]int32{'p': 1, 'q': 2, 'r': 3, 's': 0}},
		{"format-0-supplement", []byte{0x80, 1, 'x', 1, 'z', 1, 0x90}, map[int]int32{'x': 1, 'z': 4}},
		{"format-1-too-many", []byte{1, 1, 250, 255}, map[int]int32{250: 1, 253: 4, 254: 0}},
	} {
		t.Run("encoding-"+c.name, func(t *testing.T) {
			b, off := append([]byte{0xFF, 0xFF, 0xFF}, c.enc...), 3
			if c.enc == nil {
				off = 0
			}
			var enc [256]int32
			if err := cffEncoding(b, off, sids, &enc); err != nil {
				t.Fatal(err)
			}
			for code, g := range c.want {
				if enc[code] != g {
					t.Errorf("code %#x: glyph %d, want %d", code, enc[code], g)
				}
			}
		})
	}
}

// TestCFFDamaged: a CFF program cut anywhere, or with any byte of its
// header and INDEXes changed, reads as an error or a program, never a
// panic.
func TestCFFDamaged(t *testing.T) {
	b := testpdf.BareCFF([]testpdf.CFFGlyph{{SID: 34, Code: 'A'}, {Name: "uni1EC7", Code: 0x80}}, false)
	for n := range len(b) {
		if p, err := readCFF(b[:n]); err == nil && p == nil {
			t.Fatalf("cut at %d: no program, no error", n)
		}
	}
	for i := range len(b) {
		for _, v := range []byte{0, 1, 0x7F, 0xFF} {
			d := bytes.Clone(b)
			d[i] = v
			readCFF(d)
		}
	}
}

// FuzzReadCFF: whatever the bytes, readCFF returns a program of at most
// maxProgramGlyphs glyphs whose encoding reaches only its glyphs, or an
// error, and type1Encoding codes whose text it has; neither panics.
func FuzzReadCFF(f *testing.F) {
	f.Add(testpdf.BareCFF([]testpdf.CFFGlyph{{SID: 34, Code: 'A'}, {Name: "uni1EC7", Code: 0x80}, {Name: "x", Code: -1}}, false))
	f.Add(testpdf.BareCFF([]testpdf.CFFGlyph{{SID: 3}, {SID: 9}}, true))
	f.Add([]byte{1, 0, 4, 4, 0, 0})
	f.Add([]byte("%!PS-AdobeFont-1.0: X\n/Encoding 256 array\ndup 65 /A put\ndup 200 /uni1EC7 put\nreadonly def\ncurrentfile eexec\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if text, codes, ok := type1Encoding(b); ok {
			for c, g := range codes {
				if g != 0 && (int(g) != c+1 || text[g] == 0) {
					t.Fatalf("Type 1 code %d: glyph %d", c, g)
				}
			}
		}
		p, err := readCFF(b)
		if err != nil {
			return
		}
		if len(p.text) > maxProgramGlyphs {
			t.Fatalf("%d glyphs", len(p.text))
		}
		for c, g := range p.enc {
			if g < 0 || (p.text != nil && int(g) >= len(p.text)) {
				t.Fatalf("code %d: glyph %d of %d", c, g, len(p.text))
			}
		}
	})
}

// FuzzCmapTables: whatever the program, its cmap subtables look codes up
// without panicking, into glyph IDs of 16 bits or -1.
func FuzzCmapTables(f *testing.F) {
	reg, _ := Fonts()
	f.Add(reg[:min(len(reg), 4096)])
	f.Add([]byte("\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00cmap\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x10\x00\x00\x00\x01\x00\x03\x00\x00\x00\x00\x00\x0c\x00\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, tb := range cmapTables(b) {
			for _, c := range []uint32{0, 0x41, 0xF041, 0x1EC7, 0xFFFF, 0x10000} {
				if g := tb.glyph(c); g < -1 || g > 0xFFFF {
					t.Fatalf("(%d,%d) %#x: glyph %d", tb.pid, tb.eid, c, g)
				}
			}
		}
		simpleCodes(b)
	})
}

// TestAGLNames: every name of the glyph list's table reads, by the PDF
// library that decodes /Differences, as the character the table says;
// and every character is one the programs are read for.
func TestAGLNames(t *testing.T) {
	if len(aglNames) != len(aglRunes) {
		t.Fatalf("%d names, %d characters", len(aglNames), len(aglRunes))
	}
	in := func(r rune) bool {
		for _, rg := range programRunes {
			if r >= rg[0] && r <= rg[1] {
				return true
			}
		}
		return false
	}
	for start := 0; start < len(aglNames); start += 128 {
		names := aglNames[start:min(start+128, len(aglNames))]
		var diffs strings.Builder
		for _, n := range names {
			diffs.WriteString(" /" + n)
		}
		w := testpdf.NewWriter("1.4")
		w.Obj(1, "<< /Type /Catalog /Pages 2 0 R /Font 3 0 R >>")
		w.Obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
		w.Obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /X /Encoding << /Differences [128"+diffs.String()+"] >> >>")
		doc := w.Table("/Root 1 0 R", -1)
		r, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
		if err != nil {
			t.Fatal(err)
		}
		enc := pdf.Font{V: r.Trailer().Key("Root").Key("Font")}.Encoder()
		for k, n := range names {
			got := []rune(enc.Decode(string([]byte{byte(128 + k)})))
			want := rune(aglRunes[start+k])
			if len(got) != 1 || got[0] != want {
				t.Errorf("%s: the library reads %q, the table %q", n, string(got), want)
			}
			if !in(want) {
				t.Errorf("%s: %U is not in programRunes", n, want)
			}
		}
	}
}

// TestType1Encoding reads a Type 1 program's clear-text encoding: an
// array of names, or StandardEncoding; nothing after eexec.
func TestType1Encoding(t *testing.T) {
	for _, c := range []struct {
		name, prog string
		want       map[int]rune
	}{
		{"array", "/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\ndup 65 /A put\ndup 128 /ocircumflexacute put\ndup 129 /uni00A0 put\ndup 130 /g17 put\nreadonly def\ncurrentfile eexec\ndup 66 /B put",
			map[int]rune{'A': 'A', 128: 'ố', 129: '\u00a0', 130: 0, 'B': 0}},
		{"standard", "/Encoding StandardEncoding def\ncurrentfile eexec\n", map[int]rune{'A': 'A', 39: '’', 0xE1: 'Æ', 0x80: 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			text, codes, ok := type1Encoding([]byte("%!PS-AdobeFont-1.0: X 001.000\n" + c.prog))
			if !ok {
				t.Fatal("no encoding read")
			}
			for code, r := range c.want {
				if got := text[codes[code]]; codes[code] != 0 && got != r || codes[code] == 0 && r != 0 {
					t.Errorf("code %#x: %q, want %q", code, got, r)
				}
			}
		})
	}
	if _, _, ok := type1Encoding([]byte("%!PS-AdobeFont-1.0: X\ncurrentfile eexec\n/Encoding 256 array dup 65 /A put readonly def")); ok {
		t.Error("an encoding after eexec read")
	}
}

// TestDetectLayoutCIDKeyedCFF: a CIDFontType0 whose program is a
// CID-keyed CFF (Identity ordering: the CIDs of the font it was cut from)
// and no /ToUnicode says nothing of its text: the anchors are not found,
// and detection does not fail.
func TestDetectLayoutCIDKeyedCFF(t *testing.T) {
	reg, bold := Fonts()
	d := testpdf.Draft{Producer: testpdf.GlyphIDs, Regular: reg, Bold: bold, Pages: 1, SigTitleY: 300, CFF: "cid"}
	in, _ := makeDraft(t, d)
	l, err := DetectLayout(in)
	if err != nil {
		t.Fatal(err)
	}
	if l.Layout.Number != nil || l.Layout.Signature != nil {
		t.Errorf("anchors found in text no program says: %+v", l.Layout)
	}
}
