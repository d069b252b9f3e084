package verify

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// entry is one cross-reference entry.
type entry struct {
	kind byte  // 0 free, 1 at a byte offset, 2 inside an object stream
	off  int64 // byte offset (kind 1) or object stream number (kind 2)
	gen  int   // generation (kind 0/1) or index in the object stream (kind 2)
}

// section is one cross-reference section with its trailer: one revision of
// the file (the original, or one incremental update).
type section struct {
	off      int64 // where the section starts ("xref" or "N G obj")
	entries  map[int]entry
	trailer  dict
	prev     int64 // offset of the previous section, -1 if none
	xrefStm  int   // object number of the xref stream, -1 for a table
	fromScan bool  // reconstructed by scanning, not read from the file
}

// pdfFile is a parsed file: its sections in chain order (newest first) and
// the object state after each of them.
type pdfFile struct {
	b        []byte
	hdr      int        // offset of "%PDF-"
	sections []*section // newest first, following /Prev from the last startxref
	states   []*state   // states[i] = view of the file as of sections[i]
	cache    map[int64]object
	objstms  map[int64]*objStm
	damaged  string // non-empty when the xref chain could not be read
}

// state is the object view of one revision.
type state struct {
	f       *pdfFile
	sec     *section
	entries map[int]entry
	trailer dict
	cache   map[int]object
}

type objStm struct {
	data  []byte
	first int
	offs  map[int]int // index -> offset relative to first
	nums  map[int]int // index -> object number
}

const maxSections = 4096

func parseFile(b []byte) (*pdfFile, error) {
	f := &pdfFile{b: b, cache: map[int64]object{}, objstms: map[int64]*objStm{}}
	head := b
	if len(head) > 1024 {
		head = head[:1024]
	}
	f.hdr = bytes.Index(head, []byte("%PDF-"))
	if f.hdr < 0 {
		return nil, errors.New("not a PDF file (no %PDF- header in the first 1024 bytes)")
	}
	if err := f.readChain(); err != nil {
		f.damaged = err.Error()
		if err := f.reconstruct(); err != nil {
			return nil, err
		}
	}
	f.buildStates()
	return f, nil
}

// lastStartxref returns the offset named by the last "startxref" in b.
func lastStartxref(b []byte) (int64, error) {
	i := bytes.LastIndex(b, []byte("startxref"))
	if i < 0 {
		return 0, errors.New("no startxref")
	}
	l := &lexer{b: b, pos: i + len("startxref")}
	t, err := l.token()
	if err != nil {
		return 0, err
	}
	v, ok := t.(int64)
	if !ok {
		return 0, errors.New("startxref is not followed by a number")
	}
	return v, nil
}

func (f *pdfFile) readChain() error {
	off, err := lastStartxref(f.b)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for off >= 0 {
		if seen[off] {
			return fmt.Errorf("cross-reference /Prev loop at offset %d", off)
		}
		seen[off] = true
		if len(f.sections) > maxSections {
			return errors.New("too many cross-reference sections")
		}
		s, err := f.readSection(off)
		if err != nil && f.hdr > 0 {
			s, err = f.readSection(off + int64(f.hdr))
		}
		if err != nil {
			return fmt.Errorf("cross-reference section at offset %d: %w", off, err)
		}
		f.sections = append(f.sections, s)
		off = s.prev
	}
	return nil
}

func (f *pdfFile) readSection(off int64) (*section, error) {
	if off < 0 || off >= int64(len(f.b)) {
		return nil, fmt.Errorf("offset out of range")
	}
	l := &lexer{b: f.b, pos: int(off)}
	l.skipSpace()
	if bytes.HasPrefix(f.b[l.pos:], []byte("xref")) {
		return f.readTable(off, l)
	}
	return f.readXrefStream(off)
}

func (f *pdfFile) readTable(off int64, l *lexer) (*section, error) {
	l.pos += len("xref")
	s := &section{off: off, entries: map[int]entry{}, prev: -1, xrefStm: -1}
	for {
		t, err := l.token()
		if err != nil {
			return nil, err
		}
		if t == keyword("trailer") {
			break
		}
		start, ok := t.(int64)
		if !ok {
			return nil, fmt.Errorf("bad subsection header")
		}
		t, err = l.token()
		if err != nil {
			return nil, err
		}
		count, ok := t.(int64)
		if !ok || count < 0 || count > int64(len(f.b)) {
			return nil, fmt.Errorf("bad subsection count")
		}
		for i := int64(0); i < count; i++ {
			t1, err1 := l.token()
			t2, err2 := l.token()
			t3, err3 := l.token()
			if err1 != nil || err2 != nil || err3 != nil {
				return nil, fmt.Errorf("truncated cross-reference table")
			}
			o, ok1 := t1.(int64)
			g, ok2 := t2.(int64)
			k, ok3 := t3.(keyword)
			if !ok1 || !ok2 || !ok3 || (k != "n" && k != "f") {
				return nil, fmt.Errorf("bad cross-reference entry")
			}
			num := int(start + i)
			if _, dup := s.entries[num]; dup {
				continue
			}
			if k == "n" {
				s.entries[num] = entry{kind: 1, off: o, gen: int(g)}
			} else {
				s.entries[num] = entry{kind: 0, gen: int(g)}
			}
		}
	}
	tr, err := l.object(0)
	if err != nil {
		return nil, fmt.Errorf("trailer: %w", err)
	}
	d, ok := tr.(dict)
	if !ok {
		return nil, fmt.Errorf("trailer is not a dictionary")
	}
	s.trailer = d
	if p, ok := asInt(d["Prev"]); ok {
		s.prev = p
	}
	// Hybrid file: entries from the /XRefStm stream fill in what the table
	// does not list.
	if xo, ok := asInt(d["XRefStm"]); ok {
		xs, err := f.readXrefStream(xo)
		if err == nil {
			for n, e := range xs.entries {
				if _, have := s.entries[n]; !have {
					s.entries[n] = e
				}
			}
		}
	}
	return s, nil
}

func (f *pdfFile) readXrefStream(off int64) (*section, error) {
	l := &lexer{b: f.b, pos: int(off)}
	r, o, err := l.indirect(func(o object) (int, bool) {
		v, ok := asInt(o)
		return int(v), ok
	})
	if err != nil {
		return nil, err
	}
	st, ok := o.(*stream)
	if !ok || asName(st.Dict["Type"]) != "XRef" {
		return nil, fmt.Errorf("no cross-reference table or stream")
	}
	data, err := decodeStream(st)
	if err != nil {
		return nil, fmt.Errorf("xref stream: %w", err)
	}
	w, _ := st.Dict["W"].([]object)
	if len(w) < 3 {
		return nil, fmt.Errorf("xref stream: bad /W")
	}
	var ws [3]int
	for i := range 3 {
		v, _ := asInt(w[i])
		if v < 0 || v > 8 {
			return nil, fmt.Errorf("xref stream: bad /W")
		}
		ws[i] = int(v)
	}
	size, _ := asInt(st.Dict["Size"])
	index := []int64{0, size}
	if ix, ok := st.Dict["Index"].([]object); ok && len(ix)%2 == 0 {
		index = index[:0]
		for _, v := range ix {
			n, _ := asInt(v)
			index = append(index, n)
		}
	}
	s := &section{off: off, entries: map[int]entry{}, trailer: st.Dict, prev: -1, xrefStm: r.Num}
	if p, ok := asInt(st.Dict["Prev"]); ok {
		s.prev = p
	}
	rowLen := ws[0] + ws[1] + ws[2]
	if rowLen == 0 {
		return nil, fmt.Errorf("xref stream: empty /W")
	}
	pos := 0
	field := func(width int, def int64) int64 {
		if width == 0 {
			return def
		}
		var v int64
		for k := 0; k < width; k++ {
			v = v<<8 | int64(data[pos+k])
		}
		pos += width
		return v
	}
	for i := 0; i+1 < len(index); i += 2 {
		start, count := index[i], index[i+1]
		for j := int64(0); j < count; j++ {
			if pos+rowLen > len(data) {
				return s, nil // truncated: keep what we have
			}
			typ := field(ws[0], 1)
			a := field(ws[1], 0)
			c := field(ws[2], 0)
			num := int(start + j)
			if _, dup := s.entries[num]; dup {
				continue
			}
			switch typ {
			case 0:
				s.entries[num] = entry{kind: 0, gen: int(c)}
			case 1:
				s.entries[num] = entry{kind: 1, off: a, gen: int(c)}
			case 2:
				s.entries[num] = entry{kind: 2, off: a, gen: int(c)}
			}
		}
	}
	return s, nil
}

// reconstruct builds a single synthetic section by scanning the file for
// "N G obj" headers (last definition wins), as readers do for damaged files.
func (f *pdfFile) reconstruct() error {
	s := &section{off: 0, entries: map[int]entry{}, prev: -1, xrefStm: -1, fromScan: true}
	b := f.b
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("obj"))
		if j < 0 {
			break
		}
		p := i + j
		i = p + 3
		// Walk back over "N G ".
		q := p - 1
		for q >= 0 && isWhite(b[q]) {
			q--
		}
		ge := q + 1
		for q >= 0 && b[q] >= '0' && b[q] <= '9' {
			q--
		}
		gs := q + 1
		if gs == ge {
			continue
		}
		for q >= 0 && isWhite(b[q]) {
			q--
		}
		ne := q + 1
		for q >= 0 && b[q] >= '0' && b[q] <= '9' {
			q--
		}
		ns := q + 1
		if ns == ne || (q >= 0 && isRegular(b[q])) {
			continue
		}
		num, err1 := strconv.Atoi(string(b[ns:ne]))
		gen, err2 := strconv.Atoi(string(b[gs:ge]))
		if err1 != nil || err2 != nil {
			continue
		}
		s.entries[num] = entry{kind: 1, off: int64(ns), gen: gen}
	}
	// The trailer: the last "trailer" dictionary, or the last xref stream.
	if k := bytes.LastIndex(b, []byte("trailer")); k >= 0 {
		l := &lexer{b: b, pos: k + len("trailer")}
		if o, err := l.object(0); err == nil {
			s.trailer, _ = o.(dict)
		}
	}
	if s.trailer == nil {
		for num, e := range s.entries {
			l := &lexer{b: b, pos: int(e.off)}
			if _, o, err := l.indirect(nil); err == nil {
				if st, ok := o.(*stream); ok && asName(st.Dict["Type"]) == "XRef" {
					s.trailer = st.Dict
					_ = num
				}
			}
		}
	}
	if s.trailer == nil {
		return errors.New("PDF cannot be parsed: no cross-reference data and no trailer")
	}
	if s.trailer["Root"] == nil {
		// Find the catalog.
		for num, e := range s.entries {
			l := &lexer{b: b, pos: int(e.off)}
			if r, o, err := l.indirect(nil); err == nil && asName(asDict(o)["Type"]) == "Catalog" {
				s.trailer = dict{"Root": ref{num, r.Gen}}
			}
		}
	}
	f.sections = []*section{s}
	return nil
}

func (f *pdfFile) buildStates() {
	n := len(f.sections)
	f.states = make([]*state, n)
	var prev map[int]entry
	for i := n - 1; i >= 0; i-- {
		s := f.sections[i]
		m := make(map[int]entry, len(prev)+len(s.entries))
		for k, v := range prev {
			m[k] = v
		}
		for k, v := range s.entries {
			m[k] = v
		}
		f.states[i] = &state{f: f, sec: s, entries: m, trailer: s.trailer, cache: map[int]object{}}
		prev = m
	}
}

// get returns object num in this state (nil if free or missing).
func (s *state) get(num int) (object, error) {
	if o, ok := s.cache[num]; ok {
		return o, nil
	}
	s.cache[num] = nil // guards against reference loops
	o, err := s.load(num)
	if err != nil {
		delete(s.cache, num)
		return nil, err
	}
	s.cache[num] = o
	return o, nil
}

func (s *state) load(num int) (object, error) {
	e, ok := s.entries[num]
	if !ok || e.kind == 0 {
		return nil, nil
	}
	if e.kind == 1 {
		return s.f.objectAt(s, num, e.off)
	}
	os, err := s.f.objStream(s, int(e.off))
	if err != nil {
		return nil, fmt.Errorf("object %d in object stream %d: %w", num, e.off, err)
	}
	rel, ok := os.offs[e.gen]
	if !ok || os.nums[e.gen] != num {
		return nil, fmt.Errorf("object %d not found in object stream %d", num, e.off)
	}
	l := &lexer{b: os.data, pos: os.first + rel}
	return l.object(0)
}

func (f *pdfFile) objectAt(s *state, num int, off int64) (object, error) {
	if o, ok := f.cache[off]; ok {
		return o, nil
	}
	try := func(off int64) (object, error) {
		if off < 0 || off >= int64(len(f.b)) {
			return nil, fmt.Errorf("object %d: offset %d out of range", num, off)
		}
		l := &lexer{b: f.b, pos: int(off)}
		r, o, err := l.indirect(s.lengthOf)
		if err != nil {
			return nil, fmt.Errorf("object %d at offset %d: %w", num, off, err)
		}
		if r.Num != num {
			return nil, fmt.Errorf("object %d: offset %d holds object %d", num, off, r.Num)
		}
		return o, nil
	}
	o, err := try(off)
	if err != nil && f.hdr > 0 {
		o, err = try(off + int64(f.hdr))
	}
	if err != nil {
		return nil, err
	}
	f.cache[off] = o
	return o, nil
}

func (s *state) lengthOf(o object) (int, bool) {
	if r, ok := o.(ref); ok {
		v, err := s.get(r.Num)
		if err != nil {
			return 0, false
		}
		o = v
	}
	v, ok := asInt(o)
	return int(v), ok
}

func (f *pdfFile) objStream(s *state, num int) (*objStm, error) {
	e, ok := s.entries[num]
	if !ok || e.kind != 1 {
		return nil, fmt.Errorf("object stream %d is missing", num)
	}
	if os, ok := f.objstms[e.off]; ok {
		return os, nil
	}
	o, err := f.objectAt(s, num, e.off)
	if err != nil {
		return nil, err
	}
	st, ok := o.(*stream)
	if !ok {
		return nil, fmt.Errorf("object %d is not a stream", num)
	}
	data, err := decodeStream(st)
	if err != nil {
		return nil, err
	}
	n, _ := asInt(st.Dict["N"])
	first, _ := asInt(st.Dict["First"])
	if n < 0 || first < 0 || int(first) > len(data) {
		return nil, fmt.Errorf("bad object stream header")
	}
	os := &objStm{data: data, first: int(first), offs: map[int]int{}, nums: map[int]int{}}
	l := &lexer{b: data[:first]}
	for i := 0; i < int(n); i++ {
		t1, err1 := l.token()
		t2, err2 := l.token()
		if err1 != nil || err2 != nil {
			break
		}
		on, _ := t1.(int64)
		oo, _ := t2.(int64)
		os.nums[i] = int(on)
		os.offs[i] = int(oo)
	}
	f.objstms[e.off] = os
	return os, nil
}

// resolve follows a reference (one level, repeatedly).
func (s *state) resolve(o object) object {
	for range 32 {
		r, ok := o.(ref)
		if !ok {
			return o
		}
		v, err := s.get(r.Num)
		if err != nil {
			return nil
		}
		o = v
	}
	return nil
}

func (s *state) dictOf(o object) dict { return asDict(s.resolve(o)) }

func (s *state) root() dict { return s.dictOf(s.trailer["Root"]) }

// decodeStream applies FlateDecode (with predictors); other filters are
// not needed for structure (xref and object streams).
func decodeStream(st *stream) ([]byte, error) {
	var filters []object
	switch v := st.Dict["Filter"].(type) {
	case name:
		filters = []object{v}
	case []object:
		filters = v
	}
	var parms []object
	switch v := st.Dict["DecodeParms"].(type) {
	case dict:
		parms = []object{v}
	case []object:
		parms = v
	}
	data := st.Raw
	for i, fl := range filters {
		var p dict
		if i < len(parms) {
			p, _ = parms[i].(dict)
		}
		switch asName(fl) {
		case "FlateDecode", "Fl":
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("flate: %w", err)
			}
			out, err := io.ReadAll(io.LimitReader(zr, 1<<30))
			if err != nil && len(out) == 0 {
				return nil, fmt.Errorf("flate: %w", err)
			}
			data, err = unpredict(out, p)
			if err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unsupported filter %s", asName(fl))
		}
	}
	return data, nil
}

func unpredict(data []byte, p dict) ([]byte, error) {
	pred, _ := asInt(p["Predictor"])
	if pred <= 1 {
		return data, nil
	}
	colors, bpc, cols := int64(1), int64(8), int64(1)
	if v, ok := asInt(p["Colors"]); ok && v > 0 {
		colors = v
	}
	if v, ok := asInt(p["BitsPerComponent"]); ok && v > 0 {
		bpc = v
	}
	if v, ok := asInt(p["Columns"]); ok && v > 0 {
		cols = v
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((cols*colors*bpc + 7) / 8)
	if pred == 2 {
		if bpc != 8 {
			return nil, fmt.Errorf("TIFF predictor with %d bits per component not supported", bpc)
		}
		out := append([]byte(nil), data...)
		for r := 0; r+rowLen <= len(out); r += rowLen {
			for i := bpp; i < rowLen; i++ {
				out[r+i] += out[r+i-bpp]
			}
		}
		return out, nil
	}
	out := make([]byte, 0, len(data))
	prev := make([]byte, rowLen)
	for r := 0; r+rowLen+1 <= len(data); r += rowLen + 1 {
		ft := data[r]
		row := append([]byte(nil), data[r+1:r+1+rowLen]...)
		for i := range row {
			var a, b, c byte
			if i >= bpp {
				a = row[i-bpp]
				c = prev[i-bpp]
			}
			b = prev[i]
			switch ft {
			case 0:
			case 1:
				row[i] += a
			case 2:
				row[i] += b
			case 3:
				row[i] += byte((int(a) + int(b)) / 2)
			case 4:
				row[i] += paeth(a, b, c)
			default:
				return nil, fmt.Errorf("bad PNG predictor row type %d", ft)
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
