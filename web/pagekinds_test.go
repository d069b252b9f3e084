package web

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// The kinds of page a reader shows, each a one-page (or, the office
// letter, a four-page) PDF: what the page images are measured and
// checked on (TestPageImageKinds, TestMeasurePageKinds).
type pageKind struct {
	name string
	pdf  func(t testing.TB) []byte
}

var pageKinds = []pageKind{
	{"scan", func(t testing.TB) []byte { return scannedPDF(t, 1, 1240) }}, // grey JPEG scan, 150 dpi
	{"office", func(t testing.TB) []byte { // a decision printed by Chromium: text and lines
		b, err := os.ReadFile("../signing/testdata/decision-chromium.pdf")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}},
	{"mixed", mixedPDF},     // text under a colour photo
	{"bilevel", bilevelPDF}, // a black-and-white 300-dpi scan (fax-like)
	{"blank", func(t testing.TB) []byte { return testpdf.Make(1, "Trang") }}, // a line of text
}

// mixedPDF is an A4 page of 24 lines of text under a colour photo-like
// JPEG of 900 × 600 pixels over a third of the page.
func mixedPDF(t testing.TB) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewRGBA(image.Rect(0, 0, 900, 600))
	for y := range 600 {
		for x := range 900 {
			img.Set(x, y, color.RGBA{uint8(x*255/900 + rng.IntN(30)), uint8(y*200/600 + rng.IntN(30)), uint8(60 + (x+y)*100/1500 + rng.IntN(40)), 255})
		}
	}
	var j bytes.Buffer
	if err := jpeg.Encode(&j, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	var c strings.Builder
	c.WriteString("q 480 0 0 320 57 440 cm /Im Do Q BT /F1 11 Tf 57 400 Td 14 TL\n")
	for i := range 24 {
		fmt.Fprintf(&c, "(Dong %d: Uy ban nhan dan huyen de nghi cac co quan, don vi thuc hien nghiem tuc.) '\n", i)
	}
	c.WriteString("ET BT /F1 16 Tf 57 790 Td (QUYET DINH ve viec ban hanh quy che) Tj ET")
	return onePage(c.String(), testpdf.Stream("/Type /XObject /Subtype /Image /Width 900 /Height 600 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", j.Bytes()))
}

// bilevelPDF is an A4 page drawn whole by a 1-bit 2,480 × 3,508 image
// (300 dpi): lines of black word-like strokes on white.
func bilevelPDF(t testing.TB) []byte {
	const w, h = 2480, 3508
	rng := rand.New(rand.NewPCG(3, 4))
	bits := make([]byte, (w+7)/8*h)
	for i := range bits {
		bits[i] = 0xff // white
	}
	for y := 200; y+30 < h-200; y += 60 {
		for x := 250; x < w-250; {
			word := 40 + rng.IntN(200)
			for yy := y; yy < y+30; yy++ {
				for xx := x; xx < min(x+word, w-250); xx++ {
					if rng.IntN(10) > 0 { // ragged strokes
						bits[yy*((w+7)/8)+xx/8] &^= 0x80 >> (xx % 8)
					}
				}
			}
			x += word + 20 + rng.IntN(30)
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(bits)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return onePage("q 595 0 0 842 0 0 cm /Im Do Q", testpdf.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode", w, h), z.Bytes()))
}

// onePage is an A4 page of content drawing image /Im (and font /F1).
func onePage(content, image string) []byte {
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> /XObject << /Im 6 0 R >> >> >>")
	w.Obj(4, testpdf.Stream("", []byte(content)))
	w.Obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>")
	w.Obj(6, image)
	return w.Table("/Root 1 0 R", -1)
}

// TestMeasurePageKinds measures the first render of page 1 of each
// pageKind at each width the reader asks for (pageImageWidths): wall and
// CPU (the process and the renderers it ran) and the image's bytes, the
// median of VANTHU_MEASURE_PAGEKINDS rounds (each round a new file: a
// comment appended, so nothing comes from the cache); skipped when unset.
// docs/performance.md has the figures.
func TestMeasurePageKinds(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv("VANTHU_MEASURE_PAGEKINDS"))
	if rounds == 0 || pdftoppm == "" || pdfinfo == "" {
		t.Skip("VANTHU_MEASURE_PAGEKINDS=ROUNDS (and poppler) to measure the first render of each kind of page")
	}
	e := newTestEnv(t)
	c := e.login("vanthu")
	for _, k := range pageKinds {
		pdf := k.pdf(t)
		for _, width := range pageImageWidths {
			var walls, cpus []time.Duration
			var size int
			var ctype string
			for r := range rounds {
				id := uploadScan(t, c, append(bytes.Clone(pdf), fmt.Sprintf("\n%% %s %d %d\n", k.name, width, r)...), "normal")
				cpu0, t0 := cpuTimeWithChildren(), time.Now()
				p := c.get(fmt.Sprintf("/documents/%s/page/1?w=%d", id, width))
				walls, cpus = append(walls, time.Since(t0)), append(cpus, cpuTimeWithChildren()-cpu0)
				if p.Status != http.StatusOK {
					t.Fatalf("%s at %d: %d", k.name, width, p.Status)
				}
				size, ctype = len(p.Body), p.Header.Get("Content-Type")
			}
			t.Logf("%-8s %4d px: wall %6.1f ms, CPU %6.1f ms, %8d bytes %s", k.name, width, ms(median(walls)), ms(median(cpus)), size, ctype)
		}
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s { // insertion sort: a few rounds
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
