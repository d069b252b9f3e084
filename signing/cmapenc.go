package signing

import (
	"strconv"
)

// A Type0 font's /Encoding is usually a name (Identity-H: two bytes a
// code, the code is the CID) but may be a CMap stream of the file's own:
// Ghostscript's pdfwrite writes "OneByteIdentityH" (codespace <00> <FF>)
// for the fonts of a PDF/A, and CJK producers mix 1- and 2-byte codes.
// Read two bytes a code, such a font's text came out as nothing.

// codespace is one codespace range of a CMap: codes of n bytes whose
// every byte lies between lo's and hi's.
type codespace struct {
	n      int
	lo, hi [4]byte
}

// holds says whether b starts with a code of the range.
func (r codespace) holds(b []byte) bool {
	if len(b) < r.n {
		return false
	}
	for k := range r.n {
		if b[k] < r.lo[k] || b[k] > r.hi[k] {
			return false
		}
	}
	return true
}

// maxCodespaces bounds the ranges kept, which codeLen tries for every
// code shown: Adobe's CMaps have at most a handful; a file's thousands
// would make reading its text quadratic.
const maxCodespaces = 16

// embeddedCMap reads an embedded CMap's codespace ranges and its map from
// codes to CIDs (cidrange, cidchar; nil when it has neither: the CID is
// the code, as under "usecmap /Identity-H"). Unreadable entries are
// skipped; no codespace range at all leaves spaces nil (two bytes).
func embeddedCMap(data []byte) (spaces []codespace, cids *codeMap[uint32]) {
	var defs []codeSeg[uint32]
	toks := cmapTokens(data)
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "begincodespacerange":
			for i++; i+1 < len(toks) && toks[i] != "endcodespacerange"; i += 2 {
				if r, ok := codespaceOf(toks[i], toks[i+1]); ok && len(spaces) < maxCodespaces {
					spaces = append(spaces, r)
				}
			}
		case "begincidrange":
			for i++; i+2 < len(toks) && toks[i] != "endcidrange"; i += 3 {
				lo, ok1 := hexCode(toks[i])
				hi, ok2 := hexCode(toks[i+1])
				cid, err := strconv.ParseUint(toks[i+2], 10, 32)
				if ok1 && ok2 && err == nil && hi >= lo {
					defs = append(defs, codeSeg[uint32]{lo: lo, hi: hi, base: lo, v: uint32(cid)})
				}
			}
		case "begincidchar":
			for i++; i+1 < len(toks) && toks[i] != "endcidchar"; i += 2 {
				c, ok := hexCode(toks[i])
				cid, err := strconv.ParseUint(toks[i+1], 10, 32)
				if ok && err == nil {
					defs = append(defs, codeSeg[uint32]{lo: c, hi: c, base: c, v: uint32(cid)})
				}
			}
		}
	}
	if len(defs) > 0 {
		m := newCodeMap(defs)
		cids = &m
	}
	return spaces, cids
}

// codespaceOf is the range <lo> <hi>: both of the same length, 1 to 4
// bytes.
func codespaceOf(lo, hi string) (codespace, bool) {
	l, ok1 := hexBytes(lo)
	h, ok2 := hexBytes(hi)
	if !ok1 || !ok2 || len(l) != len(h) || len(l) < 1 || len(l) > 4 {
		return codespace{}, false
	}
	r := codespace{n: len(l)}
	copy(r.lo[:], l)
	copy(r.hi[:], h)
	return r, true
}
