package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// focusStop describes the focused element and whether its focus can be
// seen (an outline of at least 2 px, or a box shadow): "tag#id name=…
// “text”" and "" or a complaint. The focus inside a page's PDF frame
// (chromium's viewer, whose own controls Tab passes through) is noted,
// not judged.
const focusStop = `(() => {
  const e = document.activeElement;
  // Chromium's PDF viewer keeps the focus in frames of its own: the page
  // sees its body focused, or the iframe (which matches no :focus).
  const isPDF = f => f.contentDocument && f.contentDocument.contentType === 'application/pdf';
  if (e && e.tagName === 'IFRAME' && isPDF(e)) return ['(inside the PDF frame)', ''];
  if ((!e || e === document.body) && Array.from(document.querySelectorAll('iframe')).some(isPDF)) return ['(inside the PDF frame)', ''];
  if (!e || e === document.body) return ['body', 'nothing has the focus'];
  const cs = getComputedStyle(e);
  const seen = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
  const r = e.getBoundingClientRect();
  const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? ' name=' + e.name : '') +
    (e.value && e.tagName === 'BUTTON' ? ' value=' + e.value : '') + ' "' + (e.innerText || '').trim().slice(0, 40) + '"';
  let why = '';
  if (!seen) why = 'no visible focus ring';
  else if (r.width === 0 || r.height === 0 || r.right < 0 || r.bottom < 0) why = 'focused but off screen';
  return [name, why];
})()`

// tabTo presses Tab until the focused element matches the CSS selector
// sel, at most max times, and fails the test if it is not reached; on
// the way, every element that takes the focus must show it. It returns
// the elements passed.
func tabTo(t *testing.T, b *Browser, sel string, max int) []string {
	t.Helper()
	var passed []string
	for i := 0; i < max; i++ {
		b.Run(chromedp.KeyEvent(kb.Tab))
		stop := Get(b, chromedp.Evaluate[[]string](focusStop))
		passed = append(passed, stop[0])
		if stop[1] != "" {
			t.Errorf("Tab to %s: %s: %s", sel, stop[0], stop[1])
		}
		if Get(b, chromedp.Evaluate[bool](fmt.Sprintf(`document.activeElement.matches(%q)`, sel))) {
			return passed
		}
	}
	t.Fatalf("%s not reached in %d presses of Tab: %s", sel, max, strings.Join(passed, " → "))
	return nil
}

// waitPDF waits (up to 20 s) until the page's PDF frame has loaded its
// file, and a moment more for chromium's viewer to start.
func waitPDF(t *testing.T, b *Browser) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if Get(b, chromedp.Evaluate[bool](`Array.from(document.querySelectorAll('iframe')).every(f => f.contentDocument && f.contentDocument.readyState === 'complete')`)) {
			time.Sleep(time.Second)
			return
		}
	}
	t.Fatal("the PDF frame did not load in 20 s")
}

// stillOn fails the test unless the focus is (still) on sel: before a
// key is pressed there.
func stillOn(t *testing.T, b *Browser, sel string) {
	t.Helper()
	if !Get(b, chromedp.Evaluate[bool](fmt.Sprintf(`document.activeElement.matches(%q)`, sel))) {
		t.Fatalf("the focus left %s for %s", sel, Get(b, chromedp.Evaluate[[]string](focusStop))[0])
	}
}

// TestIntegrationBrowserKeyboard: the clerk's main flow — sign in, open
// the incoming list, receive a paper document, register it, confirm, and
// land in the first field of the next one's form —
// done with the keyboard alone (Tab, typing, arrow keys, Enter; chromedp
// key events), every focused element showing its focus ring, the skip
// link first on a page and leading into the main content. The one step
// that is not the page's is choosing the PDF: the operating system's file
// dialog is set with SetUploadFiles. A form the server sends back puts
// the focus on the input at fault, described by its message.
func TestIntegrationBrowserKeyboard(t *testing.T) {
	s := startServer(t, nil)
	addUsers(t, s, [4]string{"clerk", "Lê Thị Văn Thư", "Văn thư", "clerk"})
	b := StartBrowser(t, s.base)
	b.Go("/login")
	if !Get(b, chromedp.Evaluate[bool](`document.activeElement.id === 'username'`)) {
		t.Fatal("the login page does not start in the user name field")
	}
	b.Run(chromedp.KeyEvent("clerk"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("password-clerk"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`nav.main`)))

	// The skip link comes first, shows itself, and leads into main.
	tabTo(t, b, `a.skip`, 1)
	if left := Get(b, chromedp.Evaluate[float64](`document.activeElement.getBoundingClientRect().left`)); left < 0 {
		t.Errorf("the focused skip link is off screen (left %.0f px)", left)
	}
	b.Run(chromedp.KeyEvent(kb.Enter))
	if !Get(b, chromedp.Evaluate[bool](`document.activeElement.id === 'main'`)) {
		t.Error("the skip link does not move the focus to the main content")
	}
	b.Go("/") // from the top again: the menu
	tabTo(t, b, `nav.main a[href="/incoming"]`, 12)
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`a[href="/incoming/new"]`)))
	tabTo(t, b, `a[href="/incoming/new"]`, 16)
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`input[name="file"]`)))
	// The form starts in its first field.
	stillOn(t, b, `input[name="file"]`)
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "den.pdf", testpdf.Make(1, "Cong van den"))}))
	// Then each field in the order it is shown, as a clerk goes down the
	// form; a select changed with the arrow keys.
	subject := "Về việc rà soát thủ tục hành chính năm 2026"
	typeBefore := Get(b, chromedp.Evaluate[string](`document.querySelector('select[name="type"]').value`))
	for _, f := range []struct{ sel, keys string }{
		{`select[name="type"]`, kb.ArrowDown},
		{`input[name="original_number"]`, "45/SNV-VP"},
		{`input[name="original_date"]`, "20/11/2026"},
		{`input[name="sender_name"]`, "Sở Nội vụ thành phố Cần Thơ"},
		{`input[name="sender_org_id"]`, "000.00.19.H13"},
		{`textarea[name="subject"]`, subject},
	} {
		tabTo(t, b, f.sel, 8)
		b.Run(chromedp.KeyEvent(f.keys))
	}
	if after := Get(b, chromedp.Evaluate[string](`document.querySelector('select[name="type"]').value`)); after == typeBefore {
		t.Errorf("the arrow key left the document type at %q", after)
	}
	tabTo(t, b, `form[data-progress] button[type="submit"]`, 6)
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`button[name="action"][value="register"]`)))
	mustContain(t, "the received document", b.Text("main"), subject, "45/SNV-VP", "Sở Nội vụ thành phố Cần Thơ", "20/11/2026")

	// Vào sổ: the button, then its confirmation, by the keyboard — once
	// the PDF viewer has loaded (it may take the focus when it does).
	waitPDF(t, b)
	t.Logf("Tab stops to Vào sổ: %s", strings.Join(tabTo(t, b, `button[name="action"][value="register"]`, 80), " → "))
	stillOn(t, b, `button[name="action"][value="register"]`)
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`#confirm button[name="confirm"][value="register"]`)))
	tabTo(t, b, `#confirm button[name="confirm"]`, 20)
	b.Run(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	// On to the next paper document: its form, the focus in its first
	// field, the registration announced (role=status) and named.
	mustContain(t, "the form after Vào sổ", b.Text("main"), "Đã vào sổ văn bản đến.", "Số đến 1/", subject, "Tiếp nhận văn bản đến")
	if said := Get(b, chromedp.Evaluate[string](`document.querySelector('p.flash[role="status"]').innerText`)); said != "Đã vào sổ văn bản đến." {
		t.Errorf("the status says %q", said)
	}
	stillOn(t, b, `input[name="file"]`)

	// A form the server sends back (a date that does not exist): the
	// focus is on the date, and Tab goes on into the form.
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "den2.pdf", testpdf.Make(1, "Cong van den"))}))
	for _, f := range []struct{ sel, keys string }{
		{`input[name="original_number"]`, "46/SNV-VP"},
		{`input[name="original_date"]`, "31/02/2026"},
		{`input[name="sender_name"]`, "Sở Nội vụ thành phố Cần Thơ"},
		{`textarea[name="subject"]`, "Về việc ngày không có thật"},
		{`form[data-progress] button[type="submit"]`, kb.Enter},
	} {
		tabTo(t, b, f.sel, 8)
		b.Run(chromedp.KeyEvent(f.keys))
	}
	b.Run(chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	// The focus is on the input at fault, which keeps what was typed and
	// is described by its message beside it.
	if got := Get(b, chromedp.Evaluate[[]string](focusedProblem)); len(got) != 4 || got[0] != "original_date" || got[1] != "true" ||
		got[2] != "31/02/2026" || !strings.Contains(got[3], "Ngày văn bản “31/02/2026” không hợp lệ") {
		t.Errorf("the form came back with a problem; focused [id, aria-invalid, value, description] = %q, want the date, invalid, kept, described by its message", got)
	}
	tabTo(t, b, `input[name="sender_name"]`, 1)
}

// focusedProblem is the focused element's id, aria-invalid, value, and
// the text of what its aria-describedby names.
const focusedProblem = `(() => {
  const e = document.activeElement;
  const said = (e.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)
    .map(id => { const d = document.getElementById(id); return d ? d.innerText : '(missing ' + id + ')'; }).join(' | ');
  return [e.id || e.tagName, e.getAttribute('aria-invalid') || '', e.value || '', said];
})()`
