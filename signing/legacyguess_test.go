package signing

import (
	"fmt"
	"strings"
	"testing"

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
// in WinAnsiEncoding without /ToUnicode, and by one whose /ToUnicode maps
// each byte to its Latin-1 letter.
func TestLegacyGuessLeavesLatin1Alone(t *testing.T) {
	for lang, lines := range latin1Texts {
		for _, tu := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tounicode-%v", lang, tu), func(t *testing.T) {
				in := latin1PDF(t, lines, tu)
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

// latin1PDF writes lines in a font named F1/TT1 in WinAnsiEncoding, with
// a /ToUnicode mapping each byte to its Latin-1 character if tu.
func latin1PDF(t *testing.T, lines []string, tu bool) []byte {
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
	if tu {
		font = "<< /Type /Font /Subtype /TrueType /BaseFont /TT1 /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>"
	}
	w.Obj(4, font)
	w.Obj(5, testpdf.Stream("", []byte(content.String())))
	w.Obj(6, testpdf.Stream("", []byte("begincmap 1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfrange <20> <7E> <0020> <A0> <FF> <00A0> endbfrange endcmap")))
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
