package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
)

// secondInstance serves a second interface on e's repository — another
// instance behind the load balancer, sharing the database: its own
// auth.Service (its own session cache) and its own UI.
func (e *testEnv) secondInstance(t *testing.T) *httptest.Server {
	t.Helper()
	acc := &auth.Service{Repo: e.repo, Cost: 4, Now: func() time.Time { return e.now }}
	ui, err := New(Config{Docs: e.docs, Accounts: acc, Directory: e.repo, Agency: e.docs.Agency, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Mount(http.NotFoundHandler(), ui))
	t.Cleanup(srv.Close)
	return srv
}

// on is c's session sending to srv (the cookies are the host's, whatever
// the port).
func (c *client) on(srv *httptest.Server) *client {
	o := *c
	o.base = srv.URL
	return &o
}

// importOne has admin import one user and returns the key of the
// passwords' download.
func importOne(t *testing.T, admin *client) string {
	t.Helper()
	admin.get("/admin/users/import")
	p := admin.post("/admin/users/import", url.Values{"action": {"create"}, "csv": {"Tên đăng nhập;Họ và tên;Vai trò\nlan;Lê Thị Lan;Văn thư\n"}})
	m := importHeldRe.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil {
		t.Fatalf("import: %d\n%s", p.Status, p.Body)
	}
	return m[1]
}

// TestHeldPasswordsOnceThenGone: an import's passwords are taken once,
// by the session that made the import, before heldTTL, through any
// instance sharing the database — here another one than the import's;
// then, or by another session, or with another key, there is nothing
// (404). The store keeps them sealed: its bytes do not hold the
// password; another session's try leaves them, what expired is gone.
func TestHeldPasswordsOnceThenGone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		other   bool // another session of the same admin
		wrongID bool
		at      time.Duration
		want    bool
	}{
		{"its session, in time", false, false, heldTTL - time.Second, true},
		{"its session, too late", false, false, heldTTL, false},
		{"another session", true, false, time.Minute, false},
		{"another key", false, true, time.Minute, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			second := e.secondInstance(t)
			admin := e.login("quantri")
			id := importOne(t, admin)
			sealed := e.repo.Held(id)
			if len(sealed) == 0 {
				t.Fatal("nothing held in the store")
			}
			key, taker := id, admin.on(second)
			if tc.wrongID {
				key = id[:10]
			}
			if tc.other {
				taker = e.login("quantri").on(second)
			}
			e.now = e.now.Add(tc.at)
			p := taker.post("/admin/users/import/passwords", url.Values{"held": {key}})
			lines := strings.Split(strings.TrimSpace(p.Body), "\n")
			if got := p.Status == http.StatusOK; got != tc.want || got && (len(lines) != 2 || !strings.HasPrefix(lines[1], "lan,")) {
				t.Fatalf("download: %d\n%s", p.Status, p.Body)
			}
			if tc.want {
				if pw := strings.TrimPrefix(lines[1], "lan,"); len(pw) < 12 || bytes.Contains(sealed, []byte(pw)) || bytes.Contains(sealed, []byte("lan,")) {
					t.Errorf("the store holds the CSV in clear: %q", sealed)
				}
				if p := admin.post("/admin/users/import/passwords", url.Values{"held": {id}}); p.Status != http.StatusNotFound || strings.Contains(p.Body, "lan,") {
					t.Errorf("taken twice (the first instance): %d", p.Status)
				}
			}
			if left := e.repo.Held(id) != nil; left != (tc.other || tc.wrongID) {
				t.Errorf("held after the try: %v", left)
			}
		})
	}
}
