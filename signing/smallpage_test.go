package signing

import (
	"fmt"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// smallPagePDF is a one-page PDF whose page is w × h points, with a line
// of text on it.
func smallPagePDF(w, h float64) []byte {
	content := []byte("BT /F1 6 Tf 2 2 Td (label) Tj ET")
	return testpdf.NewWriter("1.7").
		Obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>").
		Obj(3, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>", w, h)).
		Obj(4, testpdf.Stream("", content)).
		Obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>").
		Table("/Root 1 0 R", -1)
}

// TestDefaultLayoutOnSmallPages: the default places of the official's
// signature, the seal and the number and date line are those of the Decree
// 30 template on an A4 page; on a page too small for them (a label, a
// card, a figure) they used to fall off it, partly (a signature cut by the
// page's top edge) or wholly (layer 1 refused: "lies outside its page").
// They are now the template's layout scaled down to the page, and stay on
// it.
func TestDefaultLayoutOnSmallPages(t *testing.T) {
	p := newTestPKI(t, "rsa")
	within := func(t *testing.T, what string, r [4]float64, w, h float64) {
		t.Helper()
		const eps = 1e-6
		if r[0] < -eps || r[1] < -eps || r[3] > h+eps || r[0] >= w || r[2]-r[0] <= 0 || r[3]-r[1] <= 0 {
			t.Errorf("%s %v is not on the %g × %g page", what, r, w, h)
		}
	}
	for _, size := range [][2]float64{{595.28, 841.89}, {841.89, 595.28}, {297.64, 419.53}, {252.28, 167.24}, {58, 58}, {425.2, 42.52}, {62.9, 17.5}} {
		w, h := size[0], size[1]
		t.Run(fmt.Sprintf("%gx%g", w, h), func(t *testing.T) {
			_, l2, err := twoLayers(t, smallPagePDF(w, h), p)
			if err != nil {
				t.Fatal(err)
			}
			rdr, sigs, _, err := requireLayer1For(l2, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(sigs) != 2 {
				t.Fatalf("%d signatures, want 2", len(sigs))
			}
			g, err := pageGeometry(rdr, 1)
			if err != nil {
				t.Fatal(err)
			}
			off, seal := g.rectFromUser(sigs[0].rect), g.rectFromUser(sigs[1].rect)
			within(t, "the official's signature", off, w, h)
			if off[2] > w+1e-6 {
				t.Errorf("the official's signature %v reaches past the page's right edge (%g)", off, w)
			}
			within(t, "the seal", seal, w, h)
			st, err := numberDateStamp(rdr, agencyLayer(p), at)
			if err != nil {
				t.Fatal(err)
			}
			within(t, "the number and date line", st.rect, w, h)
			if st.rect[2] > w+1e-6 {
				t.Errorf("the number and date line %v reaches past the page's right edge (%g)", st.rect, w)
			}
			if w >= 2*sigBoxW && h >= 381 {
				// An ordinary page keeps the template's layout as it was.
				if want := [4]float64{w*0.75 - sigBoxW/2, 150, w*0.75 + sigBoxW/2, 150 + sigBoxH}; !near4(off, want) {
					t.Errorf("signature at %v on an ordinary page, want %v", off, want)
				}
			}
		})
	}
}

func near4(a, b [4]float64) bool {
	for i := range a {
		if d := a[i] - b[i]; d > 0.01 || d < -0.01 {
			return false
		}
	}
	return true
}
