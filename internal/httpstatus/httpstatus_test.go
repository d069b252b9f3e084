package httpstatus_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/httpstatus"
)

// TestEveryCodeHasAStatus: every E* code declared in workflow/errors.go
// has a status (500 only for EINTERNAL).
func TestEveryCodeHasAStatus(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../workflow/errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "E") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				code, _ := strconv.Unquote(lit.Value)
				n++
				status, ok := httpstatus.Of(code)
				if !ok || (status == 500) != (name.Name == "EINTERNAL") {
					t.Errorf("%s (%q): status %d, known %v", name.Name, code, status, ok)
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("found %d codes in workflow/errors.go: the test does not see them", n)
	}
}
