package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/vanthu/vanthu/internal/pwbacktest"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// BenchmarkCreateAndTransition measures POST /documents (multipart, a
// 2-page PDF, intake inspection, content-addressed storage) followed by
// one transition (submit), through the HTTP handler of the wired app, on
// SQLite and on PostgreSQL. Reports docs/s.
func BenchmarkCreateAndTransition(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			o := newBenchOffice(b, backend)
			defer o.app.Close()
			call, handler, meta := o.call, o.handler, o.meta
			pdf := testpdf.Make(2, "benchmark")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				w.WriteField("meta", string(meta))
				fw, _ := w.CreateFormFile("file", "qd.pdf")
				// A distinct file per document, like real uploads.
				fw.Write(pdf)
				fw.Write([]byte("\n%" + string(rune('a'+i%26)) + "\n"))
				w.Close()
				var d struct{ ID string }
				json.Unmarshal(call(handler, "POST", "/api/v1/documents", &buf, w.FormDataContentType()), &d)
				call(handler, http.MethodPost, "/api/v1/documents/"+d.ID+"/actions/submit", nil, "")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

// benchOffice is the wired app, driven in process through its HTTP
// handler, with an admin, an officer and a logged-in handler, and the meta
// of an outgoing draft the officer signs.
type benchOffice struct {
	b       *testing.B
	app     *app
	h       http.Handler
	handler string // the handler's token
	meta    []byte
}

func newBenchOffice(b *testing.B, backend string) *benchOffice {
	b.Helper()
	cfg, err := LoadConfig(newFlagSet(), nil, func(k string) string {
		switch k {
		case "VANTHU_DATA_DIR":
			return b.TempDir()
		case "VANTHU_SIGN_ISOLATION", "VANTHU_SIGN_CONCURRENCY":
			return os.Getenv(k) // the defaults, or settings to compare
		}
		return ""
	})
	if err != nil {
		b.Fatal(err)
	}
	if backend == "postgres" {
		cfg.DatabaseURL = gormdbtest.CreatePostgresDatabase(b)
	}
	ctx := context.Background()
	a, err := build(ctx, cfg, options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	a.auth.Cost = 4
	if _, _, err := a.auth.Bootstrap(ctx, "admin-password-1"); err != nil {
		a.Close()
		b.Fatal(err)
	}
	o := &benchOffice{b: b, app: a, h: a.api}
	admin := o.login("admin", "admin-password-1")
	var officer struct{ ID string }
	json.Unmarshal(o.call(admin, "POST", "/api/v1/users", bytes.NewReader([]byte(`{"username":"officer","password":"password-officer","roles":["officer"]}`)), "application/json"), &officer)
	o.call(admin, "POST", "/api/v1/users", bytes.NewReader([]byte(`{"username":"handler","password":"password-handler","roles":["handler"]}`)), "application/json")
	o.handler = o.login("handler", "password-handler")
	o.meta, _ = json.Marshal(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định thử tải",
		"signer_id": officer.ID, "recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}})
	return o
}

// call sends one request to the handler and fails the benchmark on a
// status of 300 or more.
func (o *benchOffice) call(token, method, path string, body io.Reader, ct string) []byte {
	req := httptest.NewRequest(method, path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	o.h.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		o.b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

func (o *benchOffice) login(u, p string) string {
	var out struct {
		Token string
		User  struct {
			MustChangePassword bool `json:"must_change_password"`
		}
	}
	json.Unmarshal(o.call("", "POST", "/api/v1/auth/login", bytes.NewReader([]byte(`{"username":"`+u+`","password":"`+p+`"}`)), "application/json"), &out)
	if out.User.MustChangePassword { // created by the admin: the first login's change, then back
		for _, step := range pwbacktest.Steps(p) {
			b, _ := json.Marshal(map[string]string{"current_password": step[0], "new_password": step[1]})
			o.call(out.Token, "POST", "/api/v1/auth/password", bytes.NewReader(b), "application/json")
		}
	}
	return out.Token
}
