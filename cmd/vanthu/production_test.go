package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/keys"
)

// TestProductionConfig: VANTHU_ENV=production refuses to start without
// the keys the development PKI would otherwise stand in for, naming them.
func TestProductionConfig(t *testing.T) {
	full := map[string]string{"VANTHU_ENV": "production", "VANTHU_AGENCY_KEY": "file:/etc/vanthu/agency.p12",
		"VANTHU_TRUST_ANCHORS": "/etc/vanthu/anchors.pem"}
	with := func(extra map[string]string, drop ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		for _, k := range drop {
			delete(m, k)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // "" = accepted
	}{
		{"DevelopmentDefault", map[string]string{}, nil},
		{"ProductionConfigured", full, nil},
		{"ErrProductionNothing", map[string]string{"VANTHU_ENV": "production"}, []string{"VANTHU_AGENCY_KEY", "VANTHU_TRUST_ANCHORS"}},
		{"ErrNoAnchors", with(nil, "VANTHU_TRUST_ANCHORS"), []string{"VANTHU_TRUST_ANCHORS"}},
		{"ErrExchangeWithoutTLS", with(map[string]string{"VANTHU_EXCHANGE_ADDR": "0.0.0.0:8443"}), []string{"VANTHU_EXCHANGE_CERT", "VANTHU_EXCHANGE_KEY"}},
		{"ExchangeWithTLS", with(map[string]string{"VANTHU_EXCHANGE_ADDR": "0.0.0.0:8443", "VANTHU_EXCHANGE_CERT": "/c.pem", "VANTHU_EXCHANGE_KEY": "/k.pem"}), nil},
		{"ErrUnknownEnv", map[string]string{"VANTHU_ENV": "prod"}, []string{"VANTHU_ENV"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(newFlagSet(), nil, func(k string) string { return tc.env[k] })
			if (err == nil) != (tc.want == nil) {
				t.Fatalf("err = %v, want refusal naming %v", err, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v does not name %s", err, w)
				}
			}
		})
	}
	// serve itself exits non-zero with the message.
	var out, errb bytes.Buffer
	env := map[string]string{"VANTHU_ENV": "production", "VANTHU_DATA_DIR": t.TempDir(), "VANTHU_ADDR": "127.0.0.1:0"}
	if code := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "VANTHU_AGENCY_KEY") {
		t.Fatalf("serve in production without keys: exit %d, %s", code, errb.String())
	}
}

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveLogged runs serve with env and returns its base URL and its log.
func serveLogged(t *testing.T, env map[string]string) (string, *syncBuffer) {
	t.Helper()
	ann, logs := serveAnnounced(t, env)
	return ann.base, logs
}

// serveAnnounced runs serve with env and returns the addresses it
// announced and its log.
func serveAnnounced(t *testing.T, env map[string]string) (announced, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, pw, logs)
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	ann := readAnnounced(bufio.NewScanner(pr))
	if ann.base == "" {
		t.Fatalf("server did not start: %s", logs.String())
	}
	go io.Copy(io.Discard, pr)
	return ann, logs
}

type readyz struct {
	Status      string            `json:"status"`
	Env         string            `json:"env"`
	Signing     string            `json:"signing"`
	ExchangeTLS string            `json:"exchange_tls"`
	Warnings    []string          `json:"warnings"`
	Probes      map[string]string `json:"probes"`
}

func getReadyz(t *testing.T, base string) readyz {
	t.Helper()
	resp, err := apitest.Client(t).Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r readyz
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz: %d %v", resp.StatusCode, err)
	}
	return r
}

// TestReadyzDevelopmentPKI: a server on the development PKI says so in
// its log (WARN at start) and in /readyz (still 200). Before: /readyz said
// {"status":"ready"} and the log had one INFO line "dev_pki":true.
func TestReadyzDevelopmentPKI(t *testing.T) {
	env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_ADMIN_PASSWORD": "admin-password-1",
		"VANTHU_LOG_LEVEL": "warn", "VANTHU_EXCHANGE_ADDR": "127.0.0.1:0"}
	base, logs := serveLogged(t, env)
	r := getReadyz(t, base)
	if r.Status != "ready" || r.Env != "development" || r.Signing != "development-pki" || r.ExchangeTLS != "development-pki" ||
		len(r.Warnings) < 2 || !strings.Contains(r.Warnings[0], "DEVELOPMENT PKI") {
		t.Fatalf("/readyz: %+v", r)
	}
	var warned int
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"level":"WARN"`) && strings.Contains(l, "DEVELOPMENT PKI") {
			warned++
		}
	}
	if warned < 2 {
		t.Fatalf("no WARN about the development PKI (signing and exchange TLS) in the log:\n%s", logs.String())
	}
}

// TestProductionServesWithConfiguredKeys: in production with configured
// keys the server starts, /readyz shows no development PKI, and an
// official without a key of their own cannot sign (before: the
// development PKI issued one silently).
func TestProductionServesWithConfiguredKeys(t *testing.T) {
	ca, err := keys.OpenDevPKI(filepath.Join(t.TempDir(), "ca"), "UBND quận Bình Thủy", "000.00.12.H13", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Agency(); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": dataDir, "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_ADMIN_PASSWORD": "admin-password-1",
		"VANTHU_LOG_LEVEL": "warn", "VANTHU_ENV": "production", "VANTHU_AGENCY_KEY": "file:" + ca.AgencyKeyPath(),
		"VANTHU_TRUST_ANCHORS": ca.RootCertPath()}
	base, logs := serveLogged(t, env)
	r := getReadyz(t, base)
	if r.Env != "production" || r.Signing != "configured" || len(r.Warnings) != 0 {
		t.Fatalf("/readyz: %+v", r)
	}
	if strings.Contains(logs.String(), "DEVELOPMENT PKI") {
		t.Fatalf("log mentions the development PKI: %s", logs.String())
	}
	s := &server{base: base, dir: dataDir}
	admin := s.login(t, "admin", "admin-password-1")
	var off struct{ ID string }
	admin.call("POST", "/api/v1/users", map[string]any{"username": "officer", "password": "password-officer",
		"full_name": "Trần Văn Quyết", "title": "Chủ tịch", "roles": []string{"officer"}}, &off)
	admin.call("POST", "/api/v1/users", map[string]any{"username": "handler", "password": "password-handler",
		"full_name": "Phạm Thị Chuyên", "roles": []string{"handler"}}, nil)
	handler, officer := s.login(t, "handler", "password-handler"), s.login(t, "officer", "password-officer")
	doc, code := handler.upload(map[string]any{"direction": "outgoing", "type": "TB", "subject": "Thông báo", "signer_id": off.ID},
		testpdf.Make(1, "thong bao"))
	if code != 201 {
		t.Fatalf("upload: %d", code)
	}
	id := doc["id"].(string)
	handler.act(id, "submit", nil)
	officer.act(id, "approve", nil)
	if code := officer.call("POST", "/api/v1/documents/"+id+"/actions/sign", nil, nil); code != 503 {
		t.Fatalf("sign without an own key in production: %d, want 503", code)
	}
}

// TestServeBindsExchangeBeforeListening: an exchange address that is
// taken stops serve before it says it is listening, with the variable
// named; before, serve announced itself and then stopped when the
// exchange job could not listen (a test then saw "connection refused").
func TestServeBindsExchangeBeforeListening(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := map[string]string{"VANTHU_DATA_DIR": t.TempDir(), "VANTHU_ADDR": "127.0.0.1:0", "VANTHU_ADMIN_PASSWORD": "admin-password-1",
		"VANTHU_LOG_LEVEL": "warn", "VANTHU_EXCHANGE_ADDR": taken.Addr().String()}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, &stdout, &stderr)
	if code == 0 || strings.Contains(stdout.String(), "vanthu listening on") || !strings.Contains(stderr.String(), "VANTHU_EXCHANGE_ADDR") {
		t.Fatalf("serve with a taken exchange address: exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
}
