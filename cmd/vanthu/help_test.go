package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// dispatched returns every subcommand run dispatches: the string cases of
// its switch in main.go.
func dispatched(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "runWith" {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			cc, ok := n.(*ast.CaseClause)
			if !ok {
				return true
			}
			for _, e := range cc.List {
				if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					seen[s] = true
				}
			}
			return true
		})
	}
	if len(seen) == 0 {
		t.Fatal("found no case \"...\" in runWith (main.go)")
	}
	var out []string
	for name := range seen {
		if !strings.HasPrefix(name, "-") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// TestHelpListsEverySubcommand: "vanthu help" names every subcommand that
// run dispatches.
func TestHelpListsEverySubcommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"help"}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("vanthu help: exit %d: %s", code, stderr.String())
	}
	cmds := dispatched(t)
	for _, want := range []string{"serve", "verify", "loadtest"} {
		if !slices.Contains(cmds, want) {
			t.Errorf("dispatched subcommands %v lack %s: the test does not see them all", cmds, want)
		}
	}
	for _, name := range cmds {
		if !strings.Contains(stdout.String(), "\n  vanthu "+name+" ") && !strings.Contains(stdout.String(), "\n  vanthu "+name+"\n") {
			t.Errorf("vanthu help does not list %q:\n%s", name, stdout.String())
		}
	}
}
