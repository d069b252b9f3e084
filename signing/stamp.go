package signing

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"strings"
	"sync"

	"github.com/klauspost/compress/zlib"
	"golang.org/x/image/font/opentype"

	"github.com/vanthu/vanthu/internal/memo"
)

// Stamps are raster images: text is rendered with Tinos (metric-compatible
// with Times New Roman, every Vietnamese glyph; SIL OFL 1.1, see
// assets/LICENSE-fonts-croscore.txt) into RGBA pixels and placed as PDF image
// XObjects with a soft mask, prepared once where the text repeats across
// documents. Text of one document only (the number) is drawn as glyph
// outlines instead (textvector.go). The alternative, a vector stamp through
// pdfsign's PDFObject, was rejected: pdfsign copies only the content stream
// of the stamp page (internal/pdf/xobject.go), not its /Resources, so a stamp
// PDF's embedded font would be lost. The stamp's words stay searchable in the
// signature dictionary (/Name, /Reason, /Location).

//go:embed assets/Tinos-Regular.ttf
var tinosRegular []byte

//go:embed assets/Tinos-Bold.ttf
var tinosBold []byte

// Fonts returns the embedded Tinos fonts (regular, bold), for tools and
// tests that write Vietnamese text.
func Fonts() (regular, bold []byte) { return tinosRegular, tinosBold }

var (
	fontsOnce               sync.Once
	fontRegular, fontBoldTT *opentype.Font
	fontsErr                error
)

func loadFonts() error {
	fontsOnce.Do(func() {
		fontRegular, fontsErr = opentype.Parse(tinosRegular)
		if fontsErr == nil {
			fontBoldTT, fontsErr = opentype.Parse(tinosBold)
		}
	})
	return fontsErr
}

// pxPerPt is the raster resolution of stamps: 4 px per point (288 dpi).
const pxPerPt = 4.0

// textLine is one line of a text stamp.
type textLine struct {
	Text  string
	Size  float64 // points
	Bold  bool
	Color color.NRGBA
	Align int // 0 left, 1 centre, 2 right
}

var (
	sealRed  = color.NRGBA{R: 0xD0, G: 0x10, B: 0x10, A: 0xFF}
	inkBlue  = color.NRGBA{R: 0x10, G: 0x30, B: 0xC0, A: 0xFF}
	textDark = color.NRGBA{A: 0xFF}
)

// sealDiameterPt is the generated seal's actual size: 36 mm, the diameter of
// a district People's Committee seal.
const sealDiameterPt = 36 * 72 / 25.4

// generateSeal draws a red round seal: two rings, the agency name inside,
// a star. Transparent background.
func generateSeal(agency string) (*image.NRGBA, error) {
	d := sealDiameterPt
	words := strings.Fields(strings.ToUpper(agency))
	// Split the name over up to three lines of similar length.
	lines := splitBalanced(words, 3, 0.62*d)
	var tl []textLine
	for _, s := range lines {
		tl = append(tl, textLine{Text: s, Size: fitSize(s, true, 9, 0.66*d), Bold: true, Color: sealRed, Align: 1})
	}
	img := image.NewNRGBA(image.Rect(0, 0, int(math.Ceil(d*pxPerPt)), int(math.Ceil(d*pxPerPt))))
	c := float64(img.Bounds().Dx()) / 2
	ring(img, c, c, c-1, 2.2*pxPerPt, sealRed)
	ring(img, c, c, c-4.5*pxPerPt, 0.8*pxPerPt, sealRed)
	star(img, c, c-0.30*c*1.9, 0.09*c, sealRed)
	// Text block centred.
	th := 0.0
	for _, l := range tl {
		th += l.Size * 1.15
	}
	txt, err := renderText(0.72*d, th+2, tl)
	if err != nil {
		return nil, err
	}
	off := image.Pt(int(c)-txt.Bounds().Dx()/2, int(c)-txt.Bounds().Dy()/2+int(0.05*c))
	draw.Draw(img, txt.Bounds().Add(off), txt, image.Point{}, draw.Over)
	return img, nil
}

func splitBalanced(words []string, maxLines int, _ float64) []string {
	if len(words) == 0 {
		return nil
	}
	total := len(strings.Join(words, " "))
	n := min(maxLines, len(words))
	if total < 16 {
		n = 1
	} else if total < 30 {
		n = min(2, n)
	}
	target := total / n
	var out []string
	cur := ""
	for _, w := range words {
		if cur != "" && len(cur)+1+len(w) > target+3 && len(out) < n-1 {
			out = append(out, cur)
			cur = w
			continue
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	return append(out, cur)
}

// ring draws an anti-aliased ring of the given width centred on radius r.
func ring(img *image.NRGBA, cx, cy, r, width float64, col color.NRGBA) {
	b := img.Bounds()
	outer, inner := r+1, r-width-1 // beyond these, no coverage
	for y := b.Min.Y; y < b.Max.Y; y++ {
		dy := float64(y) + 0.5 - cy
		if math.Abs(dy) > outer {
			continue
		}
		// Only the pixels between the two circles on this row.
		hw := math.Sqrt(outer*outer - dy*dy)
		x0, x1 := max(b.Min.X, int(cx-hw)-1), min(b.Max.X, int(cx+hw)+2)
		h0, h1 := x1, x1 // the hole inside the inner circle
		if inner > 0 && math.Abs(dy) < inner {
			hi := math.Sqrt(inner*inner - dy*dy)
			h0, h1 = int(cx-hi)+1, int(cx+hi)-1
		}
		for x := x0; x < x1; x++ {
			if x >= h0 && x < h1 {
				x = h1 - 1
				continue
			}
			dx := float64(x) + 0.5 - cx
			dist := math.Hypot(dx, dy)
			cov := width/2 + 0.5 - math.Abs(dist-(r-width/2))
			if cov <= 0 {
				continue
			}
			blend(img, x, y, col, math.Min(cov, 1))
		}
	}
}

// star draws a filled five-pointed star of outer radius r.
func star(img *image.NRGBA, cx, cy, r float64, col color.NRGBA) {
	var pts [10][2]float64
	for i := range pts {
		rad := r
		if i%2 == 1 {
			rad = r * 0.382
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		pts[i] = [2]float64{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			// 4×4 supersampling for anti-aliasing.
			in := 0
			for sy := 0; sy < 4; sy++ {
				for sx := 0; sx < 4; sx++ {
					if insidePoly(pts[:], float64(x)+(float64(sx)+0.5)/4, float64(y)+(float64(sy)+0.5)/4) {
						in++
					}
				}
			}
			if in > 0 {
				blend(img, x, y, col, float64(in)/16)
			}
		}
	}
}

func insidePoly(p [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(p)-1; i < len(p); j, i = i, i+1 {
		if (p[i][1] > y) != (p[j][1] > y) && x < (p[j][0]-p[i][0])*(y-p[i][1])/(p[j][1]-p[i][1])+p[i][0] {
			in = !in
		}
	}
	return in
}

func blend(img *image.NRGBA, x, y int, col color.NRGBA, cov float64) {
	if !(image.Point{x, y}.In(img.Bounds())) {
		return
	}
	i := img.PixOffset(x, y)
	a := uint8(math.Min(255, float64(img.Pix[i+3])+cov*255))
	img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = col.R, col.G, col.B, a
}

// signatureFromName renders a name as a blue signature on transparent ground.
func signatureFromName(name string) (*image.NRGBA, error) {
	const w, h = 170.0, 48.0
	return renderText(w, h, []textLine{{Text: name, Size: fitSize(name, false, 24, w-4), Color: inkBlue, Align: 1}})
}

// preparedImage is an image encoded the way a PDF image XObject needs it:
// 8-bit RGB and an 8-bit alpha soft mask, each zlib-compressed. Preparing
// is the costly part, so images that do not change are prepared once.
type preparedImage struct {
	W, H  int
	RGB   []byte // FlateDecode
	Alpha []byte // FlateDecode; nil when opaque
	// RGBW, RGBH: the size of RGB when it is not W×H: a one-coloured
	// image (text, a seal) is one pixel of colour under a W×H soft mask
	// (a soft mask's size need not match its image's, ISO 32000 8.9.5.4).
	RGBW, RGBH int
	// FullW, FullH (non-zero when cropped): the size of the image the
	// bitmap was cut from, at CropX, CropY (pixels from the top left);
	// WidthPt and HeightPt are the full image's.
	FullW, FullH, CropX, CropY int
	WidthPt                    float64
	HeightPt                   float64
}

// imageCache holds prepared images keyed by the SHA-256 of their source
// (PNG bytes, or a description of a generated image).
var imageCache = memo.Map[*preparedImage]{Max: 256}

func cachedImage(key []byte, make func() (image.Image, error)) (*preparedImage, error) {
	k := sha256.Sum256(key)
	if p, ok := imageCache.Get(k); ok {
		return p, nil
	}
	img, err := make()
	if err != nil {
		return nil, err
	}
	p := prepareImage(img)
	imageCache.Put(k, p)
	return p, nil
}

// pngImage returns the prepared form of a PNG (or JPEG) file, cached by content.
func pngImage(data []byte) (*preparedImage, error) {
	return cachedImage(append([]byte("png:"), data...), func() (image.Image, error) {
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("decode stamp image: %w", err)
		}
		return img, nil
	})
}

// prepareImage splits img into compressed RGB and alpha planes. The size in
// points assumes pxPerPt for generated images; callers may override it.
func prepareImage(img image.Image) *preparedImage {
	b := img.Bounds()
	n, ok := img.(*image.NRGBA)
	if !ok {
		n = image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(n, n.Bounds(), img, b.Min, draw.Src)
	}
	w, h := n.Bounds().Dx(), n.Bounds().Dy()
	opaque, uniform := true, true
	var colour [3]byte
	seen := false
	x0, y0, x1, y1 := w, h, 0, 0 // the box of the pixels that are not transparent
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+w*4]
		for i := 0; i < len(row); i += 4 {
			a := row[i+3]
			if a != 0xFF {
				opaque = false
			}
			if a == 0 {
				continue
			}
			x := i / 4
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
			if !uniform {
				continue
			}
			c := [3]byte{row[i], row[i+1], row[i+2]}
			if !seen {
				colour, seen = c, true
			} else if c != colour {
				uniform = false
			}
		}
	}
	p := &preparedImage{W: w, H: h, WidthPt: float64(w) / pxPerPt, HeightPt: float64(h) / pxPerPt}
	if uniform && !opaque && x1 > x0 {
		// One colour: a 1x1 colour image under the soft mask, and only
		// the box the mask is not transparent in (text images are mostly
		// margin).
		alpha := make([]byte, 0, (x1-x0)*(y1-y0))
		for y := y0; y < y1; y++ {
			row := n.Pix[y*n.Stride+x0*4 : y*n.Stride+x1*4]
			for i := 3; i < len(row); i += 4 {
				alpha = append(alpha, row[i])
			}
		}
		p.W, p.H, p.FullW, p.FullH, p.CropX, p.CropY = x1-x0, y1-y0, w, h, x0, y0
		p.RGB, p.RGBW, p.RGBH = deflate(colour[:]), 1, 1
		p.Alpha = deflate(alpha)
		return p
	}
	rgb := make([]byte, 0, w*h*3)
	alpha := make([]byte, 0, w*h)
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+w*4]
		for i := 0; i < len(row); i += 4 {
			rgb = append(rgb, row[i], row[i+1], row[i+2])
			alpha = append(alpha, row[i+3])
		}
	}
	p.RGB = deflate(rgb)
	if !opaque {
		p.Alpha = deflate(alpha)
	}
	return p
}

// deflate uses github.com/klauspost/compress's zlib (already in the
// build through minio-go): at BestSpeed it writes the same stream size as
// the standard library's on a stamp's alpha plane in about 0.55× the
// time. zlibWriters keeps a few zlib writers (BestSpeed) for deflate. A
// writer's compressor is about 0.85 MB, allocated at its first Write and
// kept by Reset; most of what deflate compresses (a text box's alpha
// plane, a few tens of KB) costs far less than making one. A sync.Pool
// is emptied by every other collection, which under the signing load
// came every lifecycle or two, so each per-document stamp text made a
// new compressor: a free list that collections leave alone, bounded at
// zlibWritersKept writers (what the signing turns and the uploads in
// flight use at once; more are made and dropped).
var zlibWriters = make(chan *zlib.Writer, zlibWritersKept)

const zlibWritersKept = 4

func deflate(b []byte) []byte {
	var zw *zlib.Writer
	select {
	case zw = <-zlibWriters:
	default:
		zw, _ = zlib.NewWriterLevel(nil, zlib.BestSpeed)
	}
	var buf bytes.Buffer
	buf.Grow(len(b)/8 + 64)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	zw.Reset(nil) // keep no reference to buf
	select {
	case zlibWriters <- zw:
	default:
	}
	return buf.Bytes()
}

// encodePNG is used by tests and the CLI to write stamp images out.
func encodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
