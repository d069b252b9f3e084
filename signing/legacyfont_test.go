package signing

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"unicode"

	"github.com/vanthu/vanthu/internal/testpdf"
	"golang.org/x/text/encoding/charmap"
)

// legacyCases are drafts typed in TCVN3 (.VnTime, with .VnTimeH for the
// capitals with tones), VNI (VNI-Times) and Windows-1258 (TimesNewRoman,
// as Word names a font whatever its code page) fonts: WinAnsiEncoding or
// symbolic, with no /ToUnicode, with one that maps every byte to its
// Latin-1 look-alike (Word) or, for a symbolic font, to U+F000 + the
// byte; names with and without a subset prefix; blanks as gaps and as
// no-break spaces, the signature block on page 2 under three titles.
func legacyCases() []draftCase {
	reg, bold := Fonts()
	var out []draftCase
	for _, cs := range []testpdf.Charset{testpdf.TCVN3, testpdf.VNI, testpdf.CP1258} {
		for _, f := range []testpdf.LegacyFonts{
			{},
			{ToUnicode: "latin1"},
			{ToUnicode: "latin1", Subset: true},
			{Symbolic: true},
			{Symbolic: true, ToUnicode: "pua", Subset: true},
			// the bold faces show only "CHỦ TỊCH": too few words to
			// guess from (legacyguess.go's borrowTable)
			{ToUnicode: "latin1", Subset: true, BoldTitlesOnly: true},
			{Symbolic: true, BoldTitlesOnly: true},
		} {
			f.Charset = cs
			name := fmt.Sprintf("%s/tounicode-%q/subset-%v/symbolic-%v", cs, f.ToUnicode, f.Subset, f.Symbolic)
			if f.BoldTitlesOnly {
				name += "/bold-titles-only"
			}
			d := testpdf.Draft{Producer: testpdf.Legacy, Legacy: f, Regular: reg, Bold: bold, Pages: 1, SigTitleY: 300}
			if f.BoldTitlesOnly {
				d.Titles, d.Name = []string{"CHỦ TỊCH"}, "Nguyễn Văn Sĩ"
			}
			out = append(out, draftCase{name, d})
		}
		out = append(out, draftCase{string(cs) + "/nbsp-blanks-page-2", testpdf.Draft{Producer: testpdf.Legacy,
			Legacy: testpdf.LegacyFonts{Charset: cs, ToUnicode: "latin1", Subset: true}, Regular: reg, Bold: bold,
			Pages: 2, SigTitleY: 560, Titles: []string{"TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"},
			Name: "Trần Thị Bình", YearBlank: true, BlankRune: '\u00a0'}})
		// the fonts written inline in each page's resources (read anew at
		// each content stream before: kept by their content, pagetext.go)
		out = append(out, draftCase{string(cs) + "/inline-fonts-page-2", testpdf.Draft{Producer: testpdf.Legacy,
			Legacy: testpdf.LegacyFonts{Charset: cs, ToUnicode: "latin1", InlineFonts: true}, Regular: reg, Bold: bold,
			Pages: 2, SigTitleY: 560, Titles: []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}, Name: "Trần Thị Bình"}})
	}
	return out
}

// TestDetectLayoutLegacyFonts finds number, date and signature block in
// drafts typed in legacy fonts where they were put, and reads their text
// as the Unicode it was typed from: fonts named as legacy ones, and the
// same fonts renamed as print drivers and optimisers rename them (the
// name says nothing: the text is tried each way, legacyguess.go). The
// Windows-1258 ones are named as no legacy font is, to begin with.
func TestDetectLayoutLegacyFonts(t *testing.T) {
	for _, c := range legacyCases() {
		for _, renamed := range []bool{false, true} {
			if renamed && c.d.Legacy.Charset == testpdf.CP1258 {
				continue
			}
			name := c.name
			if renamed {
				name = "renamed/" + name
			}
			t.Run(name, func(t *testing.T) { checkLegacyDraft(t, c, renamed) })
		}
	}
}

// TestDetectLayoutCP1258CodePageNames: a Windows-1258 font whose /Encoding
// names the code page's glyphs (/Differences: Abreve, ohorn, gravecomb...,
// as PDFlib's "cp1258" and Distiller write it) reads as Unicode, the tone
// marks apart from their letters, which the anchors' folding drops: found
// as it was before Windows-1258 was looked for, and not guessed (its
// names say what its codes are).
func TestDetectLayoutCP1258CodePageNames(t *testing.T) {
	reg, bold := Fonts()
	d := testpdf.Draft{Producer: testpdf.Legacy, Legacy: testpdf.LegacyFonts{Charset: testpdf.CP1258, CodePageNames: true},
		Regular: reg, Bold: bold, Pages: 1, SigTitleY: 300}
	in, a := makeDraft(t, d)
	checkDetected(t, d, in, a)
	if text := draftText(t, in, 1); !strings.Contains(text, "Căn cư") || strings.Contains(text, "Cãn") {
		t.Errorf("not read by its glyph names:\n%s", text)
	}
}

// checkLegacyDraft checks the layout and the text read of legacy draft c,
// its fonts renamed or not.
func checkLegacyDraft(t *testing.T, c draftCase, renamed bool) {
	in, a := makeDraft(t, c.d)
	if renamed {
		in = renameFonts(in)
	}
	checkDetected(t, c.d, in, a)
	text := draftText(t, in, c.d.Pages)
	title, name := "CHỦ TỊCH", "Nguyễn Văn Sĩ" // MakeDraft's defaults
	if len(c.d.Titles) > 0 {
		title, name = c.d.Titles[len(c.d.Titles)-1], c.d.Name
	}
	for _, want := range []string{"ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
		"Số:", "/QĐ-UBND", "Bình Thủy, ngày", "QUYẾT ĐỊNH", "Về việc ban hành quy chế làm việc",
		"Theo đề nghị của Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân quận.", "Nơi nhận:", title, name} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not in the text read:\n%s", want, text)
		}
	}
}

// TestLegacyRoundTrip decodes every letter of Vietnamese as testpdf
// writes it in each legacy encoding (from the converters' letter-by-letter
// tables, Windows-1258's from the code page's letters and its rule of a
// tone byte after the letter), and every lowercase one in the uppercase
// TCVN3 fonts as its capital: the reader's byte tables and the writer's
// letter tables were written apart, from different sources, and must agree.
func TestLegacyRoundTrip(t *testing.T) {
	cases := []struct {
		cs    testpdf.Charset
		font  string
		upper bool
	}{{testpdf.TCVN3, ".VnTime", false}, {testpdf.TCVN3, "ABCDEF+.VnTimeH,Bold", true}, {testpdf.VNI, "VNI-Times", false},
		{testpdf.CP1258, "", false}}
	for _, c := range cases {
		t.Run(string(c.cs)+"/"+c.font, func(t *testing.T) {
			tab := legacyTableFor(c.font)
			if c.cs == testpdf.CP1258 {
				tab = cp1258Table // no font name says it
			}
			n := 0
			for letter, code := range testpdf.LegacyEncoding(c.cs) {
				want := letter
				if c.upper {
					if !unicode.IsLower(letter) {
						continue
					}
					want = unicode.ToUpper(letter)
				}
				if got := decodeLegacy(tab, code); got != string(want) {
					t.Errorf("%q (% X): read %q, want %q", letter, code, got, want)
				}
				n++
			}
			if n < 67 { // the lowercase letters: 12 vowels × 6 tones, less ASCII's 6, and đ
				t.Errorf("only %d letters checked", n)
			}
		})
	}
}

// decodeLegacy reads the bytes of one letter as the page reader does:
// each byte by tab, a diacritic put on the letter before it.
func decodeLegacy(tab *legacyTable, code string) string {
	var out []rune
	for i := 0; i < len(code); i++ {
		rs := tab.decode([]rune{rune(code[i])})
		if len(out) > 0 && unicode.Is(unicode.Mn, rs[0]) {
			if r, ok := composeMarks(out[len(out)-1], rs); ok {
				out[len(out)-1] = r
				continue
			}
		}
		out = append(out, rs...)
	}
	return string(out)
}

// TestLegacyTablesAgainstIconv: the TCVN3 table is TCVN 5712's upper half
// as GNU libc's iconv has it.
func TestLegacyTablesAgainstIconv(t *testing.T) {
	needTool(t, "iconv")
	in := make([]byte, 0, 96)
	for b := 0xA0; b <= 0xFF; b++ {
		in = append(in, byte(b))
	}
	cmd := exec.Command("iconv", "-f", "TCVN5712-1", "-t", "UTF-32BE")
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil || len(out) != 4*96 {
		t.Fatalf("iconv: %v (%d bytes)", err, len(out))
	}
	for i := range 96 {
		want := rune(out[4*i])<<24 | rune(out[4*i+1])<<16 | rune(out[4*i+2])<<8 | rune(out[4*i+3])
		if got := tcvn3Table[0xA0+i]; len(got) != 1 || got[0] != want {
			t.Errorf("0x%02X: %q, iconv says %q", 0xA0+i, got, want)
		}
	}
}

// TestCP1258Table: the Windows-1258 table is the code page's upper half
// (0xA0–0xFF) as x/text's charmap has it, and as glibc's iconv converts
// each byte alone (iconv puts a tone byte on the letter before it).
func TestCP1258Table(t *testing.T) {
	dec := charmap.Windows1258.NewDecoder()
	hasIconv := exec.Command("iconv", "--version").Run() == nil
	for b := 0xA0; b <= 0xFF; b++ {
		want, err := dec.String(string([]byte{byte(b)}))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(cp1258Table[b]); got != want {
			t.Errorf("0x%02X: %q, charmap says %q", b, got, want)
		}
		if !hasIconv {
			continue
		}
		cmd := exec.Command("iconv", "-f", "CP1258", "-t", "UTF-8")
		cmd.Stdin = strings.NewReader(string([]byte{byte(b)}))
		if out, err := cmd.Output(); err != nil || string(out) != string(cp1258Table[b]) {
			t.Errorf("0x%02X: %q, iconv says %q (%v)", b, cp1258Table[b], out, err)
		}
	}
	// No font's name is taken to say Windows-1258.
	for _, name := range []string{"TimesNewRoman", "Arial,Bold", "ABCDEF+TimesNewRomanPSMT"} {
		if got := legacyTableFor(name); got != nil {
			t.Errorf("%q: %s", name, tableName(got))
		}
	}
}

// TestLegacyTableFor: which base names are legacy fonts, and which of
// them draw capitals.
func TestLegacyTableFor(t *testing.T) {
	for name, want := range map[string]*legacyTable{
		".VnTime": tcvn3Table, "ABCDEF+.VnTime": tcvn3Table, ".VnTime,Bold": tcvn3Table, ".VnArial Narrow": tcvn3Table,
		".VnTimeH": tcvn3UpperTable, "QWERTY+.VnTimeH,BoldItalic": tcvn3UpperTable, ".VnArialH-Bold": tcvn3UpperTable, ".VnTimeHBold": tcvn3UpperTable,
		"VNI-Times": vniTable, "ABCDEF+VNI-Helve-Condense": vniTable, "VNI-Times,Bold": vniTable,
		"Times-Roman": nil, "ABCDEF+Tinos": nil, "Vn": nil, ".Vn": nil, "VNI": nil, "VNIHelve": nil, "Arial,Bold": nil, "Abcdef+.VnTime": nil,
	} {
		if got := legacyTableFor(name); got != want {
			t.Errorf("%q: %s, want %s", name, tableName(got), tableName(want))
		}
		// Every font of every draft is asked: no cost in allocations.
		if a := testing.AllocsPerRun(10, func() { legacyTableFor(name) }); a != 0 {
			t.Errorf("%q: %v allocations", name, a)
		}
	}
}

func tableName(t *legacyTable) string {
	return map[*legacyTable]string{nil: "none", tcvn3Table: "TCVN3", tcvn3UpperTable: "TCVN3 capitals", vniTable: "VNI", cp1258Table: "Windows-1258"}[t]
}

// TestMapsVietnamese: a /ToUnicode that maps some code to a letter of
// Vietnamese outside Latin-1 is trusted in a font with a legacy name; one
// that maps to Latin-1 look-alikes or the private use area is not.
func TestMapsVietnamese(t *testing.T) {
	for cmap, want := range map[string]bool{
		"2 beginbfrange <20> <7E> <0020> <A0> <FF> <00A0> endbfrange": false,
		"1 beginbfrange <20> <FF> <F020> endbfrange":                  false,
		"1 beginbfchar <E8> <00E8> endbfchar":                         false,
		"1 beginbfchar <E8> <1ED1> endbfchar":                         true,
		"1 beginbfchar <E8> <006F0302> endbfchar":                     true,
		"1 beginbfrange <0000> <FFFF> <0000> endbfrange":              true, // fpdf's identity map
		"1 beginbfrange <01> <05> [<0041> <0103> <0042>] endbfrange":  true,
		"1 beginbfrange <10> <20> <0100> endbfrange":                  true, // ...Ă (U+0102) at <12>
		"1 beginbfrange <10> <11> <0100> endbfrange":                  false,
	} {
		if got := mapsVietnamese(parseToUnicode([]byte(cmap))); got != want {
			t.Errorf("%s: %v, want %v", cmap, got, want)
		}
	}
}

// renameFonts gives a Legacy draft's fonts names of the same length that
// say nothing, as a print driver's ("/.VnTimeH" -> "/TT1FontH", "/VNI-Times"
// -> "/TTFont-01"; a subset's tag stays).
func renameFonts(in []byte) []byte {
	s := strings.NewReplacer(".VnTime", "TT1Font", "VNI-Times", "TTFont-01").Replace(string(in))
	if strings.Contains(s, ".Vn") || strings.Contains(s, "VNI") {
		panic("renameFonts: a legacy name left")
	}
	return []byte(s)
}
