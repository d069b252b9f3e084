package testpdf

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Drafts typed in Vietnam's legacy 8-bit fonts, as district offices still
// type them and word processors export them: single-byte codes in an
// embedded TrueType font named as the legacy font is (TCVN3's ".VnTime",
// with ".VnTimeH" for the capitals with tones, or VNI's "VNI-Times"; a
// Windows-1258 one is named by its face, "TimesNewRoman"), the
// font's widths those of the letters the codes stand for. The glyphs are
// Tinos's (the reader of the draft reads codes, names and widths). What
// the bytes mean is written here from the converters' tables letter by
// letter (Unikey's, Đào Hải Lâm's xvnkb tcvn.h and vni.h, duydev's
// vietnamese-conversion), not from the reader's byte tables.

// Legacy: a draft in legacy fonts (Draft.Legacy says which).
const Legacy Producer = "legacy"

// Charset is a legacy font family's encoding.
type Charset string

const (
	// TCVN3 (ABC): one byte a letter; the capitals with tones are the
	// lowercase codes in the uppercase font (".VnTimeH").
	TCVN3 Charset = "TCVN3"
	// VNI: a base letter and, after it, a byte for its diacritics.
	VNI Charset = "VNI"
	// CP1258: Windows-1258, Windows's Vietnamese code page: its letters
	// (Latin-1's, and ă â ê ô ơ ư đ) in a byte each, a tone that none of
	// them carries as a byte after its letter. Its fonts are named as
	// any (TimesNewRoman): nothing says the code page but the text.
	CP1258 Charset = "CP1258"
)

// cp1258Letters are the letters of Windows-1258 and their bytes, from
// Microsoft's code page chart (those of Vietnamese: Latin-1's at their
// places, Ă Đ Ơ Ư ă đ ơ ư at 0xC3 0xD0 0xD5 0xDD 0xE3 0xF0 0xF5 0xFD);
// cp1258Tones the bytes of the tones, as gridTones orders them.
var (
	cp1258Letters = map[rune]byte{
		'À': 0xC0, 'Á': 0xC1, 'Â': 0xC2, 'Ă': 0xC3, 'È': 0xC8, 'É': 0xC9, 'Ê': 0xCA, 'Í': 0xCD,
		'Đ': 0xD0, 'Ó': 0xD3, 'Ô': 0xD4, 'Ơ': 0xD5, 'Ù': 0xD9, 'Ú': 0xDA, 'Ư': 0xDD,
		'à': 0xE0, 'á': 0xE1, 'â': 0xE2, 'ă': 0xE3, 'è': 0xE8, 'é': 0xE9, 'ê': 0xEA, 'í': 0xED,
		'đ': 0xF0, 'ó': 0xF3, 'ô': 0xF4, 'ơ': 0xF5, 'ù': 0xF9, 'ú': 0xFA, 'ư': 0xFD,
	}
	cp1258Tones = map[string]byte{"\u0301": 0xEC, "\u0300": 0xCC, "\u0309": 0xD2, "\u0303": 0xDE, "\u0323": 0xF2}
)

// cp1258Code is letter in Windows-1258: its own byte, or its letter
// without the tone and the tone's byte ("ố": "ô", 0xEC), as Windows's
// converter writes a letter the code page has no byte for.
func cp1258Code(letter rune) string {
	if b, ok := cp1258Letters[letter]; ok {
		return string([]byte{b})
	}
	var base []rune
	var tone byte
	for _, r := range norm.NFD.String(string(letter)) {
		if b, ok := cp1258Tones[string(r)]; ok {
			tone = b
			continue
		}
		base = append(base, r)
	}
	bare := []rune(norm.NFC.String(string(base)))[0]
	code := string(bare)
	if b, ok := cp1258Letters[bare]; ok {
		code = string([]byte{b})
	}
	return code + string([]byte{tone})
}

// LegacyFonts says how a Legacy draft's fonts are written.
type LegacyFonts struct {
	Charset Charset
	// ToUnicode: "" none; "latin1" each byte to its Latin-1 look-alike
	// ("Sè:" for "Số:"), as Word writes it; "pua" each byte b to U+F000+b,
	// as Word maps a symbolic font's codes.
	ToUnicode string
	Subset    bool // base names with a subset prefix ("AAAAAB+.VnTimeH")
	Symbolic  bool // no /Encoding, the font flagged symbolic (else WinAnsiEncoding)
	// CodePageNames: Windows-1258 only: an /Encoding of WinAnsiEncoding
	// with /Differences naming the code page's own glyphs at its bytes
	// (Abreve, gravecomb...), as PDFlib's "cp1258" encoding and Distiller
	// write a code page's font: its text reads as Unicode, the tones apart.
	CodePageNames bool
	// BoldTitlesOnly: the bold faces show only the signer's titles
	// ("CHỦ TỊCH", "KT. CHỦ TỊCH"): the other lines, the name too, are in
	// the regular faces. Typed so, the title's font has two or three
	// words of its own in the whole draft.
	BoldTitlesOnly bool
	// InlineFonts: the font dictionaries written in each page's
	// resources, not as objects of their own (their descriptors, programs
	// and /ToUnicode are), as some converters write them.
	InlineFonts bool
}

// cp1258Names are the glyph names (Adobe Glyph List) of the bytes where
// Windows-1258 differs from WinAnsiEncoding.
var cp1258Names = map[byte]string{
	0xC3: "Abreve", 0xCC: "gravecomb", 0xD0: "Dcroat", 0xD2: "hookabovecomb", 0xD5: "Ohorn", 0xDD: "Uhorn",
	0xDE: "tildecomb", 0xE3: "abreve", 0xEC: "acutecomb", 0xF0: "dcroat", 0xF2: "dotbelowcomb", 0xF5: "ohorn",
	0xFD: "uhorn", 0xFE: "dong",
}

// The vowels of Vietnamese with their hat, horn or breve, and the five
// tones (acute, grave, hook above, tilde, dot below): the rows and
// columns of the grids below.
var (
	gridVowels = []string{"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"}
	gridTones  = []string{"", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"}
)

// tcvn3Grid: each vowel of gridVowels with each tone, lowercase, as the
// Latin-1 character of its TCVN3 code.
var tcvn3Grid = []string{
	"a¸µ¶·¹", "¨¾»¼½Æ", "©ÊÇÈÉË", "eÐÌÎÏÑ", "ªÕÒÓÔÖ", "iÝ×ØÜÞ",
	"oãßáâä", "«èåæçé", "¬íêëìî", "uóïñòô", "\u00adøõö÷ù", "yýúûüþ",
}

// tcvn3Others are the letters of the lowercase TCVN3 fonts besides the
// vowels: the capitals they have, and đ.
var tcvn3Others = map[rune]byte{'Ă': 0xA1, 'Â': 0xA2, 'Ê': 0xA3, 'Ô': 0xA4, 'Ơ': 0xA5, 'Ư': 0xA6, 'Đ': 0xA7, 'đ': 0xAE}

// vniGrid: each vowel of gridVowels with each tone, lowercase, in VNI's
// Latin-1 look-alikes; its capitals are their upper case ("AÙ" for Á).
var vniGrid = [][6]string{
	{"a", "aù", "aø", "aû", "aõ", "aï"}, {"aê", "aé", "aè", "aú", "aü", "aë"}, {"aâ", "aá", "aà", "aå", "aã", "aä"},
	{"e", "eù", "eø", "eû", "eõ", "eï"}, {"eâ", "eá", "eà", "eå", "eã", "eä"}, {"i", "í", "ì", "æ", "ó", "ò"},
	{"o", "où", "oø", "oû", "oõ", "oï"}, {"oâ", "oá", "oà", "oå", "oã", "oä"}, {"ô", "ôù", "ôø", "ôû", "ôõ", "ôï"},
	{"u", "uù", "uø", "uû", "uõ", "uï"}, {"ö", "öù", "öø", "öû", "öõ", "öï"}, {"y", "yù", "yø", "yû", "yõ", "î"},
}

// LegacyEncoding returns how cs writes each letter of Vietnamese that
// ASCII does not have (lowercase and capitals; TCVN3's capitals with
// tones are missing: they are the lowercase codes in the uppercase font).
func LegacyEncoding(cs Charset) map[rune]string {
	out := map[rune]string{}
	for i, v := range gridVowels {
		for j, t := range gridTones {
			letter := []rune(norm.NFC.String(v + t))[0]
			switch cs {
			case TCVN3:
				out[letter] = latin1([]rune(tcvn3Grid[i])[j])
			case VNI:
				out[letter] = latin1s(vniGrid[i][j])
				out[unicode.ToUpper(letter)] = latin1s(strings.ToUpper(vniGrid[i][j]))
			case CP1258:
				out[letter], out[unicode.ToUpper(letter)] = cp1258Code(letter), cp1258Code(unicode.ToUpper(letter))
			}
		}
	}
	switch cs {
	case TCVN3:
		for r, b := range tcvn3Others {
			out[r] = string([]byte{b})
		}
	case VNI:
		out['đ'], out['Đ'] = "\xf1", "\xd1"
	case CP1258:
		out['đ'], out['Đ'] = "\xf0", "\xd0"
	}
	for r, s := range out {
		if r < 0x80 {
			delete(out, r) // plain ASCII: a, A, e... as they are
		} else if len(s) == 0 {
			panic(fmt.Sprintf("testpdf: no code for %q", r))
		}
	}
	return out
}

// latin1 is the byte of a Latin-1 character, as a string.
func latin1(r rune) string { return string([]byte{byte(r)}) }

func latin1s(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteByte(byte(r))
	}
	return b.String()
}

// legacyFace is one of a Legacy draft's fonts.
type legacyFace struct {
	name        string // base name without a subset prefix
	bold, upper bool   // upper: draws every letter as a capital (".VnTimeH")
	res         string // resource name, /F1...
}

// legacyWriter holds the objects of a Legacy PDF (object i+1 is objs[i]).
type legacyWriter struct {
	d     Draft
	m     *metrics
	enc   map[rune]string
	objs  []string
	faces []legacyFace
	ids   []int // the faces' font objects
}

func (w *legacyWriter) obj(s string) int { w.objs = append(w.objs, s); return len(w.objs) }

// writeLegacy writes the draft in legacy fonts (see Legacy).
func writeLegacy(d Draft, m *metrics, items []item) ([]byte, error) {
	w := &legacyWriter{d: d, m: m, enc: LegacyEncoding(d.Legacy.Charset)}
	switch d.Legacy.Charset {
	case TCVN3:
		w.faces = []legacyFace{{".VnTime", false, false, "/F1"}, {".VnTime,Bold", true, false, "/F2"},
			{".VnTimeH", false, true, "/F3"}, {".VnTimeH,Bold", true, true, "/F4"}}
	case VNI:
		w.faces = []legacyFace{{"VNI-Times", false, false, "/F1"}, {"VNI-Times-Bold", true, false, "/F2"}}
	case CP1258:
		w.faces = []legacyFace{{"TimesNewRoman", false, false, "/F1"}, {"TimesNewRoman,Bold", true, false, "/F2"}}
	default:
		return nil, fmt.Errorf("unknown legacy charset %q", d.Legacy.Charset)
	}
	files := [2]int{w.obj(Stream(fmt.Sprintf("/Length1 %d", len(d.Regular)), d.Regular)),
		w.obj(Stream(fmt.Sprintf("/Length1 %d", len(d.Bold)), d.Bold))}
	tu := w.toUnicode()
	var fontRes strings.Builder
	for i, f := range w.faces {
		file := files[0]
		if f.bold {
			file = files[1]
		}
		dict := w.font(i, f, file, tu)
		if w.d.Legacy.InlineFonts {
			fmt.Fprintf(&fontRes, " %s %s", f.res, dict)
			continue
		}
		w.ids = append(w.ids, w.obj(dict))
		fmt.Fprintf(&fontRes, " %s %d 0 R", f.res, w.ids[i])
	}
	pagesID := w.obj("")
	sort.SliceStable(items, func(i, j int) bool { return items[i].y > items[j].y })
	var kids strings.Builder
	for pg := 1; pg <= d.Pages; pg++ {
		content, err := w.content(pg, items)
		if err != nil {
			return nil, err
		}
		cs := w.obj(Stream("", []byte(content)))
		fmt.Fprintf(&kids, " %d 0 R", w.obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font <<%s >> >> /Contents %d 0 R >>",
			pagesID, pageW, pageH, fontRes.String(), cs)))
	}
	w.objs[pagesID-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s ] /Count %d >>", kids.String(), d.Pages)
	cat := w.obj(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesID))
	out := NewWriter("1.5")
	for i, o := range w.objs {
		out.Obj(i+1, o)
	}
	return out.Table(fmt.Sprintf("/Root %d 0 R", cat), -1), nil
}

// toUnicode adds the fonts' /ToUnicode CMap (0: none).
func (w *legacyWriter) toUnicode() int {
	var ranges string
	switch w.d.Legacy.ToUnicode {
	case "":
		return 0
	case "latin1":
		ranges = "2 beginbfrange <20> <7E> <0020> <A0> <FF> <00A0> endbfrange"
	case "pua":
		ranges = "1 beginbfrange <20> <FF> <F020> endbfrange"
	}
	cmap := "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n/CMapName /Legacy-UCS def\n" +
		"1 begincodespacerange <00> <FF> endcodespacerange\n" + ranges +
		"\nendcmap CMapName currentdict /CMap defineresource pop end end\n"
	return w.obj(Stream("", []byte(cmap)))
}

// font adds face i's descriptor with the embedded TrueType file, and
// returns its font dictionary. Its widths are those of the letters its
// codes stand for; VNI's diacritics take no room.
func (w *legacyWriter) font(i int, f legacyFace, file, tu int) string {
	name := f.name
	if w.d.Legacy.Subset {
		name = fmt.Sprintf("AAAAA%c+%s", 'A'+i, f.name)
	}
	meaning, marks := w.meanings()
	var ws strings.Builder
	for c := 32; c < 256; c++ {
		r := meaning[byte(c)]
		if f.upper {
			r = unicode.ToUpper(r)
		}
		adv := w.m.advance(r, f.bold)
		if marks[byte(c)] {
			adv = 0
		}
		fmt.Fprintf(&ws, " %.0f", adv)
	}
	flags, enc := 32, " /Encoding /WinAnsiEncoding"
	if w.d.Legacy.Symbolic {
		flags, enc = 4, ""
	}
	if w.d.Legacy.CodePageNames {
		var diffs strings.Builder
		for b := 0xC0; b <= 0xFF; b++ {
			if n, ok := cp1258Names[byte(b)]; ok {
				fmt.Fprintf(&diffs, " %d /%s", b, n)
			}
		}
		enc = fmt.Sprintf(" /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [%s ] >>", diffs.String())
	}
	desc := w.obj(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [-568 -216 2046 891] /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 /FontFile2 %d 0 R >>",
		name, flags, file))
	tuRef := ""
	if tu != 0 {
		tuRef = fmt.Sprintf(" /ToUnicode %d 0 R", tu)
	}
	return fmt.Sprintf("<< /Type /Font /Subtype /TrueType /BaseFont /%s /FirstChar 32 /LastChar 255 /Widths [%s ]%s /FontDescriptor %d 0 R%s >>",
		name, ws.String(), enc, desc, tuRef)
}

// meanings returns the letter each byte stands for (Latin-1's where the
// encoding has none) and the bytes that are only diacritics after a
// letter (VNI's).
func (w *legacyWriter) meanings() (meaning [256]rune, marks [256]bool) {
	return legacyMeanings(w.enc)
}

// legacyMeanings is meanings of the encoding enc (LegacyEncoding's).
func legacyMeanings(enc map[rune]string) (meaning [256]rune, marks [256]bool) {
	for b := range 256 {
		meaning[b] = rune(b)
	}
	for r, s := range enc {
		if len(s) == 1 {
			meaning[s[0]] = r
		}
	}
	for _, s := range enc {
		if len(s) == 2 && meaning[s[1]] == rune(s[1]) {
			marks[s[1]] = true
		}
	}
	return meaning, marks
}

// content is page pg's content stream: each line in the faces its
// letters need, one Tj a run of one face.
func (w *legacyWriter) content(pg int, items []item) (string, error) {
	var b strings.Builder
	for _, it := range items {
		if it.page != pg {
			continue
		}
		fmt.Fprintf(&b, "BT %.4f 0 0 %.4f %.2f %.2f Tm", it.size, it.size, it.x, it.y)
		runs, err := w.runs(it)
		if err != nil {
			return "", err
		}
		for _, r := range runs {
			fmt.Fprintf(&b, " %s 1 Tf (%s) Tj", w.faces[r.face].res, escapeLiteral(r.text))
		}
		b.WriteString(" ET\n")
	}
	return b.String(), nil
}

type legacyRun struct {
	face int
	text string
}

// runs encodes a line: in VNI one face; in TCVN3 a line without a
// lowercase letter, and in other lines each capital with a tone (and the
// run of capitals around it), in the uppercase face, as lowercase codes.
func (w *legacyWriter) runs(it item) ([]legacyRun, error) {
	text := []rune(norm.NFC.String(it.text))
	caps := !strings.ContainsFunc(it.text, unicode.IsLower)
	var out []legacyRun
	for i, r := range text {
		face := 0
		if w.d.Legacy.Charset == TCVN3 && (caps || upperRun(text, i, w.enc)) {
			face = 2
			if unicode.IsLetter(r) && r >= 0x80 {
				r = unicode.ToLower(r)
			}
		}
		if it.bold {
			face++
		}
		code, ok := w.enc[r]
		switch {
		case r < 0x80 || r == '\u00a0':
			code = latin1(r)
		case !ok:
			return nil, fmt.Errorf("%s has no code for %q", w.d.Legacy.Charset, r)
		}
		if n := len(out); n > 0 && out[n-1].face == face {
			out[n-1].text += code
			continue
		}
		out = append(out, legacyRun{face, code})
	}
	return out, nil
}

// upperRun says whether text[i] is in a word with a capital that the
// lowercase TCVN3 face does not have (Ủ of "Ủy ban").
func upperRun(text []rune, i int, enc map[rune]string) bool {
	lo, hi := i, i
	for lo > 0 && unicode.IsLetter(text[lo-1]) {
		lo--
	}
	for hi < len(text) && unicode.IsLetter(text[hi]) {
		hi++
	}
	for _, r := range text[lo:hi] {
		if _, ok := enc[r]; unicode.IsUpper(r) && r >= 0x80 && !ok {
			return unicode.IsUpper(text[i])
		}
	}
	return false
}

// escapeLiteral escapes s for a literal string.
func escapeLiteral(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
	return r.Replace(s)
}
