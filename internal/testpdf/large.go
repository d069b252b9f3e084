package testpdf

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
)

// largeChunk is the size of each filler image of WriteLarge (below the
// intake's per-stream limit).
const largeChunk = 8 << 20

// WriteLarge writes to w a valid one-page PDF of about size bytes (at
// least a few hundred): a line of text and, to make up the size,
// uncompressed grey images of pseudo-random pixels the page lists among
// its resources without drawing them. It streams: nothing of the size is
// held in memory. It returns the bytes written.
func WriteLarge(w io.Writer, size int64, title string) (int64, error) {
	cw := &countWriter{w: bufio.NewWriterSize(w, 64<<10)}
	var offsets []int64
	obj := func(body string) {
		offsets = append(offsets, cw.n)
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	fmt.Fprint(cw, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	text := fmt.Sprintf("BT /F1 12 Tf 56 780 Td (%s) Tj ET", pdfString(title))
	var images []int64
	for rest := size - 2048; rest > 0; rest -= largeChunk {
		images = append(images, min(rest, largeChunk)/4096*4096+4096)
	}
	// 1 catalog, 2 pages, 3 page, 4 content, 5 font, 6.. images.
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	xobjs := ""
	for i := range images {
		xobjs += fmt.Sprintf(" /Im%d %d 0 R", i, 6+i)
	}
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject <<%s >> >> >>", xobjs))
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	block := make([]byte, 64<<10)
	for i := range block {
		block[i] = byte(rng.Uint32())
	}
	for _, n := range images {
		offsets = append(offsets, cw.n)
		fmt.Fprintf(cw, "%d 0 obj\n<< /Type /XObject /Subtype /Image /Width 4096 /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n",
			len(offsets), n/4096, n)
		for left := n; left > 0; left -= int64(len(block)) {
			cw.Write(block[:min(left, int64(len(block)))])
			block[0]++ // no two blocks alike
		}
		fmt.Fprint(cw, "\nendstream\nendobj\n")
	}
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(cw, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	if cw.err == nil {
		cw.err = cw.w.(*bufio.Writer).Flush()
	}
	return cw.n, cw.err
}

// pdfString escapes s for a literal string (ASCII only: other bytes
// become '?').
func pdfString(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			out = append(out, '\\', byte(r))
		case r < 32 || r > 126:
			out = append(out, '?')
		default:
			out = append(out, byte(r))
		}
	}
	return string(out)
}

// countWriter counts what it writes and keeps the first error.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
