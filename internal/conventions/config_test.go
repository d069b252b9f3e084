package conventions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// binaries are the programs an operator runs: the variables their code
// reads are the ones the README's configuration table must name.
var binaries = []string{"cmd/vanthu", "cmd/vanthu-sign"}

// envName is a variable name as the code spells it in a string literal.
var envName = regexp.MustCompile(`^VANTHU_[A-Z0-9_]+$`)

// linked returns the module packages the binaries link: the binaries and
// everything their non-test Go files import, directly or not. Test
// helpers (miniotest, internal/interop...) are not among them.
func linked(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	todo := append([]string(nil), binaries...)
	for len(todo) > 0 {
		p := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		for _, imp := range imports(t, p) {
			if !strings.Contains(imp, ":") && !seen[imp] {
				todo = append(todo, imp)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// envRead returns every VANTHU_* name that appears as a whole string
// literal in a non-test Go file of the linked packages, with one place
// where it does (file:line).
func envRead(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, p := range linked(t) {
		dir := filepath.Join(root, filepath.FromSlash(p))
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && envName.MatchString(s) && out[s] == "" {
					pos := fset.Position(lit.Pos())
					out[s] = p + "/" + name + ":" + strconv.Itoa(pos.Line)
				}
				return true
			})
		}
	}
	return out
}

// configTable returns the rows of the README's "## Configuration" table:
// variable name -> the text of its default cell.
func configTable(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Configuration\n")
	if !ok {
		t.Fatal(`README.md has no "## Configuration" section`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	row := regexp.MustCompile("^\\| `(VANTHU_[A-Z0-9_]+)` \\| ([^|]*) \\|")
	out := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			if _, dup := out[m[1]]; dup {
				t.Errorf("README's configuration table has two rows for %s", m[1])
			}
			out[m[1]] = strings.TrimSpace(m[2])
		}
	}
	return out
}

// TestReadmeConfigTableMatchesCode: every VANTHU_* variable the binaries'
// code names has a row in the README's configuration table, and every row
// names a variable that code reads. (The defaults of serve's settings are
// checked against the table in cmd/vanthu, TestReadmeDocumentsEveryVariable.)
func TestReadmeConfigTableMatchesCode(t *testing.T) {
	if pkgs := linked(t); len(pkgs) < 10 {
		t.Fatalf("the binaries link only %d packages of the module: %v", len(pkgs), pkgs)
	}
	read := envRead(t)
	if len(read) < 40 || read["VANTHU_ADDR"] == "" {
		t.Fatalf("found only %d VANTHU_* names in the binaries' code (VANTHU_ADDR at %q): the test does not see them", len(read), read["VANTHU_ADDR"])
	}
	table := configTable(t)
	var names []string
	for name := range read {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := table[name]; !ok {
			t.Errorf("%s is read by the code (%s) but has no row in README.md's configuration table", name, read[name])
		}
	}
	names = names[:0]
	for name := range table {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if read[name] == "" {
			t.Errorf("README.md's configuration table names %s, which no code of %v reads", name, binaries)
		}
		if d := table[name]; d != "empty" && !(len(d) > 2 && strings.HasPrefix(d, "`") && strings.HasSuffix(d, "`")) {
			t.Errorf("README.md's configuration table gives %s the default %q: want `value` or empty", name, d)
		}
	}
}
