package signing

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/digitorus/pdf"
)

// A text or choice field that has a value but no appearance (pdfcpu's
// choice fields, fillers that set the value only), or whose form says its
// stored appearances are stale (/NeedAppearances true: pypdf's filling,
// many web fillers), or whose appearance sets a font it has no resources
// for, is given the appearance a viewer makes for it (ISO 32000-1
// 12.7.3.3, variable text) before the form is flattened: its /MK
// background and border, then its value in its rectangle at the size and
// in the colour of its /DA, left, centred or right as /Q says, one line
// (vertically centred), wrapped lines (multiline), one letter per cell
// (comb), or for a list box its options from /TI with the selected ones
// highlighted. The letters are drawn as vector outlines of our Tinos
// (vectorText), not with the /DA font: a form's fonts (Helvetica, most
// often) seldom have the Vietnamese letters a value holds, and viewers
// then show them wrongly. Under the outlines, the same text is written
// invisibly (render mode 3) in a font that draws nothing (fieldText), with
// a /ToUnicode map, so that the value is still found, selected and copied
// as text, as an OCR layer is. Refused: a password field (its value would
// be printed), a field turned by /MK /R.

// fieldAttrs is what a widget's field says, its own entries or those it
// inherits from its parents and the form (/DA, /Q).
type fieldAttrs struct {
	ft     string
	ff     int64
	v      pdf.Value
	da     string
	q      int64
	opt    pdf.Value
	sel    pdf.Value // /I, the selected options' indices
	ti     int64
	maxLen int64
}

const (
	ffMultiline = 1 << 12
	ffPassword  = 1 << 13
	ffCombo     = 1 << 17
	ffComb      = 1 << 24
)

// inheritedField reads widget a's field attributes up its /Parent chain,
// with the form's /DA and /Q when none of them has its own.
func inheritedField(a, form pdf.Value) fieldAttrs {
	get := func(k string) pdf.Value {
		for n, d := a, 0; n.Kind() == pdf.Dict && d <= maxFieldDepth; n, d = n.Key("Parent"), d+1 {
			if v := n.Key(k); !v.IsNull() {
				return v
			}
		}
		if k == "DA" || k == "Q" {
			return form.Key(k)
		}
		return pdf.Value{}
	}
	return fieldAttrs{ft: get("FT").Name(), ff: get("Ff").Int64(), v: get("V"), da: get("DA").Text(), q: get("Q").Int64(),
		opt: get("Opt"), sel: get("I"), ti: get("TI").Int64(), maxLen: get("MaxLen").Int64()}
}

// variableText says whether the field's appearance is made from its value
// (text and choice fields).
func (f fieldAttrs) variableText() bool { return f.ft == "Tx" || f.ft == "Ch" }

// daStyle is the font size (0: auto) and fill colour a /DA string sets.
func daStyle(da string) (size float64, c color.NRGBA) {
	c = textDark
	toks := strings.Fields(da)
	num := func(i int) float64 {
		if i < 0 || i >= len(toks) {
			return 0
		}
		v, _ := strconv.ParseFloat(toks[i], 64)
		return v
	}
	ch := func(v float64) uint8 { return uint8(math.Round(255 * math.Max(0, math.Min(1, v)))) }
	for i, t := range toks {
		switch t {
		case "Tf":
			size = math.Abs(num(i - 1))
		case "g":
			g := ch(num(i - 1))
			c = color.NRGBA{R: g, G: g, B: g, A: 255}
		case "rg":
			c = color.NRGBA{R: ch(num(i - 3)), G: ch(num(i - 2)), B: ch(num(i - 1)), A: 255}
		case "k":
			k := 1 - num(i-1)
			c = color.NRGBA{R: ch((1 - num(i-4)) * k), G: ch((1 - num(i-3)) * k), B: ch((1 - num(i-2)) * k), A: 255}
		}
	}
	return size, c
}

// colourOps is the operator setting colour array v (1, 3 or 4
// components) as the fill (op "rg") or stroke ("RG") colour; "" for none.
func colourOps(v pdf.Value, fill bool) string {
	ops := map[int][2]string{1: {"g", "G"}, 3: {"rg", "RG"}, 4: {"k", "K"}}[v.Len()]
	if ops[0] == "" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < v.Len(); i++ {
		b.WriteString(fmtNum(v.Index(i).Float64()) + " ")
	}
	if fill {
		return b.String() + ops[0]
	}
	return b.String() + ops[1]
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// fieldAppearance is the content of the appearance a viewer makes for
// widget a of field f, in a box of the widget's size (w×h points).
func (p *fieldPainter) fieldAppearance(a pdf.Value, f fieldAttrs) (ops []byte, w, h float64, err error) {
	r := a.Key("Rect")
	if r.Len() != 4 {
		return nil, 0, 0, errors.New("a form field has no rectangle")
	}
	w = math.Abs(r.Index(2).Float64() - r.Index(0).Float64())
	h = math.Abs(r.Index(3).Float64() - r.Index(1).Float64())
	mk := a.Key("MK")
	if rot := mk.Key("R").Int64(); rot%360 != 0 {
		return nil, 0, 0, fmt.Errorf("a form field without an appearance is turned (/MK /R %d)", rot)
	}
	if f.ft == "Tx" && f.ff&ffPassword != 0 {
		return nil, 0, 0, errors.New("a password field's value would be printed")
	}
	var b strings.Builder
	if bg := colourOps(mk.Key("BG"), true); bg != "" && w > 0 && h > 0 {
		fmt.Fprintf(&b, "q %s 0 0 %s %s re f Q\n", bg, fmtNum(w), fmtNum(h))
	}
	bw := 0.0
	if bc := colourOps(mk.Key("BC"), false); bc != "" {
		bw = 1
		if v := a.Key("BS").Key("W"); !v.IsNull() {
			bw = v.Float64()
		}
		if bw > 0 {
			b.WriteString(borderOps(a.Key("BS"), bc, bw, w, h))
		}
	}
	text, err := p.fieldText(f, w, h, 2+bw)
	if err != nil {
		return nil, 0, 0, err
	}
	if text != "" {
		pad := 1 + bw
		fmt.Fprintf(&b, "/Tx BMC q %s %s %s %s re W n\n%sQ EMC\n", fmtNum(pad), fmtNum(pad), fmtNum(w-2*pad), fmtNum(h-2*pad), text)
	}
	return []byte(b.String()), w, h, nil
}

// borderOps strokes the border of a w×h box in colour bc, bw wide, in the
// style of border style dictionary bs (solid, dashed, underlined; beveled
// and inset are drawn solid).
func borderOps(bs pdf.Value, bc string, bw, w, h float64) string {
	dash := ""
	if bs.Key("S").Name() == "D" {
		dash = "[3] 0 d "
		if d := bs.Key("D"); d.Len() > 0 {
			var parts []string
			for i := 0; i < d.Len(); i++ {
				parts = append(parts, fmtNum(d.Index(i).Float64()))
			}
			dash = "[" + strings.Join(parts, " ") + "] 0 d "
		}
	}
	if bs.Key("S").Name() == "U" {
		return fmt.Sprintf("q %s %s w 0 %s m %s %s l S Q\n", bc, fmtNum(bw), fmtNum(bw/2), fmtNum(w), fmtNum(bw/2))
	}
	return fmt.Sprintf("q %s %s%s w %s %s %s %s re S Q\n", bc, dash, fmtNum(bw), fmtNum(bw/2), fmtNum(bw/2), fmtNum(w-bw), fmtNum(h-bw))
}

// fieldText is the operators that draw field f's value in a w×h box with
// pad points of padding; "" when there is nothing to draw.
func (p *fieldPainter) fieldText(f fieldAttrs, w, h, pad float64) (string, error) {
	size, c := daStyle(f.da)
	iw, ih := w-2*pad, h-2*pad
	if iw <= 0 || ih <= 0 {
		return "", nil
	}
	switch {
	case f.ft == "Ch" && f.ff&ffCombo == 0:
		return p.listBox(f, size, c, w, h, pad)
	case f.ft == "Tx" && f.ff&ffMultiline != 0:
		return p.multiline(valueText(f.v), size, c, f.q, iw, ih, pad, h)
	case f.ft == "Tx" && f.ff&ffComb != 0 && f.maxLen > 0:
		return p.comb(valueText(f.v), f.maxLen, size, c, w, h)
	}
	s := valueText(f.v)
	if f.ft == "Ch" {
		s = displayText(f.opt, selectedValues(f.v))
	}
	if s = strings.Map(oneLine, s); s == "" {
		return "", nil
	}
	if size == 0 {
		size = fitSize(s, false, math.Min(12, ih/1.15), iw)
	}
	return p.lineAt(s, size, c, f.q, pad, (h-lineHeight(size))/2, iw)
}

// oneLine maps line ends to spaces (a single-line field shows one line).
func oneLine(r rune) rune {
	if r == '\n' || r == '\r' {
		return ' '
	}
	return r
}

// valueText is a text value (a text string, or a name) as text.
func valueText(v pdf.Value) string {
	if v.Kind() == pdf.Name {
		return v.Name()
	}
	if v.Kind() == pdf.String {
		return v.Text()
	}
	return ""
}

// selectedValues is a choice field's value: one text, or an array of them.
func selectedValues(v pdf.Value) []string {
	if v.Kind() == pdf.Array {
		var out []string
		for i := 0; i < v.Len(); i++ {
			out = append(out, valueText(v.Index(i)))
		}
		return out
	}
	if s := valueText(v); s != "" {
		return []string{s}
	}
	return nil
}

// option is the export value and the text shown of /Opt entry o.
func option(o pdf.Value) (export, shown string) {
	if o.Kind() == pdf.Array && o.Len() == 2 {
		return valueText(o.Index(0)), valueText(o.Index(1))
	}
	s := valueText(o)
	return s, s
}

// displayText is the text shown for the first selected value: its option's
// text, or the value itself (an edited combo box).
func displayText(opt pdf.Value, sel []string) string {
	if len(sel) == 0 {
		return ""
	}
	for i := 0; i < opt.Len(); i++ {
		if e, shown := option(opt.Index(i)); e == sel[0] {
			return shown
		}
	}
	return sel[0]
}

// lineHeight is the height (points) of a line of Tinos at size, as
// placeLines lays it out.
func lineHeight(size float64) float64 {
	f, err := textFaces.face(false, size*pxPerPt)
	if err != nil {
		return size * 1.15
	}
	return float64(f.metrics.Ascent.Round()+f.metrics.Descent.Round()) / pxPerPt
}

// lineAt draws s at size in colour c as one line whose bottom is bottom
// points above the box's, within width iw from pad, aligned by q.
func (p *fieldPainter) lineAt(s string, size float64, c color.NRGBA, q int64, pad, bottom, iw float64) (string, error) {
	lh := lineHeight(size)
	align := int(min(max(q, 0), 2))
	ops, err := vectorText(iw, lh, []textLine{{Text: s, Size: size, Color: c, Align: align}})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("q 1 0 0 1 %s %s cm\n%s%sQ\n", fmtNum(pad), fmtNum(bottom), p.invisible(s, size, align, iw, lh), ops), nil
}

// fieldPainter makes the appearances of one flattening (fieldAppearance),
// with the font of their invisible text: an object of u, written by
// finish, its codes given to the letters in the order they come.
type fieldPainter struct {
	u     *incUpdate
	font  uint32 // 0 until a letter is written
	codes map[rune]byte
	runes []rune // by code - firstCode
}

// firstCode is the first code the invisible text's font gives out (32, a
// space, is the space).
const firstCode = 33

// invisible is the operators writing s invisibly in a box iw×lh points
// as lineAt lays it out, at size, aligned as align says; "" when the font
// has no code left for one of its letters.
func (p *fieldPainter) invisible(s string, size float64, align int, iw, lh float64) string {
	f, err := textFaces.face(false, size*pxPerPt)
	if err != nil {
		return ""
	}
	var hex strings.Builder
	for _, r := range s {
		c, ok := p.code(r)
		if !ok {
			return ""
		}
		fmt.Fprintf(&hex, "%02X", c)
	}
	x := 0.0
	if adv := float64(f.measure(s)) / 64 / pxPerPt; align > 0 {
		x = (iw - adv) / float64(3-align)
	}
	base := lh - float64(f.metrics.Ascent.Round())/pxPerPt
	return fmt.Sprintf("BT 3 Tr /VanthuText %s Tf %s %s Td <%s> Tj ET\n", fmtNum(size), fmtNum(x), fmtNum(base), hex.String())
}

// code is r's code in the invisible text's font.
func (p *fieldPainter) code(r rune) (byte, bool) {
	if r == ' ' {
		return ' ', true
	}
	if c, ok := p.codes[r]; ok {
		return c, true
	}
	if len(p.runes) >= 256-firstCode {
		return 0, false
	}
	if p.font == 0 {
		p.font, p.codes = p.u.alloc(), map[rune]byte{}
	}
	c := byte(firstCode + len(p.runes))
	p.codes[r], p.runes = c, append(p.runes, r)
	return c, true
}

// resources is the /Resources entry an appearance needs: the invisible
// text's font, once it has one.
func (p *fieldPainter) resources() string {
	if p.font == 0 {
		return ""
	}
	return fmt.Sprintf(" /Resources << /Font << /VanthuText %d 0 R >> >>", p.font)
}

// finish writes the invisible text's font: Helvetica by name (not
// embedded), never drawn (render mode 3), whose codes have Tinos's widths
// (so that a selection covers the letters drawn) and map to their letters
// (/ToUnicode).
func (p *fieldPainter) finish() error {
	if p.font == 0 {
		return nil
	}
	f, err := faceFor(false, 1000)
	if err != nil {
		return err
	}
	var widths, cmap strings.Builder
	widths.WriteString(fmtNum(float64(f.measure(" ")) / 64))
	fmt.Fprintf(&cmap, "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n1 begincodespacerange <00> <FF> endcodespacerange\n1 beginbfchar <20> <0020> endbfchar\n")
	for i, r := range p.runes {
		widths.WriteString(" " + fmtNum(float64(f.measure(string(r)))/64))
		if i%100 == 0 {
			fmt.Fprintf(&cmap, "%d beginbfchar\n", min(100, len(p.runes)-i))
		}
		fmt.Fprintf(&cmap, "<%02X> <", firstCode+i)
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&cmap, "%04X", u)
		}
		cmap.WriteString(">\n")
		if i%100 == 99 || i == len(p.runes)-1 {
			cmap.WriteString("endbfchar\n")
		}
	}
	cmap.WriteString("endcmap CMapName currentdict /CMap defineresource pop end end\n")
	tu := p.u.addStream([]byte(cmap.String()))
	// Helvetica's own metrics (its AFM): a font with /Widths has a
	// descriptor, standard font or not (ISO 32000-1 9.6.2.1).
	fd := p.u.add("<< /Type /FontDescriptor /FontName /Helvetica /FontFamily (Helvetica) /FontStretch /Normal /FontWeight 400 /Flags 32 /FontBBox [-166 -225 1000 931] /ItalicAngle 0 /Ascent 718 /Descent -207 /CapHeight 718 /StemV 88 >>")
	p.u.put(p.font, 0, fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 32 /LastChar %d /Widths [%s] /FontDescriptor %d 0 R /ToUnicode %d 0 R >>",
		firstCode+len(p.runes)-1, widths.String(), fd, tu))
	return nil
}

// multiline draws s wrapped to width iw from the top of the box (auto
// size: 12 points, smaller until it fits the height).
func (p *fieldPainter) multiline(s string, size float64, c color.NRGBA, q int64, iw, ih, pad, h float64) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	auto := size == 0
	if auto {
		size = 12
	}
	lines := wrapText(s, size, iw)
	for auto && size > 4 && float64(len(lines))*lineHeight(size) > ih {
		size -= 0.5
		lines = wrapText(s, size, iw)
	}
	var b strings.Builder
	lh := lineHeight(size)
	y := h - pad
	for _, l := range lines {
		if y -= lh; y+lh < 0 {
			break
		}
		ops, err := p.lineAt(l, size, c, q, pad, y, iw)
		if err != nil {
			return "", err
		}
		b.WriteString(ops)
	}
	return b.String(), nil
}

// wrapText breaks s into lines no wider than w at size: at its own line
// ends, then between words (a word wider than w on a line of its own).
func wrapText(s string, size, w float64) []string {
	f, err := faceFor(false, size)
	if err != nil {
		return strings.Split(s, "\n")
	}
	width := func(t string) float64 { return float64(f.measure(t)) / 64 }
	var out []string
	for _, para := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && width(line+" "+word) > w {
				out = append(out, line)
				line = word
				continue
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		out = append(out, line)
	}
	return out
}

// comb draws s one letter per cell of the box's maxLen cells.
func (p *fieldPainter) comb(s string, maxLen int64, size float64, c color.NRGBA, w, h float64) (string, error) {
	cell := w / float64(maxLen)
	if size == 0 {
		size = math.Min(12, (h-2)/1.15)
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		if int64(i) >= maxLen {
			break
		}
		ops, err := p.lineAt(string(r), size, c, 1, float64(i)*cell, (h-lineHeight(size))/2, cell)
		if err != nil {
			return "", err
		}
		b.WriteString(ops)
	}
	return b.String(), nil
}

// listBox draws a list box's options from its top index, one per line,
// the selected ones on the highlight viewers use.
func (p *fieldPainter) listBox(f fieldAttrs, size float64, c color.NRGBA, w, h, pad float64) (string, error) {
	if size == 0 {
		size = 12
	}
	selected := map[int]bool{}
	for i := 0; i < f.sel.Len(); i++ {
		selected[int(f.sel.Index(i).Int64())] = true
	}
	if len(selected) == 0 {
		for _, v := range selectedValues(f.v) {
			for i := 0; i < f.opt.Len(); i++ {
				if e, _ := option(f.opt.Index(i)); e == v {
					selected[i] = true
				}
			}
		}
	}
	lh := lineHeight(size)
	var b strings.Builder
	y := h - pad
	for i := int(max(f.ti, 0)); i < f.opt.Len() && y > 0; i++ {
		y -= lh
		if selected[i] {
			fmt.Fprintf(&b, "q 0.6 0.757 0.855 rg %s %s %s %s re f Q\n", fmtNum(pad-1), fmtNum(y), fmtNum(w-2*pad+2), fmtNum(lh))
		}
		_, shown := option(f.opt.Index(i))
		ops, err := p.lineAt(strings.Map(oneLine, shown), size, c, 0, pad, y, w-2*pad)
		if err != nil {
			return "", err
		}
		b.WriteString(ops)
	}
	return b.String(), nil
}
