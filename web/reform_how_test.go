package web

import (
	"html"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReformPageSaysHowFiguresCount: below the reform report's table,
// each figure says what its "Đạt" and "Trên tổng" count — a figure
// "chưa có số liệu" (no due date in the period) or "0,0%" (every letter
// came on paper) was a number without a word on what it counts. Every
// figure the workflow computes has its text.
func TestReformPageSaysHowFiguresCount(t *testing.T) {
	e := newTestEnv(t)
	withPages(t, e)
	body := html.UnescapeString(e.login("lanhdao").get("/reports/reform?from=01/01/2026&to=25/11/2026").Body)
	i := strings.Index(body, `id="reform-how"`)
	if i < 0 {
		t.Fatalf("no explanation of the figures:\n%s", body)
	}
	how := body[i:]
	for _, f := range workflow.ReformFigures(workflow.ReformCounts{}) {
		text := reformHow[f.Key]
		if text == "" || !strings.Contains(text, "Trên tổng:") || !strings.Contains(text, "Đạt:") {
			t.Errorf("%s: explained %q", f.Key, text)
			continue
		}
		if !strings.Contains(how, "<dt>"+f.Label+"</dt><dd>"+text+"</dd>") {
			t.Errorf("the page does not explain %s", f.Key)
		}
	}
	for _, want := range []string{"văn bản không ghi hạn xử lý không tính", "bản giấy văn thư nhập vào"} {
		if !strings.Contains(how, want) {
			t.Errorf("the explanation lacks %q", want)
		}
	}
}
