package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestNotificationsPages: the admin gives a user an e-mail address on
// the new-user form and on the user's page (a malformed one comes back
// beside its input); the user sees it on their account page and turns
// the notifications off and on there, the address kept.
func TestNotificationsPages(t *testing.T) {
	e := newTestEnv(t)
	mail := &workflowtest.MailSettings{}
	e.remount(t, Config{Mail: mail})
	admin := e.login("quantri")
	admin.get("/admin/users")
	p := admin.post("/admin/users", url.Values{"username": {"moi"}, "password": {"mat-khau-moi-1"}, "roles": {"handler"},
		"email": {"khong-phai-dia-chi"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="email-error"`) || !strings.Contains(p.Body, "thư điện tử không hợp lệ") ||
		!strings.Contains(p.Body, `value="khong-phai-dia-chi"`) {
		t.Fatalf("a malformed address: %d\n%s", p.Status, p.Body)
	}
	p = admin.post("/admin/users", url.Values{"username": {"moi"}, "password": {"mat-khau-moi-1"}, "roles": {"handler"},
		"email": {" moi@binhthuy.gov.vn "}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", p.Status, p.Body)
	}
	id := strings.TrimPrefix(strings.SplitN(p.Location, "?", 2)[0], "/admin/users/")
	if got := mail.Get(id); got.Email != "moi@binhthuy.gov.vn" || got.Off {
		t.Fatalf("stored %+v", got)
	}

	u := e.users["chuyenvien"]
	if p := admin.get("/admin/users/" + u.ID); !strings.Contains(p.Body, `name="email" value=""`) {
		t.Fatalf("the user page has no address input:\n%s", p.Body)
	}
	p = admin.post("/admin/users/"+u.ID, url.Values{"action": {"update"}, "full_name": {u.FullName}, "roles": {"handler"},
		"email": {"chuyenvien@binhthuy.gov.vn"}})
	if p.Status != http.StatusSeeOther || mail.Get(u.ID).Email != "chuyenvien@binhthuy.gov.vn" {
		t.Fatalf("update: %d %+v\n%s", p.Status, mail.Get(u.ID), p.Body)
	}

	c := e.login("chuyenvien")
	p = c.get("/password")
	if !strings.Contains(p.Body, "chuyenvien@binhthuy.gov.vn") || !strings.Contains(p.Body, `name="notifications" value="on" checked`) {
		t.Fatalf("the account page:\n%s", p.Body)
	}
	p = c.post("/account/notifications", url.Values{}) // the box unticked
	if p.Status != http.StatusSeeOther || !mail.Get(u.ID).Off || mail.Get(u.ID).Email != "chuyenvien@binhthuy.gov.vn" {
		t.Fatalf("turned off: %d %+v", p.Status, mail.Get(u.ID))
	}
	if p := c.get(p.Location); !strings.Contains(p.Body, "Đã tắt thông báo") || strings.Contains(p.Body, `value="on" checked`) {
		t.Errorf("after turning off:\n%s", p.Body)
	}
	if p := c.post("/account/notifications", url.Values{"notifications": {"on"}}); p.Status != http.StatusSeeOther || mail.Get(u.ID).Off {
		t.Errorf("turned on: %d %+v", p.Status, mail.Get(u.ID))
	}
	if p := c.post("/account/notifications", url.Values{"csrf_token": {""}}); p.Status != http.StatusForbidden || mail.Get(u.ID).Off {
		t.Errorf("without the CSRF token: %d %+v", p.Status, mail.Get(u.ID))
	}
}
