package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// TestIntegrationBrowserPrintedRegister: the incoming register printed
// by the browser (its print stylesheet: A4 landscape) keeps each
// notation on one line — "1234/QĐ-UBND-VP" broken after a hyphen reads as
// two numbers — while a long subject, a long sender still wrap within
// their columns. Read from the printed PDF with pdftotext, as the paper
// would read.
func TestIntegrationBrowserPrintedRegister(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	s := startServer(t, nil)
	_, clerk, _, _ := officeStaff(t, s)
	notations := []string{"1234/QĐ-UBND-VP", "12345/UBND-VPTTPVHCC-KSTTHC", "56/TTr-SNNPTNT-QLCL"}
	subject := "Về việc triển khai thực hiện kế hoạch rà soát, đánh giá, sắp xếp lại các thủ tục hành chính thuộc thẩm quyền giải quyết của Ủy ban nhân dân cấp huyện và cấp xã trên địa bàn thành phố năm 2026 và các năm tiếp theo"
	sender := "Văn phòng Ủy ban nhân dân thành phố Cần Thơ, Trung tâm Phục vụ hành chính công và Kiểm soát thủ tục hành chính"
	for i, n := range notations {
		doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": fmt.Sprintf("%s (%d)", subject, i+1),
			"urgency": "normal", "confidentiality": "normal", "original_number": n, "original_date": "2026-11-20",
			"sender": map[string]any{"org_id": "000.00.00.H13", "name": sender}}, testpdf.Make(1, "Cong van den"))
		if code != 201 {
			t.Fatalf("upload: %d %v", code, doc)
		}
		clerk.act(doc["id"].(string), "register", nil)
	}
	b := StartBrowser(t, s.base)
	b.As("clerk", "password-clerk")
	b.Go(fmt.Sprintf("/registers/incoming/%d", thisYear()))
	pdf := Get(b, chromedp.PrintToPDF(func(p *page.PrintToPDFParams) { yes := true; p.PreferCSSPageSize = &yes }))
	file := filepath.Join(t.TempDir(), "register.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	if info, err := exec.Command("pdfinfo", file).Output(); err == nil && !regexp.MustCompile(`Page size:\s+841\.\d+ x 59[45]\.\d+ pts`).Match(info) {
		t.Errorf("not printed on A4 landscape:\n%s", info)
	}
	for _, n := range notations {
		if !strings.Contains(text, n) {
			t.Errorf("the notation %q is broken across lines in the printed register:\n%s", n, text)
		}
	}
	// The subject wraps: its first and last words are printed, never on
	// one line.
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "Về việc triển khai") && strings.Contains(line, "năm tiếp theo") {
			t.Errorf("the subject is printed on one line: %q", line)
		}
	}
	for _, w := range []string{"Về việc triển khai", "năm tiếp theo"} {
		if !strings.Contains(text, w) {
			t.Errorf("the printed register lacks %q:\n%s", w, text)
		}
	}
}
