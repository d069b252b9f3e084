package notify_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/faultproxy"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/notify"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/storage/localfs"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// mailEnv is a workflow service on a real database, a notifier sending
// to Mailpit (scripts/setup/mail.sh) through a proxy that can play the
// SMTP server down, and one user per role with an address of their own.
type mailEnv struct {
	svc   *workflow.Service
	db    *gormdb.DB
	n     *notify.Notifier
	proxy *faultproxy.Proxy
	smtp  string // Mailpit's SMTP host:port
	api   string
	users map[workflow.Role]*workflow.User
	addr  map[workflow.Role]string
}

const publicURL = "https://vanthu.test.example"

func newMailEnv(t *testing.T) *mailEnv {
	t.Helper()
	return newMailEnvOn(t, "sqlite")
}

// newMailEnvOn is newMailEnv on backend ("sqlite" or "postgres").
func newMailEnvOn(t *testing.T, backend string) *mailEnv {
	t.Helper()
	smtp, api := os.Getenv("VANTHU_TEST_MAILPIT_SMTP"), os.Getenv("VANTHU_TEST_MAILPIT_API")
	if smtp == "" || api == "" {
		t.Skip("VANTHU_TEST_MAILPIT_SMTP not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	db := gormdbtest.Open(t, backend)
	blobs, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &mailEnv{db: db, smtp: smtp, api: api, users: map[workflow.Role]*workflow.User{}, addr: map[workflow.Role]string{}}
	e.svc = &workflow.Service{Repo: db, Blobs: blobs, Signer: workflowtest.Signer{},
		Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"}}
	ctx := context.Background()
	var tag [6]byte
	rand.Read(tag[:])
	for _, r := range []workflow.Role{workflow.RoleHandler, workflow.RoleOfficer, workflow.RoleClerk} {
		u := &workflow.User{ID: "u-" + string(r), Username: string(r), FullName: "Người " + string(r), Roles: []workflow.Role{r}, CreatedAt: time.Now()}
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		e.users[r], e.addr[r] = u, string(r)+"-"+hex.EncodeToString(tag[:])+"@quan.test"
		if err := db.SetUserMail(ctx, "", u.ID, workflow.MailSettings{Email: e.addr[r]}); err != nil {
			t.Fatal(err)
		}
	}
	e.proxy = faultproxy.New(t, smtp)
	sender, err := notify.ParseSMTP("smtp://"+e.proxy.Addr(), "Văn thư <vanthu@quan.test>")
	if err != nil {
		t.Fatal(err)
	}
	sender.Timeout = 5 * time.Second
	e.n = &notify.Notifier{Store: db, Sender: sender, PublicURL: publicURL, Log: slog.New(slog.DiscardHandler), RetryAfter: time.Millisecond}
	e.run(t) // the cursor starts at the trail's head
	return e
}

func (e *mailEnv) run(t *testing.T) {
	t.Helper()
	if err := e.n.Run(context.Background()); err != nil {
		t.Fatalf("notifier: %v", err)
	}
}

var draftPDF = testpdf.Make(1, "thông báo")

func (e *mailEnv) draft(t *testing.T, conf workflow.Confidentiality) *workflow.Document {
	t.Helper()
	d, err := e.svc.Create(context.Background(), e.users[workflow.RoleHandler], workflow.CreateInput{Direction: workflow.Outgoing,
		Type: "TB", Subject: "Thông báo lịch tiếp công dân tháng 12", Confidentiality: conf, SignerID: e.users[workflow.RoleOfficer].ID,
		File: &workflow.Upload{Name: "tb.pdf", Size: int64(len(draftPDF)), Content: bytes.NewReader(draftPDF)}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (e *mailEnv) apply(t *testing.T, r workflow.Role, d *workflow.Document, a workflow.Action, comment string) {
	t.Helper()
	if _, err := e.svc.Apply(context.Background(), e.users[r], d.ID, a, workflow.ActionInput{Comment: comment}); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
}

// mail is a message as Mailpit's API gives it.
type mail struct {
	ID      string
	Subject string
	To      []struct{ Address string }
	Text    string
}

// mails lists the messages Mailpit holds for address, each read whole.
func (e *mailEnv) mails(t *testing.T, address string) []mail {
	t.Helper()
	var list struct{ Messages []mail }
	e.get(t, "/api/v1/messages?limit=1000", &list)
	var out []mail
	for _, m := range list.Messages {
		if len(m.To) == 1 && m.To[0].Address == address {
			var full mail
			e.get(t, "/api/v1/message/"+m.ID, &full)
			out = append(out, full)
		}
	}
	return out
}

func (e *mailEnv) get(t *testing.T, path string, v any) {
	t.Helper()
	res, err := http.Get(e.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// waitMails waits until address has n messages (Mailpit stores a
// message just after its SMTP answer), and a little more for extra ones.
func (e *mailEnv) waitMails(t *testing.T, address string, n int) []mail {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := e.mails(t, address)
		if len(got) >= n || time.Now().After(deadline) {
			time.Sleep(200 * time.Millisecond)
			return e.mails(t, address)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIntegrationMailSubmitTellsSigner(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testSubmitTellsSigner(t, newMailEnvOn(t, backend)) })
	}
}

func testSubmitTellsSigner(t *testing.T, e *mailEnv) {
	d := e.draft(t, workflow.Public)
	e.apply(t, workflow.RoleHandler, d, workflow.Submit, "")
	e.run(t)
	e.run(t) // nothing more: the event is derived once, the mail sent once

	got := e.waitMails(t, e.addr[workflow.RoleOfficer], 1)
	if len(got) != 1 {
		t.Fatalf("the signer got %d mails, want 1", len(got))
	}
	m := got[0]
	if want := "[vanthu] Văn bản chờ duyệt: Thông báo — Thông báo lịch tiếp công dân tháng 12"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	for _, s := range []string{publicURL + "/documents/" + d.ID, "Người thực hiện: Người handler", "Loại văn bản: Thông báo"} {
		if !strings.Contains(m.Text, s) {
			t.Errorf("body lacks %q:\n%s", s, m.Text)
		}
	}
	if n := len(e.mails(t, e.addr[workflow.RoleHandler])); n != 0 {
		t.Errorf("the handler who submitted got %d mails, want none", n)
	}

	e.apply(t, workflow.RoleOfficer, d, workflow.Return, "Sai thể thức")
	e.run(t)
	back := e.waitMails(t, e.addr[workflow.RoleHandler], 1)
	if len(back) != 1 || !strings.HasPrefix(back[0].Subject, "[vanthu] Dự thảo bị trả lại: ") || !strings.Contains(back[0].Text, "Lý do: Sai thể thức") {
		t.Errorf("the drafter's mail of the return: %+v", back)
	}
}

func TestIntegrationMailConfidentialHasNoSubject(t *testing.T) {
	e := newMailEnv(t)
	d := e.draft(t, workflow.Confidential)
	e.apply(t, workflow.RoleHandler, d, workflow.Submit, "")
	e.run(t)
	got := e.waitMails(t, e.addr[workflow.RoleOfficer], 1)
	if len(got) != 1 {
		t.Fatalf("the signer got %d mails, want 1", len(got))
	}
	if strings.Contains(got[0].Subject+got[0].Text, "tiếp công dân") {
		t.Errorf("a confidential document's mail carries its subject:\n%s\n%s", got[0].Subject, got[0].Text)
	}
	if !strings.Contains(got[0].Text, publicURL+"/documents/"+d.ID) || !strings.Contains(got[0].Text, "văn bản mật") {
		t.Errorf("a confidential document's mail:\n%s", got[0].Text)
	}
}

func TestIntegrationMailOffGetsNone(t *testing.T) {
	e := newMailEnv(t)
	if err := e.db.SetUserMail(context.Background(), e.users[workflow.RoleOfficer].ID, e.users[workflow.RoleOfficer].ID,
		workflow.MailSettings{Email: e.addr[workflow.RoleOfficer], Off: true}); err != nil {
		t.Fatal(err)
	}
	d := e.draft(t, workflow.Public)
	e.apply(t, workflow.RoleHandler, d, workflow.Submit, "")
	e.apply(t, workflow.RoleOfficer, d, workflow.Return, "Bổ sung số liệu")
	e.run(t)
	// The drafter's mail of the return, sent after the submit's would
	// have been, is there: had the signer been owed one, it would be too.
	if n := len(e.waitMails(t, e.addr[workflow.RoleHandler], 1)); n != 1 {
		t.Fatalf("the drafter got %d mails, want 1", n)
	}
	if n := len(e.mails(t, e.addr[workflow.RoleOfficer])); n != 0 {
		t.Errorf("the signer who turned notifications off got %d mails", n)
	}
}

func TestIntegrationMailSMTPDownThenBack(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testSMTPDownThenBack(t, newMailEnvOn(t, backend)) })
	}
}

func testSMTPDownThenBack(t *testing.T, e *mailEnv) {
	e.proxy.Retarget("") // the SMTP server is down: every connection is closed at once
	d := e.draft(t, workflow.Public)
	e.apply(t, workflow.RoleHandler, d, workflow.Submit, "") // the transition does not wait for mail
	e.run(t)
	e.run(t)
	if n := len(e.mails(t, e.addr[workflow.RoleOfficer])); n != 0 {
		t.Fatalf("%d mails while the server was down", n)
	}
	e.proxy.Retarget(e.smtp)           // back
	time.Sleep(100 * time.Millisecond) // past the retry's backoff (a few ms)
	e.run(t)
	e.run(t)
	if n := len(e.waitMails(t, e.addr[workflow.RoleOfficer], 1)); n != 1 {
		t.Errorf("once the server is back the signer got %d mails, want 1", n)
	}
}

// TestIntegrationMailClerks: the official's signature tells the clerk
// the document waits for its number and the agency's signature, and a
// delivery refused for good (the event the exchange writes) tells the
// clerk, with the agency and the reason; neither tells the official (who
// has the submit's mail only).
func TestIntegrationMailClerks(t *testing.T) {
	e := newMailEnv(t)
	d := e.draft(t, workflow.Public)
	e.apply(t, workflow.RoleHandler, d, workflow.Submit, "")
	e.apply(t, workflow.RoleOfficer, d, workflow.Approve, "")
	e.apply(t, workflow.RoleOfficer, d, workflow.Sign, "")
	e.run(t)
	clerk := e.addr[workflow.RoleClerk]
	got := e.waitMails(t, clerk, 1)
	if len(got) != 1 || got[0].Subject != "[vanthu] Văn bản chờ cấp số và đóng dấu: Thông báo — Thông báo lịch tiếp công dân tháng 12" ||
		!strings.Contains(got[0].Text, publicURL+"/documents/"+d.ID) || !strings.Contains(got[0].Text, "Người thực hiện: Người officer") {
		t.Fatalf("the clerk's mail of the signature: %+v", got)
	}

	refused := workflow.DeliveryRefused(workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13",
		OrgName: "UBND phường Long Hòa"}, "02", "Không đúng thẩm quyền", time.Now())
	if err := e.db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.AppendEvent(ctx, refused) }); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	got = e.waitMails(t, clerk, 2)
	if len(got) != 2 {
		t.Fatalf("the clerk got %d mails, want 2", len(got))
	}
	var m mail
	for _, x := range got {
		if strings.HasPrefix(x.Subject, "[vanthu] Văn bản gửi liên thông bị từ chối: ") {
			m = x
		}
	}
	for _, s := range []string{"Cơ quan nhận: UBND phường Long Hòa (000.00.31.H13)", "Lý do: Không đúng thẩm quyền"} {
		if !strings.Contains(m.Text, s) {
			t.Errorf("the refusal's mail lacks %q: %+v", s, m)
		}
	}
	if got := e.mails(t, e.addr[workflow.RoleOfficer]); len(got) != 1 || !strings.HasPrefix(got[0].Subject, "[vanthu] Văn bản chờ duyệt: ") {
		t.Errorf("the official's mails, want the submit's only: %+v", got)
	}
}

// refusingMailpit starts a Mailpit of the test's own (the binary of
// scripts/setup/mail.sh) on 127.0.0.1 at free ports, accepting only the
// recipients that match allowed (--smtp-allowed-recipients) and refusing
// the others as a real server refuses an unknown mailbox, with a 5xx to
// RCPT TO; it is stopped when the test ends. It returns its SMTP and API
// addresses.
func refusingMailpit(t *testing.T, allowed string) (smtp, api string) {
	t.Helper()
	bin := os.Getenv("VANTHU_TEST_MAILPIT_BIN")
	if bin == "" {
		t.Skip("VANTHU_TEST_MAILPIT_BIN not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	smtp, listen := free(), free()
	cmd := exec.Command(bin, "--smtp", smtp, "--listen", listen, "--disable-version-check", "--quiet",
		"--smtp-allowed-recipients", allowed)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	api = "http://" + listen
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(api + "/api/v1/messages"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return smtp, api
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit on %s did not start:\n%s", api, out.String())
		}
	}
}

// TestIntegrationMailRefusedForGood: an address the SMTP server refuses
// for good (Mailpit's 5xx to RCPT TO) is marked failed with the server's
// answer, logged once and never sent again — it was retried hourly for
// ever — while the mail to an address it accepts goes on (SQLite and
// PostgreSQL); a temporary failure is still retried
// (TestIntegrationMailSMTPDownThenBack).
func TestIntegrationMailRefusedForGood(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) { testRefusedForGood(t, newMailEnvOn(t, backend)) })
	}
}

func testRefusedForGood(t *testing.T, e *mailEnv) {
	smtp, api := refusingMailpit(t, "^handler-")
	e.proxy.Retarget(smtp)
	e.api = api
	var logs bytes.Buffer
	e.n.Log = slog.New(slog.NewTextHandler(&logs, nil))
	d := e.draft(t, workflow.Public)
	e.apply(t, workflow.RoleHandler, d, workflow.Submit, "") // to the official, whose address is refused
	for range 3 {
		e.run(t)
		time.Sleep(20 * time.Millisecond) // past a retry's backoff (a few ms)
	}
	if n := strings.Count(logs.String(), "notification refused for good"); n != 1 || !strings.Contains(logs.String(), "550") ||
		strings.Contains(logs.String(), "notification not sent") {
		t.Fatalf("want one refusal logged with the server's answer, no retry:\n%s", logs.String())
	}
	if due, err := e.db.DueNotifications(context.Background(), time.Now().Add(2*time.Hour), 10); err != nil || len(due) != 0 {
		t.Fatalf("still due: %+v %v", due, err)
	}
	var row struct {
		Attempts  int
		FailedAt  int64
		LastError string
	}
	if err := e.db.Gorm().Raw("SELECT attempts, failed_at, last_error FROM mail_outbox WHERE user_id = ?", e.users[workflow.RoleOfficer].ID).
		Scan(&row).Error; err != nil || row.Attempts != 1 || row.FailedAt == 0 || !strings.Contains(row.LastError, "550") {
		t.Fatalf("the refused row: %+v %v", row, err)
	}
	e.apply(t, workflow.RoleOfficer, d, workflow.Return, "Sai thể thức")
	e.run(t)
	if got := e.waitMails(t, e.addr[workflow.RoleHandler], 1); len(got) != 1 {
		t.Errorf("the drafter, whose address the server accepts, got %d mails, want 1", len(got))
	}
	if got := e.mails(t, e.addr[workflow.RoleOfficer]); len(got) != 0 {
		t.Errorf("the refused address got %d mails", len(got))
	}
}

// TestIntegrationMailReassigned: a draft waiting for its signer's
// approval, passed by the admin to another official, mails that official
// "Văn bản chờ duyệt" — and the first signer nothing more; a draft not
// yet submitted, passed by a clerk to another handler, mails her "Dự
// thảo được chuyển cho bạn soạn tiếp" (the submitted one stays).
func TestIntegrationMailReassigned(t *testing.T) {
	e := newMailEnv(t)
	ctx := context.Background()
	deputy := &workflow.User{ID: "u-deputy", Username: "pho", FullName: "Phó Chủ tịch", Roles: []workflow.Role{workflow.RoleOfficer}, CreatedAt: time.Now()}
	if err := e.db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateUser(ctx, deputy) }); err != nil {
		t.Fatal(err)
	}
	addr := "deputy-" + e.addr[workflow.RoleOfficer]
	if err := e.db.SetUserMail(ctx, "", deputy.ID, workflow.MailSettings{Email: addr}); err != nil {
		t.Fatal(err)
	}
	d := e.draft(t, workflow.Public)
	e.apply(t, workflow.RoleHandler, d, workflow.Submit, "")
	e.run(t)
	admin := &workflow.User{ID: "u-admin", Username: "quantri", Roles: []workflow.Role{workflow.RoleAdmin}}
	if _, err := e.svc.Reassign(ctx, admin, workflow.ReassignInput{From: e.users[workflow.RoleOfficer].ID, To: deputy.ID, Role: workflow.RoleOfficer}); err != nil {
		t.Fatal(err)
	}
	e.run(t)
	got := e.waitMails(t, addr, 1)
	if len(got) != 1 || !strings.HasPrefix(got[0].Subject, "[vanthu] Văn bản chờ duyệt: ") || !strings.Contains(got[0].Text, publicURL+"/documents/"+d.ID) {
		t.Errorf("the new signer's mail: %+v", got)
	}
	if n := len(e.mails(t, e.addr[workflow.RoleOfficer])); n != 1 {
		t.Errorf("the first signer got %d mails, want the submission's only", n)
	}
	h2 := &workflow.User{ID: "u-h2", Username: "cv2", FullName: "Chuyên viên Hai", Roles: []workflow.Role{workflow.RoleHandler}, CreatedAt: time.Now()}
	if err := e.db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateUser(ctx, h2) }); err != nil {
		t.Fatal(err)
	}
	addr2 := "cv2-" + e.addr[workflow.RoleHandler]
	if err := e.db.SetUserMail(ctx, "", h2.ID, workflow.MailSettings{Email: addr2}); err != nil {
		t.Fatal(err)
	}
	d2 := e.draft(t, workflow.Public)
	res, err := e.svc.Reassign(ctx, e.users[workflow.RoleClerk], workflow.ReassignInput{From: e.users[workflow.RoleHandler].ID, To: h2.ID, Role: workflow.RoleHandler})
	if err != nil || len(res.Moved) != 1 || res.Moved[0] != d2.ID {
		t.Fatalf("the handler's work: moved %v, %v; want the draft not submitted only", res.Moved, err)
	}
	e.run(t)
	got = e.waitMails(t, addr2, 1)
	if len(got) != 1 || !strings.HasPrefix(got[0].Subject, "[vanthu] Dự thảo được chuyển cho bạn soạn tiếp: ") || !strings.Contains(got[0].Text, publicURL+"/documents/"+d2.ID) {
		t.Errorf("the new drafter's mail: %+v", got)
	}
}
