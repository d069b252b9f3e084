package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// pageProblems is run in each page: what a person on a phone or with a
// screen reader would stumble on. The page is wider than the window
// (outside a scrolling table); an input, select or text area without a
// label; a button or link without a name; an image without alt text; a
// visible text that reads as English (outside lang="en", code and
// hashes).
const pageProblems = `(() => {
  const out = [];
  const vis = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const W = window.innerWidth;
  if (document.documentElement.scrollWidth > W) {
    const wide = Array.from(document.querySelectorAll('body *')).filter(e => vis(e) && e.getBoundingClientRect().right > W + 1 &&
      !e.closest('.table-wrap')).slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (e.className ? '.' + String(e.className).replace(/ /g, '.') : '') + ' ' + Math.round(e.getBoundingClientRect().right));
    out.push('wider than the window: ' + document.documentElement.scrollWidth + ' px: ' + wide.join(', '));
  }
  for (const e of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type)) continue;
    const ok = (e.id && document.querySelector('label[for="' + CSS.escape(e.id) + '"]')) || e.closest('label') ||
      e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.title;
    if (!ok) out.push('unlabelled ' + e.tagName.toLowerCase() + ' name=' + e.name);
  }
  for (const e of document.querySelectorAll('button, a[href], input[type=submit]')) {
    const img = e.querySelector('img[alt]');
    const name = (e.innerText || e.value || e.getAttribute('aria-label') || e.title || (img ? img.alt : '') || '').trim();
    if (!name && vis(e)) out.push('unnamed ' + e.outerHTML.slice(0, 100));
  }
  for (const e of document.querySelectorAll('img')) if (!e.hasAttribute('alt')) out.push('image without alt: ' + e.getAttribute('src'));
  const en = /\b(the|and|of|is|are|not|with|from|was|has|this|that|cannot|error|invalid|signature|none|true|false|null|undefined|unknown)\b/i;
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = w.nextNode());) {
    const p = n.parentElement;
    if (!p || !vis(p) || p.closest('[lang="en"], code, pre, .hash, .mono, script, style, textarea')) continue;
    const t = n.textContent.trim();
    if (t && en.test(t)) out.push('English? ' + t.slice(0, 160));
  }
  for (const e of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
    for (const a of ['placeholder', 'title', 'aria-label']) {
      const t = e.getAttribute(a);
      if (t && en.test(t)) out.push('English ' + a + '? ' + t.slice(0, 120));
    }
  }
  return out;
})()`

// walkSkip are links the walk does not open: files, downloads, previews,
// and leaving.
func walkSkip(href string) bool {
	u, err := url.Parse(href)
	if err != nil || u.Path == "/logout" || strings.HasPrefix(u.Path, "/static/") || strings.HasPrefix(u.Path, "/api/") {
		return true
	}
	q := u.Query()
	for _, s := range []string{"/file", "/object", "/package", "/page/", "csv", "/json", "/print", "/export"} {
		if strings.Contains(u.Path, s) {
			return true
		}
	}
	return q.Get("download") != "" || q.Get("format") != ""
}

// irreversibleButtons are the document page's actions that ask first
// (web/confirm.go): pressing them shows a confirmation page and changes
// nothing.
var irreversibleButtons = []string{"sign", "issue", "send", "archive", "register", "reject", "return", "assign", "complete",
	"request_revoke", "accept_revoke", "refuse_revoke"}

// TestIntegrationBrowserWalk walks every page each role reaches by its
// links — and the confirmation page of every irreversible button there,
// and of an account's lock and password reset — at a phone's 360 px and
// a desktop's 1366 px, and fails on what pageProblems finds and on a
// confirmation page whose way back does not lead to the page it came
// from.
func TestIntegrationBrowserWalk(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s, ids := walkSite(t)
	b := StartBrowser(t, s.base)
	problems, pages := walkPages(b, ids, true, func() []string { return Get(b, chromedp.Evaluate[[]string](pageProblems)) })
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		where := problems[k]
		t.Errorf("%s\n\ton %d pages, e.g. %s", k, len(where), strings.Join(where[:min(3, len(where))], "; "))
	}
	t.Logf("checked %d page views", pages)
}

// walkSite starts a server with a clerk, an official, a handler and an
// archivist, and documents in the states they meet (received, registered,
// being handled, archived; issued, approved, submitted); it returns the
// server and the users' ids.
func walkSite(t *testing.T) (*server, map[string]string) {
	t.Helper()
	s := startServer(t, nil)
	ids := addUsers(t, s,
		[4]string{"clerk", "Lê Thị Văn Thư", "Văn thư", "clerk"},
		[4]string{"officer", "Trần Văn Quyết", "Chủ tịch", "officer"},
		[4]string{"handler", "Phạm Thị Chuyên", "Chuyên viên", "handler"},
		[4]string{"archivist", "Đỗ Thị Lưu Trữ", "Lưu trữ viên", "archivist"})
	clerk, officer := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer")
	handler := s.login(t, "handler", "password-handler")
	incoming := func(subject string, steps ...string) {
		doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": subject, "urgency": "urgent",
			"confidentiality": "normal", "original_number": "125/UBND-VP", "original_date": "2026-11-20",
			"sender": map[string]any{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"}}, testpdf.Make(1, "Cong van den"))
		if code != 201 {
			t.Fatalf("upload: %d", code)
		}
		id := doc["id"].(string)
		for _, a := range steps {
			switch a {
			case "assign":
				officer.act(id, a, map[string]any{"assignee_id": ids["handler"], "due_date": "2026-12-31"})
			case "start", "complete":
				handler.act(id, a, nil)
			default:
				clerk.act(id, a, nil)
			}
		}
	}
	incoming("Về việc tiếp nhận hồ sơ đất đai")
	incoming("Về việc phân công xử lý kiến nghị cử tri", "register")
	incoming("Về việc báo cáo tình hình thu ngân sách", "register", "assign", "start")
	incoming("Về việc lưu trữ hồ sơ năm 2025", "register", "assign", "start", "complete", "archive")
	outgoing := map[string]any{"direction": "outgoing", "type": "QĐ", "signer_id": ids["officer"]}
	outgoing["subject"] = "Quyết định ban hành quy chế làm việc"
	issueOutgoing(t, handler, officer, clerk, outgoing, testpdf.Make(1, "Quyet dinh"))
	outgoing["subject"] = "Quyết định chờ ký số"
	doc, _ := handler.upload(outgoing, testpdf.Make(1, "Quyet dinh"))
	handler.act(doc["id"].(string), "submit", nil)
	officer.act(doc["id"].(string), "approve", nil)
	outgoing["subject"] = "Tờ trình chờ duyệt"
	doc, _ = handler.upload(outgoing, testpdf.Make(1, "To trinh"))
	handler.act(doc["id"].(string), "submit", nil)
	// A draft returned to its drafter: the handler's walk reaches its
	// revision form (Sửa dự thảo) from the notice at the page's top.
	outgoing["subject"] = "Kế hoạch bị trả lại"
	doc, _ = handler.upload(outgoing, testpdf.Make(1, "Ke hoach"))
	handler.act(doc["id"].(string), "submit", nil)
	officer.act(doc["id"].(string), "return", map[string]any{"comment": "Bổ sung kinh phí"})
	return s, ids
}

// walkPages opens the login page signed out, then, for each role, every
// page it reaches by its links (and the error page, and for the admin a
// user's page) at 1366 and 360 px, and the confirmation page of each
// button there that asks first; check runs on each of them. It returns
// what check found, each problem with where it was found, and how many
// page views it checked; with shots, it takes one screenshot of each kind
// of page and of one confirmation per role at 360 px.
func walkPages(b *Browser, ids map[string]string, shots bool, check func() []string) (map[string][]string, int) {
	b.t.Helper()
	problems := map[string][]string{} // problem -> where
	pages := 0
	note := func(where string, ps []string) {
		for _, p := range ps {
			problems[p] = append(problems[p], where)
		}
	}
	for _, width := range []int64{1366, 360} {
		b.Run(chromedp.EmulateViewport(width, 800))
		b.Go("/login")
		pages++
		note(fmt.Sprintf("signed out %dpx /login", width), check())
	}
	shot := map[string]bool{} // one screenshot of each confirmation at 360 px
	for _, role := range []string{"clerk", "officer", "handler", "archivist", "admin"} {
		pw := "password-" + role
		if role == "admin" {
			pw = "admin-password-1"
		}
		b.Run(chromedp.EmulateViewport(1366, 768))
		b.As(role, pw)
		paths := append(walkLinks(b), "/documents/khong-co-van-ban-nay") // and the error page
		if role == "admin" {
			paths = append(paths, "/admin/users/"+ids["handler"])
		}
		b.t.Logf("%s: %d pages: %s", role, len(paths), strings.Join(paths, " "))
		for _, width := range []int64{1366, 360} {
			b.Run(chromedp.EmulateViewport(width, 800))
			for _, p := range paths {
				b.Go(p)
				pages++
				where := fmt.Sprintf("%s %dpx %s", role, width, p)
				note(where, check())
				if kind := idRe.ReplaceAllString(p, "ID"); shots && width == 360 && !shot[kind] {
					shot[kind] = true
					b.Shot(strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(strings.Trim(kind, "/")) + "-360")
				}
				take := shots && width == 360 && !shot[role]
				for _, c := range confirmations(b, p, take, check) {
					shot[role] = shot[role] || take
					pages++
					note(where+" → "+c.name, c.problems)
				}
			}
		}
	}
	return problems, pages
}

// walkLinks opens every same-server page reachable by links from the
// inbox (breadth first, at most 60) and returns their paths.
func walkLinks(b *Browser) []string {
	b.t.Helper()
	seen := map[string]bool{"/": true}
	queue := []string{"/"}
	for i := 0; i < len(queue) && len(queue) < 60; i++ {
		b.Go(queue[i])
		for _, href := range Get(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('a[href^="/"]')).map(a => a.getAttribute('href'))`)) {
			if walkSkip(href) {
				continue
			}
			u, _ := url.Parse(href)
			key := yearRe.ReplaceAllString(u.Path, "/YYYY") // one year of each register
			// One of each list filter and page, not every combination.
			if u.RawQuery != "" && !strings.HasPrefix(u.Path, "/admin") {
				key = u.Path + "?" + firstParam(u.Query())
			}
			if !seen[key] {
				seen[key] = true
				queue = append(queue, href)
			}
		}
	}
	return queue
}

var (
	yearRe = regexp.MustCompile(`/\d{4}$`)
	idRe   = regexp.MustCompile(`[0-9a-f]{21}`)
)

func firstParam(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, "&")
}

type confirmation struct {
	name     string
	problems []string
}

// confirmations presses each button of page path that asks first and
// checks its confirmation page (check, and that its way back leads back
// to path), coming back to path after each.
func confirmations(b *Browser, path string, shots bool, check func() []string) []confirmation {
	b.t.Helper()
	var buttons []string
	switch {
	case strings.HasPrefix(path, "/documents/"):
		have := Get(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('button[name="action"]')).map(e => e.value)`))
		for _, a := range irreversibleButtons {
			if slices.Contains(have, a) {
				buttons = append(buttons, fmt.Sprintf(`button[name="action"][value="%s"]`, a))
			}
		}
	case strings.HasPrefix(path, "/admin/users/") && path != "/admin/users/import":
		buttons = []string{`button[name="action"][value="password"]`, `#disabled`}
	}
	var out []confirmation
	for _, sel := range buttons {
		b.Go(path)
		if strings.Contains(sel, `"assign"`) {
			Get(b, chromedp.Evaluate[bool](`(() => { const s = document.querySelector('select[name="assignee_id"]'); s.selectedIndex = s.options.length - 1; return true })()`))
		}
		if sel == `#disabled` {
			b.Run(chromedp.Click(chromedp.CSS(sel)))
			sel = `button[name="action"][value="update"]`
		}
		clickAndWait(b, sel)
		c := confirmation{name: sel}
		if !Get(b, chromedp.Evaluate[bool](`document.querySelector('#confirm') !== null`)) {
			// An admin locking their own account is refused at once.
			why := strings.TrimSpace(Get(b, chromedp.Evaluate[string](`(document.querySelector('.error') || document.querySelector('h1') || {}).innerText || ''`)))
			if !strings.Contains(why, "Không thể tự khóa") {
				c.problems = append(c.problems, "no confirmation page: "+why)
			}
			out = append(out, c)
			continue
		}
		c.problems = check()
		if shots {
			b.Shot("confirm-" + strings.Trim(strings.TrimPrefix(sel, `button[name="action"][value=`), `"]`))
		}
		back := Get(b, chromedp.Evaluate[string](`(document.querySelector('#confirm a.button') || {}).getAttribute?.('href') || ''`))
		if back != path {
			c.problems = append(c.problems, fmt.Sprintf("way back goes to %q, not %q", back, path))
		} else {
			clickAndWait(b, `#confirm a.button`)
			if loc := Get(b, chromedp.Location()); !strings.HasSuffix(loc, path) {
				c.problems = append(c.problems, "way back leads to "+loc)
			}
		}
		out = append(out, c)
	}
	return out
}

// clickAndWait clicks sel and waits until another page has loaded.
func clickAndWait(b *Browser, sel string) {
	b.t.Helper()
	Get(b, chromedp.Evaluate[bool](`window.__walkOld = true`))
	b.Run(chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(StepTimeout)
	for {
		var loaded bool
		// Evaluating while the page is replaced fails: try again.
		_ = b.step(func(ctx context.Context) (err error) {
			loaded, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__walkOld === undefined && document.readyState === 'complete'`))
			return err
		})
		if loaded {
			break
		}
		if time.Now().After(deadline) {
			b.fail(fmt.Errorf("clicking %s loaded no page", sel))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
