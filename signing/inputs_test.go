package signing

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// blankPDF is a two-page document with empty pages of the given media box
// size, each turned by rotate (the /Rotate key, inherited from the page
// tree to exercise inheritance too) — unless perPage is set, then each
// page carries it.
func blankPDF(version string, w, h float64, rotate int, perPage bool) []byte {
	rot := fmt.Sprintf(" /Rotate %d", rotate)
	treeRot, pageRot := rot, ""
	if perPage {
		treeRot, pageRot = "", rot
	}
	content := []byte("<< /Length 9 >>\nstream\n% nothing\nendstream")
	page := fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %g %g]%s /Contents 3 0 R >>", w, h, pageRot)
	return buildPDF(version, [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte(fmt.Sprintf("<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 2%s >>", treeRot)),
		content,
		[]byte(page), []byte(page),
	})
}

// Stamps on rotated pages are placed where the reader sees the signature
// block and the number line, and read upright: a page with /Rotate r
// renders exactly like an unrotated page of the displayed size (pdftoppm).
func TestIntegrationRotatedPages(t *testing.T) {
	needTool(t, "pdftoppm")
	p := newTestPKI(t, "rsa")
	nss := nssDB(t, p.RootPEM())
	const a4w, a4h = 595.0, 842.0
	tests := []struct {
		rotate  int
		perPage bool
		refW    float64 // the unrotated page that looks the same
		refH    float64
	}{
		{90, true, a4h, a4w},
		{180, false, a4w, a4h},
		{270, true, a4h, a4w},
		{-90, false, a4h, a4w}, // = 270
		{450, true, a4h, a4w},  // = 90
	}
	refs := map[[2]float64]string{}
	top := t
	reference := func(t *testing.T, w, h float64) string {
		if f, ok := refs[[2]float64{w, h}]; ok {
			return f
		}
		_, l2, err := twoLayers(t, blankPDF("1.7", w, h, 0, true), p)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(top.TempDir(), "ref.pdf")
		if err := os.WriteFile(f, l2, 0o644); err != nil {
			t.Fatal(err)
		}
		refs[[2]float64{w, h}] = f
		return f
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.rotate), func(t *testing.T) {
			_, l2, err := twoLayers(t, blankPDF("1.7", a4w, a4h, tt.rotate, tt.perPage), p)
			if err != nil {
				t.Fatal(err)
			}
			file := writeTemp(t, "rot.pdf", l2)
			checkPdfsig(t, file, nss, 2)
			checkQpdf(t, file)
			checkStampsRendered(t, l2, file)
			ref := reference(t, tt.refW, tt.refH)
			for _, page := range []int{1, 2} {
				got, want := render(t, file, page), render(t, ref, page)
				if got.Bounds() != want.Bounds() {
					t.Fatalf("page %d renders %v, the unrotated reference %v", page, got.Bounds(), want.Bounds())
				}
				diff, ink := 0, 0
				for y := 0; y < got.Bounds().Dy(); y++ {
					for x := 0; x < got.Bounds().Dx(); x++ {
						gr, gg, gb, _ := got.At(x, y).RGBA()
						wr, wg, wb, _ := want.At(x, y).RGBA()
						if wr>>8 < 230 || wg>>8 < 230 || wb>>8 < 230 {
							ink++
						}
						if absDiff(gr>>8, wr>>8) > 80 || absDiff(gg>>8, wg>>8) > 80 || absDiff(gb>>8, wb>>8) > 80 {
							diff++
						}
					}
				}
				if ink < 300 {
					t.Fatalf("page %d: the reference has only %d inked pixels", page, ink)
				}
				if diff > ink/20 {
					t.Errorf("page %d: %d pixels differ from the unrotated reference (%d inked): stamps misplaced or turned", page, diff, ink)
				}
			}
		})
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func render(tb testing.TB, file string, page int) image.Image {
	tb.Helper()
	prefix := filepath.Join(tb.TempDir(), "p")
	pg := strconv.Itoa(page)
	if out, err := run(tb, "pdftoppm", "-cropbox", "-r", "72", "-f", pg, "-l", pg, "-png", "-singlefile", file, prefix); err != nil {
		tb.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.Open(prefix + ".png")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// Generated inputs: PDF 2.0 and 1.4 headers, a crop box that does not
// start at 0,0, and a 20 MB twelve-page scan (made here, not kept in git).
func TestIntegrationGeneratedInputs(t *testing.T) {
	needTool(t, "pdfsig")
	p := newTestPKI(t, "ec")
	nss := nssDB(t, p.RootPEM())
	cropped := buildPDF("1.6", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [4 0 R] /Count 1 >>"),
		[]byte("<< /Length 9 >>\nstream\n% nothing\nendstream"),
		[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 700 900] /CropBox [50 40 645 882] /Contents 3 0 R >>"),
	})
	tests := []struct {
		name    string
		in      []byte
		version string
	}{
		{"pdf-2.0", blankPDF("2.0", 595, 842, 0, true), "%PDF-2.0"},
		{"pdf-1.4", blankPDF("1.4", 595, 842, 0, true), "%PDF-1.5"}, // raised before layer 1
		{"cropbox-offset", cropped, "%PDF-1.6"},
	}
	if !testing.Short() {
		tests = append(tests, struct {
			name    string
			in      []byte
			version string
		}{"scan-20MB", scannedPDF(t, 12, 20.8), "%PDF-1.7"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, l2, err := twoLayers(t, tt.in, p)
			if err != nil {
				t.Fatal(err)
			}
			if string(l2[:8]) != tt.version {
				t.Errorf("header %q, want %q", l2[:8], tt.version)
			}
			if tt.name == "scan-20MB" && len(tt.in) < 20e6 {
				t.Errorf("the scan is only %d bytes", len(tt.in))
			}
			file := writeTemp(t, "in.pdf", l2)
			checkPdfsig(t, file, nss, 2)
			checkQpdf(t, file)
			checkMutool(t, file, mutoolWant...)
			checkStampsRendered(t, l2, file)
		})
	}
}
