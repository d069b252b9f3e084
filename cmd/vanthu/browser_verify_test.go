package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
)

// TestIntegrationBrowserLayoutVerifyReform: the handler sees the stamp
// boxes found in a Decree 30 draft over its page preview and moves the
// signature box with the mouse and the arrow keys; once the document is
// issued, a citizen without an account checks the issued file on /verify
// and its printed code on /verify/{code}; the clerk reads the reform
// report. Every page's screenshot is checked not blank.
func TestIntegrationBrowserLayoutVerifyReform(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s := startServer(t, map[string]string{"VANTHU_PUBLIC_URL": "https://vanthu.binhthuy.example"})
	ids, clerk, officer, handler := officeStaff(t, s)
	reg, bold := signing.Fonts()
	draft, _, err := testpdf.MakeDraft(testpdf.Draft{Producer: testpdf.FPDFUnicode, Regular: reg, Bold: bold, Pages: 1, SigTitleY: 330})
	if err != nil {
		t.Fatal(err)
	}
	doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định ban hành quy chế làm việc",
		"signer_id": ids["officer"]}, draft)
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	sig0 := doc["layout"].(map[string]any)["signature"].(map[string]any)

	b := StartBrowser(t, s.base)
	b.As("handler", "password-handler")
	b.Go("/documents/" + id + "/layout")
	b.Run(chromedp.WaitVisible(chromedp.CSS(`rect.layout-signature`)))
	mustContain(t, "layout page", b.HTML(), `rect class="layout-box layout-number"`, `name="signature_x"`, "tìm tự động")
	// The date line's blanks the detector found are shown to edit.
	blanks := doc["layout"].(map[string]any)["date_blanks"]
	shown := Get(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#date-blanks input[name="date_blanks"]')).map(e => e.value)`))
	if fmt.Sprint(blanks) != "["+strings.Join(shown, " ")+"]" {
		t.Errorf("date blanks shown %q, detected %v", shown, blanks)
	}
	b.Shot("layout-detected")
	// Drag the signature box 40 px to the left, then three arrows down.
	center := Get(b, chromedp.Evaluate[[]float64](`(function(){var e=document.querySelector("rect.layout-signature");e.scrollIntoView({block:"center"});var r=e.getBoundingClientRect();return [r.x+r.width/2,r.y+r.height/2];})()`))
	b.Run(chromedp.DragAndDropXY(center[0], center[1], center[0]-40, center[1], 8),
		chromedp.Focus(chromedp.CSS(`rect.layout-signature`)),
		chromedp.KeyEvent(kb.ArrowDown+kb.ArrowDown+kb.ArrowDown))
	b.Shot("layout-moved")
	b.Run(chromedp.Click(chromedp.CSS(`#layout-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	var after map[string]any
	handler.call("GET", "/api/v1/documents/"+id, nil, &after)
	sig1 := after["layout"].(map[string]any)["signature"].(map[string]any)
	if fmt.Sprint(after["layout"].(map[string]any)["date_blanks"]) != fmt.Sprint(blanks) {
		t.Errorf("date blanks after saving the form: %v, were %v", after["layout"].(map[string]any)["date_blanks"], blanks)
	}
	dx, dy := sig1["x"].(float64)-sig0["x"].(float64), sig1["y"].(float64)-sig0["y"].(float64)
	if dx > -10 || dy > -2.5 || dy < -3.5-10 {
		t.Fatalf("signature box moved by (%.1f, %.1f) points; want left by the drag and 3 points down", dx, dy)
	}

	handler.act(id, "submit", nil)
	officer.act(id, "approve", nil)
	officer.act(id, "sign", nil)
	issued := clerk.act(id, "issue", nil)
	vcode := issued["verify_code"].(string)
	pdf := clerk.get("/api/v1/documents/" + id + "/file")

	// A citizen: no session.
	pub := StartBrowser(t, s.base)
	pub.Go("/verify")
	pub.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "van-ban.pdf", pdf)}),
		chromedp.Click(chromedp.CSS(`form[action="/verify"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result`)))
	if v := strings.TrimSpace(pub.Text(`#verify-result .verdict`)); v != "hợp lệ" {
		t.Fatalf("verdict of the issued file: %q\n%s", v, pub.Text("main"))
	}
	pub.Shot("verify-upload")
	pub.Go("/verify/" + vcode[:5] + "-" + vcode[5:])
	mustContain(t, "code page", pub.Text("main"), issued["notation"].(string), "Quyết định ban hành quy chế làm việc", "Mã xác thực hợp lệ")
	pub.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "van-ban.pdf", pdf)}),
		chromedp.Click(chromedp.CSS(`form[action^="/verify/"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#verify-compare`)))
	mustContain(t, "hash comparison", pub.Text(`#verify-compare`), "trùng khớp", "hợp lệ")
	pub.Shot("verify-code")

	b.As("clerk", "password-clerk")
	b.Go("/reports/reform")
	b.Run(chromedp.WaitVisible(chromedp.CSS(`#reform-chart svg`)))
	mustContain(t, "reform report", b.Text("main"), "Báo cáo cải cách hành chính", "hai lớp chữ ký số", "100,0%", "Chỉ tiêu")
	b.Shot("reform-report")
	raw, _ := json.Marshal(issued["layout"])
	t.Logf("issued with layout %s", raw)
}

// TestIntegrationBrowserReformSeed: the reform report of a seeded office
// (`vanthu archive seed`) for 2020, as the admin sees it: every figure
// measured, targets beside them, met and missed ones marked.
func TestIntegrationBrowserReformSeed(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	dir := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_LOG_LEVEL": "error"}
	if code, out, stderr := runCLI(t, env, "archive", "seed", "--count", "300"); code != 0 {
		t.Fatalf("seed: %d %s %s", code, out, stderr)
	}
	s := startServerIn(t, dir)
	b := StartBrowser(t, s.base)
	b.As("admin", "admin-password-1")
	// The period chooser is a GET form: its URL is the chosen period.
	b.Go("/reports/reform?from=2020-01-01&to=2020-12-31")
	b.Run(chromedp.WaitVisible(chromedp.CSS(`#reform-chart svg`)))
	mustContain(t, "period", b.HTML(), `value="01/01/2020"`, `value="31/12/2020"`)
	table := b.Text("#reform-table tbody")
	if strings.Contains(table, "chưa có số liệu") || !strings.Contains(table, "Chưa đạt") || !strings.Contains(table, "Đạt") || !strings.Contains(table, "50%") {
		t.Fatalf("seeded figures:\n%s", table)
	}
	if n := strings.Count(b.HTML(), `<rect x="0"`); n != 10 {
		t.Errorf("%d bar rectangles, want 5 tracks and 5 bars", n)
	}
	b.Shot("reform-seed-2020")
	t.Logf("seeded reform figures for 2020:\n%s", table)
}
