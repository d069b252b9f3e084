package signing

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sort"
	"strconv"
	"strings"
)

//go:generate sh -c "go run ../internal/cmd/aglnames $(go list -m -f '{{.Dir}}' github.com/digitorus/pdf)/name.go > aglnames.go && gofmt -w aglnames.go"

// Bare CFF programs (a simple font's /FontFile3 of /Subtype /Type1C, a
// CIDFontType0's of /CIDFontType0C), as Ghostscript, cairo and Acrobat
// embed Type 1 and OpenType-CFF fonts. sfnt reads CFF only inside an
// OpenType wrapper, and an OpenType cmap is what it reads text from: a
// bare CFF has none. What it has is read here: the glyph names of its
// charset (a name-keyed font: standard strings or its own, read as the
// Adobe Glyph List reads them, uniXXXX, uXXXXX) and its built-in encoding
// (code → glyph, for a simple font with no /Encoding). A CID-keyed
// program (a Top DICT with ROS) names no glyph: its charset gives each
// glyph's CID, whose character only a registry's table says (Adobe-Japan1
// and the like, none of them of Vietnamese) or nothing (Identity: the CIDs
// of the font the subset came from), so its text is not read. The parser
// reads untrusted input: every offset is checked, INDEXes and charsets
// are bounded by maxProgramGlyphs, and the DICT's operand stack by
// cffMaxOperands (FuzzReadCFF).

const (
	cffMaxOperands = 48
	cffStdStrings  = 391
)

var errCFF = errors.New("cff program: unreadable")

// cffProgram is what a bare CFF program says of its glyphs.
type cffProgram struct {
	text []rune     // of each glyph ID (nil: a CID-keyed program)
	enc  [256]int32 // the built-in encoding: each code's glyph ID (0: none)
	cid  bool       // CID-keyed
}

// cffIndex is an INDEX: count items, item i at data[offs[i]-1:offs[i+1]-1].
type cffIndex struct {
	b          []byte
	count      int
	offSize    int
	offs, data int // where the offsets and the data start in b
}

// readIndex reads the INDEX at pos of b and returns it and where it ends.
func readIndex(b []byte, pos int) (cffIndex, int, error) {
	if pos < 0 || pos+2 > len(b) {
		return cffIndex{}, 0, errCFF
	}
	x := cffIndex{b: b, count: int(binary.BigEndian.Uint16(b[pos:]))}
	if x.count == 0 {
		return x, pos + 2, nil
	}
	if pos+3 > len(b) {
		return cffIndex{}, 0, errCFF
	}
	x.offSize = int(b[pos+2])
	if x.offSize < 1 || x.offSize > 4 {
		return cffIndex{}, 0, errCFF
	}
	x.offs = pos + 3
	x.data = x.offs + (x.count+1)*x.offSize - 1
	if x.data+1 > len(b) {
		return cffIndex{}, 0, errCFF
	}
	end := x.off(x.count)
	if end < 1 || x.data+end > len(b) {
		return cffIndex{}, 0, errCFF
	}
	return x, x.data + end, nil
}

// off is offset i of x (1-based, as written).
func (x cffIndex) off(i int) int {
	p := x.offs + i*x.offSize
	v := 0
	for _, c := range x.b[p : p+x.offSize] {
		v = v<<8 | int(c)
	}
	return v
}

// item is item i of x, nil if its offsets do not read.
func (x cffIndex) item(i int) []byte {
	if i < 0 || i >= x.count {
		return nil
	}
	lo, hi := x.off(i), x.off(i+1)
	if lo < 1 || hi < lo || x.data+hi > len(x.b) {
		return nil
	}
	return x.b[x.data+lo : x.data+hi]
}

// cffTop is what the Top DICT says: the offsets of charset, Encoding and
// CharStrings (-1: none given), and whether the program is CID-keyed.
type cffTop struct {
	charset, encoding, charStrings int
	cid                            bool
}

// readTopDict reads the operators of d that cffTop keeps.
func readTopDict(d []byte) (cffTop, error) {
	t := cffTop{charset: 0, encoding: 0, charStrings: -1}
	var ops [cffMaxOperands]int
	n := 0
	for i := 0; i < len(d); {
		c := d[i]
		switch {
		case c <= 21: // an operator
			op := int(c)
			if c == 12 {
				if i+1 >= len(d) {
					return t, errCFF
				}
				op, i = 1200+int(d[i+1]), i+1
			}
			i++
			if n > 0 {
				switch op {
				case 15:
					t.charset = ops[n-1]
				case 16:
					t.encoding = ops[n-1]
				case 17:
					t.charStrings = ops[n-1]
				}
			}
			if op == 1230 { // ROS
				t.cid = true
			}
			n = 0
			continue
		case c == 30: // a real: nibbles up to 0xF, read as 0
			for i++; i < len(d) && d[i]&0x0F != 0x0F && d[i]&0xF0 != 0xF0; i++ {
			}
			i++
			c, n = 0, push(&ops, n, 0)
			continue
		}
		v, w := cffOperand(d[i:])
		if w == 0 {
			return t, errCFF
		}
		i += w
		n = push(&ops, n, v)
	}
	return t, nil
}

// push puts v on the operand stack ops of n operands; a stack that
// overflows keeps its last operands (only the last is read).
func push(ops *[cffMaxOperands]int, n, v int) int {
	if n == len(ops) {
		copy(ops[:], ops[1:])
		n--
	}
	ops[n] = v
	return n + 1
}

// cffOperand is the integer operand at the start of d and its length (0:
// none reads).
func cffOperand(d []byte) (int, int) {
	c := int(d[0])
	switch {
	case c >= 32 && c <= 246:
		return c - 139, 1
	case c >= 247 && c <= 250 && len(d) >= 2:
		return (c-247)*256 + int(d[1]) + 108, 2
	case c >= 251 && c <= 254 && len(d) >= 2:
		return -(c-251)*256 - int(d[1]) - 108, 2
	case c == 28 && len(d) >= 3:
		return int(int16(binary.BigEndian.Uint16(d[1:]))), 3
	case c == 29 && len(d) >= 5:
		return int(int32(binary.BigEndian.Uint32(d[1:]))), 5
	}
	return 0, 0
}

// readCFF reads a bare CFF program (the first font of its FontSet).
func readCFF(b []byte) (*cffProgram, error) {
	if len(b) < 4 || b[0] != 1 || int(b[2]) < 4 || int(b[2]) > len(b) {
		return nil, errCFF
	}
	_, pos, err := readIndex(b, int(b[2])) // Name INDEX
	if err != nil {
		return nil, err
	}
	tops, pos, err := readIndex(b, pos)
	if err != nil || tops.count == 0 {
		return nil, errCFF
	}
	strs, _, err := readIndex(b, pos)
	if err != nil {
		return nil, err
	}
	top, err := readTopDict(tops.item(0))
	if err != nil {
		return nil, err
	}
	cs, _, err := readIndex(b, top.charStrings)
	if err != nil || cs.count <= 1 || cs.count > maxProgramGlyphs {
		return nil, errCFF
	}
	sids, err := cffCharset(b, top.charset, cs.count)
	if err != nil {
		return nil, err
	}
	p := &cffProgram{cid: top.cid}
	if p.cid { // the charset holds CIDs, not names
		return p, nil
	}
	p.text = make([]rune, cs.count)
	found := false
	for g, sid := range sids {
		if r, ok := cffGlyphRune(sid, strs); ok && g > 0 {
			p.text[g], found = r, true
		}
	}
	if err := cffEncoding(b, top.encoding, sids, &p.enc); err != nil {
		return nil, err
	}
	if !found {
		return nil, errNoProgramText
	}
	return p, nil
}

// cffGlyphRune is the character the glyph name of SID sid stands for.
func cffGlyphRune(sid uint16, strs cffIndex) (rune, bool) {
	var name []byte
	if int(sid) < cffStdStrings {
		return aglRune(cffStandardStrings[sid])
	}
	if name = strs.item(int(sid) - cffStdStrings); name == nil {
		return 0, false
	}
	return aglRune(string(name))
}

// cffCharset reads the charset at off of b: the SID (or CID) of each of
// n glyphs. Offsets 0, 1 and 2 are the predefined ISOAdobe, Expert and
// ExpertSubset charsets; only the first is known here (the others, of
// old small-caps fonts, read as glyphs without names).
func cffCharset(b []byte, off, n int) ([]uint16, error) {
	sids := make([]uint16, n)
	switch off {
	case 0:
		for g := 1; g < n && g < 229; g++ {
			sids[g] = uint16(g)
		}
		return sids, nil
	case 1, 2:
		return sids, nil
	}
	if off < 0 || off >= len(b) {
		return nil, errCFF
	}
	format, p := b[off], off+1
	for g := 1; g < n; {
		switch format {
		case 0:
			if p+2 > len(b) {
				return nil, errCFF
			}
			sids[g], p, g = binary.BigEndian.Uint16(b[p:]), p+2, g+1
		case 1, 2:
			w := 3 + int(format) - 1
			if p+w > len(b) {
				return nil, errCFF
			}
			first, left := int(binary.BigEndian.Uint16(b[p:])), int(b[p+2])
			if format == 2 {
				left = int(binary.BigEndian.Uint16(b[p+2:]))
			}
			for k := 0; k <= left && g < n; k, g = k+1, g+1 {
				sids[g] = uint16(first + k)
			}
			p += w
		default:
			return nil, errCFF
		}
	}
	return sids, nil
}

// cffEncoding reads the built-in encoding at off of b into enc (each
// code's glyph ID); sids is the charset. Offset 0 is the Standard
// Encoding, 1 the Expert (not known here: no code is encoded).
func cffEncoding(b []byte, off int, sids []uint16, enc *[256]int32) error {
	var glyphs map[uint16]int32 // the first glyph of each SID
	bySID := func(sid uint16) int32 {
		if glyphs == nil {
			glyphs = make(map[uint16]int32, len(sids))
			for g := len(sids) - 1; g > 0; g-- {
				glyphs[sids[g]] = int32(g)
			}
		}
		return glyphs[sid]
	}
	switch off {
	case 0:
		for c, sid := range cffStandardEncoding {
			if sid != 0 {
				enc[c] = bySID(sid)
			}
		}
		return nil
	case 1:
		return nil
	}
	if off < 0 || off+2 > len(b) {
		return errCFF
	}
	format, p := b[off], off+2
	count := int(b[off+1])
	switch format & 0x7F {
	case 0:
		if p+count > len(b) {
			return errCFF
		}
		for k, c := range b[p : p+count] {
			if k+1 < len(sids) {
				enc[c] = int32(k + 1)
			}
		}
		p += count
	case 1:
		if p+2*count > len(b) {
			return errCFF
		}
		g := 1
		for k := range count {
			first, left := int(b[p+2*k]), int(b[p+2*k+1])
			for c := first; c <= first+left && c < 256 && g < len(sids); c, g = c+1, g+1 {
				enc[c] = int32(g)
			}
		}
		p += 2 * count
	default:
		return errCFF
	}
	if format&0x80 == 0 {
		return nil
	}
	if p >= len(b) || p+1+3*int(b[p]) > len(b) {
		return errCFF
	}
	for k := range int(b[p]) {
		s := b[p+1+3*k:]
		enc[s[0]] = bySID(binary.BigEndian.Uint16(s[1:]))
	}
	return nil
}

// aglRune is the character of the glyph name by the Adobe Glyph List
// (aglNames) or its rules for names of no list (glyphNameRune).
func aglRune(name string) (rune, bool) {
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i] // "Dcroat.sc", "a.alt"
	}
	if i := sort.SearchStrings(aglNames[:], name); i < len(aglNames) && aglNames[i] == name {
		return rune(aglRunes[i]), true
	}
	return glyphNameRune(name)
}

// maxType1Clear bounds the clear-text part of a Type 1 program read for
// its encoding (the part before eexec: a few kilobytes).
const maxType1Clear = 64 << 10

// type1Encoding reads the built-in encoding of a Type 1 program (FontFile:
// LibreOffice embeds OpenType-CFF fonts so) from its clear-text part:
// "/Encoding StandardEncoding def", or "/Encoding 256 array" and a
// "dup code /name put" for each code. The text of each code is its glyph
// name's (the Adobe Glyph List's, uniXXXX...), put in text at the glyph
// ID code+1 (codes maps code c to c+1 when it has text); false when the
// program names no glyph of known text.
func type1Encoding(b []byte) (text []rune, codes [256]int32, ok bool) {
	clear := b[:min(len(b), maxType1Clear)]
	if i := bytes.Index(clear, []byte("eexec")); i >= 0 {
		clear = clear[:i]
	}
	i := bytes.Index(clear, []byte("/Encoding"))
	if i < 0 {
		return nil, codes, false
	}
	rest := clear[i+len("/Encoding"):]
	text = make([]rune, 257)
	if f := bytes.Fields(rest[:min(len(rest), 40)]); len(f) > 0 && string(f[0]) == "StandardEncoding" {
		for c, sid := range cffStandardEncoding {
			if r, known := aglRune(cffStandardStrings[sid]); known && sid != 0 {
				text[c+1], codes[c], ok = r, int32(c+1), true
			}
		}
		return text, codes, ok
	}
	if j := bytes.Index(rest, []byte("readonly def")); j >= 0 {
		rest = rest[:j]
	}
	f := bytes.Fields(rest)
	for k := 0; k+3 < len(f); k++ {
		if string(f[k]) != "dup" || string(f[k+3]) != "put" || len(f[k+2]) < 2 || f[k+2][0] != '/' {
			continue
		}
		c, err := strconv.Atoi(string(f[k+1]))
		if err != nil || c < 0 || c > 255 {
			continue
		}
		if r, known := aglRune(string(f[k+2][1:])); known {
			text[c+1], codes[c], ok = r, int32(c+1), true
		}
	}
	return text, codes, ok
}
