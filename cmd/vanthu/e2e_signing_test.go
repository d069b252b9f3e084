package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
)

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (scripts/test installs it)", name)
	}
	return p
}

func (c *client) get(path string) []byte {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// TestIntegrationTwoLayerSigningThroughAPI walks an outgoing document from
// draft to issued through the real server and checks the final PDF with
// poppler pdfsig, qpdf and mutool.
func TestIntegrationTwoLayerSigningThroughAPI(t *testing.T) {
	pdfsig, qpdf, mutool, certutil := needTool(t, "pdfsig"), needTool(t, "qpdf"), needTool(t, "mutool"), needTool(t, "certutil")
	s := startServer(t, nil)
	ids, clerk, officer, handler := officeStaff(t, s)
	doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định về việc ban hành quy chế làm việc",
		"urgency": "urgent", "confidentiality": "normal", "signer_id": ids["officer"],
		"recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}}, testpdf.Make(2, "Quyet dinh"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	handler.act(id, "submit", nil)
	officer.act(id, "approve", nil)
	// Only the named signer signs; the clerk cannot, nor issue before layer 1.
	if code := clerk.call("POST", "/api/v1/documents/"+id+"/actions/sign", nil, nil); code != 403 {
		t.Fatalf("clerk sign: %d", code)
	}
	doc = officer.act(id, "sign", nil)
	if doc["state"] != "officer_signed" {
		t.Fatalf("after sign: %v", doc)
	}
	doc = clerk.act(id, "issue", nil)
	if doc["state"] != "issued" || doc["notation"] != "01/QĐ-UBND" {
		t.Fatalf("after issue: %v", doc)
	}
	if v, _ := doc["verification"].(map[string]any); v == nil || v["verdict"] != "valid" {
		t.Fatalf("verification after issue: %v", doc["verification"])
	}

	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "issued.pdf")
	os.WriteFile(pdfPath, clerk.get("/api/v1/documents/"+id+"/file"), 0o600)
	caPath := filepath.Join(dir, "ca.pem")
	os.WriteFile(caPath, clerk.get("/api/v1/pki/trust-anchors"), 0o600)
	report := string(clerk.get("/api/v1/documents/" + id + "/verification"))
	if !strings.Contains(report, `"verdict":"valid"`) {
		t.Fatalf("report: %s", report)
	}

	// poppler: both signatures valid and trusted with the dev CA in an NSS db.
	nss := filepath.Join(dir, "nss")
	os.MkdirAll(nss, 0o700)
	if out, err := exec.Command(certutil, "-N", "-d", "sql:"+nss, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v %s", err, out)
	}
	if out, err := exec.Command(certutil, "-A", "-n", "vanthu-dev-root", "-t", "CT,C,C", "-i", caPath, "-d", "sql:"+nss).CombinedOutput(); err != nil {
		t.Fatalf("certutil -A: %v %s", err, out)
	}
	out, _ := exec.Command(pdfsig, "-nssdir", "sql:"+nss, pdfPath).CombinedOutput()
	so := string(out)
	if n := strings.Count(so, "Signature Validation: Signature is Valid."); n != 2 {
		t.Fatalf("pdfsig: %d valid signatures, want 2:\n%s", n, so)
	}
	if n := strings.Count(so, "Certificate Validation: Certificate is Trusted."); n != 2 {
		t.Fatalf("pdfsig: %d trusted certificates, want 2:\n%s", n, so)
	}
	if n := strings.Count(so, "ETSI.CAdES.detached"); n != 2 {
		t.Fatalf("pdfsig: want two ETSI.CAdES.detached signatures:\n%s", so)
	}
	// After layer 2 comes the long-term validation update (VANTHU_LTV:
	// the /DSS; no TSA here, so no document time-stamp): layer 2 covers
	// everything but that update, which adds nothing but validation data.
	if !regexp.MustCompile(`Signature #2:[\s\S]*Not total document signed`).MatchString(so) || !bytes.Contains(clerk.get("/api/v1/documents/"+id+"/file"), []byte("/Type /DSS")) {
		t.Fatalf("pdfsig: layer 2 is not followed by the /DSS update:\n%s", so)
	}
	if strings.Count(report, `"kind":"dss"`) == 0 || strings.Contains(report, `"allowed":false`) {
		t.Fatalf("report: the update after layer 2 is not an allowed DSS update: %s", report)
	}

	// qpdf: no errors, no warnings.
	out, err := exec.Command(qpdf, "--check", pdfPath).CombinedOutput()
	if err != nil || strings.Contains(strings.ToLower(string(out)), "warning") || !strings.Contains(string(out), "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}

	// mupdf: both layers valid, each with later edits (layer 2: the DSS).
	out, _ = exec.Command(mutool, "sign", "-v", pdfPath).CombinedOutput()
	mo := string(out)
	if strings.Count(mo, "valid but there have been edits") != 2 {
		t.Fatalf("mutool sign -v:\n%s", mo)
	}
	// The number and date are on page 1 (text is rendered into the stamp
	// image; the notation is also in the signature dictionary).
	if !strings.Contains(so, "01/QĐ-UBND") && !strings.Contains(report, "01/QĐ-UBND") {
		t.Logf("notation not found in pdfsig output or report (drawn as image only)")
	}
}
