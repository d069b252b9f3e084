package web

import (
	"regexp"
	"testing"
)

// TestWorkFormsRestoredOnBack: the inputs of the forms people fill in
// their work (a new document, an assignment) do not say
// autocomplete="off" — Chromium does not restore such an input when the
// user goes Back to the form, so the dates typed in it were lost while
// the rest of the form came back (found by a walk through the UI).
func TestWorkFormsRestoredOnBack(t *testing.T) {
	off := regexp.MustCompile(`<input[^>]*autocomplete="off"[^>]*>`)
	for _, name := range []string{"create.html", "document.html"} {
		src, err := templateFS.ReadFile("templates/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range off.FindAll(src, -1) {
			t.Errorf("%s: %s", name, m)
		}
	}
}
