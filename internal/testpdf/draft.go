package testpdf

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Drafts in the layout of Decree 30/2020/NĐ-CP, Appendix I: the header
// with a blank "Số:      /QĐ-UBND" and "Bình Thủy, ngày   tháng   năm",
// the body, and the signature block (title, room for the signature, the
// name) where the caller wants it, made by two different producers so
// that anchor detection meets more than one way of writing text.

// Producer says how a draft's PDF is written.
type Producer string

const (
	// FPDFUnicode: github.com/go-pdf/fpdf with an embedded TrueType font
	// (Type0, Identity-H, 2-byte codes, /ToUnicode), spaces as glyphs:
	// how word processors export.
	FPDFUnicode Producer = "fpdf-unicode"
	// RawSimple: written here by hand. Simple (1-byte) fonts that are not
	// embedded (Times-Roman), Vietnamese letters in a custom /Differences
	// encoding explained by a /ToUnicode CMap, text scaled by the text
	// matrix (1 pt font, Tm = size), words placed with TJ offsets and no
	// space glyphs, content split into several streams.
	RawSimple Producer = "raw-simple"
)

// Draft describes one draft.
type Draft struct {
	Producer      Producer
	Regular, Bold []byte // TrueType fonts with Vietnamese (Tinos): metrics, and embedded by FPDFUnicode
	Pages         int    // >= 1; the signature block is on the last page
	SigTitleY     float64
	Titles        []string // e.g. {"TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}
	Name          string
	YearBlank     bool // "năm" is followed by a blank (else by the year)
	// InForm (RawSimple): the page's text is drawn by a Form XObject,
	// scaled by 1/2 in its /Matrix and back by 2 in the page's cm, as
	// print drivers and converters that wrap pages do.
	InForm bool
	// BlankRune, when set, writes the blanks of "Số:" and of the date line
	// as runs of this glyph inside the line's text (U+00A0, as browsers
	// write &nbsp; and converters write every space) instead of leaving
	// them as gaps between separately placed words.
	BlankRune rune
	// DateWrap puts "năm 2026" of the date line on the line below, centred
	// under it, as a column too narrow for the line (an A5 page, a long
	// place name) wraps it.
	DateWrap bool
	// SpaceText (RawSimple), when set, is what the /ToUnicode CMap maps
	// the space glyph to (U+0009: Qt's PDF engine, in wkhtmltopdf, maps
	// it so), and each line is one string with its spaces as glyphs
	// (with BlankRune ' ', the blanks too) instead of TJ offsets.
	SpaceText rune
	// Rotate (RawSimple), 90 or 270: the media box is landscape and
	// /Rotate turns the page to portrait; the text is drawn turned back by
	// a cm, so that it reads upright, as scanners and some print drivers
	// write portrait pages.
	Rotate int
	// Watermark (RawSimple), when set, is drawn large at 45° across the
	// lower half of the last page, through the signature block ("DỰ
	// THẢO" over a draft).
	Watermark string
	// Legacy: the fonts of a Legacy draft.
	Legacy LegacyFonts
	// ToUnicode (RawSimple, GlyphIDs): "" the fonts' /ToUnicode maps
	// every code (GlyphIDs: there is none), "none" there is none, "ascii"
	// it maps only the printable ASCII characters (a map stripped of
	// every Vietnamese letter).
	ToUnicode string
	// CIDToGID (GlyphIDs): the codes are CIDs numbered in the order the
	// text uses the glyphs, mapped to glyph IDs by a /CIDToGIDMap stream
	// (else /Identity: the codes are glyph IDs).
	CIDToGID bool
	// MisalignedProgram (GlyphIDs): the embedded TrueType programs' tables
	// start at offsets that are not multiples of four, as libharu 2.3
	// writes its subsets (readers take them; the format asks for four).
	MisalignedProgram bool
	// Program (RawSimple): the fonts are embedded programs that alone say
	// what the codes draw (ProgramType1C, ProgramSymbolic...), with no
	// /Differences (and, with ToUnicode "none", no /ToUnicode).
	Program string
	// CFF (GlyphIDs): the fonts are CIDFontType0 fonts whose programs are
	// bare CFF (FontFile3 /CIDFontType0C) of the TrueType program's glyphs
	// in its order: "names", name-keyed by its post names (the CIDs are
	// the glyph IDs); "cid", CID-keyed with CIDs the glyph IDs (no names).
	// The glyphs draw nothing.
	CFF string
	// FontMatrix (Type3): the fonts' /FontMatrix (zero: [0.001 0 0
	// 0.001 0 0], matplotlib's).
	FontMatrix [6]float64
}

// Anchors are where the draft's anchors are, in points from the page's
// lower-left corner (A4 portrait, 595.28 × 841.89).
type Anchors struct {
	NumberBlank [2]float64 // x from the end of "Số:" to the "/"
	NumberY     float64    // baseline
	DayX        [2]float64 // the blank between "ngày" and "tháng"
	MonthX      [2]float64 // between "tháng" and "năm"
	YearX       float64    // the end of "năm"
	DateY       float64
	SigPage     int
	TitleY      float64 // baseline of the lowest title line
	NameY       float64 // baseline of the name
	SigCX       float64 // centre of the signature column
}

// A4 in points.
const pageW, pageH = 595.28, 841.89

type item struct {
	page    int
	x, y    float64 // baseline start
	size    float64
	bold    bool
	title   bool // one of the signer's titles ("CHỦ TỊCH")
	text    string
	centred bool    // x is the centre
	angle   float64 // degrees, anticlockwise on the displayed page
}

// MakeDraft returns the draft's PDF and where its anchors are.
func MakeDraft(d Draft) ([]byte, Anchors, error) {
	d = d.withDefaults()
	m, err := newMetrics(d.Regular, d.Bold)
	if err != nil {
		return nil, Anchors{}, err
	}
	l := &layout{d: d, m: m}
	l.header()
	l.dateLine()
	l.body()
	l.signatureBlock()
	if d.Watermark != "" {
		l.add(item{page: d.Pages, x: 250, y: 130, size: 60, text: d.Watermark, angle: 45})
	}
	var out []byte
	switch d.Producer {
	case FPDFUnicode:
		out, err = writeFPDF(d, l.items)
	case RawSimple:
		out, err = writeRaw(d, m, l.items)
	case Legacy:
		out, err = writeLegacy(d, m, l.items)
	case GlyphIDs:
		out, err = writeGlyphIDs(d, m, l.items)
	case Type3:
		out, err = writeType3(d, m, l.items)
	default:
		err = fmt.Errorf("unknown producer %q", d.Producer)
	}
	return out, l.a, err
}

// withDefaults fills in what d leaves out: one page, the titles and name
// of a chairman's decision, the signature block 300 pt from the bottom.
func (d Draft) withDefaults() Draft {
	if d.Pages < 1 {
		d.Pages = 1
	}
	if len(d.Titles) == 0 {
		d.Titles = []string{"TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"}
	}
	if d.Name == "" {
		d.Name = "Nguyễn Văn Sĩ"
	}
	if d.SigTitleY == 0 {
		d.SigTitleY = 300
	}
	return d
}

// layout places the lines of a draft and records its anchors.
type layout struct {
	d     Draft
	m     *metrics
	a     Anchors
	items []item
}

// Centres of the header's columns: agency (left), motto (right).
const leftC, rightC = 150.0, 400.0

// add places it (centred on its x when it.centred) and returns it placed.
func (l *layout) add(it item) item {
	if l.d.Producer == Legacy && l.d.Legacy.BoldTitlesOnly && !it.title {
		it.bold = false
	}
	if it.centred {
		it.x -= l.m.width(it.text, it.size, it.bold) / 2
		it.centred = false
	}
	l.items = append(l.items, it)
	return it
}

// header places the agency, the motto and "Số:          /QĐ-UBND" with
// its 40 pt blank.
func (l *layout) header() {
	m := l.m
	l.add(item{page: 1, x: leftC, y: 790, size: 12, text: "ỦY BAN NHÂN DÂN", centred: true})
	l.add(item{page: 1, x: leftC, y: 775, size: 12, bold: true, text: "QUẬN BÌNH THỦY", centred: true})
	l.add(item{page: 1, x: rightC, y: 790, size: 12, bold: true, text: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", centred: true})
	l.add(item{page: 1, x: rightC, y: 775, size: 13, bold: true, text: "Độc lập - Tự do - Hạnh phúc", centred: true})
	so, tail := "Số:", "/QĐ-UBND"
	blank, fill := l.blank(40)
	sx := leftC - (m.width(so, 13, false)+blank+m.width(tail, 13, false))/2
	if fill != "" {
		l.add(item{page: 1, x: sx, y: 740, size: 13, text: so + fill + tail})
	} else {
		l.add(item{page: 1, x: sx, y: 740, size: 13, text: so})
		l.add(item{page: 1, x: sx + m.width(so, 13, false) + blank, y: 740, size: 13, text: tail})
	}
	l.a.NumberBlank = [2]float64{sx + m.width(so, 13, false), sx + m.width(so, 13, false) + blank}
	l.a.NumberY = 740
}

// blank returns the width of a blank of about w points and, with
// BlankRune, the run of that glyph that writes it (else "": a gap).
func (l *layout) blank(w float64) (float64, string) {
	if l.d.BlankRune == 0 {
		return w, ""
	}
	n := max(1, int(math.Round(w/l.m.width(string(l.d.BlankRune), 13, false))))
	fill := strings.Repeat(string(l.d.BlankRune), n)
	return l.m.width(fill, 13, false), fill
}

// dateLine places "Bình Thủy, ngày      tháng      năm 2026" with blanks
// of 24 pt (and no year when YearBlank).
func (l *layout) dateLine() {
	m := l.m
	dblank, fill := l.blank(24)
	parts := []string{"Bình Thủy, ngày", "tháng", "năm"}
	year := " 2026"
	if l.d.YearBlank {
		year = ""
	}
	total := m.width(parts[0], 13, false) + m.width(parts[1], 13, false) + m.width(parts[2]+year, 13, false) + 2*dblank
	if l.d.DateWrap {
		l.add(item{page: 1, x: rightC, y: 740 - 17, size: 13, text: "năm" + year, centred: true})
		parts = parts[:2]
		total = m.width(parts[0], 13, false) + m.width(parts[1], 13, false) + dblank
	}
	x := rightC - total/2
	if fill != "" {
		line := strings.Join(parts, fill)
		if !l.d.DateWrap {
			line += year
		}
		l.add(item{page: 1, x: x, y: 740, size: 13, text: line})
	}
	for i, p := range parts {
		s := p
		if i == 2 {
			s += year
		}
		if fill == "" {
			l.add(item{page: 1, x: x, y: 740, size: 13, text: s})
		}
		w := m.width(p, 13, false)
		switch i {
		case 0:
			l.a.DayX = [2]float64{x + w, x + w + dblank}
		case 1:
			l.a.MonthX = [2]float64{x + w, x + w + dblank}
		case 2:
			l.a.YearX = x + w
		}
		x += m.width(s, 13, false) + dblank
	}
	l.a.DateY = 740
}

// body places the title and, on every page, the lines of the body, down
// to 40 pt above the signature block on the last page.
func (l *layout) body() {
	l.add(item{page: 1, x: pageW / 2, y: 690, size: 14, bold: true, text: "QUYẾT ĐỊNH", centred: true})
	l.add(item{page: 1, x: pageW / 2, y: 672, size: 14, bold: true, text: "Về việc ban hành quy chế làm việc", centred: true})
	l.add(item{page: 1, x: pageW / 2, y: 640, size: 14, bold: true, text: "CHỦ TỊCH ỦY BAN NHÂN DÂN QUẬN BÌNH THỦY", centred: true})
	body := []string{
		"Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
		"Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
		"Theo đề nghị của Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân quận.",
		"Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc của Ủy ban nhân dân quận.",
		"Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
	}
	for p := 1; p <= l.d.Pages; p++ {
		y := 610.0
		if p > 1 {
			y = 790
		}
		for _, s := range body {
			if p == l.d.Pages && y < l.d.SigTitleY+40 {
				break
			}
			l.add(item{page: p, x: 72, y: y, size: 13, text: s})
			y -= 20
		}
	}
}

// signatureBlock places, on the last page, the titles, 80 pt of room, the
// name, and "Nơi nhận" on the left.
func (l *layout) signatureBlock() {
	const sigC = 420.0
	d := l.d
	last := d.Pages
	ty := d.SigTitleY + float64(len(d.Titles)-1)*15
	for _, t := range d.Titles {
		l.add(item{page: last, x: sigC, y: ty, size: 13, bold: true, title: true, text: t, centred: true})
		l.a.TitleY = ty
		ty -= 15
	}
	l.a.NameY = l.a.TitleY - 95
	l.add(item{page: last, x: sigC, y: l.a.NameY, size: 13, bold: true, text: d.Name, centred: true})
	l.a.SigPage, l.a.SigCX = last, sigC
	l.add(item{page: last, x: 72, y: d.SigTitleY + 15, size: 12, bold: true, text: "Nơi nhận:"})
	for i, s := range []string{"- Như Điều 3;", "- Lưu: VT, VP."} {
		l.add(item{page: last, x: 72, y: d.SigTitleY - float64(i)*13, size: 11, text: s})
	}
}

// metrics measures text with the TrueType fonts.
type metrics struct {
	reg, bold *sfnt.Font
	buf       sfnt.Buffer
}

func newMetrics(reg, bold []byte) (*metrics, error) {
	r, err := sfnt.Parse(reg)
	if err != nil {
		return nil, fmt.Errorf("regular font: %w", err)
	}
	b, err := sfnt.Parse(bold)
	if err != nil {
		return nil, fmt.Errorf("bold font: %w", err)
	}
	return &metrics{reg: r, bold: b}, nil
}

// advance is a rune's width in 1/1000 em.
func (m *metrics) advance(r rune, bold bool) float64 {
	f := m.reg
	if bold {
		f = m.bold
	}
	gi, err := f.GlyphIndex(&m.buf, r)
	if err != nil || gi == 0 {
		return 500
	}
	upem := f.UnitsPerEm()
	adv, err := f.GlyphAdvance(&m.buf, gi, fixed.I(int(upem)), font.HintingNone)
	if err != nil {
		return 500
	}
	return float64(adv) / 64 / float64(upem) * 1000
}

func (m *metrics) width(s string, size float64, bold bool) float64 {
	w := 0.0
	for _, r := range s {
		w += m.advance(r, bold)
	}
	return w * size / 1000
}

func writeFPDF(d Draft, items []item) ([]byte, error) {
	p := fpdf.New("P", "pt", "A4", "")
	p.SetCompression(true)
	p.AddUTF8FontFromBytes("Tinos", "", d.Regular)
	p.AddUTF8FontFromBytes("Tinos", "B", d.Bold)
	for pg := 1; pg <= d.Pages; pg++ {
		p.AddPage()
		for _, it := range items {
			if it.page != pg {
				continue
			}
			style := ""
			if it.bold {
				style = "B"
			}
			p.SetFont("Tinos", style, it.size)
			p.Text(it.x, pageH-it.y, it.text)
		}
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeRaw writes the PDF by hand (see RawSimple).
func writeRaw(d Draft, m *metrics, items []item) ([]byte, error) {
	codes, extra, err := rawEncoding(items)
	if err != nil {
		return nil, err
	}
	w := &rawWriter{m: m, codes: codes, extra: extra, spaceText: d.SpaceText, program: d.Program, progs: [2][]byte{d.Regular, d.Bold}}
	tu := 0
	switch d.ToUnicode {
	case "":
		tu = w.obj(rawStream(w.toUnicode(w.extra)))
	case "ascii":
		tu = w.obj(rawStream(w.toUnicode(nil)))
	}
	if d.Program != "" {
		if w.f1, err = w.embedded("AAAAAA+Tinos", false, tu); err == nil {
			w.f2, err = w.embedded("AAAAAB+Tinos-Bold", true, tu)
		}
		if err != nil {
			return nil, err
		}
	} else {
		w.f1, w.f2 = w.font("Times-Roman", false, tu), w.font("Times-Bold", true, tu)
	}
	pagesID := w.obj("") // the page tree, written when its kids are known
	sort.SliceStable(items, func(i, j int) bool { return items[i].y > items[j].y })
	var kids strings.Builder
	for pg := 1; pg <= d.Pages; pg++ {
		fmt.Fprintf(&kids, " %d 0 R", w.page(d, pg, items, pagesID))
	}
	w.objs[pagesID-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s ] /Count %d >>", kids.String(), d.Pages)
	cat := w.obj(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesID))
	out := NewWriter("1.7")
	for i, o := range w.objs {
		out.Obj(i+1, o)
	}
	return out.Table(fmt.Sprintf("/Root %d 0 R", cat), -1), nil
}

// rawEncoding is the one encoding of both fonts: ASCII as is, the other
// runes of the text from code 128 up (extra, in that order).
func rawEncoding(items []item) (map[rune]byte, []rune, error) {
	codes := map[rune]byte{}
	var extra []rune
	for _, it := range items {
		for _, r := range it.text {
			if r >= 32 && r < 127 {
				continue
			}
			if _, ok := codes[r]; !ok {
				if len(extra) >= 128 {
					return nil, nil, fmt.Errorf("too many distinct letters")
				}
				codes[r] = byte(128 + len(extra))
				extra = append(extra, r)
			}
		}
	}
	return codes, extra, nil
}

// rawWriter holds the objects of a RawSimple PDF (object i+1 is objs[i])
// and its encoding.
type rawWriter struct {
	m      *metrics
	codes  map[rune]byte
	extra  []rune
	objs   []string
	f1, f2 int // the regular and bold fonts
	// spaceText: what the space glyph means in /ToUnicode (0: a space)
	spaceText rune
	program   string    // Draft.Program
	progs     [2][]byte // the regular and bold TrueType programs
}

// obj adds an object and returns its number.
func (w *rawWriter) obj(s string) int { w.objs = append(w.objs, s); return len(w.objs) }

// rawStream is the body of a stream object holding s.
func rawStream(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

// enc encodes s as the inside of a literal string in the fonts' encoding.
func (w *rawWriter) enc(s string) string {
	var b strings.Builder
	for _, r := range s {
		c := byte(r)
		if r >= 128 || r < 32 {
			c = w.codes[r]
		}
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// toUnicode is the /ToUnicode CMap of the encoding: ASCII, and extra
// (the encoding's other letters, from code 128 up; nil: none).
func (w *rawWriter) toUnicode(extra []rune) string {
	var bf strings.Builder
	ascii := "1 beginbfrange <20> <7E> <0020> endbfrange"
	if w.spaceText != 0 {
		ascii = fmt.Sprintf("2 beginbfrange <20> <20> <%04X> <21> <7E> <0021> endbfrange", w.spaceText)
	}
	fmt.Fprintf(&bf, "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n/CMapName /Raw-UCS def\n1 begincodespacerange <00> <FF> endcodespacerange\n%s\n%d beginbfchar\n", ascii, len(extra))
	for i, r := range extra {
		fmt.Fprintf(&bf, "<%02X> <%04X>\n", 128+i, r)
	}
	bf.WriteString("endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end\n")
	return bf.String()
}

// font adds a simple, not embedded font base with the encoding's
// /Differences, the widths of the TrueType font, and the /ToUnicode
// CMap tu (0: none), and returns its object number.
func (w *rawWriter) font(base string, bold bool, tu int) int {
	var diffs strings.Builder
	diffs.WriteString("[128")
	for _, r := range w.extra {
		fmt.Fprintf(&diffs, " /uni%04X", r)
	}
	diffs.WriteString("]")
	var ws strings.Builder
	ws.WriteString("[")
	for c := 32; c < 128+len(w.extra); c++ {
		r := rune(c)
		if c >= 128 {
			r = w.extra[c-128]
		} else if c == 127 {
			r = ' '
		}
		fmt.Fprintf(&ws, " %.0f", w.m.advance(r, bold))
	}
	ws.WriteString(" ]")
	tuRef := ""
	if tu != 0 {
		tuRef = fmt.Sprintf(" /ToUnicode %d 0 R", tu)
	}
	return w.obj(fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s /FirstChar 32 /LastChar %d /Widths %s /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences %s >>%s >>",
		base, 127+len(w.extra), ws.String(), diffs.String(), tuRef))
}

// page adds page pg (its content streams, and its form with InForm) and
// returns the page's object number.
func (w *rawWriter) page(d Draft, pg int, items []item, pagesID int) int {
	streams := w.contents(pg, items, d.Rotate)
	pageXObj := ""
	if d.InForm {
		var form int
		streams, form = w.inForm(streams)
		pageXObj = fmt.Sprintf(" /XObject << /Fm1 %d 0 R >>", form)
	}
	var arr strings.Builder
	for _, s := range streams {
		fmt.Fprintf(&arr, " %d 0 R", s)
	}
	box, rot := fmt.Sprintf("[0 0 %.2f %.2f]", pageW, pageH), ""
	if d.Rotate != 0 {
		box, rot = fmt.Sprintf("[0 0 %.2f %.2f]", pageH, pageW), fmt.Sprintf(" /Rotate %d", d.Rotate)
	}
	return w.obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox %s%s /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >>%s >> /Contents [%s ] >>",
		pagesID, box, rot, w.f1, w.f2, pageXObj, arr.String()))
}

// contents adds the text of page pg as several content streams (seven
// lines each at most), the words placed with TJ offsets instead of
// spaces, and returns their object numbers. On a page turned by rot, each
// stream is drawn under the cm that turns it back.
func (w *rawWriter) contents(pg int, items []item, rot int) []int {
	var streams []int
	var cur strings.Builder
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		body := cur.String()
		if rot != 0 {
			body = unturn(rot) + body + "Q\n"
		}
		streams = append(streams, w.obj(rawStream(body)))
		cur.Reset()
	}
	for i, it := range items {
		if it.page != pg {
			continue
		}
		font := "/F1"
		if it.bold {
			font = "/F2"
		}
		words := strings.Split(it.text, " ")
		if w.spaceText != 0 {
			words = []string{it.text} // spaces as glyphs
		}
		var tj strings.Builder
		for k, word := range words {
			if k > 0 {
				fmt.Fprintf(&tj, " %.0f ", -w.m.advance(' ', it.bold))
			}
			fmt.Fprintf(&tj, "(%s)", w.enc(word))
		}
		sin, cos := math.Sincos(it.angle * math.Pi / 180)
		fmt.Fprintf(&cur, "BT %s 1 Tf %.4f %.4f %.4f %.4f %.2f %.2f Tm [%s] TJ ET\n", font,
			it.size*cos, it.size*sin, -it.size*sin, it.size*cos, it.x, it.y, tj.String())
		if i%7 == 6 {
			flush() // several content streams
		}
	}
	flush()
	return streams
}

// unturn opens a content stream of a page turned by rot (90 or 270) with
// the cm that maps the displayed page to user space, so that text placed
// in displayed coordinates reads upright; "" for an unturned page.
func unturn(rot int) string {
	switch rot {
	case 90:
		return fmt.Sprintf("q 0 1 -1 0 %.2f 0 cm\n", pageH)
	case 270:
		return fmt.Sprintf("q 0 -1 1 0 0 %.2f cm\n", pageW)
	}
	return ""
}

// inForm moves the text of the content streams into one form drawn at
// half scale inside and doubled by the page, so that positions on the
// page are unchanged. It returns the page's new content streams and the
// form.
func (w *rawWriter) inForm(streams []int) ([]int, int) {
	var all strings.Builder
	for _, id := range streams {
		o := w.objs[id-1]
		body := o[strings.Index(o, "stream\n")+7 : strings.LastIndex(o, "\nendstream")]
		all.WriteString(body + "\n")
	}
	form := w.obj(fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f] /Matrix [0.5 0 0 0.5 0 0] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Length %d >>\nstream\n%s\nendstream",
		pageW, pageH, w.f1, w.f2, all.Len(), all.String()))
	page := "q 2 0 0 2 0 0 cm /Fm1 Do Q"
	return []int{w.obj(rawStream(page))}, form
}
