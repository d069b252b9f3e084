package testpdf

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// GlyphIDs: Type0 fonts (Identity-H, CIDFontType2) whose codes are the
// embedded TrueType program's glyph IDs, as LibreOffice, iText and print
// drivers write them, with no /ToUnicode unless Draft.ToUnicode asks for
// one: only the font program says what a code draws.
const GlyphIDs Producer = "glyph-ids"

// glyphWriter holds the objects of a GlyphIDs PDF (object i+1 is objs[i]).
type glyphWriter struct {
	d    Draft
	objs []string
	// cids are the codes of each face (regular, bold): with CIDToGID the
	// glyphs are numbered 1, 2, ... in the order the text first uses them
	// and a /CIDToGIDMap stream maps them to glyph IDs; else CID = GID.
	cids [2]map[sfnt.GlyphIndex]uint16
	fnts [2]*sfnt.Font
	buf  sfnt.Buffer
}

func (w *glyphWriter) obj(s string) int { w.objs = append(w.objs, s); return len(w.objs) }

// writeGlyphIDs writes the draft with GlyphIDs fonts.
func writeGlyphIDs(d Draft, m *metrics, items []item) ([]byte, error) {
	w := &glyphWriter{d: d, fnts: [2]*sfnt.Font{m.reg, m.bold}}
	sort.SliceStable(items, func(i, j int) bool { return items[i].y > items[j].y })
	contents := map[int]string{}
	for pg := 1; pg <= d.Pages; pg++ {
		c, err := w.content(pg, items)
		if err != nil {
			return nil, err
		}
		contents[pg] = c
	}
	f1 := w.font(0, d.Regular, "AAAAAA+Tinos")
	f2 := w.font(1, d.Bold, "AAAAAB+Tinos-Bold")
	pagesID := w.obj("")
	var kids strings.Builder
	for pg := 1; pg <= d.Pages; pg++ {
		cs := w.obj(Stream("", []byte(contents[pg])))
		fmt.Fprintf(&kids, " %d 0 R", w.obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>",
			pagesID, pageW, pageH, f1, f2, cs)))
	}
	w.objs[pagesID-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s ] /Count %d >>", kids.String(), d.Pages)
	cat := w.obj(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesID))
	out := NewWriter("1.5")
	for i, o := range w.objs {
		out.Obj(i+1, o)
	}
	return out.Table(fmt.Sprintf("/Root %d 0 R", cat), -1), nil
}

// code is the code of r in face i.
func (w *glyphWriter) code(i int, r rune) (uint16, error) {
	g, err := w.fnts[i].GlyphIndex(&w.buf, r)
	if err != nil || g == 0 {
		return 0, fmt.Errorf("the font has no glyph for %q", r)
	}
	if !w.d.CIDToGID {
		return uint16(g), nil
	}
	if w.cids[i] == nil {
		w.cids[i] = map[sfnt.GlyphIndex]uint16{}
	}
	c, ok := w.cids[i][g]
	if !ok {
		c = uint16(len(w.cids[i]) + 1)
		w.cids[i][g] = c
	}
	return c, nil
}

// content is page pg's content stream: each line one hex string.
func (w *glyphWriter) content(pg int, items []item) (string, error) {
	var b strings.Builder
	for _, it := range items {
		if it.page != pg {
			continue
		}
		face, res := 0, "/F1"
		if it.bold {
			face, res = 1, "/F2"
		}
		fmt.Fprintf(&b, "BT %s %.2f Tf 1 0 0 1 %.2f %.2f Tm <", res, it.size, it.x, it.y)
		for _, r := range it.text {
			c, err := w.code(face, r)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%04X", c)
		}
		b.WriteString("> Tj ET\n")
	}
	return b.String(), nil
}

// used is face i's glyphs and their codes, in code order.
func (w *glyphWriter) used(i int) (gids []sfnt.GlyphIndex, codes []uint16) {
	for g, c := range w.cids[i] {
		gids, codes = append(gids, g), append(codes, c)
	}
	sort.Slice(gids, func(a, b int) bool { return w.cids[i][gids[a]] < w.cids[i][gids[b]] })
	sort.Slice(codes, func(a, b int) bool { return codes[a] < codes[b] })
	return gids, codes
}

// font adds face i (the whole TrueType program embedded) and returns its
// object number.
func (w *glyphWriter) font(i int, program []byte, name string) int {
	if w.d.MisalignedProgram {
		program = misalignTables(program)
	}
	file, sub, gidMap := 0, "CIDFontType2", "/Identity"
	if w.d.CFF != "" {
		file, sub = w.obj(Stream("/Subtype /CIDFontType0C", w.bareCFF(i))), "CIDFontType0"
	} else {
		file = w.obj(Stream(fmt.Sprintf("/Length1 %d", len(program)), program))
	}
	ff := map[string]string{"CIDFontType2": "FontFile2", "CIDFontType0": "FontFile3"}[sub]
	desc := w.obj(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [-568 -216 2046 891] /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 /%s %d 0 R >>", name, ff, file))
	var widths strings.Builder
	upem := float64(w.fnts[i].UnitsPerEm())
	width := func(g sfnt.GlyphIndex) float64 {
		adv, err := w.fnts[i].GlyphAdvance(&w.buf, g, fixed.I(int(upem)), font.HintingNone)
		if err != nil {
			return 500
		}
		return float64(adv) / 64 / upem * 1000
	}
	if w.d.CIDToGID {
		gids, codes := w.used(i)
		m := make([]byte, 2*(len(codes)+1))
		widths.WriteString("1 [")
		for k, g := range gids {
			m[2*codes[k]], m[2*codes[k]+1] = byte(g>>8), byte(g)
			fmt.Fprintf(&widths, " %.0f", width(g))
		}
		widths.WriteString(" ]")
		gidMap = fmt.Sprintf("%d 0 R", w.obj(Stream("", m)))
	} else {
		n := w.fnts[i].NumGlyphs()
		widths.WriteString("0 [")
		for g := 0; g < n; g++ {
			fmt.Fprintf(&widths, " %.0f", width(sfnt.GlyphIndex(g)))
		}
		widths.WriteString(" ]")
	}
	gidRef := " /CIDToGIDMap " + gidMap
	if sub == "CIDFontType0" {
		gidRef = ""
	}
	cid := w.obj(fmt.Sprintf("<< /Type /Font /Subtype /%s /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 500 /W [%s]%s >>",
		sub, name, desc, widths.String(), gidRef))
	tu := ""
	if w.d.ToUnicode == "ascii" {
		tu = fmt.Sprintf(" /ToUnicode %d 0 R", w.obj(Stream("", []byte(w.asciiToUnicode(i)))))
	}
	return w.obj(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R]%s >>", name, cid, tu))
}

// asciiToUnicode is a /ToUnicode CMap of face i that maps the codes of
// the printable ASCII characters only: a map stripped of every
// Vietnamese letter.
func (w *glyphWriter) asciiToUnicode(i int) string {
	var bf strings.Builder
	n := 0
	for r := rune(0x20); r < 0x7F; r++ {
		g, err := w.fnts[i].GlyphIndex(&w.buf, r)
		c, ok := uint16(g), err == nil && g != 0
		if w.d.CIDToGID {
			c, ok = w.cids[i][g]
		}
		if !ok {
			continue
		}
		fmt.Fprintf(&bf, "<%04X> <%04X>\n", c, r)
		n++
	}
	return fmt.Sprintf("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n/CMapName /Adobe-Identity-UCS def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n%d beginbfchar\n%sendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n", n, bf.String())
}

// misalignTables rewrites a TrueType program with each table two bytes
// after a four-byte boundary (libharu 2.3's subsets start tables where
// the one before ends): the table directory's offsets say where.
func misalignTables(b []byte) []byte {
	n := int(binary.BigEndian.Uint16(b[4:]))
	dir := 12 + 16*n
	out := append([]byte(nil), b[:dir]...)
	offs := make([]uint32, n)
	for k := range n {
		rec := b[12+16*k:]
		off, size := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		for len(out)%4 != 2 {
			out = append(out, 0)
		}
		offs[k] = uint32(len(out))
		out = append(out, b[off:off+size]...)
	}
	for k, off := range offs {
		binary.BigEndian.PutUint32(out[12+16*k+8:], off)
	}
	return out
}

// bareCFF is face i's glyphs as a bare CFF program (Draft.CFF): named by
// the TrueType program's post names, or CID-keyed.
func (w *glyphWriter) bareCFF(i int) []byte {
	f := w.fnts[i]
	gs := make([]CFFGlyph, f.NumGlyphs()-1)
	for g := range gs {
		gs[g].Code = -1
		if w.d.CFF == "cid" {
			gs[g].SID = g + 1
			continue
		}
		name, err := f.GlyphName(&w.buf, sfnt.GlyphIndex(g+1))
		if err != nil || name == "" {
			name = fmt.Sprintf("glyph%d", g+1)
		}
		gs[g].Name = name
	}
	return BareCFF(gs, w.d.CFF == "cid")
}
