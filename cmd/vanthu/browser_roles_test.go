package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// screen is a device a role works on: its viewport, and whether it is
// touched (a phone or tablet, emulated as mobile with touch: the page's
// viewport meta applies and the pointer is coarse).
type screen struct {
	name          string
	width, height int64
	touch         bool
}

var (
	phone   = screen{"phone", 360, 740, true}
	tablet  = screen{"tablet", 768, 1024, true}
	desktop = screen{"desktop", 1366, 768, false}
)

// screenProblems is run in each page of a role's path, with the screen's
// width and whether it is touched; it returns what gets in the way:
//   - the page wider than the window (it scrolls sideways; a wide table
//     must scroll inside its own .table-wrap), or visible content left of
//     the window's edge;
//   - the window not the device's width (no viewport meta: a phone would
//     show the page at 980 px, shrunk);
//   - on a touch screen, a control smaller than 44×44 CSS px (WCAG 2.5.5;
//     2.5.8 asks 24): the buttons, button links, the navigation and the
//     inbox's tabs, a pager's links, a check box's row — not a link
//     inside a sentence or a table cell, which WCAG exempts;
//   - text smaller than 12 px;
//   - a heading, button, button link, label, legend, term or tab whose
//     text overflows its box, or a word of which is broken across two
//     lines (a table column squeezed below its words' width);
//   - a list of documents wider than its frame (the due date out of
//     sight: registers may scroll, the lists an official reads may not);
//   - a document's PDF in a frame on a touch screen (a phone's browser
//     leaves it empty) or none on a desktop, or no link to open it.
const screenProblems = `((W, touch) => {
  const out = [];
  const vis = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : '') +
    (e.value ? '[value=' + e.value + ']' : '') + ' "' + (e.innerText || '').trim().slice(0, 40) + '"';
  // Not shown, or shown only to screen readers (clipped to a pixel).
  const hidden = e => {
    if (e.closest('.skip, .visually-hidden, .hidden, .print-only')) return true;
    for (let a = e; a; a = a.parentElement) if (getComputedStyle(a).overflow === 'hidden' && a.getBoundingClientRect().width <= 1) return true;
    return false;
  };
  if (window.innerWidth !== W) out.push('window is ' + window.innerWidth + ' px wide on a ' + W + ' px screen');
  if (document.documentElement.scrollWidth > window.innerWidth) {
    const wide = Array.from(document.querySelectorAll('body *')).filter(e => vis(e) && !hidden(e) && e.getBoundingClientRect().right > window.innerWidth + 1 &&
      !e.closest('.table-wrap')).slice(0, 4).map(e => name(e) + ' right ' + Math.round(e.getBoundingClientRect().right));
    out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' px: ' + wide.join(', '));
  }
  for (const e of document.querySelectorAll('main *, header *, nav *')) {
    if (!vis(e) || hidden(e) || e.closest('.table-wrap')) continue;
    if (e.getBoundingClientRect().left < -1 && (e.innerText || '').trim()) out.push('off the left edge: ' + name(e));
  }
  if (touch) {
    const targets = 'button, a.button, input[type=submit], nav.main a, .tabs a, .pager a, p.check, .actions a, summary';
    for (const e of document.querySelectorAll(targets)) {
      if (!vis(e) || hidden(e)) continue;
      const r = e.getBoundingClientRect();
      if (r.width < 44 - 0.5 || r.height < 44 - 0.5) out.push('tap target ' + Math.round(r.width) + '×' + Math.round(r.height) + ': ' + name(e));
    }
  }
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = w.nextNode());) {
    const p = n.parentElement;
    if (!p || !n.textContent.trim() || !vis(p) || hidden(p) || p.closest('script, style')) continue;
    const px = parseFloat(getComputedStyle(p).fontSize);
    if (px < 12) out.push('text of ' + px + ' px: ' + name(p));
  }
  for (const e of document.querySelectorAll('h1, h2, h3, button, a.button, label, legend, dt, nav.main a, .tabs a, .badge, th')) {
    if (!vis(e) || hidden(e)) continue;
    if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline') out.push('text overflows its box (' + e.scrollWidth + '/' + e.clientWidth + '): ' + name(e));
  }
  // A word (a syllable of Vietnamese, a short word) split across two
  // lines: a column squeezed below its words' width.
  const broken = new Set();
  for (const cell of document.querySelectorAll('td, th, dd, dt, h1, h2, h3, button, a.button, label')) {
    if (!vis(cell) || hidden(cell)) continue;
    const tw = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n; (n = tw.nextNode());) {
      // A certificate's name (CN=…, O=…) or a hash is an identifier
      // that may break anywhere.
      if (n.textContent.includes('=') || n.parentElement.closest('.hash, code, .mono')) continue;
      const re = /[^\s\-\/.,:;()·0-9]{2,12}/gu;
      for (let m; (m = re.exec(n.textContent));) {
        if (!/\p{Ll}/u.test(m[0])) continue; // an acronym, a serial number in hex
        const r = document.createRange();
        r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
        const lines = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top)));
        if (lines.size > 1) broken.add(name(cell.closest('td, th, dd, dt, h1, h2, h3, button, a, label') || cell) + ' at "' + m[0] + '"');
      }
    }
  }
  for (const b of Array.from(broken).slice(0, 5)) out.push('a word broken across lines: ' + b);
  // A list of documents (the inbox, Văn bản đến/đi) fits its frame: its
  // last column (the due date) is not out of sight to the right.
  for (const t of document.querySelectorAll('.table-wrap > table.docs')) {
    const wrap = t.parentElement;
    if (wrap.scrollWidth > wrap.clientWidth + 1) out.push('the list of documents scrolls sideways: ' + wrap.scrollWidth + '/' + wrap.clientWidth + ' px');
  }
  const frame = document.querySelector('iframe.pdf');
  if (frame) {
    const open = document.querySelector('a.pdf-open');
    if (!open || !vis(open)) out.push('no link to open the PDF in the device\'s viewer');
    if (touch && vis(frame)) out.push('a PDF frame on a touch screen (phones leave it empty)');
    if (!touch && frame.getBoundingClientRect().height < 300) out.push('no PDF frame on a desktop');
  }
  return out;
})(%d, %t)`

// roleWalk follows one role's path and checks every page of it on its
// screen: screenProblems, and axe (when VANTHU_TEST_AXE is set), each
// page with a screenshot.
type roleWalk struct {
	t      *testing.T
	b      *Browser
	axe    func() []string
	screen screen
	role   string
	pages  int
}

// at sets the browser's viewport to sc.
func (w *roleWalk) at(sc screen) {
	w.screen = sc
	if sc.touch {
		w.b.Run(chromedp.EmulateViewport(sc.width, sc.height, chromedp.EmulateMobile, chromedp.EmulateTouch))
	} else {
		w.b.Run(chromedp.EmulateViewport(sc.width, sc.height))
	}
}

// check checks the page the browser shows, named what.
func (w *roleWalk) check(what string) {
	w.t.Helper()
	w.pages++
	where := fmt.Sprintf("%s %s %dpx: %s", w.role, w.screen.name, w.screen.width, what)
	w.b.Shot(strings.NewReplacer(" ", "-", "/", "-").Replace(fmt.Sprintf("%s-%s-%s", w.role, w.screen.name, what)))
	for _, p := range Get(w.b, chromedp.Evaluate[[]string](fmt.Sprintf(screenProblems, w.screen.width, w.screen.touch))) {
		w.t.Errorf("%s: %s", where, p)
	}
	if w.axe == nil {
		return
	}
	for _, p := range w.axe() {
		if axeBlocking(p) {
			w.t.Errorf("%s: axe: %s", where, p)
		}
	}
}

// roleSubject and roleSender are long, as a district's documents are: a
// subject of some 300 characters, an agency named in full.
const (
	roleSubject = "Về việc triển khai thực hiện Kế hoạch số 245/KH-UBND ngày 15 tháng 10 năm 2026 của Ủy ban nhân dân thành phố Cần Thơ " +
		"về cải cách hành chính, chuyển đổi số và nâng cao chỉ số hài lòng của người dân, doanh nghiệp đối với sự phục vụ của cơ quan hành chính nhà nước năm 2026"
	roleSender = "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân thành phố Cần Thơ – Trung tâm Phục vụ hành chính công"
)

// TestIntegrationBrowserRoles walks each role's main path on the screen
// it is used on — the official on a phone (360×740) and a tablet
// (768×1024), touched: the inbox, a draft to approve, its page after
// approval, the sign confirmation, the signed page, a comment, the lists
// and registers; the clerk on a desktop (1366×768): two incoming
// documents registered in a row (long subject and agency name), the
// form's tab order, the confirmation, the page after; issuing and
// sending; the archivist: the archive's search and a record — and fails
// on what screenProblems finds on any of these pages, and on a serious
// or critical axe violation.
func TestIntegrationBrowserRoles(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s, ids := walkSite(t)
	handler, officer, clerk := s.login(t, "handler", "password-handler"), s.login(t, "officer", "password-officer"), s.login(t, "clerk", "password-clerk")
	b := StartBrowser(t, s.base)
	w := &roleWalk{t: t, b: b}
	if src := os.Getenv(EnvAxe); src != "" {
		js, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		w.axe = axeCheck(b, string(js))
	}
	draft := func(subject string) string {
		doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "signer_id": ids["officer"], "subject": subject, "urgency": "very_urgent"},
			testpdf.Make(2, "Du thao"))
		if code != 201 {
			t.Fatalf("draft: %d", code)
		}
		handler.act(doc["id"].(string), "submit", nil)
		return doc["id"].(string)
	}
	// The official, between meetings.
	w.role = "officer"
	for _, sc := range []screen{phone, tablet} {
		id := draft(roleSubject + " (" + sc.name + ")")
		w.at(sc)
		b.As("officer", "password-officer")
		w.check("inbox")
		b.Run(chromedp.Click(chromedp.CSS(`table a[href="/documents/`+id+`"]`)), chromedp.WaitVisible(chromedp.CSS(`button[name="action"][value="approve"]`)))
		w.check("document-to-approve")
		b.Run(chromedp.SendKeys(chromedp.CSS(`#comment`), "Đồng ý, đề nghị văn phòng rà soát thể thức trước khi phát hành."),
			chromedp.Click(chromedp.CSS(`button[name="action"][value="comment"]`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
		w.check("commented")
		b.Press("approve")
		w.check("approved")
		b.Ask("sign")
		w.check("confirm-sign")
		b.Run(chromedp.Click(chromedp.CSS(`#confirm a.button`)), chromedp.WaitVisible(chromedp.CSS(`button[name="action"][value="sign"]`)))
		b.Press("sign")
		w.check("signed")
		for _, p := range []string{"/outgoing", "/outgoing?q=ke+hoach", "/incoming", "/registers", fmt.Sprintf("/registers/incoming/%d", thisYear())} {
			b.Go(p)
			w.check(p)
		}
	}
	// The clerk at the desk: incoming documents in a row, then issuing.
	w.role = "clerk"
	w.at(desktop)
	b.As("clerk", "password-clerk")
	w.check("inbox")
	for i := 1; i <= 2; i++ {
		b.Go("/incoming/new")
		w.checkTabOrder("form[data-progress]")
		b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "den.pdf", testpdf.Make(1, "Cong van den"))}),
			chromedp.SendKeys(chromedp.CSS(`input[name="original_number"]`), fmt.Sprintf("%d/UBND-VPTTPVHCC-KSTTHC", 12340+i)),
			chromedp.SendKeys(chromedp.CSS(`input[name="original_date"]`), "20/11/2026"),
			chromedp.SendKeys(chromedp.CSS(`input[name="sender_name"]`), roleSender),
			chromedp.SendKeys(chromedp.CSS(`textarea[name="subject"]`), fmt.Sprintf("%s (%d)", roleSubject, i)))
		w.check("incoming-form")
		b.Run(chromedp.Click(chromedp.CSS(`form[data-progress] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`button[name="action"][value="register"]`)))
		w.check("received")
		w.checkNext("created")
		b.Ask("register")
		w.check("confirm-register")
		b.Run(chromedp.Click(chromedp.CSS(`#confirm button[name="confirm"]`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
		w.check("registered")
		w.checkNext("register")
	}
	b.Go("/?task=issue")
	w.check("inbox-issue")
	signed := Get(b, chromedp.Evaluate[string](`document.querySelector('table a[href^="/documents/"]').getAttribute('href')`))
	b.Go(signed)
	w.check("before-issue")
	b.Press("issue")
	w.check("issued")
	w.checkNext("issue")
	b.Go(fmt.Sprintf("/registers/outgoing/%d", thisYear()))
	w.check("register-outgoing")
	// The archivist: search, a record.
	w.role = "archivist"
	archiveOne(t, clerk, officer, handler, ids)
	b.As("archivist", "password-archivist")
	b.Go("/archive")
	w.check("archive")
	b.Run(chromedp.SendKeys(chromedp.CSS(`#q`), "luu tru ho so"), chromedp.Click(chromedp.CSS(`form[role="search"] button[type="submit"]`)),
		// The results' page, not the form's (which lists records too):
		// its search box holds the words in its value attribute.
		chromedp.WaitVisible(chromedp.CSS(`#q[value="luu tru ho so"]`)), chromedp.WaitVisible(chromedp.CSS(`table a[href^="/archive/"]`)))
	w.check("archive-search")
	// Opened by its address: a click at the centre of a subject wrapped
	// over several lines may fall between them.
	b.Go(Get(b, chromedp.Evaluate[string](`document.querySelector('table a[href^="/archive/"]').getAttribute('href')`)))
	w.check("archive-record")
	t.Logf("checked %d pages", w.pages)
}

func thisYear() int { return time.Now().In(vietnam()).Year() }

// archiveOne archives one more incoming document, as the walk's site has
// one already: the search finds both.
func archiveOne(t *testing.T, clerk, officer, handler *client, ids map[string]string) {
	t.Helper()
	doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": "Về việc lưu trữ hồ sơ " + roleSubject, "urgency": "normal",
		"confidentiality": "normal", "original_number": "77/VP", "original_date": "2026-11-20",
		"sender": map[string]any{"org_id": "000.00.00.H13", "name": roleSender}}, testpdf.Make(1, "Luu tru"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	clerk.act(id, "register", nil)
	officer.act(id, "assign", map[string]any{"assignee_id": ids["handler"], "due_date": "2026-12-31"})
	handler.act(id, "start", nil)
	handler.act(id, "complete", nil)
	clerk.act(id, "archive", nil)
}

// checkTabOrder tabs through the form sel from its first control and
// fails when the focus goes back up the page (a control reached after
// one below it) or skips a control of the form, or when any element of
// the page has a positive tabindex.
func (w *roleWalk) checkTabOrder(sel string) {
	w.t.Helper()
	if n := Get(w.b, chromedp.Evaluate[int](`document.querySelectorAll('[tabindex]:not([tabindex="0"]):not([tabindex="-1"])').length`)); n > 0 {
		w.t.Errorf("%s: %d elements with a positive tabindex", w.role, n)
	}
	controls := Get(w.b, chromedp.Evaluate[[]string](fmt.Sprintf(`Array.from(document.querySelectorAll(%q + ' :is(input, select, textarea, button)')).filter(e => e.type !== 'hidden' && !e.disabled && e.getClientRects().length).map(e => e.id || e.name || e.tagName)`, sel)))
	Get(w.b, chromedp.Evaluate[bool](fmt.Sprintf(`(Array.from(document.querySelectorAll(%q + ' :is(input, select, textarea)')).find(e => e.type !== 'hidden').focus(), true)`, sel)))
	var seen []string
	lastTop, lastLeft := -1.0, -1.0
	for range controls {
		pos := Get(w.b, chromedp.Evaluate[[]any](`(() => { const e = document.activeElement, r = e.getBoundingClientRect(); return [e.id || e.name || e.tagName, r.top + scrollY, r.left]; })()`))
		id, top, left := pos[0].(string), pos[1].(float64), pos[2].(float64)
		// Below the previous one, or beside it (a row of the grid).
		if top < lastTop-2 && !(left > lastLeft && top > lastTop-60) {
			w.t.Errorf("%s: Tab goes up the page to %s (top %.0f after %.0f)", w.role, id, top, lastTop)
		}
		seen = append(seen, id)
		lastTop, lastLeft = top, left
		w.b.Run(chromedp.KeyEvent("\t"))
	}
	if strings.Join(seen, " ") != strings.Join(controls, " ") {
		w.t.Errorf("%s: Tab order\n%v\nnot the form's order\n%v", w.role, seen, controls)
	}
}

// checkNext fails unless the page after an action says what was done
// (the flash) and what comes next (#next, with a link or a button to do it).
func (w *roleWalk) checkNext(action string) {
	w.t.Helper()
	flash := Get(w.b, chromedp.Evaluate[string](`(document.querySelector('p.flash') || {}).innerText || ''`))
	next := Get(w.b, chromedp.Evaluate[string](`(document.querySelector('#next') || {}).innerText || ''`))
	acts := Get(w.b, chromedp.Evaluate[int](`document.querySelectorAll('#next a[href], #next button').length`))
	if flash == "" || next == "" {
		w.t.Errorf("%s after %s: says %q, and next %q", w.role, action, flash, next)
	}
	if acts == 0 && Get(w.b, chromedp.Evaluate[int](`document.querySelectorAll('button[name="action"]').length`)) == 0 {
		w.t.Errorf("%s after %s: nothing to do next: %q", w.role, action, next)
	}
}
