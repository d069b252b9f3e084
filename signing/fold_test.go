package signing

import (
	"os"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// TestFoldAsBefore: fold, which now decomposes into buffers on the stack
// (it runs for every glyph the layout detection reads), gives every rune
// of the Basic Multilingual Plane and beyond what it gave when it
// converted each rune to a string: the first rune of its canonical
// decomposition, lowered, with Đ/đ as d.
func TestFoldAsBefore(t *testing.T) {
	old := func(r rune) rune {
		switch r {
		case 'Đ', 'đ', 'Ð':
			return 'd'
		}
		for _, c := range norm.NFD.String(string(r)) {
			return unicode.ToLower(c)
		}
		return r
	}
	for r := rune(0); r <= 0x2FFFF; r++ {
		if got, want := fold(r), old(r); got != want {
			t.Fatalf("fold(%U) = %U, before %U", r, got, want)
		}
	}
	for _, r := range []rune{-1, 0xD800, 0x10FFFF, 0x110000} {
		if got, want := fold(r), old(r); got != want {
			t.Fatalf("fold(%U) = %U, before %U", r, got, want)
		}
	}
	if fold('Ệ') != 'e' || fold('Ư') != 'u' || fold('đ') != 'd' || fold('A') != 'a' {
		t.Fatal("Vietnamese letters")
	}
}

// TestDetectLayoutChromium: the anchors are found in a decision printed
// to PDF by Chromium (Skia's writer: CID TrueType fonts, Identity-H,
// ToUnicode ranges per subset; testdata/decision-chromium.pdf, made by
// gen.sh from src/decision-chromium.html): the number's blank and the date
// line on page 1 (the year already written), the signature block on the
// last of its 4 pages, and nothing left to the defaults.
func TestDetectLayoutChromium(t *testing.T) {
	b, err := os.ReadFile("testdata/decision-chromium.pdf")
	if err != nil {
		t.Fatal(err)
	}
	det, err := DetectLayout(b)
	if err != nil {
		t.Fatal(err)
	}
	l := det.Layout
	if len(det.Notes) != 0 || l.Number == nil || !l.NumberOnly || l.Date == nil || l.Signature == nil {
		t.Fatalf("layout %+v, notes %v", l, det.Notes)
	}
	if l.Number.Page > 1 || l.Date.Page > 1 || l.Signature.Page != 4 {
		t.Fatalf("pages: number %d, date %d, signature %d", l.Number.Page, l.Date.Page, l.Signature.Page)
	}
	if len(l.DateBlanks) != 3 || l.DateBlanks[0] <= 0 || l.DateBlanks[1] <= l.DateBlanks[0] || l.DateBlanks[2] != 0 {
		t.Fatalf("date blanks %v (day, month, and the year already written)", l.DateBlanks)
	}
}

// BenchmarkDetectLayoutChromium finds the anchors of
// testdata/decision-chromium.pdf (pages 1 and 4 read), as its upload does.
func BenchmarkDetectLayoutChromium(b *testing.B) {
	d, err := os.ReadFile("testdata/decision-chromium.pdf")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DetectLayout(d); err != nil {
			b.Fatal(err)
		}
	}
}
