package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// readOnlyTables are the package-level variables of this package: tables
// nothing assigns to. Wiring and test seams go through build and options,
// never through a variable a test changes.
var readOnlyTables = map[string]bool{"ImportColumns": true, "importer": true, "seedWords": true, "seedSigners": true,
	"seedOrgs": true, "seedTypes": true}

// TestExplicitWiring: no init() registers subcommands or subsystems, and
// no package-level variable but the read-only tables above exists, in
// cmd/vanthu and exchange/edxml (whose clock was such a variable).
func TestExplicitWiring(t *testing.T) {
	for _, dir := range []string{".", "../../exchange/edxml"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range af.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Name.Name == "init" && d.Recv == nil {
						t.Errorf("%s: func init: wire it explicitly (run's switch, build's list)", f)
					}
				case *ast.GenDecl:
					if d.Tok != token.VAR {
						continue
					}
					for _, s := range d.Specs {
						vs := s.(*ast.ValueSpec)
						for i, n := range vs.Names {
							if dir == "." && n.Name != "_" && !readOnlyTables[n.Name] {
								t.Errorf("%s: package variable %s: pass it through options or build instead", f, n.Name)
							}
							if i < len(vs.Values) {
								if sel, ok := vs.Values[i].(*ast.SelectorExpr); ok && sel.Sel.Name == "Now" {
									t.Errorf("%s: package variable %s is a clock: take the time from the caller", f, n.Name)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestTestsAssignNoPackageVariable: the tests of these packages set what
// they change on their own instance (a field, an option), never by
// assigning a package-level variable of the package, which every other
// test running at the same time would see.
func TestTestsAssignNoPackageVariable(t *testing.T) {
	for _, dir := range []string{".", "../../exchange/edxml", "../../signing", "../../signing/pki", "../../signing/verify", "../../signing/keys"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		pkgVars := map[string]bool{}
		var tests []*ast.File
		for _, f := range files {
			af, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f, "_test.go") {
				tests = append(tests, af)
				continue
			}
			for _, d := range af.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
					for _, s := range g.Specs {
						for _, n := range s.(*ast.ValueSpec).Names {
							pkgVars[n.Name] = n.Name != "_"
						}
					}
				}
			}
		}
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		for _, af := range tests {
			ast.Inspect(af, func(n ast.Node) bool {
				var lhs []ast.Expr
				switch n := n.(type) {
				case *ast.AssignStmt:
					lhs = n.Lhs
				case *ast.IncDecStmt:
					lhs = []ast.Expr{n.X}
				}
				for _, e := range lhs {
					// A local variable resolves to its declaration in the
					// file (Obj set); a package variable of another file
					// does not.
					if id, ok := e.(*ast.Ident); ok && id.Obj == nil && pkgVars[id.Name] {
						t.Errorf("%s: a test assigns package variable %s: make it a field or option the test sets on its own instance", fset.Position(id.Pos()), id.Name)
					}
				}
				return true
			})
		}
	}
}
