package main

// Browser tests of the web interface: a real chromium, headless, driven by
// chromedp through whole working days of a district office. The helpers
// (StartBrowser, Browser.As, Browser.Shot, CheckNotBlank) are for every
// browser test of this package.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/internal/testpdf"
)

// EnvChromium names the chromium binary the browser tests drive
// (scripts/setup/web.sh exports it).
const EnvChromium = "VANTHU_TEST_CHROMIUM"

// Browser is one headless chromium on one vanthu server.
//
// chromium itself can crash (its browser process ends on a failed
// internal check, SIGTRAP, which once failed a CI run halfway through a
// test with nothing of ours at fault). A step that fails because the
// browser process died is therefore tried once more in a new chromium,
// signed in again as the same user and back on the last page the test
// opened; the crash and chromium's output are logged. Any other failure,
// and a second crash, fails the test. A step that depended on the lost
// page's state (a half-filled form) fails on its retry, as it should.
type Browser struct {
	t        *testing.T
	ctx      context.Context
	stop     func() // ends the current chromium
	base     string
	Shots    string // directory of the screenshots
	log      string // the current chromium's stdout and stderr
	n        int
	user     string // signed in as (As), for a restart
	password string
	url      string // the last page the test opened, for a restart
	launches int
}

// StartBrowser starts chromium (skipping the test, naming the variable,
// when VANTHU_TEST_CHROMIUM is unset) at 1366x768 with a fresh profile.
// Screenshots go to $VANTHU_TEST_TMP/screenshots/<test>, else a temporary
// directory; the path is logged.
func StartBrowser(t *testing.T, base string) *Browser {
	t.Helper()
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	dir := t.TempDir()
	if tmp := os.Getenv("VANTHU_TEST_TMP"); tmp != "" {
		dir = filepath.Join(tmp, "screenshots", t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	b := &Browser{t: t, base: base, Shots: dir, url: base + "/login"}
	t.Cleanup(func() {
		if b.stop != nil {
			b.stop()
		}
	})
	if err := b.launch(); err != nil {
		t.Fatalf("start chromium: %v\nchromium's output (last lines of %s):\n%s", err, b.log, tail(b.log, 40))
	}
	return b
}

// launch starts a chromium with a fresh profile, its output in
// chromium.log (chromium-N.log after a restart), and opens b.url.
func (b *Browser) launch() error {
	if b.stop != nil {
		b.stop()
	}
	b.launches++
	name := "chromium.log"
	if b.launches > 1 {
		name = fmt.Sprintf("chromium-%d.log", b.launches)
	}
	b.log = filepath.Join(b.Shots, name)
	logFile, err := os.Create(b.log)
	if err != nil {
		return err
	}
	// chromedp's defaults (Puppeteer's: no crash reporter, no hang
	// monitor, passwords kept in the profile rather than a desktop
	// keyring reached over D-Bus, ...), then ours.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(os.Getenv(EnvChromium)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.UserDataDir(b.t.TempDir()), chromedp.WindowSize(1366, 768),
		chromedp.CombinedOutput(logFile),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 8*time.Minute)
	b.ctx = ctx
	b.stop = func() { cancelTimeout(); cancelCtx(); cancelAlloc(); logFile.Close() }
	// The first call starts the browser, which lives as long as its
	// context: that context has no step timeout.
	if err := chromedp.Do(ctx); err != nil {
		return err
	}
	step, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if b.user != "" {
		if err := chromedp.Do(step, b.signIn(b.user, b.password)...); err != nil {
			return fmt.Errorf("sign in again as %s: %w", b.user, err)
		}
	}
	return chromedp.Do(step, chromedp.Navigate(b.url), chromedp.WaitReady(chromedp.CSS("body")))
}

// StepTimeout bounds one Run or Get.
var StepTimeout = 45 * time.Second

// step runs f with a step timeout; if the browser process died under it,
// it restarts chromium once (see Browser) and runs f again.
func (b *Browser) step(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(b.ctx, StepTimeout)
	err := f(ctx)
	cancel()
	var exit *exec.ExitError
	if err == nil || !errors.As(err, &exit) || b.launches > 1 {
		return err
	}
	b.t.Logf("chromium crashed: %v\nits output (last lines of %s):\n%s\nrestarting it, signed in as %q, at %s", err, b.log, tail(b.log, 40), b.user, b.url)
	if rerr := b.launch(); rerr != nil {
		return fmt.Errorf("%w; restarting chromium: %v", err, rerr)
	}
	ctx, cancel = context.WithTimeout(b.ctx, StepTimeout)
	defer cancel()
	return f(ctx)
}

// Run runs chromedp actions, failing the test on error.
func (b *Browser) Run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.step(func(ctx context.Context) error { return chromedp.Do(ctx, actions...) }); err != nil {
		b.fail(err)
	}
}

// Get runs an action that returns a value, failing the test on error.
func Get[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := Try(b, a)
	if err != nil {
		b.fail(err)
	}
	return v
}

// Try runs an action that returns a value, and returns its error.
func Try[T any](b *Browser, a chromedp.Action[T]) (T, error) {
	var v T
	err := b.step(func(ctx context.Context) (err error) {
		v, err = chromedp.Run(ctx, a)
		return err
	})
	return v, err
}

// fail ends the test with where the browser is and what it shows.
func (b *Browser) fail(err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	page, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	b.t.Fatalf("browser (at %s): %v\npage text:\n%s\nchromium's output (last lines of %s):\n%s", page, err, text, b.log, tail(b.log, 40))
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Go opens a path of the server.
func (b *Browser) Go(path string) {
	b.t.Helper()
	b.url = b.base + path
	b.Run(chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// As signs in as user, ending the previous user's session (cookies
// cleared), and waits for the inbox.
func (b *Browser) As(user, password string) {
	b.t.Helper()
	b.user, b.password, b.url = user, password, b.base+"/"
	b.Run(b.signIn(user, password)...)
}

// signIn clears the cookies and signs in through the login form.
func (b *Browser) signIn(user, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
			return err
		}),
		chromedp.Navigate(b.base + "/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.main`)),
	}
}

// Text returns the text of the first element matching sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return Get(b, chromedp.Text(chromedp.CSS(sel)))
}

// HTML returns the page's HTML.
func (b *Browser) HTML() string {
	b.t.Helper()
	return Get(b, chromedp.OuterHTML(chromedp.CSS("html")))
}

// Press clicks the action button ACTION of the document page — and, for
// an action that cannot be undone, the confirming button of the page
// that asks first, typing the user's password where it asks for it (a
// signature's) — and waits for the confirmation.
func (b *Browser) Press(action string) {
	b.t.Helper()
	sel := chromedp.CSS(fmt.Sprintf(`button[name="action"][value="%s"]`, action))
	b.Run(chromedp.WaitVisible(sel), chromedp.Click(sel))
	confirm := fmt.Sprintf(`button[name="confirm"][value="%s"]`, action)
	confirmed := false
	deadline := time.Now().Add(StepTimeout)
	for {
		// The clicks navigate: a look at the page while it is being
		// replaced fails ("Inspected target navigated or closed"), and
		// is tried again until the deadline.
		loc, err := Try(b, chromedp.Location())
		if err == nil && strings.Contains(loc, "done="+action) {
			b.url = loc
			break
		}
		if err == nil && !confirmed {
			if asks, err := Try(b, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, confirm))); err == nil && asks {
				// A click the page's replacement interrupts is tried
				// again if the button is still there (the server
				// answers a repeated confirmation with the action's
				// result).
				confirmed = b.step(func(ctx context.Context) error {
					if _, err := chromedp.Run(ctx, b.typeSignerPassword()); err != nil {
						return err
					}
					return chromedp.Do(ctx, chromedp.Click(chromedp.CSS(confirm)))
				}) == nil
				continue
			}
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("pressing %s led nowhere", action)
			}
			b.fail(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Run(chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
}

// typeSignerPassword types the signed-in user's password into the
// confirmation's password input, when the page has one (Ký số, Phát
// hành: web/signer.go); as a click tried again may type it again, the
// input is set, not typed into.
func (b *Browser) typeSignerPassword() chromedp.Action[bool] {
	return chromedp.Evaluate[bool](fmt.Sprintf(
		`(() => { const p = document.getElementById("signer_password"); if (p) p.value = %q; return true })()`, b.password))
}

// Ask clicks the action button ACTION of the document page and waits for
// the page that asks to confirm it, without confirming.
func (b *Browser) Ask(action string) {
	b.t.Helper()
	sel := chromedp.CSS(fmt.Sprintf(`button[name="action"][value="%s"]`, action))
	b.Run(chromedp.WaitVisible(sel), chromedp.Click(sel),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#confirm button[name="confirm"][value="%s"]`, action))))
}

// Shot saves a full-page screenshot as NN-name.png and checks it is not
// blank; it returns the file's path.
func (b *Browser) Shot(name string) string {
	b.t.Helper()
	buf := Get(b, chromedp.FullScreenshot(100))
	CheckNotBlank(b.t, name, buf)
	b.n++
	p := filepath.Join(b.Shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// CheckNotBlank fails unless a PNG screenshot shows a page: many colours
// and a fair share of non-white pixels (text, header, table lines).
func CheckNotBlank(t *testing.T, name string, pngBytes []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	colours, inked, total := blankStats(img)
	if colours < 16 || inked*100 < total {
		t.Fatalf("screenshot %s looks blank: %d colours, %d of %d pixels not white", name, colours, inked, total)
	}
}

func blankStats(img image.Image) (colours, inked, total int) {
	seen := map[uint32]bool{}
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>11)<<10|(g>>11)<<5|bl>>11] = true
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				inked++
			}
			total++
		}
	}
	return len(seen), inked, total
}

// writePDF writes a test PDF to a temporary file for an upload.
func writePDF(t *testing.T, name string, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var docPath = regexp.MustCompile(`/documents/([0-9a-f]+)`)

// docID returns the id of the document page the browser shows.
func (b *Browser) docID() string {
	b.t.Helper()
	loc := Get(b, chromedp.Location())
	m := docPath.FindStringSubmatch(loc)
	if m == nil {
		b.t.Fatalf("not on a document page: %s", loc)
	}
	return m[1]
}

func mustContain(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// addUsers creates users through the API as the admin.
// officeStaff adds the usual clerk, officer and handler of the district
// office (each with the password "password-" + name) and logs them in.
func officeStaff(t *testing.T, s *server) (ids map[string]string, clerk, officer, handler *client) {
	t.Helper()
	ids = addUsers(t, s,
		[4]string{"clerk", "Lê Thị Văn Thư", "Văn thư", "clerk"},
		[4]string{"officer", "Trần Văn Quyết", "Chủ tịch", "officer"},
		[4]string{"handler", "Phạm Thị Chuyên", "Chuyên viên", "handler"})
	return ids, s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer"), s.login(t, "handler", "password-handler")
}

func addUsers(t *testing.T, s *server, users ...[4]string) map[string]string {
	t.Helper()
	admin := s.login(t, "admin", "admin-password-1")
	ids := map[string]string{}
	for _, u := range users {
		var out struct{ ID string }
		if code := admin.call("POST", "/api/v1/users", map[string]any{"username": u[0], "password": "password-" + u[0],
			"full_name": u[1], "title": u[2], "roles": strings.Split(u[3], ",")}, &out); code != 201 {
			t.Fatalf("create %s: %d", u[0], code)
		}
		ids[u[0]] = out.ID
		// The first login's change of the password the admin set (and
		// back): the browser then logs in as a user who did it.
		s.login(t, u[0], "password-"+u[0])
	}
	return ids
}

// TestIntegrationBrowserIncoming: the clerk registers a paper document
// (upload, Decree 30 fields, signature report before registering), the
// official assigns it, the handler completes it, the clerk archives it.
func TestIntegrationBrowserIncoming(t *testing.T) {
	s := startServer(t, nil)
	ids := addUsers(t, s,
		[4]string{"clerk", "Lê Thị Văn Thư", "Văn thư", "clerk"},
		[4]string{"officer", "Trần Văn Quyết", "Chủ tịch", "officer"},
		[4]string{"handler", "Phạm Thị Chuyên", "Chuyên viên", "handler"})
	b := StartBrowser(t, s.base)
	b.Shot("login")
	mustContain(t, "login page", b.HTML(), `<html lang="vi"`, `name="username"`, `name="password"`)

	b.As("clerk", "password-clerk")
	b.Shot("inbox-empty")
	b.Go("/incoming/new")
	subject := "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026"
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "congvan-den.pdf", testpdf.Make(2, "Cong van den"))}),
		chromedp.SetValue(chromedp.CSS(`select[name="type"]`), "CV"),
		chromedp.SendKeys(chromedp.CSS(`input[name="original_number"]`), "125/UBND-VP"),
		chromedp.SendKeys(chromedp.CSS(`input[name="original_date"]`), "20/11/2026"),
		chromedp.SendKeys(chromedp.CSS(`input[name="sender_name"]`), "UBND thành phố Cần Thơ"),
		chromedp.SendKeys(chromedp.CSS(`input[name="sender_org_id"]`), "000.00.00.H13"),
		chromedp.SetValue(chromedp.CSS(`select[name="urgency"]`), "very_urgent"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="subject"]`), subject))
	b.Shot("register-form")
	b.Run(chromedp.Click(chromedp.CSS(`form[data-progress] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name="action"][value="register"]`)))
	id := b.docID()
	page := b.HTML()
	mustContain(t, "received document", page, subject, "Thượng khẩn", "UBND thành phố Cần Thơ", "20/11/2026", "Kiểm tra chữ ký số",
		"không có chữ ký", `src="/documents/`+id+`/file"`)
	b.Shot("document-received")
	b.Press("register")
	mustContain(t, "registered document", b.Text("main"), "Đã vào sổ văn bản đến.", "Số đến")

	b.As("officer", "password-officer")
	mustContain(t, "officer's inbox", b.Text("main"), subject, "Chờ phân công")
	b.Shot("inbox-officer")
	b.Go("/documents/" + id)
	b.Run(chromedp.SetValue(chromedp.CSS(`select[name="assignee_id"]`), ids["handler"]),
		chromedp.SendKeys(chromedp.CSS(`input[name="due_date"]`), "31/12/2026"),
		chromedp.SendKeys(chromedp.CSS(`#assign_comment`), "Đề nghị chuyên viên tham mưu trước ngày 31/12."))
	b.Press("assign")

	b.As("handler", "password-handler")
	mustContain(t, "handler's inbox", b.Text("main"), subject, "31/12/2026")
	b.Go("/documents/" + id)
	if strings.Contains(b.HTML(), `value="archive"`) {
		t.Error("the handler sees the archive button")
	}
	b.Press("start")
	b.Press("complete")

	b.As("clerk", "password-clerk")
	b.Go("/?task=archive")
	mustContain(t, "clerk's archive tab", b.Text("main"), subject)
	b.Go("/documents/" + id)
	b.Press("archive")
	page = b.Text("main")
	mustContain(t, "archived document", page, "Đã lưu trữ văn bản.", "Hồ sơ lưu trữ", "Phân công", "Đề nghị chuyên viên tham mưu")
	b.Shot("document-archived")
	today := time.Now().In(vietnam())
	b.Go("/registers/incoming/" + fmt.Sprint(today.Year()))
	mustContain(t, "incoming register", b.Text("main"), subject, "125/UBND-VP", "Phạm Thị Chuyên")
	b.Shot("register-incoming")
	// Filtered by month: this month lists it, with its CSV; another does not.
	other := today.Month()%12 + 1
	for _, m := range []time.Month{today.Month(), other} {
		b.Run(chromedp.SetValue(chromedp.CSS(`#register-month select[name="month"]`), fmt.Sprint(int(m))),
			chromedp.Click(chromedp.CSS(`#register-month button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#register-csv[href$="?month=%d"]`, m))))
		txt := b.Text("main")
		if in := strings.Contains(txt, subject); in != (m == today.Month()) || !strings.Contains(txt, fmt.Sprintf("tháng %d năm %d", m, today.Year())) {
			t.Errorf("register of month %d: lists the document %v\n%s", m, in, txt)
		}
	}
	// The list at tablet width.
	b.Run(chromedp.EmulateViewport(768, 1024))
	b.Go("/incoming?q=dai+doan+ket")
	mustContain(t, "search without diacritics", b.Text("main"), subject)
	b.Shot("list-incoming-tablet")
}

func vietnam() *time.Location { return time.FixedZone("ICT", 7*3600) }

// TestIntegrationBrowserOutgoing: the handler drafts with an upload, the
// official approves and signs, the clerk issues (seeing the number first)
// and sends to a connected agency, whose status comes back on the page;
// the archivist finds the archived record and downloads its package.
func TestIntegrationBrowserOutgoing(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	A := newPeer(t, "A", "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
	B := newPeer(t, "B", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
	fastExchange(A, B)
	anchors := filepath.Join(t.TempDir(), "anchors.pem")
	if err := os.WriteFile(anchors, append(devRoot(t, B), devRoot(t, A)...), 0o600); err != nil {
		t.Fatal(err)
	}
	B.env["VANTHU_TRUST_ANCHORS"] = anchors
	A.start(t)
	B.start(t)
	connect(t, A, B)
	addUsers(t, A.srv, [4]string{"archivist", "Đỗ Văn Lưu", "Lưu trữ viên", "archivist"}, [4]string{"admin2", "Quản Trị", "", "admin"})

	b := StartBrowser(t, A.srv.base)
	b.As("handler", "password-handler")
	b.Go("/outgoing/new")
	subject := "Quyết định ban hành Quy chế làm việc của Ủy ban nhân dân quận"
	b.Run(chromedp.SetValue(chromedp.CSS(`select[name="type"]`), "QĐ"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="subject"]`), subject),
		chromedp.SetValue(chromedp.CSS(`select[name="urgency"]`), "urgent"),
		chromedp.SetValue(chromedp.CSS(`select[name="signer_id"]`), A.ids["officer"]),
		chromedp.Click(chromedp.CSS(`input[name="recipients"][value="`+B.orgID+`"]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "du-thao.pdf", testpdf.Make(1, "Du thao quyet dinh"))}),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="attachment"]`), []string{writePDF(t, "phu-luc.pdf", testpdf.Make(1, "Phu luc"))}))
	b.Shot("draft-form")
	b.Run(chromedp.Click(chromedp.CSS(`form[data-progress] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name="action"][value="submit"]`)))
	id := b.docID()
	mustContain(t, "draft", b.Text("main"), subject, "Khẩn", "UBND phường Long Hòa", "Dự thảo chưa được ký số")
	b.Press("submit")

	b.As("officer", "password-officer")
	b.Go("/documents/" + id)
	b.Press("approve")
	page := b.Text("main")
	mustContain(t, "before signing", page, "Trước khi ký số", "Chữ ký của lãnh đạo và dấu cơ quan")
	b.Shot("before-sign")
	b.Press("sign")

	b.As("clerk", "password-clerk")
	mustContain(t, "clerk's inbox", b.Text("main"), subject, "Chờ phát hành")
	b.Go("/documents/" + id)
	mustContain(t, "before issuing", b.Text("#issue-preview"), "01/QĐ-UBND")
	b.Shot("before-issue")
	// Phát hành asks first, with the number it would take; going back
	// leaves the document as it was.
	b.Ask("issue")
	mustContain(t, "issue's confirmation", b.Text("#confirm"), "không hoàn tác được", "01/QĐ-UBND", "Sổ văn bản đi:")
	b.Shot("confirm-issue")
	b.Run(chromedp.Click(chromedp.CSS(`#confirm a.button`)), chromedp.WaitVisible(chromedp.CSS(`#issue-preview`)))
	mustContain(t, "after going back", b.Text("main"), "Lãnh đạo đã ký", "Trước khi phát hành")
	b.Press("issue")
	mustContain(t, "issued", b.Text("main"), "Đã cấp số và phát hành văn bản.", "01/QĐ-UBND", "hợp lệ")
	b.Press("send")
	// The deliveries region refreshes itself while pending.
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(b.Text("#deliveries"), "Đã gửi đến") {
		if time.Now().After(deadline) {
			t.Fatalf("delivery never shown as delivered: %s", b.Text("#deliveries"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	// B registers it: status 03 comes back.
	var got []map[string]any
	eventually(t, "B receives", 30*time.Second, func() (bool, string) { got = B.incomingBy(t, subject); return len(got) == 1, "" })
	B.clerk.act(got[0]["id"].(string), "register", nil)
	eventually(t, "status 03 on A's page", 30*time.Second, func() (bool, string) {
		b.Go("/documents/" + id)
		txt := b.Text("#deliveries")
		return strings.Contains(txt, "03 · Đã tiếp nhận"), txt
	})
	b.Shot("document-sent")
	b.Press("archive")

	b.As("archivist", "password-archivist")
	b.Go("/archive?q=quy+che+lam+viec")
	mustContain(t, "archive search", b.Text("main"), subject, "01/QĐ-UBND")
	b.Shot("archive-search")
	b.Run(chromedp.Click(chromedp.CSS(`table a[href^="/archive/`+id+`"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href$="/package"]`)))
	mustContain(t, "archive record", b.Text("main"), "document.pdf", "SHA-256", "Phong tỏa pháp lý",
		"metadata.json", "verification.json", "events.json", "(trong metadata.json)")
	b.Shot("archive-record")
	// Download the package as the browser would, with its cookies.
	var cookies []*network.Cookie
	b.Run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		cookies = res.Cookies
		return err
	}))
	req, _ := http.NewRequest("GET", A.srv.base+"/archive/"+id+"/package", nil)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var zip bytes.Buffer
	zip.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" || !bytes.HasPrefix(zip.Bytes(), []byte("PK")) ||
		!bytes.Contains(zip.Bytes(), []byte("bagit.txt")) || !bytes.Contains(zip.Bytes(), []byte("manifest-sha256.txt")) {
		t.Fatalf("package: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), zip.Len())
	}
	// The record's evidence checked from its page, with the API's verdict.
	b.Run(chromedp.Click(chromedp.CSS(`#evidence-link`)), chromedp.WaitVisible(chromedp.CSS(`#evidence .verdict`)))
	var ev struct{ Verdict string }
	if code := A.srv.login(t, "archivist", "password-archivist").call("GET", "/api/v1/archive/"+id+"/evidence", nil, &ev); code != 200 {
		t.Fatalf("evidence via the API: %d", code)
	}
	verdicts := map[string]string{"valid": "hợp lệ", "invalid": "không hợp lệ", "indeterminate": "chưa xác định"}
	if got := strings.TrimSpace(b.Text(`#evidence .verdict`)); got != verdicts[ev.Verdict] {
		t.Errorf("evidence page says %q, the API %q", got, ev.Verdict)
	}
	b.Shot("archive-evidence")

	// Administration: the exchange queue and connected agencies.
	b.As("admin2", "password-admin2")
	b.Go("/admin/exchange")
	mustContain(t, "exchange queue", b.Text("main"), "đã gửi đến")
	b.Go("/admin/agencies")
	mustContain(t, "agencies", b.Text("main"), "UBND phường Long Hòa", B.orgID)
	b.Shot("admin-agencies")
	b.Go("/registers/outgoing/" + fmt.Sprint(time.Now().In(vietnam()).Year()))
	mustContain(t, "outgoing register", b.Text("main"), "01/QĐ-UBND", subject, "Trần Văn Quyết")
	b.Shot("register-outgoing")
}

// TestIntegrationBrowserSignBatch: the official ticks two approved drafts
// under Chờ ký, presses Ký số các văn bản đã chọn, reads both on the
// confirmation, types his password once and signs them; the result page
// says each, and the documents are signed (layer 1, through the API).
func TestIntegrationBrowserSignBatch(t *testing.T) {
	if os.Getenv(EnvChromium) == "" {
		t.Skipf("%s is not set: no browser to drive (scripts/setup/web.sh installs chromium and sets it)", EnvChromium)
	}
	s := startServer(t, nil)
	ids, _, officer, handler := officeStaff(t, s)
	subjects := []string{"Quyết định phê duyệt kế hoạch chuyển đổi số năm 2027", "Quyết định thành lập Tổ công tác cải cách hành chính"}
	var docs []string
	for i, subject := range subjects {
		doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "signer_id": ids["officer"], "subject": subject, "urgency": "urgent"},
			testpdf.Make(1, fmt.Sprintf("Du thao %d", i+1)))
		if code != 201 {
			t.Fatalf("draft: %d", code)
		}
		id := doc["id"].(string)
		handler.act(id, "submit", nil)
		officer.act(id, "approve", nil)
		docs = append(docs, id)
	}
	b := StartBrowser(t, s.base)
	// axe-core on each of the batch's pages, when it is installed: a
	// serious or critical violation fails.
	axe := func(where string) {}
	if path := os.Getenv(EnvAxe); path != "" {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", EnvAxe, err)
		}
		check := axeCheck(b, string(src))
		axe = func(where string) {
			for _, p := range check() {
				if axeBlocking(p) {
					t.Errorf("axe on %s: %s", where, p)
				}
			}
		}
	}
	b.As("officer", "password-officer")
	// On a tablet, upright: a finger's tap beside a 20 px box, within
	// 44 px of touch target, ticks it (walk 11: it hit the cell and did
	// nothing).
	b.Run(chromedp.EmulateViewport(768, 1024))
	b.Go("/?task=sign")
	for _, id := range docs {
		ticked := Get(b, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
  const box = document.querySelector('input[type="checkbox"][name="doc"][value^="%s@"]');
  const r = box.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2 + 18, r.top + r.height / 2 + 10);
  if (hit) hit.click();
  return box.checked;
})()`, id)))
		if !ticked {
			t.Errorf("a tap 18 px beside the box of %s, on a 768 px tablet, did not tick it", id)
			b.Run(chromedp.Click(chromedp.CSS(`input[type="checkbox"][name="doc"][value^="` + id + `@"]`)))
		}
	}
	b.Shot("sign-batch-chosen")
	axe("Chờ ký")
	b.Run(chromedp.Click(chromedp.CSS(`#sign-batch button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm button[name="confirm"][value="sign-batch"]`)))
	mustContain(t, "the batch's confirmation", b.Text("#confirm"), append(subjects, "Ký số 2 văn bản", "Khẩn", "không hoàn tác được",
		"Nhập mật khẩu của đồng chí để xác nhận ký số")...)
	b.Shot("sign-batch-confirm")
	axe("the batch's confirmation")
	b.Run(chromedp.SendKeys(chromedp.CSS(`#signer_password`), "password-officer"),
		chromedp.Click(chromedp.CSS(`#confirm button[name="confirm"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#batch-summary`)))
	mustContain(t, "the batch's result", b.Text("main"), append(subjects, "Đã ký 2/2 văn bản.")...)
	b.Shot("sign-batch-result")
	axe("the batch's result")
	for _, id := range docs {
		var d struct{ State string }
		if code := officer.call("GET", "/api/v1/documents/"+id, nil, &d); code != 200 || d.State != "officer_signed" {
			t.Errorf("%s: %d %s, want officer_signed", id, code, d.State)
		}
	}
}

// TestIntegrationBrowserRestartsAfterAChromiumCrash: when chromium's
// browser process dies the way it did in CI (SIGTRAP), the next step
// runs in a new chromium, signed in as the same user, on the same page;
// a second crash is not retried.
func TestIntegrationBrowserRestartsAfterAChromiumCrash(t *testing.T) {
	s := startServer(t, nil)
	addUsers(t, s, [4]string{"clerk", "Lê Thị Văn Thư", "Văn thư", "clerk"})
	b := StartBrowser(t, s.base)
	b.As("clerk", "password-clerk")
	b.Go("/incoming/new")
	crash := func() {
		p := chromedp.FromContext(b.ctx).Browser.Process()
		if err := p.Signal(syscall.SIGTRAP); err != nil {
			t.Fatal(err)
		}
		// chromedp reaps it (a Wait here would race with its own) and
		// then ends the browser's context.
		select {
		case <-b.ctx.Done():
		case <-time.After(20 * time.Second):
			t.Fatal("chromium still running 20 s after SIGTRAP")
		}
	}
	crash()
	mustContain(t, "the page after the restart", b.HTML(), `name="original_number"`, "Lê Thị Văn Thư")
	if b.launches != 2 {
		t.Fatalf("chromium launched %d times, want 2", b.launches)
	}
	if !strings.HasSuffix(b.log, "chromium-2.log") {
		t.Fatalf("the second chromium's output goes to %s", b.log)
	}
	crash()
	err := b.step(func(ctx context.Context) error { return chromedp.Do(ctx, chromedp.Navigate(s.base+"/")) })
	var exit *exec.ExitError
	if !errors.As(err, &exit) || b.launches != 2 {
		t.Fatalf("a second crash: %v, %d launches; want the exit error and no third chromium", err, b.launches)
	}
}

// TestIntegrationBrowserPhone: at a phone's 360 px, the clerk's pages
// never scroll sideways, even for a document whose subject ends in a long
// unbroken token (a URL, as subjects quote the gazette) and whose sender
// and number are long: such a title widened the document page to 415 px.
func TestIntegrationBrowserPhone(t *testing.T) {
	s := startServer(t, nil)
	_, clerk, _, _ := officeStaff(t, s)
	subject := "Về việc triển khai Kế hoạch cải cách hành chính, chuyển đổi số năm 2026, đăng tại " +
		"https://congbao.cantho.gov.vn/van-ban/chi-tiet/quyet-dinh-so-1234-qd-ubnd-ve-viec-ban-hanh-quy-che-lam-viec"
	doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": subject, "urgency": "flash",
		"confidentiality": "normal", "original_number": "12345/UBND-VPTTPVHCC-KSTTHC", "original_date": "2026-11-20",
		"sender": map[string]any{"org_id": "000.00.00.H13", "name": "Văn phòng Ủy ban nhân dân thành phố Cần Thơ – Trung tâm Phục vụ hành chính công"}},
		testpdf.Make(1, "Cong van den"))
	if code != 201 {
		t.Fatalf("upload: %d %v", code, doc)
	}
	b := StartBrowser(t, s.base)
	b.Run(chromedp.EmulateViewport(360, 740))
	b.As("clerk", "password-clerk")
	for _, path := range []string{"/", "/incoming", "/incoming/new", "/documents/" + doc["id"].(string), "/registers", "/verify"} {
		b.Go(path)
		if w := Get(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 360 {
			wide := Get(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('main *')).filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible' && !e.closest('.table-wrap')).slice(0, 5).map(e => e.tagName + ' ' + e.scrollWidth + '/' + e.clientWidth)`))
			t.Errorf("%s is %d px wide at 360 px: %v", path, w, wide)
		}
	}
	b.Shot("document-phone")
}
