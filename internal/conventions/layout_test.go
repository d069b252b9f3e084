package conventions

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// root is the repository root, relative to this package's directory.
const root = "../.."

// packages returns the repository's Go packages as slash paths relative
// to the root ("workflow", "storage/gormdb"): the directories with at
// least one Go file for this platform, as `go list ./...` sees them.
func packages(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		if path != root {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		if _, err := build.ImportDir(path, 0); err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// layoutTable returns the package names in the first column of the
// README's "## Layout" table, without their trailing slash.
func layoutTable(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Layout\n")
	if !ok {
		t.Fatal(`README.md has no "## Layout" section`)
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	names := map[string]bool{}
	code := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if !strings.HasPrefix(line, "|") || len(cells) < 3 {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[1], -1) {
			names[strings.TrimSuffix(m[1], "/")] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("README's layout table names no package")
	}
	return names
}

// TestReadmeLayoutListsEveryPackage: every package of the module has a row
// in the README's layout table, and every name there is a package.
func TestReadmeLayoutListsEveryPackage(t *testing.T) {
	pkgs := packages(t)
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages under %s: %v", len(pkgs), root, pkgs)
	}
	table := layoutTable(t)
	exists := map[string]bool{}
	for _, p := range pkgs {
		exists[p] = true
		if !table[p] {
			t.Errorf("package %s is missing from the layout table of README.md", p)
		}
	}
	for name := range table {
		if !exists[name] {
			t.Errorf("README's layout table names %s, which is not a package", name)
		}
	}
}
