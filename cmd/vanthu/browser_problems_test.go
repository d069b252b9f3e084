package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/web"
)

// TestIntegrationBrowserCreateEveryProblem: a clerk's incoming form
// posted with three mistakes (a date that does not exist, a sender code
// mistyped, the subject left empty) comes back with the three messages
// beside their inputs, the message above saying 3, the focus on the
// first input at fault in the page, what was typed kept; axe finds
// nothing serious on it.
func TestIntegrationBrowserCreateEveryProblem(t *testing.T) {
	base := formServer(t, web.Config{})
	b := StartBrowser(t, base)
	b.As("clerk", "password-clerk")
	b.Go("/incoming/new")
	Get(b, chromedp.Evaluate[bool](`(() => { document.querySelector('form[data-progress]').noValidate = true; return true })()`))
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "congvan.pdf", testpdf.Make(1, "Cong van"))}),
		chromedp.SendKeys(chromedp.CSS(`#original_number`), "12/UBND-VP"),
		chromedp.SendKeys(chromedp.CSS(`#original_date`), "31/02/2026"),
		chromedp.SendKeys(chromedp.CSS(`#sender_name`), "UBND thành phố Cần Thơ"),
		chromedp.SendKeys(chromedp.CSS(`#sender_org_id`), "H13"),
		chromedp.Click(chromedp.CSS(`form[data-progress] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	got := Get(b, chromedp.Evaluate[[]string](`(() => {
  const beside = [...document.querySelectorAll('.field-error')].map(m => {
    const input = document.querySelector('[aria-describedby~="' + m.id + '"]');
    return input ? input.id : '(none)';
  });
  return [document.activeElement.id, beside.join(','), document.querySelector('p.error').innerText.slice(0, 8),
    ['original_date', 'sender_org_id', 'original_number'].map(id => document.getElementById(id).value).join(',')];
})()`))
	want := []string{"original_date", "original_date,sender_org_id,subject", "Có 3 lỗi", "31/02/2026,H13,12/UBND-VP"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the form back with 3 problems: [focused, inputs beside a message, message above, kept] = %q, want %q", got, want)
	}
	b.Shot("create-three-problems")
	axeSerious(t, b, "/incoming/new with three problems")
}
