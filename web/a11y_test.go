package web

import (
	"regexp"
	"strings"
	"testing"
)

// TestScrollingTablesReachable: a table that scrolls sideways on a phone
// (.table-wrap) can be scrolled from the keyboard — the wrapper takes the
// focus (tabindex="0") — and a screen reader names it: a region labelled
// by aria-label or by the id of a heading or caption of the same
// template, and not the name of the section around it
// (axe-core's scrollable-region-focusable, WCAG 2.1.1; landmark-unique).
func TestScrollingTablesReachable(t *testing.T) {
	files, err := templateFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	wrap := regexp.MustCompile(`<div class="table-wrap"[^>]*>`)
	found := 0
	for _, f := range files {
		src, err := templateFS.ReadFile("templates/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range wrap.FindAllString(string(src), -1) {
			found++
			if !strings.Contains(tag, `role="region"`) || !strings.Contains(tag, `tabindex="0"`) {
				t.Errorf("%s: %s: want role=\"region\" tabindex=\"0\"", f.Name(), tag)
			}
			if m := regexp.MustCompile(`aria-labelledby="([^"]+)"`).FindStringSubmatch(tag); m != nil {
				if !strings.Contains(string(src), `id="`+m[1]+`"`) {
					t.Errorf("%s: %s: labelled by %q, which the template lacks", f.Name(), tag, m[1])
				}
				// A region named as the section around it: two landmarks
				// of one name (axe's landmark-unique).
				if n := strings.Count(string(src), `aria-labelledby="`+m[1]+`"`); n > 1 {
					t.Errorf("%s: %s: %q names %d landmarks", f.Name(), tag, m[1], n)
				}
			} else if !regexp.MustCompile(`aria-label="[^"]+"`).MatchString(tag) {
				t.Errorf("%s: %s: no name (aria-label or aria-labelledby)", f.Name(), tag)
			}
		}
	}
	if found == 0 {
		t.Fatal("no .table-wrap in the templates")
	}
}
