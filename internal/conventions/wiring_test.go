package conventions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// wiredExplicitly are the packages whose wiring is explicit: no init()
// registers anything in them, each with what to do instead.
var wiredExplicitly = map[string]string{
	"cmd/vanthu":     "wire it explicitly (run's switch, build's list)",
	"exchange/edxml": "wire it explicitly",
	"web":            "add the page's routes to New's list and its item to nav",
}

// readOnlyTables are cmd/vanthu's package-level variables: tables nothing
// assigns to. Wiring and test seams go through build and options, never
// through a variable a test changes.
var readOnlyTables = map[string]bool{"ImportColumns": true, "importer": true, "seedWords": true, "seedSigners": true,
	"seedOrgs": true, "seedTypes": true}

// packageFiles parses dir's Go files (dir relative to the module root),
// its own code and its tests apart.
func packageFiles(t *testing.T, fset *token.FileSet, dir string) (code, tests []*ast.File) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "_test.go") {
			tests = append(tests, af)
		} else {
			code = append(code, af)
		}
	}
	return code, tests
}

// TestExplicitWiring: no init() registers subcommands, subsystems or
// pages; cmd/vanthu has no package-level variable but the read-only tables
// above; no package variable is a clock.
func TestExplicitWiring(t *testing.T) {
	for dir, instead := range wiredExplicitly {
		fset := token.NewFileSet()
		code, _ := packageFiles(t, fset, dir)
		for _, af := range code {
			for _, d := range af.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Name.Name == "init" && d.Recv == nil {
						t.Errorf("%s: func init: %s", fset.Position(d.Pos()), instead)
					}
				case *ast.GenDecl:
					if d.Tok == token.VAR {
						checkPackageVars(t, fset, dir, d)
					}
				}
			}
		}
	}
}

func checkPackageVars(t *testing.T, fset *token.FileSet, dir string, d *ast.GenDecl) {
	for _, s := range d.Specs {
		vs := s.(*ast.ValueSpec)
		for i, n := range vs.Names {
			if dir == "cmd/vanthu" && n.Name != "_" && !readOnlyTables[n.Name] {
				t.Errorf("%s: package variable %s: pass it through options or build instead", fset.Position(n.Pos()), n.Name)
			}
			if i < len(vs.Values) {
				if sel, ok := vs.Values[i].(*ast.SelectorExpr); ok && sel.Sel.Name == "Now" {
					t.Errorf("%s: package variable %s is a clock: take the time from the caller", fset.Position(n.Pos()), n.Name)
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
	for _, dir := range []string{"cmd/vanthu", "exchange/edxml", "web", "signing", "signing/pki", "signing/verify", "signing/keys"} {
		fset := token.NewFileSet()
		code, tests := packageFiles(t, fset, dir)
		pkgVars := map[string]bool{}
		for _, af := range code {
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

// notErrorStatuses are the net/http Status names that are no error status.
var notErrorStatuses = map[string]bool{"StatusText": true, "StatusOK": true, "StatusCreated": true, "StatusAccepted": true,
	"StatusNoContent": true, "StatusPartialContent": true, "StatusMovedPermanently": true, "StatusFound": true,
	"StatusSeeOther": true, "StatusNotModified": true, "StatusTemporaryRedirect": true, "StatusPermanentRedirect": true}

// TestStatusesFromTheTable: the web pages (through problemOf) and the PKI
// routes (through writeError) answer an error with the status of its code
// in internal/httpstatus, never with one picked by hand. The exceptions,
// by file: the web's errors.go table (its own codes ECSRF and EMETHOD,
// a method a page does not take) and render.go's
// last resort when the error page itself fails.
func TestStatusesFromTheTable(t *testing.T) {
	allowed := map[string]map[string]int{"web": {"errors.go": 2, "render.go": 1}, "signing/pki": {}}
	for dir, allow := range allowed {
		fset := token.NewFileSet()
		code, _ := packageFiles(t, fset, dir)
		for _, af := range code {
			name := filepath.Base(fset.Position(af.Pos()).Filename)
			n := 0
			ast.Inspect(af, func(x ast.Node) bool {
				sel, ok := x.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "http" && strings.HasPrefix(sel.Sel.Name, "Status") && !notErrorStatuses[sel.Sel.Name] {
					if n++; n > allow[name] {
						t.Errorf("%s: http.%s picked by hand: take the status of the error's code (internal/httpstatus)", fset.Position(sel.Pos()), sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
}
