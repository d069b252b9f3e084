package signing

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVectorTextRendersAsDrawer: text drawn as outlines (vectorText), put
// on a page of the box's size and rendered by poppler (pdftoppm, 288 dpi:
// the raster's 4 px/pt), has the ink of font.Drawer's raster of the same
// lines at the same place: ink box within 2 px (half a point; poppler's
// anti-aliasing is not ours), total ink within 8 % (poppler draws small
// text a little heavier: 3-5 % here), and no more than 3 % of the pixels
// darker or lighter by more than half (under 2 % here). It fails if a glyph
// is flipped, scaled, misplaced or left out, or a line is aligned or
// spaced otherwise.
func TestVectorTextRendersAsDrawer(t *testing.T) {
	needTool(t, "pdftoppm")
	cases := []struct {
		name  string
		w, h  float64
		lines []textLine
	}{
		{"NumberCentred", 214, 18, []textLine{{Text: "Số: 15/QĐ-UBND", Size: 13, Color: textDark, Align: 1}}},
		{"NumberRight", 60, 18, []textLine{{Text: "1234", Size: 13, Color: textDark, Align: 2}}},
		{"TwoLinesBold", 200, 22, []textLine{
			{Text: "Ủy ban nhân dân quận Bình Thủy", Size: fitSize("Ủy ban nhân dân quận Bình Thủy", true, 8, 200), Bold: true, Color: textDark},
			{Text: "Mã xác thực: ABCDE-FGHJK — https://vanthu.example/verify", Size: 7, Color: textDark},
		}},
		{"Kerning", 210, 40, []textLine{{Text: "AVAWAY Tŷ ữ ậ", Size: 10, Color: textDark, Align: 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ops, err := vectorText(c.w, c.h, c.lines)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(ops, []byte("Do")) || bytes.Contains(ops, []byte("BI")) {
				t.Fatal("vector text draws an image")
			}
			ref := drawerText(t, c.w, c.h, c.lines)
			got := renderOps(t, c.w, c.h, ops)
			if got.Bounds() != ref.Bounds() {
				t.Fatalf("rendered %v, want %v", got.Bounds(), ref.Bounds())
			}
			rb, gb := inkBox(ref), inkBox(got)
			if max(abs(gb.Min.X-rb.Min.X), abs(gb.Min.Y-rb.Min.Y), abs(gb.Max.X-rb.Max.X), abs(gb.Max.Y-rb.Max.Y)) > 2 {
				t.Errorf("ink box %v, font.Drawer's %v", gb, rb)
			}
			var sumRef, sumGot, far int
			for i := 3; i < len(ref.Pix); i += 4 {
				a, b := int(ref.Pix[i]), int(got.Pix[i])
				sumRef += a
				sumGot += b
				if abs(a-b) > 128 {
					far++
				}
			}
			if d := math.Abs(float64(sumGot-sumRef)) / float64(sumRef); d > 0.08 {
				t.Errorf("ink %d, font.Drawer's %d (%.1f%% apart)", sumGot, sumRef, 100*d)
			}
			t.Logf("ink %d vs %d, %d pixels far off, ink box %v vs %v", sumGot, sumRef, far, gb, rb)
			if n := len(ref.Pix) / 4; far > 3*n/100 {
				t.Errorf("%d of %d pixels differ by more than half from font.Drawer's", far, n)
			}
		})
	}
}

// renderOps renders content-stream operators on a page of w×h points with
// pdftoppm at 4 px/pt and returns the darkness of each pixel as alpha.
func renderOps(tb testing.TB, w, h float64, ops []byte) *image.NRGBA {
	tb.Helper()
	dir := tb.TempDir()
	file := filepath.Join(dir, "v.pdf")
	if err := os.WriteFile(file, onePage(w, h, ops), 0o644); err != nil {
		tb.Fatal(err)
	}
	if out, err := run(tb, "pdftoppm", "-r", fmt.Sprint(72*pxPerPt), "-gray", "-aa", "yes", "-aaVector", "yes",
		"-singlefile", file, filepath.Join(dir, "v")); err != nil {
		tb.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	pgm, err := os.ReadFile(filepath.Join(dir, "v.pgm"))
	if err != nil {
		tb.Fatal(err)
	}
	var pw, ph, maxv int
	var magic string
	n, err := fmt.Sscan(string(pgm[:min(len(pgm), 64)]), &magic, &pw, &ph, &maxv)
	if err != nil || n != 4 || magic != "P5" || maxv != 255 {
		tb.Fatalf("not an 8-bit PGM: %q", pgm[:min(len(pgm), 32)])
	}
	pix := pgm[len(pgm)-pw*ph:]
	img := image.NewNRGBA(image.Rect(0, 0, pw, ph))
	for i, v := range pix {
		img.Pix[4*i+3] = 255 - v
	}
	return img
}

// onePage is a one-page PDF of w×h points whose content is ops.
func onePage(w, h float64, ops []byte) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g] /Contents 4 0 R >>", w, h))
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(ops), ops))
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// TestNumberDrawnAsVector: an issued document's number is drawn as
// outlines in its stamp, not as an image: the stamp's appearance has the
// date line's image (shared across documents) and no other, and
// pdftoppm shows ink where the number goes.
func TestNumberDrawnAsVector(t *testing.T) {
	g := pageGeom{box: [4]float64{0, 0, 595, 842}}
	l := AgencyLayer{AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy", Notation: "15/QĐ-UBND", IssueDate: at}
	st, err := numberDateStampAt(g, l, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.images) != 1 || len(st.vectors) != 1 {
		t.Fatalf("%d images and %d vector texts, want the date line's image and the number's outlines", len(st.images), len(st.vectors))
	}
	if !strings.Contains(string(st.vectors[0].ops), " c\n") || !strings.Contains(string(st.vectors[0].ops), "f Q") {
		t.Errorf("the number is not filled outlines: %.80q", st.vectors[0].ops)
	}
	l.NumberOnly, l.NumberPos = true, &Rect{Page: 1, X: 100, Y: 700, W: 60, H: 18}
	l.DatePos, l.DateBlanks = &Rect{Page: 1, X: 300, Y: 700, W: 240, H: 18}, []float64{40, 110, 190}
	st, err = numberDateStampAt(g, l, time.Date(2027, 2, 5, 9, 0, 0, 0, ict))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.images) != 0 || len(st.vectors) != 4 {
		t.Errorf("template blanks: %d images and %d vector texts, want 0 and 4 (number, day, month, year)", len(st.images), len(st.vectors))
	}
	needTool(t, "pdftoppm")
	var ops bytes.Buffer
	for _, v := range st.vectors {
		fmt.Fprintf(&ops, "q 1 0 0 1 %.3f %.3f cm\n%sQ\n", v.x+st.rect[0], v.y+st.rect[1], v.ops)
	}
	img := renderOps(t, 595, 842, ops.Bytes())
	// The number, right-aligned in its box (100..160 pt, 124..142 pt from
	// the top at 842 pt): ink there, none left of it.
	ink := inkBox(img)
	want := image.Rect(100*4, (842-718)*4, 160*4, (842-700)*4)
	if ink.Empty() || !ink.Overlaps(want) || ink.Min.Y < want.Min.Y-8 || ink.Max.Y > want.Max.Y+8 {
		t.Errorf("ink at %v (px at 4 px/pt), want it over %v", ink, want)
	}
}

// BenchmarkNumberLine: the number line of an issue drawn as an image (the
// way it was, textImage: glyph masks, an alpha plane and its deflate) and
// as outlines (vectorText), and the bytes each puts in the update.
func BenchmarkNumberLine(b *testing.B) {
	lines := []textLine{{Text: "Số: 1234/QĐ-UBND", Size: 13, Color: textDark, Align: 1}}
	b.Run("raster", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			p, err := textImage(214, 18, lines)
			if err != nil {
				b.Fatal(err)
			}
			n = len(p.Alpha) + len(p.RGB)
		}
		b.ReportMetric(float64(n), "bytes")
	})
	b.Run("vector", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			ops, err := vectorText(214, 18, lines)
			if err != nil {
				b.Fatal(err)
			}
			n = len(ops)
		}
		b.ReportMetric(float64(n), "bytes")
	})
}
