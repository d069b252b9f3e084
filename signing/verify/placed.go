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
		if n, ok := f.headers[e.off]; ok && n == num {
			continue
		}
		if n, ok := f.headers[e.off+int64(f.hdr)]; ok && n == num && f.hdr != 0 {
			continue
		}
		first = num
	}
	if first < 0 {
		return ""
	}
	return fmt.Sprintf("object %d is not at the offset its cross-reference entry gives", first)
}
