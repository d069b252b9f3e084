package signing

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"sync"

	"github.com/digitorus/pdf"
)

// A content stream's tokens (ISO 32000-1, 7.8.2): operands followed by
// their operator. The layout detection reads them with contentLexer
// rather than the PDF library's PostScript interpreter, which does not
// know inline images: the bytes between ID and EI were read as tokens,
// and the first that did not parse ended the stream, losing the text
// after the image (a logo drawn inline by Ghostscript, say). The lexer
// also allocates only for what it cannot slice from the stream.

// maxContentBytes bounds the decoded bytes of one content stream read to
// find the layout: past it the rest is not read (text beyond ≈ 16 MB of
// drawing operators is not the template's).
const maxContentBytes = 16 << 20

// maxOperandDepth bounds nested arrays and dictionaries in an operand;
// deeper, the stream is not read further.
const maxOperandDepth = 32

type operandKind uint8

const (
	operandOther  operandKind = iota // true, false, null, a dictionary, a stray token
	operandNumber                    // num
	operandName                      // b: the name's bytes after '/', #xx decoded
	operandString                    // b: the string's bytes, escapes decoded
	operandArray                     // arr
)

// operand is one operand of an operator; b and arr are valid until the
// lexer reads the next operator.
type operand struct {
	kind operandKind
	num  float64
	b    []byte
	arr  []operand
}

func (o operand) Float64() float64 {
	if o.kind == operandNumber {
		return o.num
	}
	return 0
}

func (o operand) Name() string {
	return string(o.nameBytes())
}

// nameBytes is Name's bytes, valid as b is.
func (o operand) nameBytes() []byte {
	if o.kind == operandName {
		return o.b
	}
	return nil
}

// contentLexer reads the operators of one content stream in order.
type contentLexer struct {
	b     []byte
	pos   int
	args  []operand // the operands of the operator being read (reused)
	arena []byte    // decoded names and strings of that operator (reused)
	arr   []operand // its first array's elements (reused: TJ has one)
	used  bool      // arr is taken by an operand of this operator
	done  bool      // an operand nested too deep: nothing more is read
}

// readContent reads the decoded data of a content stream into buf, at
// most maxContentBytes of it; what the filters could decode before an
// error.
func readContent(s pdf.Value, src []byte, buf *bytes.Buffer) []byte {
	rd := streamData(s, src)
	defer rd.Close()
	buf.ReadFrom(io.LimitReader(rd, maxContentBytes)) // a filter's error keeps what it decoded
	return buf.Bytes()
}

// contentBufs holds the buffers content streams are read into: a stream's
// bytes are needed only while it is walked (the handlers copy what they
// keep), and one upload reads several. Buffers past 1 MiB are not kept.
var contentBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// withContent runs fn on the decoded bytes of content stream s.
func withContent(s pdf.Value, src []byte, fn func([]byte)) {
	buf := contentBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			contentBufs.Put(buf)
		}
	}()
	fn(readContent(s, src, buf))
}

// next returns the next operator and its operands; ok is false at the
// end of the stream. Operands without an operator at the end are
// dropped, as are inline images (BI … ID data EI).
func (l *contentLexer) next() (op []byte, args []operand, ok bool) {
	l.args, l.arena, l.used = l.args[:0], l.arena[:0], false
	for !l.done {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return nil, nil, false
		}
		if !isRegular(l.b[l.pos]) {
			if o, ok := l.operand(0); ok {
				l.args = append(l.args, o)
			}
			continue
		}
		tok := l.regular()
		if o, ok := operandOf(tok); ok {
			l.args = append(l.args, o)
			continue
		}
		if string(tok) == "BI" {
			l.skipInlineImage()
			l.args, l.arena, l.used = l.args[:0], l.arena[:0], false
			continue
		}
		return tok, l.args, true
	}
	return nil, nil, false
}

// operand reads the operand that begins at a delimiter ('/', '(', '<',
// '['); ok is false for a stray delimiter, which is skipped.
func (l *contentLexer) operand(depth int) (operand, bool) {
	if depth > maxOperandDepth {
		l.done = true
		return operand{}, false
	}
	c := l.b[l.pos]
	l.pos++
	switch c {
	case '/':
		return operand{kind: operandName, b: l.name()}, true
	case '(':
		return operand{kind: operandString, b: l.literalString()}, true
	case '<':
		if l.pos < len(l.b) && l.b[l.pos] == '<' {
			l.pos++
			l.skipDict(depth + 1)
			return operand{kind: operandOther}, true
		}
		return operand{kind: operandString, b: l.hexString()}, true
	case '[':
		return operand{kind: operandArray, arr: l.array(depth + 1)}, true
	}
	return operand{}, false // a stray ')', '>', ']', '{' or '}', skipped
}

// array reads elements up to the closing ']' (or the end).
func (l *contentLexer) array(depth int) []operand {
	var out []operand
	if depth == 1 && !l.used {
		out, l.used = l.arr[:0], true
		defer func() { l.arr = out[:0] }()
	}
	l.until(depth, "]", func(o operand) { out = append(out, o) })
	return out
}

// skipDict skips a dictionary's entries up to its closing ">>".
func (l *contentLexer) skipDict(depth int) {
	l.until(depth, ">>", func(operand) {})
}

// until reads the operands of an array or a dictionary, passing each to
// add, up to and past end, or to the end of the stream. A keyword among
// them is an "other" operand; a stray delimiter is skipped.
func (l *contentLexer) until(depth int, end string, add func(operand)) {
	for !l.done {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return
		}
		if bytes.HasPrefix(l.b[l.pos:], []byte(end)) {
			l.pos += len(end)
			return
		}
		if isRegular(l.b[l.pos]) {
			o, _ := operandOf(l.regular())
			add(o)
			continue
		}
		if o, ok := l.operand(depth); ok {
			add(o)
		}
	}
}

// skipInlineImage skips from after BI to after EI: the image's
// dictionary up to ID, one white-space byte, then its data. With /L (or
// /Length, PDF 2.0) the data's length is known; otherwise the data ends
// at an EI between white space (or the end) that is followed by text,
// not binary.
func (l *contentLexer) skipInlineImage() {
	length := -1
	var key []byte
	for !l.done {
		l.skipSpace()
		if l.pos >= len(l.b) {
			return
		}
		if !isRegular(l.b[l.pos]) {
			o, ok := l.operand(0)
			switch {
			case ok && o.kind == operandName && key == nil:
				key = o.b
			default:
				key = nil
			}
			continue
		}
		tok := l.regular()
		if string(tok) == "ID" {
			break
		}
		if o, ok := operandOf(tok); ok && o.kind == operandNumber && (string(key) == "L" || string(key) == "Length") {
			length = int(o.num)
		}
		key = nil
	}
	if l.pos < len(l.b) && isSpace(l.b[l.pos]) {
		l.pos++
	}
	if length >= 0 && length <= len(l.b)-l.pos {
		end := l.pos + length
		rest := l.b[end:]
		if t := bytes.TrimLeft(rest, "\x00\t\n\f\r "); bytes.HasPrefix(t, []byte("EI")) && (len(t) == 2 || !isRegular(t[2])) {
			l.pos = len(l.b) - len(t) + 2
			return
		}
	}
	for i := l.pos; i+1 < len(l.b); i++ {
		if l.b[i] != 'E' || l.b[i+1] != 'I' || (i > l.pos && !isSpace(l.b[i-1])) {
			continue
		}
		if i+2 == len(l.b) || (isSpace(l.b[i+2]) && textFollows(l.b[i+2:])) {
			l.pos = i + 2
			return
		}
	}
	l.pos = len(l.b) // no end: the rest is the image
}

// textFollows reports whether the bytes after a candidate EI look like
// content — printable ASCII and white space up to the first string (whose
// bytes may be anything) or for 32 bytes — not more binary image data.
func textFollows(b []byte) bool {
	for _, c := range b[:min(len(b), 32)] {
		switch {
		case c == '(' || c == '<':
			return true
		case (c < 0x20 || c > 0x7e) && !isSpace(c):
			return false
		}
	}
	return true
}

// operandOf is the operand a regular token stands for (a number, true,
// false, null); ok is false for an operator.
func operandOf(tok []byte) (operand, bool) {
	switch c := tok[0]; {
	case c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.':
		if f, ok := shortDecimal(tok); ok {
			return operand{kind: operandNumber, num: f}, true
		}
		f, err := strconv.ParseFloat(string(tok), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) { // "+Inf" and "-NaN" parse, "1e999" overflows
			f = lenientNumber(tok)
		}
		return operand{kind: operandNumber, num: f}, true
	case string(tok) == "true" || string(tok) == "false" || string(tok) == "null":
		return operand{kind: operandOther}, true
	}
	return operand{}, false
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// shortDecimal reads the numbers content streams are made of — a sign,
// digits and a point, at most 15 digits — as strconv.ParseFloat does,
// without its generality: the digits make an integer a float64 holds
// exactly, and one division by an exact power of ten rounds correctly,
// as ParseFloat's result is (its own fast path). False for anything else
// (more digits, no digit, a second point or sign), which ParseFloat reads.
func shortDecimal(tok []byte) (float64, bool) {
	i, neg := 0, false
	if tok[0] == '+' || tok[0] == '-' {
		i, neg = 1, tok[0] == '-'
	}
	var mant uint64
	digits, frac, dot := 0, 0, false
	for ; i < len(tok); i++ {
		switch c := tok[i]; {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	f := float64(mant) / pow10[frac]
	if neg {
		f = -f
	}
	return f, true
}

// lenientNumber reads a malformed number as readers do: its leading
// signs, then the digits and the first point ("--5" is -5, "1.2.3" is
// 1.2, "-" is 0).
func lenientNumber(tok []byte) float64 {
	neg := false
	i := 0
	for ; i < len(tok) && (tok[i] == '-' || tok[i] == '+'); i++ {
		neg = neg || tok[i] == '-'
	}
	j, dot := i, false
	for ; j < len(tok) && (tok[j] >= '0' && tok[j] <= '9' || tok[j] == '.' && !dot); j++ {
		dot = dot || tok[j] == '.'
	}
	f, _ := strconv.ParseFloat(string(tok[i:j]), 64)
	if neg && f != 0 {
		f = -f
	}
	return f
}

// regular reads a run of regular characters (a number or a keyword).
func (l *contentLexer) regular() []byte {
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	return l.b[start:l.pos]
}

// name reads a name after its '/', with #xx escapes decoded.
func (l *contentLexer) name() []byte {
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	raw := l.b[start:l.pos]
	if bytes.IndexByte(raw, '#') < 0 {
		return raw
	}
	from := len(l.arena)
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			hi, ok1 := unhexDigit(raw[i+1])
			lo, ok2 := unhexDigit(raw[i+2])
			if ok1 && ok2 {
				l.arena = append(l.arena, hi<<4|lo)
				i += 2
				continue
			}
		}
		l.arena = append(l.arena, raw[i])
	}
	return l.arena[from:]
}

// literalString reads a string after its '(' up to the balancing ')',
// escapes and line ends decoded (7.3.4.2).
func (l *contentLexer) literalString() []byte {
	start, nest := l.pos, 1
	plain := true // no escape and no CR: the bytes as they are
	for ; l.pos < len(l.b); l.pos++ {
		switch l.b[l.pos] {
		case '\\':
			plain = false
			l.pos++
		case '\r':
			plain = false
		case '(':
			nest++
		case ')':
			if nest--; nest == 0 {
				l.pos++
				if plain {
					return l.b[start : l.pos-1]
				}
				return l.decodeString(l.b[start : l.pos-1])
			}
		}
	}
	l.pos = min(l.pos, len(l.b))
	if plain {
		return l.b[start:l.pos]
	}
	return l.decodeString(l.b[start:l.pos])
}

// decodeString decodes a literal string's escapes and line ends into the
// arena.
func (l *contentLexer) decodeString(s []byte) []byte {
	from := len(l.arena)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\r': // CR and CR LF are LF
			l.arena = append(l.arena, '\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			continue
		case c != '\\' || i+1 >= len(s):
			l.arena = append(l.arena, c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'n':
			l.arena = append(l.arena, '\n')
		case 'r':
			l.arena = append(l.arena, '\r')
		case 't':
			l.arena = append(l.arena, '\t')
		case 'b':
			l.arena = append(l.arena, '\b')
		case 'f':
			l.arena = append(l.arena, '\f')
		case '\r': // a line continuation
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case '\n':
		default:
			if e < '0' || e > '7' {
				l.arena = append(l.arena, e) // \( \) \\ and unknown escapes: the character
				continue
			}
			v := 0
			for k := 0; k < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; k++ {
				v = v*8 + int(s[i]-'0')
				i++
			}
			i--
			l.arena = append(l.arena, byte(v))
		}
	}
	return l.arena[from:]
}

// hexString reads a string after its '<' up to '>', white space ignored,
// an odd last digit followed by 0 (7.3.4.3).
func (l *contentLexer) hexString() []byte {
	from := len(l.arena)
	var hi byte
	odd := false
	for ; l.pos < len(l.b); l.pos++ {
		c := l.b[l.pos]
		if c == '>' {
			l.pos++
			break
		}
		d, ok := unhexDigit(c)
		if !ok {
			continue // white space, and junk skipped as readers do
		}
		if odd {
			l.arena = append(l.arena, hi<<4|d)
		} else {
			hi = d
		}
		odd = !odd
	}
	if odd {
		l.arena = append(l.arena, hi<<4)
	}
	return l.arena[from:]
}

// skipSpace skips white space and comments.
func (l *contentLexer) skipSpace() {
	for l.pos < len(l.b) {
		switch c := l.b[l.pos]; {
		case isSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

func isSpace(c byte) bool { return byteClass[c] == classSpace }

// isRegular: neither white space nor a delimiter (7.2.2).
func isRegular(c byte) bool { return byteClass[c] == classRegular }

// byteClass is each byte's class (7.2.2), looked up for every byte the
// lexer reads.
var byteClass = func() (t [256]uint8) {
	for _, c := range []byte(" \n\r\t\f\x00") {
		t[c] = classSpace
	}
	for _, c := range []byte("()<>[]{}/%") {
		t[c] = classDelimiter
	}
	return t
}()

const (
	classRegular uint8 = iota
	classSpace
	classDelimiter
)

// unhexDigit is the value of the hex digit c.
func unhexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
