package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestAdminMailOutbox: the admin finds the mail refused for good where
// she looks first ("1 thư không gửi được" on her inbox and the users'
// page, linking to Thư thông báo); the page lists it before the mail
// waiting, with the server's answer; after she corrects the user's
// address, "Gửi lại" makes it due again to the new address, audited
// once, and a second click of the same form changes nothing. Other
// roles get 403, the POST without its CSRF token too.
func TestAdminMailOutbox(t *testing.T) {
	e := newTestEnv(t)
	db := gormdbtest.Open(t, gormdb.SQLite)
	e.remount(t, Config{Mail: db, Outbox: &workflow.MailAdmin{Store: db, Now: func() time.Time { return e.now }}})
	ctx := context.Background()
	cv, ld := e.users["chuyenvien"], e.users["lanhdao"]
	for _, s := range []struct {
		id, addr string
	}{{cv.ID, "chuyenvien@sai"}, {ld.ID, "lanhdao@binhthuy.gov.vn"}} {
		if err := db.SetUserMail(ctx, s.id, s.id, workflow.MailSettings{Email: s.addr}); err != nil {
			t.Fatal(err)
		}
	}
	err := db.EnqueueNotifications(ctx, []workflow.Notification{
		{EventSeq: 41, UserID: cv.ID, Address: "chuyenvien@sai", Subject: "[vanthu] Dự thảo bị trả lại: Văn bản mật", Body: "b"},
		{EventSeq: 42, UserID: ld.ID, Address: "lanhdao@binhthuy.gov.vn", Subject: "[vanthu] Văn bản chờ duyệt: Quyết định", Body: "b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	due, err := db.DueNotifications(ctx, time.Now().Add(time.Minute), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due %v %v", due, err)
	}
	failedAt := time.Now().Add(-time.Hour)
	if err := db.NotificationRefused(ctx, due[0].ID, 1, failedAt, "550 5.1.1 <chuyenvien@sai>: mailbox unavailable"); err != nil {
		t.Fatal(err)
	}

	admin := e.login("quantri")
	for _, path := range []string{"/", "/admin/users"} {
		if p := admin.get(path); !strings.Contains(p.Body, `<a href="/admin/mail?state=failed">1 thư không gửi được</a>`) {
			t.Errorf("%s has no notice of the failed mail:\n%s", path, p.Body)
		}
	}
	p := admin.get("/admin/mail")
	failed, pending := strings.Index(p.Body, "mailbox unavailable"), strings.Index(p.Body, "Văn bản chờ duyệt: Quyết định")
	if p.Status != http.StatusOK || failed < 0 || pending < failed || !strings.Contains(p.Body, "Gửi lại") ||
		!strings.Contains(p.Body, "<strong class=\"v-invalid\">1</strong> không gửi được") || strings.Count(p.Body, `name="id"`) != 1 {
		t.Fatalf("outbox page: %d\n%s", p.Status, p.Body)
	}
	id := regexp.MustCompile(`name="id" value="(\d+)"`).FindStringSubmatch(p.Body)[1]
	seen := regexp.MustCompile(`name="failed_at" value="(\d+)"`).FindStringSubmatch(p.Body)[1]
	form := func() url.Values { return url.Values{"id": {id}, "failed_at": {seen}} } // each post adds its client's token

	for _, who := range []string{"vanthu", "chuyenvien", "lanhdao"} {
		c := e.login(who)
		if p := c.get("/admin/mail"); p.Status != http.StatusForbidden {
			t.Errorf("%s GET: %d", who, p.Status)
		}
		if p := c.post("/admin/mail", form()); p.Status != http.StatusForbidden {
			t.Errorf("%s POST: %d", who, p.Status)
		}
		if p := c.get("/"); strings.Contains(p.Body, "thư không gửi được") {
			t.Errorf("%s is told of the outbox", who)
		}
	}
	noToken := form()
	noToken.Set("csrf_token", "")
	if p := admin.post("/admin/mail", noToken); p.Status != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d", p.Status)
	}

	admin.post("/admin/users/"+cv.ID, url.Values{"action": {"update"}, "full_name": {cv.FullName}, "roles": {"handler"},
		"email": {"chuyenvien@binhthuy.gov.vn"}})
	head, _ := db.AuditHead(ctx)
	for click, want := range []string{"Đã đặt thư gửi lại", "đã được đặt gửi lại trước đó"} {
		p := admin.post("/admin/mail", form())
		if p.Status != http.StatusSeeOther {
			t.Fatalf("click %d: %d\n%s", click, p.Status, p.Body)
		}
		if p := admin.get(p.Location); !strings.Contains(p.Body, want) {
			t.Errorf("click %d: no %q", click, want)
		}
	}
	now, err := db.DueNotifications(ctx, time.Now().Add(time.Minute), 10)
	if err != nil || len(now) != 2 || now[0].ID != due[0].ID || now[0].Address != "chuyenvien@binhthuy.gov.vn" {
		t.Fatalf("due after the retry: %+v %v; want the mail to the corrected address", now, err)
	}
	evs, err := db.EventsAfter(ctx, head.Seq, 10)
	if err != nil || len(evs) != 1 || evs[0].Kind != workflow.EventMailRetried || evs[0].Actor != e.users["quantri"].ID {
		t.Errorf("events after the clicks: %+v %v; want one mail_retried by the admin", evs, err)
	}
	if p := admin.get("/"); strings.Contains(p.Body, "thư không gửi được") {
		t.Errorf("the notice stays after the retry")
	}
}
