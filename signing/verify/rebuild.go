package verify

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// RebuildXref makes again, by scanning, the cross-reference data of a PDF
// whose own is damaged (a startxref or offsets that miss, a table or
// stream that cannot be read, rows of the wrong size), as viewers and qpdf
// do when they open such a file. The document returned is pdf from its
// header (what comes before is not part of it) followed by one complete
// cross-reference section without /Prev, listing every object the scan
// found — the last definition in the file wins, the members of object
// streams included — with the trailer's /Root, /Info and /ID. Nothing of
// the file changes; its own cross-reference data is no longer read.
//
// The rebuilt file is then read as any other, and refused (an error
// saying why) when the scan cannot stand for the document: no catalog, an
// encrypted file, or an object that the document uses (reached from its
// catalog or its information dictionary) that is not in the file, or
// cannot be read — a file cut short, or whose damage goes beyond its
// cross-reference data. An error wrapping ErrLimit means the file is past
// lim.
func RebuildXref(pdf []byte, lim Limits) (doc []byte, err error) {
	hdr := headerOffset(pdf)
	if hdr < 0 {
		return nil, errors.New("not a PDF file (no %PDF- header in the first 1024 bytes)")
	}
	f := newPDFFile(pdf, hdr, &lim)
	f.bud = newBudget(&lim, len(pdf))
	s, err := f.scanSection()
	if err != nil {
		return nil, err
	}
	f.addListed(s, lim)
	if s.trailer["Encrypt"] != nil {
		return nil, errors.New("the file is encrypted")
	}
	if _, ok := s.trailer["Root"].(ref); !ok {
		return nil, errors.New("no document catalog found")
	}
	remade, err := f.remake(s)
	if err != nil {
		return nil, err
	}
	section := writeSection(s, hdr, len(pdf)-hdr+len(remade))
	doc = make([]byte, 0, len(pdf)-hdr+len(remade)+len(section))
	doc = append(append(append(doc, pdf[hdr:]...), remade...), section...)
	g, err := parseFileLimits(doc, lim)
	if err != nil {
		return nil, err
	}
	if g.damaged != "" {
		return nil, fmt.Errorf("the rebuilt cross-reference data cannot be read: %s", g.damaged)
	}
	if err := g.states[0].complete(); err != nil {
		return nil, err
	}
	return doc, nil
}

// addListed adds to s the objects that the file's own cross-reference
// data places where their header is and that the scan did not find: a
// header glued to the bytes before it is none to a scan (Ghostscript
// 10.00.0 cuts a string short and writes the next object right after
// it, "(\xfe\xff23 0 obj"), but readers that trust the data read it.
func (f *pdfFile) addListed(s *section, lim Limits) {
	g, err := parseFileLimits(f.b, lim)
	if err != nil || len(g.states) == 0 {
		return
	}
	for num, e := range g.states[0].entries {
		if _, ok := s.entries[num]; ok || num <= 0 || e.kind != 1 {
			continue
		}
		for _, at := range []int64{e.off, e.off + int64(f.hdr)} {
			if f.headerAt(at, num, e.gen) {
				s.entries[num] = entry{kind: 1, off: at, gen: e.gen}
				break
			}
		}
	}
}

// headerAt says whether "num gen obj" is at offset at.
func (f *pdfFile) headerAt(at int64, num, gen int) bool {
	if at < 0 || at >= int64(len(f.b)) {
		return false
	}
	l := f.lexer(f.b, int(at))
	var t [3]any
	for i := range t {
		var err error
		if t[i], err = l.token(); err != nil {
			return false
		}
	}
	return t[0] == int64(num) && t[1] == int64(gen) && t[2] == keyword("obj")
}

// complete checks that every object reached from the trailer's /Root and
// /Info is listed and reads.
func (s *state) complete() error {
	seen := map[int]bool{}
	var todo []object
	for _, k := range []string{"Root", "Info"} {
		if v := s.trailer[k]; v != nil {
			todo = append(todo, v)
		}
	}
	for len(todo) > 0 {
		o := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		switch v := o.(type) {
		case ref:
			if seen[v.Num] {
				continue
			}
			seen[v.Num] = true
			if e, ok := s.entries[v.Num]; !ok || e.kind == 0 {
				return fmt.Errorf("object %d, which the document uses, is not in the file (is the file cut short?)", v.Num)
			}
			got, err := s.get(v.Num)
			if err != nil {
				return fmt.Errorf("object %d, which the document uses, cannot be read: %w", v.Num, err)
			}
			todo = append(todo, got)
		case []object:
			todo = append(todo, v...)
		case dict:
			todo = appendValues(todo, v)
		case *stream:
			todo = appendValues(todo, v.Dict)
		}
	}
	return nil
}

// appendValues appends d's values to todo in the order of their keys: a
// walk in map order read a deep chain of objects in a different order
// from run to run, within the chain limit or past it.
func appendValues(todo []object, d dict) []object {
	for _, k := range slices.Sorted(maps.Keys(d)) {
		todo = append(todo, d[k])
	}
	return todo
}

// writeSection writes s as the complete cross-reference section of a
// document of size bytes whose offsets count from hdr: a table when every
// object is at an offset, a stream (PDF 1.5) when some are in object
// streams.
func writeSection(s *section, hdr, size int) []byte {
	high := 0
	stream := false
	for num, e := range s.entries {
		high = max(high, num)
		stream = stream || e.kind == 2
	}
	var w bytes.Buffer
	w.WriteString("\n")
	at := size + w.Len()
	listed := func(num int) entry {
		e, ok := s.entries[num]
		if !ok || num == 0 || (e.kind == 1 && e.off < int64(hdr)) {
			return entry{}
		}
		if e.kind == 1 {
			e.off -= int64(hdr)
		}
		return e
	}
	tr := trailerEntries(s.trailer)
	if !stream {
		fmt.Fprintf(&w, "xref\n0 %d\n", high+1)
		for num := 0; num <= high; num++ {
			e := listed(num)
			switch {
			case num == 0:
				fmt.Fprintf(&w, "%010d 65535 f\r\n", nextFree(s, 0, high))
			case e.kind == 0:
				fmt.Fprintf(&w, "%010d 00001 f\r\n", nextFree(s, num, high))
			default:
				fmt.Fprintf(&w, "%010d %05d n\r\n", e.off, e.gen)
			}
		}
		fmt.Fprintf(&w, "trailer\n<< /Size %d%s >>\nstartxref\n%d\n%%%%EOF\n", high+1, tr, at)
		return w.Bytes()
	}
	self := high + 1
	offW := byteWidth(int64(at))
	var rows []byte
	for num := 0; num <= self; num++ {
		e := listed(num)
		if num == self {
			e = entry{kind: 1, off: int64(at)}
		}
		var row [1 + 8 + 4]byte
		row[0] = e.kind
		binary.BigEndian.PutUint64(row[1:9], uint64(e.off))
		binary.BigEndian.PutUint32(row[9:], uint32(max(e.gen, 0)))
		rows = append(rows, row[0])
		rows = append(rows, row[9-offW:9]...)
		rows = append(rows, row[11:13]...)
	}
	fmt.Fprintf(&w, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 %d 2] /Length %d%s >>\nstream\n", self, self+1, offW, len(rows), tr)
	w.Write(rows)
	fmt.Fprintf(&w, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", at)
	return w.Bytes()
}

// nextFree is the number of the next free object after num (0 after the
// last), which a free entry names.
func nextFree(s *section, num, high int) int {
	for n := num + 1; n <= high; n++ {
		if e, ok := s.entries[n]; !ok || e.kind == 0 {
			return n
		}
	}
	return 0
}

// byteWidth is the number of bytes v takes (at least 1).
func byteWidth(v int64) int {
	n := 1
	for v >= 256 {
		v >>= 8
		n++
	}
	return n
}

// trailerEntries writes the /Root, /Info and /ID of trailer t, each when
// it has the form a trailer needs.
func trailerEntries(t dict) string {
	var b bytes.Buffer
	for _, k := range []string{"Root", "Info"} {
		if r, ok := t[k].(ref); ok {
			fmt.Fprintf(&b, " /%s %d %d R", k, r.Num, r.Gen)
		}
	}
	if id, ok := t["ID"].([]object); ok && len(id) == 2 {
		a, ok1 := id[0].(pdfString)
		c, ok2 := id[1].(pdfString)
		if ok1 && ok2 {
			fmt.Fprintf(&b, " /ID [<%x> <%x>]", string(a), string(c))
		}
	}
	return b.String()
}
