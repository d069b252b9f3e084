package conventions

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// errorText matches code that decides on an error's text: a strings
// function applied to err.Error(), or err.Error() compared.
var errorText = regexp.MustCompile(`strings\.\w+\([^\n]*\.Error\(\)|\.Error\(\) *[!=]=`)

// errorTextAllowed are the places that must read an error's text, each
// at the boundary of a library that exports no type or sentinel for the
// case, turning it into a typed error there. Our own errors are matched
// with errors.Is/As (sentinels such as workflow.ErrDigestMismatch).
var errorTextAllowed = map[string]string{
	"signing/intake.go":        "github.com/digitorus/pdf: encryption errors other than ErrInvalidPassword are plain text",
	"signing/pdfsign.go":       "github.com/digitorus/pdfsign wraps a failed timestamp request in plain text (\"get timestamp: ...\")",
	"signing/keys/pkcs11.go":   "github.com/ThalesGroup/crypto11: errTokenNotFound is unexported",
	"storage/gormdb/errors.go": "database/sql: errDBClosed (\"sql: database is closed\") is unexported",
}

// TestNoErrorTextMatching: outside the boundaries listed above, no
// non-test Go file decides on an error by its text.
func TestNoErrorTextMatching(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		for i, line := range strings.Split(string(b), "\n") {
			if errorText.MatchString(line) {
				if _, ok := errorTextAllowed[rel]; ok {
					seen[rel] = true
					continue
				}
				t.Errorf("%s:%d: decides on an error's text: use a typed error or sentinel (errors.Is/As): %s", rel, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f := range errorTextAllowed {
		if !seen[f] {
			t.Logf("%s is allowed to match error text but no longer does: it can leave errorTextAllowed", f)
		}
	}
}
