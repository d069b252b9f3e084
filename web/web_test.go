package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// testEnv is the interface on the in-memory fakes, with one user per role.
type testEnv struct {
	t     *testing.T
	repo  *workflowtest.Repository
	docs  *workflow.Service
	auth  *auth.Service
	ui    *UI
	srv   *httptest.Server
	users map[string]*workflow.User // by username
	now   time.Time
}

const testPassword = "mat-khau-thu"

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	repo := workflowtest.NewRepository()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
	e := &testEnv{t: t, repo: repo, users: map[string]*workflow.User{}, now: now}
	e.auth = &auth.Service{Repo: repo, Cost: 4, Now: func() time.Time { return e.now }}
	e.docs = &workflow.Service{Repo: repo, Blobs: workflowtest.TempBlobs(t), Now: func() time.Time { return e.now },
		Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"}}
	for _, x := range []struct {
		name, full string
		roles      []workflow.Role
	}{
		{"vanthu", "Nguyễn Thị Văn Thư", []workflow.Role{workflow.RoleClerk}},
		{"lanhdao", "Trần Văn Lãnh Đạo", []workflow.Role{workflow.RoleOfficer}},
		{"lanhdao2", "Phạm Phó Chủ Tịch", []workflow.Role{workflow.RoleOfficer}},
		{"chuyenvien", "Lê Chuyên Viên", []workflow.Role{workflow.RoleHandler}},
		{"chuyenvien2", "Võ Chuyên Viên Hai", []workflow.Role{workflow.RoleHandler}},
		{"luutru", "Đỗ Lưu Trữ", []workflow.Role{workflow.RoleArchivist}},
		{"quantri", "Quản Trị Viên", []workflow.Role{workflow.RoleAdmin}},
	} {
		u, err := e.auth.CreateUser(context.Background(), nil, auth.NewUser{Username: x.name, Password: testPassword, FullName: x.full, Roles: x.roles})
		if err != nil {
			t.Fatal(err)
		}
		e.users[x.name] = u
	}
	ui, err := New(Config{Docs: e.docs, Accounts: e.auth, Directory: repo, Agency: e.docs.Agency,
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.ui = ui
	e.srv = httptest.NewServer(Mount(http.NotFoundHandler(), ui))
	t.Cleanup(e.srv.Close)
	return e
}

// remount serves the interface again with cfg: the environment's
// services and clock, and what cfg adds (a subsystem, a limit, a fake).
func (e *testEnv) remount(t *testing.T, cfg Config) *UI {
	t.Helper()
	cfg.Docs, cfg.Accounts, cfg.Directory, cfg.Agency = e.docs, e.auth, e.repo, e.docs.Agency
	cfg.Now = func() time.Time { return e.now }
	ui, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	e.srv = httptest.NewServer(Mount(http.NotFoundHandler(), ui))
	t.Cleanup(e.srv.Close)
	return ui
}

// client is a browser-like HTTP client: cookies, no automatic redirects,
// and the CSRF token of the last page it read.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func (e *testEnv) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.srv.URL, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return page{Status: resp.StatusCode, Body: string(b), Location: resp.Header.Get("Location"), Header: resp.Header}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// post sends a form with the client's CSRF token (unless form has one).
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// postMultipart sends fields and files (name -> content) as multipart.
func (c *client) postMultipart(path string, fields url.Values, files map[string][]byte) page {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, ok := fields["csrf_token"]; !ok {
		mw.WriteField("csrf_token", c.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, content := range files {
		field, fname, _ := strings.Cut(name, ":")
		if fname == "" {
			fname = field + ".pdf"
		}
		w, _ := mw.CreateFormFile(field, fname)
		w.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// login signs in as username and returns the client.
func (e *testEnv) login(username string) *client {
	e.t.Helper()
	c := e.client()
	p := c.get("/login")
	if p.Status != http.StatusOK {
		e.t.Fatalf("GET /login: %d", p.Status)
	}
	p = c.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		e.t.Fatalf("login %s: %d %s\n%s", username, p.Status, p.Location, p.Body)
	}
	c.get("/")
	return c
}

func TestLoginLogout(t *testing.T) {
	e := newTestEnv(t)
	t.Run("redirect to login", func(t *testing.T) {
		p := e.client().get("/")
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login?next=") {
			t.Fatalf("got %d %q", p.Status, p.Location)
		}
	})
	t.Run("login page contract", func(t *testing.T) {
		p := e.client().get("/login")
		for _, want := range []string{`<html lang="vi">`, `name="username"`, `name="password"`, `name="csrf_token"`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("login page lacks %s", want)
			}
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		c := e.client()
		c.get("/login")
		p := c.post("/login", url.Values{"username": {"vanthu"}, "password": {"sai-mat-khau"}})
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Sai tên đăng nhập hoặc mật khẩu") {
			t.Fatalf("got %d\n%s", p.Status, p.Body)
		}
	})
	t.Run("login without token is 403", func(t *testing.T) {
		c := e.client()
		c.get("/login")
		p := c.post("/login", url.Values{"username": {"vanthu"}, "password": {testPassword}, "csrf_token": {"forged"}})
		if p.Status != http.StatusForbidden {
			t.Fatalf("got %d", p.Status)
		}
	})
	t.Run("session cookie and logout", func(t *testing.T) {
		c := e.client()
		c.get("/login")
		p := c.post("/login", url.Values{"username": {"vanthu"}, "password": {testPassword}})
		sc := p.Header.Values("Set-Cookie")
		var session string
		for _, s := range sc {
			if strings.HasPrefix(s, sessionCookie+"=") {
				session = s
			}
		}
		if !strings.Contains(session, "HttpOnly") || !strings.Contains(session, "SameSite=Lax") {
			t.Fatalf("session cookie %q", session)
		}
		home := c.get("/")
		if home.Status != http.StatusOK || !strings.Contains(home.Body, "Việc cần xử lý") {
			t.Fatalf("home %d", home.Status)
		}
		if p := c.post("/logout", url.Values{"csrf_token": {""}}); p.Status != http.StatusForbidden {
			t.Fatalf("logout without token: %d", p.Status)
		}
		if p := c.post("/logout", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", p.Status)
		}
		if p := c.get("/"); p.Status != http.StatusSeeOther {
			t.Fatalf("after logout: %d", p.Status)
		}
	})
	t.Run("next stays on site", func(t *testing.T) {
		for in, want := range map[string]string{"/documents/x": "/documents/x", "//evil.example": "/", "https://evil.example/": "/", "": "/",
			// A browser drops tabs and line breaks and reads \ as /: each is //evil.example to it.
			"/\tevil.example": "/", "/\t/evil.example": "/", "/\n/evil.example": "/", "/\r/evil.example": "/", "/\\evil.example": "/",
			"/documents/x\\..": "/", "/documents/x?q=a%09b": "/documents/x?q=a%09b"} {
			if got := safeNext(in); got != want {
				t.Errorf("safeNext(%q) = %q", in, got)
			}
		}
	})
	t.Run("logged in, next off site", func(t *testing.T) {
		// A link to the login page of a user already logged in redirects
		// at once: a next a browser reads as another host would send her
		// there without her typing anything.
		c := e.client()
		c.get("/login")
		c.post("/login", url.Values{"username": {"vanthu"}, "password": {testPassword}})
		for _, next := range []string{"/\t/evil.example", "/\n/evil.example", "/\\evil.example"} {
			p := c.get("/login?next=" + url.QueryEscape(next))
			if loc := p.Header.Get("Location"); p.Status != http.StatusSeeOther || loc != "/" {
				t.Errorf("next %q: %d to %q, want 303 to /", next, p.Status, loc)
			}
		}
	})
}

func TestSecurityHeadersAnd404(t *testing.T) {
	e := newTestEnv(t)
	c := e.login("vanthu")
	p := c.get("/no-such-page")
	if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Không tìm thấy") || !strings.Contains(p.Body, `<html lang="vi">`) {
		t.Fatalf("404 page: %d\n%s", p.Status, p.Body)
	}
	csp := p.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline: %s", csp)
	}
	if p.Header.Get("X-Content-Type-Options") != "nosniff" || p.Header.Get("Referrer-Policy") == "" {
		t.Errorf("headers: %v", p.Header)
	}
	if st := c.get("/static/app.css"); st.Status != http.StatusOK || !strings.Contains(st.Body, "@media print") {
		t.Errorf("static css: %d", st.Status)
	}
}

// TestNoInlineScriptOrStyle checks every template: the CSP forbids inline
// script and style, so none may rely on them.
func TestNoInlineScriptOrStyle(t *testing.T) {
	files, _ := templateFS.ReadDir("templates")
	bad := regexp.MustCompile(`(?i)<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=|<style`)
	for _, f := range files {
		b, _ := templateFS.ReadFile("templates/" + f.Name())
		if m := bad.Find(b); m != nil {
			t.Errorf("%s: inline script or style: %q", f.Name(), m)
		}
	}
}

func TestErrorTableCoversEveryCode(t *testing.T) {
	for _, code := range []string{workflow.EINVALID, workflow.EUNPROCESSABLE, workflow.EUNSUPPORTEDMEDIA, workflow.ENOTFOUND,
		workflow.EILLEGAL, workflow.ECONFLICT, workflow.EPRECONDITION, workflow.EINPROGRESS, workflow.EKEYREUSED, workflow.EFORBIDDEN, workflow.EUNAUTHORIZED, workflow.ETOOLARGE,
		workflow.EUNAVAILABLE, workflow.EINTERNAL, ECSRF} {
		p, ok := problems[code]
		var err error = workflow.Errorf(code, "x")
		if code == ECSRF {
			err = &webError{code: ECSRF}
		}
		if _, shown := problemOf(err); shown.Status == 0 {
			t.Errorf("code %s has no status", code)
		}
		if !ok || p.Title == "" || p.Message == "" {
			t.Errorf("code %s has no Vietnamese message", code)
		}
	}
	// An error that is no *workflow.Error is internal and says nothing of itself.
	_, p := problemOf(io.ErrUnexpectedEOF)
	if p.Status != http.StatusInternalServerError || strings.Contains(p.Message, "EOF") {
		t.Errorf("plain error shown as %+v", p)
	}
}
