package signing

import (
	"bytes"
	"testing"

	"github.com/digitorus/pdf"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestPageBoxVisible: the page the stamps are placed on is what readers
// show, the crop box within the media box (ISO 32000-1 14.11.2), and US
// Letter where a page has no box (poppler, mupdf, pdf.js). Before, a crop
// box past the media box was taken whole, and the stamps went off the
// page.
func TestPageBoxVisible(t *testing.T) {
	for _, c := range []struct {
		name, boxes string
		want        [4]float64
	}{
		{"media box", "/MediaBox [0 0 595 842]", [4]float64{0, 0, 595, 842}},
		{"media box, corners swapped", "/MediaBox [595 842 0 0]", [4]float64{0, 0, 595, 842}},
		{"crop box within", "/MediaBox [0 0 595 842] /CropBox [50 60 500 700]", [4]float64{50, 60, 500, 700}},
		{"crop box past the media box", "/MediaBox [0 0 595 842] /CropBox [-50 -50 2000 2000]", [4]float64{0, 0, 595, 842}},
		{"crop box across an edge", "/MediaBox [0 0 595 842] /CropBox [100 -20 700 400]", [4]float64{100, 0, 595, 400}},
		{"crop box beside the media box", "/MediaBox [0 0 595 842] /CropBox [700 900 800 1000]", [4]float64{0, 0, 595, 842}},
		{"no box", "", [4]float64{0, 0, 612, 792}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := testpdf.NewWriter("1.7")
			w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
			w.Obj(3, "<< /Type /Page /Parent 2 0 R "+c.boxes+" >>")
			b := w.Table("/Root 1 0 R", -1)
			rdr, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := pageBox(rdr, 1); err != nil || got != c.want {
				t.Fatalf("box %v, %v; want %v", got, err, c.want)
			}
		})
	}
}
