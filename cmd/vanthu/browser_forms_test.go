package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/web"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// fixedRecipients is an Exchange that lists fixed recipients.
type fixedRecipients struct {
	web.Exchange
	orgs []workflow.Org
}

func (x fixedRecipients) Recipients(context.Context, *workflow.User) ([]workflow.Org, error) {
	return x.orgs, nil
}

// formServer serves the web interface alone on a memory repository, with
// a clerk and a handler, configured by cfg (Docs, Accounts, Directory and
// Agency are filled in); it returns the base URL.
func formServer(t *testing.T, cfg web.Config) string {
	t.Helper()
	base, _, _ := formServerDocs(t, cfg)
	return base
}

// formServerDocs is formServer, with its document service and repository.
func formServerDocs(t *testing.T, cfg web.Config) (string, *workflow.Service, *workflowtest.Repository) {
	t.Helper()
	repo := workflowtest.NewRepository()
	accounts := &auth.Service{Repo: repo, Cost: 4}
	docs := &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t),
		Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"}}
	for _, u := range []auth.NewUser{
		{Username: "clerk", Password: "password-clerk", FullName: "Lê Thị Văn Thư", Roles: []workflow.Role{workflow.RoleClerk}},
		{Username: "handler", Password: "password-handler", FullName: "Trần Văn Chuyên", Roles: []workflow.Role{workflow.RoleHandler}},
	} {
		if _, err := accounts.CreateUser(context.Background(), nil, u); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Docs, cfg.Accounts, cfg.Directory, cfg.Agency = docs, accounts, repo, docs.Agency
	ui, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.Mount(http.NotFoundHandler(), ui))
	t.Cleanup(srv.Close)
	return srv.URL, docs, repo
}

// axeSerious runs axe-core on the page (skipping the test, naming the
// variable, without it) and fails the test on each serious or critical
// violation.
func axeSerious(t *testing.T, b *Browser, where string) {
	t.Helper()
	path := os.Getenv(EnvAxe)
	if path == "" {
		t.Skipf("%s is not set: no axe-core to run (scripts/setup/web.sh installs it and sets it)", EnvAxe)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", EnvAxe, err)
	}
	for _, l := range axeCheck(b, string(src))() {
		if axeBlocking(l) {
			t.Errorf("%s: %s", where, l)
		} else {
			t.Logf("%s: %s", where, l)
		}
	}
}

// TestIntegrationBrowserRecipientsProblem: the outgoing draft posted
// with a recipient that is no longer connected (a box's value changed,
// as if the list had changed since the form was shown) comes back with
// the message beside the recipients' group — the fieldset described by
// it, its boxes marked invalid, the box checked still checked, the focus
// on the first box — and axe finds nothing serious on that page.
func TestIntegrationBrowserRecipientsProblem(t *testing.T) {
	base := formServer(t, web.Config{Exchange: fixedRecipients{orgs: []workflow.Org{
		{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}, {OrgID: "000.00.32.H13", Name: "UBND phường An Thới"}}}})
	b := StartBrowser(t, base)
	b.As("handler", "password-handler")
	b.Go("/outgoing/new")
	Get(b, chromedp.Evaluate[bool](`(() => {
  document.querySelector('form[data-progress]').noValidate = true;
  const boxes = document.querySelectorAll('input[name="recipients"]');
  boxes[0].checked = true;
  boxes[1].value = '000.00.99.Z99'; boxes[1].checked = true;
  return true;
})()`))
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "duthao.pdf", testpdf.Make(1, "Du thao"))}),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="subject"]`), "Về việc gửi nơi đã ngừng kết nối"),
		chromedp.Click(chromedp.CSS(`form[data-progress] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	got := Get(b, chromedp.Evaluate[[]string](`(() => {
  const g = document.getElementById('recipients'), e = document.activeElement;
  const msg = document.getElementById(g.getAttribute('aria-describedby') || '-');
  const boxes = [...g.querySelectorAll('input[type=checkbox]')];
  return [e.id, msg ? msg.innerText : '(none)', boxes.map(x => x.checked).join(','), boxes.map(x => x.getAttribute('aria-invalid')).join(','),
    g.tagName + '>' + g.firstElementChild.tagName, document.querySelector('textarea[name="subject"]').value];
})()`))
	want := []string{"rcpt-0", "Nơi nhận không hợp lệ.", "true,false", "true,true", "FIELDSET>LEGEND", "Về việc gửi nơi đã ngừng kết nối"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the form back with a recipients problem: [focused, group's description, boxes checked, boxes aria-invalid, group, subject] = %q, want %q", got, want)
	}
	axeSerious(t, b, "/outgoing/new with a recipients problem")
}

// TestIntegrationBrowserFormTooLarge: an incoming document's form posted
// through app.js with a file larger than the whole form may be (the
// upload limit 1 MiB: 9 MiB in all) comes back as the form — the limit
// in MB beside the file input, which has the focus, and what was typed
// kept — not as the error page; axe finds nothing serious on it.
func TestIntegrationBrowserFormTooLarge(t *testing.T) {
	base := formServer(t, web.Config{MaxUpload: 1 << 20})
	b := StartBrowser(t, base)
	b.As("clerk", "password-clerk")
	b.Go("/incoming/new")
	huge := append(testpdf.Make(1, "Qua lon"), bytes.Repeat([]byte("%"), 10<<20)...)
	typed := map[string]string{"original_number": "45/SNV-VP", "original_date": "20/11/2026",
		"sender_name": "Sở Nội vụ thành phố Cần Thơ", "subject": "Về việc tệp quá lớn"}
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{writePDF(t, "qualon.pdf", huge)}))
	for _, k := range []string{"original_number", "original_date", "sender_name", "subject"} {
		b.Run(chromedp.SendKeys(chromedp.CSS(`[name="`+k+`"]`), typed[k]))
	}
	b.Run(chromedp.Click(chromedp.CSS(`form[data-progress] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	if got := Get(b, chromedp.Evaluate[[]string](focusedProblem)); len(got) != 4 || got[0] != "file" || got[1] != "true" ||
		!strings.Contains(got[3], "giới hạn 9 MB") {
		t.Errorf("focused [id, aria-invalid, value, description] = %q, want the file input, invalid, described by the limit in MB", got)
	}
	for k, v := range typed {
		if got := Get(b, chromedp.Evaluate[string](`document.querySelector('[name="`+k+`"]').value`)); got != v {
			t.Errorf("%s: %q after the form came back, typed %q", k, got, v)
		}
	}
	axeSerious(t, b, "/incoming/new larger than the limit")
}

// TestIntegrationBrowserCopyPages: on Sao văn bản of a letter received
// over the exchange, Trang trích sao is hidden while Sao y is chosen and
// shown once Trích sao is; a page the letter does not have comes back
// with the message at that input, shown, focused, the form still
// Trích sao; axe finds nothing serious on that page.
func TestIntegrationBrowserCopyPages(t *testing.T) {
	base, docs, repo := formServerDocs(t, web.Config{})
	docs.Signer = workflowtest.Signer{}
	ctx := context.Background()
	users, _ := repo.Users(ctx)
	var clerk *workflow.User
	for i := range users {
		if users[i].Username == "clerk" {
			clerk = users[i]
		}
	}
	pdf := testpdf.Make(4, "Cong van")
	date := workflow.NewDate(2026, time.November, 20)
	d, err := docs.Create(ctx, clerk, workflow.CreateInput{Direction: workflow.Incoming, Type: "CV", Subject: "Về việc cấp bản trích sao",
		Sender: &workflow.Org{Name: "Sở Nội vụ"}, OriginalNumber: "45/SNV-VP", OriginalDate: &date, File: &workflow.Upload{Name: "cv.pdf", Size: int64(len(pdf)), Content: bytes.NewReader(pdf)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := docs.Apply(ctx, clerk, d.ID, workflow.Register, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	err = repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		x, err := tx.LockDocument(ctx, d.ID)
		if err != nil {
			return err
		}
		prev := x.Version
		x.ExternalID, x.Version = "000.00.00.H13,2026/11/20,45/SNV-VP", x.Version+1
		return tx.UpdateDocument(ctx, x, prev)
	})
	if err != nil {
		t.Fatal(err)
	}
	b := StartBrowser(t, base)
	b.As("clerk", "password-clerk")
	b.Go("/documents/" + d.ID + "/copies")
	shown := `document.querySelector('[data-copy-pages]').offsetParent !== null`
	if Get(b, chromedp.Evaluate[bool](shown)) {
		t.Error("Trang trích sao shown while Sao y is chosen")
	}
	choose := `(() => { const f = document.getElementById('form'); f.value = 'TS'; f.dispatchEvent(new Event('change')); return ` + shown + `; })()`
	if !Get(b, chromedp.Evaluate[bool](choose)) {
		t.Fatal("Trang trích sao hidden while Trích sao is chosen")
	}
	b.Run(chromedp.SendKeys(chromedp.CSS(`#pages`), "1,7"), chromedp.SendKeys(chromedp.CSS(`#requested_for`), "Tòa án"),
		chromedp.Click(chromedp.CSS(`#copy-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	got := Get(b, chromedp.Evaluate[[]string](`[document.activeElement.id, document.getElementById('form').value,
  document.getElementById('pages-error') ? document.getElementById('pages-error').innerText : '', String(`+shown+`)]`))
	want := []string{"pages", "TS", "Trang 7 không có: văn bản có 4 trang.", "true"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after page 7 of 4: [focused, form, message, pages shown] = %q, want %q", got, want)
	}
	axeSerious(t, b, "Sao văn bản with a pages problem")
}
