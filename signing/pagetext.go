package signing

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/digitorus/pdf"
)

// The text of a page with positions, for finding a template's anchors
// ("Số:", the date line, the signature block). The PDF reader's own
// Page.Content decodes one byte per character and ignores ToUnicode for
// Identity-H fonts, which is how most producers write Vietnamese (Type0
// fonts with 2-byte codes); this interpreter decodes them, prefers
// /ToUnicode for simple fonts too, follows Form XObjects, and reports
// positions on the page as displayed (see pageGeom).

// glyph is one character on a page: its baseline origin and advance in
// displayed points, its font size (the text space height on the page),
// and the slope of its baseline (0: level).
type glyph struct {
	r          rune
	x, y, w, s float64
	slope      float64
}

// lineY is where g's baseline, extended, crosses the page's left edge:
// the glyphs of one line share it however askew the line is drawn.
func (g glyph) lineY() float64 { return g.y - g.x*g.slope }

// mat is an affine matrix [a b c d e f] in PDF's row-vector convention.
type mat [6]float64

var identity = mat{1, 0, 0, 1, 0, 0}

// mul returns m × n (apply m, then n).
func (m mat) mul(n mat) mat {
	return mat{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m mat) apply(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

// fontInfo decodes the strings of one font.
type fontInfo struct {
	twoByte bool
	spaces  []codespace      // a Type0 font's embedded CMap: how long each code is (nil: 2 bytes)
	cids    *codeMap[uint32] // and the CID of each code (nil: the code)
	uni     *codeMap[[]rune] // from /ToUnicode
	simple  pdf.TextEncoding // simple fonts without /ToUnicode
	legacy  *legacyTable     // a TCVN3 or VNI font's: what its text stands for (nil: none)
	widths  codeMap[float64]
	dw      float64 // default width (1/1000 em)
	// glyphSpace: a Type 3 font's /FontMatrix, its linear part over |d|
	// (how its glyphs are turned, mirrored or stretched in text space),
	// its translation as it is (where a glyph is drawn from the pen);
	// nil for other fonts and for a matrix that only scales.
	glyphSpace *mat
	// names: a simple font's codes that /Differences names uniXXXX or
	// uXXXX, and their text (nil: none).
	names map[byte][]rune
	// cidFont is a Type0 font's CIDFont, whose embedded program, read at
	// the first code /ToUnicode does not give (prog), may say what the
	// codes draw (fontprogram.go); src the draft's bytes.
	cidFont pdf.Value
	src     []byte
	prog    *fontProgram
	// progFont is a simple font whose program may say what its codes
	// draw (no /Encoding, or one without /Differences: loadSimpleProgram;
	// not a legacy font, whose table reads its codes).
	progFont pdf.Value
	// guess: whether the font is to be tried as a legacy one under
	// another name, and probe its text while it is (legacyguess.go).
	// kept: the words of a font whose words were too few to decide
	// (guessFew), tried again with them on later pages, tries times.
	guess uint8
	tries uint8
	probe []probeGlyph
	kept  []string
	// decoded: a simple font's codes decoded by simple so far, each
	// once (the library's decoder of a /Differences encoding walks the
	// whole array for every code).
	decoded *[256][]rune
}

// advance is the width (1/1000 em) of the glyph of code: a Type0 font's
// widths are by CID, which an embedded CMap may map codes to.
func (f *fontInfo) advance(code uint32) float64 {
	if f.cids == nil {
		return f.width(code)
	}
	s, ok := f.cids.get(code)
	if !ok {
		return f.width(0) // CID 0, .notdef
	}
	return f.width(s.v + code - s.base)
}

// codeLen is how many bytes the code at the start of b takes: 1 in a
// simple font, 2 in a Type0 font with a named CMap (Identity-H), and in
// one with an embedded CMap the length of the codespace range the code
// falls in (the shortest range's when none holds it).
func (f *fontInfo) codeLen(b []byte) int {
	if !f.twoByte {
		return 1
	}
	if f.spaces == nil {
		return 2
	}
	shortest := 4
	for _, r := range f.spaces {
		if r.holds(b) {
			return r.n
		}
		shortest = min(shortest, r.n)
	}
	return shortest
}

func (f *fontInfo) width(code uint32) float64 {
	if s, ok := f.widths.get(code); ok {
		return s.v
	}
	return f.dw
}

// text is the text of code: by /ToUnicode, the encoding or the code
// itself, and for a legacy font decoded by its table. A text made for
// this code (a bfrange's offset, the code itself) is made in buf's array
// when it has room, so that reading a glyph allocates nothing; the result
// may also be the font's own: the caller changes neither, nor keeps it.
func (f *fontInfo) text(code uint32, buf []rune) []rune {
	if f.legacy != nil {
		return f.legacy.decode(f.mapped(code, buf))
	}
	return f.mapped(code, buf)
}

// mapped is code's text by /ToUnicode, the encoding or the code itself
// (made in buf as text says).
func (f *fontInfo) mapped(code uint32, buf []rune) []rune {
	if f.uni != nil {
		if s, ok := f.uni.get(code); ok {
			if code == s.base || len(s.v) == 0 {
				return s.v
			}
			r := append(buf[:0], s.v...)
			r[len(r)-1] += rune(code - s.base) // a bfrange: its first code's text, the last character offset
			return r
		}
	}
	if rs, ok := f.names[byte(code)]; ok && code < 256 && !f.twoByte {
		return rs
	}
	if f.progFont.Kind() == pdf.Dict {
		if rs := f.programText(code); rs != nil {
			return rs
		}
	}
	if f.twoByte {
		if rs := f.programText(code); rs != nil {
			return rs
		}
		if f.uni == nil && code >= 0x20 { // no map: fpdf-like fonts use Unicode CIDs
			return append(buf[:0], rune(code))
		}
		return nil
	}
	if f.simple != nil {
		return f.decode(byte(code))
	}
	return append(buf[:0], rune(code))
}

// decode is the text of a simple font's code by its encoding (simple),
// decoded at its first use and kept.
func (f *fontInfo) decode(c byte) []rune {
	if f.decoded == nil {
		f.decoded = new([256][]rune)
	}
	if rs := f.decoded[c]; rs != nil {
		return rs
	}
	rs := []rune(f.simple.Decode(string([]byte{c})))
	f.decoded[c] = rs
	return rs
}

func loadFont(v pdf.Value, src []byte) *fontInfo {
	f := &fontInfo{dw: 1000}
	sub := v.Key("Subtype").Name()
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		f.uni = parseToUnicode(streamBytes(tu, src, maxContentBytes))
	}
	if t := legacyTableFor(fontName(v, sub)); t != nil && (f.uni == nil || !mapsVietnamese(f.uni)) {
		f.legacy = t
	}
	if sub == "Type0" {
		f.twoByte = true
		if enc := v.Key("Encoding"); enc.Kind() == pdf.Stream {
			f.spaces, f.cids = embeddedCMap(streamBytes(enc, src, maxContentBytes))
		}
		d := v.Key("DescendantFonts").Index(0)
		f.cidFont, f.src = d, src
		if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.dw = dw.Float64()
		}
		var defs []codeSeg[float64]
		w := d.Key("W")
		for i := 0; i < w.Len(); {
			first := w.Index(i)
			if i+1 >= w.Len() {
				break
			}
			next := w.Index(i + 1)
			if next.Kind() == pdf.Array {
				c0 := uint32(first.Int64())
				for j := 0; j < next.Len(); j++ {
					c := c0 + uint32(j)
					defs = append(defs, codeSeg[float64]{lo: c, hi: c, base: c, v: next.Index(j).Float64()})
				}
				i += 2
				continue
			}
			if i+2 >= w.Len() {
				break
			}
			lo, last, wd := first.Int64(), next.Int64(), w.Index(i+2).Float64()
			if last >= lo && lo >= 0 && lo <= math.MaxUint32 {
				hi := uint32(min(last, lo+65535, math.MaxUint32)) // at most 65,536 codes, as before
				defs = append(defs, codeSeg[float64]{lo: uint32(lo), hi: hi, base: uint32(lo), v: wd})
			}
			i += 3
		}
		f.widths = newCodeMap(defs)
		f.guess = guessable(f)
		return f
	}
	simpleWidths(f, v, sub == "Type3")
	enc := v.Key("Encoding")
	if enc.Kind() == pdf.Dict {
		f.names = differenceNames(enc.Key("Differences"))
	}
	if (sub == "Type1" || sub == "TrueType") && enc.Key("Differences").Kind() != pdf.Array && f.legacy == nil {
		f.progFont, f.src = v, src
	}
	if f.uni == nil {
		switch {
		case enc.Kind() == pdf.Dict || (enc.Kind() == pdf.Name && (enc.Name() == "WinAnsiEncoding" || enc.Name() == "MacRomanEncoding")):
			f.simple = pdf.Font{V: v}.Encoder()
		}
	}
	f.guess = guessable(f)
	return f
}

// fontName is the name of the font v of subtype sub: its /BaseFont; for a
// Type 3 font, which has none, its descriptor's /FontName (as PDF 1.5 has
// it) or, failing that, its /Name.
func fontName(v pdf.Value, sub string) string {
	if n := v.Key("BaseFont"); n.Kind() == pdf.Name || sub != "Type3" {
		return n.Name()
	}
	if n := v.Key("FontDescriptor").Key("FontName"); n.Kind() == pdf.Name {
		return n.Name()
	}
	return v.Key("Name").Name()
}

// simpleWidths reads the widths of a simple font into f, in thousandths of
// the font size. A Type3 font's widths are in its glyph space, which its
// /FontMatrix maps to text space: not always by 1/1000 as other fonts'
// (bitmap and OCR fonts use 1, 1/100...); read as thousandths they made
// every glyph of such a font a dot wide, and the date line's blanks 0.1 pt.
// As poppler and pdf.js do, the advance is the width times the matrix's
// a (negative: the glyphs run leftward in text space, as a matrix turned
// by 180° draws them); what else the matrix does is f.glyphSpace.
func simpleWidths(f *fontInfo, v pdf.Value, type3 bool) {
	scale := 1.0
	if fm := v.Key("FontMatrix"); type3 && fm.Kind() == pdf.Array && fm.Len() == 6 {
		if a := fm.Index(0).Float64() * 1000; a != 0 && !math.IsInf(a, 0) && !math.IsNaN(a) {
			scale = a
			f.glyphSpace = type3GlyphSpace(fm)
		}
	}
	f.dw = 500 // standard 14 fonts carry no /Widths: an average glyph
	ws := v.Key("Widths")
	if ws.Kind() != pdf.Array {
		f.widths = newCodeMap([]codeSeg[float64]{{lo: ' ', hi: ' ', base: ' ', v: 250}})
		return
	}
	fc := v.Key("FirstChar").Int64()
	defs := make([]codeSeg[float64], 0, ws.Len())
	for i := 0; i < ws.Len(); i++ {
		c := uint32(fc) + uint32(i)
		defs = append(defs, codeSeg[float64]{lo: c, hi: c, base: c, v: ws.Index(i).Float64() * scale})
	}
	f.widths = newCodeMap(defs)
	if mw := v.Key("FontDescriptor").Key("MissingWidth"); mw.Kind() == pdf.Integer || mw.Kind() == pdf.Real {
		f.dw = mw.Float64() * scale
	}
}

// type3GlyphSpace is the glyph space of a Type 3 font whose /FontMatrix
// is fm (its a not 0) as fontInfo.glyphSpace has it: nil when fm only
// scales, uniformly (the size of a glyph is then the font size, as for
// other fonts).
func type3GlyphSpace(fm pdf.Value) *mat {
	var m mat
	for i := range m {
		m[i] = fm.Index(i).Float64()
		if math.IsInf(m[i], 0) || math.IsNaN(m[i]) {
			return nil
		}
	}
	// The font size is the height of the em: the glyph space's unit is
	// taken as 1/|d| of it (a matrix wider than tall condenses the
	// glyphs, it does not enlarge them), or, with no d, the determinant's
	// root.
	n := math.Abs(m[3])
	if n == 0 {
		n = math.Sqrt(math.Abs(m[0]*m[3] - m[1]*m[2]))
	}
	if n == 0 || math.IsInf(1/n, 0) {
		return nil
	}
	g := mat{m[0] / n, m[1] / n, m[2] / n, m[3] / n, m[4], m[5]}
	if g == identity {
		return nil
	}
	return &g
}

// parseToUnicode reads the bfchar and bfrange sections of a ToUnicode
// CMap (never nil). Unreadable entries are skipped; where entries overlap
// the later one wins.
func parseToUnicode(data []byte) *codeMap[[]rune] {
	m := newCodeMap(toUnicodeDefs(data))
	return &m
}

// toUnicodeDefs returns the definitions of a ToUnicode CMap's bfchar and
// bfrange sections in the order the file gives them: a code and its text,
// or a range whose codes' texts are its first code's with the last
// character offset (base = lo).
func toUnicodeDefs(data []byte) []codeSeg[[]rune] {
	var defs []codeSeg[[]rune]
	var texts []rune // the texts, in one array (hexUTF16)
	one := func(c uint32, dst []rune) { defs = append(defs, codeSeg[[]rune]{lo: c, hi: c, base: c, v: dst}) }
	toks := cmapTokens(data)
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "beginbfchar":
			for i++; i+1 < len(toks) && toks[i] != "endbfchar"; i += 2 {
				src, ok1 := hexCode(toks[i])
				dst, ok2 := hexUTF16(toks[i+1], &texts)
				if ok1 && ok2 {
					one(src, dst)
				}
			}
		case "beginbfrange":
			for i++; i+2 < len(toks) && toks[i] != "endbfrange"; {
				lo, ok1 := hexCode(toks[i])
				hi, ok2 := hexCode(toks[i+1])
				if toks[i+2] == "[" {
					j := i + 3
					for c := lo; j < len(toks) && toks[j] != "]"; j, c = j+1, c+1 {
						if dst, ok := hexUTF16(toks[j], &texts); ok && ok1 {
							one(c, dst)
						}
					}
					i = j + 1
					continue
				}
				dst, ok3 := hexUTF16(toks[i+2], &texts)
				i += 3
				if !ok1 || !ok2 || !ok3 || hi < lo || hi-lo > 0xFFFF || len(dst) == 0 {
					continue
				}
				defs = append(defs, codeSeg[[]rune]{lo: lo, hi: hi, base: lo, v: dst})
			}
		}
	}
	return defs
}

// cmapTokens splits CMap text into <hex> strings, brackets and words:
// parts of one string made of b.
func cmapTokens(data []byte) []string {
	var out []string
	b := string(data)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '<' && i+1 < len(b) && b[i+1] != '<':
			j := strings.IndexByte(b[i:], '>')
			if j < 0 {
				return out
			}
			out = append(out, b[i:i+j+1])
			i += j + 1
		case c == '[' || c == ']':
			out = append(out, b[i:i+1])
			i++
		case c == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case c <= ' ' || c == '<' || c == '>' || c == '(' || c == ')' || c == '/' || c == '{' || c == '}':
			i++
		default:
			j := i
			for j < len(b) && b[j] > ' ' && !strings.ContainsRune("<>[]()/{}%", rune(b[j])) {
				j++
			}
			out = append(out, b[i:j])
			i = j
		}
	}
	return out
}

func hexBytes(tok string) ([]byte, bool) {
	return appendHex(nil, tok)
}

// appendHex appends the bytes of the <hex> string tok to dst.
func appendHex(dst []byte, tok string) ([]byte, bool) {
	if len(tok) < 2 || tok[0] != '<' || tok[len(tok)-1] != '>' {
		return nil, false
	}
	h := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, tok[1:len(tok)-1])
	if len(h)%2 == 1 {
		h += "0"
	}
	out := slices.Grow(dst, len(h)/2)
	for i := 0; i+1 < len(h); i += 2 {
		hi, ok1 := unhexDigit(h[i])
		lo, ok2 := unhexDigit(h[i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, hi<<4|lo)
	}
	return out, true
}

func hexCode(tok string) (uint32, bool) {
	var buf [8]byte
	b, ok := appendHex(buf[:0], tok)
	if !ok || len(b) == 0 || len(b) > 4 {
		return 0, false
	}
	var c uint32
	for _, x := range b {
		c = c<<8 | uint32(x)
	}
	return c, true
}

// hexUTF16 is the text of the <hex> UTF-16BE string tok, appended to
// *texts: the texts of one CMap share its array.
func hexUTF16(tok string, texts *[]rune) ([]rune, bool) {
	var buf [64]byte
	b, ok := appendHex(buf[:0], tok)
	if !ok || len(b) < 2 {
		return nil, false
	}
	from := len(*texts)
	rs := *texts
	for i := 0; i+1 < len(b); i += 2 { // as utf16.Decode
		u := rune(b[i])<<8 | rune(b[i+1])
		switch {
		case !utf16.IsSurrogate(u):
			rs = append(rs, u)
		case u < 0xDC00 && i+3 < len(b) && utf16.IsSurrogate(rune(b[i+2])<<8|rune(b[i+3])) && b[i+2] >= 0xDC:
			rs = append(rs, utf16.DecodeRune(u, rune(b[i+2])<<8|rune(b[i+3])))
			i += 2
		default:
			rs = append(rs, unicode.ReplacementChar)
		}
	}
	*texts = rs
	return rs[from:len(rs):len(rs)], true
}

// textState is the part of the graphics state text showing needs.
type textState struct {
	ctm                         mat
	font                        *fontInfo
	size, tc, tw, th, tl, trise float64
}

// pageGlyphs returns the characters of page n (1-based) in displayed
// coordinates; fonts is the document's fonts read so far, shared by the
// pages read from one document. Malformed content ends the walk early;
// what was read so far is returned.
func pageGlyphs(r *pdf.Reader, src []byte, n int, fonts fontCache) (out []glyph, geom pageGeom, err error) {
	w, err := readPage(r, src, n, fonts, nil)
	if err != nil {
		return nil, geom, err
	}
	return w.out, w.geom, nil
}

// readPage walks page n's content: the walker holds its glyphs (appended
// to buf), its geometry and how many glyphs were left out as not upright.
func readPage(r *pdf.Reader, src []byte, n int, fonts fontCache, buf []glyph) (*glyphWalker, error) {
	geom, err := pageGeometry(r, n)
	if err != nil {
		return nil, err
	}
	page := r.Page(n)
	w := &glyphWalker{geom: geom, fonts: fonts, src: src, out: buf}
	w.walk(page.V.Key("Contents"), page.Resources(), textState{ctm: identity, th: 1}, 0)
	if len(w.seen) > 0 {
		probe := &glyphWalker{geom: geom, fonts: fonts, src: src, probing: true}
		probe.walk(page.V.Key("Contents"), page.Resources(), textState{ctm: identity, th: 1}, 0)
		if decideLegacy(w.seen, fonts) { // read again, those fonts decoded
			w.out, w.turned, w.seen = buf, 0, nil
			w.walk(page.V.Key("Contents"), page.Resources(), textState{ctm: identity, th: 1}, 0)
		}
	}
	return w, nil
}

// fontCache holds a document's fonts read so far: by object reference
// for a font dictionary that is an object of its own, the same font on
// every page and in every form that names it, so it is read once per
// document, not once per page or, in a form, at every Tf. A font
// dictionary written inline has no reference of its own (the reader gives
// it its container's: two inline fonts of one container would share it),
// so it is kept by its content (inlineFontKey): an inline font written
// alike in each page's resources is one font too, and what the legacy
// guess decided of it holds on every page (legacyguess.go). At most
// maxInlineFonts such, and only dictionaries of a bounded size.
type fontCache map[fontKey]*fontInfo

// fontKey is a font's key in fontCache: its reference, or for an inline
// one the digest of its content (inline true).
type fontKey struct {
	ref    pdf.Ptr
	inline bool
	sum    [sha256.Size]byte
}

// maxInlineFonts is how many inline fonts a document's fontCache keeps;
// those after are read at each content stream, as before.
const maxInlineFonts = 256

// glyphWalker collects the glyphs of a page and the Form XObjects it
// draws; fonts is the document's fonts read so far.
type glyphWalker struct {
	src    []byte // the bytes r was made from, for streams it cannot decode (streamData); nil: none
	geom   pageGeom
	fonts  fontCache
	out    []glyph
	turned int // glyphs left out: their baseline does not run left to right as shown
	// seen: the fonts tried as legacy ones that showed a look-alike on
	// the page (legacyguess.go); probing: the walk collects their text
	// (fontInfo.probe) and no glyphs.
	seen    []*fontInfo
	probing bool
}

// contentWalk is the interpreter state of one content stream (a page's,
// or a form's at depth > 0) with its resources.
type contentWalk struct {
	w       *glyphWalker
	res     pdf.Value
	depth   int
	st      textState
	stack   []textState          // q/Q
	tm, tlm mat                  // text and text line matrices
	fonts   map[string]*fontInfo // the fonts of res named so far (nil: none yet)
	// legacyEnd is len(w.out) after the last glyph of a legacy font: a
	// diacritic read next goes on it (composeLegacy).
	legacyEnd int
}

// walk interprets content (a stream or an array of streams).
func (w *glyphWalker) walk(content, res pdf.Value, st textState, depth int) {
	c := &contentWalk{w: w, res: res, depth: depth, st: st, tm: identity, tlm: identity}
	if content.Kind() == pdf.Array {
		for i := 0; i < content.Len(); i++ {
			c.interpret(content.Index(i))
		}
		return
	}
	c.interpret(content)
}

func (c *contentWalk) interpret(s pdf.Value) {
	defer func() { _ = recover() }() // malformed content: keep what was read
	withContent(s, c.w.src, func(b []byte) {
		l := contentLexer{b: b}
		for {
			op, args, ok := l.next()
			if !ok {
				return
			}
			c.op(op, args)
		}
	})
}

// op runs one operator: graphics state, text state and positioning, text
// showing, and Form XObjects; the others (paths, colours, images, marked
// content) do not move text. The operands are the lexer's until its next
// operator: no handler keeps them (a form is walked by a contentWalk and
// a lexer of its own).
func (c *contentWalk) op(op []byte, args []operand) {
	switch name := textOp(op); name {
	case "q", "Q", "cm":
		c.graphicsOp(name, args)
	case "Tj", "'", "\"", "TJ":
		c.showOp(name, args)
	case "Do":
		c.doForm(args)
	case "":
	default:
		c.textStateOp(name, args)
	}
}

// textOps are the operators op runs.
var textOps = []string{"q", "Q", "cm", "BT", "Tf", "Tc", "Tw", "Tz", "TL", "Ts", "Td", "TD", "Tm", "T*", "Tj", "'", "\"", "TJ", "Do"}

// textOp is op's name when op runs it, "" otherwise: a string for the
// handlers without copying the operator's bytes, found by a switch the
// compiler makes a search of (a map's hash cost more, at every operator).
func textOp(op []byte) string {
	switch string(op) {
	case "q":
		return "q"
	case "Q":
		return "Q"
	case "cm":
		return "cm"
	case "BT":
		return "BT"
	case "Tf":
		return "Tf"
	case "Tc":
		return "Tc"
	case "Tw":
		return "Tw"
	case "Tz":
		return "Tz"
	case "TL":
		return "TL"
	case "Ts":
		return "Ts"
	case "Td":
		return "Td"
	case "TD":
		return "TD"
	case "Tm":
		return "Tm"
	case "T*":
		return "T*"
	case "Tj":
		return "Tj"
	case "'":
		return "'"
	case "\"":
		return "\""
	case "TJ":
		return "TJ"
	case "Do":
		return "Do"
	}
	return ""
}

func numArg(args []operand, i int) float64 {
	if i < len(args) {
		return args[i].Float64()
	}
	return 0
}

func (c *contentWalk) graphicsOp(op string, args []operand) {
	switch op {
	case "q":
		c.stack = append(c.stack, c.st)
	case "Q":
		if len(c.stack) > 0 {
			c.st = c.stack[len(c.stack)-1]
			c.stack = c.stack[:len(c.stack)-1]
		}
	case "cm":
		if len(args) == 6 {
			c.st.ctm = matOf(args).mul(c.st.ctm)
		}
	}
}

// matOf is the matrix of six numbers.
func matOf(a []operand) mat {
	return mat{numArg(a, 0), numArg(a, 1), numArg(a, 2), numArg(a, 3), numArg(a, 4), numArg(a, 5)}
}

func (c *contentWalk) textStateOp(op string, args []operand) {
	st := &c.st
	switch op {
	case "BT":
		c.tm, c.tlm = identity, identity
	case "Tf":
		if len(args) == 2 {
			st.font, st.size = c.font(args[0].nameBytes()), numArg(args, 1)
		}
	case "Tc":
		st.tc = numArg(args, 0)
	case "Tw":
		st.tw = numArg(args, 0)
	case "Tz":
		st.th = numArg(args, 0) / 100
	case "TL":
		st.tl = numArg(args, 0)
	case "Ts":
		st.trise = numArg(args, 0)
	case "Td", "TD":
		if len(args) == 2 {
			if op == "TD" {
				st.tl = -numArg(args, 1)
			}
			c.tlm = mat{1, 0, 0, 1, numArg(args, 0), numArg(args, 1)}.mul(c.tlm)
			c.tm = c.tlm
		}
	case "Tm":
		if len(args) == 6 {
			c.tlm = matOf(args)
			c.tm = c.tlm
		}
	case "T*":
		c.nextLine()
	}
}

// font is the font res names name: read at its first use in this content
// stream, or taken from the document's fonts when it is an object of its
// own that was read before (fontCache). A Tf of a font named before costs
// a look-up, no copy of its name.
func (c *contentWalk) font(nameb []byte) *fontInfo {
	if f, ok := c.fonts[string(nameb)]; ok {
		return f
	}
	name := string(nameb)
	dict := c.res.Key("Font")
	v := dict.Key(name)
	key, keep := fontKey{ref: v.GetPtr()}, v.Kind() == pdf.Dict && c.w.fonts != nil
	if keep && v.GetPtr() == dict.GetPtr() { // written inline
		key = fontKey{inline: true}
		key.sum, keep = inlineFontKey(v)
	}
	var f *fontInfo
	if keep {
		f = c.w.fonts[key]
	}
	if f == nil {
		f = loadFont(v, c.w.src)
		if keep && (!key.inline || c.w.fonts.inline() < maxInlineFonts) {
			c.w.fonts[key] = f
		}
	}
	if c.fonts == nil {
		c.fonts = map[string]*fontInfo{}
	}
	c.fonts[name] = f
	return f
}

// inline counts the inline fonts fc keeps.
func (fc fontCache) inline() int {
	n := 0
	for k := range fc {
		if k.inline {
			n++
		}
	}
	return n
}

func (c *contentWalk) nextLine() {
	c.tlm = mat{1, 0, 0, 1, 0, -c.st.tl}.mul(c.tlm)
	c.tm = c.tlm
}

func (c *contentWalk) showOp(op string, args []operand) {
	switch op {
	case "Tj":
		if len(args) == 1 {
			c.show(args[0].b)
		}
	case "'", "\"":
		if op == "\"" && len(args) == 3 {
			c.st.tw, c.st.tc = numArg(args, 0), numArg(args, 1)
			args = args[2:]
		}
		c.nextLine()
		if len(args) == 1 {
			c.show(args[0].b)
		}
	case "TJ":
		if len(args) != 1 {
			return
		}
		for _, e := range args[0].arr {
			if e.kind == operandString {
				c.show(e.b)
				continue
			}
			tx := -e.Float64() / 1000 * c.st.size * c.st.th
			c.tm = mat{1, 0, 0, 1, tx, 0}.mul(c.tm)
		}
	}
}

// show adds the glyphs of a string to the walk's output and advances the
// text matrix past them.
func (c *contentWalk) show(raw []byte) {
	st := &c.st
	f := st.font
	if f == nil {
		f = &fontInfo{dw: 500}
	}
	// The text rendering matrix at each glyph's origin; after a glyph's
	// advance it is the next glyph's, computed once for both.
	tsm := mat{st.size * st.th, 0, 0, st.size, 0, st.trise}
	trm := tsm.mul(c.tm).mul(st.ctm)
	var buf [4]rune // room for a glyph's text (fontInfo.text)
	for i := 0; i < len(raw); {
		n := f.codeLen(raw[i:])
		if i+n > len(raw) {
			break
		}
		var code uint32
		for _, b := range raw[i : i+n] {
			code = code<<8 | uint32(b)
		}
		i += n
		at := trm
		if f.glyphSpace != nil { // where and how a Type 3 glyph is drawn
			at = f.glyphSpace.mul(trm)
		}
		x0, y0 := at.apply(0, 0)
		w0 := f.advance(code) / 1000
		tx := w0*st.size + st.tc
		if n == 1 && code == ' ' { // word spacing: the single-byte code 32
			tx += st.tw
		}
		tx *= st.th
		c.tm = mat{1, 0, 0, 1, tx, 0}.mul(c.tm)
		trm = tsm.mul(c.tm).mul(st.ctm)
		slope, ok := c.w.geom.baseline(at)
		if !ok {
			c.w.turned++
			continue
		}
		x1, y1 := trm.apply(0, 0)
		if f.glyphSpace != nil {
			x1, y1 = f.glyphSpace.mul(trm).apply(0, 0)
		}
		size := math.Hypot(at[2], at[3])
		dx, dy := c.w.geom.fromUser(x0, y0)
		// The advance's end is a point of its own: on a page turned by
		// /Rotate 90 or 270 text that reads upright runs along user y.
		ex, _ := c.w.geom.fromUser(x1, y1)
		rs := f.text(code, buf[:0])
		if c.w.probing {
			if f.guess == guessSeen {
				f.probe = append(f.probe, probeGlyph{r: firstRune(rs), x: dx, y: dy, e: ex, s: size})
			}
			continue
		}
		if (f.guess == guessOpen || f.guess == guessFew) && lookalike(rs) {
			f.guess = guessSeen
			c.w.seen = append(c.w.seen, f)
		}
		if f.legacy != nil && c.composeLegacy(rs, ex) {
			continue
		}
		for _, ch := range rs {
			c.w.out = append(c.w.out, glyph{r: ch, x: dx, y: dy, w: ex - dx, s: size, slope: slope})
		}
		if f.legacy != nil {
			c.legacyEnd = len(c.w.out)
		}
	}
}

// composeLegacy puts the diacritic rs of a legacy font (VNI's tone marks,
// TCVN3's combining ones), which ends at ex, on the letter before it when
// that is the last glyph the walk read and of a legacy font too: the
// letter becomes the precomposed one and spans the diacritic's advance
// too, if it has one (VNI's marks take no room). False when rs is no mark
// or makes no letter with it; rs is then read as it is.
func (c *contentWalk) composeLegacy(rs []rune, ex float64) bool {
	n := len(c.w.out)
	if len(rs) == 0 || !unicode.Is(unicode.Mn, rs[0]) || n == 0 || c.legacyEnd != n {
		return false
	}
	prev := &c.w.out[n-1]
	r, ok := composeMarks(prev.r, rs)
	if !ok {
		return false
	}
	prev.r, prev.w = r, max(prev.w, ex-prev.x)
	return true
}

// doForm walks a Form XObject (up to 4 levels deep) with its matrix and
// resources (the caller's when it has none).
func (c *contentWalk) doForm(args []operand) {
	if len(args) != 1 || c.depth >= 4 {
		return
	}
	x := c.res.Key("XObject").Key(args[0].Name())
	if x.Kind() != pdf.Stream || x.Key("Subtype").Name() != "Form" {
		return
	}
	inner := c.st
	if m := x.Key("Matrix"); m.Len() == 6 {
		inner.ctm = mat{m.Index(0).Float64(), m.Index(1).Float64(), m.Index(2).Float64(),
			m.Index(3).Float64(), m.Index(4).Float64(), m.Index(5).Float64()}.mul(c.st.ctm)
	}
	if r, ok := formGlyphRune(args[0].Name(), x); ok {
		c.formGlyph(r, x, inner.ctm)
		return
	}
	xres := x.Key("Resources")
	if xres.Kind() != pdf.Dict {
		xres = c.res
	}
	c.w.walk(x, xres, inner, c.depth+1)
}

// inlineFontKey is the digest of an inline font dictionary's content: its
// keys and values, an object it refers to by its reference (a /ToUnicode
// or /FontFile stream, a descendant font), direct ones as they are, up to
// 4 levels deep; false when the dictionary holds more than 8,192 values
// (such a font is read at each content stream, as before).
func inlineFontKey(v pdf.Value) (sum [sha256.Size]byte, ok bool) {
	h := sha256.New()
	budget := 8192
	var put func(v pdf.Value, container pdf.Ptr, depth int) bool
	put = func(v pdf.Value, container pdf.Ptr, depth int) bool {
		if budget--; budget < 0 {
			return false
		}
		var b [16]byte
		if p := v.GetPtr(); p != container && depth > 0 { // an object of its own
			b[0] = 'R'
			binary.BigEndian.PutUint32(b[1:], p.GetID())
			binary.BigEndian.PutUint16(b[5:], p.GetGen())
			h.Write(b[:7])
			return true
		}
		k := v.Kind()
		b[0] = byte(k)
		h.Write(b[:1])
		switch k {
		case pdf.Dict, pdf.Array:
			if depth >= 4 {
				return false
			}
			n := v.Len()
			keys := v.Keys()
			if k == pdf.Dict {
				n = len(keys)
			}
			binary.BigEndian.PutUint32(b[:], uint32(n))
			h.Write(b[:4])
			for i := range n {
				var e pdf.Value
				if k == pdf.Dict {
					writeLenString(h, keys[i])
					e = v.Key(keys[i])
				} else {
					e = v.Index(i)
				}
				if !put(e, v.GetPtr(), depth+1) {
					return false
				}
			}
		case pdf.Name:
			writeLenString(h, v.Name())
		case pdf.String:
			writeLenString(h, v.RawString())
		case pdf.Integer, pdf.Real, pdf.Bool:
			binary.BigEndian.PutUint64(b[:], math.Float64bits(v.Float64()))
			b[8] = 0
			if v.Kind() == pdf.Bool && v.Bool() {
				b[8] = 1
			}
			h.Write(b[:9])
		}
		return true
	}
	if !put(v, v.GetPtr(), 0) {
		return sum, false
	}
	h.Sum(sum[:0])
	return sum, true
}

// writeLenString writes s to h after its length.
func writeLenString(h hash.Hash, s string) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(len(s)))
	h.Write(b[:])
	h.Write([]byte(s))
}
