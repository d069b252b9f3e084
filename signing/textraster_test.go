package signing

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// drawerText is the reference: the lines drawn with font.Drawer, a new
// face per line and no cache (how stamps were drawn before the glyph
// cache).
func drawerText(tb testing.TB, wPt, hPt float64, lines []textLine) *image.NRGBA {
	tb.Helper()
	if err := loadFonts(); err != nil {
		tb.Fatal(err)
	}
	w, h := int(math.Ceil(wPt*pxPerPt)), int(math.Ceil(hPt*pxPerPt))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	y := 0.0
	for _, l := range lines {
		f := fontRegular
		if l.Bold {
			f = fontBoldTT
		}
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: l.Size * pxPerPt, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			tb.Fatal(err)
		}
		m := face.Metrics()
		y += float64(m.Ascent.Round())
		d := &font.Drawer{Dst: img, Src: image.NewUniform(l.Color), Face: face}
		adv := d.MeasureString(l.Text).Round()
		x := 0
		switch l.Align {
		case 1:
			x = (w - adv) / 2
		case 2:
			x = w - adv
		}
		d.Dot = fixed.P(x, int(y))
		d.DrawString(l.Text)
		y += float64(m.Descent.Round()) + l.Size*pxPerPt*0.15
	}
	return img
}

// TestTextImageMatchesDrawer: the cached-glyph text (textImage for one
// colour, renderText otherwise) is the text font.Drawer draws: the same
// ink box within a pixel, the same amount of ink within 1%, no pixel off
// by more than a quarter-pixel shift can make it; and the second drawing
// (from the cache) is identical to the first.
func TestTextImageMatchesDrawer(t *testing.T) {
	red := color.NRGBA{R: 0xD0, G: 0x10, B: 0x10, A: 0xFF}
	cases := []struct {
		name   string
		w, h   float64
		lines  []textLine
		oneCol bool
	}{
		{"NumberCentred", 214, 18, []textLine{{Text: "Số: 15/QĐ-UBND", Size: 13, Color: textDark, Align: 1}}, true},
		{"DateLine", 274, 18, []textLine{{Text: "Bình Thủy, ngày 05 tháng 01 năm 2027", Size: fitSize("Bình Thủy, ngày 05 tháng 01 năm 2027", false, 13, 274), Color: textDark, Align: 1}}, true},
		{"AgencyTwoLines", 200, 22, []textLine{
			{Text: "Ủy ban nhân dân quận Bình Thủy", Size: fitSize("Ủy ban nhân dân quận Bình Thủy", true, 8, 200), Bold: true, Color: red},
			{Text: "2026-11-25T10:15:30+07:00", Size: 8, Color: red},
		}, true},
		{"RightAligned", 210, 40, []textLine{{Text: "AVAWAY Tŷ ữ ậ", Size: 10, Color: textDark, Align: 2}}, true},
		{"TwoColours", 200, 30, []textLine{{Text: "Nguyễn", Size: 12, Color: inkBlue}, {Text: "Văn A", Size: 12, Color: red}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref := drawerText(t, c.w, c.h, c.lines)
			got, err := renderText(c.w, c.h, c.lines)
			if err != nil {
				t.Fatal(err)
			}
			compareAlpha(t, ref, got)
			if !c.oneCol {
				return
			}
			p, err := textImage(c.w, c.h, c.lines)
			if err != nil {
				t.Fatal(err)
			}
			if p.RGBW != 1 || p.FullW != ref.Bounds().Dx() || p.FullH != ref.Bounds().Dy() {
				t.Fatalf("textImage: %dx%d colour over %dx%d, want 1x1 over %v", p.RGBW, p.RGBH, p.FullW, p.FullH, ref.Bounds().Size())
			}
			box := image.Rect(p.CropX, p.CropY, p.CropX+p.W, p.CropY+p.H)
			if rb := inkBox(ref); max(abs(box.Min.X-rb.Min.X), abs(box.Min.Y-rb.Min.Y), abs(box.Max.X-rb.Max.X), abs(box.Max.Y-rb.Max.Y)) > 1 {
				t.Errorf("ink box %v, font.Drawer's %v", box, rb)
			}
			again, err := textImage(c.w, c.h, c.lines)
			if err != nil {
				t.Fatal(err)
			}
			if string(again.Alpha) != string(p.Alpha) || again.W != p.W || again.CropX != p.CropX {
				t.Error("a second drawing differs from the first")
			}
		})
	}
}

func compareAlpha(t *testing.T, ref, got *image.NRGBA) {
	t.Helper()
	if ref.Bounds() != got.Bounds() {
		t.Fatalf("size %v, want %v", got.Bounds(), ref.Bounds())
	}
	var sumRef, sumGot, worst int
	for i := 3; i < len(ref.Pix); i += 4 {
		a, b := int(ref.Pix[i]), int(got.Pix[i])
		sumRef += a
		sumGot += b
		worst = max(worst, abs(a-b))
	}
	if sumRef == 0 {
		t.Fatal("the reference has no ink")
	}
	if d := math.Abs(float64(sumGot-sumRef)) / float64(sumRef); d > 0.01 {
		t.Errorf("ink %d, font.Drawer's %d (%.2f%% apart)", sumGot, sumRef, 100*d)
	}
	// An edge moved by at most an eighth of a pixel changes a pixel's
	// coverage by at most about an eighth; allow for two edges in a pixel.
	if worst > 96 {
		t.Errorf("a pixel's alpha is %d off font.Drawer's", worst)
	}
}

// inkBox is the box of img's pixels that are not transparent.
func inkBox(img *image.NRGBA) image.Rectangle {
	var r image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.NRGBAAt(x, y).A != 0 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestAgencyTextSplit: the agency's name (drawn once, shared) and the
// signing time (drawn per signature, under an empty line of the name's
// font) put together are the two lines drawn as one image; the name's
// image is shared between signatures, the time's between those of the
// same second only.
func TestAgencyTextSplit(t *testing.T) {
	const w, h = 200.0, 22.0
	name := textLine{Text: "Ủy ban nhân dân quận Bình Thủy", Size: fitSize("Ủy ban nhân dân quận Bình Thủy", true, 8, w), Bold: true, Color: sealRed}
	stamp := textLine{Text: "2026-11-25T10:15:30+07:00", Size: 8, Color: sealRed}
	whole, err := layoutText(w, h, []textLine{name, stamp})
	if err != nil {
		t.Fatal(err)
	}
	full := image.Rect(0, 0, whole.w, whole.h)
	want := whole.alpha(full)
	n1, err := sharedTextImage(w, h, []textLine{name})
	if err != nil {
		t.Fatal(err)
	}
	empty := name
	empty.Text = ""
	tl, err := layoutText(w, h, []textLine{empty, stamp})
	if err != nil {
		t.Fatal(err)
	}
	got := tl.alpha(full)
	nameOnly, err := layoutText(w, h, []textLine{name})
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range nameOnly.alpha(full) {
		got[i] = max(got[i], a) // the lines do not overlap
	}
	if string(got) != string(want) {
		t.Error("name and time drawn apart differ from the two lines drawn together")
	}
	n2, err := sharedTextImage(w, h, []textLine{name})
	if err != nil {
		t.Fatal(err)
	}
	if n1 != n2 {
		t.Error("the agency's name was drawn twice")
	}
	other := name
	other.Text = "Ủy ban nhân dân quận Ninh Kiều"
	if n3, _ := sharedTextImage(w, h, []textLine{other}); n3 == n1 || string(n3.Alpha) == string(n1.Alpha) {
		t.Error("another agency's name gave the same image")
	}
	t1, err := recentTextImage(w, h, []textLine{empty, stamp})
	if err != nil {
		t.Fatal(err)
	}
	if box := image.Rect(t1.CropX, t1.CropY, t1.CropX+t1.W, t1.CropY+t1.H); string(inflate(t, t1.Alpha)) != string(tl.alpha(box)) {
		t.Error("the shared time image is not the time drawn")
	}
	if t2, _ := recentTextImage(w, h, []textLine{empty, stamp}); t2 != t1 {
		t.Error("the same second's time was drawn twice")
	}
	next := stamp
	next.Text = "2026-11-25T10:15:31+07:00"
	if t3, _ := recentTextImage(w, h, []textLine{empty, next}); t3 == t1 || string(t3.Alpha) == string(t1.Alpha) {
		t.Error("the next second gave the same image")
	}
}

// TestGlyphCacheBounded: the glyph masks of all faces together stay
// under the cache's bound, however many glyphs and sizes are drawn;
// drawing still works after the cache was dropped.
func TestGlyphCacheBounded(t *testing.T) {
	c := newFaceCache(256 << 10)
	var s []rune
	for r := rune(0x41); r < 0x41+26; r++ {
		s = append(s, r, r+0x20)
	}
	for _, r := range "ăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ" {
		s = append(s, r)
	}
	peak := int64(0)
	for size := 20.0; size <= 40; size += 2 {
		if _, err := c.textImage(600, 60, []textLine{{Text: string(s), Size: size, Color: textDark}}); err != nil {
			t.Fatal(err)
		}
		peak = max(peak, c.bytes.Load())
	}
	if peak > c.maxBytes {
		t.Errorf("glyph masks reached %d bytes, bound %d", peak, c.maxBytes)
	}
	if peak < c.maxBytes/4 {
		t.Errorf("glyph masks peaked at %d bytes: the test did not fill the cache", peak)
	}
	p, err := c.textImage(214, 18, []textLine{{Text: "Số: 15/QĐ-UBND", Size: 13, Color: textDark, Align: 1}})
	if err != nil || p.W == 0 {
		t.Fatalf("after the cache was dropped: %v", err)
	}
}

// TestTextImageConcurrent: signatures draw text on several goroutines
// (SignAgency draws the number beside the seal's text) over shared faces,
// also while the cache is dropped; run with -race.
func TestTextImageConcurrent(t *testing.T) {
	c := newFaceCache(64 << 10)
	want, err := c.textImage(214, 18, []textLine{{Text: "Số: 15/QĐ-UBND", Size: 13, Color: textDark, Align: 1}})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			var err error
			for i := range 20 {
				size := 13.0
				if i%2 == 1 {
					size = 8 + float64(g)
				}
				var p *preparedImage
				p, err = c.textImage(214, 18, []textLine{{Text: "Số: 15/QĐ-UBND", Size: size, Color: textDark, Align: 1}})
				if err == nil && size == 13 && string(p.Alpha) != string(want.Alpha) {
					err = fmt.Errorf("goroutine %d: a different image", g)
				}
				if err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// inflate is what a PDF reader does with an image's /FlateDecode data.
func inflate(tb testing.TB, z []byte) []byte {
	tb.Helper()
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
