package web

import (
	"context"
	"net/url"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestFormsStoreNFC: text typed with decomposed letters (a Vietnamese
// keyboard in "Unicode tổ hợp") is stored composed, in an upload form
// (multipart) and a plain one; a password is kept as typed, so the user
// signs in with it as set.
func TestFormsStoreNFC(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	subject := "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026"
	nfd := func(s string) string { return norm.NFD.String(s) }
	if nfd(subject) == subject {
		t.Fatal("the test subject has no decomposable letter")
	}
	id := e.newIncoming(clerk, nfd(subject), url.Values{"sender_name": {nfd("UBND thành phố Cần Thơ")}, "notes": {nfd("Bản chụp")}})
	d, err := e.docs.Get(context.Background(), e.users["vanthu"], id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != subject || d.Sender.Name != "UBND thành phố Cần Thơ" || d.Notes != "Bản chụp" {
		t.Errorf("stored %q, %q, %q; want them composed (NFC)", d.Subject, d.Sender.Name, d.Notes)
	}

	admin := e.login("quantri")
	admin.get("/admin/users")
	password := nfd("mật-khẩu-mới-1")
	p := admin.post("/admin/users", url.Values{"username": {"thuky"}, "password": {password}, "full_name": {nfd("Hồ Thị Thư Ký")}, "roles": {"clerk"}})
	if p.Status != 303 {
		t.Fatalf("create user: %d\n%s", p.Status, p.Body)
	}
	users, err := e.repo.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == "thuky" && u.FullName != "Hồ Thị Thư Ký" {
			t.Errorf("full name stored as %q", u.FullName)
		}
	}
	if _, _, _, err := e.auth.LoginFrom(context.Background(), "127.0.0.1", "thuky", password); err != nil {
		t.Errorf("the password as typed (decomposed) no longer signs in: %v", err)
	}
}
