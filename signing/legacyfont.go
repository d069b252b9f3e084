package signing

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Vietnam's legacy 8-bit fonts. Many district offices still type in
// TCVN3 (ABC) fonts — ".VnTime", ".VnArial"..., with an uppercase twin
// ".VnTimeH" whose lowercase codes draw capitals — or VNI fonts
// ("VNI-Times", "VNI-Helve"...), which write an accented letter as its
// base letter followed by a byte whose glyph is the diacritic; and some
// type in Windows-1258 (code page 1258, Windows's Vietnamese), Latin-1's
// letters with ă â ê ô ơ ư đ in bytes of their own and each tone but
// those of à á è é í ó ù ú ý as a combining byte after its letter. A word
// processor exports such text as single-byte codes (WinAnsiEncoding, or
// a symbolic font without /Encoding), with a /ToUnicode that maps each
// byte to its Latin-1 look-alike ("Sè:" for "Số:", "CHñ TÞCH" for "CHỦ
// TỊCH" in .VnTimeH, "Soá:" in VNI) or with none: read as it is, the
// draft's text is garbage and no anchor is found. A font whose base name
// says it is one of those (legacyTableFor) is read through its table: the
// character the text would otherwise be (the look-alike, by /ToUnicode or
// the encoding) is taken for the byte it is, and decoded into Unicode; a
// diacritic is put on the letter before it (NFC). A /ToUnicode that maps
// some code to a letter only Vietnamese has is trusted as it is.

// legacyTable is the Unicode text of each byte of a legacy font (the
// byte's Latin-1 look-alike where the encoding has no letter of its own).
type legacyTable [256][]rune

// decode is the text of one code that the font's /ToUnicode or encoding
// gives as rs: its look-alike (a Latin-1 character, or one of the private
// use area U+F000–U+F0FF as Word maps a symbolic font's bytes) decoded by
// t. The result is shared: the caller must not change it.
func (t *legacyTable) decode(rs []rune) []rune {
	if len(rs) != 1 {
		return rs
	}
	r := rs[0]
	if r >= 0xF000 && r <= 0xF0FF {
		r -= 0xF000
	}
	if r >= 0 && r < 256 {
		return t[r]
	}
	return rs
}

// tcvn3High is TCVN 5712:1993 in 0xA0–0xFF, the range the TCVN3 (VN3)
// fonts use besides ASCII: as GNU libc's iconv converts TCVN5712-1
// (`iconv -f TCVN5712-1`), which TestLegacyTablesAgainstIconv checks,
// and as Unikey's and Đào Hải Lâm's xvnkb (tcvn.h) tables agree for the
// lowercase letters and Ă Â Ê Ô Ơ Ư Đ. 0xB0–0xB4 are combining tone marks.
var tcvn3High = [96]rune{
	0x00A0, 0x0102, 0x00C2, 0x00CA, 0x00D4, 0x01A0, 0x01AF, 0x0110, // A0
	0x0103, 0x00E2, 0x00EA, 0x00F4, 0x01A1, 0x01B0, 0x0111, 0x1EB0, // A8
	0x0300, 0x0309, 0x0303, 0x0301, 0x0323, 0x00E0, 0x1EA3, 0x00E3, // B0
	0x00E1, 0x1EA1, 0x1EB2, 0x1EB1, 0x1EB3, 0x1EB5, 0x1EAF, 0x1EB4, // B8
	0x1EAE, 0x1EA6, 0x1EA8, 0x1EAA, 0x1EA4, 0x1EC0, 0x1EB7, 0x1EA7, // C0
	0x1EA9, 0x1EAB, 0x1EA5, 0x1EAD, 0x00E8, 0x1EC2, 0x1EBB, 0x1EBD, // C8
	0x00E9, 0x1EB9, 0x1EC1, 0x1EC3, 0x1EC5, 0x1EBF, 0x1EC7, 0x00EC, // D0
	0x1EC9, 0x1EC4, 0x1EBE, 0x1ED2, 0x0129, 0x00ED, 0x1ECB, 0x00F2, // D8
	0x1ED4, 0x1ECF, 0x00F5, 0x00F3, 0x1ECD, 0x1ED3, 0x1ED5, 0x1ED7, // E0
	0x1ED1, 0x1ED9, 0x1EDD, 0x1EDF, 0x1EE1, 0x1EDB, 0x1EE3, 0x00F9, // E8
	0x1ED6, 0x1EE7, 0x0169, 0x00FA, 0x1EE5, 0x1EEB, 0x1EED, 0x1EEF, // F0
	0x1EE9, 0x1EF1, 0x1EF3, 0x1EF7, 0x1EF9, 0x00FD, 0x1EF5, 0x1ED0, // F8
}

// vniBytes are the bytes of VNI for Windows that are not Latin-1's own
// letters: a diacritic (one or two combining marks, which go on the base
// letter before them) or a letter, lowercase and uppercase forms. As
// Đào Hải Lâm's xvnkb (vni.h, the VNI column of Unikey's tables) and
// the vietnamese-conversion package (duydev, charsets.ts) give them;
// TestLegacyRoundTrip decodes every Vietnamese letter as testpdf's
// encoder, written from those tables' letter-by-letter form, encodes it.
var vniBytes = map[byte]string{
	// tone marks: acute, grave, hook above, tilde, dot below
	0xF9: "\u0301", 0xF8: "\u0300", 0xFB: "\u0309", 0xF5: "\u0303", 0xEF: "\u0323",
	0xD9: "\u0301", 0xD8: "\u0300", 0xDB: "\u0309", 0xD5: "\u0303", 0xCF: "\u0323",
	// circumflex (â ê ô), alone and with each tone
	0xE2: "\u0302", 0xE1: "\u0302\u0301", 0xE0: "\u0302\u0300", 0xE5: "\u0302\u0309", 0xE3: "\u0302\u0303", 0xE4: "\u0302\u0323",
	0xC2: "\u0302", 0xC1: "\u0302\u0301", 0xC0: "\u0302\u0300", 0xC5: "\u0302\u0309", 0xC3: "\u0302\u0303", 0xC4: "\u0302\u0323",
	// breve (ă), alone and with each tone
	0xEA: "\u0306", 0xE9: "\u0306\u0301", 0xE8: "\u0306\u0300", 0xFA: "\u0306\u0309", 0xFC: "\u0306\u0303", 0xEB: "\u0306\u0323",
	0xCA: "\u0306", 0xC9: "\u0306\u0301", 0xC8: "\u0306\u0300", 0xDA: "\u0306\u0309", 0xDC: "\u0306\u0303", 0xCB: "\u0306\u0323",
	// letters of one byte: ơ ư, the i with tones, ỵ, đ
	0xF4: "ơ", 0xF6: "ư", 0xED: "í", 0xEC: "ì", 0xE6: "ỉ", 0xF3: "ĩ", 0xF2: "ị", 0xEE: "ỵ", 0xF1: "đ",
	0xD4: "Ơ", 0xD6: "Ư", 0xCD: "Í", 0xCC: "Ì", 0xC6: "Ỉ", 0xD3: "Ĩ", 0xD2: "Ị", 0xCE: "Ỵ", 0xD1: "Đ",
}

// cp1258Bytes are the bytes of Windows-1258 in 0xA0–0xFF that are not
// Latin-1's: its letters ă ơ ư đ and their capitals, the dong sign, and
// the five tone marks, which go on the letter before them (a precomposed
// one too: "ô" then 0xEC is "ố"). TestCP1258Table checks them against
// x/text's charmap.Windows1258 (and glibc's iconv, byte by byte); 0x80–0x9F
// hold Windows-1252's punctuation, which WinAnsiEncoding reads as it is.
var cp1258Bytes = map[byte]rune{
	0xC3: 'Ă', 0xD0: 'Đ', 0xD5: 'Ơ', 0xDD: 'Ư', 0xE3: 'ă', 0xF0: 'đ', 0xF5: 'ơ', 0xFD: 'ư', 0xFE: '₫',
	0xCC: 0x0300, 0xEC: 0x0301, 0xD2: 0x0309, 0xDE: 0x0303, 0xF2: 0x0323, // grave, acute, hook above, tilde, dot below
}

var (
	tcvn3Table, tcvn3UpperTable, vniTable, cp1258Table = legacyTables()
)

func legacyTables() (lower, upper, vni, cp1258 *legacyTable) {
	lower, upper, vni, cp1258 = new(legacyTable), new(legacyTable), new(legacyTable), new(legacyTable)
	for i, r := range tcvn3High {
		lower[0xA0+i] = []rune{r}
	}
	// .VnTimeH and its kin draw every letter as a capital: the
	// lowercase codes are how capitals with tones are typed.
	for b := range 256 {
		r := rune(b)
		if lower[b] != nil {
			r = lower[b][0]
		}
		if u := unicode.ToUpper(r); u != rune(b) || lower[b] != nil {
			upper[b] = []rune{u}
		}
	}
	for b, s := range vniBytes {
		vni[b] = []rune(s)
	}
	for b, r := range cp1258Bytes {
		cp1258[b] = []rune{r}
	}
	for b := range 256 {
		for _, t := range []*legacyTable{lower, upper, vni, cp1258} {
			if t[b] == nil {
				t[b] = []rune{rune(b)}
			}
		}
	}
	return lower, upper, vni, cp1258
}

// legacyTableFor is the table of the font whose /BaseFont is name, or nil
// when the name is not one of a TCVN3 font (".VnTime", ".VnArial
// NarrowH"; those ending in H, before a style, are the uppercase ones) or
// of a VNI font ("VNI-Times"). A subset's prefix ("ABCDEF+") and a style
// (",Bold", "-BoldItalic") are not part of the name. No name says
// Windows-1258: Word, PDFMaker and the print drivers name the font by its
// face ("TimesNewRoman", "Arial,Bold") whatever code page it was typed in
// (the charset Windows knows it by is not written), so such a font is
// found only by its text (legacyguess.go).
func legacyTableFor(name string) *legacyTable {
	if len(name) > 7 && name[6] == '+' && strings.IndexFunc(name[:6], func(r rune) bool { return r < 'A' || r > 'Z' }) < 0 {
		name = name[7:]
	}
	switch {
	case len(name) > 3 && strings.EqualFold(name[:3], ".vn"):
		if i := strings.IndexAny(name, ",-"); i > 0 {
			name = name[:i]
		}
		for _, style := range []string{"BoldItalic", "Bold", "Italic"} {
			name = strings.TrimSuffix(name, style)
		}
		if strings.HasSuffix(name, "H") {
			return tcvn3UpperTable
		}
		return tcvn3Table
	case len(name) > 4 && strings.EqualFold(name[:3], "vni") && strings.IndexByte("- _", name[3]) >= 0:
		return vniTable
	}
	return nil
}

// mapsVietnamese says whether m maps some code to a letter (or tone
// mark) that Latin-1 does not have and Vietnamese writes: then the
// font's /ToUnicode is a Unicode one, to be trusted, whatever its name.
func mapsVietnamese(m *codeMap[[]rune]) bool {
	for _, s := range m.segs {
		if len(s.v) == 0 {
			continue
		}
		for _, r := range s.v[:len(s.v)-1] {
			if vietnameseIn(r, r) {
				return true
			}
		}
		last := s.v[len(s.v)-1] // a range's codes offset their text's last character
		if vietnameseIn(last+rune(s.lo-s.base), last+rune(s.hi-s.base)) {
			return true
		}
	}
	return false
}

// vietnameseIn says whether lo..hi holds a letter of Vietnamese outside
// Latin-1 (Ă Đ Ĩ Ũ Ơ Ư and U+1EA0–U+1EF9) or one of its combining marks.
func vietnameseIn(lo, hi rune) bool {
	for _, r := range [][2]rune{{0x0102, 0x0103}, {0x0110, 0x0111}, {0x0128, 0x0129}, {0x0168, 0x0169},
		{0x01A0, 0x01A1}, {0x01AF, 0x01B0}, {0x1EA0, 0x1EF9},
		{0x0300, 0x0303}, {0x0306, 0x0306}, {0x0309, 0x0309}, {0x031B, 0x031B}, {0x0323, 0x0323}} {
		if lo <= r[1] && hi >= r[0] {
			return true
		}
	}
	return false
}

// composeMarks puts the combining marks marks on base: the one
// precomposed letter they make (NFC), or false when they make none.
func composeMarks(base rune, marks []rune) (rune, bool) {
	var in, out [32]byte
	b := utf8.AppendRune(in[:0], base)
	for _, m := range marks {
		if len(b)+utf8.UTFMax > len(in) {
			return 0, false
		}
		b = utf8.AppendRune(b, m)
	}
	c := norm.NFC.Append(out[:0], b...)
	r, n := utf8.DecodeRune(c)
	if n != len(c) || r == utf8.RuneError {
		return 0, false
	}
	return r, true
}
