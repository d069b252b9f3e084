package signing

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"
	"sync/atomic"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Text rasterising with cached glyphs. A stamp's lines change with every
// document (the number, the signing time), but their glyphs do not: each
// glyph is rasterised once per font, size and quarter-pixel phase and kept
// as an alpha mask; a line is then the sum of its glyphs' masks. What is
// cached depends only on the embedded fonts, never on a document, so a
// cached mask is exactly what rasterising the glyph again would give.

// glyphPhases is the number of horizontal sub-pixel positions a glyph is
// rasterised at (a quarter pixel: 1/1152 inch at pxPerPt).
const glyphPhases = 4

// Bounds of the caches (entries beyond them empty the cache: the working
// set of a server is a few sizes of two fonts, a few hundred glyphs).
const (
	maxFaces       = 128
	maxFaceGlyphs  = 4096
	maxFaceAdvance = 8192
)

// defaultGlyphBytes bounds the glyph masks of all faces together in the
// signer's cache (textFaces).
const defaultGlyphBytes = 32 << 20

// faceKey names a face: the font and its size in 26.6 pixels.
type faceKey struct {
	bold bool
	size fixed.Int26_6
}

// cachedFace is one face with what was measured and rasterised with it.
// opentype.Face is not safe for concurrent use: mu guards everything.
type cachedFace struct {
	mu      sync.Mutex
	face    font.Face
	metrics font.Metrics
	adv     map[rune]fixed.Int26_6
	kern    map[[2]rune]fixed.Int26_6
	glyphs  map[glyphKey]*glyphMask
	bytes   int64 // of the masks in glyphs
	cache   *faceCache
}

type glyphKey struct {
	r     rune
	phase fixed.Int26_6
}

// glyphMask is a glyph rasterised with its origin at (phase, 0): rect is
// where its mask lies relative to that origin's pixel; pix has rect.Dx()
// bytes per row.
type glyphMask struct {
	rect image.Rectangle
	pix  []byte
	adv  fixed.Int26_6
}

// faceCache keeps font faces with their glyph masks; maxBytes bounds the
// masks of all faces together: beyond it every face is dropped.
type faceCache struct {
	mu       sync.Mutex
	m        map[faceKey]*cachedFace
	bytes    atomic.Int64 // of the glyph masks of the faces in m
	maxBytes int64
}

func newFaceCache(maxBytes int64) *faceCache {
	return &faceCache{m: map[faceKey]*cachedFace{}, maxBytes: maxBytes}
}

// textFaces is the cache the signer's text is drawn with; tests build
// their own (newFaceCache) to try other bounds.
var textFaces = newFaceCache(defaultGlyphBytes)

// faceFor returns the cached face of the regular or bold font at size
// pixels per em (points at 72 dpi), from textFaces.
func faceFor(bold bool, size float64) (*cachedFace, error) { return textFaces.face(bold, size) }

func (c *faceCache) face(bold bool, size float64) (*cachedFace, error) {
	if err := loadFonts(); err != nil {
		return nil, err
	}
	k := faceKey{bold: bold, size: fixed.Int26_6(math.Round(size * 64))}
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.m[k]; f != nil {
		return f, nil
	}
	ft := fontRegular
	if bold {
		ft = fontBoldTT
	}
	face, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: float64(k.size) / 64, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, fmt.Errorf("font face: %w", err)
	}
	if len(c.m) >= maxFaces {
		c.dropLocked()
	}
	f := &cachedFace{
		face: face, metrics: face.Metrics(), cache: c,
		adv: map[rune]fixed.Int26_6{}, kern: map[[2]rune]fixed.Int26_6{}, glyphs: map[glyphKey]*glyphMask{},
	}
	c.m[k] = f
	return f, nil
}

// dropLocked empties the cache (c.mu is held). Faces in use stay usable;
// they are no longer found.
func (c *faceCache) dropLocked() {
	clear(c.m)
	c.bytes.Store(0)
}

// measure is the advance of s, kerning included (font.MeasureString).
func (f *cachedFace) measure(s string) fixed.Int26_6 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var w fixed.Int26_6
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			w += f.kernLocked(prev, r)
		}
		a, ok := f.adv[r]
		if !ok {
			a, _ = f.face.GlyphAdvance(r)
			if len(f.adv) >= maxFaceAdvance {
				clear(f.adv)
			}
			f.adv[r] = a
		}
		w += a
		prev = r
	}
	return w
}

func (f *cachedFace) kernLocked(a, b rune) fixed.Int26_6 {
	k, ok := f.kern[[2]rune{a, b}]
	if !ok {
		k = f.face.Kern(a, b)
		if len(f.kern) >= maxFaceAdvance {
			clear(f.kern)
		}
		f.kern[[2]rune{a, b}] = k
	}
	return k
}

// placedGlyph is a glyph mask at integer pixel offset (x, y) in the image.
type placedGlyph struct {
	m    *glyphMask
	x, y int
}

// layout places the glyphs of s with its origin (baseline, left) at
// (x, y) pixels, as font.Drawer.DrawString does, on quarter-pixel phases.
func (f *cachedFace) layout(s string, x fixed.Int26_6, y int, out []placedGlyph) []placedGlyph {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			x += f.kernLocked(prev, r)
		}
		prev = r
		// Quantise the dot to a phase; a phase of a whole pixel is the
		// next pixel at phase 0.
		const step = 64 / glyphPhases
		q := (x + step/2) / step * step
		ix, phase := q.Floor(), q-fixed.Int26_6(q.Floor()<<6)
		g := f.glyphLocked(r, phase)
		if g.rect.Dx() > 0 && g.rect.Dy() > 0 {
			out = append(out, placedGlyph{m: g, x: ix, y: y})
		}
		x += g.adv
	}
	return out
}

func (f *cachedFace) glyphLocked(r rune, phase fixed.Int26_6) *glyphMask {
	k := glyphKey{r: r, phase: phase}
	if g := f.glyphs[k]; g != nil {
		return g
	}
	g := &glyphMask{}
	dr, mask, mp, adv, _ := f.face.Glyph(fixed.Point26_6{X: phase}, r)
	g.adv = adv
	if !dr.Empty() && mask != nil {
		g.rect = dr
		g.pix = make([]byte, dr.Dx()*dr.Dy())
		a := &image.Alpha{Pix: g.pix, Stride: dr.Dx(), Rect: image.Rect(0, 0, dr.Dx(), dr.Dy())}
		draw.Draw(a, a.Rect, mask, mp, draw.Src)
	}
	if len(f.glyphs) >= maxFaceGlyphs {
		clear(f.glyphs)
		f.cache.bytes.Add(-f.bytes)
		f.bytes = 0
	}
	f.glyphs[k] = g
	f.bytes += int64(len(g.pix))
	if c := f.cache; c.bytes.Add(int64(len(g.pix))) > c.maxBytes {
		c.mu.Lock() // never taken the other way round: face does not lock a face
		c.dropLocked()
		c.mu.Unlock()
	}
	return g
}

// textLayout is lines of text laid out in a w×h pixel image.
type textLayout struct {
	w, h   int
	glyphs []placedGlyph
	colour []color.NRGBA // per glyph
}

// layoutText lays out lines top to bottom in a transparent wPt×hPt-point
// image (as renderText draws them).
func layoutText(wPt, hPt float64, lines []textLine) (*textLayout, error) {
	return textFaces.layoutText(wPt, hPt, lines)
}

func (c *faceCache) layoutText(wPt, hPt float64, lines []textLine) (*textLayout, error) {
	t := &textLayout{w: int(math.Ceil(wPt * pxPerPt)), h: int(math.Ceil(hPt * pxPerPt))}
	err := c.placeLines(wPt, lines, func(l textLine, f *cachedFace, x int, y float64) error {
		n := len(t.glyphs)
		t.glyphs = f.layout(l.Text, fixed.I(x), int(y), t.glyphs)
		for range t.glyphs[n:] {
			t.colour = append(t.colour, l.Color)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// placeLines lays lines out from the top of a box wPt wide, as both the
// raster (layoutText) and the vector text (vectorText) place them: for each
// line in turn, fn gets its face, the x where it starts and the y of its
// baseline, in pixels from the box's left and top.
func (c *faceCache) placeLines(wPt float64, lines []textLine, fn func(l textLine, f *cachedFace, x int, y float64) error) error {
	w := int(math.Ceil(wPt * pxPerPt))
	y := 0.0
	for _, l := range lines {
		f, err := c.face(l.Bold, l.Size*pxPerPt)
		if err != nil {
			return err
		}
		m := f.metrics
		y += float64(m.Ascent.Round())
		adv := f.measure(l.Text).Round()
		x := 0
		switch l.Align {
		case 1:
			x = (w - adv) / 2
		case 2:
			x = w - adv
		}
		if err := fn(l, f, x, y); err != nil {
			return err
		}
		y += float64(m.Descent.Round()) + l.Size*pxPerPt*0.15
	}
	return nil
}

// ink is the box of the image the glyphs cover.
func (t *textLayout) ink() image.Rectangle {
	var r image.Rectangle
	for _, g := range t.glyphs {
		r = r.Union(g.m.rect.Add(image.Pt(g.x, g.y)))
	}
	return r.Intersect(image.Rect(0, 0, t.w, t.h))
}

// uniform reports whether every glyph has the same colour, and which.
func (t *textLayout) uniform() (color.NRGBA, bool) {
	for _, c := range t.colour[1:] {
		if c != t.colour[0] {
			return color.NRGBA{}, false
		}
	}
	return t.colour[0], len(t.colour) > 0
}

// alpha composes the glyphs' masks over box (as draw.Over of an opaque
// colour would set the alpha) and returns box.Dx()×box.Dy() bytes.
func (t *textLayout) alpha(box image.Rectangle) []byte {
	w := box.Dx()
	out := make([]byte, w*box.Dy())
	for _, g := range t.glyphs {
		r := g.m.rect.Add(image.Pt(g.x, g.y))
		c := r.Intersect(box)
		if c.Empty() {
			continue
		}
		gw := g.m.rect.Dx()
		for y := c.Min.Y; y < c.Max.Y; y++ {
			src := g.m.pix[(y-r.Min.Y)*gw+c.Min.X-r.Min.X : (y-r.Min.Y)*gw+c.Max.X-r.Min.X]
			dst := out[(y-box.Min.Y)*w+c.Min.X-box.Min.X:]
			for i, m := range src {
				if m == 0 {
					continue
				}
				d := uint32(dst[i])
				// draw.Over in 16 bits: a = m + d*(1-m), as DrawMask computes it.
				ma := uint32(m) * 0x101
				a := ma + d*0x101*(0xffff-ma)/0xffff
				dst[i] = uint8(a >> 8)
			}
		}
	}
	return out
}

// renderText draws lines into a transparent w×h-point image, top to bottom.
func renderText(wPt, hPt float64, lines []textLine) (*image.NRGBA, error) {
	return textFaces.renderText(wPt, hPt, lines)
}

func (c *faceCache) renderText(wPt, hPt float64, lines []textLine) (*image.NRGBA, error) {
	t, err := c.layoutText(wPt, hPt, lines)
	if err != nil {
		return nil, err
	}
	img := image.NewNRGBA(image.Rect(0, 0, t.w, t.h))
	for i, g := range t.glyphs {
		r := g.m.rect.Add(image.Pt(g.x, g.y))
		mask := &image.Alpha{Pix: g.m.pix, Stride: g.m.rect.Dx(), Rect: r}
		draw.DrawMask(img, r, image.NewUniform(t.colour[i]), image.Point{}, mask, r.Min, draw.Over)
	}
	return img, nil
}

// textImage is renderText followed by prepareImage, without the RGBA
// image: text of one colour is its alpha mask over the box the glyphs
// cover, under a 1×1 image of the colour.
func textImage(wPt, hPt float64, lines []textLine) (*preparedImage, error) {
	return textFaces.textImage(wPt, hPt, lines)
}

func (c *faceCache) textImage(wPt, hPt float64, lines []textLine) (*preparedImage, error) {
	t, err := c.layoutText(wPt, hPt, lines)
	if err != nil {
		return nil, err
	}
	col, ok := t.uniform()
	box := t.ink()
	if !ok || col.A != 0xFF || box.Empty() {
		img, err := c.renderText(wPt, hPt, lines)
		if err != nil {
			return nil, err
		}
		return prepareImage(img), nil
	}
	return &preparedImage{
		W: box.Dx(), H: box.Dy(), FullW: t.w, FullH: t.h, CropX: box.Min.X, CropY: box.Min.Y,
		WidthPt: float64(t.w) / pxPerPt, HeightPt: float64(t.h) / pxPerPt,
		RGB: colourPixel(col), RGBW: 1, RGBH: 1,
		Alpha: deflate(t.alpha(box)),
	}, nil
}

var colourPixels sync.Map // [3]byte → deflated 1×1 RGB image

func colourPixel(c color.NRGBA) []byte {
	k := [3]byte{c.R, c.G, c.B}
	if v, ok := colourPixels.Load(k); ok {
		return v.([]byte)
	}
	b := deflate(k[:])
	colourPixels.Store(k, b)
	return b
}

// fitSize returns the largest size ≤ max at which text fits wPt points.
func fitSize(text string, bold bool, max, wPt float64) float64 {
	for size := max; size > 5; size -= 0.5 {
		f, err := faceFor(bold, size)
		if err != nil {
			return max
		}
		if float64(f.measure(text))/64 <= wPt {
			return size
		}
	}
	return 5
}

// Prepared text images whose text repeats from document to document — the
// agency's name under the seal, the day's date line — are kept, keyed by
// everything that decides their pixels (box, text, font, size, colour,
// alignment). The signing time under the seal changes once a second, and
// every signature made in that second prints the same: it is kept in a
// small cache of its own (recentTextImage), so that a new second does not
// push out the images that stay. The number and the verification code,
// one per document, are drawn every time.
type textImageCache struct {
	mu  sync.Mutex
	m   map[string]*preparedImage
	max int // entries; beyond it the cache is emptied
}

var (
	textImages   = textImageCache{m: map[string]*preparedImage{}, max: maxTextImages}
	recentImages = textImageCache{m: map[string]*preparedImage{}, max: maxRecentImages}
)

const (
	maxTextImages   = 256
	maxRecentImages = 16
)

// sharedTextImage is textImage for text that repeats across documents.
// The result is shared: it must not be modified.
func sharedTextImage(wPt, hPt float64, lines []textLine) (*preparedImage, error) {
	return textImages.get(wPt, hPt, lines)
}

// recentTextImage is textImage for text that repeats for a short while
// (the signing time, to the second). The result is shared: it must not be
// modified.
func recentTextImage(wPt, hPt float64, lines []textLine) (*preparedImage, error) {
	return recentImages.get(wPt, hPt, lines)
}

func (c *textImageCache) get(wPt, hPt float64, lines []textLine) (*preparedImage, error) {
	key := fmt.Sprintf("%g %g %q", wPt, hPt, fmt.Sprint(lines))
	c.mu.Lock()
	p := c.m[key]
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := textImage(wPt, hPt, lines)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}
