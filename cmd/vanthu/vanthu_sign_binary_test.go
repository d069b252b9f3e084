package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestVanthuSignBinary: the binary cmd/vanthu-sign signs both layers as
// `vanthu sign` does (`vanthu verify` finds them valid under the PKI's
// root), and links none of the server's packages — what makes it start
// in milliseconds.
func TestVanthuSignBinary(t *testing.T) {
	const pkg = "github.com/vanthu/vanthu/cmd/vanthu-sign"
	deps, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	for _, heavy := range []string{"gorm.io/", "modernc.org/sqlite", "github.com/minio/", "github.com/labstack/echo",
		"github.com/prometheus/", "github.com/jackc/pgx", "github.com/vanthu/vanthu/storage", "github.com/vanthu/vanthu/web",
		"github.com/vanthu/vanthu/api"} {
		for _, d := range strings.Fields(string(deps)) {
			if strings.HasPrefix(d, heavy) {
				t.Errorf("vanthu-sign links %s", d)
			}
		}
	}
	bin := filepath.Join(t.TempDir(), "vanthu-sign")
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	p := newCLIPKI(t, "UBND quận Bình Thủy")
	dir := t.TempDir()
	in := writeFile(t, "in.pdf", testpdf.Make(1, "Quyết định số 15"))
	l1, l2 := filepath.Join(dir, "l1.pdf"), filepath.Join(dir, "l2.pdf")
	for _, args := range [][]string{
		signArgsFor("officer", p.officerKey, "--title", "Chủ tịch", in, l1)[1:],
		signArgsFor("agency", p.agencyKey, "--number", "15", "--notation", "QĐ-UBND", "--place", "Bình Thủy", l1, l2)[1:],
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil || !strings.Contains(string(out), "layer) -> ") {
			t.Fatalf("vanthu-sign %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if out, err := exec.Command(bin, signArgsFor("seal", p.agencyKey, in, filepath.Join(dir, "bad.pdf"))[1:]...).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "--layer must be officer, agency or attachment") {
		t.Errorf("vanthu-sign --layer seal: %v\n%s", err, out)
	}
	if code, stdout, stderr := runCLI(t, nil, "verify", "--trust", p.root, l2); code != 0 {
		t.Fatalf("vanthu verify of vanthu-sign's output: exit %d\n%s%s", code, stdout, stderr)
	}
}
