package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// axeOutbox writes, beside the running server s (whose walk sends no
// mail), one notification refused for good and one waiting, then runs
// check on the admin's Thư thông báo at 1366 and 360 px (its table,
// its Gửi lại button) and on her inbox with its notice.
func axeOutbox(t *testing.T, s *server, b *Browser, check func() []string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	db, err := gormdb.Open(ctx, "", s.dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.EnqueueNotifications(ctx, []workflow.Notification{
		{EventSeq: 1 << 40, UserID: "u-khong-co", Address: "chuyenvien@sai-ten-mien", Subject: "[vanthu] Dự thảo bị trả lại: Công văn", Body: "."},
		{EventSeq: 1<<40 + 1, UserID: "u-khong-co", Address: "lanhdao@binhthuy.gov.vn", Subject: "[vanthu] Văn bản chờ duyệt: Quyết định", Body: "."},
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := db.DueNotifications(ctx, time.Now().Add(time.Minute), 100)
	if err != nil || len(due) == 0 {
		t.Fatalf("due mail: %d, %v", len(due), err)
	}
	if err := db.NotificationRefused(ctx, due[0].ID, 1, time.Now(), "550 5.1.1 <chuyenvien@sai-ten-mien>: Recipient address rejected"); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	b.As("admin", "admin-password-1")
	for _, w := range []struct {
		px   int64
		name string
	}{{1366, "admin 1366px /admin/mail"}, {360, "admin 360px /admin/mail"}} {
		b.Run(chromedp.EmulateViewport(w.px, 800))
		b.Go("/admin/mail")
		b.Run(chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/mail"] button`)))
		out[w.name] = check()
	}
	b.Go("/")
	b.Run(chromedp.WaitVisible(chromedp.CSS(`#mail-failed a`)))
	out["admin 360px / with failed mail"] = check()
	return out
}
