package testpdf

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// Type3: simple Type 3 fonts, as matplotlib (pdf.fonttype 3), TeX's
// dvipdfm and some print drivers write them: a glyph procedure a code,
// a /Differences encoding that names each code's glyph as the font
// program's post table does (Tinos's own names, uniXXXX where it has
// none), no /ToUnicode, and /Widths in glyph space, which the font's
// /FontMatrix (Draft.FontMatrix) maps to text space. The text matrix is
// set so that each glyph is shown where the layout puts it whatever the
// matrix: a translated matrix moves the pen back by its translation, one
// that turns or mirrors the glyphs (a or d < 0) is shown by a text matrix
// that turns them back.
const Type3 Producer = "type3"

// A Type3 draft with Draft.Legacy.Charset VNI or CP1258 is typed in that
// legacy encoding: its glyphs are named as the bytes' Latin-1 look-alikes
// are ("ocircumflex", "ugrave": a VNI or Windows-1258 TrueType font
// turned into a Type 3 one, as a print driver that sends fonts as bitmaps
// does), each as wide as the letter it stands for (VNI's and the code
// page's tone bytes after a letter take no room), and named, by their
// /FontDescriptor's /FontName, "VNI-Times" or "TimesNewRoman". (TCVN3's
// capitals with tones need a font of their own: not written so.)

// type3Writer holds the objects of a Type3 PDF (object i+1 is objs[i]).
type type3Writer struct {
	d    Draft
	m    *metrics
	fm   [6]float64
	objs []string
	code map[rune]byte
	// a legacy draft's: the letter each look-alike stands for, and
	// those that are marks after a letter
	meaning [256]rune
	marks   [256]bool
}

func (w *type3Writer) obj(s string) int { w.objs = append(w.objs, s); return len(w.objs) }

// writeType3 writes the draft in two Type 3 fonts (regular and bold).
func writeType3(d Draft, m *metrics, items []item) ([]byte, error) {
	w := &type3Writer{d: d, m: m, fm: d.FontMatrix, code: map[rune]byte{}}
	if w.fm == ([6]float64{}) {
		w.fm = [6]float64{0.001, 0, 0, 0.001, 0, 0}
	}
	if d.Legacy.Charset != "" {
		if err := w.legacyText(items); err != nil {
			return nil, err
		}
	}
	if err := w.assignCodes(items); err != nil {
		return nil, err
	}
	fonts := [2]int{w.font(false), w.font(true)}
	pagesID := w.obj("")
	sort.SliceStable(items, func(i, j int) bool { return items[i].y > items[j].y })
	var kids strings.Builder
	for pg := 1; pg <= d.Pages; pg++ {
		cs := w.obj(Stream("", []byte(w.content(pg, items))))
		fmt.Fprintf(&kids, " %d 0 R", w.obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /T1 %d 0 R /T2 %d 0 R >> >> /Contents %d 0 R >>",
			pagesID, pageW, pageH, fonts[0], fonts[1], cs)))
	}
	w.objs[pagesID-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s ] /Count %d >>", kids.String(), d.Pages)
	cat := w.obj(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesID))
	out := NewWriter("1.5")
	for i, o := range w.objs {
		out.Obj(i+1, o)
	}
	return out.Table(fmt.Sprintf("/Root %d 0 R", cat), -1), nil
}

// assignCodes gives each character of the text a code: ASCII its own,
// the others 128 on, in the order the text first uses them.
func (w *type3Writer) assignCodes(items []item) error {
	next := 128
	for _, it := range items {
		for _, r := range it.text {
			if _, ok := w.code[r]; ok {
				continue
			}
			if r >= ' ' && r < 0x7F {
				w.code[r] = byte(r)
				continue
			}
			if next > 255 {
				return fmt.Errorf("type3: more than 128 characters besides ASCII")
			}
			w.code[r] = byte(next)
			next++
		}
	}
	return nil
}

// legacyText types the items' text in the draft's legacy encoding: each
// letter as its bytes' Latin-1 look-alikes.
func (w *type3Writer) legacyText(items []item) error {
	cs := w.d.Legacy.Charset
	if cs != VNI && cs != CP1258 {
		return fmt.Errorf("type3: legacy charset %q not written", cs)
	}
	enc := LegacyEncoding(cs)
	w.meaning, w.marks = legacyMeanings(enc)
	for i := range items {
		var b strings.Builder
		for _, r := range norm.NFC.String(items[i].text) {
			code, ok := enc[r]
			switch {
			case r < 0x80 || r == '\u00a0':
				b.WriteRune(r)
			case !ok:
				return fmt.Errorf("type3: %s has no code for %q", cs, r)
			default:
				for j := 0; j < len(code); j++ {
					b.WriteRune(rune(code[j]))
				}
			}
		}
		items[i].text = b.String()
	}
	return nil
}

// glyphName is the post table's name of r's glyph in f, or uniXXXX.
func (w *type3Writer) glyphName(f *sfnt.Font, r rune) string {
	var buf sfnt.Buffer
	if gi, err := f.GlyphIndex(&buf, r); err == nil && gi != 0 {
		if n, err := f.GlyphName(&buf, gi); err == nil && n != "" && n != ".notdef" {
			return n
		}
	}
	return fmt.Sprintf("uni%04X", r)
}

// font adds one face's Type 3 font: a rectangle a glyph, as wide as its
// advance, in glyph space.
func (w *type3Writer) font(bold bool) int {
	f := w.m.reg
	if bold {
		f = w.m.bold
	}
	runes := make([]rune, 0, len(w.code))
	for r := range w.code {
		runes = append(runes, r)
	}
	sort.Slice(runes, func(i, j int) bool { return w.code[runes[i]] < w.code[runes[j]] })
	var diffs, procs strings.Builder
	widths := make([]string, 224)
	for i := range widths {
		widths[i] = "0"
	}
	h := 0.7 / w.fm[3] // a glyph's height: 0.7 em, up as shown
	for _, r := range runes {
		name := w.glyphName(f, r)
		adv := w.m.advance(r, bold)
		if w.d.Legacy.Charset != "" && r < 256 {
			adv = w.m.advance(w.meaning[r], bold)
			if w.marks[r] {
				adv = 0
			}
		}
		gw := adv / 1000 / math.Abs(w.fm[0])
		widths[w.code[r]-32] = fmt.Sprintf("%.4f", gw)
		fmt.Fprintf(&diffs, " %d /%s", w.code[r], name)
		proc := fmt.Sprintf("%.4f 0 d0 0 0 m %.4f 0 l %.4f %.4f l 0 %.4f l f", gw, gw*0.9, gw*0.9, h, h)
		fmt.Fprintf(&procs, " /%s %d 0 R", name, w.obj(Stream("", []byte(proc))))
	}
	desc := ""
	if cs := w.d.Legacy.Charset; cs != "" {
		name := map[Charset]string{VNI: "VNI-Times", CP1258: "TimesNewRoman"}[cs]
		if bold {
			name += ",Bold"
		}
		desc = fmt.Sprintf(" /FontDescriptor %d 0 R", w.obj(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [0 0 0 0] /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 >>", name)))
	}
	return w.obj(fmt.Sprintf("<< /Type /Font /Subtype /Type3 /FontBBox [0 0 0 0] /FontMatrix [%s] /CharProcs <<%s >> /Encoding << /Type /Encoding /Differences [%s ] >> /FirstChar 32 /LastChar 255 /Widths [%s] /Resources << >>%s >>",
		fmtNums(w.fm[:]), procs.String(), diffs.String(), strings.Join(widths, " "), desc))
}

func fmtNums(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.8g", x)
	}
	return strings.Join(s, " ")
}

// content is page pg's content stream: each line one string, its text
// matrix scaled by the size and set so that the glyphs' origins, which
// the font matrix's translation moves, fall where the layout puts them.
func (w *type3Writer) content(pg int, items []item) string {
	var b strings.Builder
	sa, sd := math.Copysign(1, w.fm[0]), math.Copysign(1, w.fm[3])
	for _, it := range items {
		if it.page != pg {
			continue
		}
		font := "/T1"
		if it.bold {
			font = "/T2"
		}
		var s []byte
		for _, r := range it.text {
			s = append(s, w.code[r])
		}
		x, y := it.x-sa*w.fm[4]*it.size, it.y-sd*w.fm[5]*it.size
		fmt.Fprintf(&b, "BT %s 1 Tf %.4f 0 0 %.4f %.2f %.2f Tm (%s) Tj ET\n", font, sa*it.size, sd*it.size, x, y, escapeLiteral(string(s)))
	}
	return b.String()
}
