package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/pki"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestPKICLIUsesServesPKI runs serve on the development PKI (SQLite and
// PostgreSQL, its keys in clear and sealed with VANTHU_DEV_PKI_SECRET) and
// `vanthu pki` with serve's settings, no --dir: `pki root` prints serve's
// root (/pki/ca.crt); `pki officer` shows the certificate serve then signs
// with, issued under that root; after `pki revoke` serve's OCSP responder
// and CRL say revoked; `pki officer` then issues a new key and
// certificate (a revoked one is never handed out), which OCSP says good.
// Before, `vanthu pki` read only files: on PostgreSQL it found no PKI
// (serve's is in the table dev_pki), sealed entries could not be read
// whatever VANTHU_DEV_PKI_SECRET said, and on SQLite its certificates
// named no OCSP responder (serve re-issued them) and a revoked official's
// certificate was handed out again.
func TestPKICLIUsesServesPKI(t *testing.T) {
	for _, tc := range []struct {
		name, backend, secret string
	}{
		{"SQLite", "sqlite", ""},
		{"SQLiteSealed", "sqlite", "a development secret"},
		{"PostgreSQL", "postgres", ""},
		{"PostgreSQLSealed", "postgres", "a development secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"VANTHU_DEV_PKI_SECRET": tc.secret}
			if tc.backend == "postgres" {
				env["VANTHU_DATABASE_URL"] = gormdbtest.CreatePostgresDatabase(t)
			}
			// serve's clock, to pass the minute it reuses an OCSP response
			// for (pki.OCSPReuse): a revocation stored by another process
			// shows in its OCSP answers after that (and after the second
			// it reuses a look-up "not revoked", gormdb.RevocationLease, on
			// the wall clock), in its CRL at once.
			var skew atomic.Int64
			now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
			s := startServerWith(t, options{now: now}, env)
			ids, clerk, officer, handler := officeStaff(t, s)
			// The CLI has serve's settings; the address serve took (port 0)
			// is given as the public URL, as an operator's fixed one would be.
			cli := map[string]string{"VANTHU_DATA_DIR": s.dir, "VANTHU_LOG_LEVEL": "warn", "VANTHU_PUBLIC_URL": s.base}
			for k, v := range env {
				cli[k] = v
			}
			pkiCLI := func(args ...string) string {
				t.Helper()
				code, stdout, stderr := runCLI(t, cli, append([]string{"pki"}, args...)...)
				if code != 0 {
					t.Fatalf("vanthu pki %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
				}
				return stdout
			}

			root, err := x509.ParseCertificate(getPublic(t, s.base+keys.CACertPath))
			if err != nil {
				t.Fatal(err)
			}
			if certs, err := keys.ParseCertificatesPEM([]byte(pkiCLI("root"))); err != nil || len(certs) != 1 || !certs[0].Equal(root) {
				t.Fatalf("vanthu pki root is not serve's root (%s): %v %v", root.Subject, certs, err)
			}

			// The name and title are the account's, as serve issues them.
			issued := officerCert(t, root, pkiCLI("officer", "--user", ids["officer"], "--pem"))
			if issued.Subject.CommonName != "Trần Văn Quyết" {
				t.Fatalf("official's certificate: %s", issued.Subject)
			}
			for _, args := range [][]string{{"--user", ids["officer"], "--name", "Trần Văn Khác"}, {"--user", ids["officer"], "--title", "Phó Chủ tịch"}, {"--user", "no-such-user", "--name", "A"}} {
				if code, _, stderr := runCLI(t, cli, append([]string{"pki", "officer"}, args...)...); code != 1 || !strings.Contains(stderr, "serve") {
					t.Fatalf("vanthu pki officer %v: exit %d, want 1 and a refusal\n%s", args, code, stderr)
				}
			}
			_, doc := issueOutgoing(t, handler, officer, clerk, map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định ký bằng chứng thư của CLI",
				"urgency": "normal", "confidentiality": "normal", "signer_id": ids["officer"]}, testpdf.Make(1, "Quyet dinh"))
			if doc["state"] != "issued" {
				t.Fatalf("issue: %v", doc)
			}
			if got := signerSerials(t, clerk, doc["id"].(string)); len(got) < 1 || !strings.EqualFold(got[0], issued.SerialNumber.Text(16)) {
				t.Fatalf("serve signed layer 1 with %v, not the certificate vanthu pki officer showed (%s)", got, issued.SerialNumber.Text(16))
			}
			if st := ocspStatus(t, s.base, issued, root); st != ocsp.Good {
				t.Fatalf("OCSP before the revocation: %d, want good", st)
			}

			pkiCLI("revoke", "--user", ids["officer"], "--reason", "keyCompromise")
			crl, err := x509.ParseRevocationList(getPublic(t, s.base+keys.CRLPath))
			if err != nil || crl.CheckSignatureFrom(root) != nil {
				t.Fatalf("CRL: %v", err)
			}
			if !crlLists(crl, issued) {
				t.Fatalf("the CRL does not list %s", issued.SerialNumber.Text(16))
			}
			skew.Store(int64(pki.OCSPReuse + time.Second))
			time.Sleep(gormdb.RevocationLease + 100*time.Millisecond)
			if st := ocspStatus(t, s.base, issued, root); st != ocsp.Revoked {
				t.Fatalf("OCSP after vanthu pki revoke: %d, want revoked", st)
			}

			renewed := officerCert(t, root, pkiCLI("officer", "--user", ids["officer"], "--name", "Trần Văn Quyết", "--title", "Chủ tịch", "--pem"))
			if renewed.SerialNumber.Cmp(issued.SerialNumber) == 0 || bytes.Equal(renewed.RawSubjectPublicKeyInfo, issued.RawSubjectPublicKeyInfo) {
				t.Fatal("vanthu pki officer handed out the revoked certificate (or its key) again")
			}
			if st := ocspStatus(t, s.base, renewed, root); st != ocsp.Good {
				t.Fatalf("OCSP of the new certificate: %d, want good", st)
			}
			if tc.backend == "postgres" {
				if _, err := os.Stat(filepath.Join(s.dir, "pki", "root.pem")); err == nil {
					t.Error("vanthu pki wrote a root CA key into DATA_DIR/pki on PostgreSQL")
				}
			}
		})
	}
}

// officerCert parses the chain `vanthu pki officer --pem` printed and
// checks that it chains to root as a document signing certificate.
func officerCert(t *testing.T, root *x509.Certificate, out string) *x509.Certificate {
	t.Helper()
	i := strings.Index(out, "-----BEGIN")
	if i < 0 {
		t.Fatalf("no PEM in:\n%s", out)
	}
	certs, err := keys.ParseCertificatesPEM([]byte(out[i:]))
	if err != nil || len(certs) == 0 {
		t.Fatalf("chain: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("the official's certificate does not verify against serve's /pki/ca.crt: %v", err)
	}
	return certs[0]
}

// signerSerials are the serials of a document's signatures, in order.
func signerSerials(t *testing.T, c *client, id string) []string {
	t.Helper()
	var rep struct {
		Signatures []struct{ Signer struct{ Serial string } }
	}
	if err := json.Unmarshal(c.get("/api/v1/documents/"+id+"/verification"), &rep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range rep.Signatures {
		out = append(out, s.Signer.Serial)
	}
	return out
}

// ocspStatus asks serve's OCSP responder about c.
func ocspStatus(t *testing.T, base string, c, root *x509.Certificate) int {
	t.Helper()
	req, err := ocsp.CreateRequest(c, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+keys.OCSPPath, "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r, err := ocsp.ParseResponseForCert(body, c, root)
	if err != nil {
		t.Fatalf("OCSP response: %v", err)
	}
	return r.Status
}

func crlLists(crl *x509.RevocationList, c *x509.Certificate) bool {
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return true
		}
	}
	return false
}

// TestPKICLIChoosesItsPKI: without --dir `vanthu pki` works on serve's
// development PKI and refuses what serve would not do with it; --dir (or
// VANTHU_PKI_DIR) is a folder of its own, whatever serve's settings say.
func TestPKICLIChoosesItsPKI(t *testing.T) {
	const name, org = "UBND Quận Một", "000.00.00.H13"
	prod := map[string]string{"VANTHU_ENV": "production", "VANTHU_AGENCY_KEY": "file:/nonexistent/agency.p12", "VANTHU_TRUST_ANCHORS": "/nonexistent/anchors.pem"}
	for _, tc := range []struct {
		name  string
		setup [][]string        // vanthu commands run first (env: VANTHU_DATA_DIR only)
		env   map[string]string // besides VANTHU_DATA_DIR=D (and VANTHU_PKI_DIR=D/own in "{own}")
		args  []string          // after "pki"; "{D}" is the data directory, "{own}" a folder elsewhere
		code  int
		want  []string        // in stdout (code 0) or stderr
		files map[string]bool // files under D (or {own}/...) that must exist (true) or not (false)
	}{
		{name: "InitMakesServesPKI", args: []string{"init"}, code: 0,
			want:  []string{"development PKI in {D}/pki", "O=UBND quận Bình Thủy", "key URI:      file:{D}/pki/agency.pem"},
			files: map[string]bool{"{D}/pki/root.pem": true, "{D}/vanthu.db": true}},
		{name: "Sealed", env: map[string]string{"VANTHU_DEV_PKI_SECRET": "s1"}, args: []string{"init"}, code: 0,
			want: []string{"development PKI in {D}/pki", "sealed (VANTHU_DEV_PKI_SECRET)"}, files: map[string]bool{"{D}/pki/agency.pem": true}},
		{name: "Production", env: prod, args: []string{"officer", "--user", "u1", "--name", "A"}, code: 1,
			want: []string{"VANTHU_ENV=production: serve never uses the development PKI"}, files: map[string]bool{"{D}/pki": false}},
		{name: "ProductionWithoutKeys", env: map[string]string{"VANTHU_ENV": "production"}, args: []string{"root"}, code: 2,
			want: []string{"production never uses the development PKI"}, files: map[string]bool{"{D}/pki": false}},
		{name: "ProductionFolder", env: prod, args: []string{"init", "--dir", "{own}", "--agency", name}, code: 0,
			want: []string{"development PKI in {own}"}, files: map[string]bool{"{own}/root.pem": true, "{D}/pki": false}},
		{name: "PKIDirIsAFolder", env: map[string]string{"VANTHU_PKI_DIR": "{own}"}, args: []string{"init", "--agency", name}, code: 0,
			want: []string{"development PKI in {own}", "O=" + name}, files: map[string]bool{"{own}/root.pem": true, "{D}/pki": false}},
		{name: "FolderIgnoresServeSettings", env: map[string]string{"VANTHU_SIGN_NICE": "99"}, args: []string{"init", "--dir", "{own}", "--agency", name}, code: 0,
			want: []string{"development PKI in {own}"}},
		{name: "ServesPKINeedsValidSettings", env: map[string]string{"VANTHU_SIGN_NICE": "99"}, args: []string{"init"}, code: 2,
			want: []string{"VANTHU_SIGN_NICE"}, files: map[string]bool{"{D}/pki": false}},
		{name: "AgencyNotServes", args: []string{"init", "--agency", name}, code: 2,
			want: []string{`--agency (or VANTHU_AGENCY_NAME) "` + name + `" is not the agency of serve's development PKI`, "VANTHU_ORG_NAME"}, files: map[string]bool{"{D}/pki": false}},
		{name: "OrgNotServes", args: []string{"init", "--org", org}, code: 2, want: []string{"VANTHU_ORG_ID"}},
		{name: "AgencyMatchesServes", env: map[string]string{"VANTHU_ORG_NAME": name, "VANTHU_ORG_ID": org}, args: []string{"init", "--agency", name, "--org", org}, code: 0,
			want: []string{"O=" + name}},
		{name: "StoredAgencyNotServes", setup: [][]string{{"pki", "init", "--dir", "{D}/pki", "--agency", name, "--org", org}},
			args: []string{"officer", "--user", "u1", "--name", "A"}, code: 1,
			want: []string{`agency certificate of "` + name + `"`, "re-issue"}, files: map[string]bool{"{D}/pki/officers/u1.pem": false}},
		{name: "StoredAgencyServes", setup: [][]string{{"pki", "init", "--dir", "{D}/pki", "--agency", name, "--org", org}},
			env: map[string]string{"VANTHU_ORG_NAME": name, "VANTHU_ORG_ID": org}, args: []string{"tls", "--cn", "peer", "--host", "localhost"}, code: 0,
			want: []string{"stored in:    {D}/pki/tls/peer.pem"}, files: map[string]bool{"{D}/pki/tls/peer.pem": true}},
		{name: "OfficerNeedsAnAccount", args: []string{"officer", "--user", "u1", "--name", "A"}, code: 1,
			want: []string{`no user with ID "u1" in serve's database`}, files: map[string]bool{"{D}/pki/officers/u1.pem": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, own := t.TempDir(), filepath.Join(t.TempDir(), "own")
			expand := func(s string) string { return strings.NewReplacer("{D}", d, "{own}", own).Replace(s) }
			expandAll := func(ss []string) []string {
				out := make([]string, len(ss))
				for i, s := range ss {
					out[i] = expand(s)
				}
				return out
			}
			for _, args := range tc.setup {
				if code, _, stderr := runCLI(t, nil, expandAll(args)...); code != 0 {
					t.Fatalf("setup %v: exit %d: %s", args, code, stderr)
				}
			}
			agencyBefore, _ := os.ReadFile(filepath.Join(d, "pki", "agency.pem"))
			env := map[string]string{"VANTHU_DATA_DIR": d, "VANTHU_LOG_LEVEL": "warn"}
			for k, v := range tc.env {
				env[k] = expand(v)
			}
			code, stdout, stderr := runCLI(t, env, append([]string{"pki"}, expandAll(tc.args)...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			text := stderr
			if code == 0 {
				text = stdout
			}
			for _, w := range tc.want {
				if !strings.Contains(text, expand(w)) {
					t.Errorf("output lacks %q:\n%s", expand(w), text)
				}
			}
			for f, exists := range tc.files {
				if _, err := os.Stat(expand(f)); (err == nil) != exists {
					t.Errorf("%s: exists = %v, want %v", expand(f), err == nil, exists)
				}
			}
			if agencyBefore != nil && code != 0 {
				if after, _ := os.ReadFile(filepath.Join(d, "pki", "agency.pem")); !bytes.Equal(after, agencyBefore) {
					t.Error("a refused command changed the agency certificate")
				}
			}
			if env["VANTHU_DEV_PKI_SECRET"] != "" {
				if b, err := os.ReadFile(filepath.Join(d, "pki", "agency.pem")); err != nil || bytes.Contains(b, []byte("PRIVATE KEY")) {
					t.Errorf("agency.pem with VANTHU_DEV_PKI_SECRET: %v, key in clear = %v", err, bytes.Contains(b, []byte("PRIVATE KEY")))
				}
			}
		})
	}
}

// TestPKICLIRefusesAnotherAgencyOnPostgreSQL: serve's development PKI in
// the database keeps its agency certificate when `vanthu pki` runs with
// another VANTHU_ORG_NAME (serve would re-issue it; so would the CLI).
func TestPKICLIRefusesAnotherAgencyOnPostgreSQL(t *testing.T) {
	dsn := gormdbtest.CreatePostgresDatabase(t)
	env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_DATABASE_URL": dsn, "VANTHU_LOG_LEVEL": "warn", "VANTHU_ORG_NAME": "UBND Quận Một"}
	code, first, stderr := runCLI(t, env, "pki", "init")
	if code != 0 || !strings.Contains(first, "development PKI in the table dev_pki") || !strings.Contains(first, "key:          in the table dev_pki") {
		t.Fatalf("init: exit %d\n%s%s", code, first, stderr)
	}
	env["VANTHU_ORG_NAME"] = "UBND quận Khác"
	if code, _, stderr := runCLI(t, env, "pki", "officer", "--user", "u1", "--name", "A"); code != 1 || !strings.Contains(stderr, "re-issue") {
		t.Fatalf("officer with another agency: exit %d, want 1 and a refusal\n%s", code, stderr)
	}
	env["VANTHU_ORG_NAME"] = "UBND Quận Một"
	if code, again, stderr := runCLI(t, env, "pki", "init"); code != 0 || again != first {
		t.Fatalf("init again: exit %d, the PKI changed:\n%s\nthen:\n%s%s", code, first, again, stderr)
	}
}
