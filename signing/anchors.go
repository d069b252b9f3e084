package signing

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/digitorus/pdf"
	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/signing/verify"
	"github.com/vanthu/vanthu/workflow"
)

// Finding the stamp positions in a draft's own text (Decree 30, Appendix
// I): the blank of "Số:      /QĐ-UBND", the blanks of "…, ngày   tháng
// năm", and the signature block — the signer's title ("CHỦ TỊCH", "KT.
// CHỦ TỊCH" / "PHÓ CHỦ TỊCH", "GIÁM ĐỐC"...) and, below it, the name. Text
// is compared folded (lower case, without diacritics), so that a draft
// whose fonts lose the diacritics in extraction is still understood.

// textSpan is a run of characters on one baseline with no wide gap: one
// cell of the template's layout.
type textSpan struct {
	text   string // folded, one rune per glyph (spaces inserted for gaps)
	orig   string // as extracted
	gs     []glyph
	lead   float64 // where the blank glyphs before x0 that spans left out start (x0: none)
	y, s   float64 // baseline (at x0) and the largest font size
	ly     float64 // the line's baseline at the page's left edge (glyph.lineY)
	x0, x1 float64
}

// sameLine says whether u is a cell of t's line: their baselines, extended
// along an askew line, meet the left edge together.
func (t *textSpan) sameLine(u *textSpan) bool {
	return math.Abs(t.ly-u.ly) <= math.Max(1, 0.25*t.s)
}

func (t *textSpan) centre() float64 { return (t.x0 + t.x1) / 2 }

// fold maps a rune to its lower-case base letter: "Ố" -> 'o', "Đ" -> 'd'.
// It runs for every glyph read: the runes below U+2000 (Latin with
// Vietnamese's precomposed letters, Greek, Cyrillic) are looked up in a
// table made once by foldRune.
func fold(r rune) rune {
	if 0 <= r && r < foldTableSize {
		return foldTable()[r]
	}
	return foldRune(r)
}

const foldTableSize = 0x2000

var foldTable = sync.OnceValue(func() *[foldTableSize]rune {
	var t [foldTableSize]rune
	for r := range rune(foldTableSize) {
		t[r] = foldRune(r)
	}
	return &t
})

// foldRune is fold computed: the first rune of r's canonical
// decomposition, lowered ("Ệ" -> 'e').
func foldRune(r rune) rune {
	switch r {
	case 'Đ', 'đ', 'Ð':
		return 'd'
	}
	if 0 <= r && r < utf8.RuneSelf {
		return unicode.ToLower(r) // ASCII decomposes to itself
	}
	// Into buffers on the stack.
	var in [utf8.UTFMax]byte
	var out [4 * utf8.UTFMax]byte
	d := norm.NFD.Append(out[:0], in[:utf8.EncodeRune(in[:], r)]...)
	if len(d) == 0 {
		return r
	}
	c, _ := utf8.DecodeRune(d)
	return unicode.ToLower(c)
}

// spans groups glyphs into baselines and splits each baseline at gaps
// wider than two font sizes (the template's columns). A baseline is found
// by where it meets the page's left edge (glyph.lineY), not by its height:
// on an askew scan's OCR text a line's height changes along it, by more
// than a quarter of a font size across a column at half a degree.
//
// It runs on every page the detection reads, at every upload: the page's
// spans share one array of glyphs, one of spans and one string of each
// text (spanBuilder), rather than allocating and growing each span's own.
func spans(gs []glyph) []*textSpan {
	scratch := glyphBufs.Get().(*[]glyph)
	kept := spacingGlyphs((*scratch)[:0], gs)
	defer putGlyphs(scratch, kept)
	slices.SortStableFunc(kept, func(a, b glyph) int {
		if ay, by := a.lineY(), b.lineY(); math.Abs(ay-by) > 0.5 {
			return cmp.Compare(by, ay)
		}
		return cmp.Compare(a.x, b.x)
	})
	// A baseline is a run of kept (sorted by baseline): each line below
	// is a part of it, sorted in place.
	n := len(kept)
	b := spanBuilder{gs: make([]glyph, 0, n+n/4), text: make([]byte, 0, n+n/4), orig: make([]byte, 0, 2*n),
		spans: make([]textSpan, 0, n/16+4), marks: make([]spanMark, 0, n/16+4)}
	for start := 0; start < len(kept); {
		end := start + 1
		for end < len(kept) && !(math.Abs(kept[start].lineY()-kept[end].lineY()) > math.Max(1, 0.25*kept[end].s)) {
			end++
		}
		l := kept[start:end]
		slices.SortStableFunc(l, func(a, b glyph) int { return cmp.Compare(a.x, b.x) })
		b.line(l)
		start = end
	}
	return b.done()
}

// spanBuilder makes the spans of one page: their glyphs in one array,
// their texts in one buffer each, the spans in one array; mark says where
// each span's parts are in them until done.
type spanBuilder struct {
	gs         []glyph
	text, orig []byte
	spans      []textSpan
	marks      []spanMark
	cur        *textSpan // the span being made (the last of spans), nil: none
}

// spanMark is where a span's glyphs and texts start and end in a
// spanBuilder's arrays.
type spanMark struct{ g0, g1, t0, t1, o0, o1 int }

// line splits one baseline's glyphs, sorted by x, into spans.
func (b *spanBuilder) line(l []glyph) {
	lead := math.NaN() // the first blank glyph since the last span
	for _, g := range l {
		if cur := b.cur; cur != nil {
			gap := g.x - cur.x1
			switch {
			case gap > 2*g.s:
				b.flush()
			case gap > 0.2*g.s && g.r != ' ':
				if b.gs[len(b.gs)-1].r != ' ' {
					b.gs = append(b.gs, glyph{r: ' ', x: cur.x1, y: g.y, w: gap, s: g.s, slope: g.slope})
					b.text = append(b.text, ' ')
					b.orig = append(b.orig, ' ')
				}
			}
		}
		if b.cur == nil {
			if g.r == ' ' {
				if math.IsNaN(lead) {
					lead = g.x
				}
				continue
			}
			b.start(g)
			if !math.IsNaN(lead) {
				b.cur.lead, lead = lead, math.NaN()
			}
		}
		cur := b.cur
		b.gs = append(b.gs, g)
		b.text = utf8.AppendRune(b.text, fold(g.r))
		b.orig = utf8.AppendRune(b.orig, g.r)
		cur.x1 = math.Max(cur.x1, g.x+g.w)
		cur.s = math.Max(cur.s, g.s)
	}
	b.flush()
}

// start begins a span at glyph g.
func (b *spanBuilder) start(g glyph) {
	b.spans = append(b.spans, textSpan{y: g.y, ly: g.lineY(), x0: g.x, x1: g.x, lead: g.x})
	b.marks = append(b.marks, spanMark{g0: len(b.gs), t0: len(b.text), o0: len(b.orig)})
	b.cur = &b.spans[len(b.spans)-1]
}

// flush ends the span being made: kept when its text is more than white
// space, dropped (its glyphs and texts too) otherwise.
func (b *spanBuilder) flush() {
	if b.cur == nil {
		return
	}
	b.cur = nil
	m := &b.marks[len(b.marks)-1]
	if len(bytes.TrimSpace(b.text[m.t0:])) == 0 {
		b.gs, b.text, b.orig = b.gs[:m.g0], b.text[:m.t0], b.orig[:m.o0]
		b.spans, b.marks = b.spans[:len(b.spans)-1], b.marks[:len(b.marks)-1]
		return
	}
	m.g1, m.t1, m.o1 = len(b.gs), len(b.text), len(b.orig)
}

// done returns the spans made, their glyphs and texts in place.
func (b *spanBuilder) done() []*textSpan {
	if len(b.spans) == 0 {
		return nil
	}
	text, orig := string(b.text), string(b.orig)
	out := make([]*textSpan, len(b.spans))
	for i, m := range b.marks {
		sp := &b.spans[i]
		sp.gs = b.gs[m.g0:m.g1:m.g1]
		sp.text, sp.orig = text[m.t0:m.t1], orig[m.o0:m.o1]
		out[i] = sp
	}
	return out
}

// glyphBufs holds the buffers pages' glyphs are read into and spans sorts
// them in: neither is kept past the page's spans (which copy the glyphs
// they keep), and an upload reads one to three pages. Buffers of more
// than maxPooledGlyphs are not kept.
var glyphBufs = sync.Pool{New: func() any { return new([]glyph) }}

const maxPooledGlyphs = 1 << 15

// putGlyphs returns buf to glyphBufs, holding the array of gs.
func putGlyphs(buf *[]glyph, gs []glyph) {
	if cap(gs) <= maxPooledGlyphs {
		*buf = gs[:0]
		glyphBufs.Put(buf)
	}
}

// spacingGlyphs appends to kept the glyphs that take room on a line: not the
// combining marks, which overlay the letter before them, nor an accent of
// no width that /ToUnicode (or a glyph's name) calls a spacing one — the
// tone marks of a font that draws them as glyphs of their own, mapped to
// "´", "`", "˜", "ˆ" — which overlays it as well. A no-break or
// other wide space (a browser's &nbsp;, mutool convert's every space) and
// a space glyph that /ToUnicode calls a tab or another white-space control
// (wkhtmltopdf's Qt engine maps every space to U+0009) are returned as
// ' ': the patterns and the blanks' tests know only ' '.
func spacingGlyphs(kept, gs []glyph) []glyph {
	kept = slices.Grow(kept, len(gs))
	for _, g := range gs {
		if unicode.Is(unicode.Mn, g.r) || g.s <= 0 || g.w < 0.05*g.s && (unicode.Is(unicode.Sk, g.r) || unicode.Is(unicode.Lm, g.r)) {
			continue
		}
		if g.r != ' ' && unicode.IsSpace(g.r) {
			g.r = ' '
		}
		kept = append(kept, g)
	}
	return kept
}

// runeIndex converts a byte offset in s to a rune (glyph) index.
func runeIndex(s string, off int) int { return len([]rune(s[:off])) }

var (
	numberRe = regexp.MustCompile(`(^|[^a-z])so\s*:`)
	dateRe   = regexp.MustCompile(`ngay([\s.…_\d]*)thang([\s.…_\d]*)nam([\s.…_]*)(\d{4})?`)
	// A cell that ends inside a date line's blanks: its rest is in the
	// cells after it (joinedRight).
	dateCutRe = regexp.MustCompile(`ngay[\s.…_\d]*(thang[\s.…_\d]*)?$`)
	// A date line that ends after "tháng" and its blank: "năm 2026" is
	// on the line below (dateWrapped).
	dateWrapRe = regexp.MustCompile(`ngay([\s.…_\d]*)thang([\s.…_\d]*)$`)
	// Titles of the person who signs, as they head the signature block. A
	// collective body heads it only after "TM." (or KT., TL....): bare,
	// "ỦY BAN NHÂN DÂN" is the agency's name at the top of the header.
	// After "KT.", "TM.", "TL." or "TUQ." any title or body heads a block
	// (those abbreviations are the signature block's own: "TM. BAN THƯỜNG
	// TRỰC", "KT. TRƯỞNG CÔNG AN QUẬN"); bare, the titles of the heads of
	// the bodies a district's joint documents are signed with.
	titleRe = regexp.MustCompile(`^((kt|tm|tl|tuq)\s*\.\s*[a-z]|(q\s*\.\s*)?(pho\s+)?(chu tich|giam doc|tong giam doc|truong phong|pho truong phong|chanh van phong|pho chanh van phong|truong ban|bi thu|hieu truong|thu truong|cuc truong|vu truong|bo truong|chi cuc truong|truong phong|chu nhiem|tong cuc truong|nguoi ky|thu ky|ke toan truong|chanh thanh tra|chanh an|vien truong|chi huy truong|truong cong an|chinh uy)\b)`)
)

// Detection is what DetectLayout found, and why parts were not found.
type Detection struct {
	Layout workflow.Layout
	Notes  []string // one per anchor that fell back to the default, or found with a blank too narrow

	formFields bool // the file has form fields (AcroForm /Fields), which signing flattens
}

// complete says whether every part was found.
func (d Detection) complete() bool {
	return d.Layout.Signature != nil && d.Layout.Number != nil && d.Layout.Date != nil
}

// DetectLayout looks for the anchors of the Decree 30 template in the
// PDF's text. Parts it cannot find stay nil in the layout (the default
// position) and are explained in Notes. Errors: EUNPROCESSABLE for a PDF
// that cannot be parsed.
//
// The engine reads a file where its cross-reference data says objects are,
// which for a damaged file may be other objects, and a damaged object
// (a content stream's wrong /Length) as it is: when it does not find every
// part, or cannot read the file, and the file is damaged, the file is read
// as intake reads it, and signing signs it (from cross-reference data and
// objects made again: inspectRebuilt). The check for damage runs only
// then, off the path of a draft whose parts are all found.
//
// A draft with form fields is signed with its fields flattened into its
// pages (normalizeFor): a template filled in through fields — "Số:", the
// date line or the signer's name as a field's value, as web apps fill a
// form with pdf-lib and leave it unflattened, or pdfkit's fields that ask
// the viewer for their appearances — shows those parts in the fields'
// appearances, which are no page content. When parts are missing there,
// the draft is read as signing signs it, fields flattened.
func DetectLayout(in []byte) (Detection, error) { return DetectLayoutFor(in, SignerHint{}) }

// DetectLayoutFor is DetectLayout told who signs: of several signature
// blocks (a joint document), the signer's is chosen (chooseBlock).
func DetectLayoutFor(in []byte, who SignerHint) (out Detection, err error) {
	defer func() { out.formFields = false }() // what detectLayout noted for this call
	det, err := detectLayout(in, who)
	if err == nil && det.complete() {
		return det, nil
	}
	if err == nil && det.formFields {
		if again, ok := detectFlattened(in, who); ok {
			return again, nil
		}
	}
	if err == nil {
		if found, perr := verify.PrecheckFindings(in, verify.DefaultLimits); perr != nil || (found.Damaged+found.DamagedObject == "" && !found.Hybrid) {
			return det, nil
		}
	}
	y, rerr := inspectRebuilt(in, false)
	if rerr != nil {
		return det, err
	}
	if again, err2 := detectLayout(y.rebuilt, who); err2 == nil {
		return again, nil
	}
	return det, err
}

// detectFlattened is detectLayout of in as signing signs it, its form
// flattened (normalizeFor); false when that cannot be made or read — the
// draft is then judged as it is, here as at signing.
func detectFlattened(in []byte, who SignerHint) (det Detection, ok bool) {
	defer func() {
		if p := recover(); p != nil { // a form the flattening cannot take
			det, ok = Detection{}, false
		}
	}()
	doc, _, err := normalizeFor(in, false)
	if err != nil {
		return det, false
	}
	det, err = detectLayout(bytes.Join(doc, nil), who)
	return det, err == nil
}

func detectLayout(in []byte, who SignerHint) (det Detection, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = workflow.Errorf(workflow.EUNPROCESSABLE, "the draft's text cannot be read: %v", p)
		}
	}()
	in = fromHeader(in)
	rdr, err := pdf.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return det, unparsable(err)
	}
	n := rdr.NumPage()
	if n < 1 {
		return det, unparsable(fmt.Errorf("no pages"))
	}
	det.Layout.Source = workflow.LayoutDetected
	det.formFields = rdr.Trailer().Key("Root").Key("AcroForm").Key("Fields").Len() > 0
	fonts := fontCache{}
	// The pages' glyphs are read into one buffer: spans copies what it keeps.
	buf := glyphBufs.Get().(*[]glyph)
	defer func() { putGlyphs(buf, *buf) }()
	pg1, err := readPage(rdr, in, 1, fonts, (*buf)[:0])
	if err != nil {
		return det, unparsable(err)
	}
	*buf = pg1.out
	first := spans(pg1.out)
	_, ph := pg1.geom.size()
	if len(first) == 0 {
		det.Notes = append(det.Notes, noTextNote(pg1.turned))
	}
	if len(first) > 0 {
		if b, note, ok := findNumber(first, ph); ok {
			det.Layout.Number = &b
			det.Layout.NumberOnly = true
			if note != "" {
				det.Notes = append(det.Notes, note)
			}
		} else {
			det.Notes = append(det.Notes, `no "Số: …/…" line in the upper part of page 1: the number goes to the default position`)
		}
		d, ok := findDate(first, ph)
		if !ok {
			d, ok = findDateWrappedAfterDay(first, ph)
		}
		if ok {
			det.Layout.Date = &d.box
			det.Layout.DateBlanks, det.Layout.DateBlanksBelow, det.Layout.DateShortYear = d.blanks, d.below, d.shortYear
			if d.note != "" {
				det.Notes = append(det.Notes, d.note)
			}
		} else {
			det.Notes = append(det.Notes, `no "ngày … tháng … năm" line in the upper part of page 1: the date goes to the default position`)
		}
	}
	pages := func(p int) ([]*textSpan, float64, bool) {
		if p == 1 {
			return first, ph, true
		}
		pg, err := readPage(rdr, in, p, fonts, (*buf)[:0])
		if err != nil {
			return nil, 0, false
		}
		*buf = pg.out
		_, h := pg.geom.size()
		return spans(pg.out), h, true
	}
	if b, note, ok := lastSignature(n, pages, who); ok {
		det.Layout.Signature = &b
		if note != "" {
			det.Notes = append(det.Notes, note)
		}
	} else if len(first) > 0 {
		det.Notes = append(det.Notes, `no signature block (a title such as "CHỦ TỊCH" with the signer's name below it) on any page: the signature goes to the default position`)
	}
	return det, nil
}

// noTextNote says why page 1 has no line to read: a page whose text is
// all turned (laid on its side by /Rotate or by its content, as a
// converter's "rotate" leaves it) is not a scan.
func noTextNote(turned int) string {
	if turned > 0 {
		return "page 1's text does not read upright as the page is shown (turned on its side or upside down): number, date and signature go to the default positions"
	}
	return "page 1 has no extractable text (a scan?): number, date and signature go to the default positions"
}

// fromHeader returns in from its "%PDF-" header on: the junk before it
// that intake accepts (within headerWindow) and signing cuts is not read.
func fromHeader(in []byte) []byte {
	if off := headerOffset(in); off > 0 {
		return in[off:]
	}
	return in
}

// findNumber finds "Số:" in the upper 40% of page 1 and returns the blank
// after it: up to the "/" of the notation, where the number goes. A blank
// narrower than one font size (a tab that stopped just after "Số:", one
// space) gets a note: the number, written against the slash, covers "Số:".
func findNumber(ss []*textSpan, ph float64) (workflow.Box, string, bool) {
	for _, sp := range ss {
		if sp.y < ph*0.6 {
			continue
		}
		loc := numberRe.FindStringIndex(sp.text)
		if loc == nil {
			continue
		}
		colon := runeIndex(sp.text, loc[1]) - 1
		after := sp.gs[colon].x + sp.gs[colon].w
		rest := []rune(sp.text)[colon+1:]
		slash := -1
		for i, r := range rest {
			if r == '/' {
				slash = colon + 1 + i
				break
			}
			if r != ' ' && r != '.' && r != '…' && r != '_' {
				break // something other than a blank before the slash
			}
		}
		var end float64
		switch {
		case slash >= 0:
			end = sp.gs[slash].x
		case len(strings.TrimSpace(string(rest))) == 0:
			// A wide blank splits the line: the notation is the next cell.
			for _, u := range ss {
				if sp.sameLine(u) && u.x0 > after && u.x0-after < 150 && strings.HasPrefix(u.text, "/") {
					end = u.x0
					break
				}
			}
		}
		if end == 0 {
			continue
		}
		s := sp.s
		w := end - after - 0.1*s
		note := ""
		if w < s {
			// A tight blank: the number still ends at the slash.
			note = fmt.Sprintf(`the number's blank between "Số:" and the slash is %.1f pt wide, narrower than the number written into it (about %.0f pt for two digits): it will cover "Số:"; widen the blank in the draft (spaces rather than a tab) and upload it again`, end-after, s)
			after, w = end-2.2*s, 2.1*s
		}
		return workflow.Box{Page: 1, X: round2(after), Y: round2(sp.y - 0.3*s), W: round2(w), H: round2(1.35 * s)}, note, true
	}
	return workflow.Box{}, "", false
}

// dateLine is a date line found: its box (its first line's), the centres
// of the day, month and year blanks from the box's left edge (0: filled in
// the draft already), how far below the box's line each is (nil: on it),
// whether the year's blank follows the century ("năm 20…", as Decree 30's
// forms print it: only the last two digits go there), and a note.
type dateLine struct {
	box       workflow.Box
	blanks    []float64
	below     []float64
	shortYear bool
	note      string
}

// findDate finds "ngày … tháng … năm …" in the upper 45% of page 1.
func findDate(ss []*textSpan, ph float64) (dateLine, bool) {
	for i, sp := range ss {
		if sp.y < ph*0.55 {
			continue
		}
		m := dateRe.FindStringSubmatchIndex(sp.text)
		if m == nil && dateCutRe.MatchString(sp.text) {
			sp = joinedRight(sp, ss[i+1:])
			m = dateRe.FindStringSubmatchIndex(sp.text)
		}
		wrapped := m == nil && dateWrapped(ss, sp)
		if wrapped {
			m = dateWrapRe.FindStringSubmatchIndex(sp.text)
		}
		if m == nil {
			continue
		}
		at := func(off int) glyph { return sp.gs[runeIndex(sp.text, off)] }
		endOf := func(off int) float64 { g := sp.gs[runeIndex(sp.text, off)-1]; return g.x + g.w }
		s := sp.s
		dayL, dayR := endOf(m[2]), at(m[3]).x
		// "tháng" starts where group 1 ends; group 2 is after "thang".
		monL := endOf(m[4])
		var monR, yearL float64
		switch {
		case wrapped: // the month's blank ends the line, the year is below
			monR = math.Max(sp.x1, monL+2.2*s)
			yearL = monR - 2.6*s
		case m[5] >= len(sp.text):
			continue
		default:
			monR, yearL = at(m[5]).x, endOf(m[6])
		}
		x0 := sp.x0
		right := math.Max(sp.x1, yearL+2.6*s)
		blanks := []float64{(dayL+dayR)/2 - x0, (monL+monR)/2 - x0, yearL + 0.25*s + 1.05*s - x0}
		if digits(sp.text[m[2]:m[3]]) {
			blanks[0] = 0
		}
		if digits(sp.text[m[4]:m[5]]) {
			blanks[1] = 0
		}
		short := false
		if wrapped || m[8] >= 0 || strings.TrimSpace(sp.text[m[1]:]) == "" && yearBelow(ss, sp, "") {
			blanks[2] = 0
		} else if c, ok := shortYear(sp, m[7]); ok {
			blanks[2], short, right = c-x0, true, math.Max(right, c+1.3*s)
		}
		if blanks[0] == 0 && blanks[1] == 0 && blanks[2] == 0 && !dateLineStart(sp.text, m[0]) {
			continue // a citation in the text, not the date line
		}
		note := narrowBlank(s, [2]float64{dayR - dayL, monR - monL}, blanks)
		for i := range blanks {
			blanks[i] = round2(blanks[i])
		}
		box := workflow.Box{Page: 1, X: round2(x0), Y: round2(sp.y - 0.3*s), W: round2(right - x0), H: round2(1.35 * s)}
		return dateLine{box: box, blanks: blanks, shortYear: short, note: note}, true
	}
	return dateLine{}, false
}

// shortYear finds, at offset off of sp's text (after "năm" and its
// blank), the century and the year's blank after it, "20…": where the
// year's last two digits go, and true.
func shortYear(sp *textSpan, off int) (float64, bool) {
	rest := []rune(sp.text[off:])
	if len(rest) < 2 || string(rest[:2]) != "20" || len(rest) > 2 && unicode.IsDigit(rest[2]) {
		return 0, false
	}
	i := runeIndex(sp.text, off) + 2
	l := sp.gs[i-1].x + sp.gs[i-1].w
	r := l
	for _, c := range rest[2:] {
		if !strings.ContainsRune(" .…_", c) {
			break
		}
		r = sp.gs[i].x + sp.gs[i].w
		i++
	}
	if r-l >= sp.s {
		return (l + r) / 2, true
	}
	return l + 0.6*sp.s, true
}

// joinedRight is sp with the cells after it on its line (next, as spans
// orders them: line by line, left to right) joined to it, as long as each
// is less than dateBlankMax font sizes from the one before: a date line's
// blanks wider than spans' column gap (two font sizes) cut it into cells.
// A word processor writes the blanks as spaces, but OCR text over a scan
// has only the words, each placed where its ink starts, and the blank left
// for two digits is read two font sizes wide or a little more. At most
// the two cuts of the date line's two blanks are bridged.
func joinedRight(sp *textSpan, next []*textSpan) *textSpan {
	j := *sp
	j.gs = slices.Clip(j.gs)
	for _, u := range next[:min(len(next), 2)] {
		gap := u.x0 - j.x1
		if !sp.sameLine(u) || gap < 0 || gap > dateBlankMax*j.s {
			break
		}
		last := j.gs[len(j.gs)-1]
		j.gs = append(j.gs, glyph{r: ' ', x: j.x1, y: last.y, w: gap, s: last.s, slope: last.slope})
		j.gs = append(j.gs, u.gs...)
		j.text += " " + u.text
		j.orig += " " + u.orig
		j.x1, j.s = u.x1, math.Max(j.s, u.s)
	}
	return &j
}

// dateBlankMax bounds, in font sizes, a blank of the date line that
// joinedRight bridges: wider than a day's or a month's blank in any
// template, narrower than the gap between the header's columns.
const dateBlankMax = 5

// narrowBlank is a note when the day or month blank left in the draft is
// narrower than one font size, less than the two digits stamped into it:
// a tab that stops at a tab stop just after "tháng" leaves 3 to 6 points,
// and the digits are stamped over the words on either side. The draft is
// what has to change (spaces or a wider tab); the handler learns it at
// upload rather than from the issued document.
func narrowBlank(s float64, widths [2]float64, blanks []float64) string {
	for i, part := range []string{"day", "month"} {
		if blanks[i] != 0 && widths[i] < s {
			return fmt.Sprintf("the %s blank of the date line is %.1f pt wide, narrower than the two digits written into it (about %.0f pt): they will overlap the words beside it; widen the blank in the draft (spaces rather than a tab) and upload it again", part, widths[i], s)
		}
	}
	return ""
}

// yearBelow says whether the line right below the date line sp, within
// its column, is a year after word: a date line too wide for its cell (a
// wider font in a word processor's header table) wraps "2026" there
// (word ""), and that year is filled, not a blank after "năm".
func yearBelow(ss []*textSpan, sp *textSpan, word string) bool {
	for _, u := range ss {
		dy := sp.y - u.y
		if dy <= 0.5*sp.s || dy > 1.6*sp.s || u.x1 <= sp.x0 || u.x0 >= sp.x1 {
			continue
		}
		y, ok := strings.CutPrefix(strings.TrimSpace(u.text), word)
		if y = strings.TrimSpace(y); ok && len(y) == 4 && strings.IndexFunc(y, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
			return true
		}
	}
	return false
}

// dateWrapped says whether sp is a date line wrapped after "tháng" and
// its blank, "năm 2026" on the line below within its column: a column too
// narrow for the line (an A5 page, a long place name, a larger font in the
// header's table; LibreOffice, Chromium and XeLaTeX drafts wrap so). The
// day's and the month's blanks are on sp; the year is filled.
func dateWrapped(ss []*textSpan, sp *textSpan) bool {
	return dateWrapRe.MatchString(sp.text) && yearBelow(ss, sp, "nam")
}

// dateLineStart says whether "ngày" at offset at of a line's text starts
// a Decree 30 date line, "<place>, ngày … tháng … năm …": it begins the
// span or follows a comma. A citation in the text ("Căn cứ Luật … ngày 19
// tháng 6 năm 2015;") does neither: taken for the date line, its filled
// blanks left the document issued with no date at all. A line with a
// blank left is a date line whatever comes before it (a template that
// leaves out the comma).
func dateLineStart(text string, at int) bool {
	before := strings.TrimRight(text[:at], " ")
	return before == "" || strings.HasSuffix(before, ",")
}

func digits(s string) bool {
	return strings.IndexFunc(s, unicode.IsDigit) >= 0
}

// upper reports whether s has letters and all of them are upper case.
func upper(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsLower(r) {
				return false
			}
		}
	}
	return letters > 0
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// DetectLayout implements workflow.LayoutDetector: the anchors of the
// draft's template, or nil when none was found; of several signature
// blocks, signer's (nil: by place alone).
func (s *Service) DetectLayout(ctx context.Context, r io.ReaderAt, size int64, signer *workflow.User) (*workflow.Layout, error) {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return nil, workflow.Wrap(workflow.EINVALID, err, "cannot read the upload")
	}
	var who SignerHint
	if signer != nil {
		who = SignerHint{Name: signer.FullName, Title: signer.Title}
	}
	det, err := DetectLayoutFor(b, who)
	if err != nil {
		return nil, err
	}
	l := det.Layout
	l.Notes = det.Notes
	return &l, nil
}

// PageSizes returns the displayed width and height (points) of every
// page of pdf, for previews that place the stamps' boxes over a page; a
// file is read as intake reads it (a damaged one from cross-reference data
// made again), so that the pages are those signing signs.
func PageSizes(in []byte) (sizes [][2]float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = workflow.Errorf(workflow.EUNPROCESSABLE, "the PDF's pages cannot be read: %v", p)
		}
	}()
	_, rdr, err := inspectParsed(in, true)
	if err != nil {
		return nil, err
	}
	for i := 1; i <= rdr.NumPage(); i++ {
		g, err := pageGeometry(rdr, i)
		if err != nil {
			return nil, unparsable(err)
		}
		w, h := g.size()
		sizes = append(sizes, [2]float64{w, h})
	}
	return sizes, nil
}
