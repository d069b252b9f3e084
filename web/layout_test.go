package web

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/net/html"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/workflow"
)

// TestStampLayoutPage: the handler sees the boxes over the page preview
// and corrects them with the plain form; the page PNG is rendered when
// pdftoppm exists; a user who may not edit gets fields disabled; after
// issue the layout cannot change.
func TestStampLayoutPage(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	h.get("/outgoing/new")
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định có bố cục"}, "signer_id": {e.users["lanhdao"].ID}}
	id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": testpdf.Make(2, "layout")}))
	p := h.get("/documents/" + id)
	if !strings.Contains(p.Body, `href="/documents/`+id+`/layout"`) {
		t.Fatalf("no link to the layout page:\n%s", p.Body)
	}
	p = h.get("/documents/" + id + "/layout")
	if p.Status != 200 || !strings.Contains(p.Body, `name="number_x"`) || !strings.Contains(p.Body, `name="signature_page" value="2"`) ||
		!strings.Contains(p.Body, `/static/layout.js`) {
		t.Fatalf("layout page: %d\n%s", p.Status, p.Body)
	}
	if _, err := exec.LookPath("pdftoppm"); err == nil {
		if !strings.Contains(p.Body, `<rect class="layout-box layout-number"`) || !strings.Contains(p.Body, `/documents/`+id+`/page/1`) {
			t.Fatalf("no preview with boxes:\n%s", p.Body)
		}
		png := h.get("/documents/" + id + "/page/2")
		if png.Status != 200 || !bytes.HasPrefix([]byte(png.Body), []byte("\x89PNG")) {
			t.Fatalf("page PNG: %d %.40q", png.Status, png.Body)
		}
	} else {
		t.Log("pdftoppm not on PATH: only the numeric fields are checked")
	}
	form := url.Values{"version": {"0"}, "signature_page": {"1"}}
	for k, v := range map[string]string{"number_x": "60", "number_y": "700", "number_w": "120", "number_h": "18",
		"date_x": "300", "date_y": "700", "date_w": "240", "date_h": "18",
		"signature_x": "320", "signature_y": "420", "signature_w": "170", "signature_h": "70"} {
		form.Set(k, v)
	}
	p = h.post("/documents/"+id+"/layout", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save layout: %d\n%s", p.Status, p.Body)
	}
	d, _ := e.docs.Get(t.Context(), e.users["chuyenvien"], id)
	if d.Layout == nil || d.Layout.Signature == nil || d.Layout.Signature.Y != 420 || d.Layout.Signature.Page != 1 ||
		d.Layout.Number.X != 60 || d.Layout.Source != workflow.LayoutManual {
		t.Fatalf("layout saved: %+v", d.Layout)
	}
	// A bad value comes back with a message, nothing saved.
	form.Set("number_w", "-3")
	if p := h.post("/documents/"+id+"/layout", form); p.Status != 200 || !strings.Contains(p.Body, `role="alert"`) {
		t.Fatalf("bad layout: %d\n%s", p.Status, p.Body)
	} else {
		// Beside its box, which keeps what was typed.
		checkGroupProblem(t, p.Body, "box-number", "Vị trí")
		doc := parseHTML(t, p.Body)
		walkHTML(doc, func(n *html.Node) {
			if name, _ := attrOf(n, "name"); name == "number_w" {
				if v, _ := attrOf(n, "value"); v != "-3" {
					t.Errorf("number_w shows %q after the problem, typed -3", v)
				}
			}
		})
	}
	// Another handler may not edit: every fieldset is disabled, a forged post is refused.
	other := e.login("chuyenvien2")
	p = other.get("/documents/" + id + "/layout")
	disabled := 0
	walkHTML(parseHTML(t, p.Body), func(n *html.Node) {
		id, _ := attrOf(n, "id")
		if _, off := attrOf(n, "disabled"); n.Data == "fieldset" && strings.HasPrefix(id, "box-") && off {
			disabled++
		}
	})
	if p.Status != 200 || disabled != 3 {
		t.Fatalf("other handler's view: %d, %d boxes disabled\n%s", p.Status, disabled, p.Body)
	}
	form.Set("number_w", "120")
	if p := other.post("/documents/"+id+"/layout", form); p.Status != http.StatusForbidden {
		t.Fatalf("forged layout post: %d", p.Status)
	}
}

// TestPagePreviewSize: a page preview is one pixel per point up to
// maxPreviewSide points, and a larger page (a map scanned whole, the
// 200-inch largest page) is scaled to fit maxPreviewSide pixels instead
// of becoming a bitmap of hundreds of megabytes; a page the document
// does not have is not found.
func TestPagePreviewSize(t *testing.T) {
	if pdftoppm == "" {
		t.Skip("pdftoppm not on PATH: no page previews")
	}
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	w.Obj(4, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 10800] >>")
	w.Obj(5, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 2384 3370] /Rotate 90 >>")
	pdf := w.Table("/Root 1 0 R", -1)

	e := newTestEnv(t)
	c := e.login("vanthu")
	c.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Bản đồ địa chính"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	id := docIDFrom(t, c.postMultipart("/incoming/new", f, map[string][]byte{"file:bando.pdf": pdf}))
	for _, tc := range []struct {
		page   string
		status int
		w, h   int
	}{
		{"1", 200, 595, 842},
		{"2", 200, maxPreviewSide, maxPreviewSide * 3 / 4},
		{"3", 200, maxPreviewSide, 1415}, // turned: 3370 × 2384 points
		{"4", 404, 0, 0},
	} {
		p := c.get("/documents/" + id + "/page/" + tc.page)
		if p.Status != tc.status {
			t.Errorf("page %s: status %d, want %d\n%.300s", tc.page, p.Status, tc.status, p.Body)
			continue
		}
		if tc.status != 200 {
			continue
		}
		cfg, err := png.DecodeConfig(strings.NewReader(p.Body))
		if err != nil {
			t.Fatalf("page %s: %v", tc.page, err)
		}
		if abs(cfg.Width-tc.w) > 1 || abs(cfg.Height-tc.h) > 1 {
			t.Errorf("page %s: %d × %d pixels, want %d × %d", tc.page, cfg.Width, cfg.Height, tc.w, tc.h)
		}
	}
}

func abs(x int) int { return max(x, -x) }

// TestPagePreviewMemory: pdftoppm runs within Config.PreviewMemory. The page of
// a JBIG2 image 30,000 pixels square (a file of a few hundred bytes:
// poppler decodes the whole bitmap, 112 MB, whatever the preview's
// resolution) is rendered within a bound of 64 MiB, the image left out.
func TestPagePreviewMemory(t *testing.T) {
	if pdftoppm == "" {
		t.Skip("pdftoppm not on PATH: no page previews")
	}
	const bound = 64 << 20
	const side = 30000
	seg := func(num uint32, typ byte, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, num)
		b = append(b, typ, 0, 1) // type; no referred-to segments; page 1
		return append(binary.BigEndian.AppendUint32(b, uint32(len(data))), data...)
	}
	info := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, side), side)
	info = append(info, make([]byte, 11)...) // resolution, flags, striping
	jbig2 := append(seg(1, 48, info), seg(2, 49, nil)...)
	w := testpdf.NewWriter("1.7")
	w.Obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	w.Obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	w.Obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im 5 0 R >> >> /Contents 4 0 R >>")
	w.Obj(4, testpdf.Stream("", []byte("q 595 0 0 842 0 0 cm /Im Do Q")))
	w.Obj(5, testpdf.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /JBIG2Decode", side, side), jbig2))
	pdf := w.Table("/Root 1 0 R", -1)

	e := newTestEnv(t)
	e.remount(t, Config{PreviewMemory: bound})
	c := e.login("vanthu")
	c.get("/incoming/new")
	f := url.Values{"type": {"CV"}, "subject": {"Văn bản quét"}, "original_number": {"12/UBND-VP"}, "original_date": {"2026-11-20"},
		"sender_name": {"UBND thành phố Cần Thơ"}, "urgency": {"normal"}, "confidentiality": {"normal"}}
	id := docIDFrom(t, c.postMultipart("/incoming/new", f, map[string][]byte{"file:scan.pdf": pdf}))
	p := c.get("/documents/" + id + "/page/1")
	if p.Status != 200 || !strings.HasPrefix(p.Body, "\x89PNG") {
		t.Fatalf("page 1: %d %.300q", p.Status, p.Body)
	}
	// The largest child this process waited for. On Linux a child's
	// maxrss is at least this process's own peak at its fork (the child
	// shares the parent's memory until exec), so the bound is checked
	// above that; unbounded, this page's pdftoppm takes ≈ 112 MB.
	var ru, self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		t.Fatal(err)
	}
	if got := ru.Maxrss << 10; got > max(bound, self.Maxrss<<10) {
		t.Errorf("a preview's pdftoppm reached %d MB, want at most %d (this process: %d MB)", got>>20, bound>>20, self.Maxrss>>10)
	}
}

// TestStampLayoutDateBlanks: the layout page shows the date line's blanks
// the detector sets — offsets, how far below the line each goes when the
// line wraps (date_blanks_below), the two-digit year (date_short_year) —
// and saves them changed; a value the API's rules refuse comes back with
// its message and the values typed, nothing saved; a form without the
// fields keeps them.
func TestStampLayoutDateBlanks(t *testing.T) {
	e := newTestEnv(t)
	h := e.login("chuyenvien")
	h.get("/outgoing/new")
	f := url.Values{"type": {"QĐ"}, "subject": {"Quyết định có dòng ngày xuống dòng"}, "signer_id": {e.users["lanhdao"].ID}}
	id := docIDFrom(t, h.postMultipart("/outgoing/new", f, map[string][]byte{"file": testpdf.Make(1, "layout")}))
	date := &workflow.Box{Page: 1, X: 300, Y: 700, W: 240, H: 18}
	if _, err := e.docs.SetLayout(t.Context(), e.users["chuyenvien"], id, 0, &workflow.Layout{Date: date,
		DateBlanks: []float64{150, 20, 90}, DateBlanksBelow: []float64{0, 16.5, 16.5}, DateShortYear: true}); err != nil {
		t.Fatal(err)
	}
	p := h.get("/documents/" + id + "/layout")
	for _, want := range []string{`name="date_blanks" value="150"`, `name="date_blanks" value="20"`, `name="date_blanks" value="90"`,
		`name="date_blanks_below" value="0"`, `name="date_blanks_below" value="16.5"`, `name="date_short_year" value="true" checked`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("layout page lacks %s", want)
		}
	}
	base := func() url.Values {
		form := url.Values{"signature_page": {"1"}, "date_fields": {"1"}, "date_blanks": {"150", "20", "90"}, "date_blanks_below": {"0", "16.5", "16.5"}}
		for k, v := range map[string]string{"number_x": "60", "number_y": "700", "number_w": "120", "number_h": "18",
			"date_x": "300", "date_y": "700", "date_w": "240", "date_h": "18",
			"signature_x": "320", "signature_y": "420", "signature_w": "170", "signature_h": "70"} {
			form.Set(k, v)
		}
		return form
	}
	layout := func() *workflow.Layout {
		d, _ := e.docs.Get(t.Context(), e.users["chuyenvien"], id)
		return d.Layout
	}
	// Changed: the year's blank lower, the whole year written.
	form := base()
	form["date_blanks_below"] = []string{"", "16.5", "30"}
	if p := h.post("/documents/"+id+"/layout", form); p.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.Status, p.Body)
	}
	if l := layout(); fmt.Sprint(l.DateBlanks, l.DateBlanksBelow, l.DateShortYear) != "[150 20 90] [0 16.5 30] false" {
		t.Fatalf("saved: %v %v %v", l.DateBlanks, l.DateBlanksBelow, l.DateShortYear)
	}
	// Refused by the API's rules: shown with the values typed, nothing saved.
	for _, tc := range []struct {
		name, want string
		set        func(url.Values)
	}{
		{"below more than three lines", "Khoảng xuống dòng", func(f url.Values) { f["date_blanks_below"] = []string{"0", "0", "60"} }},
		{"below without blanks", "Khoảng xuống dòng", func(f url.Values) { f["date_blanks"] = []string{"", "", ""} }},
		{"two blanks", "Vị trí chỗ trống ngày, tháng, năm", func(f url.Values) { f["date_blanks"] = []string{"150", "20"} }},
		{"offset past the box", "Vị trí chỗ trống ngày, tháng, năm", func(f url.Values) { f["date_blanks"] = []string{"150", "20", "500"} }},
		{"short year without blanks", "hai chữ số cuối", func(f url.Values) {
			f["date_blanks"], f["date_blanks_below"] = []string{"", "", ""}, nil
			f.Set("date_short_year", "true")
		}},
		{"not a number", "Vị trí chỗ trống ngày, tháng, năm", func(f url.Values) { f["date_blanks"] = []string{"150", "hai", "90"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := base()
			tc.set(form)
			p := h.post("/documents/"+id+"/layout", form)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, `role="alert"`) || !strings.Contains(p.Body, tc.want) {
				t.Fatalf("%d, want the message %q\n%s", p.Status, tc.want, p.Body)
			}
			if l := layout(); fmt.Sprint(l.DateBlanksBelow) != "[0 16.5 30]" || l.DateShortYear {
				t.Errorf("saved anyway: %v %v", l.DateBlanksBelow, l.DateShortYear)
			}
			for _, v := range form["date_blanks"] {
				if !strings.Contains(p.Body, `name="date_blanks" value="`+v+`"`) {
					t.Errorf("the value typed %q is not shown again", v)
				}
			}
		})
	}
	// A form without the fields (a fieldset the user may not edit) keeps them.
	form = base()
	for _, k := range []string{"date_fields", "date_blanks", "date_blanks_below"} {
		form.Del(k)
	}
	if p := h.post("/documents/"+id+"/layout", form); p.Status != http.StatusSeeOther {
		t.Fatalf("save without the fields: %d\n%s", p.Status, p.Body)
	}
	if l := layout(); fmt.Sprint(l.DateBlanks, l.DateBlanksBelow) != "[150 20 90] [0 16.5 30]" {
		t.Fatalf("kept: %v %v", l.DateBlanks, l.DateBlanksBelow)
	}
	// None: the whole date line is written in the box.
	form = base()
	form["date_blanks"], form["date_blanks_below"] = []string{"", "", ""}, []string{"", "", ""}
	if p := h.post("/documents/"+id+"/layout", form); p.Status != http.StatusSeeOther {
		t.Fatalf("clear: %d\n%s", p.Status, p.Body)
	}
	if l := layout(); l.DateBlanks != nil || l.DateBlanksBelow != nil || l.DateShortYear {
		t.Fatalf("cleared: %v %v %v", l.DateBlanks, l.DateBlanksBelow, l.DateShortYear)
	}
}
