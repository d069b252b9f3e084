package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
)

func (c *client) put(path, contentType string, body []byte) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest("PUT", c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.String()
}

// TestSigningKeyAndImageRoutes configures an official's own key (a file:
// URI with its certificate) and signature image through the admin API,
// then signs with them.
func TestSigningKeyAndImageRoutes(t *testing.T) {
	keyDir := t.TempDir()
	s := startServer(t, map[string]string{"VANTHU_KEY_DIRS": keyDir})
	admin := s.login(t, "admin", "admin-password-1")
	var off struct{ ID string }
	admin.call("POST", "/api/v1/users", map[string]any{"username": "officer", "password": "password-officer",
		"full_name": "Trần Văn Quyết", "title": "Chủ tịch", "roles": []string{"officer"}}, &off)
	var hnd struct{ ID string }
	admin.call("POST", "/api/v1/users", map[string]any{"username": "handler", "password": "password-handler", "roles": []string{"handler"}}, &hnd)

	// A key issued by the same development root, held in a file.
	pki, err := keys.OpenDevPKI(filepath.Join(s.dir, "pki"), "UBND quận Bình Thủy", "000.00.12.H13", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	// UID = the username (the certificate names the official), a title of
	// its own to recognise the key in the report.
	own, err := pki.Officer("officer", "Trần Văn Quyết", "Chủ tịch khóa riêng")
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(keyDir, "officer.pem")
	if b, err := os.ReadFile(pki.OfficerKeyPath("officer")); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(pemFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	other, err := pki.Officer("someone-else", "Người Khác", "Phó Chủ tịch")
	if err != nil {
		t.Fatal(err)
	}
	uri := "file:" + pemFile
	body, _ := json.Marshal(map[string]string{"key_uri": uri, "cert_pem": string(other.ChainPEM())})
	if code, out := admin.put("/api/v1/users/"+off.ID+"/signing-key", "application/json", body); code != 400 || !strings.Contains(out, "does not match") {
		t.Fatalf("mismatched certificate: %d %s", code, out)
	}
	body, _ = json.Marshal(map[string]string{"key_uri": uri, "cert_pem": string(own.ChainPEM())})
	if code, out := admin.put("/api/v1/users/"+off.ID+"/signing-key", "application/json", body); code != 200 || !strings.Contains(out, `"has_signing_key":true`) {
		t.Fatalf("signing key: %d %s", code, out)
	}

	// A blue signature on a transparent background.
	img := image.NewNRGBA(image.Rect(0, 0, 240, 90))
	for x := 20; x < 220; x++ {
		img.Set(x, 45+(x%30)-15, color.NRGBA{0, 40, 200, 255})
	}
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, img)
	if code, out := admin.put("/api/v1/users/"+off.ID+"/signature-image", "image/png", []byte("not a png")); code != 415 {
		t.Fatalf("garbage image: %d %s", code, out)
	}
	if code, out := admin.put("/api/v1/users/"+off.ID+"/signature-image", "image/png", pngBuf.Bytes()); code != 200 || !strings.Contains(out, `"has_signature_image":true`) {
		t.Fatalf("signature image: %d %s", code, out)
	}
	officer := s.login(t, "officer", "password-officer")
	if code, _ := officer.put("/api/v1/users/"+off.ID+"/signature-image", "image/png", pngBuf.Bytes()); code != 403 {
		t.Fatalf("non-admin sets an image: %d", code)
	}

	handler := s.login(t, "handler", "password-handler")
	id := signOutgoing(t, handler, officer, map[string]any{"direction": "outgoing", "type": "TB", "subject": "Thông báo",
		"signer_id": off.ID}, testpdf.Make(1, "thong bao"))
	report := string(officer.get("/api/v1/documents/" + id + "/verification"))
	if !strings.Contains(report, "Chủ tịch khóa riêng") || !strings.Contains(report, `"verdict":"valid"`) {
		t.Fatalf("layer 1 not made with the configured key: %s", report)
	}
}
