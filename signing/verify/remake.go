package verify

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Damage inside an object: readers recover from it (poppler silently,
// qpdf with a warning), and a file signed with it still carries it, so
// that qpdf --check reports the signed file. RebuildXref writes each such
// object again, after the file, as readers take it:
//   - a stream whose /Length is missing, wrong, or names no number: its
//     data is what lies before "endstream" (the end-of-line marker before
//     it left out), as qpdf's "recovered stream length" and poppler take
//     it, and the /Length written is that length;
//   - an object without "endobj" after it;
//   - a stream whose "stream" keyword is followed by a carriage return
//     only (classic Mac OS writers), or by spaces before the end of the
//     line: written with a line feed;
//   - a dictionary with a word that is neither a key nor a value (a token
//     where a key should be, a key whose value is no PDF object): the word
//     is left out, with its key (poppler's reading; qpdf's keeps it under
//     a made-up key, which no reader looks up);
//   - a hexadecimal string with other characters: they are left out
//     (poppler's reading);
//   - a name with a '#' not followed by two hexadecimal digits, which the
//     signing engine cannot read: the '#' is written #23, the name readers
//     take (qpdf's reading);
//   - an object that cannot be read, even as readers recover one, and
//     whose text runs into the next object of the file: a literal string
//     that no ')' closes before the next object, or before the end of the
//     file (Ghostscript 10.00.0's -dFastWebView cuts UTF-16 titles so, the
//     next object inside the string): qpdf and MuPDF take the object as
//     null (poppler reports it), and it is written null.

// damageAfter says how the object o, which l has just read with indirect,
// is damaged by what l read of it and what follows it; "" when it is not.
func (l *lexer) damageAfter(o object) string {
	if l.badName {
		return badNameDamage
	}
	if s, ok := o.(*stream); ok {
		if !l.lenTaken && (bytes.Contains(s.Raw, []byte("endobj")) || endobjAt(l.b, l.pos)) {
			return "no endstream after its stream's data"
		}
		if !l.lenTaken {
			return fmt.Sprintf("its stream's /Length (%s) does not end where its data does: endstream comes after %d bytes", countText(s.Dict["Length"]), len(s.Raw)+l.eolsAt())
		}
		if t, err := l.token(); err != nil || t != keyword("endstream") {
			return "no endstream after its stream's data"
		}
		if l.loneCR {
			return "its stream keyword is followed by a carriage return only"
		}
		if l.streamSpace {
			return "its stream keyword is followed by spaces before the end of the line"
		}
	}
	if t, err := l.token(); err != nil || t != keyword("endobj") {
		return "no endobj after it"
	}
	return ""
}

// overrunDamage is the damage of an object that does not read and whose
// text runs into the next object (takenAt: readers take it as null).
const overrunDamage = "it does not read and runs into the next object (a string never closed): readers take it as null"

// unreadable is the damage of an object whose header reads and whose body
// does not, even as readers recover one; placedAt does not find it.
const unreadable = "unreadable"

// markDamaged notes that the object at off is damaged inside (why).
func (f *pdfFile) markDamaged(off int64, why string) {
	if f.objDamage == nil {
		f.objDamage = map[int64]string{}
	}
	f.objDamage[off] = why
}

// markMemberDamaged notes that member num of an object stream of the
// newest revision reads only as readers recover it (a name with a stray
// '#'), or not at all.
func (f *pdfFile) markMemberDamaged(num int, badName bool) {
	if f.memberDamage == nil {
		f.memberDamage = map[int]string{}
	}
	f.memberDamage[num] = "in an object stream, it cannot be read as written"
	if badName {
		f.memberDamage[num] = "in an object stream, " + badNameDamage
	}
}

// badNameDamage is how a name with a stray '#' is reported.
const badNameDamage = "a name with a # not followed by two hexadecimal digits"

// damagedObject says how the first damaged object (by number) of the
// newest revision is damaged inside (Findings.DamagedObject); "" when none
// is.
func (f *pdfFile) damagedObject() string {
	if len(f.objDamage)+len(f.memberDamage) == 0 {
		return ""
	}
	first, why := -1, ""
	for num, e := range f.states[0].entries {
		if num <= 0 || (first >= 0 && num > first) {
			continue
		}
		if e.kind == 2 && f.memberDamage[num] != "" {
			first, why = num, f.memberDamage[num]
		}
		if pos, ok := f.placedAt(num, e.off); e.kind == 1 && ok && f.objDamage[pos] != "" {
			first, why = num, f.objDamage[pos]
		}
	}
	if first < 0 {
		return ""
	}
	return fmt.Sprintf("object %d: %s", first, why)
}

// takenAt reads the object at off as readers take it (a lenient lexer,
// lengths resolved in st) and says how it is damaged inside; "" when it is
// not. next is where the next object of the file starts (the end of the
// file after the last).
func (f *pdfFile) takenAt(st *state, off, next int64) (ref, object, string, error) {
	l := f.lexer(f.b, int(off))
	l.lenient = true
	r, o, err := l.indirect(st.lengthOf)
	if err != nil && !errors.Is(err, ErrLimit) && r.Num > 0 && (errors.Is(err, errUnclosedString) || int64(l.pos) > next) {
		return r, nil, overrunDamage, nil
	}
	if err != nil {
		return r, nil, "", err
	}
	if s, ok := o.(*stream); ok && !l.lenTaken {
		if err := l.recoveredData(st, s); err != nil {
			return r, nil, "", fmt.Errorf("object %d: %w", r.Num, err)
		}
		return r, o, "its stream's /Length does not end where its data does", nil
	}
	why := l.damageAfter(o)
	if l.junk && why == "" {
		why = "a word in a dictionary that is neither a key nor a value"
	}
	return r, o, why, nil
}

// memberTaken reads member num of an object stream (entry e of st) as
// readers take it, when it is damaged (a junk word, a bad hexadecimal
// string, a name with a stray '#'); nil when it reads as written, or not
// at all. Written again, it leaves its object stream.
func (f *pdfFile) memberTaken(st *state, num int, e entry) object {
	os, err := f.objStream(st, int(e.off))
	if err != nil {
		return nil
	}
	rel, ok := os.offs[e.gen]
	if !ok || os.nums[e.gen] != num || rel < 0 || os.first+rel >= len(os.data) {
		return nil
	}
	l := f.lexer(os.data, os.first+rel)
	l.lenient = true
	o, err := l.object(0)
	if err != nil || o == nil || (!l.junk && !l.badName) {
		return nil
	}
	return o
}

// recoveredData sets s.Raw, which l has just read without its /Length
// (missing, wrong, or naming no number), to the data readers recover:
//   - what is before "endstream" (dataBeforeEndstream);
//   - when "endstream" is missing (the search found the next object's), the
//     /Length's data when "endobj" follows it, where poppler and qpdf both
//     end it.
//
// An error when neither is found: readers differ.
func (l *lexer) recoveredData(st *state, s *stream) error {
	p := l.pos - len(s.Raw)
	if endobjAt(l.b, l.pos) {
		return nil // no endstream at all: the /Length's data (indirect)
	}
	if !bytes.Contains(s.Raw, []byte("endobj")) {
		s.Raw = l.dataBeforeEndstream(st, s, p)
		return nil
	}
	if v, ok := st.lengthOf(s.Dict["Length"]); ok && v >= 0 && p+v <= len(l.b) && endobjAt(l.b, p+v) {
		s.Raw = l.b[p : p+v : p+v]
		l.pos = p + v
		return nil
	}
	return errors.New("its stream has no endstream")
}

// dataBeforeEndstream is the data of s, from p to "endstream", which l
// has just read up to the end-of-line bytes before it: without the one
// end-of-line marker a writer puts before "endstream" (ISO 32000-1
// 7.3.8.1: not part of the data), unless it may be: a compressed stream
// that does not decode without it (its last byte is a line feed), or one
// of a filter not decoded here, keeps all that is there, as qpdf recovers
// it — a byte more than a filter decodes is harmless, one less is not.
func (l *lexer) dataBeforeEndstream(st *state, s *stream, p int) []byte {
	end := l.pos + l.eolsAt()
	all := l.b[p:end:end]
	marked := all
	switch {
	case bytes.HasSuffix(all, []byte("\r\n")):
		marked = all[: len(all)-2 : len(all)-2]
	case bytes.HasSuffix(all, []byte("\n")), bytes.HasSuffix(all, []byte("\r")):
		marked = all[: len(all)-1 : len(all)-1]
	}
	switch f := s.Dict["Filter"]; {
	case f == nil:
		return marked
	case asName(f) == "FlateDecode" || asName(f) == "Fl":
		if st.f.inflates(marked) {
			return marked
		}
	}
	return all
}

// inflates says whether data is a whole zlib stream, its checksum read
// (decodeStream takes what a cut one gives), within what is left of the
// file's budget of inflated bytes, which it spends.
func (f *pdfFile) inflates(data []byte) bool {
	limit := min(f.lim.MaxStreamBytes, f.lim.MaxDecodedBytes-f.bud.decoded)
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil || limit <= 0 {
		return false
	}
	n, err := io.Copy(io.Discard, io.LimitReader(zr, limit+1))
	f.bud.decoded += n
	return err == nil && n <= limit
}

// eolsAt counts the end-of-line bytes at l's position.
func (l *lexer) eolsAt() int {
	n := 0
	for l.pos+n < len(l.b) && (l.b[l.pos+n] == '\r' || l.b[l.pos+n] == '\n') {
		n++
	}
	return n
}

// remake writes again, after the file, each object of s (a scan's
// section) that is damaged inside, as readers take it, and the nodes of
// the page tree readers read otherwise than they are written
// (pageTreeFixes), and lists each in s at its new place. It returns what
// is to follow the file; nothing when nothing is to be written again.
func (f *pdfFile) remake(s *section) ([]byte, error) {
	st := &state{f: f, sec: s, entries: s.entries, trailer: s.trailer, cache: map[int]object{}}
	remade := map[int]object{}
	var starts []int64 // where each object of the file starts, in order
	for _, e := range s.entries {
		if e.kind == 1 {
			starts = append(starts, e.off)
		}
	}
	slices.Sort(starts)
	// In object number order: an object read resolves others through
	// st's cache and within the chain limit, so the order decides what a
	// deep chain reads (map order made one file rebuild or not from run
	// to run, found by FuzzIntake).
	for _, num := range slices.Sorted(maps.Keys(s.entries)) {
		e := s.entries[num]
		var o object
		switch e.kind {
		case 1:
			next := int64(len(f.b))
			if i, _ := slices.BinarySearch(starts, e.off+1); i < len(starts) {
				next = starts[i]
			}
			r, taken, why, err := f.takenAt(st, e.off, next)
			if err == nil && why == overrunDamage && r.Num == num {
				remade[num] = nil // null, as readers take it
				continue
			}
			if err == nil && why != "" && r.Num == num {
				o = taken
			}
		case 2:
			o = f.memberTaken(st, num, e)
		}
		if o != nil {
			remade[num] = o
			st.cache[num] = o // the page tree is read as taken
		}
	}
	fixes, _ := st.pageTreeFixes()
	for num, d := range fixes {
		remade[num] = d
	}
	var out bytes.Buffer
	for _, num := range slices.Sorted(maps.Keys(remade)) {
		if err := f.bud.spend(1); err != nil {
			return nil, err
		}
		gen := 0
		if e := s.entries[num]; e.kind == 1 {
			gen = e.gen
		}
		out.WriteString("\n")
		at := int64(len(f.b) + out.Len())
		fmt.Fprintf(&out, "%d %d obj\n", num, gen)
		if err := writeObject(&out, remade[num]); err != nil {
			return nil, fmt.Errorf("object %d cannot be written again: %w", num, err)
		}
		out.WriteString("\nendobj\n")
		s.entries[num] = entry{kind: 1, off: at, gen: gen}
	}
	return out.Bytes(), nil
}

// writeObject writes o in PDF syntax: strings in hex, names with the
// characters that need it escaped, a dictionary's keys in order, a
// stream's /Length its data's.
func writeObject(w *bytes.Buffer, o object) error {
	switch v := o.(type) {
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(v))
	case int64:
		w.WriteString(strconv.FormatInt(v, 10))
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return fmt.Errorf("the number %v", v)
		}
		w.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	case pdfString:
		fmt.Fprintf(w, "<%x>", string(v))
	case name:
		writeName(w, string(v))
	case ref:
		fmt.Fprintf(w, "%d %d R", v.Num, v.Gen)
	case []object:
		w.WriteString("[")
		for i, e := range v {
			if i > 0 {
				w.WriteString(" ")
			}
			if err := writeObject(w, e); err != nil {
				return err
			}
		}
		w.WriteString("]")
	case dict:
		return writeDict(w, v, nil)
	case *stream:
		if err := writeDict(w, v.Dict, v.Raw); err != nil {
			return err
		}
		w.WriteString("\nstream\n")
		w.Write(v.Raw)
		w.WriteString("\nendstream")
	default:
		return fmt.Errorf("a value of type %T", o)
	}
	return nil
}

// writeDict writes d, keys in order; with data (a stream's), /Length is
// its length.
func writeDict(w *bytes.Buffer, d dict, data []byte) error {
	keys := make([]string, 0, len(d))
	for k := range d {
		if data == nil || k != "Length" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	w.WriteString("<<")
	for _, k := range keys {
		w.WriteString(" ")
		writeName(w, k)
		w.WriteString(" ")
		if err := writeObject(w, d[k]); err != nil {
			return err
		}
	}
	if data != nil {
		fmt.Fprintf(w, " /Length %d", len(data))
	}
	w.WriteString(" >>")
	return nil
}

// writeName writes /n, with #xx for what is not a regular character in
// the printable range, and for '#'.
func writeName(w *bytes.Buffer, n string) {
	w.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '!' || c > '~' || c == '#' || !isRegular(c) {
			fmt.Fprintf(w, "#%02X", c)
			continue
		}
		w.WriteByte(c)
	}
}
