package conventions

import (
	"go/ast"
	"go/token"
	"strings"
	"testing"
)

// stopping are the testing.TB methods that must be called from the test's
// own goroutine (they call runtime.Goexit).
var stopping = map[string]bool{"Fatal": true, "Fatalf": true, "FailNow": true, "Skip": true, "Skipf": true, "SkipNow": true}

// TestNoFatalFromGoroutine: a goroutine started in a test does not stop
// the test (t.Fatal, t.FailNow, t.Skip) nor hand t to a helper that may;
// it sends what went wrong to the test goroutine, which fails there.
func TestNoFatalFromGoroutine(t *testing.T) {
	keep := func(rel string) bool { return strings.HasSuffix(rel, "/") || strings.HasSuffix(rel, "_test.go") }
	walkGo(t, 0, 20, keep, func(fset *token.FileSet, _ string, f *ast.File) {
		ast.Inspect(f, func(node ast.Node) bool {
			g, ok := node.(*ast.GoStmt)
			if !ok {
				return true
			}
			lit, ok := g.Call.Fun.(*ast.FuncLit)
			if !ok {
				return true
			}
			for _, bad := range testStoppers(lit.Body) {
				t.Errorf("%s: a goroutine %s; send the error to the test goroutine and fail there", fset.Position(bad.Pos()), describeStopper(bad))
			}
			return true
		})
	})
}

// testStoppers returns the calls in body that stop the test or pass t
// (or tb) on, outside nested function literals that run elsewhere.
func testStoppers(body *ast.BlockStmt) []*ast.CallExpr {
	var out []*ast.CallExpr
	ast.Inspect(body, func(node ast.Node) bool {
		call, ok := node.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && isTB(sel.X) && stopping[sel.Sel.Name] {
			out = append(out, call)
			return true
		}
		for _, a := range call.Args {
			if isTB(a) {
				out = append(out, call)
				break
			}
		}
		return true
	})
	return out
}

func isTB(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && (id.Name == "t" || id.Name == "tb" || id.Name == "b")
}

func describeStopper(c *ast.CallExpr) string {
	if sel, ok := c.Fun.(*ast.SelectorExpr); ok && isTB(sel.X) && stopping[sel.Sel.Name] {
		return "calls " + sel.Sel.Name
	}
	return "passes the test's T to a helper that may stop it"
}
