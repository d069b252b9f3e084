package signing

import (
	"fmt"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Text drawn for one document only (the number, the day, month and year in
// a template's blanks, the verification code) is not rasterised: its
// glyphs are filled as vector outlines in the stamp's appearance stream,
// from the same embedded Tinos fonts, laid out as layoutText lays out the
// raster (the same faces, advances, kerning, baselines and alignment), so
// the stamp shows the same words at the same places, sharp at any
// resolution. No image is drawn, deflated or embedded for it; each glyph's
// outline is converted to PDF path operators once per font and rune
// (glyphPaths) and placed with a transformation matrix. Text that repeats
// from document to document (the date line, the agency's name and the
// signing time under the seal) stays a cached image (sharedTextImage,
// recentTextImage): drawn once, it costs nothing per document.

// placedVector is content-stream operators (vector text) drawn at x, y in
// an appearance box, in points from its lower-left corner.
type placedVector struct {
	x, y float64
	ops  []byte
}

// glyphPath is a glyph's outline as PDF path operators in font units
// (y up, origin on the baseline), without the fill operator; empty for a
// glyph without ink (a space).
type glyphPath struct {
	ops []byte
}

// glyphPathCache holds the outlines of one font by rune; it is emptied
// when it reaches maxGlyphPaths entries (a document chooses the runes of
// its number, so it is bounded).
type glyphPathCache struct {
	mu    sync.Mutex
	m     map[rune]*glyphPath
	buf   sfnt.Buffer
	units fixed.Int26_6 // the font's units per em, as a ppem: outlines in font units
}

const maxGlyphPaths = 4096

var glyphPaths [2]glyphPathCache // regular, bold

// path returns r's outline in ft (bold: the bold face).
func (c *glyphPathCache) path(ft *sfnt.Font, r rune) (*glyphPath, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g := c.m[r]; g != nil {
		return g, nil
	}
	if c.m == nil || len(c.m) >= maxGlyphPaths {
		c.m = map[rune]*glyphPath{}
	}
	if c.units == 0 {
		c.units = fixed.I(int(ft.UnitsPerEm()))
	}
	idx, err := ft.GlyphIndex(&c.buf, r)
	if err != nil {
		return nil, fmt.Errorf("glyph of %q: %w", r, err)
	}
	segs, err := ft.LoadGlyph(&c.buf, idx, c.units, nil)
	if err != nil {
		return nil, fmt.Errorf("outline of %q: %w", r, err)
	}
	g := &glyphPath{ops: outlineOps(segs)}
	c.m[r] = g
	return g, nil
}

// outlineOps writes segments (26.6 font units, y down) as PDF path
// operators in whole font units, y up: quadratic pieces become the cubic
// curves that trace them exactly (up to the rounding to a unit, 1/2048 em).
func outlineOps(segs sfnt.Segments) []byte {
	var b []byte
	num := func(v fixed.Int26_6, neg bool) {
		f := float64(v) / 64
		if neg {
			f = -f
		}
		b = strconv.AppendInt(b, int64(math.Round(f)), 10)
		b = append(b, ' ')
	}
	pt := func(p fixed.Point26_6) {
		num(p.X, false)
		num(p.Y, true)
	}
	var cur fixed.Point26_6
	open := false
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if open {
				b = append(b, "h\n"...)
			}
			pt(s.Args[0])
			b = append(b, "m\n"...)
			cur, open = s.Args[0], true
		case sfnt.SegmentOpLineTo:
			pt(s.Args[0])
			b = append(b, "l\n"...)
			cur = s.Args[0]
		case sfnt.SegmentOpQuadTo:
			q, p := s.Args[0], s.Args[1]
			pt(cur.Add(q.Sub(cur).Mul(fixed.I(2)).Div(fixed.I(3))))
			pt(p.Add(q.Sub(p).Mul(fixed.I(2)).Div(fixed.I(3))))
			pt(p)
			b = append(b, "c\n"...)
			cur = p
		case sfnt.SegmentOpCubeTo:
			pt(s.Args[0])
			pt(s.Args[1])
			pt(s.Args[2])
			b = append(b, "c\n"...)
			cur = s.Args[2]
		}
	}
	if open {
		b = append(b, "h\n"...)
	}
	return b
}

// vectorText draws lines top to bottom in a wPt×hPt-point box as filled
// glyph outlines: the operators, in the box's coordinates (lower-left
// origin). Glyphs sit where layoutText puts the raster's, to within its
// quarter-pixel phases.
func vectorText(wPt, hPt float64, lines []textLine) ([]byte, error) {
	return textFaces.vectorText(wPt, hPt, lines)
}

func (c *faceCache) vectorText(wPt, hPt float64, lines []textLine) ([]byte, error) {
	if err := loadFonts(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 8<<10) // a number line takes about 7 KB
	err := c.placeLines(wPt, lines, func(l textLine, f *cachedFace, x int, y float64) error {
		ft, paths := fontRegular, &glyphPaths[0]
		if l.Bold {
			ft, paths = fontBoldTT, &glyphPaths[1]
		}
		scale := l.Size / float64(ft.UnitsPerEm())
		b = fmt.Appendf(b, "q %.4f %.4f %.4f rg\n", float64(l.Color.R)/255, float64(l.Color.G)/255, float64(l.Color.B)/255)
		base := hPt - y/pxPerPt
		for _, g := range f.origins(l.Text, fixed.I(x)) {
			p, err := paths.path(ft, g.r)
			if err != nil {
				return err
			}
			if len(p.ops) == 0 {
				continue
			}
			b = fmt.Appendf(b, "q %.6f 0 0 %.6f %.3f %.3f cm\n", scale, scale, float64(g.x)/64/pxPerPt, base)
			b = append(b, p.ops...)
			b = append(b, "f Q\n"...)
		}
		b = append(b, "Q\n"...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// glyphAt is a rune and its origin on the line (26.6 pixels).
type glyphAt struct {
	r rune
	x fixed.Int26_6
}

// origins is where layout puts the glyphs of s from x: advances and
// kerning as measure counts them, without the phases of the raster.
func (f *cachedFace) origins(s string, x fixed.Int26_6) []glyphAt {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []glyphAt
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			x += f.kernLocked(prev, r)
		}
		prev = r
		out = append(out, glyphAt{r: r, x: x})
		a, ok := f.adv[r]
		if !ok {
			a, _ = f.face.GlyphAdvance(r)
			if len(f.adv) >= maxFaceAdvance {
				clear(f.adv)
			}
			f.adv[r] = a
		}
		x += a
	}
	return out
}
