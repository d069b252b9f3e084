package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestEveryTextInputStyled: each type of text input the templates use is
// in app.css's rule for text inputs (full width, padding, border) — an
// e-mail address on a user's admin page was a browser's default box a
// third as wide as the inputs above and below it.
func TestEveryTextInputStyled(t *testing.T) {
	css, err := fs.ReadFile(staticFS, "static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	rule := regexp.MustCompile(`(?m)^input\[type=text\][^{]*\{`).Find(css)
	if rule == nil {
		t.Fatal("app.css has no rule for text inputs")
	}
	// Types a browser draws as its own control, not a text box.
	own := map[string]bool{"hidden": true, "submit": true, "button": true, "checkbox": true, "radio": true, "file": true, "reset": true, "image": true}
	types := regexp.MustCompile(`<input[^>]*\stype="([a-z]+)"`)
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(templateFS, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range types.FindAllSubmatch(b, -1) {
			if ty := string(m[1]); !own[ty] && seen[ty] == "" {
				seen[ty] = n
			}
		}
	}
	if seen["email"] == "" {
		t.Fatal(`no template has an input of type "email": the test reads the templates wrong`)
	}
	for ty, where := range seen {
		if !strings.Contains(string(rule), "input[type="+ty+"]") {
			t.Errorf(`%s has an input of type %q that app.css's rule for text inputs (%s) does not style`, where, ty, rule)
		}
	}
}
