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
