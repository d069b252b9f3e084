package testpdf

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/image/font/sfnt"
)

// Embedded programs that alone say what a simple font's codes draw (a
// RawSimple draft's Draft.Program): no /ToUnicode, no /Differences.
const (
	// ProgramType1C: each font a bare CFF (FontFile3 /Type1C) whose
	// built-in encoding maps the codes to glyphs named by the CFF's
	// standard strings (ASCII), the Adobe Glyph List (uhorn, Dcroat...),
	// uniXXXX and uXXXX; the font has no /Encoding. The glyphs draw
	// nothing (their outlines are no concern of the text).
	ProgramType1C = "type1c"
	// ProgramType1: each font a Type 1 program (FontFile) whose clear
	// text's /Encoding names the glyph of each code, as LibreOffice embeds
	// OpenType-CFF fonts; the font has no /Encoding. The encrypted part
	// is junk (no glyph is drawn).
	ProgramType1 = "type1"
	// ProgramSymbolic: each font a symbolic TrueType font (Flags 4, no
	// /Encoding) whose program's only cmap is a (3,0) table of the codes
	// at 0xF000 up: the glyphs' text is only their post names.
	ProgramSymbolic = "truetype-symbolic"
	// ProgramSymbolicUnicode: as ProgramSymbolic with the program's (3,1)
	// table kept after its (3,0) one (sfnt, which picks the first of
	// equal width, looks characters up in the (3,0) table).
	ProgramSymbolicUnicode = "truetype-symbolic-unicode"
	// ProgramMac: a symbolic TrueType font (no /Encoding) whose program's
	// only cmap is a (1,0) table of the codes (format 6): the text is
	// only the post names.
	ProgramMac = "truetype-mac"
)

// CFFGlyph is one glyph of BareCFF: its standard string (SID, when
// non-zero) or its own name; in a CID-keyed font SID is the CID. Code is
// its code in the built-in encoding (-1: none; the coded glyphs come
// first).
type CFFGlyph struct {
	SID  int
	Name string
	Code int
}

// BareCFF is a CFF program of the glyphs (after .notdef) with a format 0
// charset and encoding, glyphs that only end (endchar), and an empty
// Private DICT; with cid, a CID-keyed one (ROS Adobe-Identity-0, no
// encoding; FDArray and FDSelect left out).
func BareCFF(glyphs []CFFGlyph, cid bool) []byte {
	var strs []string
	sid := func(g CFFGlyph) int {
		if g.SID != 0 {
			return g.SID
		}
		strs = append(strs, g.Name)
		return 390 + len(strs)
	}
	charset := []byte{0}
	for _, g := range glyphs {
		charset = binary.BigEndian.AppendUint16(charset, uint16(sid(g)))
	}
	enc := []byte{0, 0}
	for _, g := range glyphs {
		if g.Code >= 0 {
			enc = append(enc, byte(g.Code))
		}
	}
	enc[1] = byte(len(enc) - 2)
	ros := []byte(nil)
	if cid {
		strs = append(strs, "Adobe", "Identity")
		ros = append(append(cffInt(390+len(strs)-1), cffInt(390+len(strs))...), append(cffInt(0), 12, 30)...)
	}
	charStrings := make([][]byte, len(glyphs)+1)
	for i := range charStrings {
		charStrings[i] = []byte{14}
	}
	var strData [][]byte
	for _, s := range strs {
		strData = append(strData, []byte(s))
	}
	head := append([]byte{1, 0, 4, 4}, cffIndex([][]byte{[]byte("VanthuTest")})...)
	top := func(charsetOff, encOff, csOff, privOff int) []byte {
		d := append([]byte(nil), ros...)
		d = append(append(d, cffInt(charsetOff)...), 15)
		if !cid {
			d = append(append(d, cffInt(encOff)...), 16)
		}
		d = append(append(d, cffInt(csOff)...), 17)
		return append(append(append(d, cffInt(0)...), cffInt(privOff)...), 18)
	}
	strIdx, gsubrs := cffIndex(strData), cffIndex(nil)
	base := len(head) + len(cffIndex([][]byte{top(0, 0, 0, 0)})) + len(strIdx) + len(gsubrs)
	charsetOff, encOff := base, base+len(charset)
	csOff := encOff + len(enc)
	if cid {
		csOff = encOff
	}
	csIdx := cffIndex(charStrings)
	out := append(head, cffIndex([][]byte{top(charsetOff, encOff, csOff, csOff+len(csIdx))})...)
	out = append(append(append(out, strIdx...), gsubrs...), charset...)
	if !cid {
		out = append(out, enc...)
	}
	return append(out, csIdx...)
}

// cffInt is n as a DICT operand of five bytes (every offset the same
// length, so that the Top DICT's size does not depend on them).
func cffInt(n int) []byte { return binary.BigEndian.AppendUint32([]byte{29}, uint32(n)) }

// cffIndex is an INDEX of items with four-byte offsets.
func cffIndex(items [][]byte) []byte {
	if len(items) == 0 {
		return []byte{0, 0}
	}
	out := binary.BigEndian.AppendUint16(nil, uint16(len(items)))
	out = append(out, 4)
	off := 1
	out = binary.BigEndian.AppendUint32(out, uint32(off))
	for _, it := range items {
		off += len(it)
		out = binary.BigEndian.AppendUint32(out, uint32(off))
	}
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

// aglNames are a few of the Adobe Glyph List's names, for ProgramType1C's
// glyphs.
var aglNames = map[rune]string{'ư': "uhorn", 'Ư': "Uhorn", 'ơ': "ohorn", 'Ơ': "Ohorn", 'Đ': "Dcroat", 'đ': "dcroat", 'ă': "abreve", 'Ă': "Abreve", 'ệ': "ecircumflexdotbelow"}

// rawCFF is the ProgramType1C program of a RawSimple draft's encoding:
// ASCII by standard strings, extra (from code 128) by name.
func (w *rawWriter) rawCFF() []byte { return BareCFF(w.rawCFFGlyphs(), false) }

// rawCFFGlyphs are the glyphs of rawCFF.
func (w *rawWriter) rawCFFGlyphs() []CFFGlyph {
	var gs []CFFGlyph
	for c := 32; c < 127; c++ {
		sid := c - 31 // the standard strings of ASCII are in its order...
		switch c {
		case '\'': // ...but for the quotes, which are quoteright and quoteleft there
			sid = 104
		case '`':
			sid = 124
		}
		gs = append(gs, CFFGlyph{SID: sid, Code: c})
	}
	for i, r := range w.extra {
		name, ok := aglNames[r]
		switch {
		case ok:
		case i%3 == 2:
			name = fmt.Sprintf("u%04X", r)
		default:
			name = fmt.Sprintf("uni%04X", r)
		}
		gs = append(gs, CFFGlyph{Name: name, Code: 128 + i})
	}
	return gs
}

// rawTrueType is the program prog with its cmap replaced by one that maps
// the codes of a RawSimple draft's encoding (ASCII, extra from 128) to
// their glyphs: a (3,0) table at 0xF000 + code, or a (1,0) one of format
// 6 with mac; with unicode, the program's (3,1) table after it.
func (w *rawWriter) rawTrueType(prog []byte, f *sfnt.Font, mac, unicode bool) ([]byte, error) {
	var buf sfnt.Buffer
	gids := map[int]int{}
	for c := 32; c < 128+len(w.extra); c++ {
		r := rune(c)
		if c >= 128 {
			r = w.extra[c-128]
		} else if c == 127 {
			continue
		}
		g, err := f.GlyphIndex(&buf, r)
		if err != nil || g == 0 {
			return nil, fmt.Errorf("the font has no glyph for %q", r)
		}
		gids[c] = int(g)
	}
	var sub []byte
	if mac {
		sub = binary.BigEndian.AppendUint16(nil, 6)
		sub = binary.BigEndian.AppendUint16(sub, uint16(10+2*256))
		sub = append(sub, 0, 0, 0, 0) // language, firstCode 0
		sub = binary.BigEndian.AppendUint16(sub, 256)
		for c := range 256 {
			sub = binary.BigEndian.AppendUint16(sub, uint16(gids[c]))
		}
	} else {
		sub = cmap4(gids, 0xF000)
	}
	tables := [][]byte{sub}
	ids := [][2]uint16{{3, 0}}
	if mac {
		ids[0] = [2]uint16{1, 0}
	}
	if unicode {
		u := subtable31(prog)
		if u == nil {
			return nil, fmt.Errorf("the program has no (3,1) cmap")
		}
		tables, ids = append(tables, u), append(ids, [2]uint16{3, 1})
	}
	cmap := binary.BigEndian.AppendUint16(nil, 0)
	cmap = binary.BigEndian.AppendUint16(cmap, uint16(len(tables)))
	off := 4 + 8*len(tables)
	for i, t := range tables {
		cmap = binary.BigEndian.AppendUint16(cmap, ids[i][0])
		cmap = binary.BigEndian.AppendUint16(cmap, ids[i][1])
		cmap = binary.BigEndian.AppendUint32(cmap, uint32(off))
		off += len(t)
	}
	for _, t := range tables {
		cmap = append(cmap, t...)
	}
	return replaceTable(prog, "cmap", cmap)
}

// cmap4 is a format 4 subtable mapping base + code to the glyph of each
// code of gids, a segment each.
func cmap4(gids map[int]int, base int) []byte {
	codes := make([]int, 0, len(gids))
	for c := range gids {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	segs := len(codes) + 1
	b := binary.BigEndian.AppendUint16(nil, 4)
	b = binary.BigEndian.AppendUint16(b, uint16(16+8*segs))
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(2*segs))
	b = append(b, 0, 0, 0, 0, 0, 0) // searchRange, entrySelector, rangeShift: unused by readers here
	for _, c := range codes {
		b = binary.BigEndian.AppendUint16(b, uint16(base+c))
	}
	b = append(binary.BigEndian.AppendUint16(b, 0xFFFF), 0, 0)
	for _, c := range codes {
		b = binary.BigEndian.AppendUint16(b, uint16(base+c))
	}
	b = binary.BigEndian.AppendUint16(b, 0xFFFF)
	for _, c := range codes {
		b = binary.BigEndian.AppendUint16(b, uint16(gids[c]-(base+c)))
	}
	b = binary.BigEndian.AppendUint16(b, 1)
	for range segs {
		b = binary.BigEndian.AppendUint16(b, 0)
	}
	return b
}

// replaceTable is the program b with its table tag replaced by t (put at
// the end, the old one left unreferenced).
func replaceTable(b []byte, tag string, t []byte) ([]byte, error) {
	n := int(binary.BigEndian.Uint16(b[4:]))
	out := append([]byte(nil), b...)
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	for k := range n {
		rec := out[12+16*k:]
		if string(rec[:4]) == tag {
			binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
			binary.BigEndian.PutUint32(rec[12:], uint32(len(t)))
			return append(out, t...), nil
		}
	}
	return nil, fmt.Errorf("the program has no %s table", tag)
}

// subtable31 is the (3,1) subtable of format 4 of the program b's cmap
// (nil: none).
func subtable31(b []byte) []byte {
	n := int(binary.BigEndian.Uint16(b[4:]))
	for k := range n {
		rec := b[12+16*k:]
		if string(rec[:4]) != "cmap" {
			continue
		}
		c := b[binary.BigEndian.Uint32(rec[8:]):]
		for i := range int(binary.BigEndian.Uint16(c[2:])) {
			e := c[4+8*i:]
			sub := c[binary.BigEndian.Uint32(e[4:]):]
			if binary.BigEndian.Uint16(e) == 3 && binary.BigEndian.Uint16(e[2:]) == 1 && binary.BigEndian.Uint16(sub) == 4 {
				return sub[:binary.BigEndian.Uint16(sub[2:])]
			}
		}
	}
	return nil
}

// embedded adds a simple font of the draft's Program, with the /ToUnicode
// CMap tu (0: none), and returns its object number.
func (w *rawWriter) embedded(name string, bold bool, tu int) (int, error) {
	face, f := 0, w.m.reg
	if bold {
		face, f = 1, w.m.bold
	}
	sub, file := "TrueType", "FontFile2"
	var prog []byte
	var err error
	switch w.program {
	case ProgramType1C:
		sub, file, prog = "Type1", "FontFile3", w.rawCFF()
	case ProgramType1:
		sub, file, prog = "Type1", "FontFile", w.rawType1(name)
	case ProgramSymbolic:
		prog, err = w.rawTrueType(w.progs[face], f, false, false)
	case ProgramSymbolicUnicode:
		prog, err = w.rawTrueType(w.progs[face], f, false, true)
	case ProgramMac:
		prog, err = w.rawTrueType(w.progs[face], f, true, false)
	default:
		err = fmt.Errorf("unknown program %q", w.program)
	}
	if err != nil {
		return 0, err
	}
	extra := fmt.Sprintf("/Length1 %d", len(prog))
	switch file {
	case "FontFile3":
		extra = "/Subtype /Type1C"
	case "FontFile":
		clear := strings.Index(string(prog), "eexec") + 6
		extra = fmt.Sprintf("/Length1 %d /Length2 %d /Length3 0", clear, len(prog)-clear)
	}
	ff := w.obj(fmt.Sprintf("<< /Length %d %s >>\nstream\n%s\nendstream", len(prog), extra, prog))
	desc := w.obj(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 4 /FontBBox [-568 -216 2046 891] /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 /%s %d 0 R >>", name, file, ff))
	var ws strings.Builder
	for c := 32; c < 128+len(w.extra); c++ {
		r := rune(c)
		if c >= 128 {
			r = w.extra[c-128]
		} else if c == 127 {
			r = ' '
		}
		fmt.Fprintf(&ws, " %.0f", w.m.advance(r, bold))
	}
	tuRef := ""
	if tu != 0 {
		tuRef = fmt.Sprintf(" /ToUnicode %d 0 R", tu)
	}
	return w.obj(fmt.Sprintf("<< /Type /Font /Subtype /%s /BaseFont /%s /FirstChar 32 /LastChar %d /Widths [%s ] /FontDescriptor %d 0 R%s >>",
		sub, name, 127+len(w.extra), ws.String(), desc, tuRef)), nil
}

// rawType1 is the ProgramType1 program of a RawSimple draft's encoding:
// its clear text names ASCII by the glyph list (the standard strings) and
// extra (from code 128) as rawCFF does.
func (w *rawWriter) rawType1(name string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%%!PS-AdobeFont-1.0: %s 001.000\n11 dict begin\n/FontType 1 def\n/FontName /%s def\n/FontMatrix [0.001 0 0 0.001 0 0] readonly def\n", name, name)
	b.WriteString("/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\n")
	cff := w.rawCFFGlyphs()
	for _, g := range cff {
		n := g.Name
		if g.SID != 0 {
			n = type1StandardNames[g.Code-32]
		}
		fmt.Fprintf(&b, "dup %d /%s put\n", g.Code, n)
	}
	b.WriteString("readonly def\ncurrentdict end\ncurrentfile eexec\n")
	b.WriteString(strings.Repeat("\x8a\x05\xf1", 40))
	return []byte(b.String())
}

// type1StandardNames are the glyph names of ASCII 32 to 126.
var type1StandardNames = strings.Fields(`space exclam quotedbl numbersign dollar percent ampersand quotesingle
	parenleft parenright asterisk plus comma hyphen period slash zero one two three four five six seven eight nine
	colon semicolon less equal greater question at A B C D E F G H I J K L M N O P Q R S T U V W X Y Z
	bracketleft backslash bracketright asciicircum underscore grave a b c d e f g h i j k l m n o p q r s t u v w x y z
	braceleft bar braceright asciitilde`)
