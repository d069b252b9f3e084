package main

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// actionsInView says where the document page's actions are: whether the
// heading "Xử lý" and the approve button are inside the window, and how
// far down the page they are.
const actionsInView = `(() => {
  const inView = e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; };
  const h = document.getElementById('h-actions'), b = document.querySelector('button[name="action"][value="approve"]');
  return {heading: inView(h), button: !!b && inView(b), down: h.getBoundingClientRect().top + window.scrollY};
})()`

type actionsPlace struct {
	Heading bool    `json:"heading"`
	Button  bool    `json:"button"`
	Down    float64 `json:"down"`
}

// TestIntegrationBrowserRolesJumpToActions: on a phone 390 px wide, an
// official's draft to approve opens with its actions far below the
// first screen (under the page image and the details) and, near the top,
// the link "Đến mục Xử lý ↓"; a tap on it brings the heading "Xử lý" and
// the button Duyệt into the window.
func TestIntegrationBrowserRolesJumpToActions(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s := startServer(t, nil)
	ids, _, _, handler := officeStaff(t, s)
	doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "signer_id": ids["officer"], "subject": roleSubject, "urgency": "urgent"},
		testpdf.Make(2, "Du thao"))
	if code != 201 {
		t.Fatalf("draft: %d", code)
	}
	id := doc["id"].(string)
	handler.act(id, "submit", nil)
	b := StartBrowser(t, s.base)
	b.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch))
	b.As("officer", "password-officer")
	b.Go("/documents/" + id)
	before := Get(b, chromedp.Evaluate[actionsPlace](actionsInView))
	if before.Heading || before.Down < 844 {
		t.Fatalf("the actions are on the first screen already (%.0f px down): nothing to test", before.Down)
	}
	if !Get(b, chromedp.Evaluate[bool](`!!document.querySelector('a#to-actions[href="#h-actions"]')`)) {
		t.Fatal("no link down to the actions near the top of the page")
	}
	b.Run(chromedp.Click(chromedp.CSS(`#to-actions`)))
	after := Get(b, chromedp.Evaluate[actionsPlace](actionsInView))
	if !after.Heading || !after.Button {
		t.Fatalf("after the link: heading in view %v, Duyệt in view %v (%.0f px down)", after.Heading, after.Button, after.Down)
	}
	t.Logf("the actions are %.0f px down the page", before.Down)
}
