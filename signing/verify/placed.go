package verify

import (
	"fmt"
	"slices"
)

// Unplaced is an object the newest revision's cross-reference data lists
// in use at byte offset 0 or past the end of the file: a number a writer
// listed but never wrote (macOS's Quartz PDFContext writes "0000000000
// 00000 n" for them). Readers find nothing there; qpdf warns for each
// ("object has offset 0"), and so for a file signed on top of them. An
// offset inside the file is not judged: readers differ in what they
// accept around an object's header.
type Unplaced struct{ Num, Gen int }

// unplaced lists f's unplaced objects, in order (PrecheckFindings).
func (f *pdfFile) unplaced() []Unplaced {
	end := int64(len(f.b) - max(f.hdr, 0)) // offsets count from the header
	var out []Unplaced
	for num, e := range f.states[0].entries {
		if num > 0 && e.kind == 1 && (e.off <= 0 || e.off >= end) {
			out = append(out, Unplaced{Num: num, Gen: e.gen})
		}
	}
	slices.SortFunc(out, func(a, b Unplaced) int { return a.Num - b.Num })
	return out
}

// rereadObjects lists the objects of the newest revision that readers
// take otherwise than they are written, in order (PrecheckFindings):
//   - a dictionary with a key more than once (Ghostscript's, gofpdf's and
//     TCPDF's resource dictionaries and catalogs): readers keep the last
//     value, and qpdf warns for each repetition;
//   - an object with nothing between "obj" and "endobj", which readers
//     take for null (qpdf warns: "empty object treated as null").
//
// Both are written again as read, in an update before layer 1 (the value
// each reader already takes), so that the signed file is not reported for
// them. A stream whose dictionary repeats a key is not listed: its data
// would have to be written again too.
//
// rereadObjects lists the empty ones with empty, the others without.
func (f *pdfFile) rereadObjects(empty bool) []Unplaced {
	var out []Unplaced
	at := func(off int64, num int) bool {
		pos, ok := f.placedAt(num, off)
		e, found := f.reread[pos]
		return ok && found && e == empty
	}
	for num, e := range f.states[0].entries {
		switch {
		case num <= 0:
		case e.kind == 1 && at(e.off, num):
			out = append(out, Unplaced{Num: num, Gen: e.gen})
		case e.kind == 2 && !empty && f.rereadInStms[num]:
			out = append(out, Unplaced{Num: num})
		}
	}
	slices.SortFunc(out, func(a, b Unplaced) int { return a.Num - b.Num })
	return out
}

// misplaced says which object, if any, the newest revision lists in use
// at an offset inside the file where precheckObjects found no object of
// its number (at the offset, or at the offset after the header); empty
// when there is none.
func (f *pdfFile) misplaced() string {
	end := int64(len(f.b) - max(f.hdr, 0))
	first := -1
	for num, e := range f.states[0].entries {
		if num <= 0 || e.kind != 1 || e.off <= 0 || e.off >= end || (first >= 0 && num > first) {
			continue
		}
		if _, ok := f.placedAt(num, e.off); !ok {
			first = num
		}
	}
	if first < 0 {
		return ""
	}
	e := f.states[0].entries[first]
	if f.objDamage[e.off] == unreadable || f.objDamage[e.off+int64(f.hdr)] == unreadable {
		return fmt.Sprintf("object %d, at the offset its cross-reference entry gives, cannot be read as written", first)
	}
	return fmt.Sprintf("object %d is not at the offset its cross-reference entry gives", first)
}

// placedAt is where precheckObjects found object num's header for an
// entry giving offset off: at off, or at off after the header; false when
// at neither.
func (f *pdfFile) placedAt(num int, off int64) (int64, bool) {
	if n, ok := f.headers[off]; ok && n == num {
		return off, true
	}
	if n, ok := f.headers[off+int64(f.hdr)]; ok && n == num && f.hdr != 0 {
		return off + int64(f.hdr), true
	}
	return 0, false
}
