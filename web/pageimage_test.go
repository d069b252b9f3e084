package web

import (
	"bytes"
	"context"
	"image"
	_ "image/jpeg" // image.Decode reads JPEG
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestPageImageKinds: the page image of a scan or of a page mostly photo
// is a JPEG, that of text and line art (an office letter, a black-and-
// white scan, a page of a line) a PNG — each says so in its Content-Type,
// is the width asked for, and is the page: the PNG exactly the pixels
// pdftoppm draws, the JPEG within a mean absolute difference of 3 of 255
// of them (text stays legible) and at most two thirds of the PNG's bytes.
func TestPageImageKinds(t *testing.T) {
	if pdftoppm == "" || pdfinfo == "" {
		t.Skip("pdftoppm, pdfinfo not on PATH: no page images")
	}
	want := map[string]string{"scan": "image/jpeg", "mixed": "image/jpeg", "office": "image/png", "bilevel": "image/png", "blank": "image/png"}
	e := newTestEnv(t)
	c := e.login("vanthu")
	for _, k := range pageKinds {
		pdf := k.pdf(t)
		path := filepath.Join(t.TempDir(), "page.pdf")
		if err := os.WriteFile(path, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		id := uploadScan(t, c, pdf, "normal")
		for _, width := range []int{360, 1080} {
			p := c.get("/documents/" + id + "/page/1?w=" + strconv.Itoa(width))
			ctype := p.Header.Get("Content-Type")
			if p.Status != http.StatusOK || ctype != want[k.name] {
				t.Errorf("%s at %d px: %d, %s, want %s", k.name, width, p.Status, ctype, want[k.name])
				continue
			}
			got, format, err := image.Decode(strings.NewReader(p.Body))
			if err != nil || "image/"+format != ctype {
				t.Errorf("%s at %d px: %s decodes as %q: %v", k.name, width, ctype, format, err)
				continue
			}
			exact := losslessPage(t, path, width)
			if got.Bounds() != exact.Bounds() || abs(got.Bounds().Dx()-width) > 1 {
				t.Errorf("%s at %d px: %v, want %v", k.name, width, got.Bounds(), exact.Bounds())
				continue
			}
			d := meanAbsDiff(got, exact)
			if format == "png" && d != 0 || d > 3 {
				t.Errorf("%s at %d px: %s differs from the page by %.2f on average", k.name, width, ctype, d)
			}
			if format == "jpeg" {
				var lossless bytes.Buffer
				(&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&lossless, exact)
				if float64(len(p.Body))*pageJPEGGain > float64(lossless.Len()) {
					t.Errorf("%s at %d px: JPEG of %d bytes for a PNG of %d", k.name, width, len(p.Body), lossless.Len())
				}
				t.Logf("%s at %d px: JPEG %d bytes, PNG %d, mean difference %.2f", k.name, width, len(p.Body), lossless.Len(), d)
			}
		}
	}
}

// losslessPage is page 1 of the PDF at path as pdftoppm draws it at width.
func losslessPage(t *testing.T, path string, width int) image.Image {
	t.Helper()
	scale, err := previewScale(context.Background(), path, 1, width)
	if err != nil {
		t.Fatal(err)
	}
	ppm, err := exec.Command(pdftoppm, append(pageArgs(1, scale), path)...).Output()
	if err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	img, err := decodePPM(bytes.NewReader(ppm))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// meanAbsDiff is the mean absolute difference of a and b (same bounds),
// over their red, green and blue samples, 0 to 255.
func meanAbsDiff(a, b image.Image) float64 {
	var sum uint64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			sum += uint64(absDiff(r1>>8, r2>>8) + absDiff(g1>>8, g2>>8) + absDiff(b1>>8, b2>>8))
		}
	}
	return float64(sum) / float64(3*r.Dx()*r.Dy())
}

func absDiff(a, b uint32) uint32 { return max(a, b) - min(a, b) }

// TestDecodePPM: pdftoppm's page is read as a grey image when every pixel
// is grey (whatever comes before the first colour row), else as colour,
// and an output that is not a whole 8-bit P6 page within maxPreviewSide
// is refused.
func TestDecodePPM(t *testing.T) {
	grey := "P6\n2 2\n255\n" + "\x10\x10\x10\x20\x20\x20\x30\x30\x30\x40\x40\x40"
	colour := "P6 # pdftoppm\n2 2\n255\n" + "\x10\x10\x10\x20\x20\x20\x30\x31\x30\x40\x40\x40"
	for _, tc := range []struct {
		name, ppm string
		want      image.Image // nil: refused
	}{
		{"grey", grey, &image.Gray{Pix: []byte{0x10, 0x20, 0x30, 0x40}, Stride: 2, Rect: image.Rect(0, 0, 2, 2)}},
		{"colour from row 2", colour, &image.RGBA{Pix: []byte{0x10, 0x10, 0x10, 255, 0x20, 0x20, 0x20, 255, 0x30, 0x31, 0x30, 255, 0x40, 0x40, 0x40, 255},
			Stride: 8, Rect: image.Rect(0, 0, 2, 2)}},
		{"cut short", grey[:len(grey)-1], nil},
		{"empty", "", nil},
		{"not P6", "P5\n2 2\n255\n\x10\x20\x30\x40", nil},
		{"16-bit", "P6\n1 1\n65535\n\x00\x00\x00\x00\x00\x00", nil},
		{"too wide", "P6\n" + strconv.Itoa(maxPreviewSide+2) + " 1\n255\n", nil},
		{"no width", "P6\nx 1\n255\n\x00\x00\x00", nil},
	} {
		got, err := decodePPM(strings.NewReader(tc.ppm))
		switch {
		case tc.want == nil && err == nil:
			t.Errorf("%s: read as %T %v, want refused", tc.name, got, got.Bounds())
		case tc.want != nil && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != nil && !reflect.DeepEqual(got, tc.want):
			t.Errorf("%s: %#v, want %#v", tc.name, got, tc.want)
		}
	}
}

// TestRenderPageError: a file pdftoppm cannot render is EUNPROCESSABLE,
// "the page cannot be rendered" (with pdftoppm's exit status and words),
// and nothing is written.
func TestRenderPageError(t *testing.T) {
	if pdftoppm == "" {
		t.Skip("pdftoppm not on PATH: no page previews")
	}
	e := newTestEnv(t)
	path := filepath.Join(t.TempDir(), "not.pdf")
	if err := os.WriteFile(path, []byte("not a PDF at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := e.ui.renderPage(context.Background(), append(pageArgs(1, []string{"-r", "72"}), path), &out)
	if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || !strings.Contains(err.Error(), "the page cannot be rendered") || out.Len() != 0 {
		t.Errorf("render of a file that is no PDF: %v (%s), %d bytes written", err, workflow.ErrorCode(err), out.Len())
	}
}
