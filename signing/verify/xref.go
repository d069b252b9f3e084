package verify

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// entry is one cross-reference entry.
type entry struct {
	kind byte  // 0 free, 1 at a byte offset, 2 inside an object stream
	off  int64 // byte offset (kind 1) or object stream number (kind 2)
	gen  int   // generation (kind 0/1) or index in the object stream (kind 2)
}

// refGen is the generation references to the entry's object give: an
// object stream's members have generation 0.
func (e entry) refGen() int {
	if e.kind == 2 {
		return 0
	}
	return e.gen
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
	// headers are the numbers of the objects precheckObjects found at the
	// offsets it read (misplaced).
	headers map[int64]int
	// reread are the offsets where precheckObjects found an object that
	// readers take otherwise than it is written (rereadObjects), true for
	// an empty one, and the numbers of such objects in object streams.
	reread       map[int64]bool
	rereadInStms map[int]bool
	// objDamage says, by offset, how precheckObjects found an object
	// damaged inside (damagedObject), and memberDamage, by number, how it
	// found a member of an object stream.
	objDamage    map[int64]string
	memberDamage map[int]string
	lim          *Limits
	bud          *budget
	getDepth     int // nesting of state.get (indirect /Length chains)
	// digests hashes the signatures' byte ranges (set by verifyAll).
	digests *prefixDigests
	scratch scratch // the lexers' (f.lexer); a file is read by one goroutine
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

func parseFile(b []byte) (*pdfFile, error) { return parseFileLimits(b, DefaultLimits) }

// parseFileLimits parses b within lim. An error wrapping ErrLimit means
// the file is past a bound; it is never read by reconstruction instead.
func parseFileLimits(b []byte, lim Limits) (*pdfFile, error) {
	f := newPDFFile(b, headerOffset(b), &lim)
	f.bud = newBudget(&lim, len(b))
	if f.hdr < 0 {
		return nil, errors.New("not a PDF file (no %PDF- header in the first 1024 bytes)")
	}
	if err := f.readChain(); err != nil {
		if errors.Is(err, ErrLimit) {
			return nil, err
		}
		f.damaged = err.Error()
		f.sections = nil
		if err := f.reconstruct(); err != nil {
			return nil, err
		}
	}
	if err := f.buildStates(); err != nil {
		return nil, err
	}
	if f.bud.err != nil {
		return nil, f.bud.err
	}
	if len(f.states) == 0 {
		return nil, errors.New("no cross-reference section")
	}
	return f, nil
}

// newPDFFile returns the file b, its header at hdr, read within lim; its
// sections and budget are for the caller to set.
func newPDFFile(b []byte, hdr int, lim *Limits) *pdfFile {
	return &pdfFile{b: b, hdr: hdr, cache: map[int64]object{}, objstms: map[int64]*objStm{}, lim: lim}
}

// headerOffset is the offset of "%PDF-" in the first 1024 bytes of b, or
// -1: readers look for the header there.
func headerOffset(b []byte) int {
	return bytes.Index(b[:min(len(b), 1024)], []byte("%PDF-"))
}

// lexer returns a lexer over b at pos that obeys the file's limits.
func (f *pdfFile) lexer(b []byte, pos int) *lexer {
	return &lexer{b: b, pos: pos, maxDepth: f.lim.MaxDepth, bud: f.bud, scratch: &f.scratch}
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
	if !ok || v < 0 {
		return 0, errors.New("startxref is not followed by an offset")
	}
	return v, nil
}

func (f *pdfFile) readChain() error {
	off, err := lastStartxref(f.b)
	if err != nil {
		return err
	}
	return f.readChainFrom(off)
}

// readChainFrom reads the sections from off along /Prev.
func (f *pdfFile) readChainFrom(off int64) error {
	seen := map[int64]bool{}
	for off >= 0 {
		if seen[off] {
			return fmt.Errorf("cross-reference /Prev loop at offset %d", off)
		}
		seen[off] = true
		if len(f.sections) >= f.lim.MaxSections {
			return limitf("the PDF has more than %d cross-reference sections (revisions)", f.lim.MaxSections)
		}
		s, err := f.readSection(off)
		if err != nil && f.hdr > 0 && !errors.Is(err, ErrLimit) {
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
	l := f.lexer(f.b, int(off))
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
		if err := f.readSubsection(l, t, s); err != nil {
			return nil, err
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
	// does not list, or lists free (Microsoft Office lists the objects it
	// keeps in object streams free in its tables, for readers of PDF 1.4,
	// and in use in the stream; readers of PDF 1.5 take the stream's).
	if xo, ok := asInt(d["XRefStm"]); ok {
		xs, err := f.readXrefStream(xo)
		if errors.Is(err, ErrLimit) {
			return nil, err
		}
		if err == nil {
			for n, e := range xs.entries {
				if have, ok := s.entries[n]; !ok || (have.kind == 0 && e.kind != 0) {
					s.entries[n] = e
				}
			}
		}
	}
	return s, nil
}

// readSubsection reads one subsection of a cross-reference table, whose
// header's first token t the lexer has read, into s (the first entry for
// an object number wins).
func (f *pdfFile) readSubsection(l *lexer, t object, s *section) error {
	start, ok := t.(int64)
	if !ok {
		return fmt.Errorf("bad subsection header")
	}
	// Before any other check: other readers size their table by it.
	if start >= int64(f.lim.MaxObjects) {
		return limitf("a cross-reference table lists object numbers from %d (at most %d are read)", start, f.lim.MaxObjects-1)
	}
	t, err := l.token()
	if err != nil {
		return err
	}
	count, ok := t.(int64)
	if !ok || count < 0 || count > int64(len(f.b)) || start < 0 {
		return fmt.Errorf("bad subsection count")
	}
	if start+count > int64(f.lim.MaxObjects) {
		return limitf("a cross-reference table lists object numbers up to %d (at most %d are read)", start+count-1, f.lim.MaxObjects-1)
	}
	for i := int64(0); i < count; i++ {
		t1, err1 := l.token()
		t2, err2 := l.token()
		t3, err3 := l.token()
		if err1 != nil || err2 != nil || err3 != nil {
			return fmt.Errorf("truncated cross-reference table")
		}
		o, ok1 := t1.(int64)
		g, ok2 := t2.(int64)
		k, ok3 := t3.(keyword)
		if !ok1 || !ok2 || !ok3 || (k != "n" && k != "f") {
			return fmt.Errorf("bad cross-reference entry")
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
	return nil
}

func (f *pdfFile) readXrefStream(off int64) (*section, error) {
	num, st, err := f.xrefStreamAt(off)
	if err != nil {
		return nil, err
	}
	ws, index, err := xrefLayout(st.Dict)
	if err != nil {
		return nil, err
	}
	data, err := f.decodeStream(st)
	if err != nil {
		return nil, fmt.Errorf("xref stream: %w", err)
	}
	s := &section{off: off, entries: map[int]entry{}, trailer: st.Dict, prev: -1, xrefStm: num}
	if p, ok := asInt(st.Dict["Prev"]); ok {
		s.prev = p
	}
	if ws[0]+ws[1]+ws[2] == 0 {
		return nil, fmt.Errorf("xref stream: empty /W")
	}
	if err := f.readXrefRows(s, data, ws, index); err != nil {
		return nil, err
	}
	return s, nil
}

// xrefStreamAt reads the cross-reference stream at off and returns its
// object number. The entries readers size allocations by are checked
// before it is known to be a cross-reference stream (xrefDictLimits).
func (f *pdfFile) xrefStreamAt(off int64) (int, *stream, error) {
	if off < 0 || off >= int64(len(f.b)) {
		return 0, nil, fmt.Errorf("offset out of range")
	}
	l := f.lexer(f.b, int(off))
	r, o, err := l.indirect(func(o object) (int, bool) {
		v, ok := asInt(o)
		return int(v), ok
	})
	if err != nil {
		return 0, nil, err
	}
	if err := f.xrefDictLimits(asDict(o)); err != nil {
		return 0, nil, err
	}
	st, ok := o.(*stream)
	if !ok || asName(st.Dict["Type"]) != "XRef" {
		return 0, nil, fmt.Errorf("no cross-reference table or stream")
	}
	return r.Num, st, nil
}

// xrefLayout returns the field widths (/W) of a cross-reference stream
// and its subsections (/Index, default 0 to /Size) as start, count pairs.
// Their bounds were checked by xrefDictLimits.
func xrefLayout(d dict) ([3]int, []int64, error) {
	var ws [3]int
	w, _ := d["W"].([]object)
	if len(w) != 3 {
		return ws, nil, fmt.Errorf("xref stream: bad /W")
	}
	for i := range 3 {
		v, _ := asInt(w[i])
		ws[i] = int(v)
	}
	size, _ := asInt(d["Size"])
	index := []int64{0, size}
	if ix, ok := d["Index"].([]object); ok && len(ix)%2 == 0 {
		index = index[:0]
		for _, v := range ix {
			n, _ := asInt(v)
			index = append(index, n)
		}
	}
	for i := 0; i+1 < len(index); i += 2 {
		if index[i] < 0 || index[i+1] < 0 {
			return ws, nil, fmt.Errorf("xref stream: bad /Index")
		}
	}
	return ws, index, nil
}

// readXrefRows reads the rows of a cross-reference stream's decoded data
// into s (the first entry for an object number wins). A truncated stream
// gives the rows it has.
func (f *pdfFile) readXrefRows(s *section, data []byte, ws [3]int, index []int64) error {
	rowLen := ws[0] + ws[1] + ws[2]
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
				return nil // truncated: keep what we have
			}
			if err := f.bud.spend(1); err != nil {
				return err
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
	return nil
}

// xrefDictLimits checks the entries of a dictionary found where a
// cross-reference stream should be that readers size allocations by
// (/Size, /Index, /W, the predictor's /Columns), before anything else
// about it: another reader may accept what this one calls damaged.
func (f *pdfFile) xrefDictLimits(d dict) error {
	if d == nil {
		return nil
	}
	max := int64(f.lim.MaxObjects)
	if size, ok := asInt(d["Size"]); ok && (size < 0 || size > max) {
		return f.bud.fail(limitf("an xref stream has /Size %d (at most %d objects are read)", size, max))
	}
	if ix, ok := d["Index"].([]object); ok {
		for i := 0; i+1 < len(ix); i += 2 {
			start, _ := asInt(ix[i])
			count, _ := asInt(ix[i+1])
			if start > max || count > max-start || start < -max || count < -max {
				return f.bud.fail(limitf("an xref stream's /Index lists object numbers up to %d (at most %d are read)", start+count-1, max-1))
			}
		}
	}
	if w, ok := d["W"].([]object); ok {
		if len(w) > 3 {
			return f.bud.fail(limitf("an xref stream has %d /W fields (3 expected)", len(w)))
		}
		for _, o := range w {
			if v, _ := asInt(o); v < 0 || v > 8 {
				return f.bud.fail(limitf("an xref stream has a /W field width of %d bytes (at most 8)", v))
			}
		}
	}
	parms := []object{d["DecodeParms"]}
	if a, ok := d["DecodeParms"].([]object); ok {
		parms = a
	}
	for _, p := range parms {
		if pd, ok := p.(dict); ok {
			if _, err := f.predictorOf(pd); err != nil {
				return f.bud.fail(err)
			}
		}
	}
	return nil
}

// reconstruct builds a single synthetic section by scanning the file for
// "N G obj" headers (last definition wins), as readers do for damaged files.
func (f *pdfFile) reconstruct() error {
	s, err := f.scanSection()
	if err != nil {
		return err
	}
	f.sections = []*section{s}
	return nil
}

// scanSection is the section a scan of the whole file finds (scanHeaders)
// with its trailer: the last one of the file, with /Root set to the last
// catalog when it has none (or when the file has no trailer).
func (f *pdfFile) scanSection() (*section, error) {
	s := &section{off: 0, entries: map[int]entry{}, prev: -1, xrefStm: -1, fromScan: true}
	pos, err := f.scanHeaders(s)
	if err != nil {
		return nil, err
	}
	// Objects from the last in the file to the first: the newest
	// definitions of an incremental update come last, so the trailer and
	// catalog chosen below are the newest ones, whatever the order of the
	// map.
	nums := make([]int, 0, len(s.entries))
	for num := range s.entries {
		nums = append(nums, num)
	}
	slices.SortFunc(nums, func(a, c int) int { return cmp.Compare(pos[c], pos[a]) })
	if err := f.scanTrailer(s, nums); err != nil {
		return nil, err
	}
	noTrailer := s.trailer == nil
	if noTrailer {
		s.trailer = dict{}
	}
	if s.trailer["Root"] == nil {
		// Find the catalog: the last one in the file.
		st := &state{f: f, sec: s, entries: s.entries, cache: map[int]object{}}
		for _, num := range nums {
			o, err := st.get(num)
			if errors.Is(err, ErrLimit) {
				return nil, err
			}
			if err == nil && asName(asDict(o)["Type"]) == "Catalog" {
				s.trailer["Root"] = ref{num, s.entries[num].refGen()}
				break
			}
		}
	}
	if noTrailer && s.trailer["Root"] == nil {
		return nil, errors.New("PDF cannot be parsed: no cross-reference data, no trailer and no catalog")
	}
	return s, nil
}

// scanHeaders records in s every object of the file, in the order of the
// file, so that a later definition replaces an earlier one: each "N G obj"
// header, and each member of an object stream where the stream is. It
// steps over each object it reads, so that the data of a stream (an
// embedded PDF's headers, say) is never taken for objects. pos is where
// each object's definition was found (a member's: its stream's).
func (f *pdfFile) scanHeaders(s *section) (pos map[int]int64, err error) {
	b := f.b
	pos = map[int]int64{}
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("obj"))
		if j < 0 {
			return pos, nil
		}
		if err := f.bud.spend(1); err != nil {
			return nil, err
		}
		p := i + j
		i = p + 3
		num, gen, start, ok := objHeaderBefore(b, p)
		if !ok || num >= f.lim.MaxObjects {
			continue // not an object header (or a number no reader keeps)
		}
		s.entries[num] = entry{kind: 1, off: int64(start), gen: gen}
		pos[num] = int64(start)
		l := f.lexer(b, start)
		_, o, err := l.indirect(directLength)
		if errors.Is(err, ErrLimit) {
			return nil, err
		}
		if err != nil {
			continue
		}
		if st, ok := o.(*stream); !ok || l.lenTaken || !bytes.Contains(st.Raw, []byte("endobj")) {
			// Not a stream whose "endstream" is missing (the search
			// found a later object's): its end is known.
			i = max(i, l.pos)
		}
		if st, ok := o.(*stream); ok && asName(st.Dict["Type"]) == "ObjStm" {
			if err := f.scanMembers(s, pos, num, st); err != nil {
				return nil, err
			}
		}
	}
}

// scanMembers records in s the members of object stream num (st), found
// at pos[num]. A stream that cannot be read adds nothing.
func (f *pdfFile) scanMembers(s *section, pos map[int]int64, num int, st *stream) error {
	data, err := f.decodeStream(st)
	if errors.Is(err, ErrLimit) {
		return err
	}
	n, _ := asInt(st.Dict["N"])
	first, _ := asInt(st.Dict["First"])
	if err != nil || n < 0 || first < 0 || int(first) > len(data) {
		return nil
	}
	l := f.lexer(data[:first], 0)
	for k := range int(n) {
		t1, err1 := l.token()
		t2, err2 := l.token()
		m, ok1 := t1.(int64)
		_, ok2 := t2.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			return nil
		}
		if m <= 0 || m >= int64(f.lim.MaxObjects) || int(m) == num {
			continue
		}
		s.entries[int(m)] = entry{kind: 2, off: int64(num), gen: k}
		pos[int(m)] = pos[num]
	}
	return nil
}

// objHeaderBefore reads the "N G " before the "obj" at p, and returns N, G
// and where N starts; false when they are not there.
func objHeaderBefore(b []byte, p int) (num, gen, start int, ok bool) {
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
		return 0, 0, 0, false
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
		return 0, 0, 0, false
	}
	num, err1 := strconv.Atoi(string(b[ns:ne]))
	gen, err2 := strconv.Atoi(string(b[gs:ge]))
	if err1 != nil || err2 != nil {
		return 0, 0, 0, false
	}
	return num, gen, ns, true
}

// scanTrailer sets the trailer of the reconstructed section s: the last
// "trailer" dictionary of the file, or else the dictionary of the last
// xref stream among the objects nums (newest first). It stays nil when
// there is neither.
func (f *pdfFile) scanTrailer(s *section, nums []int) error {
	b := f.b
	if k := bytes.LastIndex(b, []byte("trailer")); k >= 0 {
		l := f.lexer(b, k+len("trailer"))
		o, err := l.object(0)
		if errors.Is(err, ErrLimit) {
			return err
		}
		if err == nil {
			s.trailer, _ = o.(dict)
		}
	}
	if s.trailer != nil {
		return nil
	}
	for _, num := range nums {
		if s.entries[num].kind != 1 {
			continue
		}
		l := f.lexer(b, int(s.entries[num].off))
		_, o, err := l.indirect(nil)
		if errors.Is(err, ErrLimit) {
			return err
		}
		if st, ok := o.(*stream); ok && err == nil && asName(st.Dict["Type"]) == "XRef" {
			s.trailer = st.Dict
			return nil
		}
	}
	return nil
}

func (f *pdfFile) buildStates() error {
	n := len(f.sections)
	f.states = make([]*state, n)
	var prev map[int]entry
	total := 0
	for i := n - 1; i >= 0; i-- {
		s := f.sections[i]
		m := make(map[int]entry, len(prev)+len(s.entries))
		for k, v := range prev {
			m[k] = v
		}
		for k, v := range s.entries {
			m[k] = v
		}
		total += len(m)
		if total > f.lim.MaxStateEntries {
			f.states = nil
			return limitf("the PDF's %d revisions list more objects in all than the verifier reads (%d)", n, f.lim.MaxStateEntries)
		}
		f.states[i] = &state{f: f, sec: s, entries: m, trailer: s.trailer, cache: map[int]object{}}
		prev = m
	}
	return nil
}

// get returns object num in this state (nil if free or missing).
//
// Every call is work (walks over shared objects can otherwise take
// exponential time); once the file's budget is spent, get fails and the
// file is reported as past its limits.
func (s *state) get(num int) (object, error) {
	f := s.f
	if err := f.bud.spend(1); err != nil {
		return nil, err
	}
	if o, ok := s.cache[num]; ok {
		return o, nil
	}
	// Loading an object may load others (an indirect /Length, the object
	// stream holding it): bound that chain.
	if f.getDepth >= f.lim.MaxDepth {
		return nil, f.bud.fail(limitf("a chain of more than %d objects must be read to load object %d", f.lim.MaxDepth, num))
	}
	f.getDepth++
	defer func() { f.getDepth-- }()
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
	if rel < 0 || os.first+rel >= len(os.data) {
		return nil, fmt.Errorf("object %d: offset out of range in object stream %d", num, e.off)
	}
	l := s.f.lexer(os.data, os.first+rel)
	o, err := l.object(0)
	if newest := len(s.f.states) > 0 && s == s.f.states[0]; newest && l.dupKey && err == nil {
		if s.f.rereadInStms == nil {
			s.f.rereadInStms = map[int]bool{}
		}
		s.f.rereadInStms[num] = true
	} else if newest && (l.badName || (err != nil && !errors.Is(err, ErrLimit))) {
		s.f.markMemberDamaged(num, l.badName)
	}
	return o, err
}

func (f *pdfFile) objectAt(s *state, num int, off int64) (object, error) {
	if o, ok := f.cache[off]; ok {
		return o, nil
	}
	try := func(off int64) (object, error) {
		if off < 0 || off >= int64(len(f.b)) {
			return nil, fmt.Errorf("object %d: offset %d out of range", num, off)
		}
		l := f.lexer(f.b, int(off))
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
	if err != nil && f.hdr > 0 && !errors.Is(err, ErrLimit) {
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
	data, err := f.decodeStream(st)
	if err != nil {
		return nil, err
	}
	n, _ := asInt(st.Dict["N"])
	first, _ := asInt(st.Dict["First"])
	if n < 0 || first < 0 || int(first) > len(data) {
		return nil, fmt.Errorf("bad object stream header")
	}
	os := &objStm{data: data, first: int(first), offs: map[int]int{}, nums: map[int]int{}}
	l := f.lexer(data[:first], 0)
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
	for range s.f.lim.MaxRefChain {
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
// not needed for structure (xref and object streams). The decoded size is
// bounded by the limits, per stream and per file.
func (f *pdfFile) decodeStream(st *stream) ([]byte, error) {
	var filters []object
	switch v := st.Dict["Filter"].(type) {
	case name:
		filters = []object{v}
	case []object:
		filters = v
	}
	if len(filters) > f.lim.MaxFilters {
		return nil, limitf("a stream has %d filters (at most %d)", len(filters), f.lim.MaxFilters)
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
			// Check the predictor before inflating anything.
			pr, err := f.predictorOf(p)
			if err != nil {
				return nil, err
			}
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, fmt.Errorf("flate: %w", err)
			}
			max := min(f.lim.MaxStreamBytes, f.lim.MaxDecodedBytes-f.bud.decoded)
			out, err := io.ReadAll(io.LimitReader(zr, max+1))
			if int64(len(out)) > max {
				if max < f.lim.MaxStreamBytes {
					return nil, f.bud.fail(limitf("the PDF's streams inflate to more than %d bytes in all", f.lim.MaxDecodedBytes))
				}
				return nil, f.bud.fail(limitf("a stream inflates to more than %d bytes", f.lim.MaxStreamBytes))
			}
			f.bud.decoded += int64(len(out))
			if err := f.bud.spend(int64(len(out)) / 64); err != nil {
				return nil, err
			}
			if err != nil && len(out) == 0 {
				return nil, fmt.Errorf("flate: %w", err)
			}
			data, err = pr.apply(out)
			if err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unsupported filter %s", asName(fl))
		}
	}
	return data, nil
}

// predictor is a checked /DecodeParms predictor.
type predictor struct {
	pred       int64
	bpc        int64
	bpp        int // bytes per pixel
	rowLen     int // bytes per row
	components int64
}

// predictorOf checks the predictor parameters in p against the limits.
func (f *pdfFile) predictorOf(p dict) (predictor, error) {
	pr := predictor{components: 1, bpc: 8}
	pr.pred, _ = asInt(p["Predictor"])
	if pr.pred <= 1 {
		return pr, nil
	}
	cols := int64(1)
	if v, ok := asInt(p["Columns"]); ok {
		if v < 1 || v > int64(f.lim.MaxColumns) {
			return pr, limitf("a stream's predictor has /Columns %d (at most %d)", v, f.lim.MaxColumns)
		}
		cols = v
	}
	if v, ok := asInt(p["Colors"]); ok && v > 0 {
		if v > 32 {
			return pr, limitf("a stream's predictor has /Colors %d (at most 32)", v)
		}
		pr.components = v
	}
	if v, ok := asInt(p["BitsPerComponent"]); ok && v > 0 {
		if v > 16 {
			return pr, limitf("a stream's predictor has /BitsPerComponent %d (at most 16)", v)
		}
		pr.bpc = v
	}
	pr.bpp = int((pr.components*pr.bpc + 7) / 8)
	pr.rowLen = int((cols*pr.components*pr.bpc + 7) / 8)
	return pr, nil
}

// apply undoes the predictor.
func (pr predictor) apply(data []byte) ([]byte, error) {
	if pr.pred <= 1 {
		return data, nil
	}
	rowLen, bpp := pr.rowLen, pr.bpp
	if pr.pred == 2 {
		if pr.bpc != 8 {
			return nil, fmt.Errorf("TIFF predictor with %d bits per component not supported", pr.bpc)
		}
		out := append([]byte(nil), data...)
		for r := 0; r+rowLen <= len(out); r += rowLen {
			for i := bpp; i < rowLen; i++ {
				out[r+i] += out[r+i-bpp]
			}
		}
		return out, nil
	}
	rows := len(data) / (rowLen + 1)
	out := make([]byte, rows*rowLen)
	zero := make([]byte, rowLen)
	for r := range rows {
		ft := data[r*(rowLen+1)]
		src := data[r*(rowLen+1)+1 : (r+1)*(rowLen+1)]
		row := out[r*rowLen : (r+1)*rowLen]
		prev := zero
		if r > 0 {
			prev = out[(r-1)*rowLen : r*rowLen]
		}
		copy(row, src)
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
