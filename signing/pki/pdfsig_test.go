package pki_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestIntegrationPdfsigOCSP: poppler's pdfsig (NSS) follows the signer
// certificate's AIA to the running responder: trusted while good, "has
// been Revoked" right after Revoke. Before thisUpdate was truncated to
// producedAt's minute, NSS rejected every answer ("The OCSP response is
// not yet valid", ocspclnt) and pdfsig said "Unknown issue with
// Certificate or corrupted data".
func TestIntegrationPdfsigOCSP(t *testing.T) {
	for _, tool := range []string{"pdfsig", "certutil"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/setup/signing.sh installs it)", tool)
		}
	}
	e := newEnv(t, gormdbtest.Open(t, gormdb.SQLite))
	k, err := e.pki.Officer("u-7", "Võ Thị Hạnh", "Phó Chủ tịch")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signing.SignOfficer(context.Background(), testpdf.Make(1, "x"), signing.OfficerLayer{Key: k, Name: "Võ Thị Hạnh"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root.pem")
	os.WriteFile(root, e.pki.RootPEM(), 0o644)
	for _, args := range [][]string{{"-N", "-d", "sql:" + dir, "--empty-password"}, {"-A", "-d", "sql:" + dir, "-n", "root", "-t", "CT,C,C", "-i", root}} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	pdf := filepath.Join(dir, "signed.pdf")
	os.WriteFile(pdf, signed, 0o644)
	pdfsig := func() string {
		out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+dir, pdf).CombinedOutput()
		return string(out)
	}
	before := e.requests.Load()
	out := pdfsig()
	if !strings.Contains(out, "Certificate Validation: Certificate is Trusted.") || e.requests.Load() == before {
		t.Fatalf("pdfsig while good (responder asked %d times):\n%s", e.requests.Load()-before, out)
	}
	if _, err := e.auth.Revoke(context.Background(), nil, pki.RevokeRequest{UserID: "u-7", Reason: workflow.ReasonKeyCompromise}); err != nil {
		t.Fatal(err)
	}
	out = pdfsig()
	t.Logf("pdfsig after revocation:\n%s", out)
	if !strings.Contains(out, "Certificate Validation: Certificate has been Revoked.") {
		t.Fatalf("pdfsig after revocation:\n%s", out)
	}
}
