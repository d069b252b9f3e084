// Package testpdf makes small, ordinary PDFs for tests and benchmarks
// (with github.com/go-pdf/fpdf, a writer nobody here wrote).
package testpdf

import (
	"bytes"
	"fmt"

	"github.com/go-pdf/fpdf"
)

// Make returns an A4 PDF of pages pages, each with a line of ASCII text.
func Make(pages int, title string) []byte {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(true)
	for i := 1; i <= pages; i++ {
		p.AddPage()
		p.SetFont("Helvetica", "", 12)
		p.Text(20, 30, fmt.Sprintf("%s - page %d of %d", title, i, pages))
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		panic(err) // only fails on programming errors
	}
	return buf.Bytes()
}

// WithVersion returns a copy of pdf with the header's version ("1.3")
// replaced by v ("1.4" ... "2.0"): the same length, so every offset stays
// right. It panics when pdf does not start with a %PDF-x.y header.
func WithVersion(pdf []byte, v string) []byte {
	if len(v) != 3 || !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 8 {
		panic("testpdf.WithVersion: not a %PDF-x.y header or version " + v)
	}
	out := bytes.Clone(pdf)
	copy(out[5:8], v)
	return out
}
