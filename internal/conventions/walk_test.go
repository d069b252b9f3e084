package conventions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// walkGo parses every .go file of the module (hidden folders, testdata
// and node_modules aside) for which keep, given its slash-separated path
// from the module root, says yes, and calls fn on each. A folder is left
// out when keep refuses its path with a trailing slash. It fails the test
// when fewer than least files were read: a check that reads nothing
// cannot fail.
func walkGo(t *testing.T, mode parser.Mode, least int, keep func(rel string) bool, fn func(fset *token.FileSet, rel string, f *ast.File)) {
	t.Helper()
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules" || !keep(rel+"/")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || !keep(rel) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, mode)
		if err != nil {
			return err
		}
		n++
		fn(fset, rel, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < least {
		t.Fatalf("read only %d Go files under %s", n, root)
	}
}
