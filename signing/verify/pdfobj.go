package verify

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"unsafe"
)

// A small, self-contained PDF object parser. It exists because the
// validator needs a per-revision view of the file (each incremental update
// separately), which general PDF readers do not expose.
//
// Object model:
//
//	nil        null
//	bool       boolean
//	int64      integer
//	float64    real
//	pdfString  string (literal or hex, decoded bytes)
//	name       name (without the slash, #xx decoded)
//	[]object   array
//	dict       dictionary
//	ref        indirect reference
//	*stream    stream (dictionary + raw, still encoded, data)
type object = any

type (
	pdfString string
	name      string
	dict      map[string]object
	ref       struct{ Num, Gen int }
	stream    struct {
		Dict dict
		Raw  []byte
	}
)

func (r ref) String() string { return fmt.Sprintf("%d %d", r.Num, r.Gen) }

var errSyntax = errors.New("PDF syntax error")

type keyword string

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isWhite(c) && !isDelim(c) }

// lexer reads tokens from b starting at pos.
type lexer struct {
	b        []byte
	pos      int
	maxDepth int     // nesting limit for object; 0 means DefaultLimits.MaxDepth
	bud      *budget // work budget of the file; nil for none
	// scratch holds the elements of the arrays and dictionaries being
	// read, a nested one's above its container's, so that each is made
	// once at its size instead of grown by appends; shared by the lexers
	// of one file (nil: the lexer makes its own).
	scratch *scratch
	// dupKey is set when a dictionary read had a key more than once
	// (readers keep the last value; qpdf warns).
	dupKey bool
	// lenient reads a dictionary as forgiving readers take a damaged one:
	// a token where a key should be is stepped over (poppler), and so is a
	// key whose value is a word that is no PDF object; junk says that it
	// happened (takenAt).
	lenient, junk bool
	// badName says that a name read had a '#' not followed by two
	// hexadecimal digits (readers keep it as it is; qpdf warns, and the
	// signing engine cannot read the object).
	badName bool
	// loneCR says that a stream read had its "stream" keyword followed by
	// a carriage return only (classic Mac OS writers; qpdf warns), and
	// streamSpace by spaces before the end of the line (qpdf warns).
	loneCR, streamSpace bool
	// lenTaken says that the last stream indirect read ended where its
	// /Length says; false when the length was missing, wrong or not
	// resolved, and the data was found by searching for "endstream".
	lenTaken bool
}

type scratch struct {
	objs []object
	keys []string
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isWhite(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// token returns the next token: a keyword, a number (int64 or float64), a
// name, a pdfString, or one of the delimiters "[", "]", "<<", ">>".
func (l *lexer) token() (any, error) {
	if err := l.bud.spend(1); err != nil {
		return nil, err
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, fmt.Errorf("%w: unexpected end of data", errSyntax)
	}
	c := l.b[l.pos]
	switch c {
	case '[', ']', '{', '}':
		l.pos++
		return internedKeywords[string(c)], nil
	case '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			l.pos += 2
			return kwOpenDict, nil
		}
		return l.hexString()
	case '>':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '>' {
			l.pos += 2
			return kwCloseDict, nil
		}
		return nil, fmt.Errorf("%w: stray '>' at %d", errSyntax, l.pos)
	case '(':
		return l.literalString()
	case '/':
		l.pos++
		start := l.pos
		for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
			l.pos++
		}
		if v, ok := internedNames[string(l.b[start:l.pos])]; ok {
			return v, nil
		}
		n, bad := decodeName(l.b[start:l.pos])
		l.badName = l.badName || bad
		return name(n), nil
	case ')':
		return nil, fmt.Errorf("%w: stray ')' at %d", errSyntax, l.pos)
	}
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	w := l.b[start:l.pos]
	if n, ok := number(w); ok {
		return n, nil
	}
	if v, ok := internedKeywords[string(w)]; ok {
		return v, nil
	}
	return keyword(w), nil
}

// number reads the token w when it starts like a number (false
// otherwise): an int64, a float64, or int64(0) for a malformed one ("--5",
// "0.0.1"), as most readers do. The integers of a file (object numbers,
// widths, offsets) are most of its tokens: those of up to 18 digits are
// read here and the small ones returned boxed once, without an
// allocation each.
func number(w []byte) (object, bool) {
	if len(w) == 0 || !(w[0] == '+' || w[0] == '-' || w[0] == '.' || (w[0] >= '0' && w[0] <= '9')) {
		return nil, false
	}
	if len(w) <= 18 {
		n := int64(0)
		for _, c := range w {
			if c < '0' || c > '9' {
				n = -1
				break
			}
			n = n*10 + int64(c-'0')
		}
		if n >= 0 {
			return boxInt(n), true
		}
	}
	if bytes.IndexByte(w, '.') < 0 { // ParseInt would fail on a '.', and allocate its error
		if i, err := strconv.ParseInt(string(w), 10, 64); err == nil {
			return boxInt(i), true
		}
	}
	if f, err := strconv.ParseFloat(string(w), 64); err == nil {
		return f, true
	}
	return boxInt(0), true
}

// smallInts are the integers 0..4095 boxed as objects once.
var smallInts = func() (t [4096]object) {
	for i := range t {
		t[i] = int64(i)
	}
	return t
}()

func boxInt(n int64) object {
	if n >= 0 && n < int64(len(smallInts)) {
		return smallInts[n]
	}
	return n
}

// Tokens that every file repeats, boxed once: a name or keyword returned
// as an object (an interface) is otherwise a new allocation each time,
// and they were about a fifth of a verification's allocations. The
// values are immutable strings; a token not listed is made as before.
var (
	kwOpenDict  object = keyword("<<")
	kwCloseDict object = keyword(">>")

	internedKeywords = internTokens(func(s string) object { return keyword(s) },
		"[", "]", "{", "}", "R", "obj", "endobj", "stream", "endstream", "xref", "trailer", "startxref",
		"true", "false", "null", "n", "f")
	internedNames = internTokens(func(s string) object { return name(s) },
		"Type", "Subtype", "Length", "Filter", "DecodeParms", "FlateDecode", "DCTDecode", "Root", "Pages", "Page",
		"Kids", "Count", "Parent", "MediaBox", "CropBox", "Rotate", "Resources", "Font", "XObject", "ProcSet",
		"ExtGState", "Contents", "Annots", "Annot", "Rect", "P", "F", "FT", "T", "V", "AP", "N", "DA", "DR",
		"Ff", "ByteRange", "Filter", "SubFilter", "Sig", "DocTimeStamp", "Adobe.PPKLite", "ETSI.CAdES.detached",
		"ETSI.RFC3161", "adbe.pkcs7.detached", "Name", "Reason", "Location", "ContactInfo", "M", "Prop_Build",
		"App", "Size", "Prev", "Info", "ID", "W", "Index", "XRef", "ObjStm", "First", "Catalog", "Widget",
		"Stamp", "AcroForm", "Fields", "SigFlags", "DSS", "Certs", "OCSPs", "CRLs", "VRI", "Cert", "OCSP", "CRL",
		"BBox", "Matrix", "FormType", "Form", "Image", "Width", "Height", "ColorSpace", "DeviceRGB", "DeviceGray",
		"BitsPerComponent", "SMask", "Version", "Producer", "Creator", "CreationDate", "ModDate", "Title",
		"Author", "BaseFont", "Encoding", "WinAnsiEncoding", "Type1", "TrueType", "Helv", "Predictor", "Columns",
		"Extends", "Perms", "DocMDP", "Reference", "TransformMethod", "TransformParams", "Outlines", "Names",
		"OpenAction", "Metadata", "PageLayout", "PageMode", "Lang", "StructTreeRoot", "MarkInfo", "Dests",
		"Border", "MK", "Im1", "Im2", "Im3", "Im4", "Im5", "Im6", "PDF", "Text", "ImageB", "ImageC", "ImageI")
)

func internTokens(mk func(string) object, words ...string) map[string]object {
	m := make(map[string]object, len(words))
	for _, w := range words {
		m[w] = mk(w)
	}
	return m
}

// decodeName decodes the #xx escapes of a name; a '#' not followed by two
// hexadecimal digits stays as it is (qpdf's reading), and bad says there
// was one.
func decodeName(b []byte) (n string, bad bool) {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b), false
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		bad = bad || b[i] == '#'
		out = append(out, b[i])
	}
	return string(out), bad
}

func unhex(c byte) (byte, bool) {
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

func (l *lexer) hexString() (any, error) {
	b, err := l.hexBytes()
	if err != nil || len(b) == 0 {
		return pdfString(b), err
	}
	// b is hexBytes' own, used by nothing else: the string is made over
	// it instead of a copy (a signature's /Contents is tens of KB).
	return pdfString(unsafe.String(unsafe.SliceData(b), len(b))), nil
}

// hexBytes decodes the hexadecimal string at l.pos.
func (l *lexer) hexBytes() ([]byte, error) {
	l.pos++ // '<'
	n := bytes.IndexByte(l.b[l.pos:], '>')
	if n < 0 {
		l.pos = len(l.b)
		return nil, fmt.Errorf("%w: unterminated hex string", errSyntax)
	}
	src := l.b[l.pos : l.pos+n]
	l.pos += n + 1
	// Sized once; without white space (a signature's /Contents) decoded
	// in one call.
	out := make([]byte, (len(src)+1)/2)
	if len(src)%2 == 0 {
		if _, err := hex.Decode(out, src); err == nil {
			return out, nil
		}
	}
	out = out[:0]
	var hi byte
	half := false
	for _, c := range src {
		if isWhite(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok && l.lenient {
			l.junk = true // stepped over, as poppler does
			continue
		}
		if !ok {
			return nil, fmt.Errorf("%w: bad hex string character %q", errSyntax, c)
		}
		if half {
			out = append(out, hi<<4|v)
			half = false
		} else {
			hi, half = v, true
		}
	}
	if half {
		out = append(out, hi<<4)
	}
	return out, nil
}

func (l *lexer) literalString() (any, error) {
	l.pos++ // '('
	depth := 1
	var out []byte
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return pdfString(out), nil
			}
		case '\\':
			if l.pos >= len(l.b) {
				break
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; k++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
			continue
		}
		out = append(out, c)
	}
	return nil, errUnclosedString
}

// errUnclosedString is a literal string that no ')' closes before the end
// of the bytes read.
var errUnclosedString = fmt.Errorf("%w: unterminated string", errSyntax)

// object parses one PDF object (not an "obj ... endobj" wrapper).
func (l *lexer) object(depth int) (object, error) {
	t, err := l.token()
	if err != nil {
		return nil, err
	}
	return l.objectFrom(t, depth)
}

func (l *lexer) objectFrom(t any, depth int) (object, error) {
	switch v := t.(type) {
	case keyword:
		switch v {
		case "null":
			return nil, nil
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "[":
			if err := l.checkDepth(depth); err != nil {
				return nil, err
			}
			arr, err := l.parseArray(depth)
			if err != nil {
				return nil, err
			}
			return arr, nil
		case "<<":
			if err := l.checkDepth(depth); err != nil {
				return nil, err
			}
			d, err := l.parseDict(depth)
			if err != nil {
				return nil, err
			}
			return d, nil
		}
		if l.lenient && !structural(v) {
			l.junk = true
			return junkWord(v), nil
		}
		return nil, fmt.Errorf("%w: unexpected %q at %d", errSyntax, string(v), l.pos)
	case int64:
		if r, ok := l.refAfter(v); ok {
			return r, nil
		}
		return t, nil // t is v boxed already
	default:
		return v, nil
	}
}

// checkDepth fails when an array or dictionary opened at depth nests too
// deep. Every array and dictionary counts, on every path: the parser
// recurses once per level.
func (l *lexer) checkDepth(depth int) error {
	max := l.maxDepth
	if max <= 0 {
		max = DefaultLimits.MaxDepth
	}
	if depth >= max {
		return l.bud.fail(limitf("an object nests arrays or dictionaries more than %d levels deep (at byte %d)", max, l.pos))
	}
	return nil
}

// parseArray parses the rest of an array whose "[" was read at depth.
func (l *lexer) parseArray(depth int) ([]object, error) {
	sc := l.scratchOf()
	base := len(sc.objs)
	defer sc.drop(base, len(sc.keys))
	for {
		t, err := l.token()
		if err != nil {
			return nil, err
		}
		if k, ok := t.(keyword); ok && k == "]" {
			arr := make([]object, len(sc.objs)-base)
			copy(arr, sc.objs[base:])
			return arr, nil
		}
		o, err := l.objectFrom(t, depth+1)
		if err != nil {
			return nil, err
		}
		if _, isJunk := o.(junkWord); isJunk {
			continue // lenient: stepped over
		}
		sc.objs = append(sc.objs, o)
	}
}

// parseDict parses the rest of a dictionary whose "<<" was read at depth.
func (l *lexer) parseDict(depth int) (dict, error) {
	sc := l.scratchOf()
	base, kbase := len(sc.objs), len(sc.keys)
	defer sc.drop(base, kbase)
	for {
		t, err := l.token()
		if err != nil {
			return nil, err
		}
		if k, ok := t.(keyword); ok && k == ">>" {
			d := make(dict, len(sc.keys)-kbase)
			for i, k := range sc.keys[kbase:] {
				d[k] = sc.objs[base+i] // in file order: a repeated key keeps its last value
			}
			if len(d) < len(sc.keys)-kbase {
				l.dupKey = true
			}
			return d, nil
		}
		key, ok := t.(name)
		if !ok && l.lenient && !structural(t) {
			if err := l.stepOver(t, depth); err != nil {
				return nil, err
			}
			continue
		}
		if !ok {
			return nil, fmt.Errorf("%w: dictionary key is not a name at %d", errSyntax, l.pos)
		}
		val, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, isJunk := val.(junkWord); isJunk {
			continue // lenient: the key goes with its value
		}
		if val != nil { // a null value is the same as an absent key
			sc.keys = append(sc.keys, string(key))
			sc.objs = append(sc.objs, val)
		}
	}
}

// junkWord is a word that is no PDF object where a value should be, which
// a lenient lexer steps over.
type junkWord string

// structural says whether t is a keyword that ends or frames an object
// (a lenient lexer never steps over one: it would read into the next
// object).
func structural(t any) bool {
	switch t {
	case keyword(">>"), keyword("]"), keyword("endobj"), keyword("stream"), keyword("endstream"), keyword("obj"), keyword("R"), keyword("xref"), keyword("trailer"), keyword("startxref"):
		return true
	}
	return false
}

// stepOver steps over t, read where a dictionary key should be, and the
// array or dictionary it opens, noting the junk.
func (l *lexer) stepOver(t any, depth int) error {
	l.junk = true
	if t == kwOpenDict || t == keyword("[") {
		_, err := l.objectFrom(t, depth+1)
		return err
	}
	return nil
}

func (l *lexer) scratchOf() *scratch {
	if l.scratch == nil {
		l.scratch = &scratch{}
	}
	return l.scratch
}

// drop takes the scratch back to objs[:base] and keys[:kbase], letting go
// of what it held above.
func (sc *scratch) drop(base, kbase int) {
	clear(sc.objs[base:])
	sc.objs, sc.keys = sc.objs[:base], sc.keys[:kbase]
}

// lenientDict reads a dictionary the way a forgiving reader does when it
// is damaged: every name followed by a value that parses counts as a key,
// and what does not parse is skipped, up to ">>", "stream" or "endobj".
// A name read as a value is also tried as a key, so the result is a
// superset of what such a reader could take. Only ErrLimit is an error.
func (l *lexer) lenientDict() (dict, error) {
	d := dict{}
	if t, err := l.token(); err != nil || t != keyword("<<") {
		return d, limitOnly(err)
	}
	for {
		t, err := l.token()
		if err != nil {
			return d, limitOnly(err)
		}
		switch t {
		case keyword(">>"), keyword("stream"), keyword("endobj"):
			return d, nil
		}
		key, ok := t.(name)
		if !ok {
			continue
		}
		at := l.pos
		v, err := l.object(1)
		switch _, isName := v.(name); {
		case errors.Is(err, ErrLimit):
			return d, err
		case err != nil:
			l.pos = at
		case isName:
			d[string(key)] = v
			l.pos = at
		case v != nil:
			d[string(key)] = v
		}
	}
}

// limitOnly keeps err only when it is ErrLimit.
func limitOnly(err error) error {
	if errors.Is(err, ErrLimit) {
		return err
	}
	return nil
}

// refAfter returns "num gen R" when the integer num just read is the
// start of one; otherwise the lexer stays after num. It looks ahead at
// the bytes, without making tokens: every integer of an array (a font's
// widths) is followed by two more, which were otherwise read three times.
// gen is read as token reads an integer; R must be a keyword of its own.
func (l *lexer) refAfter(num int64) (object, bool) {
	save := l.pos
	if g, ok := l.peekWord(); ok {
		gen, _ := number(g)
		if gi, isInt := gen.(int64); isInt {
			if r, ok := l.peekWord(); ok && len(r) == 1 && r[0] == 'R' {
				return ref{int(num), int(gi)}, true
			}
		}
	}
	l.pos = save
	return nil, false
}

// peekWord skips white space and comments and reads a run of regular
// characters; false if the next character is a delimiter or the data ends.
func (l *lexer) peekWord() ([]byte, bool) {
	l.skipSpace()
	start := l.pos
	for l.pos < len(l.b) && isRegular(l.b[l.pos]) {
		l.pos++
	}
	return l.b[start:l.pos], l.pos > start
}

// indirect parses "num gen obj <object> [stream ... endstream] endobj" at
// the lexer position. length resolves an indirect /Length.
func (l *lexer) indirect(length func(object) (int, bool)) (ref, object, error) {
	var r ref
	t1, err := l.token()
	if err != nil {
		return r, nil, err
	}
	t2, err := l.token()
	if err != nil {
		return r, nil, err
	}
	t3, err := l.token()
	if err != nil {
		return r, nil, err
	}
	n, ok1 := t1.(int64)
	g, ok2 := t2.(int64)
	k, ok3 := t3.(keyword)
	if !ok1 || !ok2 || !ok3 || k != "obj" {
		return r, nil, fmt.Errorf("%w: no object header", errSyntax)
	}
	r = ref{int(n), int(g)}
	o, err := l.object(0)
	if err != nil {
		return r, nil, err
	}
	d, isDict := o.(dict)
	if !isDict {
		return r, o, nil
	}
	save := l.pos
	t, err := l.token()
	if err != nil || t != keyword("stream") {
		l.pos = save
		return r, o, nil
	}
	st, err := l.streamAfter(d, length)
	if err != nil {
		return r, nil, err // not a typed nil in the object
	}
	return r, st, nil
}

// streamAfter reads the data of the stream whose dictionary d and
// "stream" keyword l has just read, its /Length resolved by length.
func (l *lexer) streamAfter(d dict, length func(object) (int, bool)) (*stream, error) {
	// Data starts after CRLF or LF (a lone CR is tolerated: loneCR;
	// spaces before the end of the line are stepped over, as poppler and
	// qpdf do: streamSpace).
	p := l.pos
	if q := p + spacesAt(l.b[p:]); q > p && q < len(l.b) && (l.b[q] == '\r' || l.b[q] == '\n') {
		p, l.streamSpace = q, true
	}
	if p < len(l.b) && l.b[p] == '\r' {
		p++
		l.loneCR = p >= len(l.b) || l.b[p] != '\n'
	}
	if p < len(l.b) && l.b[p] == '\n' {
		p++
	}
	n2 := -1
	l.lenTaken = false
	if length != nil {
		if v, ok := length(d["Length"]); ok && v >= 0 && p+v <= len(l.b) {
			// Accept the declared length only if "endstream" follows.
			q := p + v
			for q < len(l.b) && isWhite(l.b[q]) {
				q++
			}
			if bytes.HasPrefix(l.b[q:], []byte("endstream")) {
				n2, l.lenTaken = v, true
			}
		}
	}
	if n2 < 0 {
		e := bytes.Index(l.b[p:], []byte("endstream"))
		if e < 0 && length != nil {
			// No endstream at all: the /Length's data, when endobj
			// follows it (poppler's reading).
			if v, ok := length(d["Length"]); ok && v >= 0 && p+v <= len(l.b) && endobjAt(l.b, p+v) {
				l.pos = p + v
				return &stream{Dict: d, Raw: l.b[p : p+v]}, nil
			}
		}
		if e < 0 {
			return nil, fmt.Errorf("%w: stream without endstream", errSyntax)
		}
		n2 = e
		// Drop the end-of-line marker before "endstream".
		for n2 > 0 && (l.b[p+n2-1] == '\n' || l.b[p+n2-1] == '\r') {
			n2--
		}
	}
	l.pos = p + n2
	return &stream{Dict: d, Raw: l.b[p : p+n2]}, nil
}

// spacesAt counts the spaces and tabs at the start of b.
func spacesAt(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == ' ' || b[n] == '\t') {
		n++
	}
	return n
}

// endobjAt says whether "endobj" is at b[i], after white space.
func endobjAt(b []byte, i int) bool {
	for i < len(b) && isWhite(b[i]) {
		i++
	}
	return bytes.HasPrefix(b[i:], []byte("endobj"))
}

// Helpers for typed access.

func asInt(o object) (int64, bool) {
	switch v := o.(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	}
	return 0, false
}

func asName(o object) string {
	n, _ := o.(name)
	return string(n)
}

func asDict(o object) dict {
	switch v := o.(type) {
	case dict:
		return v
	case *stream:
		return v.Dict
	}
	return nil
}
