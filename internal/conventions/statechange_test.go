package conventions

import (
	"go/ast"
	"go/token"
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
	keep := func(rel string) bool {
		if strings.HasSuffix(rel, "/") {
			return rel != "workflow/" && rel != "storage/"
		}
		return !strings.HasSuffix(rel, "_test.go") && documentWriters[rel] == ""
	}
	walkGo(t, 0, 50, keep, func(fset *token.FileSet, _ string, f *ast.File) {
		ast.Inspect(f, func(node ast.Node) bool {
			if call, ok := node.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && writesDocuments[sel.Sel.Name] {
					t.Errorf("%s: %s outside workflow: make the state change a workflow.Service method", fset.Position(call.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	})
}
