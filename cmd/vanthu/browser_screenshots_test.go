package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// EnvScreenshots names the directory TestIntegrationBrowserScreenshots
// saves its screenshots to; without it, it takes none and only checks.
const EnvScreenshots = "VANTHU_SCREENSHOTS"

// shotSubjects are incoming subjects of a real length, for the register.
var shotSubjects = []string{
	"Về việc tăng cường công tác phòng, chống thiên tai và tìm kiếm cứu nạn mùa mưa bão năm 2026 trên địa bàn quận",
	"Về việc triển khai thực hiện Nghị định số 30/2020/NĐ-CP của Chính phủ về công tác văn thư",
	"Về việc góp ý dự thảo Quyết định ban hành Quy chế phối hợp quản lý nhà nước về đất đai",
	"Về việc báo cáo kết quả thực hiện chương trình mục tiêu quốc gia xây dựng nông thôn mới",
	"Về việc tổ chức kiểm tra công tác cải cách hành chính năm 2026",
	"Về việc đề nghị cung cấp thông tin phục vụ công tác thanh tra",
}

// TestIntegrationBrowserScreenshots saves full-page screenshots of every
// main page, as each role sees it, at a desktop's 1366 px and a phone's
// 390 px, to the directory $VANTHU_SCREENSHOTS (none without it): for a
// person to look at; and fails on what shotProblems and the walk's
// pageProblems find in them. The site has documents in each state, incoming and
// outgoing, a register of a few dozen lines, a document sent to a
// connected agency and received by it, and an archived record.
func TestIntegrationBrowserScreenshots(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	dir := os.Getenv(EnvScreenshots)
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	A, B, docs := shotSite(t)
	b := StartBrowser(t, A.srv.base)
	problems := map[string][]string{}
	shoot := func(name string) {
		t.Helper()
		w := int64(1366)
		if strings.HasSuffix(name, "-390") {
			w = 390
		}
		found := append(Get(b, chromedp.Evaluate[[]string](fmt.Sprintf("(%s)(%d)", shotProblems, w))),
			Get(b, chromedp.Evaluate[[]string](pageProblems))...)
		for _, p := range found {
			problems[p] = append(problems[p], name)
		}
		if dir == "" {
			return
		}
		buf := Get(b, chromedp.FullScreenshot(90))
		if err := os.WriteFile(filepath.Join(dir, name+".jpg"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	widths := []int64{1366, 390}
	at := func(w int64) { b.Run(chromedp.EmulateViewport(w, 800)) }
	for _, w := range widths {
		at(w)
		b.Go("/login")
		shoot(fmt.Sprintf("login-%d", w))
	}
	for _, role := range []string{"clerk", "officer", "handler", "archivist", "admin"} {
		at(1366)
		pw := "password-" + role
		if role == "admin" {
			pw = "admin-password-1"
		}
		b.As(role, pw)
		for _, w := range widths {
			at(w)
			for _, p := range shotPages(role, docs) {
				b.Go(p.path)
				if p.prepare != nil {
					p.prepare(b)
				}
				shoot(fmt.Sprintf("%s-%s-%d", role, p.name, w))
			}
		}
	}
	b = StartBrowser(t, B.srv.base)
	b.As("clerk", "password-clerk")
	for _, w := range widths {
		at(w)
		b.Go("/")
		shoot(fmt.Sprintf("peer-clerk-inbox-%d", w))
		b.Go("/incoming")
		href := Get(b, chromedp.Evaluate[string](`(document.querySelector('main a[href^="/documents/"]') || {}).getAttribute?.('href') || '/'`))
		b.Go(href)
		shoot(fmt.Sprintf("peer-clerk-received-%d", w))
	}
	for p, where := range problems {
		t.Errorf("%s\n\ton %d pages: %s", p, len(where), strings.Join(where, " "))
	}
	if dir != "" {
		t.Logf("screenshots in %s", dir)
	}
}

// shotProblems is run on each page with the window's width; it returns
// what looked wrong in the screenshots, as rules:
//   - on a phone, a table other than a register wider than its frame:
//     its last columns (a signature's verdict, a delivery's status) out
//     of sight, the others squeezed to a word a line; such a table
//     reflows into one card per row (class "stack");
//   - on a phone, a table's caption narrower than the table (wrapped a
//     word a line beside its cards);
//   - on a phone, a row's card naming a cell with nothing in it;
//   - on a phone, a table cell of three words or more shown a word a line
//     (a register's sender squeezed to its longest word);
//   - a card whose heading, its first line, starts further below its top
//     than its padding (the heading's margin added to it);
//   - an error code of the API (forbidden, not_found, …) shown as text
//     rather than marked as a code (<code lang="en">);
//   - on a desktop, a document's number and notation ("106/UBND-VP", up
//     to 20 characters) split over two lines.
const shotProblems = `(W => {
  const out = [];
  for (const c of document.querySelectorAll('.card')) {
    const h = c.firstElementChild;
    if (!h || !/^H[1-3]$/.test(h.tagName)) continue;
    const gap = h.getBoundingClientRect().top - c.getBoundingClientRect().top - parseFloat(getComputedStyle(c).borderTopWidth) - parseFloat(getComputedStyle(c).paddingTop);
    if (gap > 2) out.push('a card\'s heading ' + Math.round(gap) + ' px below its padding: ' + h.innerText.trim().slice(0, 40));
  }
  const codes = /\b(forbidden|not_found|unauthorized|conflict|too_large|unavailable|internal)\b/;
  const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = tw.nextNode());) {
    const p = n.parentElement;
    if (!p || p.closest('code, [lang="en"], script, style, .hash, .mono')) continue;
    if (codes.test(n.textContent)) out.push('an English error code as text: ' + n.textContent.trim().slice(0, 60));
  }
  if (W <= 640) {
    for (const t of document.querySelectorAll('.table-wrap table:not(.register)')) {
      const wrap = t.closest('.table-wrap');
      if (wrap.scrollWidth > wrap.clientWidth + 1) out.push('a table wider than its frame on a phone: ' + (wrap.getAttribute('aria-label') || t.id || t.className));
    }
    for (const c of document.querySelectorAll('table caption')) {
      const t = c.closest('table').getBoundingClientRect(), r = c.getBoundingClientRect();
      if (r.width > 0 && r.width < t.width - 2) out.push('a table\'s caption squeezed to ' + Math.round(r.width) + ' of ' + Math.round(t.width) + ' px: ' + c.innerText.trim().slice(0, 40));
    }
    for (const td of document.querySelectorAll('table.stack td[data-label]')) {
      if (td.offsetHeight > 0 && !td.innerText.trim() && !out.some(o => o.startsWith('a row'))) out.push('a row\'s card names an empty cell: ' + td.dataset.label);
    }
    for (const td of document.querySelectorAll('td')) {
      const words = td.innerText.trim().split(/\s+/).length;
      if (words < 3) continue;
      const r = document.createRange();
      r.selectNodeContents(td);
      const lines = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top))).size;
      if (lines >= words && !out.some(o => o.startsWith('a cell'))) out.push('a cell shown a word a line on a phone, e.g. ' + td.innerText.trim().slice(0, 40));
    }
  } else {
    for (const t of document.querySelectorAll('table')) {
      const col = Array.from(t.querySelectorAll('thead th')).findIndex(th => /^Số[,\/] ?[Kk]ý hiệu$/.test(th.innerText.trim()));
      if (col < 0) continue;
      for (const row of t.tBodies[0] ? t.tBodies[0].rows : []) {
        const td = row.cells[col];
        const text = td ? td.innerText.trim() : '';
        if (!text || text.length > 20) continue;
        const r = document.createRange();
        r.selectNodeContents(td);
        const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
        if (tops.size > 1 && !out.some(o => o.startsWith('a number'))) out.push('a number and notation split over lines, e.g. ' + text);
      }
    }
  }
  return out;
})`

type shotPage struct {
	name, path string
	prepare    func(b *Browser)
}

// submitEmpty submits the page's first form in main without the
// browser's own checks, for the server's validation errors.
func submitEmpty(b *Browser) {
	b.t.Helper()
	Get(b, chromedp.Evaluate[bool](`(() => { document.querySelectorAll('main form').forEach(f => f.noValidate = true); document.querySelectorAll('main [required]').forEach(e => e.required = false); return true })()`))
	// app.js may show the errors without leaving the page.
	b.Run(chromedp.Click(chromedp.CSS(`main form[method="post"] button[type="submit"]`)))
	time.Sleep(2 * time.Second)
	b.Run(chromedp.WaitReady(chromedp.CSS("body")))
}

// openFirst opens the first link of main matching sel.
func openFirst(sel string) func(b *Browser) {
	return func(b *Browser) {
		href := Get(b, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).getAttribute?.('href') || ''`, sel)))
		if href != "" {
			b.Go(href)
		}
	}
}

// shotPages lists the pages a role's screenshots show.
func shotPages(role string, d map[string]string) []shotPage {
	year := fmt.Sprint(thisYear())
	doc := func(state string) shotPage { return shotPage{name: "doc-" + state, path: "/documents/" + d[state]} }
	common := []shotPage{{name: "inbox", path: "/"}, {name: "incoming", path: "/incoming"}, {name: "outgoing", path: "/outgoing"},
		{name: "404", path: "/documents/khong-co-van-ban-nay"}, {name: "403", path: "/admin/users"}}
	switch role {
	case "clerk":
		return append(common, doc("received"), doc("registered"), doc("in_progress"), doc("completed"), doc("archived"),
			doc("signed"), doc("issued"), doc("sent"),
			shotPage{name: "incoming-new", path: "/incoming/new"},
			shotPage{name: "incoming-new-errors", path: "/incoming/new", prepare: submitEmpty},
			shotPage{name: "registers", path: "/registers"},
			shotPage{name: "register-incoming", path: "/registers/incoming/" + year},
			shotPage{name: "register-outgoing", path: "/registers/outgoing/" + year},
			shotPage{name: "reform", path: "/reports/reform"},
			shotPage{name: "verify", path: "/verify"},
			shotPage{name: "confirm-issue", path: "/documents/" + d["signed"], prepare: func(b *Browser) { b.Ask("issue") }},
		)
	case "officer":
		return append(common, doc("registered"), doc("submitted"), doc("approved"), doc("in_progress"),
			shotPage{name: "layout", path: "/documents/" + d["approved"] + "/layout"},
			shotPage{name: "confirm-sign", path: "/documents/" + d["approved"], prepare: func(b *Browser) { b.Ask("sign") }},
		)
	case "handler":
		return append(common, doc("drafted"), doc("in_progress"), doc("submitted"),
			shotPage{name: "outgoing-new", path: "/outgoing/new"},
			shotPage{name: "outgoing-new-errors", path: "/outgoing/new", prepare: submitEmpty},
		)
	case "archivist":
		return append(common, shotPage{name: "archive", path: "/archive"},
			shotPage{name: "archive-search", path: "/archive?q=luu+tru"},
			shotPage{name: "archive-record", path: "/archive", prepare: openFirst(`main a[href^="/archive/"]`)},
			shotPage{name: "archive-evidence", path: "/archive", prepare: func(b *Browser) {
				openFirst(`main a[href^="/archive/"]`)(b)
				openFirst(`main a[href$="/evidence"]`)(b)
			}},
		)
	default:
		return []shotPage{{name: "inbox", path: "/"}, {name: "admin", path: "/admin"}, {name: "users", path: "/admin/users"},
			{name: "user", path: "/admin/users/" + d["handler-user"]},
			{name: "user-new-errors", path: "/admin/users", prepare: submitEmpty},
			{name: "agencies", path: "/admin/agencies"}, {name: "exchange", path: "/admin/exchange"},
			{name: "pki", path: "/admin/pki"}, {name: "audit", path: "/admin/audit"}, {name: "404", path: "/nothing-here"}}
	}
}

// shotSite starts two connected agencies, A (with an archivist) and B,
// and fills A with documents in each state; it returns the peers and the
// ids of A's documents by state.
func shotSite(t *testing.T) (A, B *peer, docs map[string]string) {
	t.Helper()
	A = newPeer(t, "A", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
	B = newPeer(t, "B", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
	fastExchange(A, B)
	anchors := filepath.Join(t.TempDir(), "anchors.pem")
	if err := os.WriteFile(anchors, append(devRoot(t, B), devRoot(t, A)...), 0o600); err != nil {
		t.Fatal(err)
	}
	B.env["VANTHU_TRUST_ANCHORS"] = anchors
	A.start(t)
	B.start(t)
	connect(t, A, B)
	addUsers(t, A.srv, [4]string{"archivist", "Đỗ Thị Lưu Trữ", "Lưu trữ viên", "archivist"})
	docs = map[string]string{"handler-user": A.ids["handler"]}
	steps := map[string][]string{"received": nil, "registered": {"register"}, "in_progress": {"register", "assign", "start"},
		"completed": {"register", "assign", "start", "complete"}, "archived": {"register", "assign", "start", "complete", "archive"}}
	n := 0
	for _, state := range []string{"received", "registered", "in_progress", "completed", "archived"} {
		for i := 0; i < 2; i++ {
			docs[state] = shotIncoming(t, A, shotSubjects[n%len(shotSubjects)], n, steps[state])
			n++
		}
	}
	for i := 0; i < 30; i++ {
		shotIncoming(t, A, shotSubjects[n%len(shotSubjects)], n, []string{"register"})
		n++
	}
	out := func(subject string) string {
		doc, code := A.handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": subject, "urgency": "urgent",
			"confidentiality": "normal", "signer_id": A.ids["officer"],
			"recipients": []map[string]string{{"org_id": B.orgID, "name": B.orgName}}}, testpdf.Make(2, "Du thao"))
		if code != 201 {
			t.Fatalf("upload: %d", code)
		}
		return doc["id"].(string)
	}
	docs["drafted"] = out("Quyết định ban hành Quy chế làm việc của Ủy ban nhân dân quận nhiệm kỳ 2026–2031")
	docs["submitted"] = out("Tờ trình về việc phê duyệt kế hoạch đầu tư công trung hạn giai đoạn 2026–2030")
	A.handler.act(docs["submitted"], "submit", nil)
	docs["approved"] = out("Quyết định về việc thành lập Tổ công tác triển khai Đề án 06 trên địa bàn quận")
	A.handler.act(docs["approved"], "submit", nil)
	A.officer.act(docs["approved"], "approve", nil)
	docs["signed"] = out("Quyết định khen thưởng các tập thể, cá nhân có thành tích xuất sắc năm 2026")
	A.handler.act(docs["signed"], "submit", nil)
	A.officer.act(docs["signed"], "approve", nil)
	A.officer.act(docs["signed"], "sign", nil)
	docs["issued"] = out("Quyết định phê duyệt danh sách hộ nghèo, hộ cận nghèo năm 2027")
	A.handler.act(docs["issued"], "submit", nil)
	A.officer.act(docs["issued"], "approve", nil)
	A.officer.act(docs["issued"], "sign", nil)
	A.clerk.act(docs["issued"], "issue", nil)
	docs["sent"] = A.issueAndSend(t, "Công văn về việc đôn đốc thu nộp ngân sách nhà nước những tháng cuối năm 2026", B)
	return A, B, docs
}

// shotIncoming uploads an incoming document to A and takes it through
// steps; it returns its id.
func shotIncoming(t *testing.T, A *peer, subject string, n int, steps []string) string {
	t.Helper()
	senders := []string{"UBND thành phố Cần Thơ", "Sở Tài nguyên và Môi trường thành phố Cần Thơ", "Văn phòng Chính phủ"}
	doc, code := A.clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": subject, "urgency": "urgent",
		"confidentiality": "normal", "original_number": fmt.Sprintf("%d/UBND-VP", 100+n), "original_date": "2026-11-20",
		"sender": map[string]any{"org_id": "000.00.00.H13", "name": senders[n%len(senders)]}}, testpdf.Make(1, "Cong van den"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	for _, a := range steps {
		switch a {
		case "assign":
			A.officer.act(id, a, map[string]any{"assignee_id": A.ids["handler"], "due_date": "2026-12-31",
				"comment": "Giao chuyên viên tham mưu, báo cáo trước ngày 31/12/2026."})
		case "start", "complete":
			A.handler.act(id, a, nil)
		default:
			A.clerk.act(id, a, nil)
		}
	}
	return id
}
