package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestExplicitWiring: the pages are wired by New's explicit list, not by
// init functions appending to a registry, and no test changes a package
// variable (state a test must change belongs to UI or Config).
func TestExplicitWiring(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{} // package variable -> file declaring it
	var tests []*ast.File
	var testNames []string
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "_test.go") {
			tests, testNames = append(tests, af), append(testNames, f)
			continue
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.Name == "init" && d.Recv == nil {
					t.Errorf("%s: func init: add the page's routes to New's list and its item to nav", f)
				}
			case *ast.GenDecl:
				if d.Tok != token.VAR {
					continue
				}
				for _, s := range d.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						vars[n.Name] = f
					}
				}
			}
		}
	}
	for i, af := range tests {
		ast.Inspect(af, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || as.Tok != token.ASSIGN {
				return true
			}
			for _, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && vars[id.Name] != "" {
					t.Errorf("%s assigns the package variable %s (%s): make it a field of UI or Config", testNames[i], id.Name, vars[id.Name])
				}
			}
			return true
		})
	}
}

// TestStatusesFromTheTable: the pages answer an error with the status of
// its code in internal/httpstatus (through problemOf), never with one
// picked by hand; errors.go's table (the web's own code ECSRF) and the
// last resort when the error page itself fails are the exceptions.
func TestStatusesFromTheTable(t *testing.T) {
	notErrors := map[string]bool{"StatusText": true, "StatusOK": true, "StatusCreated": true, "StatusAccepted": true,
		"StatusNoContent": true, "StatusPartialContent": true, "StatusMovedPermanently": true, "StatusFound": true,
		"StatusSeeOther": true, "StatusNotModified": true, "StatusTemporaryRedirect": true, "StatusPermanentRedirect": true}
	allowed := map[string]int{"errors.go": 1, "render.go": 1}
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
		n := 0
		ast.Inspect(af, func(x ast.Node) bool {
			sel, ok := x.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "http" && strings.HasPrefix(sel.Sel.Name, "Status") && !notErrors[sel.Sel.Name] {
				if n++; n > allowed[f] {
					t.Errorf("%s: http.%s picked by hand: take the status of the error's code (problemOf)", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}
