package signing

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// latin1Texts are texts whose letters are all Latin-1's, many of them the
// look-alikes of TCVN3's and VNI's codes: they must read as they are in a
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
