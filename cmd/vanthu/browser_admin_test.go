package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestIntegrationBrowserRevokeCertificate: the admin revokes an
// official's development-PKI certificate on /admin/pki — asked to
// confirm first — and the revocation is the one the API lists, for the
// certificate that signed the official's layer.
func TestIntegrationBrowserRevokeCertificate(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s := startServer(t, nil)
	admin := s.login(t, "admin", "admin-password-1")
	ids, clerk, officer, handler := officeStaff(t, s)
	id, doc := issueOutgoing(t, handler, officer, clerk, map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định trước khi thu hồi chứng thư",
		"signer_id": ids["officer"]}, testpdf.Make(1, "Quyet dinh"))
	if doc["state"] != "issued" {
		t.Fatalf("issue: %v", doc)
	}
	var rep struct {
		Signatures []struct{ Signer struct{ Serial string } }
	}
	if err := json.Unmarshal(clerk.get("/api/v1/documents/"+id+"/verification"), &rep); err != nil || len(rep.Signatures) == 0 {
		t.Fatalf("verification: %v %+v", err, rep)
	}
	serial := rep.Signatures[0].Signer.Serial

	b := StartBrowser(t, s.base)
	b.As("admin", "admin-password-1")
	b.Go("/admin/pki")
	b.Run(chromedp.SetValue(chromedp.CSS(`select[name="user_id"]`), ids["officer"]),
		chromedp.SetValue(chromedp.CSS(`select[name="reason"]`), "keyCompromise"),
		chromedp.SendKeys(chromedp.CSS(`#revoke-form textarea[name="comment"]`), "Mất thiết bị ký số"),
		chromedp.Click(chromedp.CSS(`#revoke-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm button[name="confirm"][value="revoke"]`)))
	mustContain(t, "revocation's confirmation", b.Text("#confirm"), "Trần Văn Quyết", "Khóa bí mật bị lộ", "không hủy được")
	var list struct{ Items []map[string]any }
	if code := admin.call("GET", "/api/v1/pki/revocations", nil, &list); code != 200 || len(list.Items) != 0 {
		t.Fatalf("revoked before the confirmation: %d %+v", code, list)
	}
	b.Shot("confirm-revoke")
	b.Run(chromedp.Click(chromedp.CSS(`#confirm button[name="confirm"]`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	mustContain(t, "revocations", b.Text("main"), "Đã thu hồi chứng thư số.", "Trần Văn Quyết", "Khóa bí mật bị lộ", "Mất thiết bị ký số")
	b.Shot("admin-pki")
	if code := admin.call("GET", "/api/v1/pki/revocations", nil, &list); code != 200 || len(list.Items) != 1 ||
		!strings.EqualFold(list.Items[0]["serial"].(string), serial) || list.Items[0]["reason"] != "keyCompromise" || list.Items[0]["user_id"] != ids["officer"] {
		t.Fatalf("revocations after the page: %d %+v, want the official's certificate %s", code, list, serial)
	}
}
