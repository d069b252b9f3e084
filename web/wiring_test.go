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
