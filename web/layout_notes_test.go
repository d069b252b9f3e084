package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// layoutNoteMarkers pick, among the string literals of the detector's
// files, the notes it writes: each ends by saying where the stamp goes
// or what to do about it.
var layoutNoteMarkers = []string{"default position", "upload it again", "layout page", "the signature goes", "split by a page break"}

var fmtVerb = regexp.MustCompile(`%(\.\d)?[a-z]`)

// TestLayoutNotesTranslated: every note the stamp layout detector can
// write (read from signing/anchors.go, datewrap.go and sigblock.go) is
// said in Vietnamese on the layout page; a note written in two parts (a
// page break's prefix and where the signature goes) is tried whole.
func TestLayoutNotesTranslated(t *testing.T) {
	var notes []string
	for _, name := range []string{"anchors.go", "datewrap.go", "sigblock.go"} {
		b, err := os.ReadFile("../signing/" + name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, b, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			l, ok := n.(*ast.BasicLit)
			if !ok || l.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(l.Value)
			if err != nil {
				return true
			}
			for _, m := range layoutNoteMarkers {
				if strings.Contains(s, m) {
					notes = append(notes, fmtVerb.ReplaceAllStringFunc(s, func(v string) string {
						return map[string]string{"%d": "2", "%q": `"Nguyễn Văn A"`, "%s": "day", "%.1f": "9.5", "%.0f": "14"}[v]
					}))
					break
				}
			}
			return true
		})
	}
	if len(notes) < 10 {
		t.Fatalf("found %d notes in the detector's files: %q", len(notes), notes)
	}
	var prefixes, suffixes []string
	for _, n := range notes {
		switch {
		case strings.HasSuffix(n, ": "):
			prefixes = append(prefixes, n)
		case strings.HasPrefix(n, "the signature goes"):
			suffixes = append(suffixes, n)
		default:
			if v, ok := translate(layoutNotes, n); !ok {
				t.Errorf("no Vietnamese for the note %q: %q", n, v)
			}
		}
	}
	for _, p := range prefixes {
		for _, s := range suffixes {
			if v, ok := translate(layoutNotes, p+s); !ok {
				t.Errorf("no Vietnamese for the note %q: %q", p+s, v)
			}
		}
	}
	if len(prefixes) == 0 || len(suffixes) == 0 {
		t.Errorf("the page break's note is no longer written in two parts: %q %q", prefixes, suffixes)
	}
	want := "Chỗ trống cho ngày trên dòng ngày tháng chỉ rộng 9.5 pt, hẹp hơn hai chữ số sẽ điền (khoảng 14 pt): chữ số sẽ đè lên chữ bên cạnh; hãy nới rộng chỗ trống trong dự thảo (dùng dấu cách thay cho tab) rồi tải lên lại."
	if got := layoutNoteVI("the day blank of the date line is 9.5 pt wide, narrower than the two digits written into it (about 14 pt): they will overlap the words beside it; widen the blank in the draft (spaces rather than a tab) and upload it again"); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
