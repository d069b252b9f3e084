package conventions

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tracker matches what a reader of the code cannot follow: sections of a
// design document that is not in the repository, and tracker issue numbers.
// What a reader needs lives in docs/ and the README.
var tracker = regexp.MustCompile(`DESIGN ?§|DESIGN\.md|issues show|\b[Ii]ssues? #?[0-9]+\b`)

// TestCommentsCiteNoTracker: no comment in a Go file cites a section of
// the design document kept outside the repository, or an issue number.
func TestCommentsCiteNoTracker(t *testing.T) {
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		n++
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if m := tracker.FindString(c.Text); m != "" {
					t.Errorf("%s: comment cites %q: say what the reader needs, or point to docs/", fset.Position(c.Pos()), m)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("read only %d Go files under %s", n, root)
	}
}
