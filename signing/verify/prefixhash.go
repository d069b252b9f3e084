package verify

import (
	"crypto"
	"hash"
	"slices"
)

// prefixDigests computes the digests of a file's signed byte ranges,
// hashing what they have in common once. Every range starts at byte 0,
// and its first piece ends where its signature value begins; a later
// revision's range covers that value and everything before it. The
// issued PDF's three ranges (layer 1, layer 2, the document time-stamp)
// hashed one by one read the first revision three times and layer 2's
// twice; here the file is hashed once, from byte 0 to the last range's
// signature value, a copy of the hash state kept at each range's value
// (stops), and each digest is its copy fed with the range's second piece.
// The bytes that make each digest are exactly those of its range: only
// the work on the shared first bytes is not repeated.
type prefixDigests struct {
	file  []byte
	stops []int64 // the first pieces' ends (r[1]), ascending, unique
	runs  map[crypto.Hash]*prefixRun
	// hashed counts the bytes written to hash states (tests).
	hashed int64
}

// prefixRun is the hashing of the file from byte 0 with one algorithm: at
// the offset it reached, and the states at the stops it passed.
type prefixRun struct {
	h      hash.Hash
	at     int64
	states map[int64]hash.Hash
}

// maxPrefixStops bounds the states kept for one file (a few hundred bytes
// each); a range past it is hashed on its own, as before.
const maxPrefixStops = 256

// newPrefixDigests prepares the digests of ranges; those that do not
// start at 0 or end outside file are left to ByteRange.Digest.
func newPrefixDigests(file []byte, ranges []ByteRange) *prefixDigests {
	p := &prefixDigests{file: file, runs: map[crypto.Hash]*prefixRun{}}
	for _, r := range ranges {
		if r[0] == 0 && r[1] >= 0 && r[1] <= int64(len(file)) {
			p.stops = append(p.stops, r[1])
		}
	}
	slices.Sort(p.stops)
	p.stops = slices.Compact(p.stops)
	if len(p.stops) > maxPrefixStops {
		p.stops = p.stops[:maxPrefixStops]
	}
	return p
}

// digest is r.Digest(p.file, h). r must have passed CheckByteRange on
// the file.
func (p *prefixDigests) digest(r ByteRange, h crypto.Hash) []byte {
	var d hash.Hash
	if r[0] == 0 {
		d = p.stateAt(r[1], h)
	}
	if d == nil {
		p.hashed += r[1] + r[3]
		return r.Digest(p.file, h)
	}
	piece := p.file[r[2] : r[2]+r[3]]
	p.hashed += int64(len(piece))
	d.Write(piece)
	return d.Sum(nil)
}

// stateAt returns a copy of the state of h after the file's first at
// bytes, or nil when at is not a stop or h cannot be copied.
func (p *prefixDigests) stateAt(at int64, h crypto.Hash) hash.Hash {
	if _, ok := slices.BinarySearch(p.stops, at); !ok || !h.Available() {
		return nil
	}
	run := p.runs[h]
	if run == nil {
		run = &prefixRun{h: h.New(), states: map[int64]hash.Hash{}}
		if _, ok := run.h.(hash.Cloner); !ok {
			return nil
		}
		p.runs[h] = run
	}
	for _, s := range p.stops {
		if s > at {
			break
		}
		if _, done := run.states[s]; done {
			continue // stops before run.at are all kept
		}
		run.h.Write(p.file[run.at:s])
		p.hashed += s - run.at
		run.at = s
		c, err := run.h.(hash.Cloner).Clone()
		if err != nil {
			return nil
		}
		run.states[s] = c
	}
	st, ok := run.states[at]
	if !ok {
		return nil
	}
	c, err := st.(hash.Cloner).Clone()
	if err != nil {
		return nil
	}
	return c
}
