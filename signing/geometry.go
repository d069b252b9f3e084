package signing

import (
	"fmt"
	"math"

	"github.com/digitorus/pdf"
)

// pageGeom maps between the page as a reader sees it (crop box, turned by
// /Rotate; origin at its lower-left corner) and default user space, where
// annotation rectangles live. Stamps are positioned in the displayed space
// (Rect), their rectangles are written in user space, and their
// appearance streams carry a /Matrix that turns them with the page so they
// read upright.
type pageGeom struct {
	box [4]float64 // crop box (or media box) in user space, normalised
	rot int        // 0, 90, 180, 270: clockwise, as /Rotate
}

func pageGeometry(r *pdf.Reader, n int) (pageGeom, error) {
	b, err := pageBox(r, n)
	if err != nil {
		return pageGeom{}, err
	}
	p, _ := pageByNumber(r, n)
	rot := int(inherited(p, "Rotate").Int64()) % 360
	if rot < 0 {
		rot += 360
	}
	if rot%90 != 0 {
		rot = 0 // invalid; readers ignore it
	}
	return pageGeom{box: b, rot: rot}, nil
}

// size is the displayed width and height.
func (g pageGeom) size() (w, h float64) {
	w, h = g.box[2]-g.box[0], g.box[3]-g.box[1]
	if g.rot == 90 || g.rot == 270 {
		return h, w
	}
	return w, h
}

// toUser maps a displayed point to user space.
func (g pageGeom) toUser(dx, dy float64) (float64, float64) {
	x0, y0, x1, y1 := g.box[0], g.box[1], g.box[2], g.box[3]
	switch g.rot {
	case 90:
		return x1 - dy, y0 + dx
	case 180:
		return x1 - dx, y1 - dy
	case 270:
		return x0 + dy, y1 - dx
	}
	return x0 + dx, y0 + dy
}

// fromUser maps a user-space point to displayed coordinates.
func (g pageGeom) fromUser(ux, uy float64) (float64, float64) {
	x0, y0, x1, y1 := g.box[0], g.box[1], g.box[2], g.box[3]
	switch g.rot {
	case 90:
		return uy - y0, x1 - ux
	case 180:
		return x1 - ux, y1 - uy
	case 270:
		return y1 - uy, ux - x0
	}
	return ux - x0, uy - y0
}

// baseline is the slope (rise over run, on the displayed page) of the
// baseline of a glyph drawn with the text rendering matrix trm, and
// whether the glyph reads left to right along a displayed line. The
// anchors are lines of the page as a reader sees it: a glyph of a diagonal
// watermark ("DỰ THẢO" across the page) or of a vertical margin note would
// otherwise make a one-letter line of its own, sorted between a signature
// block's title and the signer's name. The slope of an upright glyph is kept: OCR text over
// a scan fed in a little askew runs along the scanned lines (tesseract
// turns each word's text matrix by the skew), and such a line's baseline
// falls by several points across the page.
func (g pageGeom) baseline(trm mat) (slope float64, upright bool) {
	x0, y0 := g.fromUser(trm.apply(0, 0))
	x1, y1 := g.fromUser(trm.apply(1, 0))
	ax, ay := x1-x0, y1-y0
	if ax <= 0 || math.Abs(ay) > 0.1*ax {
		return 0, false
	}
	return ay / ax, true
}

// rectToUser maps a displayed rectangle (llx lly urx ury) to user space.
func (g pageGeom) rectToUser(r [4]float64) [4]float64 {
	ax, ay := g.toUser(r[0], r[1])
	bx, by := g.toUser(r[2], r[3])
	return [4]float64{min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)}
}

// rectFromUser maps a user-space rectangle to displayed coordinates.
func (g pageGeom) rectFromUser(r [4]float64) [4]float64 {
	ax, ay := g.fromUser(r[0], r[1])
	bx, by := g.fromUser(r[2], r[3])
	return [4]float64{min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)}
}

// matrix is the appearance stream's /Matrix: it turns a form drawn upright
// in displayed orientation into user space (the reader then maps the
// turned bounding box onto the annotation's rectangle).
func (g pageGeom) matrix() string {
	switch g.rot {
	case 90:
		return "[0 1 -1 0 0 0]"
	case 180:
		return "[-1 0 0 -1 0 0]"
	case 270:
		return "[0 -1 1 0 0 0]"
	}
	return "[1 0 0 1 0 0]"
}

func (r Rect) box() [4]float64 { return [4]float64{r.X, r.Y, r.X + r.W, r.Y + r.H} }

func (g pageGeom) String() string { return fmt.Sprintf("box %v rotate %d", g.box, g.rot) }
