package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/trace"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/gcfloor"
	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// BenchmarkGetDocumentWhileIssuing measures the latency of an
// authenticated GET /api/v1/documents/{id} (one client, sequential
// requests over a loopback connection to the wired app on SQLite) in
// four settings, side by side in one run:
//
//   - idle: nothing else runs;
//   - issuing: 8 workers each run outgoing documents through their whole
//     life as fast as they can (upload, submit, approve, layer 1 sign,
//     issue with layer 2 and verification, all real signatures with the
//     development keys), with VANTHU_SIGN_CONCURRENCY from the
//     environment (unset: the default, defaultSignConcurrency), placed as
//     serve places them (startSigning: in a worker process by default;
//     VANTHU_SIGN_ISOLATION=thread in the benchmark's environment puts
//     them on the server's lowered thread, with GOMAXPROCS the CPUs plus
//     that bound);
//   - issuing-unbounded: the same with no bound (8 signatures at once);
//   - issuing-signer-in-tx: as issuing-unbounded, with every Signer call wrapped in a
//     database transaction and at the requests' CPU priority (no SignOn), as
//     signing ran before it moved out of the transaction (the old
//     behaviour, kept here only as the baseline):
//     SQLite's one writer connection is held while a PDF is signed.
//
// Reports p50-ms, p99-ms and max-ms of the GETs, login-p99-ms of a login
// (a write: it needs SQLite's writer connection) made after every fifth
// GET, issues/s of the workers, and what the Go runtime did meanwhile
// (runtimeStats: collections, their stop-the-world pauses, the wait of
// runnable goroutines for a processor). The benchmark table in docs/performance.md
// gives the ratios.
func BenchmarkGetDocumentWhileIssuing(b *testing.B) {
	for _, mode := range []string{"idle", "issuing", "issuing-unbounded", "issuing-signer-in-tx"} {
		b.Run(mode, func(b *testing.B) {
			o := newBenchOffice(b, gormdb.SQLite)
			defer o.app.Close()
			switch mode {
			case "issuing-unbounded":
				o.app.docs.SignConcurrency = 0
			case "issuing-signer-in-tx":
				o.app.docs.SignConcurrency = 0 // as before: no bound
				o.app.docs.SignOn = nil        // as before: at the requests' CPU priority
				o.app.docs.Signer = newSignerInTx(o.app.docs.Signer, o.app.db)
			}
			// As serve does: the turns to sign get Ps of their own
			// (nothing changes with no bound, in the two modes above),
			// and the GC's heap goal is kept at its floor.
			noEnv := func(string) string { return "" }
			if mode == "issuing" {
				// As serve does (VANTHU_SIGN_ISOLATION, from the
				// environment): worker processes, or the lowered thread.
				stop, err := o.app.startSigning(context.Background(), noEnv, os.Stderr)
				if err != nil {
					b.Fatal(err)
				}
				defer stop()
			} else {
				defer signingProcs(o.app.docs.SignConcurrency, noEnv, slog.New(slog.DiscardHandler))()
			}
			defer gcfloor.Start(gcfloor.ServeFloor, os.Getenv)()
			// The measured GET's server side runs in a runtime/trace
			// region ("serve-get", next to the client's "get"), so a
			// trace taken with -trace shows what a slow one waited on.
			var docPath atomic.Value
			docPath.Store("")
			srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				if r.Method == "GET" && r.URL.Path == docPath.Load().(string) {
					defer trace.StartRegion(r.Context(), "serve-get").End()
				}
				o.h.ServeHTTP(rw, r)
			}))
			defer srv.Close()
			w := newIssueWorkers(b, o, srv.URL)
			// The document read: one of the handler's drafts.
			doc := w.draft()
			docPath.Store("/api/v1/documents/" + doc)
			if mode != "idle" {
				w.start(8)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
			defer client.CloseIdleConnections()
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/documents/"+doc, nil)
			req.Header.Set("Authorization", "Bearer "+o.handler)
			get := func() time.Duration {
				defer trace.StartRegion(context.Background(), "get").End()
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("GET: %d", resp.StatusCode)
				}
				return time.Since(t0)
			}
			for range 50 {
				get() // warm up (and let the workers get going)
			}
			// A login writes (a session row): it needs SQLite's writer.
			login := func() time.Duration {
				t0 := time.Now()
				resp, err := client.Post(srv.URL+"/api/v1/auth/login", "application/json",
					strings.NewReader(`{"username":"handler","password":"password-handler"}`))
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("login: %d", resp.StatusCode)
				}
				return time.Since(t0)
			}
			lat := make([]time.Duration, 0, b.N)
			var logins []time.Duration
			issued0 := w.issued.Load()
			stats := newRuntimeStats()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				lat = append(lat, get())
				if i%5 == 4 {
					logins = append(logins, login())
				}
				// A reader paced like an office's, not a flood: the
				// workers keep the CPU for their signatures.
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			issued := w.issued.Load() - issued0
			stats.report(b)
			w.stop()
			pct := func(lat []time.Duration, p float64) float64 {
				if len(lat) == 0 {
					return 0
				}
				slices.Sort(lat)
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
			}
			b.ReportMetric(pct(lat, 0.50), "p50-ms")
			b.ReportMetric(pct(lat, 0.99), "p99-ms")
			b.ReportMetric(pct(lat, 1), "max-ms")
			b.ReportMetric(pct(logins, 0.99), "login-p99-ms")
			b.ReportMetric(float64(issued)/b.Elapsed().Seconds(), "issues/s")
			if err := w.err(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// signerInTx runs every call of a Signer inside a database transaction
// (holding SQLite's writer connection), reproducing how signing ran before
// it moved out of the transaction. Benchmark baseline only.
type signerInTx struct {
	inner workflow.Signer
	db    *gormdb.DB
}

func newSignerInTx(s workflow.Signer, db *gormdb.DB) *signerInTx {
	return &signerInTx{inner: s, db: db}
}

func inTx[T any](ctx context.Context, db *gormdb.DB, fn func(ctx context.Context) (T, error)) (T, error) {
	var out T
	err := db.Atomic(ctx, func(ctx context.Context, _ workflow.Tx) error {
		var err error
		out, err = fn(ctx)
		return err
	})
	return out, err
}

func (s *signerInTx) SignOfficial(ctx context.Context, d *workflow.Document, u *workflow.User, pdf []byte) ([]byte, error) {
	return inTx(ctx, s.db, func(ctx context.Context) ([]byte, error) { return s.inner.SignOfficial(ctx, d, u, pdf) })
}

func (s *signerInTx) SignAgency(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return inTx(ctx, s.db, func(ctx context.Context) ([]byte, error) { return s.inner.SignAgency(ctx, d, pdf) })
}

func (s *signerInTx) SignAttachment(ctx context.Context, d *workflow.Document, pdf []byte) ([]byte, error) {
	return inTx(ctx, s.db, func(ctx context.Context) ([]byte, error) { return s.inner.SignAttachment(ctx, d, pdf) })
}

func (s *signerInTx) Verify(ctx context.Context, pdf []byte) (workflow.Verification, error) {
	return inTx(ctx, s.db, func(ctx context.Context) (workflow.Verification, error) { return s.inner.Verify(ctx, pdf) })
}

func (s *signerInTx) VerifyDocument(ctx context.Context, d *workflow.Document, pdf []byte) (workflow.Verification, error) {
	return inTx(ctx, s.db, func(ctx context.Context) (workflow.Verification, error) {
		if dv, ok := s.inner.(workflow.DocumentVerifier); ok {
			return dv.VerifyDocument(ctx, d, pdf)
		}
		return s.inner.Verify(ctx, pdf)
	})
}

// issueWorkers run outgoing documents through their life over HTTP until
// stopped.
type issueWorkers struct {
	b                       *testing.B
	base                    string
	handler, officer, clerk string
	meta                    []byte
	pdf                     []byte
	seq                     atomic.Int64
	issued                  atomic.Int64
	done                    chan struct{}
	wg                      sync.WaitGroup
	mu                      sync.Mutex
	firstErr                error
	client                  *http.Client
}

func newIssueWorkers(b *testing.B, o *benchOffice, base string) *issueWorkers {
	b.Helper()
	admin := o.login("admin", "admin-password-1")
	o.call(admin, "POST", "/api/v1/users", bytes.NewReader([]byte(`{"username":"clerk","password":"password-clerk","roles":["clerk"]}`)), "application/json")
	return &issueWorkers{b: b, base: base, handler: o.handler, officer: o.login("officer", "password-officer"),
		clerk: o.login("clerk", "password-clerk"), meta: o.meta, pdf: testpdf.Make(1, "thử tải phát hành"),
		done: make(chan struct{}), client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
}

func (w *issueWorkers) do(token, method, path string, body io.Reader, ct string, out any) error {
	req, _ := http.NewRequest(method, w.base+path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (w *issueWorkers) upload() (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("meta", string(w.meta))
	fw, _ := mw.CreateFormFile("file", "qd.pdf")
	fw.Write(w.pdf)
	fmt.Fprintf(fw, "\n%%%d\n", w.seq.Add(1)) // a distinct file per document
	mw.Close()
	var d struct{ ID string }
	err := w.do(w.handler, "POST", "/api/v1/documents", &buf, mw.FormDataContentType(), &d)
	return d.ID, err
}

func (w *issueWorkers) draft() string {
	id, err := w.upload()
	if err != nil {
		w.b.Fatal(err)
	}
	return id
}

func (w *issueWorkers) lifecycle() error {
	id, err := w.upload()
	if err != nil {
		return err
	}
	for _, st := range []struct{ token, action string }{{w.handler, "submit"}, {w.officer, "approve"}, {w.officer, "sign"}, {w.clerk, "issue"}} {
		if err := w.do(st.token, "POST", "/api/v1/documents/"+id+"/actions/"+st.action, nil, "", nil); err != nil {
			return err
		}
	}
	w.issued.Add(1)
	return nil
}

func (w *issueWorkers) start(n int) {
	for range n {
		w.wg.Go(func() {
			for {
				select {
				case <-w.done:
					return
				default:
				}
				if err := w.lifecycle(); err != nil {
					w.mu.Lock()
					if w.firstErr == nil {
						w.firstErr = err
					}
					w.mu.Unlock()
					return
				}
			}
		})
	}
}

func (w *issueWorkers) stop() {
	close(w.done)
	w.wg.Wait()
	w.client.CloseIdleConnections()
}

func (w *issueWorkers) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.firstErr
}
