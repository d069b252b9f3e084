package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// EnvAxe names axe-core's axe.min.js, Deque's accessibility engine, which
// TestIntegrationBrowserAxe injects into every page (scripts/setup/web.sh
// installs it with npm and exports the path).
const EnvAxe = "VANTHU_TEST_AXE"

// axeTags are the WCAG 2.0 and 2.1 success criteria of levels A and AA
// (the level Circular 26/2020/TT-BTTTT asks of government web services):
// their serious and critical violations fail the test.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// axeAdvice are run too and only logged: WCAG 2.2's new criteria and
// Deque's best practices (landmarks, heading order, ...).
var axeAdvice = []string{"wcag22aa", "best-practice"}

// axeRun runs axe on the page and returns one line per element of each
// violation: "impact rule: help — element (what to fix)", prefixed with
// "advice " when the rule is none of axeTags' and lines "review …" for
// what axe could not decide (incomplete: a person must look).
var axeRun = fmt.Sprintf(`(() => {
  const tags = %s, advice = %s;
  const line = (v, n) => (v.impact || 'minor') + ' ' + v.id + ': ' + v.help + ' — ' + n.target.join(' ') +
    (n.failureSummary ? ' (' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 200) + ')' : '');
  return axe.run(document, {runOnly: {type: 'tag', values: tags.concat(advice)}, resultTypes: ['violations', 'incomplete']})
    .then(r => r.violations.flatMap(v => v.nodes.map(n => (v.tags.some(t => tags.includes(t)) ? '' : 'advice ') + line(v, n)))
      .concat(r.incomplete.flatMap(v => v.nodes.map(n => 'review ' + line(v, n)))));
})()`, jsStrings(axeTags), jsStrings(axeAdvice))

// jsStrings writes a JavaScript array of strings.
func jsStrings(ss []string) string { return "['" + strings.Join(ss, "', '") + "']" }

// axeCheck returns the check walkPages runs on each page: axe injected
// (unless the page has it already) and run.
func axeCheck(b *Browser, src string) func() []string {
	return func() []string {
		Get(b, chromedp.Evaluate[bool](`typeof axe !== 'undefined' || (() => {`+src+"\n;return true})()"))
		return Get(b, chromedp.Evaluate[[]string](axeRun, chromedp.EvalAwaitPromise))
	}
}

// axeBlocking reports whether a violation line (axeRun's) is of impact
// serious or critical, which fails the test; moderate and minor ones are
// logged.
func axeBlocking(line string) bool {
	return strings.HasPrefix(line, "serious ") || strings.HasPrefix(line, "critical ")
}

// TestIntegrationBrowserAxe walks the pages TestIntegrationBrowserWalk
// walks — every page each role reaches, the confirmation pages, at 1366
// and 360 px — and a few the links never show (axeStates, axeRefused, axeOutbox), and runs axe-core on each with the WCAG 2.0/2.1 A and AA
// rules: a violation of impact serious or critical fails it; moderate
// and minor ones, the advice (axeAdvice) and what axe leaves to a person
// are logged and counted.
func TestIntegrationBrowserAxe(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	path := os.Getenv(EnvAxe)
	if path == "" {
		t.Skipf("%s is not set: no axe-core to run (scripts/setup/web.sh installs it and sets it)", EnvAxe)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", EnvAxe, err)
	}
	s, ids := walkSite(t)
	b := StartBrowser(t, s.base)
	check := axeCheck(b, string(src))
	problems, pages := walkPages(b, ids, false, check)
	states := axeStates(t, b, check)
	for where, ps := range axeRefused(t, s, b, check) {
		states[where] = ps
	}
	for where, ps := range axeOutbox(t, s, b, check) {
		states[where] = ps
	}
	for where, ps := range states {
		pages++
		for _, p := range ps {
			problems[p] = append(problems[p], where)
		}
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	counts := map[string]int{}
	for _, k := range keys {
		where := problems[k]
		impact, _, _ := strings.Cut(k, " ")
		counts[impact] += len(where)
		msg := fmt.Sprintf("%s\n\ton %d pages, e.g. %s", k, len(where), strings.Join(where[:min(3, len(where))], "; "))
		if axeBlocking(k) {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
	t.Logf("axe-core (%s) on %d page views, elements × pages: %d critical, %d serious, %d moderate, %d minor violations; "+
		"%d of the advice (%s), %d for a person to review",
		strings.Join(axeTags, ", "), pages, counts["critical"], counts["serious"], counts["moderate"], counts["minor"],
		counts["advice"], strings.Join(axeAdvice, ", "), counts["review"])
}

// axeStates brings about pages the walk's links never show — a failed
// sign-in, the incoming form sent back with a problem (posted through
// app.js's upload, as a clerk's is), the check of an uploaded PDF on
// /verify — and runs check on each; it returns what check found by page.
func axeStates(t *testing.T, b *Browser, check func() []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	b.Run(chromedp.EmulateViewport(1366, 800))
	b.As("clerk", "password-clerk")
	b.Go("/incoming/new")
	// Sent without a sender: the browser's own check (required) is
	// turned off so that the server's answer is seen.
	Get(b, chromedp.Evaluate[bool](`(() => { const f = document.querySelector('form[data-progress]'); f.noValidate = true; return true })()`))
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "den.pdf", testpdf.Make(1, "Cong van den"))}),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="subject"]`), "Về việc thiếu cơ quan gửi"),
		chromedp.Click(chromedp.CSS(`form[data-progress] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	out["clerk 1366px /incoming/new with a problem"] = check()
	b.Go("/verify")
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "kiem-tra.pdf", testpdf.Make(1, "Kiem tra"))}),
		chromedp.Click(chromedp.CSS(`form[action="/verify"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result`)))
	out["clerk 1366px /verify with a result"] = check()
	b.Run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	}))
	b.Go("/login")
	b.Run(chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), "clerk"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "sai-mat-khau"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	out["signed out 1366px /login refused"] = check()
	return out
}

// axeBadPage has one fault of each kind the fixes of the templates dealt
// with, or the walk looks for: no lang, an input without a label, pale
// text, an image without alt text, a button without a name, a table
// scrolling sideways that the keyboard cannot reach.
const axeBadPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Trang lỗi</title></head><body><main>
<h1>Trang lỗi</h1><input name="q"><p style="color:#bbb">chữ mờ</p><img src="data:,"><button></button>
<div style="overflow-x:auto;width:120px"><table><tr><td style="white-space:nowrap">một dòng rất dài không xuống dòng được nữa</td></tr></table></div>
</main></body></html>`

// TestIntegrationBrowserAxeFinds: the check TestIntegrationBrowserAxe
// runs does find, as serious or critical, what is wrong with a page made
// wrong on purpose — so that its silence on the real pages means
// something.
func TestIntegrationBrowserAxeFinds(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	path := os.Getenv(EnvAxe)
	if path == "" {
		t.Skipf("%s is not set: no axe-core to run (scripts/setup/web.sh installs it and sets it)", EnvAxe)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", EnvAxe, err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, axeBadPage)
	}))
	defer srv.Close()
	b := StartBrowser(t, srv.URL)
	b.Run(chromedp.EmulateViewport(1366, 800))
	b.Go("/")
	found := map[string]bool{}
	lines := axeCheck(b, string(src))()
	for _, l := range lines {
		if axeBlocking(l) {
			rule, _, _ := strings.Cut(strings.SplitN(l, " ", 2)[1], ":")
			found[rule] = true
		}
	}
	for _, rule := range []string{"html-has-lang", "label", "color-contrast", "image-alt", "button-name", "scrollable-region-focusable"} {
		if !found[rule] {
			t.Errorf("axe did not report %s as serious or critical; it said:\n%s", rule, strings.Join(lines, "\n"))
		}
	}
}
