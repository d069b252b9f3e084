package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// reformChartText measures the reform report's chart as drawn: the
// smallest text in it, in CSS px as rendered (an SVG's text is scaled
// with its viewBox), which text that is, whether any text runs past the
// chart's box or is hidden by an ancestor's overflow, and whether the page
// scrolls sideways.
const reformChartText = `(() => {
  const fig = document.querySelector('#reform-chart');
  if (!fig) return {missing: true};
  const box = fig.getBoundingClientRect();
  let min = 1e9, smallest = '', out = [];
  for (const el of fig.querySelectorAll('*')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own || el.closest('title') || el.getClientRects().length === 0) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) size *= el.getScreenCTM().a;
    if (size < min) { min = size; smallest = el.textContent.trim(); }
    const r = el.getBoundingClientRect();
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) out.push(el.textContent.trim());
    const svg = el.closest('svg');
    if (svg && el !== svg) {
      const s = svg.getBoundingClientRect();
      if (r.left < s.left - 0.5 || r.right > s.right + 0.5) out.push(el.textContent.trim());
    }
  }
  return {min, smallest, out, wide: document.documentElement.scrollWidth, window: window.innerWidth};
})()`

type reformChartState struct {
	Missing  bool     `json:"missing"`
	Min      float64  `json:"min"`
	Smallest string   `json:"smallest"`
	Out      []string `json:"out"`
	Wide     int      `json:"wide"`
	Window   int      `json:"window"`
}

// TestIntegrationBrowserReformChartPhone: on a phone 390 px wide, every
// label and figure of the reform report's chart is drawn at 12 CSS px or
// more (the chart's SVG, scaled to the phone's column, drew its 12-unit
// labels at about 6 px), none runs past the chart, and the page does not
// scroll sideways; at 1366 px as well; axe finds nothing serious.
func TestIntegrationBrowserReformChartPhone(t *testing.T) {
	s := startServer(t, nil)
	b := StartBrowser(t, s.base)
	b.As("admin", "admin-password-1")
	for _, w := range []int64{390, 360, 1366} {
		if w < 800 {
			b.Run(chromedp.EmulateViewport(w, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile, chromedp.EmulateTouch))
		} else {
			b.Run(chromedp.EmulateViewport(w, 800))
		}
		b.Go("/reports/reform")
		st := Get(b, chromedp.Evaluate[reformChartState](reformChartText))
		switch {
		case st.Missing:
			t.Fatalf("%d px: no chart", w)
		case st.Min < 12:
			t.Errorf("%d px: text %q is drawn at %.1f px, want at least 12", w, st.Smallest, st.Min)
		}
		if len(st.Out) > 0 || st.Wide > st.Window {
			t.Errorf("%d px: text past the chart %q; page %d px wide in a %d px window", w, st.Out, st.Wide, st.Window)
		}
		b.Shot(fmt.Sprintf("reform-chart-%d", w))
		axeSerious(t, b, fmt.Sprintf("/reports/reform at %d px", w))
		t.Logf("%d px: smallest text %.1f px (%q)", w, st.Min, st.Smallest)
	}
}
