package signing

import "encoding/binary"

// The cmap subtables of a TrueType program, read here rather than by sfnt:
// sfnt looks characters up in the one subtable it picks (the widest, the
// first of equal width), which for a symbolic font is the (3,0) table of
// codes 0xF020…, before a (3,1) table of characters, and for a subset with
// only a Mac (1,0) table is that table of codes. A simple TrueType font
// needs both kinds, each for what it is: the (3,0) or (1,0) table maps the
// PDF's codes to glyphs, a Unicode table (inverted) the glyphs to text.

// maxCmapSubtables bounds the subtables read (fonts have a handful).
const maxCmapSubtables = 64

// cmapTable is one subtable: platform, encoding, and where its data is.
type cmapTable struct {
	pid, eid uint16
	b        []byte // the subtable, from its format field to the cmap's end
}

// programTable is the table tag of the TrueType program b (nil: none,
// or the directory does not read).
func programTable(b []byte, tag string) []byte {
	if len(b) < 12 {
		return nil
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if n > maxProgramTables || 12+16*n > len(b) {
		return nil
	}
	for k := range n {
		rec := b[12+16*k:]
		if string(rec[:4]) != tag {
			continue
		}
		off, length := uint64(binary.BigEndian.Uint32(rec[8:])), uint64(binary.BigEndian.Uint32(rec[12:]))
		if off+length > uint64(len(b)) {
			return nil
		}
		return b[off : off+length]
	}
	return nil
}

// cmapTables is the subtables of the program b's cmap.
func cmapTables(b []byte) []cmapTable {
	c := programTable(b, "cmap")
	if len(c) < 4 {
		return nil
	}
	n := min(int(binary.BigEndian.Uint16(c[2:])), maxCmapSubtables)
	var out []cmapTable
	for k := 0; k < n && 4+8*k+8 <= len(c); k++ {
		rec := c[4+8*k:]
		off := uint64(binary.BigEndian.Uint32(rec[4:]))
		if off+2 > uint64(len(c)) {
			continue
		}
		out = append(out, cmapTable{pid: binary.BigEndian.Uint16(rec), eid: binary.BigEndian.Uint16(rec[2:]), b: c[off:]})
	}
	return out
}

// find is the first of ts of platform pid and encoding eid (nil: none).
func findCmap(ts []cmapTable, pid, eid uint16) *cmapTable {
	for i := range ts {
		if ts[i].pid == pid && ts[i].eid == eid && ts[i].glyph(0) >= 0 {
			return &ts[i]
		}
	}
	return nil
}

// unicodeCmap is the widest Unicode subtable of ts: (3,10), (0,4), (0,6),
// (3,1), (0,3) or another of platform 0 (nil: none).
func unicodeCmap(ts []cmapTable) *cmapTable {
	for _, pe := range [][2]uint16{{3, 10}, {0, 4}, {0, 6}, {3, 1}, {0, 3}, {0, 2}, {0, 1}, {0, 0}} {
		if t := findCmap(ts, pe[0], pe[1]); t != nil {
			return t
		}
	}
	return nil
}

// glyph is the glyph ID t maps c to: 0 for none, -1 when t's format is
// not one read here (0, 4, 6, 12) or its data does not read.
func (t *cmapTable) glyph(c uint32) int {
	b := t.b
	u16 := func(i int) int {
		if i < 0 || i+2 > len(b) {
			return -1
		}
		return int(binary.BigEndian.Uint16(b[i:]))
	}
	switch u16(0) {
	case 0:
		if len(b) < 6+256 {
			return -1
		}
		if c > 255 {
			return 0
		}
		return int(b[6+c])
	case 4:
		return cmap4Glyph(b, c, u16)
	case 6:
		first, count := u16(6), u16(8)
		if first < 0 || count < 0 || 10+2*count > len(b) {
			return -1
		}
		if c < uint32(first) || c >= uint32(first+count) {
			return 0
		}
		return u16(10 + 2*int(c-uint32(first)))
	case 12:
		return cmap12Glyph(b, c)
	}
	return -1
}

// cmap4Glyph looks c up in the format 4 subtable b.
func cmap4Glyph(b []byte, c uint32, u16 func(int) int) int {
	segs := u16(6) / 2
	if segs <= 0 || 16+8*segs > len(b) {
		return -1
	}
	if c > 0xFFFF {
		return 0
	}
	ends, starts, deltas, ranges := 14, 16+2*segs, 16+4*segs, 16+6*segs
	for s := range segs {
		if int(c) > u16(ends+2*s) {
			continue
		}
		start := u16(starts + 2*s)
		if int(c) < start {
			return 0
		}
		delta, ro := u16(deltas+2*s), u16(ranges+2*s)
		if ro == 0 {
			return (int(c) + delta) & 0xFFFF
		}
		g := u16(ranges + 2*s + ro + 2*(int(c)-start))
		if g <= 0 {
			return 0
		}
		return (g + delta) & 0xFFFF
	}
	return 0
}

// cmap12Glyph looks c up in the format 12 subtable b.
func cmap12Glyph(b []byte, c uint32) int {
	if len(b) < 16 {
		return -1
	}
	n := uint64(binary.BigEndian.Uint32(b[12:]))
	if 16+12*n > uint64(len(b)) {
		return -1
	}
	for k := range int(n) {
		g := b[16+12*k:]
		lo, hi := binary.BigEndian.Uint32(g), binary.BigEndian.Uint32(g[4:])
		if c >= lo && c <= hi {
			if g := uint64(binary.BigEndian.Uint32(g[8:])) + uint64(c-lo); g <= 0xFFFF {
				return int(g)
			}
			return 0
		}
	}
	return 0
}

// simpleCodes is the glyph ID of each code of a simple TrueType font by
// its program b: the (3,0) subtable's (a code at 0xF000, 0xF100 or 0xF200
// above itself, or itself, as readers look symbolic fonts up), else the
// (1,0) subtable's; false when b has neither.
func simpleCodes(b []byte) (codes [256]int32, ok bool) {
	ts := cmapTables(b)
	if t := findCmap(ts, 3, 0); t != nil {
		for c := range uint32(256) {
			for _, base := range []uint32{0xF000, 0xF100, 0xF200, 0} {
				if g := t.glyph(base + c); g > 0 {
					codes[c] = int32(g)
					break
				}
			}
		}
		return codes, true
	}
	if t := findCmap(ts, 1, 0); t != nil {
		for c := range uint32(256) {
			codes[c] = int32(max(t.glyph(c), 0))
		}
		return codes, true
	}
	return codes, false
}
