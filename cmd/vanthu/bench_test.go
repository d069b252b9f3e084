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
	"testing"

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
			cfg, err := LoadConfig(newFlagSet(), nil, func(k string) string {
				if k == "VANTHU_DATA_DIR" {
					return b.TempDir()
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
			a, err := build(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			a.auth.Cost = 4
			if _, _, err := a.auth.Bootstrap(ctx, "admin-password-1"); err != nil {
				b.Fatal(err)
			}
			h := a.api
			call := func(token, method, path string, body io.Reader, ct string) []byte {
				req := httptest.NewRequest(method, path, body)
				if ct != "" {
					req.Header.Set("Content-Type", ct)
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 300 {
					b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
				}
				return rec.Body.Bytes()
			}
			login := func(u, p string) string {
				var out struct{ Token string }
				json.Unmarshal(call("", "POST", "/api/v1/auth/login", bytes.NewReader([]byte(`{"username":"`+u+`","password":"`+p+`"}`)), "application/json"), &out)
				return out.Token
			}
			admin := login("admin", "admin-password-1")
			var officer struct{ ID string }
			json.Unmarshal(call(admin, "POST", "/api/v1/users", bytes.NewReader([]byte(`{"username":"officer","password":"password-officer","roles":["officer"]}`)), "application/json"), &officer)
			call(admin, "POST", "/api/v1/users", bytes.NewReader([]byte(`{"username":"handler","password":"password-handler","roles":["handler"]}`)), "application/json")
			handler := login("handler", "password-handler")
			meta, _ := json.Marshal(map[string]any{"direction": "outgoing", "type": "QĐ", "subject": "Quyết định thử tải",
				"signer_id": officer.ID, "recipients": []map[string]string{{"org_id": "000.00.31.H13", "name": "UBND phường Long Hòa"}}})
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
