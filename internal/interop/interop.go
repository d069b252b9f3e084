// Package interop gives tests the interoperability corpora that are kept
// outside the repository (real-world PDFs and edXML packages made by
// other producers, whose licences are not ours to grant). They are read
// from the directory named by VANTHU_INTEROP_FIXTURES, laid out as pdf/
// and edxml/; scripts/test sets it when a fixtures folder of the shared
// workspace sits beside the repository. Without it the tests that need
// them skip, naming the variable; the repository's own testdata covers
// the same code paths.
package interop

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Env is the variable naming the corpora directory.
const Env = "VANTHU_INTEROP_FIXTURES"

// Dir returns the corpus subdirectory sub ("pdf", "edxml"). It skips the
// test when VANTHU_INTEROP_FIXTURES is unset and fails it when the
// variable names a directory without sub (a misconfiguration is not a
// reason to skip).
func Dir(tb testing.TB, sub string) string {
	tb.Helper()
	root := os.Getenv(Env)
	if root == "" {
		tb.Skipf("interop corpus %s/ not available: set %s to a directory laid out like pdf/, edxml/ (scripts/test sets it when the shared fixtures sit beside the repository)", sub, Env)
	}
	dir := filepath.Join(root, sub)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		tb.Fatalf("%s=%s has no directory %s/: %v", Env, root, sub, err)
	}
	return dir
}

// File reads the corpus file sub/name (skipping like Dir).
func File(tb testing.TB, sub, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(tb, sub), name))
	if err != nil {
		tb.Fatalf("interop corpus: %v", err)
	}
	return b
}

// Files lists the files of sub matching pattern (e.g. "*.edxml"), sorted;
// it fails the test when there are none.
func Files(tb testing.TB, sub, pattern string) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(Dir(tb, sub), pattern))
	if err != nil || len(files) == 0 {
		tb.Fatalf("interop corpus %s/%s: no files (%v)", sub, pattern, err)
	}
	sort.Strings(files)
	return files
}

// EnvPDFCPU names pdfcpu's test PDFs (github.com/pdfcpu/pdfcpu,
// pkg/testdata), which scripts/test fetches from the Go module proxy into
// the module cache (scripts/setup/pdfcorpus.sh).
const EnvPDFCPU = "VANTHU_PDFCPU_TESTDATA"

// PDFCPUFiles lists pdfcpu's test PDFs, the top folder's and pdf20/'s,
// sorted, each with its name: the path below the folder, "/" written "-"
// ("pdf20-withOffsetStart.pdf"). It skips the test when
// VANTHU_PDFCPU_TESTDATA is unset and fails it when the folder holds none.
func PDFCPUFiles(tb testing.TB) (paths, names []string) {
	tb.Helper()
	root := os.Getenv(EnvPDFCPU)
	if root == "" {
		tb.Skipf("pdfcpu's test PDFs not available: set %s to github.com/pdfcpu/pdfcpu's pkg/testdata (scripts/test fetches it from the Go module proxy)", EnvPDFCPU)
	}
	for _, pattern := range []string{"*.pdf", "*.PDF", "pdf20/*.pdf"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		tb.Fatalf("%s=%s holds no PDF", EnvPDFCPU, root)
	}
	return sortedNames(root, paths)
}

// sortedNames sorts paths and names each by its path below root, "/"
// written "-".
func sortedNames(root string, paths []string) ([]string, []string) {
	sort.Strings(paths)
	names := make([]string, 0, len(paths))
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		names = append(names, strings.ReplaceAll(filepath.ToSlash(rel), "/", "-"))
	}
	return paths, names
}

// PDFCPUSamples lists pdfcpu's sample PDFs (pkg/samples, beside the
// folder VANTHU_PDFCPU_TESTDATA names: the outputs of its examples —
// forms filled by several means, imported images, booklets, n-up pages,
// watermarks, stamps, attachments, signed files), each content once (the
// first path in order), sorted, each with its name: the path below
// pkg/samples, "/" written "-". It skips the test as PDFCPUFiles does.
func PDFCPUSamples(tb testing.TB) (paths, names []string) {
	tb.Helper()
	root := os.Getenv(EnvPDFCPU)
	if root == "" {
		tb.Skipf("pdfcpu's sample PDFs not available: set %s to github.com/pdfcpu/pdfcpu's pkg/testdata (scripts/test fetches it from the Go module proxy)", EnvPDFCPU)
	}
	samples := filepath.Join(filepath.Dir(filepath.Clean(root)), "samples")
	seen := map[[32]byte]bool{}
	err := filepath.WalkDir(samples, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".pdf") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if sum := sha256.Sum256(b); !seen[sum] {
			seen[sum] = true
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil || len(paths) == 0 {
		tb.Fatalf("%s holds no PDF (%v)", samples, err)
	}
	return sortedNames(samples, paths)
}
