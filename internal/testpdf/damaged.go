package testpdf

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
)

// Damage is one way the cross-reference data of a file is found damaged in
// the wild, applied to a sound file of one revision (Make, MakeDraft,
// ObjStm). Apply returns nil when the damage does not apply to the file
// (a table's entries, say, in a file that has an xref stream).
type Damage struct {
	Name  string
	Apply func(pdf []byte) []byte
}

// Damages lists the damages readers (viewers, qpdf) repair by scanning the
// file for its objects: every object is there, only the data that says
// where is wrong or missing.
func Damages() []Damage {
	return []Damage{
		// startxref misses its section by a few bytes (a writer that counts
		// a line end it did not write).
		{"startxref-misses", func(pdf []byte) []byte { return withStartxref(pdf, func(off int) int { return off + 3 }) }},
		// startxref 0: a writer that never filled it in.
		{"startxref-zero", func(pdf []byte) []byte { return withStartxref(pdf, func(int) int { return 0 }) }},
		// A line added after the header (a gateway or an editor that added
		// a comment): every offset is off by its length.
		{"shifted", shifted},
		// The cross-reference table is gone; the trailer stays.
		{"table-gone", tableGone},
		// Two in-use entries of the table give each other's offsets.
		{"entries-swapped", entriesSwapped},
		// Nothing after the last object but %%EOF: no table, no trailer,
		// no startxref (a writer that stopped before its end).
		{"no-xref-no-trailer", func(pdf []byte) []byte {
			i := bytes.LastIndex(pdf, []byte("endobj"))
			if i < 0 {
				return nil
			}
			return append(bytes.Clone(pdf[:i+len("endobj")]), "\n%%EOF\n"...)
		}},
	}
}

// Truncated is pdf cut in the middle of its last stream, "%%EOF" added: a
// download cut short, which no reconstruction makes whole.
func Truncated(pdf []byte) []byte {
	i := bytes.LastIndex(pdf, []byte("endstream"))
	j := bytes.LastIndex(pdf[:max(i, 0)], []byte("stream"))
	if i < 0 || j < 0 {
		return nil
	}
	return append(bytes.Clone(pdf[:(j+i)/2]), "\n%%EOF\n"...)
}

func withStartxref(pdf []byte, f func(int) int) []byte {
	i := bytes.LastIndex(pdf, []byte("startxref"))
	if i < 0 {
		return nil
	}
	var off int
	if _, err := fmt.Sscan(string(pdf[i+len("startxref"):]), &off); err != nil {
		return nil
	}
	return append(bytes.Clone(pdf[:i]), fmt.Sprintf("startxref\n%d\n%%%%EOF\n", f(off))...)
}

func shifted(pdf []byte) []byte {
	h := bytes.Index(pdf, []byte("%PDF-"))
	nl := bytes.IndexByte(pdf[max(h, 0):], '\n')
	if h < 0 || nl < 0 {
		return nil
	}
	at := h + nl + 1
	out := append(bytes.Clone(pdf[:at]), "% saved by a mail gateway\n"...)
	return append(out, pdf[at:]...)
}

func tableGone(pdf []byte) []byte {
	x := bytes.LastIndex(pdf, []byte("\nxref"))
	t := bytes.LastIndex(pdf, []byte("trailer"))
	if x < 0 || t < x {
		return nil
	}
	return append(bytes.Clone(pdf[:x+1]), pdf[t:]...)
}

var tableEntry = regexp.MustCompile(`(\d{10}) (\d{5}) n`)

func entriesSwapped(pdf []byte) []byte {
	x := bytes.LastIndex(pdf, []byte("\nxref"))
	t := bytes.LastIndex(pdf, []byte("trailer"))
	if x < 0 || t < x {
		return nil
	}
	table := pdf[x:t]
	locs := tableEntry.FindAllSubmatchIndex(table, -1)
	if len(locs) < 3 {
		return nil
	}
	// The second and the third object in use: the catalog and the page
	// tree, or whatever the writer numbered so.
	a, b := locs[1], locs[2]
	oa, _ := strconv.Atoi(string(table[a[2]:a[3]]))
	ob, _ := strconv.Atoi(string(table[b[2]:b[3]]))
	out := bytes.Clone(pdf)
	copy(out[x+a[2]:], fmt.Sprintf("%010d", ob))
	copy(out[x+b[2]:], fmt.Sprintf("%010d", oa))
	return out
}
