package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestIntegrationDevPKIServices runs serve on the development PKI (SQLite,
// then PostgreSQL) and checks, with openssl against the running server:
// an issued document's two signatures carry trusted time-stamps from the
// built-in TSA (no VANTHU_TSA_URL: B-T out of the box); the official's
// certificate names the server's OCSP responder, which says good; a
// revocation through the admin API and another through `vanthu pki
// revoke` (a separate process on the same database) show in OCSP at once
// and in the CRL with their reasons; the audit chain stays intact.
func TestIntegrationDevPKIServices(t *testing.T) {
	openssl := needTool(t, "openssl")
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			env := map[string]string{}
			if backend == "postgres" {
				env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
			}
			s := startServer(t, env)
			admin := s.login(t, "admin", "admin-password-1")
			ids, clerk, officer, handler := officeStaff(t, s)
			id, doc := issueOutgoing(t, handler, officer, clerk, map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định thu hồi chứng thư số",
				"urgency": "normal", "confidentiality": "normal", "signer_id": ids["officer"]}, testpdf.Make(1, "Quyet dinh"))
			if doc["state"] != "issued" {
				t.Fatalf("issue: %v", doc)
			}

			var rep struct {
				Verdict    string
				Signatures []struct {
					Signer    struct{ Serial, Subject string }
					Timestamp *struct {
						Time, Authority string
						Trusted         bool
					}
					ValidationTimeSource string `json:"validation_time_source"`
				}
			}
			if err := json.Unmarshal(clerk.get("/api/v1/documents/"+id+"/verification"), &rep); err != nil {
				t.Fatal(err)
			}
			// Layer 1, layer 2, then (PAdES B-LTA) the document time-stamp.
			if rep.Verdict != "valid" || len(rep.Signatures) < 2 {
				t.Fatalf("report: %+v", rep)
			}
			for i, sig := range rep.Signatures[:2] {
				if sig.Timestamp == nil || !sig.Timestamp.Trusted || !strings.Contains(sig.Timestamp.Authority, "Time-Stamping Authority") ||
					sig.ValidationTimeSource != "timestamp" {
					t.Fatalf("signature %d has no trusted time-stamp from the built-in TSA (PAdES B-T): %+v", i+1, sig)
				}
			}
			t.Logf("layer 1 time-stamp: %+v; layer 2: %+v", *rep.Signatures[0].Timestamp, *rep.Signatures[1].Timestamp)
			officerSerial, agencySerial := rep.Signatures[0].Signer.Serial, rep.Signatures[1].Signer.Serial

			dir := t.TempDir()
			root := filepath.Join(dir, "root.der")
			if err := os.WriteFile(root, getPublic(t, s.base+"/pki/ca.crt"), 0o644); err != nil {
				t.Fatal(err)
			}
			rootPEM := filepath.Join(dir, "root.pem")
			if out, err := exec.Command(openssl, "x509", "-inform", "DER", "-in", root, "-out", rootPEM).CombinedOutput(); err != nil {
				t.Fatalf("openssl x509: %v %s", err, out)
			}
			ocsp := func(serial string) string {
				t.Helper()
				out, err := exec.Command(openssl, "ocsp", "-issuer", rootPEM, "-serial", "0x"+serial, "-url", s.base+"/pki/ocsp",
					"-CAfile", rootPEM, "-no_nonce").CombinedOutput()
				if err != nil {
					t.Fatalf("openssl ocsp: %v\n%s", err, out)
				}
				if !strings.Contains(string(out), "Response verify OK") {
					t.Fatalf("openssl ocsp: response does not verify:\n%s", out)
				}
				return string(out)
			}
			if out := ocsp(officerSerial); !strings.Contains(out, ": good") {
				t.Fatalf("official's certificate before revocation:\n%s", out)
			}

			// Revoke the official's certificate through the admin API.
			var rev struct {
				Serial, Reason, UserID string
				ReasonCode             int `json:"reason_code"`
			}
			if code := clerk.call("POST", "/api/v1/pki/revocations", map[string]any{"user_id": ids["officer"], "reason": "keyCompromise"}, nil); code != 403 {
				t.Fatalf("clerk revokes: %d, want 403", code)
			}
			if code := admin.call("POST", "/api/v1/pki/revocations", map[string]any{"user_id": ids["officer"], "reason": "keyCompromise",
				"comment": "mất thiết bị"}, &rev); code != 201 {
				t.Fatalf("revoke via API: %d", code)
			}
			if !strings.EqualFold(rev.Serial, officerSerial) || rev.ReasonCode != 1 {
				t.Fatalf("revocation: %+v, want serial %s code 1", rev, officerSerial)
			}
			out := ocsp(officerSerial)
			t.Logf("openssl ocsp after the API revocation:\n%s", out)
			if !strings.Contains(out, ": revoked") || !strings.Contains(out, "Reason: keyCompromise") {
				t.Fatalf("official's certificate after revocation:\n%s", out)
			}
			if code := admin.call("POST", "/api/v1/pki/revocations", map[string]any{"serial": officerSerial, "reason": "superseded"}, nil); code != 409 {
				t.Fatalf("second revocation: %d, want 409", code)
			}

			// Revoke the agency certificate with the CLI, against the same database.
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string {
				return map[string]string{"VANTHU_DATA_DIR": s.dir, "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_LOG_LEVEL": "warn",
					"VANTHU_DATABASE_URL": env["VANTHU_DATABASE_URL"]}[k]
			}
			if code := run(context.Background(), []string{"pki", "revoke", "--serial", agencySerial, "--reason", "superseded", "--comment", "new seal"},
				getenv, &stdout, &stderr); code != 0 {
				t.Fatalf("vanthu pki revoke: exit %d\n%s%s", code, stdout.String(), stderr.String())
			}
			t.Logf("vanthu pki revoke: %s", stdout.String())
			if out := ocsp(agencySerial); !strings.Contains(out, ": revoked") || !strings.Contains(out, "Reason: superseded") {
				t.Fatalf("agency certificate after CLI revocation:\n%s", out)
			}

			crl := filepath.Join(dir, "crl.der")
			os.WriteFile(crl, getPublic(t, s.base+"/pki/crl"), 0o644)
			c, err := exec.Command(openssl, "crl", "-inform", "DER", "-in", crl, "-text", "-noout", "-CAfile", rootPEM).CombinedOutput()
			if err != nil {
				t.Fatalf("openssl crl: %v\n%s", err, c)
			}
			t.Logf("openssl crl -text:\n%s", c)
			for _, want := range []string{"verify OK", "Serial Number: " + evenHex(officerSerial), "Key Compromise", "Serial Number: " + evenHex(agencySerial), "Superseded"} {
				if !strings.Contains(string(c), want) {
					t.Errorf("CRL lacks %q", want)
				}
			}

			var list struct {
				Items []struct{ Serial, Reason string }
			}
			if code := admin.call("GET", "/api/v1/pki/revocations", nil, &list); code != 200 || len(list.Items) != 2 {
				t.Fatalf("list revocations: %d %+v", code, list)
			}
			var audit struct {
				OK     bool
				Events int
			}
			if code := admin.call("GET", "/api/v1/audit/verify", nil, &audit); code != 200 || !audit.OK {
				t.Fatalf("audit chain after revocations: %d %+v", code, audit)
			}
			// The first document, signed and time-stamped before the
			// revocation (its /DSS holds the OCSP answers of then), still
			// verifies: revoked after its trusted time.
			code, body := clerk.multipart("/api/v1/verify", nil, clerk.get("/api/v1/documents/"+id+"/file"))
			if code != 200 || !strings.Contains(string(body), `"verdict":"valid"`) {
				t.Fatalf("document signed before the revocation, verified after: %d %s", code, body)
			}

			// The next document is signed under new certificates, the running
			// server's agency key included, and still verifies.
			id2, doc2 := issueOutgoing(t, handler, officer, clerk, map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định thứ hai",
				"urgency": "normal", "confidentiality": "normal", "signer_id": ids["officer"]}, testpdf.Make(1, "Quyet dinh 2"))
			if doc2["state"] != "issued" {
				t.Fatalf("issue after revocations: %v", doc2)
			}
			var rep2 struct {
				Verdict    string
				Signatures []struct{ Signer struct{ Serial string } }
			}
			if err := json.Unmarshal(clerk.get("/api/v1/documents/"+id2+"/verification"), &rep2); err != nil {
				t.Fatal(err)
			}
			if rep2.Verdict != "valid" || len(rep2.Signatures) < 2 || rep2.Signatures[0].Signer.Serial == officerSerial ||
				rep2.Signatures[1].Signer.Serial == agencySerial {
				t.Fatalf("document after revocations: %+v (revoked serials %s, %s)", rep2, officerSerial, agencySerial)
			}
			for _, sig := range rep2.Signatures {
				if out := ocsp(sig.Signer.Serial); !strings.Contains(out, ": good") {
					t.Fatalf("new certificate %s:\n%s", sig.Signer.Serial, out)
				}
			}

			stdout.Reset()
			if code := run(context.Background(), []string{"pki", "revocations"}, getenv, &stdout, &stderr); code != 0 ||
				!strings.Contains(stdout.String(), "keyCompromise") || !strings.Contains(stdout.String(), "superseded") {
				t.Fatalf("vanthu pki revocations: exit %d\n%s%s", code, stdout.String(), stderr.String())
			}
		})
	}
}

// getPublic fetches a public route (no token).
func getPublic(t *testing.T, url string) []byte {
	t.Helper()
	c := &client{t: t}
	req, _ := http.NewRequest("GET", url, nil)
	var body []byte
	resp, err := c.http().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	body = b.Bytes()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}

// evenHex is how openssl prints a serial: upper-case, an even number of digits.
func evenHex(s string) string {
	s = strings.ToUpper(s)
	if len(s)%2 == 1 {
		return "0" + s
	}
	return s
}
