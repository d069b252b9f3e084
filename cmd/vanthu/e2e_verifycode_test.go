package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
)

// TestIntegrationVerifyCodeAndDetectedLayout: with VANTHU_PUBLIC_URL set,
// an outgoing draft in the Decree 30 layout gets its stamp layout from its
// own text at upload; the issued file carries the verification code and
// URL as text (pdftotext), written after layer 1 and covered by layer 2;
// the public lookup shows notation, issuer and the file's SHA-256 without
// a login, and only "classified" for a secret document; the reform report
// counts the issue.
func TestIntegrationVerifyCodeAndDetectedLayout(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	s := startServer(t, map[string]string{"VANTHU_PUBLIC_URL": "https://vanthu.binhthuy.example/"})
	admin := s.login(t, "admin", "admin-password-1")
	ids := map[string]string{}
	for _, r := range []string{"clerk", "officer", "handler"} {
		var u struct{ ID string }
		admin.call("POST", "/api/v1/users", map[string]any{"username": r, "password": "password-" + r,
			"full_name": "Nguyễn Văn Sĩ", "title": "Chủ tịch", "roles": []string{r}}, &u)
		ids[r] = u.ID
	}
	clerk, officer, handler := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer"), s.login(t, "handler", "password-handler")
	reg, bold := signing.Fonts()
	draft, _, err := testpdf.MakeDraft(testpdf.Draft{Producer: testpdf.RawSimple, Regular: reg, Bold: bold, Pages: 1, SigTitleY: 320})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(conf string) (map[string]any, []byte) {
		doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định ban hành quy chế",
			"signer_id": ids["officer"], "confidentiality": conf}, draft)
		if code != 201 {
			t.Fatalf("upload: %d", code)
		}
		id := doc["id"].(string)
		layout, _ := doc["layout"].(map[string]any)
		if layout == nil || layout["source"] != "detected" || layout["number"] == nil || layout["date"] == nil || layout["signature"] == nil || layout["number_only"] != true {
			t.Fatalf("layout not detected at upload: %v", doc["layout"])
		}
		handler.act(id, "submit", nil)
		officer.act(id, "approve", nil)
		officer.act(id, "sign", nil)
		out := clerk.act(id, "issue", nil)
		return out, clerk.get("/api/v1/documents/" + id + "/file")
	}
	doc, pdf := issue("normal")
	code, _ := doc["verify_code"].(string)
	if len(code) != 10 {
		t.Fatalf("verify_code %q", code)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "issued.pdf")
	os.WriteFile(file, pdf, 0o600)
	txt, err := exec.Command(pdftotext, "-f", "1", "-l", "1", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	url := "https://vanthu.binhthuy.example/verify/" + code
	if !strings.Contains(string(txt), url) || !strings.Contains(string(txt), code[:5]+"-"+code[5:]) {
		t.Fatalf("pdftotext of the issued file lacks the code and URL %s:\n%s", url, txt)
	}
	// Written in layer 2's update: after the last byte layer 1 signed.
	l1 := lastRevisionEnd(pdf, 2) // the draft, then layer 1
	if at := bytes.Index(pdf, []byte(url)); at < l1 {
		t.Fatalf("the code is at %d, inside layer 1's revision (ends %d)", at, l1)
	}
	if v, _ := doc["verification"].(map[string]any); v == nil || v["verdict"] != "valid" {
		t.Fatalf("issued file verification %v", doc["verification"])
	}
	// Public lookup, no login.
	anon := &client{t: t, base: s.base}
	var pub map[string]any
	if st := anon.call("GET", "/api/v1/public/verify/"+strings.ToLower(code[:5]+"-"+code[5:]), nil, &pub); st != 200 {
		t.Fatalf("public lookup: %d", st)
	}
	sum := sha256.Sum256(pdf)
	if pub["notation"] != doc["notation"] || pub["sha256"] != hex.EncodeToString(sum[:]) || pub["issuer"] == "" || pub["subject"] == nil {
		t.Fatalf("public lookup %v", pub)
	}
	if st := anon.call("GET", "/api/v1/public/verify/AAAAAAAAAA", nil, nil); st != 404 {
		t.Fatalf("unknown code: %d", st)
	}
	// A secret document: valid code, nothing else.
	sdoc, _ := issue("secret")
	pub = nil
	if st := anon.call("GET", "/api/v1/public/verify/"+sdoc["verify_code"].(string), nil, &pub); st != 200 {
		t.Fatalf("public lookup of the secret one: %d", st)
	}
	if pub["classified"] != true || pub["subject"] != nil || pub["notation"] != nil || pub["sha256"] != nil {
		t.Fatalf("secret document leaks: %v", pub)
	}
	// The reform report counts both issues with two layers; a handler may not read it.
	var rep struct {
		Figures []struct {
			Key                    string
			Numerator, Denominator int
			Target                 float64
		}
	}
	if st := clerk.call("GET", "/api/v1/reports/reform", nil, &rep); st != 200 {
		t.Fatalf("reform: %d", st)
	}
	if len(rep.Figures) != 5 || rep.Figures[0].Key != "two_layers" || rep.Figures[0].Numerator != 2 || rep.Figures[0].Denominator != 2 || rep.Figures[4].Target != 50 {
		t.Fatalf("reform report %+v", rep)
	}
	if st := handler.call("GET", "/api/v1/reports/reform", nil, nil); st != 403 {
		t.Fatalf("handler reads the reform report: %d", st)
	}
	csv := clerk.get("/api/v1/reports/reform?format=csv&from=2020-01-01")
	if !bytes.Contains(csv, []byte("two_layers")) {
		t.Fatalf("csv: %s", csv)
	}
}

// lastRevisionEnd returns the offset just after the n-th %%EOF marker.
func lastRevisionEnd(b []byte, n int) int {
	off := 0
	for i := 0; i < n; i++ {
		j := bytes.Index(b[off:], []byte("%%EOF"))
		if j < 0 {
			return -1
		}
		off += j + 5
	}
	return off
}
