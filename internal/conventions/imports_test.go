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
var services = map[string]bool{"auth": true, "archive": true, "blobgc": true, "exchange": true, "signing": true}

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

// violations returns the imports of package p that break the rule of
// docs/architecture.md: workflow imports only the standard library;
// adapters (everything but entry points and test helpers) import no
// service; services do not import each other.
func violations(p string, imps []string) []string {
	var found []string
	for _, imp := range imps {
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
	return found
}

// TestDependencyRule checks every package's imports against the rule;
// there is no list of tolerated violations.
func TestDependencyRule(t *testing.T) {
	for _, p := range packages(t) {
		for _, v := range violations(p, imports(t, p)) {
			t.Errorf("%s breaks the dependency rule (docs/architecture.md): move the shared types into workflow, or declare the port on workflow types", v)
		}
	}
}

// TestDependencyRuleCatches: the check flags what the rule forbids (the
// adapter imports that storage/gormdb had) and lets the rest through.
func TestDependencyRuleCatches(t *testing.T) {
	for _, tc := range []struct {
		pkg, imp string
		bad      bool
	}{
		{"storage/gormdb", "archive", true},
		{"storage/gormdb", "exchange", true},
		{"signing/keys", "signing", true},
		{"exchange", "archive", true},
		{"workflow", "ext:golang.org/x/text", true},
		{"workflow", "internal/csvsafe", true},
		{"storage/gormdb", "workflow", false},
		{"exchange", "exchange/edxml", false},
		{"api", "exchange", false},
		{"cmd/vanthu", "archive", false},
		{"storage/gormdb/gormdbtest", "storage/gormdb", false},
		{"workflow", "std:context", false},
	} {
		if got := len(violations(tc.pkg, []string{tc.imp})) > 0; got != tc.bad {
			t.Errorf("%s -> %s: violation %v, want %v", tc.pkg, tc.imp, got, tc.bad)
		}
	}
}
