package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/pwbacktest"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// server is a running `vanthu serve` started through run, as main does.
type server struct {
	base     string
	exchange string // host:port of its exchange listener ("" with the exchange off)
	metrics  string // host:port of its VANTHU_METRICS_ADDR listener ("" without)
	cancel   context.CancelFunc
	done     chan int
	dir      string
}

func startServer(t *testing.T, env map[string]string) *server {
	t.Helper()
	return startServerWith(t, options{}, env)
}

// startServerWith is startServer with run's options.
func startServerWith(t *testing.T, opts options, env map[string]string) *server {
	t.Helper()
	dir := t.TempDir()
	base := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_ADMIN_PASSWORD": "admin-password-1", "VANTHU_LOG_LEVEL": "warn"}
	for k, v := range env {
		base[k] = v
	}
	getenv := func(k string) string { return base[k] }
	s := &server{dir: dir}
	var ann announced
	ann, s.cancel, s.done = launch(t, opts, getenv)
	s.base, s.exchange, s.metrics = ann.base, ann.exchange, ann.metrics
	t.Cleanup(func() {
		s.cancel()
		select {
		case code := <-s.done:
			if code != 0 {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	return s
}

// launch runs `vanthu serve` through run with getenv and returns the
// addresses it announced once it listens, the cancel that stops it and
// its exit code.
func launch(tb testing.TB, opts options, getenv func(string) string) (ann announced, cancel context.CancelFunc, done chan int) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done = make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		code := runWith(ctx, opts, []string{"serve"}, getenv, pw, &stderr)
		pw.Close()
		done <- code
	}()
	ann = readAnnounced(bufio.NewScanner(pr))
	if ann.base == "" {
		cancel()
		tb.Fatalf("server did not start: %s", stderr.String())
	}
	go io.Copy(io.Discard, pr)
	return ann, cancel, done
}

// announced is what serve printed about its listeners before it said it
// is listening: each bound before, on the port serve picked where the
// configuration gave port 0, so a test never picks a port itself (one
// picked and closed can be taken by another process before serve binds
// it).
type announced struct {
	base     string // http://ADDR of "vanthu listening on"
	exchange string // ADDR of "vanthu exchange listening on https://ADDR"
	pprof    string // ADDR of "vanthu pprof listening on http://ADDR"
	metrics  string // ADDR of "vanthu metrics on http://ADDR/metrics"
}

// readAnnounced reads serve's stdout up to its line "vanthu listening
// on"; base is "" when the output ended before it.
func readAnnounced(sc *bufio.Scanner) announced {
	var ann announced
	for sc.Scan() {
		line := sc.Text()
		if addr, ok := strings.CutPrefix(line, "vanthu exchange listening on https://"); ok {
			ann.exchange = addr
		}
		if addr, ok := strings.CutPrefix(line, "vanthu pprof listening on http://"); ok {
			ann.pprof = addr
		}
		if addr, ok := strings.CutPrefix(line, "vanthu metrics on http://"); ok {
			ann.metrics = strings.TrimSuffix(addr, "/metrics")
		}
		if addr, ok := strings.CutPrefix(line, "vanthu listening on "); ok {
			ann.base = addr
			break
		}
	}
	return ann
}

type client struct {
	t     *testing.T
	base  string
	token string
}

// http is the client's HTTP client: every request and answer is checked
// against api/openapi.yaml (internal/apitest).
func (c *client) http() *http.Client { return apitest.Client(c.t) }

// login logs in as user. A user the admin created (or whose password
// the admin reset) must change the password first: login does the
// change the server asks for, and changes it back, so that the test's
// later logins keep the password it gave (the change itself is tested
// by TestEndToEndPasswordChange).
func (s *server) login(t *testing.T, user, pw string) *client {
	t.Helper()
	c := &client{t: t, base: s.base}
	var out struct {
		Token string
		User  struct {
			MustChangePassword bool `json:"must_change_password"`
		}
	}
	if code := c.call("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": pw}, &out); code != 200 {
		t.Fatalf("login %s: %d", user, code)
	}
	c.token = out.Token
	if out.User.MustChangePassword {
		c.changePasswordAndBack(pw)
	}
	return c
}

// changePasswordAndBack changes the password of the client's user from
// pw to others and back to pw (pwbacktest), clearing must_change_password.
func (c *client) changePasswordAndBack(pw string) {
	c.t.Helper()
	for i, step := range pwbacktest.Steps(pw) {
		if code := c.call("POST", "/api/v1/auth/password", map[string]string{"current_password": step[0], "new_password": step[1]}, nil); code != 200 {
			c.t.Fatalf("change password, step %d: %d", i+1, code)
		}
	}
}

func (c *client) call(method, path string, body any, out any) int {
	c.t.Helper()
	var r io.Reader
	if b, _ := json.Marshal(body); string(b) != "null" {
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	return c.send(req, out)
}

func (c *client) send(req *http.Request, out any) int {
	c.t.Helper()
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", req.Method, req.URL, err, b)
		}
	}
	if resp.StatusCode >= 300 {
		c.t.Logf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

func (c *client) upload(meta map[string]any, pdf []byte) (map[string]any, int) {
	c.t.Helper()
	var out map[string]any
	code := c.send(c.metaAndFile("POST", "/api/v1/documents", meta, "vanban.pdf", pdf), &out)
	return out, code
}

// metaAndFile is a multipart request of parts meta (JSON) and file.
func (c *client) metaAndFile(method, path string, meta map[string]any, name string, pdf []byte) *http.Request {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := apitest.WriteJSONPart(w, "meta", meta); err != nil {
		c.t.Fatal(err)
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(pdf)
	w.Close()
	req, _ := http.NewRequest(method, c.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

func (c *client) act(id, action string, body map[string]any) map[string]any {
	c.t.Helper()
	var out map[string]any
	if code := c.call("POST", "/api/v1/documents/"+id+"/actions/"+action, body, &out); code != 200 {
		c.t.Fatalf("%s: status %d", action, code)
	}
	return out
}

// signOutgoing uploads an outgoing document (meta, pdf) as handler, who
// submits it; officer approves and signs it. It returns the document's id.
func signOutgoing(t *testing.T, handler, officer *client, meta map[string]any, pdf []byte) string {
	t.Helper()
	doc, code := handler.upload(meta, pdf)
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	handler.act(id, "submit", nil)
	officer.act(id, "approve", nil)
	officer.act(id, "sign", nil)
	return id
}

// issueOutgoing is signOutgoing, then clerk issues the document. It
// returns the document's id and the document as the issue left it.
func issueOutgoing(t *testing.T, handler, officer, clerk *client, meta map[string]any, pdf []byte) (string, map[string]any) {
	t.Helper()
	id := signOutgoing(t, handler, officer, meta, pdf)
	return id, clerk.act(id, "issue", nil)
}

func TestEndToEndIncomingAndOutgoing(t *testing.T) {
	env := map[string]string{}
	if url := os.Getenv("VANTHU_TEST_DATABASE_URL"); url != "" && os.Getenv("VANTHU_E2E_POSTGRES") == "1" {
		env["VANTHU_DATABASE_URL"] = url
	}
	s := startServer(t, env)
	admin := s.login(t, "admin", "admin-password-1")
	ids := map[string]string{}
	for _, r := range []string{"clerk", "officer", "handler", "archivist"} {
		var u struct{ ID string }
		code := admin.call("POST", "/api/v1/users", map[string]any{"username": r, "password": "password-" + r,
			"full_name": "Nguyễn Văn " + r, "roles": []string{r}}, &u)
		if code != 201 {
			t.Fatalf("create %s: %d", r, code)
		}
		ids[r] = u.ID
	}
	clerk, officer := s.login(t, "clerk", "password-clerk"), s.login(t, "officer", "password-officer")
	handler, archivist := s.login(t, "handler", "password-handler"), s.login(t, "archivist", "password-archivist")

	// Incoming: received -> registered -> assigned -> in_progress -> completed -> archived.
	doc, code := clerk.upload(map[string]any{"direction": "incoming", "type": "CV", "subject": "Về việc tổng kết năm 2026 quận Bình Thủy",
		"urgency": "normal", "confidentiality": "normal", "sender": map[string]string{"org_id": "000.00.00.H13", "name": "UBND thành phố Cần Thơ"},
		"original_number": "125/UBND-VP", "original_date": "2026-11-20"}, testpdf.Make(2, "incoming"))
	if code != 201 || doc["state"] != "received" {
		t.Fatalf("upload incoming: %d %v", code, doc)
	}
	id := doc["id"].(string)
	clerk.act(id, "register", nil)
	officer.act(id, "assign", map[string]any{"assignee_id": ids["handler"]})
	handler.act(id, "start", nil)
	handler.act(id, "complete", nil)
	doc = archivist.act(id, "archive", nil)
	if doc["state"] != "archived" || doc["number"] == nil {
		t.Fatalf("incoming end: %v", doc)
	}

	// Outgoing: draft -> in_review -> approved.
	doc, code = handler.upload(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định ban hành quy chế",
		"urgency": "urgent", "confidentiality": "normal", "signer_id": ids["officer"],
		"recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}}, testpdf.Make(2, "outgoing"))
	if code != 201 || doc["state"] != "draft" {
		t.Fatalf("upload outgoing: %d %v", code, doc)
	}
	oid := doc["id"].(string)
	handler.act(oid, "submit", map[string]any{"version": 1})
	doc = officer.act(oid, "approve", nil)
	if doc["state"] != "approved" || doc["version"].(float64) != 3 {
		t.Fatalf("outgoing end: %v", doc)
	}

	// Search, search without diacritics, audit.
	var list struct{ Items []map[string]any }
	clerk.call("GET", "/api/v1/documents?q=binh+thuy", nil, &list)
	if len(list.Items) != 1 || list.Items[0]["id"] != id {
		t.Fatalf("search without diacritics: %v", list.Items)
	}
	var audit map[string]any
	admin.call("GET", "/api/v1/audit/verify", nil, &audit)
	if audit["ok"] != true {
		t.Fatalf("audit: %v", audit)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.yaml"} {
		if code := (&client{t: t, base: s.base}).call("GET", p, nil, nil); code != 200 {
			t.Fatalf("%s: %d", p, code)
		}
	}
	// Logout ends the session in the real store.
	if code := archivist.call("POST", "/api/v1/auth/logout", nil, nil); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code := archivist.call("GET", "/api/v1/documents", nil, nil); code != 401 {
		t.Fatalf("token after logout: %d", code)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "vanthu.db")); err != nil && env["VANTHU_DATABASE_URL"] == "" {
		t.Fatalf("no SQLite file in the data dir: %v", err)
	}
}

func TestGeneratedAdminPassword(t *testing.T) {
	s := startServer(t, map[string]string{"VANTHU_ADMIN_PASSWORD": ""})
	b, err := os.ReadFile(filepath.Join(s.dir, "admin-password.txt"))
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(filepath.Join(s.dir, "admin-password.txt"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("password file mode %v", st.Mode().Perm())
	}
	// Printed and left in a file, the password is temporary: nothing but
	// the change until it is changed.
	pw := strings.TrimSpace(string(b))
	c := &client{t: t, base: s.base}
	var out struct {
		Token string
		User  struct {
			MustChangePassword bool `json:"must_change_password"`
		}
	}
	if code := c.call("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": pw}, &out); code != 200 || !out.User.MustChangePassword {
		t.Fatalf("login: %d, must_change_password %v", code, out.User.MustChangePassword)
	}
	c.token = out.Token
	if code := c.call("GET", "/api/v1/users", nil, nil); code != 403 {
		t.Fatalf("before the change: %d, want 403", code)
	}
	if code := c.call("POST", "/api/v1/auth/password", map[string]string{"current_password": pw, "new_password": "admin-own-password"}, nil); code != 200 {
		t.Fatalf("change: %d", code)
	}
	if code := c.call("GET", "/api/v1/users", nil, nil); code != 200 {
		t.Fatalf("after the change: %d", code)
	}
}

// TestUserAddTemporaryPassword: vanthu user add gives a temporary
// password unless --own-password.
func TestUserAddTemporaryPassword(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": dir, "VANTHU_ADMIN_PASSWORD": "admin-password-1", "VANTHU_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		name string
		own  bool
	}{{"tam", false}, {"rieng", true}} {
		args := []string{"user", "add", "--username", tc.name, "--password", "password-" + tc.name, "--roles", "clerk"}
		if tc.own {
			args = append(args, "--own-password")
		}
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, getenv, &out, &errb); code != 0 {
			t.Fatalf("user add %s: %d %s", tc.name, code, errb.String())
		}
		if strings.Contains(out.String(), "temporary") == tc.own {
			t.Errorf("user add %s (own %v) says: %s", tc.name, tc.own, out.String())
		}
	}
	s := startServer(t, map[string]string{"VANTHU_DATA_DIR": dir})
	for name, want := range map[string]int{"tam": 403, "rieng": 200} {
		c := &client{t: t, base: s.base}
		var out struct{ Token string }
		if code := c.call("POST", "/api/v1/auth/login", map[string]string{"username": name, "password": "password-" + name}, &out); code != 200 {
			t.Fatalf("login %s: %d", name, code)
		}
		c.token = out.Token
		if code := c.call("GET", "/api/v1/documents", nil, nil); code != want {
			t.Errorf("%s: GET /documents %d, want %d", name, code, want)
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	env := map[string]string{"VANTHU_ADDR": "127.0.0.1:9999", "VANTHU_MAX_UPLOAD_MB": "7"}
	cfg, err := LoadConfig(newFlagSet(), []string{"--addr", "127.0.0.1:1234"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:1234" || cfg.MaxUploadMB != 7 || cfg.DataDir != "./data" {
		t.Fatalf("%+v", cfg)
	}
	for _, bad := range []map[string]string{{"VANTHU_MAX_UPLOAD_MB": "x"}, {"VANTHU_ORG_ID": "abc"}, {"VANTHU_DATABASE_URL": "mysql://x"}} {
		if _, err := LoadConfig(newFlagSet(), nil, func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &errb); code != 2 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), "unknown command") {
		t.Fatal(errb.String())
	}
	_ = fmt.Sprint()
}
