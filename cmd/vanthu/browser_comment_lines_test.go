package main

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestIntegrationBrowserCommentLines: a comment written on several lines
// (a leader's direction in numbered points, a return's reasons one a
// line) reads on several lines in the document's history, and so does a
// refusal's reason beside the document's information — they ran together
// on one line (the line breaks are kept, the page collapsed them).
func TestIntegrationBrowserCommentLines(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s := startServer(t, nil)
	_, clerk, _, _ := officeStaff(t, s)
	text := "1. Bổ sung căn cứ pháp lý.\n2. Sửa lại trích yếu."
	incoming := map[string]any{"direction": "incoming", "type": "CV", "subject": "Về việc góp ý nhiều dòng", "urgency": "normal",
		"confidentiality": "normal", "original_number": "125/UBND-VP", "original_date": "2026-11-20",
		"sender": map[string]any{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"}}
	doc, code := clerk.upload(incoming, testpdf.Make(1, "Cong van den"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	clerk.act(id, "reject", map[string]any{"comment": text})
	b := StartBrowser(t, s.base)
	b.As("clerk", "password-clerk")
	b.Go("/documents/" + id)
	for _, sel := range []string{"ol.history q", "#reject-reason"} {
		if got := Get(b, chromedp.Evaluate[string](`document.querySelector('`+sel+`').innerText`)); got != text {
			t.Errorf("%s reads %q, want %q", sel, got, text)
		}
	}
}
