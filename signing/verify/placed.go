package verify

import "slices"

// UnplacedObjects lists, in order, the objects that the newest revision's
// cross-reference data says are in use at byte offset 0 or past the end of
// pdf: numbers a writer listed but never wrote (macOS's Quartz PDFContext
// writes "0000000000 00000 n" for them). Readers find nothing there; qpdf
// warns for each ("object has offset 0"), and so for a file signed on top
// of them. An offset inside the file is not judged here: readers differ
// in what they accept around an object's header.
func UnplacedObjects(pdf []byte) ([]Unplaced, error) {
	f, err := parseFile(pdf)
	if err != nil {
		return nil, err
	}
	var out []Unplaced
	for num, e := range f.states[0].entries {
		if num > 0 && e.kind == 1 && (e.off <= 0 || e.off >= int64(len(pdf))) {
			out = append(out, Unplaced{Num: num, Gen: e.gen})
		}
	}
	slices.SortFunc(out, func(a, b Unplaced) int { return a.Num - b.Num })
	return out, nil
}

// Unplaced is an object UnplacedObjects lists: its number and generation.
type Unplaced struct{ Num, Gen int }
