package web

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// TestTextColoursContrast: the colours app.css gives text — the state,
// urgency, verdict and delivery badges among them — reach WCAG AA's 4.5:1
// on every background such text sits on (cards, the page, an overdue
// row). Urgency is also a word beside the dot, never colour alone.
func TestTextColoursContrast(t *testing.T) {
	css, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	overdue := regexp.MustCompile(`tr\.overdue td \{ background: (#[0-9a-fA-F]{6})`).FindStringSubmatch(string(css))
	if overdue == nil {
		t.Fatal("no background for overdue rows in app.css")
	}
	backgrounds := map[string]string{"--card": vars["card"], "--bg": vars["bg"], "overdue row": overdue[1]}
	for _, fg := range []string{"ink", "muted", "link", "flash", "danger", "u-flash", "u-very", "u-urgent", "u-normal"} {
		c, ok := vars[fg]
		if !ok {
			t.Errorf("app.css defines no --%s", fg)
			continue
		}
		for name, bg := range backgrounds {
			if r := contrast(c, bg); r < 4.5 {
				t.Errorf("--%s (%s) on %s (%s): contrast %.2f:1, want at least 4.5:1", fg, c, name, bg, r)
			}
		}
	}
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// luminance is WCAG 2's relative luminance of a #rrggbb or #rgb colour.
func luminance(hex string) float64 {
	if len(hex) == 4 {
		hex = string([]byte{'#', hex[1], hex[1], hex[2], hex[2], hex[3], hex[3]})
	}
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l
}

// TestFocusRingContrast: the focus ring (WCAG 2.1's 2.4.7 and 1.4.11) is
// seen against every background a focusable element sits on — the card,
// the page, a table's header cells and the red header bar: its amber
// outline or its dark inner ring reaches 3:1 there, and the two rings
// 3:1 against each other. Amber alone was 2.1:1 on white.
func TestFocusRingContrast(t *testing.T) {
	css, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	rule := regexp.MustCompile(`a:focus[^{]*\{([^}]*)\}`).FindStringSubmatch(string(css))
	if rule == nil {
		t.Fatal("no focus rule for links in app.css")
	}
	rings := map[string]bool{}
	for _, m := range regexp.MustCompile(`(outline|box-shadow):[^;]*var\(--([a-z-]+)\)`).FindAllStringSubmatch(rule[1], -1) {
		rings[m[2]] = true
	}
	th := regexp.MustCompile(`\bth \{ background: (#[0-9a-fA-F]{6})`).FindStringSubmatch(string(css))
	if th == nil {
		t.Fatal("no background for table headers in app.css")
	}
	backgrounds := map[string]string{"--card": vars["card"], "--bg": vars["bg"], "--brand (header)": vars["brand"], "th": th[1]}
	for name, bg := range backgrounds {
		best, seen := 0.0, ""
		for ring := range rings {
			if c := vars[ring]; c != "" && contrast(c, bg) > best {
				best, seen = contrast(c, bg), ring
			}
		}
		if best < 3 {
			t.Errorf("focus ring (%v) on %s (%s): best contrast %.2f:1 (--%s), want at least 3:1", rings, name, bg, best, seen)
		}
	}
	if vars["focus"] == "" || vars["focus-inner"] == "" || !rings["focus"] || !rings["focus-inner"] {
		t.Fatalf("the focus rule draws %v; want --focus and --focus-inner", rings)
	}
	if r := contrast(vars["focus"], vars["focus-inner"]); r < 3 {
		t.Errorf("--focus on --focus-inner: %.2f:1, want at least 3:1", r)
	}
}
