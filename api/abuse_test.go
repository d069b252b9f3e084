package api_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/internal/apitest"
	"github.com/vanthu/vanthu/internal/bodytest"
	"github.com/vanthu/vanthu/internal/testpdf"
)

func TestLoginThrottled429(t *testing.T) {
	f := newFixture(t, 1<<20)
	login := func(addr, user, pw string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(`{"username":"`+user+`","password":"`+pw+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr + ":40000"
		rec := httptest.NewRecorder()
		apitest.Validating(t, f.srv).ServeHTTP(rec, req)
		return rec
	}
	for i := range 6 {
		if rec := login("192.0.2.10", "clerk", "wrong"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	rec := login("192.0.2.10", "clerk", "password-clerk")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("right password while locked: %d %s, want 429", rec.Code, rec.Body)
	}
	if s, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || s < 1 || s > 30 {
		t.Errorf("Retry-After %q, want 1..30 seconds", rec.Header().Get("Retry-After"))
	}
	var body api.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "too_many_requests" {
		t.Errorf("body %s, want code too_many_requests", rec.Body)
	}
	if rec := login("198.51.100.7", "officer", "password-officer"); rec.Code != http.StatusOK {
		t.Fatalf("another account from another address: %d %s", rec.Code, rec.Body)
	}
}

// TestUploadRefusedBeforeBody sends uploads whose file part never ends
// (a pipe fed forever) from users who may not create them: the answer
// must come while the body is still being sent, and the server must have
// read only a small part of it. Before the fix the server spooled the file
// up to the upload limit (here 4 MiB) and answered 413, not 403.
func TestUploadRefusedBeforeBody(t *testing.T) {
	f := newFixture(t, 4<<20)
	tests := []struct {
		name, user, meta string
		status           int
	}{
		{"archivist cannot create any document", "archivist", `{"direction":"incoming"}`, http.StatusForbidden},
		{"officer cannot create any document", "officer", `{"direction":"outgoing"}`, http.StatusForbidden},
		{"clerk cannot draft outgoing", "clerk", `{"direction":"outgoing","type":"QĐ","subject":"x"}`, http.StatusForbidden},
		{"handler cannot receive incoming", "handler", `{"direction":"incoming","type":"CV","subject":"x"}`, http.StatusForbidden},
		{"file before meta", "clerk", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := "--" + bodytest.Boundary + "\r\n"
			if tt.meta != "" {
				head += "Content-Disposition: form-data; name=\"meta\"\r\n\r\n" + tt.meta + "\r\n--" + bodytest.Boundary + "\r\n"
			}
			head += "Content-Disposition: form-data; name=\"file\"; filename=\"huge.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n"
			got := bodytest.Endless(t, f.srv, "/api/v1/documents", head, func(req *http.Request) {
				req.Header.Set("Authorization", "Bearer "+f.tokens[tt.user])
			})
			if got.Status != tt.status {
				t.Fatalf("status %d %s, want %d", got.Status, got.Body, tt.status)
			}
			if got.Read > 1<<20 {
				t.Fatalf("server read %d bytes of a body it refused, want under 1 MiB", got.Read)
			}
			t.Logf("server read %d bytes; client had pushed %d", got.Read, got.Sent)
		})
	}
}

func TestMetricsProtected(t *testing.T) {
	get := func(h http.Handler, auth string) int {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		apitest.Validating(t, h).ServeHTTP(rec, req)
		return rec.Code
	}
	open := api.New(&api.Server{}, nil)
	if c := get(open, ""); c != http.StatusOK {
		t.Fatalf("default: %d, want 200 on the main listener", c)
	}
	tok := api.New(&api.Server{MetricsToken: "s3cret-metrics"}, nil)
	for _, tt := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer wrong", 401}, {"Bearer s3cret-metrics", 200}} {
		if c := get(tok, tt.auth); c != tt.want {
			t.Errorf("token set, Authorization %q: %d, want %d", tt.auth, c, tt.want)
		}
	}
	moved := api.New(&api.Server{MetricsElsewhere: true, MetricsToken: "s3cret-metrics"}, nil)
	if c := get(moved, "Bearer s3cret-metrics"); c != http.StatusNotFound {
		t.Errorf("moved: main listener answers %d, want 404", c)
	}
	if c := get(moved.MetricsHandler(), "Bearer s3cret-metrics"); c != http.StatusOK {
		t.Errorf("moved: metrics handler answers %d", c)
	}
}

// TestJSONBodyOneValue: a JSON body (and the meta part of an upload) is
// one value and nothing after it but white space, at most 1 MiB; before,
// `{...}garbage` and `{...}{...}` were read for their first value and
// answered as if well formed, and a body over the limit was "not valid
// JSON" with no word of its size (now 413 too_large, probe_test.go).
func TestJSONBodyOneValue(t *testing.T) {
	f := newFixture(t, 1<<20)
	login := `{"username":"clerk","password":"password-clerk"}`
	for _, tc := range []struct {
		name, body string
		status     int
		message    string
	}{
		{"OK", login, 200, ""},
		{"OK/white space after", login + " \r\n\t ", 200, ""},
		{"400/garbage after", login + "garbage", 400, "after the JSON value"},
		{"400/a second value", login + ` {"username":"admin"}`, 400, "after the JSON value"},
		{"413/larger than 1 MiB", `{"username":"clerk","password":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "larger than"},
	} {
		t.Run("login/"+tc.name, func(t *testing.T) {
			rec := f.do(t, "", "POST", "/api/v1/auth/login", strings.NewReader(tc.body), "application/json")
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.message) {
				t.Fatalf("%d %.200s, want %d with %q", rec.Code, rec.Body, tc.status, tc.message)
			}
		})
	}
	meta, _ := json.Marshal(incomingMeta())
	for _, tc := range []struct {
		name, meta string
		status     int
	}{
		{"OK", string(meta), 201},
		{"400/garbage after", string(meta) + "garbage", 400},
	} {
		t.Run("meta/"+tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="meta"`)
			h.Set("Content-Type", "application/json")
			pw, _ := w.CreatePart(h)
			pw.Write([]byte(tc.meta))
			fw, _ := w.CreateFormFile("file", "vanban.pdf")
			fw.Write(testpdf.Make(1, "công văn"))
			w.Close()
			if rec := f.do(t, "clerk", "POST", "/api/v1/documents", &buf, w.FormDataContentType()); rec.Code != tc.status {
				t.Fatalf("%d %.200s, want %d", rec.Code, rec.Body, tc.status)
			}
		})
	}
}
