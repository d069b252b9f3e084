package verify

import (
	"bytes"
	"errors"
	"math"
	"slices"
)

// Precheck reads the whole structure of pdf within lim, as a general PDF
// reader might, so that a file that would exhaust one (nesting that
// overflows a recursive parser, cross-reference fields that size an
// allocation, a page tree with a cycle, a field tree whose walk is
// exponential) is refused before such a reader sees it. It returns an
// error wrapping ErrLimit for such a file, and nil otherwise: other
// damage is for the caller's reader to judge.
//
// What it reads: the bytes after the last %%EOF, the cross-reference chain from every "startxref" in the
// file (a reader may pick another one than ours), every object any
// section lists, at its offset whatever is there (with or without an
// object header), every object stream in full, the page tree and the
// form field tree.
func Precheck(pdf []byte, lim Limits) error {
	_, err := PrecheckFindings(pdf, lim)
	return err
}

// Findings is what Precheck finds of a file it does not refuse.
type Findings struct {
	// Unplaced are the objects the newest revision lists where none is
	// (verify.Unplaced).
	Unplaced []Unplaced
	// Reread are the objects of the newest revision whose dictionaries
	// have a key more than once, and Empty those with nothing between
	// "obj" and "endobj": readers take them otherwise than they are
	// written (rereadObjects).
	Reread, Empty []Unplaced
	// Damaged, when not empty, says how the file's cross-reference data
	// is damaged: its chain cannot be read (the objects were found by a
	// scan), or an object the newest revision lists in use at an offset
	// inside the file is not there. A reader that trusts the data reads
	// wrong or nothing; RebuildXref makes it again.
	Damaged string
	// DamagedObject, when not empty, says how an object of the newest
	// revision is damaged inside, in a way readers recover from and qpdf
	// reports: a stream whose /Length does not end at its "endstream"
	// (missing, wrong, or naming no number), an object without "endobj",
	// a dictionary with a word that is neither key nor value. RebuildXref
	// writes such objects again as readers take them.
	DamagedObject string
	// Hybrid says that a cross-reference table of the file names, by
	// /XRefStm, a cross-reference stream for the objects it lists free or
	// not at all (ISO 32000-1 7.5.8.4; Microsoft Word's and Excel's "Save
	// as PDF" keep the structure tree so). A reader of PDF 1.4 — the
	// signing engine's parser — does not see those objects; RebuildXref
	// lists every object in one cross-reference stream.
	Hybrid bool
}

// PrecheckFindings is Precheck that also returns what it found of the
// file; empty Findings when its parser gives up on the file.
func PrecheckFindings(pdf []byte, lim Limits) (Findings, error) {
	if eof := bytes.LastIndex(pdf, []byte("%%EOF")); eof >= 0 {
		if tail := len(pdf) - eof - len("%%EOF"); tail > lim.MaxAfterEOF {
			return Findings{}, limitf("%d bytes follow the end of the PDF (%%%%EOF); at most %d are read", tail, lim.MaxAfterEOF)
		}
	}
	f, err := parseFileLimits(pdf, lim)
	if err != nil {
		if errors.Is(err, ErrLimit) {
			return Findings{}, err
		}
		// This parser gives up on the file, but another reader may still
		// start from a "startxref" and size an allocation by what it finds
		// there: check those numbers in any case.
		return Findings{}, rawPrecheck(pdf, lim)
	}
	if err := f.precheck(); err != nil {
		return Findings{}, err
	}
	if f.bud.err != nil {
		return Findings{}, f.bud.err
	}
	damaged := f.damaged
	if damaged == "" {
		damaged = f.misplaced()
	}
	inside := f.damagedObject()
	if inside == "" {
		_, inside = f.states[0].pageTreeFixes()
	}
	hybrid := false
	for _, s := range f.sections {
		_, named := s.trailer["XRefStm"]
		hybrid = hybrid || (s.xrefStm < 0 && named)
	}
	return Findings{Unplaced: f.unplaced(), Reread: f.rereadObjects(false), Empty: f.rereadObjects(true),
		Damaged: damaged, DamagedObject: inside, Hybrid: hybrid}, nil
}

func (f *pdfFile) precheck() error {
	known, sxr, err := f.precheckChains()
	if err != nil {
		return err
	}
	// At every startxref offset (and along /Prev and /XRefStm from
	// there): the numbers a reader allocates by, even in a dictionary
	// this parser finds damaged.
	if err := f.precheckStartxrefs(known, sxr); err != nil {
		return err
	}
	st := f.states[0]
	if err := f.precheckObjects(st); err != nil {
		return err
	}
	// Object streams: /N (a reader loops that many times) and the
	// /Extends chain (a reader follows it until it finds the object).
	stms := map[int]bool{}
	for _, e := range st.entries {
		if e.kind == 2 {
			stms[int(e.off)] = true
		}
	}
	for num := range stms {
		if err := f.precheckObjStm(st, num); err != nil {
			return err
		}
	}
	if err := f.precheckTree(st, st.root()["Pages"], "Kids", "page tree"); err != nil {
		return err
	}
	if err := f.precheckTree(st, st.dictOf(st.root()["AcroForm"])["Fields"], "Kids", "form field tree"); err != nil {
		return err
	}
	return f.bud.err
}

// precheckChains reads the cross-reference chain from every startxref the
// file's own chain does not start at (a reader may pick another one than
// ours), at the offset and at the offset after the header. It returns the
// offsets of the sections read and the positions after every startxref.
func (f *pdfFile) precheckChains() (map[int64]bool, []int, error) {
	known := map[int64]bool{}
	for _, s := range f.sections {
		known[s.off] = true
	}
	sxr := startxrefs(f.b)
	for _, i := range sxr {
		t, err := (&lexer{b: f.b, pos: i}).token()
		off, ok := t.(int64)
		if err != nil || !ok || known[off] {
			continue
		}
		known[off] = true
		g := newPDFFile(f.b, f.hdr, f.lim)
		g.bud = f.bud
		for _, o := range []int64{off, off + int64(f.hdr)} {
			if err := g.readChainFrom(o); errors.Is(err, ErrLimit) {
				return nil, nil, err
			}
			g.sections = nil
		}
	}
	return known, sxr, nil
}

// precheckObjects reads every object any section lists: at its offset
// (and at the offset after the header) whatever is there, every object in
// an object stream of state st, and every object stream in full.
func (f *pdfFile) precheckObjects(st *state) error {
	offsets := map[int64]bool{}
	for _, s := range f.sections {
		for _, e := range s.entries {
			if e.kind == 1 {
				offsets[e.off] = true
			}
		}
	}
	offs := make([]int64, 0, len(offsets))
	for o := range offsets {
		offs = append(offs, o)
	}
	slices.Sort(offs)
	f.headers = make(map[int64]int, len(offs))
	for _, o := range offs {
		if err := f.precheckAt(st, o); err != nil {
			return err
		}
		// Also where a reader that counts offsets from the header looks;
		// the same place when the header is at 0 (read once).
		if f.hdr != 0 {
			if err := f.precheckAt(st, o+int64(f.hdr)); err != nil {
				return err
			}
		}
	}
	nums := make([]int, 0, len(st.entries))
	for n, e := range st.entries {
		if e.kind == 2 {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	for _, n := range nums {
		if _, err := st.get(n); errors.Is(err, ErrLimit) {
			return err
		}
	}
	for _, os := range f.objstms {
		if err := f.scanObjects(os.data); err != nil {
			return err
		}
	}
	return nil
}

// precheckXrefDicts checks the dictionaries at off, off after the header,
// and those their /Prev and /XRefStm name, with xrefDictLimits.
func (f *pdfFile) precheckXrefDicts(off int64) error {
	todo := []int64{off, off + int64(f.hdr)}
	seen := map[int64]bool{}
	for len(todo) > 0 && len(seen) <= f.lim.MaxSections {
		o := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[o] || o < 0 || o >= int64(len(f.b)) {
			continue
		}
		seen[o] = true
		l := f.lexer(f.b, int(o))
		t1, _ := l.token()
		t2, _ := l.token()
		t3, _ := l.token()
		if _, ok := t1.(int64); !ok {
			continue
		}
		if _, ok := t2.(int64); !ok || t3 != keyword("obj") {
			continue
		}
		at := l.pos
		v, err := l.object(0)
		if errors.Is(err, ErrLimit) {
			return err
		}
		d, _ := v.(dict)
		if err != nil {
			// A forgiving reader still takes /Size and /W from a
			// damaged dictionary: check what it would take.
			l.pos = at
			if d, err = l.lenientDict(); err != nil {
				return err
			}
		}
		if err := f.xrefDictLimits(d); err != nil {
			return err
		}
		for _, k := range []string{"Prev", "XRefStm"} {
			if p, ok := asInt(d[k]); ok {
				todo = append(todo, p, p+int64(f.hdr))
			}
		}
	}
	return f.bud.err
}

// precheckObjStm checks object stream num and the streams it extends.
func (f *pdfFile) precheckObjStm(st *state, num int) error {
	seen := map[int]bool{}
	for o := object(ref{num, 0}); o != nil; {
		r, ok := o.(ref)
		if !ok {
			return nil
		}
		if seen[r.Num] {
			return f.bud.fail(limitf("object stream %d extends itself (an /Extends cycle)", r.Num))
		}
		if len(seen) >= f.lim.MaxDepth {
			return f.bud.fail(limitf("an /Extends chain of object streams is longer than %d", f.lim.MaxDepth))
		}
		seen[r.Num] = true
		v, err := st.get(r.Num)
		if errors.Is(err, ErrLimit) {
			return err
		}
		d := asDict(v)
		if n, ok := asInt(d["N"]); ok && (n < 0 || n > int64(f.lim.MaxObjects)) {
			return f.bud.fail(limitf("an object stream has /N %d (at most %d objects)", n, f.lim.MaxObjects))
		}
		if err := f.xrefDictLimits(d); err != nil {
			return err
		}
		o = d["Extends"]
	}
	return nil
}

// precheckAt parses what is at off: an indirect object, or else a bare
// object (a reader that trusts the offset parses whatever is there). An
// object that reads, but only as readers recover a damaged one, is noted
// (damagedObject).
func (f *pdfFile) precheckAt(st *state, off int64) error {
	if off < 0 || off >= int64(len(f.b)) {
		return nil
	}
	l := f.lexer(f.b, int(off))
	// A /Length (direct, or resolved in st) is taken when "endstream"
	// follows it; otherwise the lexer searches for "endstream".
	r, o, err := l.indirect(st.lengthOf)
	if errors.Is(err, ErrLimit) {
		return err
	}
	if err == nil && f.headers != nil {
		f.headers[off] = r.Num
		if _, isStream := o.(*stream); l.dupKey && !isStream {
			f.markReread(off, false)
		}
		if why := l.damageAfter(o); why != "" {
			f.markDamaged(off, why)
		}
	}
	if err != nil && f.headers != nil && emptyObjectAt(f.lexer(f.b, int(off))) {
		f.headers[off] = r.Num
		f.markReread(off, true)
		return nil
	}
	if err != nil && r.Num > 0 && f.headers != nil {
		f.markDamaged(off, unreadable) // its header reads, not its body (misplaced)
	}
	if err != nil {
		l = f.lexer(f.b, int(off))
		if _, err := l.object(0); errors.Is(err, ErrLimit) {
			return err
		}
	}
	return nil
}

// markReread notes that the object at off is read otherwise than it is
// written (rereadObjects): empty, or with a key twice.
func (f *pdfFile) markReread(off int64, empty bool) {
	if f.reread == nil {
		f.reread = map[int64]bool{}
	}
	f.reread[off] = empty
}

// emptyObjectAt says whether l is at an object with nothing between "obj"
// and "endobj", which readers take for null (qpdf warns).
func emptyObjectAt(l *lexer) bool {
	for _, want := range []func(any) bool{isInt, isInt, isKeyword("obj"), isKeyword("endobj")} {
		t, err := l.token()
		if err != nil || !want(t) {
			return false
		}
	}
	return true
}

func isInt(t any) bool { _, ok := t.(int64); return ok }

func isKeyword(k string) func(any) bool {
	return func(t any) bool { return t == keyword(k) }
}

// startxrefs returns the position after every "startxref" in b (one scan
// of the file for both of precheck's uses).
func startxrefs(b []byte) []int {
	var out []int
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("startxref"))
		if j < 0 {
			return out
		}
		i += j + len("startxref")
		out = append(out, i)
	}
}

// directLength is a stream's /Length when it is a direct integer.
func directLength(o object) (int, bool) {
	n, ok := o.(int64)
	if !ok || n < 0 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

// scanObjects parses data as a sequence of objects.
func (f *pdfFile) scanObjects(data []byte) error {
	l := f.lexer(data, 0)
	for l.pos < len(data) {
		p := l.pos
		_, err := l.object(0)
		if errors.Is(err, ErrLimit) {
			return err
		}
		if err != nil && l.pos == p {
			l.pos++
		}
		if l.skipSpace(); err != nil && l.pos >= len(data) {
			break
		}
	}
	return nil
}

// precheckTree walks a tree of dictionaries linked by key (an array of
// references, or the array itself at the root): every node must be
// reached once only (no cycle, no sharing), and no deeper than the depth
// limit.
func (f *pdfFile) precheckTree(st *state, root object, key, what string) error {
	seen := map[int]bool{}
	var walk func(o object, depth int) error
	walk = func(o object, depth int) error {
		if depth > f.lim.MaxDepth {
			return f.bud.fail(limitf("the %s is more than %d levels deep", what, f.lim.MaxDepth))
		}
		if r, ok := o.(ref); ok {
			if seen[r.Num] {
				return f.bud.fail(limitf("the %s reaches object %d twice (a cycle or a shared node)", what, r.Num))
			}
			seen[r.Num] = true
		}
		var kids []object
		switch v := st.resolve(o).(type) {
		case []object:
			kids = v
		case dict:
			kids, _ = st.resolve(v[key]).([]object)
		case *stream:
			kids, _ = st.resolve(v.Dict[key]).([]object)
		}
		for _, k := range kids {
			if err := walk(k, depth+1); err != nil {
				return err
			}
		}
		return f.bud.err
	}
	return walk(root, 0)
}

// rawPrecheck is what Precheck can still check in a file this parser
// cannot read at all: the cross-reference dictionaries at every
// "startxref" offset (and along their /Prev and /XRefStm).
func rawPrecheck(pdf []byte, lim Limits) error {
	hdr := headerOffset(pdf)
	if hdr < 0 {
		return nil
	}
	f := newPDFFile(pdf, hdr, &lim)
	f.bud = newBudget(&lim, len(pdf))
	return f.precheckStartxrefs(nil, startxrefs(f.b))
}

// precheckStartxrefs checks the cross-reference dictionaries at the
// offsets in known and at every offset a "startxref" in the file names.
func (f *pdfFile) precheckStartxrefs(known map[int64]bool, sxr []int) error {
	offs := map[int64]bool{}
	for off := range known {
		offs[off] = true
	}
	for _, i := range sxr {
		t, err := (&lexer{b: f.b, pos: i}).token()
		if off, ok := t.(int64); err == nil && ok {
			offs[off] = true
		}
	}
	for off := range offs {
		if err := f.precheckXrefDicts(off); err != nil {
			return err
		}
	}
	return f.bud.err
}
