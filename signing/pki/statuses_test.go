package pki

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatusesFromTheTable: the PKI routes answer an error with the status
// of its code in internal/httpstatus (through writeError), never with one
// picked by hand (the same check as the web's).
func TestStatusesFromTheTable(t *testing.T) {
	notErrors := map[string]bool{"StatusText": true, "StatusOK": true, "StatusCreated": true, "StatusAccepted": true,
		"StatusNoContent": true, "StatusPartialContent": true, "StatusMovedPermanently": true, "StatusFound": true,
		"StatusSeeOther": true, "StatusNotModified": true, "StatusTemporaryRedirect": true, "StatusPermanentRedirect": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(af, func(x ast.Node) bool {
			sel, ok := x.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "http" && strings.HasPrefix(sel.Sel.Name, "Status") && !notErrors[sel.Sel.Name] {
				t.Errorf("%s: http.%s picked by hand: take the status of the error's code (writeError, internal/httpstatus)", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
