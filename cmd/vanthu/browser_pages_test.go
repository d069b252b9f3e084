package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// pageImageShown waits for the first page image of the page shown to
// load (scrolled into view: it is lazy) and says its CSS width, which
// candidate of its srcset the browser took, and that file's width in
// pixels (natural: read from the file alone — an <img srcset>'s own
// naturalWidth is divided by the candidate's density, in CSS pixels).
const pageImageShown = `(async () => {
  const img = document.querySelector('img.pdf-page');
  if (!img) return {missing: true};
  img.scrollIntoView();
  for (let i = 0; i < 300 && !(img.complete && img.naturalWidth > 0); i++) await new Promise(r => setTimeout(r, 50));
  const file = new Image();
  file.src = img.currentSrc;
  await file.decode().catch(() => {});
  const frame = document.querySelector('iframe.pdf');
  return {natural: file.naturalWidth, css: img.getBoundingClientRect().width, src: img.currentSrc,
    frame: frame ? getComputedStyle(frame).display : 'none',
    open: !!document.querySelector('a.pdf-open'), wide: document.documentElement.scrollWidth};
})()`

type pageImageState struct {
	Missing bool    `json:"missing"`
	Natural float64 `json:"natural"`
	CSS     float64 `json:"css"`
	Src     string  `json:"src"`
	Frame   string  `json:"frame"`
	Open    bool    `json:"open"`
	Wide    int     `json:"wide"`
}

// TestIntegrationBrowserPhonePageImage: on a 360×740 phone of three
// device pixels per CSS pixel, the document page and the reader page show
// the PDF's page as an image sharp enough to read — at least two image
// pixels per CSS pixel (the 72-dpi preview was one pixel per point: half
// of that on a phone's column) — beside the link to the device's viewer,
// with no sideways scroll, its controls 44×44 and axe clean (roleWalk's
// checks).
func TestIntegrationBrowserPhonePageImage(t *testing.T) {
	s := startServer(t, nil)
	_, clerk, _, _ := officeStaff(t, s)
	doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": "Về việc đọc văn bản trên điện thoại",
		"urgency": "normal", "confidentiality": "normal", "original_number": "15/UBND-VP", "original_date": "2026-11-20",
		"sender": map[string]any{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"}}, testpdf.Make(2, "Cong van den"))
	if code != 201 {
		t.Fatalf("upload: %d %v", code, doc)
	}
	id := doc["id"].(string)
	b := StartBrowser(t, s.base)
	w := &roleWalk{t: t, b: b, role: "clerk", screen: phone}
	if src := os.Getenv(EnvAxe); src != "" {
		js, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		w.axe = axeCheck(b, string(js))
	}
	b.Run(chromedp.EmulateViewport(phone.width, phone.height, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch))
	b.As("clerk", "password-clerk")
	for _, path := range []string{"/documents/" + id, "/documents/" + id + "/read"} {
		b.Go(path)
		st := Get(b, chromedp.Evaluate[pageImageState](pageImageShown, chromedp.EvalAwaitPromise))
		w.check("page image") // 44×44 targets, no sideways scroll, axe
		switch {
		case st.Missing:
			t.Errorf("%s: no page image on a phone", path)
		case st.Natural < 2*st.CSS || st.CSS < 200:
			t.Errorf("%s: the page image is %.0f px wide for %.0f CSS px (%s): want at least 2 image pixels per CSS pixel", path, st.Natural, st.CSS, st.Src)
		}
		if !st.Open || st.Frame != "none" || st.Wide > 360 {
			t.Errorf("%s: link to the viewer %v, PDF frame %q, page %d px wide", path, st.Open, st.Frame, st.Wide)
		}
		t.Logf("%s: %.0f image px for %.0f CSS px (%s)", path, st.Natural, st.CSS, st.Src)
	}
}

// TestIntegrationBrowserPhoneRegisterPages: a register of more than a
// page on a phone: its pager's links are 44×44 and the page does not
// scroll sideways (roleWalk's checks, axe too), and "Trang sau" leads to
// the next numbers.
func TestIntegrationBrowserPhoneRegisterPages(t *testing.T) {
	s := startServer(t, nil)
	_, clerk, _, _ := officeStaff(t, s)
	for i := range 101 {
		doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": fmt.Sprintf("Công văn đến số %d", i+1),
			"urgency": "normal", "confidentiality": "normal", "original_number": fmt.Sprintf("%d/UBND-VP", i+1), "original_date": "2026-11-20",
			"sender": map[string]any{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"}}, testpdf.Make(1, "Cong van den"))
		if code != 201 {
			t.Fatalf("upload: %d %v", code, doc)
		}
		clerk.act(doc["id"].(string), "register", nil)
	}
	b := StartBrowser(t, s.base)
	w := &roleWalk{t: t, b: b, role: "clerk"}
	if src := os.Getenv(EnvAxe); src != "" {
		js, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		w.axe = axeCheck(b, string(js))
	}
	w.at(phone)
	b.As("clerk", "password-clerk")
	b.Go(fmt.Sprintf("/registers/incoming/%d", thisYear()))
	w.check("register-page-1")
	mustContain(t, "page 1", b.Text("main"), "Trang 1/2", "số 1–100")
	b.Run(chromedp.Click(chromedp.CSS(`nav.pager a[rel="next"]`)), chromedp.WaitVisible(chromedp.CSS(`nav.pager a[rel="prev"]`)))
	w.check("register-page-2")
	mustContain(t, "page 2", b.Text("main"), "Trang 2/2", "Công văn đến số 101")
}
