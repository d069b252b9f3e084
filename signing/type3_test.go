package signing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// type3Cases are drafts in Type 3 fonts whose /Differences name the
// glyphs (the font program's names: AGL names, uniXXXX) and which have
// no /ToUnicode, under the font matrices producers write: matplotlib's
// 0.001, 1/unitsPerEm (widths in font units), a glyph space twice as
// wide as tall, a translated one (glyphs drawn below the pen), and ones
// that mirror or turn the glyphs, shown by a text matrix that turns them
// back.
func type3Cases() []draftCase {
	reg, bold := Fonts()
	var out []draftCase
	for _, fm := range []struct {
		name string
		m    [6]float64
	}{
		{"matplotlib", [6]float64{0.001, 0, 0, 0.001, 0, 0}},
		{"units-per-em", [6]float64{1.0 / 2048, 0, 0, 1.0 / 2048, 0, 0}},
		{"non-uniform", [6]float64{0.0005, 0, 0, 0.001, 0, 0}},
		{"translated", [6]float64{0.001, 0, 0, 0.001, 0.2, -0.5}},
		{"upside-down", [6]float64{0.01, 0, 0, -0.01, 0, 0}},
		{"turned-half", [6]float64{-0.001, 0, 0, -0.001, 0, 0.1}},
	} {
		out = append(out,
			draftCase{"type3/" + fm.name, testpdf.Draft{Producer: testpdf.Type3, FontMatrix: fm.m, Regular: reg, Bold: bold, Pages: 1, SigTitleY: 300}},
			draftCase{"type3/" + fm.name + "/page-2", testpdf.Draft{Producer: testpdf.Type3, FontMatrix: fm.m, Regular: reg, Bold: bold,
				Pages: 2, SigTitleY: 560, Titles: []string{"TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}, Name: "Trần Thị Bình", YearBlank: true}},
		)
	}
	return out
}

// TestDetectLayoutType3 finds number, date and signature block in drafts
// in Type 3 fonts where they were put, and reads their text by the
// glyphs' names.
func TestDetectLayoutType3(t *testing.T) {
	for _, c := range type3Cases() {
		t.Run(c.name, func(t *testing.T) {
			in, a := makeDraft(t, c.d)
			checkDetected(t, c.d, in, a)
			text := draftText(t, in, c.d.Pages)
			for _, want := range []string{"ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số:", "/QĐ-UBND", "QUYẾT ĐỊNH"} {
				if !strings.Contains(text, want) {
					t.Errorf("%q not in the text read:\n%s", want, text)
				}
			}
		})
	}
}

// TestDetectLayoutType3Legacy: drafts in Type 3 fonts typed in VNI or
// Windows-1258, their glyphs named as the bytes' Latin-1 look-alikes
// ("ocircumflex"), named by their /FontDescriptor's /FontName (a Type 3
// font has no /BaseFont) "VNI-Times", renamed ("TTFont-01"), or
// "TimesNewRoman": read through the encoding's table as other simple
// fonts are, by the name or by the text (legacyguess.go).
func TestDetectLayoutType3Legacy(t *testing.T) {
	reg, bold := Fonts()
	for _, cs := range []testpdf.Charset{testpdf.VNI, testpdf.CP1258} {
		for _, renamed := range []bool{false, true} {
			if renamed && cs == testpdf.CP1258 {
				continue // no name says it
			}
			for _, pages := range []int{1, 2} {
				d := testpdf.Draft{Producer: testpdf.Type3, Legacy: testpdf.LegacyFonts{Charset: cs}, Regular: reg, Bold: bold, Pages: pages, SigTitleY: 300}
				if pages == 2 {
					d.SigTitleY, d.Titles, d.Name = 560, []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}, "Trần Thị Bình"
				}
				t.Run(fmt.Sprintf("%s/renamed-%v/pages-%d", cs, renamed, pages), func(t *testing.T) {
					c := draftCase{"", d}
					checkLegacyDraft(t, c, renamed)
				})
			}
		}
	}
}

// TestDetectLayoutMatplotlib finds the anchors of a draft that matplotlib
// draws in Type 3 fonts (testdata/src/matplotlib-type3.py, run here: the
// letters past U+00FF are forms drawn one by one, the others the fonts'
// codes named by /Differences), where matplotlib says it put them.
func TestDetectLayoutMatplotlib(t *testing.T) {
	py := matplotlibPython(t)
	out := filepath.Join(t.TempDir(), "draft.pdf")
	js, err := exec.Command(py, filepath.Join("testdata", "src", "matplotlib-type3.py"), out).Output()
	if err != nil {
		t.Fatalf("matplotlib: %v", err)
	}
	var a testpdf.Anchors
	if err := json.Unmarshal(js, &a); err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(in, []byte("/Type3")) {
		t.Fatal("matplotlib wrote no Type 3 font")
	}
	checkDetected(t, testpdf.Draft{Pages: 1}, in, a)
	text := draftText(t, in, 1)
	for _, want := range []string{"ỦY BAN NHÂN DÂN", "QUẬN BÌNH THỦY", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
		"Số:", "/QĐ-UBND", "Bình Thủy, ngày", "QUYẾT ĐỊNH", "Theo đề nghị của Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân quận.",
		"CHỦ TỊCH", "Nguyễn Văn Sĩ"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not in the text read:\n%s", want, text)
		}
	}
}

// matplotlibPython is a python3 that imports matplotlib (Debian's
// python3-matplotlib is /usr/bin/python3's, whatever python3 the PATH
// finds first); the test is skipped, saying so, without one.
func matplotlibPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import matplotlib").Run() == nil {
			return p
		}
	}
	t.Skip("no python3 with matplotlib (apt-get install python3-matplotlib)")
	return ""
}

// TestGlyphNamesAgainstTheLibrary: the names of the letters of
// Vietnamese made here from their decompositions are those the Adobe
// Glyph List gives them, as the PDF library's own copy of the list reads
// them in a /Differences encoding; and every letter of Vietnamese past
// Latin-1 has one.
func TestGlyphNamesAgainstTheLibrary(t *testing.T) {
	names := latinGlyphNames()
	var keys []string
	for n := range names {
		keys = append(keys, n)
	}
	slices.Sort(keys)
	for start := 0; start < len(keys); start += 200 {
		chunk := keys[start:min(start+200, len(keys))]
		var diffs strings.Builder
		codes := make([]byte, len(chunk))
		for i, n := range chunk {
			codes[i] = byte(32 + i)
			fmt.Fprintf(&diffs, " /%s", n)
		}
		w := testpdf.NewWriter("1.4")
		w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
		w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
		w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Resources << /Font << /F1 4 0 R >> >> >>")
		w.Obj(4, "<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding << /Differences [32"+diffs.String()+"] >> >>")
		in := w.Table("/Root 1 0 R", -1)
		font := mustReader(t, in).Page(1).Font("F1")
		got := []rune(font.Encoder().Decode(string(codes)))
		for i, n := range chunk {
			if i >= len(got) || got[i] != names[n] {
				t.Errorf("/%s: made for %q, the library reads %q", n, names[n], got[min(i, len(got)-1)])
			}
		}
	}
	for _, r := range "ĂăĐđĨĩŨũƠơƯư" + "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ" {
		if !slices.Contains(slices.Collect(maps.Values(names)), r) {
			t.Errorf("%q has no name", r)
		}
	}
}

// TestFontName: the name a font is taken to be a legacy one by: its
// /BaseFont; a Type 3 font's descriptor's /FontName, or its /Name.
func TestFontName(t *testing.T) {
	fonts := map[string]string{
		"<< /Type /Font /Subtype /TrueType /BaseFont /VNI-Times >>":                                               "VNI-Times",
		"<< /Type /Font /Subtype /TrueType /FontDescriptor << /FontName /VNI-Times >> >>":                         "",
		"<< /Type /Font /Subtype /Type3 /FontDescriptor << /FontName /ABCDEF+.VnTimeH >> /Name /F1 >>":            "ABCDEF+.VnTimeH",
		"<< /Type /Font /Subtype /Type3 /Name /.VnTime >>":                                                        ".VnTime",
		"<< /Type /Font /Subtype /Type3 /BaseFont /VNI-Helve /FontDescriptor << /FontName /Other >> /Name /F1 >>": "VNI-Helve",
		"<< /Type /Font /Subtype /Type3 /FontDescriptor << /Type /FontDescriptor >> /Name /T3Font_0 >>":           "T3Font_0",
	}
	for dict, want := range fonts {
		in := buildPDF("1.7", [][]byte{[]byte("<< /Type /Catalog /Pages 2 0 R >>"), []byte("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
			[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> >>"), []byte(dict)})
		v := mustReader(t, in).Page(1).Resources().Key("Font").Key("F1")
		if got := fontName(v, v.Key("Subtype").Name()); got != want {
			t.Errorf("%s: %q, want %q", dict, got, want)
		}
	}
}
