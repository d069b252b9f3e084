package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
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

// TestAccountSetsOwnAddress: a user sets their own address on the
// account page, beside the on/off box; one the admin's forms refuse comes
// back as typed with the same Vietnamese message beside its input, and
// nothing is stored. Each change, the admin's and the user's, is audited
// (kind user, by whoever made it, saying what changed).
func TestAccountSetsOwnAddress(t *testing.T) {
	e := newTestEnv(t)
	mail := &workflowtest.MailSettings{}
	e.remount(t, Config{Mail: mail})
	u := e.users["chuyenvien"]
	c := e.login("chuyenvien")
	if p := c.get("/password"); !strings.Contains(p.Body, `name="email" value=""`) || !strings.Contains(p.Body, "chưa có địa chỉ thư điện tử") {
		t.Fatalf("the account page has no address input:\n%s", p.Body)
	}
	p := c.post("/account/notifications", url.Values{"email": {"chuyenvien@"}, "notifications": {"on"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="email-error"`) || !strings.Contains(p.Body, emailProblem) ||
		!strings.Contains(p.Body, `value="chuyenvien@"`) || !strings.Contains(p.Body, `aria-invalid="true"`) {
		t.Fatalf("a malformed address: %d\n%s", p.Status, p.Body)
	}
	if got := mail.Get(u.ID); got != (workflow.MailSettings{}) {
		t.Fatalf("a refused address stored %+v", got)
	}
	p = c.post("/account/notifications", url.Values{"email": {" chuyenvien@binhthuy.gov.vn "}, "notifications": {"on"}})
	if p.Status != http.StatusSeeOther || mail.Get(u.ID).Email != "chuyenvien@binhthuy.gov.vn" || mail.Get(u.ID).Off {
		t.Fatalf("set: %d %+v", p.Status, mail.Get(u.ID))
	}
	if p := c.get(p.Location); !strings.Contains(p.Body, "Đã lưu địa chỉ thư điện tử") || !strings.Contains(p.Body, `value="chuyenvien@binhthuy.gov.vn"`) {
		t.Errorf("after setting:\n%s", p.Body)
	}
	c.post("/account/notifications", url.Values{"email": {"chuyenvien@binhthuy.gov.vn"}}) // the box unticked

	admin := e.login("quantri")
	admin.post("/admin/users/"+u.ID, url.Values{"action": {"update"}, "full_name": {u.FullName}, "roles": {"handler"},
		"email": {"cv@binhthuy.gov.vn"}})
	want := []struct{ actor, changed, email, notifications string }{
		{u.ID, "email", "chuyenvien@binhthuy.gov.vn", ""},
		{u.ID, "notifications", "", "off"},
		{e.users["quantri"].ID, "email", "cv@binhthuy.gov.vn", ""},
	}
	evs := mail.Events()
	if len(evs) != len(want) {
		t.Fatalf("events %+v, want %d", evs, len(want))
	}
	for i, w := range want {
		d := evs[i].Data
		if evs[i].Kind != workflow.EventUser || evs[i].Actor != w.actor || d["updated_user"] != u.ID || d["changed"] != w.changed ||
			d["email"] != w.email || d["notifications"] != w.notifications {
			t.Errorf("event %d: %+v, want %+v", i, evs[i], w)
		}
	}
}
