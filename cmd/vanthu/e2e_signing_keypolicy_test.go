package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
)

// TestIntegrationSigningKeyPolicy assigns officials' keys through
// PUT /api/v1/users/{id}/signing-key on a server whose key locations come
// from its configuration (VANTHU_KEY_DIRS, VANTHU_PKCS11_MODULE,
// VANTHU_PKCS11_TOKENS), with file keys and the real SoftHSM2 token. Every
// way to reach a key that is not the official's own, allowed one is
// refused, at assignment and again at signing. Before the fix every case
// below marked 403 was accepted (200): any readable file, the agency's
// key, another official's key, a module-path into any directory (a
// shared library uploaded as a document was dlopen'ed), PIN files.
func TestIntegrationSigningKeyPolicy(t *testing.T) {
	module, token := os.Getenv("VANTHU_PKCS11_MODULE"), os.Getenv("VANTHU_TEST_PKCS11_TOKEN")
	if module == "" || token == "" {
		t.Skip("VANTHU_PKCS11_MODULE / VANTHU_TEST_PKCS11_TOKEN not set (source scripts/setup/signing.sh)")
	}
	const orgName, orgID = "UBND quận Bình Thủy", "000.00.12.H13"
	dataDir, keyDir, outside := t.TempDir(), t.TempDir(), t.TempDir()
	pki, err := keys.OpenDevPKI(filepath.Join(dataDir, "pki"), orgName, orgID, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.Agency(); err != nil {
		t.Fatal(err)
	}
	copyFile := func(src, dst string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	agencyFile := filepath.Join(keyDir, "agency.pem")
	copyFile(pki.AgencyKeyPath(), agencyFile)
	copyFile(pki.AgencyKeyPath(), filepath.Join(keyDir, "agency-copy.pem"))

	s := startServer(t, map[string]string{"VANTHU_DATA_DIR": dataDir, "VANTHU_AGENCY_KEY": "file:" + agencyFile,
		// The data directory is listed on purpose: it stays refused.
		"VANTHU_KEY_DIRS": keyDir + "," + dataDir, "VANTHU_PKCS11_MODULE": module, "VANTHU_PKCS11_TOKENS": token})
	admin := s.login(t, "admin", "admin-password-1")
	newUser := func(name, full, role string) string {
		var u struct{ ID string }
		if code := admin.call("POST", "/api/v1/users", map[string]any{"username": name, "password": "password-" + name,
			"full_name": full, "title": "Chủ tịch", "roles": []string{role}}, &u); code != 201 {
			t.Fatalf("create %s: %d", name, code)
		}
		return u.ID
	}
	off1 := newUser("officer", "Trần Văn Quyết", "officer")
	off2 := newUser("officer2", "Nguyễn Thị Hai", "officer")
	newUser("handler", "Phạm Thị Chuyên", "handler")

	issue := func(id, name, file string) keys.Key {
		t.Helper()
		k, err := pki.Officer(id, name, "Chủ tịch")
		if err != nil {
			t.Fatal(err)
		}
		copyFile(pki.OfficerKeyPath(id), filepath.Join(keyDir, file))
		return k
	}
	k1 := issue(off1, "Trần Văn Quyết", "off1.pem")
	k2 := issue(off2, "Nguyễn Thị Hai", "off2.pem")
	copyFile(filepath.Join(keyDir, "off2.pem"), filepath.Join(keyDir, "off2-copy.pem"))
	stranger := issue("stranger", "Người Khác", "stranger.pem")
	copyFile(filepath.Join(keyDir, "off1.pem"), filepath.Join(outside, "off1.pem"))
	if err := os.Symlink(filepath.Join(outside, "off1.pem"), filepath.Join(keyDir, "link.pem")); err != nil {
		t.Fatal(err)
	}
	agencyKey, err := keys.Load(context.Background(), "file:"+agencyFile, nil)
	if err != nil {
		t.Fatal(err)
	}

	assign := func(userID, uri string, chain []byte) (int, string) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"key_uri": uri, "cert_pem": string(chain)})
		return admin.put("/api/v1/users/"+userID+"/signing-key", "application/json", body)
	}
	// Official 2 has its own key: allowed.
	if code, out := assign(off2, "file:"+filepath.Join(keyDir, "off2.pem"), k2.ChainPEM()); code != 200 {
		t.Fatalf("own key of officer2: %d %s", code, out)
	}

	// The PKCS#11 key officer-ec, certified once for official 1 and once
	// for someone else.
	p11 := "pkcs11:token=" + token + ";object=officer-ec"
	signer, err := keys.LoadSigner(context.Background(), p11)
	if err != nil {
		t.Fatal(err)
	}
	chainFor := func(cn string) []byte {
		c, err := pki.CertifyPublicKey(cn, signer.Public())
		if err != nil {
			t.Fatal(err)
		}
		return keys.Key{Chain: c}.ChainPEM()
	}
	p11Own, p11Other := chainFor("Trần Văn Quyết"), chainFor("Người Khác")

	for _, tc := range []struct {
		name  string
		uri   string
		chain []byte
		code  int
		msg   string
	}{
		{"ErrOutsideKeyDirs", "file:" + filepath.Join(outside, "off1.pem"), k1.ChainPEM(), 403, "outside the key directories"},
		{"ErrSymlinkOut", "file:" + filepath.Join(keyDir, "link.pem"), k1.ChainPEM(), 403, "outside the key directories"},
		{"ErrDotDotOut", "file:" + keyDir + "/../" + filepath.Base(outside) + "/off1.pem", k1.ChainPEM(), 403, "outside the key directories"},
		{"ErrDataDir", "file:" + pki.OfficerKeyPath(off1), k1.ChainPEM(), 403, "data directory"},
		{"ErrDevAgencyKey", "file:" + pki.AgencyKeyPath(), agencyKey.ChainPEM(), 403, "data directory"},
		{"ErrAgencyKey", "file:" + agencyFile, agencyKey.ChainPEM(), 403, "agency"},
		{"ErrAgencyKeyCopy", "file:" + filepath.Join(keyDir, "agency-copy.pem"), agencyKey.ChainPEM(), 403, "agency"},
		{"ErrOtherOfficialsKey", "file:" + filepath.Join(keyDir, "off2.pem"), k2.ChainPEM(), 403, "officer2"},
		{"ErrOtherOfficialsKeyCopy", "file:" + filepath.Join(keyDir, "off2-copy.pem"), k2.ChainPEM(), 403, "officer2"},
		{"ErrCertOfSomeoneElse", "file:" + filepath.Join(keyDir, "stranger.pem"), stranger.ChainPEM(), 403, "Người Khác"},
		{"ErrRelativePath", "file:off1.pem", k1.ChainPEM(), 400, "absolute"},
		{"ErrModulePath", p11 + ";module-path=" + filepath.Join(dataDir, "objects", "evil.so"), p11Own, 403, "module-path"},
		{"ErrPinSource", p11 + "?pin-source=file:/etc/passwd", p11Own, 403, "pin-source"},
		{"ErrPinValue", p11 + ";pin-value=1234", p11Own, 403, "pin-value"},
		{"ErrPinEnv", p11 + ";pin-env=VANTHU_S3_SECRET_KEY", p11Own, 403, "pin-env"},
		{"ErrSlot", "pkcs11:slot-id=0;object=officer-ec", p11Own, 403, "slot-id"},
		{"ErrOtherToken", "pkcs11:token=not-allowed;object=officer-ec", p11Own, 403, "VANTHU_PKCS11_TOKENS"},
		{"ErrTokenCertOfSomeoneElse", p11, p11Other, 403, "Người Khác"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := assign(off1, tc.uri, tc.chain)
			if code != tc.code || !strings.Contains(out, tc.msg) {
				t.Fatalf("%s: %d %s; want %d with %q", tc.uri, code, out, tc.code, tc.msg)
			}
			if strings.Contains(out, `"has_signing_key":true`) {
				t.Fatal("assigned")
			}
		})
	}

	handler := s.login(t, "handler", "password-handler")
	officer := s.login(t, "officer", "password-officer")
	draft := func(subject string) string {
		doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "TB", "subject": subject, "signer_id": off1},
			testpdf.Make(1, subject))
		if code != 201 {
			t.Fatalf("upload: %d", code)
		}
		id := doc["id"].(string)
		handler.act(id, "submit", nil)
		officer.act(id, "approve", nil)
		return id
	}
	sign := func(id string) (int, string) {
		var out map[string]any
		code := officer.call("POST", "/api/v1/documents/"+id+"/actions/sign", nil, &out)
		return code, string(officer.get("/api/v1/documents/" + id))
	}

	// Official 1's own file key: allowed; then swapped behind our back.
	own := filepath.Join(keyDir, "off1.pem")
	if code, out := assign(off1, "file:"+own, k1.ChainPEM()); code != 200 {
		t.Fatalf("own key: %d %s", code, out)
	}
	good, _ := os.ReadFile(own)
	copyFile(filepath.Join(keyDir, "off2.pem"), own)
	id := draft("Thông báo ký bằng khóa bị tráo")
	if code, doc := sign(id); code != 422 || !strings.Contains(doc, `"state":"approved"`) {
		t.Fatalf("sign with a swapped key file: %d %s", code, doc)
	}
	if err := os.WriteFile(own, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, doc := sign(id); code != 200 || !strings.Contains(doc, `"state":"officer_signed"`) {
		t.Fatalf("sign with the own key restored: %d %s", code, doc)
	}

	// The token key, certified for official 1: allowed, and signs.
	if code, out := assign(off1, p11, p11Own); code != 200 {
		t.Fatalf("own token key: %d %s", code, out)
	}
	id = draft("Thông báo ký bằng khóa trên token")
	if code, doc := sign(id); code != 200 {
		t.Fatalf("sign with the token key: %d %s", code, doc)
	}
	report := string(officer.get("/api/v1/documents/" + id + "/verification"))
	if !strings.Contains(report, "Trần Văn Quyết") {
		t.Fatalf("layer 1 not made with the token key: %s", report)
	}
}
