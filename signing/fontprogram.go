package signing

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"

	"github.com/digitorus/pdf"
	"golang.org/x/image/font/sfnt"
)

// Text from the embedded font program. A Type0 font written as glyph IDs
// (Identity-H over a CIDFontType2 with an embedded TrueType program:
// LibreOffice, iText without /ToUnicode, print drivers, Ghostscript) with
// no /ToUnicode, or one stripped of the letters it draws, says what its
// codes draw only through its program: the code is a CID, the CID a glyph
// ID (/CIDToGIDMap: /Identity or a stream of two bytes a CID), and the
// program's own cmap maps characters to glyph IDs. Inverted, that map is
// the text of each glyph: the program's widest Unicode cmap ((3,10) or
// (0,4), else (3,1), (0,3)...; ttcmap.go: not a symbolic (3,0) or a Mac
// (1,0) table, whose keys are codes, not characters). A glyph no cmap
// entry reaches (a ligature, an alternate) is read by its name in the
// post table (the Adobe Glyph List's, uniXXXX, uXXXXX), which
// golang.org/x/image/font/sfnt (the module the stamps' text is drawn
// with) reads. A simple font's program is read too, where it says what
// the codes draw (loadSimpleProgram: a symbolic TrueType font's (3,0) or
// (1,0) cmap, a bare CFF's built-in encoding, cff.go), and a
// CIDFontType0's name-keyed CFF. The program is read lazily, at the first
// code /ToUnicode does not give, so a font that reads fine costs nothing,
// and once per draft (the font is cached with its document's fonts).
// Programs come from untrusted uploads: one larger than
// maxFontProgramBytes or of more than maxProgramGlyphs glyphs is not read,
// sfnt's errors and panics make it unreadable, and the codes then read as
// they did without it.

const (
	maxFontProgramBytes = 16 << 20
	maxProgramGlyphs    = 65536
	// maxGlyphNames bounds the post table's names looked up in one program:
	// sfnt finds a format 2 name by walking the names before it.
	maxGlyphNames = 512
)

var errNoProgramText = errors.New("font program: no glyph reached by a Unicode cmap or named")

// programRunes are the characters whose glyphs are looked up in a
// program's cmap, in order of preference: the first character to claim a
// glyph is its text (space before no-break space, Đ before Ð, which many
// fonts draw with one glyph). Vietnamese and the Latin scripts, their
// marks and punctuation: the text the layout detection reads.
var programRunes = [][2]rune{
	{0x20, 0x7E},
	{0x0102, 0x0103}, {0x0110, 0x0111}, {0x0128, 0x0129}, {0x0168, 0x0169}, {0x01A0, 0x01A1}, {0x01AF, 0x01B0}, {0x1EA0, 0x1EF9},
	{0x00A0, 0x00FF}, {0x0300, 0x036F}, {0x0100, 0x024F}, {0x02B0, 0x02FF}, {0x1E00, 0x1E9F}, {0x1EFA, 0x1EFF},
	{0x2000, 0x206F}, {0x20A0, 0x20CF}, {0x2100, 0x215F}, {0x2190, 0x21FF}, {0x2200, 0x22FF}, {0x25A0, 0x25FF},
}

// fontProgramGlyphs reads an embedded TrueType or OpenType program: the
// text of each glyph by its ID (0: none known).
func fontProgramGlyphs(b []byte) ([]rune, error) { return programGlyphs(b, nil) }

// programGlyphs is fontProgramGlyphs that looks up the post names of the
// glyphs of want only (a simple font's codes' glyphs: nil, any), the
// glyphs a Unicode cmap does not reach.
func programGlyphs(b []byte, want *[256]int32) (text []rune, err error) {
	defer func() {
		if recover() != nil {
			text, err = nil, errors.New("font program: unreadable")
		}
	}()
	if len(b) > maxFontProgramBytes {
		return nil, errors.New("font program: too large")
	}
	f, err := sfnt.Parse(b)
	if err != nil {
		a, ok := alignTables(b)
		if !ok {
			return nil, err
		}
		if f, err = sfnt.Parse(a); err != nil {
			return nil, err
		}
	}
	n := f.NumGlyphs()
	if n <= 1 || n > maxProgramGlyphs {
		return nil, errors.New("font program: bad number of glyphs")
	}
	text = make([]rune, n)
	var buf sfnt.Buffer
	found := false
	if uni := unicodeCmap(cmapTables(b)); uni != nil {
		for _, rg := range programRunes {
			for r := rg[0]; r <= rg[1]; r++ {
				g := uni.glyph(uint32(r))
				if g <= 0 || g >= n || text[g] != 0 {
					continue
				}
				text[g], found = r, true
			}
		}
	}
	if nameGlyphs(f, &buf, text, want) {
		found = true
	}
	if !found {
		return nil, errNoProgramText
	}
	return text, nil
}

// nameGlyphs gives the glyphs of text with no text yet (of want, when
// not nil) the text of their names in f's post table, at most
// maxGlyphNames of them, and says whether it gave one.
func nameGlyphs(f *sfnt.Font, buf *sfnt.Buffer, text []rune, want *[256]int32) bool {
	found, names := false, 0
	name := func(g int) bool {
		if g <= 0 || g >= len(text) || text[g] != 0 {
			return true
		}
		if names++; names > maxGlyphNames {
			return false
		}
		name, err := f.GlyphName(buf, sfnt.GlyphIndex(g))
		if err != nil {
			return false
		}
		if r, ok := aglRune(name); ok {
			text[g], found = r, true
		}
		return true
	}
	if want != nil {
		for _, g := range want {
			if !name(int(g)) {
				break
			}
		}
		return found
	}
	for g := 1; g < len(text) && name(g); g++ {
	}
	return found
}

// maxProgramTables bounds the table directory alignTables copies (real
// programs have a few dozen tables).
const maxProgramTables = 256

// alignTables returns the TrueType or OpenType program b with each table
// moved to a four-byte boundary, and true, when some table of b starts
// elsewhere: the format asks for four, and sfnt refuses a program
// otherwise ("invalid table offset"), but libharu 2.3 writes its subsets
// with each table where the one before ends, and poppler, MuPDF and qpdf
// read them. False when every table is aligned or the directory does not
// read (a table past the end of b); the result is at most 3 bytes a
// table longer than b.
func alignTables(b []byte) ([]byte, bool) {
	if len(b) < 12 {
		return nil, false
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	dir := 12 + 16*n
	if n == 0 || n > maxProgramTables || dir > len(b) {
		return nil, false
	}
	misaligned := false
	size := dir
	for k := range n {
		rec := b[12+16*k:]
		off, length := uint64(binary.BigEndian.Uint32(rec[8:])), uint64(binary.BigEndian.Uint32(rec[12:]))
		if off+length > uint64(len(b)) {
			return nil, false
		}
		misaligned = misaligned || off%4 != 0
		size += int(length) + 3
	}
	if !misaligned {
		return nil, false
	}
	out := make([]byte, dir, size)
	copy(out, b[:dir])
	for k := range n {
		rec := b[12+16*k:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		binary.BigEndian.PutUint32(out[12+16*k+8:], uint32(len(out)))
		out = append(out, b[off:off+length]...)
	}
	return out, true
}

// glyphNameRune is the character a glyph name stands for by the Adobe
// Glyph List's rules for names of no list: "uniXXXX" (four hex digits,
// not a surrogate), "uXXXX" to "uXXXXXX", and a name of one ASCII letter
// or digit; a suffix after a period (".sc", ".alt") is dropped.
func glyphNameRune(name string) (rune, bool) {
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	hex := ""
	switch {
	case len(name) == 7 && strings.HasPrefix(name, "uni"):
		hex = name[3:]
	case len(name) >= 5 && len(name) <= 7 && name[0] == 'u':
		hex = name[1:]
	case len(name) == 1 && (name[0] >= 'A' && name[0] <= 'Z' || name[0] >= 'a' && name[0] <= 'z' || name[0] >= '0' && name[0] <= '9'):
		return rune(name[0]), true
	default:
		return 0, false
	}
	if strings.ToUpper(hex) != hex { // the rules want uppercase hex digits
		return 0, false
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, false
	}
	return rune(v), true
}

// fontProgram is a font's embedded program as read (text nil: none, or
// unreadable).
type fontProgram struct {
	text []rune // by glyph ID
	gids []byte // the /CIDToGIDMap stream: a CID's glyph ID at 2×CID (nil: /Identity)
	// codes is a simple font's glyph ID of each code, by its program: a
	// CFF's built-in encoding, a TrueType's (3,0) or (1,0) cmap (nil: a
	// Type0 font's program).
	codes *[256]int32
}

// loadProgram reads the program of the CIDFont d: a CIDFontType2's
// FontFile2, or its FontFile3 of /Subtype /OpenType; a CIDFontType0's
// FontFile3 of /Subtype /CIDFontType0C, when the CFF is name-keyed (its
// glyph IDs are then the CIDs, and its glyph names their text).
func loadProgram(d pdf.Value, src []byte) *fontProgram {
	p := &fontProgram{}
	desc := d.Key("FontDescriptor")
	if d.Key("Subtype").Name() == "CIDFontType0" {
		if file := desc.Key("FontFile3"); file.Kind() == pdf.Stream && file.Key("Subtype").Name() == "CIDFontType0C" {
			if c, err := readCFF(streamBytes(file, src, maxFontProgramBytes+1)); err == nil {
				p.text = c.text
			}
		}
		return p
	}
	if d.Key("Subtype").Name() != "CIDFontType2" {
		return p
	}
	file := desc.Key("FontFile2")
	if file.Kind() != pdf.Stream {
		if file = desc.Key("FontFile3"); file.Kind() != pdf.Stream || file.Key("Subtype").Name() != "OpenType" {
			return p
		}
	}
	if m := d.Key("CIDToGIDMap"); m.Kind() == pdf.Stream {
		if p.gids = streamBytes(m, src, 2*maxProgramGlyphs); len(p.gids) < 2 {
			return p
		}
	}
	data := streamBytes(file, src, maxFontProgramBytes+1)
	p.text, _ = fontProgramGlyphs(data)
	return p
}

// symbolicFlag is a font descriptor's /Flags bit of a symbolic font.
const symbolicFlag = 1 << 2

// loadSimpleProgram reads the program of the simple font v, whose
// /Encoding is enc (none, or without /Differences), when the program
// says what its codes draw: a Type1 font's bare CFF (FontFile3 /Type1C)
// with no /Encoding (the CFF's built-in encoding then maps codes to
// glyphs, its charset's names glyphs to text) or its Type 1 program
// (FontFile, whose clear text names the glyph of each code), a symbolic TrueType
// font's FontFile2 with no /Encoding or one not named WinAnsiEncoding or
// MacRomanEncoding (its (3,0) or (1,0) cmap maps codes to glyphs, its
// post names or Unicode cmap glyphs to text: PDF 32000-1 9.6.6.4; a
// nonsymbolic font's codes, or a named encoding's, are glyph names by the
// encoding, read as they were).
func loadSimpleProgram(v, enc pdf.Value, src []byte) *fontProgram {
	p := &fontProgram{}
	desc := v.Key("FontDescriptor")
	if file := desc.Key("FontFile3"); file.Kind() == pdf.Stream && file.Key("Subtype").Name() == "Type1C" {
		if enc.Kind() != pdf.Null {
			return p
		}
		if c, err := readCFF(streamBytes(file, src, maxFontProgramBytes+1)); err == nil && c.text != nil {
			p.text, p.codes = c.text, &c.enc
		}
		return p
	}
	if file := desc.Key("FontFile"); file.Kind() == pdf.Stream {
		if enc.Kind() == pdf.Null {
			if text, codes, ok := type1Encoding(streamBytes(file, src, maxType1Clear)); ok {
				p.text, p.codes = text, &codes
			}
		}
		return p
	}
	file := desc.Key("FontFile2")
	named := enc.Name() == "WinAnsiEncoding" || enc.Name() == "MacRomanEncoding"
	if file.Kind() != pdf.Stream || named || desc.Key("Flags").Int64()&symbolicFlag == 0 {
		return p
	}
	data := streamBytes(file, src, maxFontProgramBytes+1)
	codes, ok := simpleCodes(data)
	if !ok { // a Unicode cmap only: the codes are looked up as characters
		uni := unicodeCmap(cmapTables(data))
		if uni == nil {
			return p
		}
		for c := range codes {
			codes[c] = int32(max(uni.glyph(uint32(c)), 0))
		}
	}
	text, err := programGlyphs(data, &codes)
	if err != nil {
		return p
	}
	p.text, p.codes = text, &codes
	return p
}

// programText is the text of code by the font's program, nil if it has
// none (not a Type0 font with an embedded TrueType, OpenType or
// name-keyed CFF program nor a simple font whose program loadSimpleProgram
// reads, an unreadable one, a glyph of no known text). The result is
// shared.
func (f *fontInfo) programText(code uint32) []rune {
	if f.prog == nil {
		switch {
		case f.twoByte && f.cidFont.Kind() == pdf.Dict:
			f.prog = loadProgram(f.cidFont, f.src)
		case !f.twoByte && f.progFont.Kind() == pdf.Dict:
			f.prog = loadSimpleProgram(f.progFont, f.progFont.Key("Encoding"), f.src)
		default:
			return nil
		}
	}
	p := f.prog
	if p.text == nil {
		return nil
	}
	gid, ok := p.glyph(f, code)
	if !ok || gid == 0 || gid >= uint32(len(p.text)) || p.text[gid] == 0 {
		return nil
	}
	return p.text[gid : gid+1 : gid+1]
}

// glyph is the glyph ID of code in f, whose program p is.
func (p *fontProgram) glyph(f *fontInfo, code uint32) (uint32, bool) {
	if p.codes != nil {
		if code > 255 {
			return 0, false
		}
		return uint32(p.codes[code]), true
	}
	cid := code
	if f.cids != nil {
		s, ok := f.cids.get(code)
		if !ok {
			return 0, false
		}
		cid = s.v + code - s.base
	}
	if p.gids == nil {
		return cid, true
	}
	if uint64(cid)*2+1 >= uint64(len(p.gids)) {
		return 0, false
	}
	return uint32(p.gids[2*cid])<<8 | uint32(p.gids[2*cid+1]), true
}

// differenceNames is the text of the codes a simple font's /Differences
// names by "uniXXXX" or "uXXXX" (the PDF library reads the Adobe Glyph
// List's names, not these), and by such a name when /ToUnicode does not
// map the code; nil when it names none so.
func differenceNames(diffs pdf.Value) map[byte][]rune {
	var out map[byte][]rune
	code := -1
	for i := 0; i < diffs.Len(); i++ {
		x := diffs.Index(i)
		switch x.Kind() {
		case pdf.Integer:
			code = int(x.Int64())
		case pdf.Name:
			if code >= 0 && code < 256 {
				if r, ok := glyphNameRune(x.Name()); ok && len(x.Name()) > 1 {
					if out == nil {
						out = map[byte][]rune{}
					}
					out[byte(code)] = []rune{r}
				}
			}
			code++
		}
	}
	return out
}
