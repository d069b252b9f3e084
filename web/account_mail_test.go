package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestAccountSaysMailFailed: a user whose notifications the SMTP server
// refused for good reads it on her own account page — the address, the
// server's answer, when, how many more — and what to do: correct the
// address and ask the admin to send again; once she has changed the
// address, that only the admin's Gửi lại sends it to the new one; once
// the admin has, nothing. A user with no refused mail reads nothing.
func TestAccountSaysMailFailed(t *testing.T) {
	e := newTestEnv(t)
	db := gormdbtest.Open(t, gormdb.SQLite)
	e.remount(t, Config{Mail: db, Outbox: &workflow.MailAdmin{Store: db, Now: func() time.Time { return e.now }}})
	ctx := context.Background()
	cv := e.users["chuyenvien"]
	if err := db.SetUserMail(ctx, cv.ID, cv.ID, workflow.MailSettings{Email: "chuyenvien@sai"}); err != nil {
		t.Fatal(err)
	}
	err := db.EnqueueNotifications(ctx, []workflow.Notification{
		{EventSeq: 51, UserID: cv.ID, Address: "chuyenvien@sai", Subject: "[vanthu] Văn bản được giao xử lý: A", Body: "b"},
		{EventSeq: 52, UserID: cv.ID, Address: "chuyenvien@sai", Subject: "[vanthu] Văn bản được giao xử lý: B", Body: "b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := db.DueNotifications(ctx, time.Now().Add(time.Minute), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due %v %v", due, err)
	}
	at := time.Date(2026, 11, 24, 15, 4, 0, 0, workflow.Vietnam)
	for i, d := range due {
		if err := db.NotificationRefused(ctx, d.ID, 1, at.Add(-time.Duration(i)*time.Hour), "550 5.1.1 <chuyenvien@sai>: mailbox unavailable"); err != nil {
			t.Fatal(err)
		}
	}
	handler := e.login("chuyenvien")
	p := handler.get("/password")
	for _, want := range []string{
		"Thư gửi tới địa chỉ <strong>chuyenvien@sai</strong> không gửi được: 550 5.1.1 &lt;chuyenvien@sai&gt;: mailbox unavailable, lúc " + fmtDateTime(at) + ".",
		"Còn 1 thư khác tới đồng chí cũng không gửi được.",
		"hãy sửa địa chỉ dưới đây rồi nhờ quản trị viên gửi lại thư",
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the account page does not say %q:\n%s", want, p.Body)
		}
	}
	if p := e.login("lanhdao").get("/password"); strings.Contains(p.Body, `id="mail-refused"`) {
		t.Errorf("a user with no refused mail reads the notice")
	}
	handler.post("/account/notifications", url.Values{"email": {"chuyenvien@binhthuy.gov.vn"}, "notifications": {"on"}})
	if p = handler.get("/password"); !strings.Contains(p.Body, "Đồng chí đã đổi địa chỉ sau đó") || !strings.Contains(p.Body, "nhờ quản trị viên gửi lại") {
		t.Errorf("after the address changed, the page does not say the admin must send again:\n%s", p.Body)
	}
	for _, d := range due {
		if _, err := (&workflow.MailAdmin{Store: db}).Retry(ctx, e.users["quantri"], d.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if p = handler.get("/password"); strings.Contains(p.Body, `id="mail-refused"`) {
		t.Errorf("the notice stays after the admin sent the mail again")
	}
}
