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

// writesDocuments are the repository methods that create a document or
// change its state: only workflow.Service calls them (and the storage
// adapters implement them).
var writesDocuments = map[string]bool{"CreateDocument": true, "UpdateDocument": true}

// documentWriters are the files outside workflow/ and storage/ allowed to
// write documents, each with its reason.
var documentWriters = map[string]string{
	// synthetic archives for measurements (vanthu archive seed), not a
	// path of the application
	"cmd/vanthu/archive_seed.go": "seed",
}

// TestStateChangesThroughTheService: no package but workflow (and the
// storage adapters) creates or updates documents: every state change goes
// through workflow.Service, with its lock, version and event in one place.
func TestStateChangesThroughTheService(t *testing.T) {
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") ||
				rel == "workflow" || rel == "storage" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || documentWriters[rel] != "" {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		n++
		ast.Inspect(f, func(node ast.Node) bool {
			if call, ok := node.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && writesDocuments[sel.Sel.Name] {
					t.Errorf("%s: %s outside workflow: make the state change a workflow.Service method", fset.Position(call.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("read only %d Go files under %s", n, root)
	}
}
