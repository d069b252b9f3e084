package conventions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"testing"
)

// tracker matches what a reader of the code cannot follow: sections of a
// design document that is not in the repository, and tracker issue numbers.
// What a reader needs lives in docs/ and the README.
var tracker = regexp.MustCompile(`DESIGN ?§|DESIGN\.md|issues show|\b[Ii]ssues? #?[0-9]+\b`)

// TestCommentsCiteNoTracker: no comment in a Go file cites a section of
// the design document kept outside the repository, or an issue number.
func TestCommentsCiteNoTracker(t *testing.T) {
	walkGo(t, parser.ParseComments, 50, func(string) bool { return true }, func(fset *token.FileSet, _ string, f *ast.File) {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if m := tracker.FindString(c.Text); m != "" {
					t.Errorf("%s: comment cites %q: say what the reader needs, or point to docs/", fset.Position(c.Pos()), m)
				}
			}
		}
	})
}
