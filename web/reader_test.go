package web

import (
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

var srcsetAttr = regexp.MustCompile(`<img class="pdf-page" src="([^"]+)" srcset="([^"]+)" sizes="[^"]+"(?: width="(\d+)" height="(\d+)")? alt="([^"]+)"`)

// TestPageImageWidths: the document page offers its first page as an
// image in several widths (srcset), the reader page every page, and the
// page route renders each width asked for (w pixels wide, the page as
// turned by its /Rotate; a page whose height would pass maxPreviewSide
// fitted within it), refuses another width, and keeps the file's access
// rules.
func TestPageImageWidths(t *testing.T) {
	if pdftoppm == "" || pdfinfo == "" {
		t.Skip("pdftoppm, pdfinfo not on PATH: no page images")
	}
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	w.Obj(4, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Rotate 90 >>")
	pdf := w.Table("/Root 1 0 R", -1)
	e := newTestEnv(t)
	c := e.login("vanthu")
	c.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Công văn hai trang"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	id := docIDFrom(t, c.postMultipart("/incoming/new", f, map[string][]byte{"file:hai-trang.pdf": pdf}))

	widthOf := func(path string) (int, int) {
		t.Helper()
		p := c.get(path)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d %.200s", path, p.Status, p.Body)
		}
		cfg, err := png.DecodeConfig(strings.NewReader(p.Body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return cfg.Width, cfg.Height
	}
	// Each candidate of a srcset is rendered at the width it declares, or
	// fitted in maxPreviewSide; turned is the page shown landscape.
	checkSet := func(set string, turned bool) {
		t.Helper()
		cands := strings.Split(set, ", ")
		if len(cands) < 3 {
			t.Fatalf("srcset %q: want 1×, 2× and 3× a phone's width", set)
		}
		for _, cand := range cands {
			url, desc, _ := strings.Cut(cand, " ")
			want, _ := strconv.Atoi(strings.TrimSuffix(desc, "w"))
			if !turned {
				want = min(want, maxPreviewSide*595/842)
			}
			gw, gh := widthOf(url)
			if abs(gw-want) > 1 || max(gw, gh) > maxPreviewSide || (gw > gh) != turned {
				t.Errorf("%s: %d × %d pixels, want %d wide", url, gw, gh, want)
			}
		}
	}
	doc := c.get("/documents/" + id)
	m := srcsetAttr.FindStringSubmatch(doc.Body)
	if m == nil || !strings.Contains(doc.Body, `href="/documents/`+id+`/read"`) || !strings.Contains(doc.Body, "Mở tệp PDF để đọc") {
		t.Fatalf("the document page has no page image, no link to every page, or no link to the device's viewer\n%s", doc.Body)
	}
	checkSet(htmlUnescape(m[2]), false)

	read := c.get("/documents/" + id + "/read")
	imgs := srcsetAttr.FindAllStringSubmatch(read.Body, -1)
	if read.Status != http.StatusOK || len(imgs) != 2 || !strings.Contains(read.Body, "2 trang") || !strings.Contains(read.Body, "Mở tệp PDF để đọc") {
		t.Fatalf("reader page: %d, %d images\n%s", read.Status, len(imgs), read.Body)
	}
	for i, want := range [][2]string{{"595", "842"}, {"842", "595"}} {
		if imgs[i][3] != want[0] || imgs[i][4] != want[1] || imgs[i][5] != "Trang "+strconv.Itoa(i+1) {
			t.Errorf("page %d: %s × %s, alt %q; want %s × %s", i+1, imgs[i][3], imgs[i][4], imgs[i][5], want[0], want[1])
		}
	}
	checkSet(htmlUnescape(imgs[1][2]), true)
	// Each page says which it is, where a reader sees it, and can be
	// linked to (#trang-2): an official reading a long document saw
	// pages with no number between them and could not say "trang 17"
	// in a return's reason.
	for n := 1; n <= 2; n++ {
		if !strings.Contains(read.Body, `<li id="trang-`+strconv.Itoa(n)+`"><img`) || !strings.Contains(read.Body, `<p class="page-no" aria-hidden="true">Trang `+strconv.Itoa(n)+`/2</p>`) {
			t.Errorf("page %d of the reader page shows no number", n)
		}
	}

	for _, bad := range []string{"0", "-5", "2001", "rộng"} {
		if p := c.get("/documents/" + id + "/page/1?w=" + url.QueryEscape(bad)); p.Status != http.StatusBadRequest {
			t.Errorf("w=%s: %d", bad, p.Status)
		}
	}
	// A handler may open neither the file nor the pages of a classified
	// document not theirs.
	f.Set("confidentiality", "confidential")
	secret := docIDFrom(t, c.postMultipart("/incoming/new", f, map[string][]byte{"file:mat.pdf": pdf}))
	h := e.login("chuyenvien")
	for _, path := range []string{"/file", "/read", "/page/1?w=1080"} {
		if p := h.get("/documents/" + secret + path); p.Status != http.StatusNotFound {
			t.Errorf("handler, %s: %d", path, p.Status)
		}
		if p := c.get("/documents/" + secret + path); p.Status != http.StatusOK {
			t.Errorf("clerk, %s: %d", path, p.Status)
		}
	}
}

func htmlUnescape(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }
