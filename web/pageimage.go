package web

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
)

// A page image is rendered by pdftoppm as raw pixels (PPM on its stdout)
// and encoded here. pdftoppm's own PNG (libpng at zlib's default level,
// always RGB) took ≈ 0.59 s of the 0.6 s a 1,080-pixel page of a scan
// cost, and ≈ 0.2–0.4 s of a text page's; Go's PNG encoder at BestSpeed
// takes 10–60 ms. A page whose pixels are all grey (R = G = B: most
// scans, most office letters) is written as a grey image, a third of the
// bytes. A page of photographic content (a scan, a photo) compresses
// badly without loss: its PNG is then compared with a JPEG, and the JPEG
// is sent when it is at most two thirds of the PNG's size — so text and line art,
// whose PNG is smaller than any JPEG of them, stay lossless, and a scan
// or a page mostly photo is sent as a JPEG of a third to a half the bytes
// (a phone on a slow link). docs/performance.md has the measurements.

const (
	// pageJPEGQuality is the JPEG quality of a photographic page.
	pageJPEGQuality = 85
	// pageJPEGMinBits is the PNG size, in bits per pixel, from which a
	// JPEG is tried: below it the PNG is small enough already (text:
	// ≈ 0.7–1.2 bits a pixel), and the JPEG encode is not paid.
	pageJPEGMinBits = 1.5
	// pageJPEGGain is how much smaller than the PNG a JPEG must be to be
	// sent instead (a lossy image must pay for itself: a third less).
	pageJPEGGain = 1.5
)

// pageImageType is the Content-Type of an encoded page image (PNG or
// JPEG, by its first bytes).
func pageImageType(head []byte) string {
	if bytes.HasPrefix(head, []byte("\xff\xd8\xff")) {
		return "image/jpeg"
	}
	return "image/png"
}

// encodePageImage writes img to w as a PNG, or as a JPEG when the page is
// photographic (see above).
func encodePageImage(w io.Writer, img image.Image) error {
	var pngb bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&pngb, img); err != nil {
		return fmt.Errorf("encode the page: %w", err)
	}
	px := img.Bounds().Dx() * img.Bounds().Dy()
	if float64(pngb.Len())*8 >= pageJPEGMinBits*float64(px) {
		var jpg bytes.Buffer
		if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: pageJPEGQuality}); err != nil {
			return fmt.Errorf("encode the page: %w", err)
		}
		if float64(jpg.Len())*pageJPEGGain <= float64(pngb.Len()) {
			_, err := w.Write(jpg.Bytes())
			return err
		}
	}
	_, err := w.Write(pngb.Bytes())
	return err
}

// decodePPM reads pdftoppm's page (P6, 8 bits a sample, at most
// maxPreviewSide + 1 pixels a side) from r, row by row into the image:
// an *image.Gray when every pixel is grey, else an *image.RGBA (the
// encoders' fast paths; grey until the first pixel that is not).
func decodePPM(r io.Reader) (image.Image, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var f [4]int
	for i := range f {
		tok, err := ppmToken(br)
		if err != nil {
			return nil, fmt.Errorf("the renderer's page ends in its header (%q): %w", tok, err)
		}
		if f[i], _ = strconv.Atoi(tok); i == 0 && tok != "P6" || i > 0 && f[i] < 1 {
			return nil, fmt.Errorf("the renderer wrote no PPM page (%q in its header)", tok)
		}
	}
	w, h := f[1], f[2]
	if f[3] != 255 {
		return nil, fmt.Errorf("the renderer wrote %d levels a sample, not 256", f[3]+1)
	}
	if w > maxPreviewSide+1 || h > maxPreviewSide+1 {
		return nil, fmt.Errorf("the renderer wrote a page of %d × %d pixels, at most %d a side", w, h, maxPreviewSide+1)
	}
	g, row := image.NewGray(image.Rect(0, 0, w, h)), make([]byte, 3*w)
	var c *image.RGBA // from the first row not grey
	for y := range h {
		if _, err := io.ReadFull(br, row); err != nil {
			return nil, fmt.Errorf("the renderer's page ends at row %d of %d: %w", y, h, err)
		}
		if c == nil && !greyRow(g.Pix[y*g.Stride:], row) {
			c = rgbaOf(g, y)
		}
		if c != nil {
			p := c.Pix[y*c.Stride:]
			for i, j := 0, 0; i < len(row); i, j = i+3, j+4 {
				p[j], p[j+1], p[j+2], p[j+3] = row[i], row[i+1], row[i+2], 255
			}
		}
	}
	if c != nil {
		return c, nil
	}
	return g, nil
}

// greyRow copies row (RGB) into dst (grey) and reports whether every
// pixel of it is grey (dst is then the row).
func greyRow(dst, row []byte) bool {
	for i, j := 0, 0; i < len(row); i, j = i+3, j+1 {
		if row[i] != row[i+1] || row[i+1] != row[i+2] {
			return false
		}
		dst[j] = row[i]
	}
	return true
}

// rgbaOf is the colour image of g's size with its first rows of g.
func rgbaOf(g *image.Gray, rows int) *image.RGBA {
	c := image.NewRGBA(g.Rect)
	for i, v := range g.Pix[:rows*g.Stride] {
		c.Pix[4*i], c.Pix[4*i+1], c.Pix[4*i+2], c.Pix[4*i+3] = v, v, v, 255
	}
	return c
}

// ppmToken reads a PPM header token and the one whitespace byte after it
// (comments skipped).
func ppmToken(br io.ByteReader) (string, error) {
	var tok []byte
	for comment := false; ; {
		c, err := br.ReadByte()
		switch {
		case err != nil:
			return string(tok), err
		case comment || c == '#' && len(tok) == 0:
			comment = c != '\n'
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(tok) > 0 {
				return string(tok), nil
			}
		default:
			if len(tok) > 16 {
				return string(tok), fmt.Errorf("PPM token too long")
			}
			tok = append(tok, c)
		}
	}
}
