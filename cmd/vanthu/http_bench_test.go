package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vanthu/vanthu/internal/benchhttp"
	"github.com/vanthu/vanthu/internal/testpdf"
)

// benchApp is the wired app on a real loopback listener with one document
// (and 30 more for the list) and a logged-in handler.
type benchApp struct {
	srv         *httptest.Server
	token, doc  string
	docJSON     []byte
	listJSON    []byte
	closeFn     func()
	bearerValue string
}

func newBenchApp(b *testing.B, backend string) *benchApp {
	b.Helper()
	o := newBenchOffice(b, backend)
	a, h, call, handler, meta := o.app, o.h, o.call, o.handler, o.meta
	pdf := testpdf.Make(1, "benchmark")
	var id string
	for i := 0; i < 30; i++ {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("meta", string(meta))
		fw, _ := w.CreateFormFile("file", "qd.pdf")
		fw.Write(pdf)
		fw.Write([]byte("\n%" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "\n"))
		w.Close()
		var d struct{ ID string }
		json.Unmarshal(call(handler, "POST", "/api/v1/documents", &buf, w.FormDataContentType()), &d)
		id = d.ID
	}
	app := &benchApp{token: handler, doc: id, bearerValue: "Bearer " + handler}
	app.docJSON = call(handler, "GET", "/api/v1/documents/"+id, nil, "")
	app.listJSON = call(handler, "GET", "/api/v1/documents?limit=20", nil, "")
	app.srv = httptest.NewServer(h)
	app.closeFn = func() { app.srv.Close(); a.Close() }
	return app
}

// runGets drives url with b.N GETs from parallel keep-alive clients and
// reports req/s.
func runGets(b *testing.B, url, bearer string) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	defer client.CloseIdleConnections()
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		if bearer != "" {
			req.Header.Set("Authorization", bearer)
		}
		for pb.Next() {
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("GET %s: %d", url, resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkGetDocument compares an authenticated GET /api/v1/documents/{id}
// (and GET /documents?limit=20) of the wired app with a bare Echo handler
// serving the same bytes (sub-benchmark bare-echo), over loopback HTTP with
// keep-alive clients in parallel. The ratio of the req/s figures is what
// the benchmark table in docs/performance.md reports (target ≥ 25% for one document,
// ≥ 15% for the list);
// scripts/bench-http measures the same with a load generator and latency
// percentiles.
func BenchmarkGetDocument(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			app := newBenchApp(b, backend)
			defer app.closeFn()
			bare := httptest.NewServer(benchhttp.BareEcho(app.docJSON, app.listJSON))
			defer bare.Close()
			b.Run("bare-echo/get", func(b *testing.B) { runGets(b, bare.URL+"/api/v1/documents/"+app.doc, app.bearerValue) })
			b.Run("vanthu/get", func(b *testing.B) { runGets(b, app.srv.URL+"/api/v1/documents/"+app.doc, app.bearerValue) })
			b.Run("bare-echo/list", func(b *testing.B) { runGets(b, bare.URL+"/api/v1/documents?limit=20", app.bearerValue) })
			b.Run("vanthu/list", func(b *testing.B) { runGets(b, app.srv.URL+"/api/v1/documents?limit=20", app.bearerValue) })
		})
	}
}
