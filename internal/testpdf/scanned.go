package testpdf

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
)

// WriteScanned writes to w a PDF of pages A4 pages each drawn whole by a
// grey JPEG "scan" of px × px·√2 pixels (lines of text-like dark strokes
// over paper noise, each page its own, from seed) and a line of text
// naming the page: a long scanned document, as the reader of page images
// gets it. A px of 1240 (150 dpi) makes pages of about 190 KB, 250 of them
// 47.5 MB. It streams page by page and returns the bytes written.
func WriteScanned(w io.Writer, pages, px int, seed uint64) (int64, error) {
	cw := &countWriter{w: bufio.NewWriterSize(w, 64<<10)}
	offsets := map[int]int64{}
	obj := func(n int, body string) {
		offsets[n] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	fmt.Fprint(cw, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	// 1 catalog, 2 pages, 3 font; page i: 4+3i page, 5+3i content, 6+3i image.
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	kids := new(bytes.Buffer)
	for i := range pages {
		fmt.Fprintf(kids, "%d 0 R ", 4+3*i)
	}
	obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages))
	obj(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	rng := rand.New(rand.NewPCG(seed, uint64(pages)))
	h := px * 1414 / 1000
	var img bytes.Buffer
	for i := range pages {
		p := 4 + 3*i
		obj(p, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Scan %d 0 R >> >> >>", p+1, p+2))
		text := fmt.Sprintf("q 595 0 0 842 0 0 cm /Scan Do Q BT /F1 14 Tf 56 800 Td (Trang %d / %d) Tj ET", i+1, pages)
		obj(p+1, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text))
		img.Reset()
		if err := jpeg.Encode(&img, scanImage(rng, px, h), &jpeg.Options{Quality: 60}); err != nil {
			return cw.n, err
		}
		offsets[p+2] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n",
			p+2, px, h, img.Len())
		cw.Write(img.Bytes())
		fmt.Fprint(cw, "\nendstream\nendobj\n")
	}
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", 4+3*pages)
	for n := 1; n < 4+3*pages; n++ {
		fmt.Fprintf(cw, "%010d 00000 n \n", offsets[n])
	}
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", 4+3*pages, xref)
	if cw.err == nil {
		cw.err = cw.w.(*bufio.Writer).Flush()
	}
	return cw.n, cw.err
}

// scanImage is a page of a scan: paper noise and lines of dark strokes.
func scanImage(rng *rand.Rand, w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 240 + uint8(rng.IntN(8))
	}
	line := max(h/60, 4)
	for y := line * 4; y+line < h-line*4; y += line * 2 {
		for x := w / 10; x < w*9/10; {
			word := w/60 + rng.IntN(w/12)
			for yy := y; yy < y+line; yy++ {
				for xx := x; xx < min(x+word, w*9/10); xx++ {
					g.SetGray(xx, yy, color.Gray{Y: 20 + uint8(rng.IntN(40))})
				}
			}
			x += word + w/80
		}
	}
	return g
}
