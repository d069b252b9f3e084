package signing

import (
	"cmp"
	"container/heap"
	"slices"
)

// codeMap maps a font's character codes to values (a ToUnicode CMap's
// text, a CID font's widths) through sorted, disjoint ranges, without an
// entry per code: one bfrange line (<0000> <FFFF> <0000>, the identity
// map go-pdf/fpdf and gofpdf write for every embedded font) or one /W
// triple (c_first c_last w) covers up to 65,536 codes. Filling a Go map
// code by code made such a font cost ≈ 12 ms, 11 MB and 66,000
// allocations at each load, for every font of every page the layout
// detection reads at each upload (a 3-page decision from fpdf: 45–63 ms
// per upload, nearly all of the server's CPU for its whole lifecycle),
// and let a hostile file multiply that by its number of ranges. A map
// built here costs O(n log n) in the n definitions the file spells out
// (fpdf's identity map: 3 µs), and a look-up O(log n).
type codeMap[V any] struct {
	segs []codeSeg[V] // disjoint, sorted by lo
}

// codeSeg maps the codes lo..hi. base is the first code of the
// definition the segment comes from (a later definition may have cut its
// start off): a ToUnicode range offsets its text by code-base.
type codeSeg[V any] struct {
	lo, hi, base uint32
	v            V
}

// newCodeMap returns the map of defs, given in the order the file defines
// them, each with base = lo. Where definitions overlap, the later one
// wins, as when a map is filled in that order.
func newCodeMap[V any](defs []codeSeg[V]) codeMap[V] {
	order := make([]int, len(defs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(defs[a].lo, defs[b].lo) })
	disjoint := true
	for k := 1; k < len(order) && disjoint; k++ {
		disjoint = defs[order[k]].lo > defs[order[k-1]].hi
	}
	if disjoint { // the usual case: every definition is a segment
		segs := make([]codeSeg[V], len(order))
		for k, i := range order {
			segs[k] = defs[i]
		}
		return codeMap[V]{segs: segs}
	}
	// Overlaps: sweep the elementary intervals between the definitions'
	// bounds; each belongs to the latest definition covering it (a heap
	// of the definitions met so far, latest on top, those ended dropped
	// when they come to the top).
	points := make([]uint64, 0, 2*len(defs))
	for _, d := range defs {
		points = append(points, uint64(d.lo), uint64(d.hi)+1)
	}
	slices.Sort(points)
	points = slices.Compact(points)
	var (
		segs []codeSeg[V]
		met  latestFirst
		next int
		last = -1 // the definition of segs' last segment
	)
	for k := 0; k+1 < len(points); k++ {
		p := points[k]
		for next < len(order) && uint64(defs[order[next]].lo) <= p {
			heap.Push(&met, order[next])
			next++
		}
		for met.Len() > 0 && uint64(defs[met[0]].hi) < p {
			heap.Pop(&met)
		}
		if met.Len() == 0 {
			continue
		}
		i := met[0]
		lo, hi := uint32(p), uint32(points[k+1]-1)
		if n := len(segs); n > 0 && last == i && uint64(segs[n-1].hi)+1 == p {
			segs[n-1].hi = hi
			continue
		}
		segs = append(segs, codeSeg[V]{lo: lo, hi: hi, base: defs[i].base, v: defs[i].v})
		last = i
	}
	return codeMap[V]{segs: segs}
}

// get returns the segment holding code c. It runs for every glyph read
// (its text, its width): the search is sort.Search's, written out.
func (m codeMap[V]) get(c uint32) (codeSeg[V], bool) {
	i, j := 0, len(m.segs) // the first segment with hi >= c is in [i, j]
	for i < j {
		h := int(uint(i+j) >> 1)
		if m.segs[h].hi < c {
			i = h + 1
		} else {
			j = h
		}
	}
	if i == len(m.segs) || m.segs[i].lo > c {
		return codeSeg[V]{}, false
	}
	return m.segs[i], true
}

// latestFirst is a max-heap of definition indexes.
type latestFirst []int

func (h latestFirst) Len() int           { return len(h) }
func (h latestFirst) Less(i, j int) bool { return h[i] > h[j] }
func (h latestFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *latestFirst) Push(x any)        { *h = append(*h, x.(int)) }
func (h *latestFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
