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
