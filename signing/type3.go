package signing

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/digitorus/pdf"
	"golang.org/x/text/unicode/norm"
)

// Text drawn as forms, one a glyph. matplotlib's Type 3 fonts (pdf.fonttype
// 3) hold one byte a code, so a character past U+00FF (most of
// Vietnamese: Ủ, ố, ă, Đ) is not shown by the font: its glyph procedure
// is a Form XObject of its own, named after the font and the glyph
// ("/F1-DejaVuSans-Bold-uni1EE6", "/F2-DejaVuSans-Dcroat"), drawn by Do
// under a matrix that scales its 1000 units an em to the font size (q
// 0.012 0 0 0.012 x y cm /F1-DejaVuSans-uni1EE6 Do Q at 12 pt). Such a
// form is read as the character its name's last part names, by the
// Adobe Glyph List's rules, when that is a letter past Latin-1 and the
// form has no resources (a glyph's outline needs none): its advance is
// the right edge of its outline (the form keeps no width).

// formGlyphRune is the letter the name of the form x names, as above.
func formGlyphRune(name string, x pdf.Value) (rune, bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return 0, false
	}
	if res := x.Key("Resources"); res.Kind() == pdf.Dict && len(res.Keys()) > 0 {
		return 0, false
	}
	r, ok := glyphRune(name[i+1:])
	if !ok || r <= 0xFF || !(unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)) {
		return 0, false
	}
	return r, true
}

// glyphRune is the character a glyph name stands for: uniXXXX, uXXXX and
// one-letter names (glyphNameRune), or the name the Adobe Glyph List gives
// a letter of Vietnamese ("ocircumflexacute", "uhorndotbelow", "Abreve",
// "Dcroat"; TestGlyphNamesAgainstTheLibrary checks them against the PDF
// library's copy of the list, which it does not export).
func glyphRune(name string) (rune, bool) {
	if r, ok := glyphNameRune(name); ok {
		return r, true
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	r, ok := latinGlyphNames()[name]
	return r, ok
}

// aglMarks are the Adobe Glyph List's names of the diacritics of
// Vietnamese letters; shape marks (a hat, a breve, a horn) are named
// before tone marks ("acircumflexdotbelow", "ohornacute"), whatever their
// order in the canonical decomposition.
var aglMarks = map[rune]string{
	0x0300: "grave", 0x0301: "acute", 0x0302: "circumflex", 0x0303: "tilde",
	0x0306: "breve", 0x0309: "hookabove", 0x031B: "horn", 0x0323: "dotbelow",
}

var latinGlyphNames = sync.OnceValue(func() map[string]rune {
	out := map[string]rune{"Dcroat": 'Đ', "dcroat": 'đ'}
	add := func(r rune) {
		d := []rune(norm.NFD.String(string(r)))
		if len(d) < 2 || !strings.ContainsRune("aeiouyAEIOUY", d[0]) { // Vietnamese's vowels
			return
		}
		marks := d[1:]
		slices.SortStableFunc(marks, func(a, b rune) int { return shapeFirst(a) - shapeFirst(b) })
		name := string(d[0])
		for _, m := range marks {
			n, ok := aglMarks[m]
			if !ok {
				return
			}
			name += n
		}
		out[name] = r
	}
	for r := rune(0xC0); r <= 0x24F; r++ {
		add(r)
	}
	for r := rune(0x1E00); r <= 0x1EFF; r++ {
		add(r)
	}
	return out
})

func shapeFirst(m rune) int {
	if m == 0x0302 || m == 0x0306 || m == 0x031B {
		return 0
	}
	return 1
}

// formGlyph adds the glyph r that form x draws under the matrix m (the
// form's own and the CTM): 1000 of its units an em, its origin the
// glyph's, its advance to the right edge of its outline.
func (c *contentWalk) formGlyph(r rune, x pdf.Value, m mat) {
	adv := 0.0
	withContent(x, c.w.src, func(b []byte) {
		l := contentLexer{b: b}
		for {
			op, args, ok := l.next()
			if !ok {
				return
			}
			switch string(op) {
			case "m", "l", "c", "v", "y", "re":
				if string(op) == "re" && len(args) == 4 {
					adv = max(adv, args[0].Float64()+args[2].Float64())
					continue
				}
				for i := 0; i+1 < len(args); i += 2 {
					adv = max(adv, args[i].Float64())
				}
			}
		}
	})
	if adv <= 0 || adv > 3000 || math.IsNaN(adv) {
		adv = 500
	}
	at := mat{1000, 0, 0, 1000, 0, 0}.mul(m)
	slope, ok := c.w.geom.baseline(at)
	if !ok {
		c.w.turned++
		return
	}
	dx, dy := c.w.geom.fromUser(m.apply(0, 0))
	ex, _ := c.w.geom.fromUser(m.apply(adv, 0))
	c.w.out = append(c.w.out, glyph{r: r, x: dx, y: dy, w: ex - dx, s: math.Hypot(at[2], at[3]), slope: slope})
}
