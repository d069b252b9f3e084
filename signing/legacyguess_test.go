package signing

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// latin1Texts are texts whose letters are all Latin-1's, many of them the
// look-alikes of TCVN3's, VNI's and Windows-1258's codes (ã õ ì ò ý ð Þ are
// ă ơ and tone marks in Windows-1258): they must read as they are in a
// font of any name, whatever its /ToUnicode.
var latin1Texts = map[string][]string{
	"french": {
		"Le conseil municipal s'est réuni à la mairie après la fête de l'été.",
		"Déjà très préoccupé, le maître d'école a reçu un rôle clé : où est-il allé ?",
		"Noël, château, forêt, naïveté, leur frère ne sont pas là ; à bientôt, ça va.",
		"Les élèves étaient à Besançon, Orléans et Nîmes ; ils ont été reçus à l'hôtel.",
	},
	"german": {
		"Die Größe der Straße in München ist für Bürger äußerst wichtig.",
		"Müller und Schäfer übernehmen die Prüfung der Gebäude über das Wochenende.",
		"Fräulein Kühn aß süße Brötchen; die Tür blieb schließlich geöffnet.",
	},
	"spanish": {
		"El señor Muñoz visitó la región de Andalucía el año pasado, ¿verdad?",
		"La niña española comió piña en el jardín; ¡qué rápido corrió después!",
		"Según la información, el camión llegó a Córdoba y León por la mañana.",
	},
	"italian": {
		"Però ciò non può essere così: lì c'è più gente, sì, e già farò ciò che andò storto.",
		"Perché il comitato votò, e ciò portò la città di Forlì a cambiare; può darsi, però no.",
		"Lunedì e martedì Niccolò andò a Cefalù; così finì la gita, e lui tornò più tardi.",
	},
	"portuguese": {
		"Não são as informações da população que estão em questão, mas as razões e as ações.",
		"As mães e os irmãos põem pão na mesa; então a lição da canção é atenção e emoção.",
		"Os cidadãos de São João receberam as notificações e as decisões da comissão.",
	},
	"icelandic": {
		"Þetta er ýmislegt sem við höfum séð áður, og það var gott í Reykjavík með þér.",
		"Jón Þórðarson og Guðrún fóru til Akureyrar; þau eiga tvö börn og búa á Ísafirði.",
	},
	"english-symbols": {
		"The filter passes particles under 5 µm; a 10 µg dose, 3 µs pulses, 2 µl drops.",
		"© 2026 Acme Ltd. All rights reserved. Café menu: crème brûlée, piña colada, jalapeño.",
		"Temperature ± 0.5 °C, price £ 12, ¾ of the café's naïve résumés à la carte.",
		"è è è µ µ © © ® ¶ § « » ¿ ¡ ÷ × ¼ ½",
	},
	// Vietnamese typed in Unicode, in a font that shows only its letters
	// of Latin-1 (the others in another font): a real font, which reads.
	"vietnamese-latin1-letters": {
		"Bình và các cán bà là chính mình, có gì thì trình bày.",
		"Tôn Thành Hà Nam, tên gì, mình là ai, bàn ghi chìm.",
		"Nam Tây Bình Thành, các tòa nhà màu xám, má bé ngà.",
		// ì ò ã õ ý, which Windows-1258 reads as tones and ă ơ
		"Thì bà Tý và ông Lý gõ cõi, xã Tân Hãy thì lò bò; mì và bò, Thõa ý.",
		"Hãy gõ: THÌ XÃ MÃ LÝ TÝ HÒA BÌNH, Mã Lò Võ Thì, mình chì, Tòa Thõ.",
	},
}

// TestLegacyGuessLeavesLatin1Alone: Latin-1 text in fonts named as no
// legacy font is (French, German, Spanish, English with µ, è, ©; and
// Vietnamese's Latin-1 letters) reads as it is, shown by a standard font
// in WinAnsiEncoding without /ToUnicode, by one whose /ToUnicode maps
// each byte to its Latin-1 letter, and by a Type 3 font whose
// /Differences names each code's glyph as Tinos's post table does.
func TestLegacyGuessLeavesLatin1Alone(t *testing.T) {
	for lang, lines := range latin1Texts {
		for _, kind := range []string{"standard", "tounicode", "type3"} {
			t.Run(lang+"/"+kind, func(t *testing.T) {
				in := latin1PDF(t, lines, kind)
				text := draftText(t, in, 1)
				for _, l := range lines {
					if !strings.Contains(text, l) {
						t.Errorf("%q not read as it is:\n%s", l, text)
					}
				}
			})
		}
	}
}

// latin1PDF writes lines in a font: kind "standard" Times-Roman in
// WinAnsiEncoding, "tounicode" TT1 with a /ToUnicode mapping each byte to
// its Latin-1 character, "type3" a Type 3 font whose /Differences names
// each byte's glyph (Tinos's post table's names).
func latin1PDF(t *testing.T, lines []string, kind string) []byte {
	t.Helper()
	var content strings.Builder
	for i, l := range lines {
		var b []byte
		for _, r := range l {
			if r > 0xFF {
				t.Fatalf("%q is not Latin-1", r)
			}
			b = append(b, byte(r))
		}
		fmt.Fprintf(&content, "BT /F1 10 Tf 40 %d Td (%s) Tj ET\n", 780-20*i, strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(string(b)))
	}
	w := testpdf.NewWriter("1.4")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>")
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>"
	switch kind {
	case "tounicode":
		font = "<< /Type /Font /Subtype /TrueType /BaseFont /TT1 /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>"
	case "type3":
		font = type3Latin1Font(t)
	}
	w.Obj(4, font)
	w.Obj(5, testpdf.Stream("", []byte(content.String())))
	w.Obj(6, testpdf.Stream("", []byte("begincmap 1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfrange <20> <7E> <0020> <A0> <FF> <00A0> endbfrange endcmap")))
	w.Obj(7, testpdf.Stream("", []byte("500 0 d0")))
	return w.Table("/Root 1 0 R", -1)
}

// TestVietSyllable: what the guess takes for a syllable of Vietnamese.
func TestVietSyllable(t *testing.T) {
	for w, want := range map[string]bool{
		"Số": true, "ngày": true, "tháng": true, "năm": true, "CHỦ": true, "TỊCH": true, "Nguyễn": true, "nghiêng": true,
		"quyết": true, "giữ": true, "gì": true, "ương": true, "khuya": true, "Ủy": true, "QUYẾT": true, "ĐỊNH": true,
		"ộtộ": false, "Mỹller": false, "CHủ": false, "sè": true, "àm": true, "ọ": true, "â": false, "tàc": false, "hát": true,
		"ngµy": false, "été": false, "straße": false, "ke": true, "ce": false, "ghe": true, "gha": false, "qua": true, "q": false,
		"hỏỉ": false, "chữ": true, "xã": true, "lỔ": false,
	} {
		if got := vietSyllable(w); got != want {
			t.Errorf("%q: %v, want %v", w, got, want)
		}
	}
}

// TestGuessTableAmbiguous: words that read as syllables in two encodings
// that share Latin-1's upper half ("nghiò" is "nghị" in Windows-1258 and
// "nghiũ" in TCVN3; "bôò" "bộ" and, in VNI, "bơị") decide nothing alone:
// the encoding whose reading makes syllables of words the other's does
// not, four times as many as the reverse, is taken; none when neither.
func TestGuessTableAmbiguous(t *testing.T) {
	enc := func(cs testpdf.Charset, text string) []string {
		m := testpdf.LegacyEncoding(cs)
		var out []string
		for _, w := range strings.Fields(text) {
			var b []rune
			for _, r := range w {
				code, ok := m[r]
				if !ok {
					code = string(r)
				}
				for i := 0; i < len(code); i++ {
					b = append(b, rune(code[i])) // the byte's look-alike
				}
			}
			out = append(out, string(b))
		}
		return out
	}
	// Each word reads as a syllable both in Windows-1258 and in TCVN3.
	amb1258 := enc(testpdf.CP1258, "nghị ngủ ngã ngõ ngò nghỉ nguỵ")
	ambTCVN3 := enc(testpdf.TCVN3, "nghiền nguề ngoè nghiề ngoèn")
	amb1258VNI := enc(testpdf.CP1258, "bộ cụ thụ phụ trụ")
	for _, c := range []struct {
		name  string
		words []string
		want  *legacyTable
	}{
		{"1258-tcvn3-ambiguous-only", amb1258, nil},
		{"1258-ambiguous-and-decisive", append(enc(testpdf.CP1258, "Số Quyết định Điều việc hiệu lực Luật của"), amb1258...), cp1258Table},
		{"1258-decisive-too-few", append(enc(testpdf.CP1258, "Số Quyết"), amb1258...), nil},
		{"tcvn3-ambiguous-and-decisive", append(enc(testpdf.TCVN3, "Số Quyết định Điều việc hiệu lực Luật của"), ambTCVN3...), tcvn3Table},
		{"1258-vni-ambiguous-and-decisive", append(enc(testpdf.CP1258, "Số Quyết định Điều việc hiệu lực"), amb1258VNI...), cp1258Table},
		{"vni-as-itself", enc(testpdf.VNI, "Số Quyết định Điều việc hiệu lực Luật của bộ"), vniTable},
	} {
		t.Run(c.name, func(t *testing.T) {
			var words [][]rune
			for _, w := range c.words {
				words = append(words, []rune(w))
			}
			if got := guessTable(words); got != c.want {
				t.Errorf("%q: %s, want %s", c.words, tableName(got), tableName(c.want))
			}
		})
	}
	for _, w := range amb1258 {
		if !vietSyllable(legacyReading(cp1258Table, []rune(w))) || !vietSyllable(legacyReading(tcvn3Table, []rune(w))) {
			t.Errorf("%q is not ambiguous: %q, %q", w, legacyReading(cp1258Table, []rune(w)), legacyReading(tcvn3Table, []rune(w)))
		}
	}
	for _, w := range ambTCVN3 {
		if !vietSyllable(legacyReading(cp1258Table, []rune(w))) || !vietSyllable(legacyReading(tcvn3Table, []rune(w))) {
			t.Errorf("%q is not ambiguous: %q, %q", w, legacyReading(cp1258Table, []rune(w)), legacyReading(tcvn3Table, []rune(w)))
		}
	}
	for _, w := range amb1258VNI {
		if !vietSyllable(legacyReading(cp1258Table, []rune(w))) || !vietSyllable(legacyReading(vniTable, []rune(w))) {
			t.Errorf("%q is not ambiguous: %q, %q", w, legacyReading(cp1258Table, []rune(w)), legacyReading(vniTable, []rune(w)))
		}
	}
}

// legacyBytes is text as a legacy font's bytes, each byte as its Latin-1
// look-alike: TCVN3's capitals with tones (upper) as the lowercase codes
// an uppercase font (".VnTimeH") draws them with.
func legacyBytes(t *testing.T, cs testpdf.Charset, text string, upper bool) string {
	t.Helper()
	m := testpdf.LegacyEncoding(cs)
	var b strings.Builder
	for _, r := range text {
		code, ok := m[r]
		if !ok && upper {
			code, ok = m[unicode.ToLower(r)]
		}
		switch {
		case ok:
			b.WriteString(code)
		case r <= 0xFF:
			b.WriteByte(byte(r))
		default:
			t.Fatalf("%s has no code for %q", cs, r)
		}
	}
	return b.String()
}

// fewLine is a line of fewWordsPDF: its font's resource name and its bytes.
type fewLine struct{ font, bytes string }

// fewWordsPDF writes pages of lines in fonts F1 and F2, renamed TrueType
// fonts in WinAnsiEncoding whose /ToUnicode maps each byte to its Latin-1
// look-alike (Word's), and F3 whose /ToUnicode maps 0xE0 to "ủ" (a
// Unicode font: never guessed) and the other bytes to their look-alikes.
func fewWordsPDF(pages [][]fewLine) []byte {
	w := testpdf.NewWriter("1.4")
	n := len(pages)
	kids := make([]string, n)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 10+2*i)
	}
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	for i, name := range []string{"TT1", "TT2", "TT3"} {
		tu := 6
		if i == 2 {
			tu = 7
		}
		w.Obj(3+i, fmt.Sprintf("<< /Type /Font /Subtype /TrueType /BaseFont /%s /Encoding /WinAnsiEncoding /ToUnicode %d 0 R >>", name, tu))
	}
	latin1 := "<20> <7E> <0020> <A0> <FF> <00A0>"
	w.Obj(6, testpdf.Stream("", []byte("begincmap 1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfrange "+latin1+" endbfrange endcmap")))
	w.Obj(7, testpdf.Stream("", []byte("begincmap 1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfrange "+latin1+" endbfrange 1 beginbfchar <E0> <1EE7> endbfchar endcmap")))
	esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
	for i, lines := range pages {
		var content strings.Builder
		for j, l := range lines {
			fmt.Fprintf(&content, "BT /%s 12 Tf 40 %d Td (%s) Tj ET\n", l.font, 780-20*j, esc.Replace(l.bytes))
		}
		w.Obj(10+2*i, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> /Contents %d 0 R >>", 11+2*i))
		w.Obj(11+2*i, testpdf.Stream("", []byte(content.String())))
	}
	return w.Table("/Root 1 0 R", -1)
}

// TestLegacyFewWords: a font whose look-alike words are too few to decide
// by themselves (a bold font that shows only "CHỦ TỊCH") is read as the
// draft's other legacy fonts are when its words so read are syllables;
// French or German words in it ("Müller", "été") read as they are, and so
// does such a font in a draft with no legacy font, or a font whose
// /ToUnicode maps a Vietnamese letter. A font with too few words on its
// first page is tried again, its words kept, on the next pages.
func TestLegacyFewWords(t *testing.T) {
	body := func(cs testpdf.Charset) []fewLine {
		var out []fewLine
		for _, l := range []string{"Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
			"Theo đề nghị của Chánh Văn phòng Hội đồng nhân dân quận về việc ban hành quy chế."} {
			out = append(out, fewLine{"F1", legacyBytes(t, cs, l, false)})
		}
		return out
	}
	french := []fewLine{{"F1", latin1Bytes(t, "Le conseil municipal s'est réuni à la mairie après la fête de l'été.")},
		{"F1", latin1Bytes(t, "Déjà très préoccupé, le maître d'école a reçu un rôle clé.")}}
	title := func(cs testpdf.Charset) fewLine {
		return fewLine{"F2", legacyBytes(t, cs, "CHỦ TỊCH", cs == testpdf.TCVN3)}
	}
	for _, c := range []struct {
		name  string
		pages [][]fewLine
		want  []string // on the last page
		not   []string
	}{
		{"tcvn3-title", [][]fewLine{append(body(testpdf.TCVN3), title(testpdf.TCVN3))}, []string{"CHỦ TỊCH", "Căn cứ"}, nil},
		{"vni-title", [][]fewLine{append(body(testpdf.VNI), title(testpdf.VNI))}, []string{"CHỦ TỊCH", "Căn cứ"}, nil},
		{"cp1258-title", [][]fewLine{append(body(testpdf.CP1258), title(testpdf.CP1258))}, []string{"CHỦ TỊCH", "Căn cứ"}, nil},
		{"tcvn3-italic-noi-nhan", [][]fewLine{append(body(testpdf.TCVN3), fewLine{"F2", legacyBytes(t, testpdf.TCVN3, "Nơi nhận:", false)})},
			[]string{"Nơi nhận:"}, nil},
		// Windows-1258 reads "ngày", "tháng" as they are: two words of
		// the date line it reads otherwise ("nãm" a syllable as it is)
		{"cp1258-italic-date", [][]fewLine{append(body(testpdf.CP1258), fewLine{"F2", legacyBytes(t, testpdf.CP1258, "Ninh Kiều, ngày tháng năm 2026", false)})},
			[]string{"Ninh Kiều, ngày tháng năm 2026"}, nil},
		{"tcvn3-title-next-page", [][]fewLine{body(testpdf.TCVN3), {title(testpdf.TCVN3), {"F1", legacyBytes(t, testpdf.TCVN3, "Nguyễn Văn Sĩ", false)}}},
			[]string{"CHỦ TỊCH", "Nguyễn Văn Sĩ"}, nil},
		{"tcvn3-german-bold", [][]fewLine{append(body(testpdf.TCVN3), fewLine{"F2", latin1Bytes(t, "Müller été")})},
			[]string{"Müller été", "Căn cứ"}, nil},
		{"tcvn3-unicode-font", [][]fewLine{append(body(testpdf.TCVN3), fewLine{"F3", legacyBytes(t, testpdf.TCVN3, "CHỦ TỊCH", true)})},
			[]string{"CH\u00f1 T\u00deCH", "Căn cứ"}, []string{"CHỦ TỊCH"}},
		{"french-with-tcvn3-title", [][]fewLine{append(french, title(testpdf.TCVN3))},
			[]string{"CH\u00f1 T\u00deCH", "réuni à la mairie après la fête de l'été"}, []string{"CHỦ"}},
		// No other legacy font: the title's two words on page 1, two of
		// the name on page 2 (too few alone), decided there with all four.
		{"deferred-to-page-2", [][]fewLine{{title(testpdf.TCVN3)}, {{"F2", legacyBytes(t, testpdf.TCVN3, "NGUYỄN VĂN", true)}}},
			[]string{"NGUYỄN VĂN"}, nil},
		{"french-word-a-page", [][]fewLine{{{"F2", latin1Bytes(t, "été")}}, {{"F2", latin1Bytes(t, "Müller")}},
			{{"F2", latin1Bytes(t, "où")}}, {{"F2", latin1Bytes(t, "là")}}, {{"F2", latin1Bytes(t, "déjà")}}, {{"F2", latin1Bytes(t, "clé")}}},
			[]string{"clé"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := fewWordsPDF(c.pages)
			text := draftText(t, in, len(c.pages))
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q not read:\n%s", w, text)
				}
			}
			for _, w := range c.not {
				if strings.Contains(text, w) {
					t.Errorf("%q read:\n%s", w, text)
				}
			}
		})
	}
}

// latin1Bytes is Latin-1 text as its bytes.
func latin1Bytes(t *testing.T, s string) string {
	t.Helper()
	var b []byte
	for _, r := range s {
		if r > 0xFF {
			t.Fatalf("%q is not Latin-1", r)
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// TestLegacyFewWordsTriedBounded: a font that shows the same word of
// French on every page is tried on maxFewTries pages, then no more (each
// try walks its page once more), and keeps no words.
func TestLegacyFewWordsTriedBounded(t *testing.T) {
	var pages [][]fewLine
	for range 7 {
		pages = append(pages, []fewLine{{"F2", latin1Bytes(t, "Le comité, été")}})
	}
	in := fewWordsPDF(pages)
	rdr := mustReader(t, in)
	fonts := fontCache{}
	for p := 1; p <= len(pages); p++ {
		if _, _, err := pageGlyphs(rdr, in, p, fonts); err != nil {
			t.Fatal(err)
		}
		var f *fontInfo
		for _, g := range fonts {
			if g.guess != guessNever {
				f = g
			}
		}
		if f == nil {
			t.Fatalf("page %d: the font was not read", p)
		}
		if want := p < maxFewTries; (f.guess == guessFew) != want || f.legacy != nil || f.tries != uint8(min(p, maxFewTries)) {
			t.Errorf("page %d: state %d, tries %d, table %s; want tried again: %v", p, f.guess, f.tries, tableName(f.legacy), want)
		}
		if p >= maxFewTries && f.kept != nil {
			t.Errorf("page %d: kept %q", p, f.kept)
		}
	}
}

// type3Latin1Font is a Type 3 font dictionary whose /Differences names the
// glyph of each byte from 0x21 as Tinos's post table names its Latin-1
// character (ASCII and U+00A1–U+00FF), each glyph an empty procedure 500
// units wide.
func type3Latin1Font(t *testing.T) string {
	t.Helper()
	reg, _ := Fonts()
	f, err := sfnt.Parse(reg)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	var diffs, procs strings.Builder
	for b := 0x21; b <= 0xFF; b++ {
		if b >= 0x7F && b < 0xA1 {
			continue
		}
		gi, err := f.GlyphIndex(&buf, rune(b))
		if err != nil || gi == 0 {
			t.Fatalf("Tinos has no glyph for %q", rune(b))
		}
		name, err := f.GlyphName(&buf, gi)
		if err != nil || name == "" {
			t.Fatalf("%q: no glyph name", rune(b))
		}
		fmt.Fprintf(&diffs, " %d /%s", b, name)
		fmt.Fprintf(&procs, " /%s 7 0 R", name)
	}
	return fmt.Sprintf("<< /Type /Font /Subtype /Type3 /FontBBox [0 0 0 0] /FontMatrix [0.001 0 0 0.001 0 0] /CharProcs <<%s >> "+
		"/Encoding << /Type /Encoding /Differences [ 32 /space%s ] >> /FirstChar 32 /LastChar 255 /Widths [%s] /Resources << >> >>",
		procs.String(), diffs.String(), strings.TrimSpace(strings.Repeat("500 ", 224)))
}

// TestGuessableNames: a font whose /Differences names a code uniXXXX is
// tried as a legacy one unless a name gives a letter of Vietnamese
// outside Latin-1 (Tinos names µ "uni00B5"; TCVN3's 0xB5 is "à").
func TestGuessableNames(t *testing.T) {
	for _, c := range []struct {
		names map[byte][]rune
		want  uint8
	}{
		{nil, guessOpen},
		{map[byte][]rune{0xB5: {0xB5}, 0xB2: {0xB2}}, guessOpen},
		{map[byte][]rune{0xB5: {0xB5}, 0xE0: {0x1EA1}}, guessNever},
		{map[byte][]rune{0x41: {0x0103}}, guessNever},
		{map[byte][]rune{0x41: {0x0301}}, guessNever},
	} {
		if got := guessable(&fontInfo{names: c.names}); got != c.want {
			t.Errorf("%v: %d, want %d", c.names, got, c.want)
		}
	}
}

// TestBorrowLeavesLatin1Syllables: a font of a legacy draft that shows a
// Vietnamese syllable typed in Unicode with Latin-1's letters only ("Tôn",
// "Thành", "xã", some 20,000 of them, capitalised or not) reads as it is,
// whatever encodings the draft's other fonts are read with: as it is, the
// word is a syllable already.
func TestBorrowLeavesLatin1Syllables(t *testing.T) {
	tones := []string{"", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"}
	n := 0
	try := func(w string) {
		w = norm.NFC.String(w)
		if strings.IndexFunc(w, func(r rune) bool { return r > 0xFF }) >= 0 || !mixedWord([]rune(w)) || !vietSyllable(w) {
			return
		}
		for _, v := range []string{w, strings.ToUpper(w[:1]) + w[1:]} {
			n++
			if tb := borrowTable([]string{v}, 0xFF); tb != nil {
				t.Errorf("%q read as %s: %q", v, tableName(tb), legacyReading(tb, []rune(v)))
			}
		}
	}
	syllables := func(on, nu, co string) {
		rs := []rune(nu)
		for _, tn := range tones {
			for p := range rs { // the tone on each vowel
				try(on + string(rs[:p+1]) + tn + string(rs[p+1:]) + co)
			}
		}
	}
	for _, on := range vietOnsets {
		for nu := range vietNucleiCoda {
			for _, co := range vietCodas {
				syllables(on, nu, co)
			}
		}
		for nu := range vietNucleiOpen {
			syllables(on, nu, "")
		}
	}
	if n < 10000 {
		t.Errorf("only %d words tried", n)
	}
}
