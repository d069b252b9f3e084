package conventions

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/vanthu/vanthu/"

// services are the packages that only entry points and test helpers may
// import (docs/architecture.md).
var services = map[string]bool{"auth": true, "archive": true, "exchange": true, "signing": true}

// knownViolations are the imports that break the rule today, each to be
// removed by moving the shared types into workflow. docs/architecture.md
// lists the same ones; the test fails when one is gone, so both shrink.
var knownViolations = map[string]bool{
	"storage/gormdb -> archive":  true,
	"storage/gormdb -> exchange": true,
}

// entryPoint: the packages that put services together.
func entryPoint(p string) bool {
	return p == "api" || p == "web" || p == "cmd" || strings.HasPrefix(p, "cmd/") || strings.HasPrefix(p, "internal/cmd/")
}

// testHelper: packages that exist for tests and may build whole apps.
func testHelper(p string) bool {
	base := filepath.Base(p)
	return strings.HasSuffix(base, "test") || p == "internal/integration" || p == "internal/conventions"
}

// imports returns the module packages (relative paths) that the non-test
// Go files of package p import.
func imports(t *testing.T, p string) []string {
	t.Helper()
	dir := filepath.Join(root, filepath.FromSlash(p))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if rel, ok := strings.CutPrefix(path, module); ok {
				seen[rel] = true
			} else if !strings.Contains(strings.Split(path, "/")[0], ".") {
				seen["std:"+path] = true
			} else {
				seen["ext:"+path] = true
			}
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// service returns the service a module package belongs to ("" if none):
// the package itself, not its subpackages (signing/keys is an adapter).
func service(p string) string {
	if services[p] {
		return p
	}
	return ""
}

// TestDependencyRule checks the rule of docs/architecture.md on every
// package's imports: workflow imports only the standard library; adapters
// (everything but entry points and test helpers) import no service;
// services do not import each other.
func TestDependencyRule(t *testing.T) {
	var found []string
	for _, p := range packages(t) {
		for _, imp := range imports(t, p) {
			if p == "workflow" {
				if !strings.HasPrefix(imp, "std:") {
					found = append(found, p+" -> "+imp)
				}
				continue
			}
			if strings.Contains(imp, ":") || service(imp) == "" {
				continue
			}
			if entryPoint(p) || testHelper(p) {
				continue
			}
			found = append(found, p+" -> "+imp)
		}
	}
	got := map[string]bool{}
	for _, v := range found {
		got[v] = true
		if !knownViolations[v] {
			t.Errorf("%s breaks the dependency rule (docs/architecture.md): move the shared types into workflow", v)
		}
	}
	for v := range knownViolations {
		if !got[v] {
			t.Errorf("%s is gone: remove it from knownViolations and from docs/architecture.md", v)
		}
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	for v := range knownViolations {
		from, to, _ := strings.Cut(v, " -> ")
		if !strings.Contains(string(doc), "`"+from+"` → `"+to+"`") {
			t.Errorf("docs/architecture.md does not list the known violation %s", v)
		}
	}
}
