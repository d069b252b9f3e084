package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/api"
	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// wholeRegisterJSON is a register's JSON as the handler built it before
// it was streamed: every line read, then one map encoded by c.JSON.
func wholeRegisterJSON(tb testing.TB, rows []workflow.RegisterRow, kind workflow.RegisterKind, year int, month time.Month, indent bool) string {
	tb.Helper()
	entries := make([]api.RegisterEntry, len(rows))
	for i, r := range rows {
		entries[i] = api.ToRegisterEntry(r)
	}
	out := map[string]any{"register": kind, "year": year, "items": entries}
	if month != 0 {
		out["month"] = int(month)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(out); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// pagedRepo is the test repository whose register pages fail once fail
// is set, from the page after the first.
type pagedRepo struct {
	*workflowtest.Repository
	fail *atomic.Int32 // 1: pages after the first fail; 2: every page
}

func (r pagedRepo) RegisterEntriesAfter(ctx context.Context, k workflow.RegisterKind, y, after, limit int) ([]*workflow.Document, error) {
	if f := r.fail.Load(); f == 2 || (f == 1 && after > 0) {
		return nil, errors.New("database went away")
	}
	return r.Repository.RegisterEntriesAfter(ctx, k, y, after, limit)
}

// registerFixture is a fixture whose incoming register of this year holds
// n documents with text JSON escapes (HTML characters, quotes, U+2028),
// read through pagedRepo.
func registerFixture(t *testing.T, n int) (*fixture, *workflow.Service, *atomic.Int32) {
	t.Helper()
	var svc *workflow.Service
	fail := new(atomic.Int32)
	f := newFixtureWith(t, 5<<20, func(s *workflow.Service) {
		s.Repo = pagedRepo{s.Repo.(*workflowtest.Repository), fail}
		svc = s
	})
	for i := range n {
		m := incomingMeta()
		m["subject"] = fmt.Sprintf(`Văn bản %d <b>"Bình Thủy"</b> & 'họp' %s`, i, strings.Repeat("giao ban\u2028", 20))
		m["notes"] = fmt.Sprintf("Ghi chú %d: a > b\tc", i)
		d := f.create(t, "clerk", m)
		if rec := f.json(t, "clerk", "POST", "/api/v1/documents/"+d.ID+"/actions/register", nil); rec.Code != 200 {
			t.Fatalf("register: %d %s", rec.Code, rec.Body.String())
		}
	}
	return f, svc, fail
}

// TestRegisterJSONStreamed: the JSON of a register, written a page of
// documents at a time, is byte for byte what the handler wrote when it
// built the year whole — compact and indented (?pretty), a year and a
// month, pages of 1, 2, 7 and more lines than the register holds, and an
// empty register; a register the user may not read answers 403.
func TestRegisterJSONStreamed(t *testing.T) {
	f, svc, _ := registerFixture(t, 7)
	ctx := context.Background()
	clerk := &workflow.User{ID: f.ids["clerk"], Roles: []workflow.Role{workflow.RoleClerk}}
	now := time.Now()
	year, month := workflow.RegisterYear(now), now.In(workflow.Vietnam).Month()
	for _, kind := range []workflow.RegisterKind{workflow.RegisterIncoming, workflow.RegisterOutgoing} {
		for _, m := range []time.Month{0, month} {
			rows, err := svc.RegisterRows(ctx, clerk, kind, year, m)
			if err != nil {
				t.Fatal(err)
			}
			if kind == workflow.RegisterIncoming && len(rows) != 7 {
				t.Fatalf("%s: %d lines, want 7", kind, len(rows))
			}
			for _, indent := range []bool{false, true} {
				path := fmt.Sprintf("/api/v1/registers/%s/%d", kind, year)
				q := []string{}
				if m != 0 {
					q = append(q, fmt.Sprintf("month=%d", m))
				}
				if indent {
					q = append(q, "pretty")
				}
				if len(q) > 0 {
					path += "?" + strings.Join(q, "&")
				}
				want := wholeRegisterJSON(t, rows, kind, year, m, indent)
				for _, size := range []int{1, 2, 7, 1000} {
					svc.RegisterPage = size
					rec := f.do(t, "clerk", "GET", path, nil, "")
					if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" || rec.Body.String() != want {
						t.Errorf("%s, pages of %d: %d %q\n%s\nwant\n%s", path, size, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), want)
					}
				}
			}
		}
	}
	rec := f.do(t, "officer", "GET", fmt.Sprintf("/api/v1/registers/confidential_incoming/%d", year), nil, "")
	if rec.Code != 403 {
		t.Errorf("officer, classified register: %d %s", rec.Code, rec.Body.String())
	}
}

// TestRegisterCutShortIsNotWhole: a register (JSON or CSV) whose read
// fails after its first page has gone out is not an answer that looks
// whole (a 200 read to its end): the connection is closed before the
// body's end, and a client's read fails. A failure before the first page
// is an error answer.
func TestRegisterCutShortIsNotWhole(t *testing.T) {
	f, svc, fail := registerFixture(t, 12)
	svc.RegisterPage = 10 // the first page is over the server's 4 KB buffer: it goes out
	srv := httptest.NewServer(f.srv)
	defer srv.Close()
	get := func(path string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["clerk"])
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}
	year := workflow.RegisterYear(time.Now())
	for _, format := range []string{"", "?format=csv", "?pretty"} {
		path := fmt.Sprintf("/api/v1/registers/incoming/%d%s", year, format)
		fail.Store(0)
		resp, whole, err := get(path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v", path, err)
		}
		fail.Store(1)
		resp, body, err := get(path)
		if err == nil && resp.StatusCode == 200 {
			t.Errorf("%s, failing after the first page: 200, a body of %d bytes read whole (whole: %d)", path, len(body), len(whole))
		} else if err != nil && resp.StatusCode != 200 || len(body) == 0 || !bytes.HasPrefix(whole, body) || len(body) >= len(whole) {
			t.Errorf("%s, failing after the first page: %d, %d of %d bytes: %v", path, resp.StatusCode, len(body), len(whole), err)
		}
		if format != "?format=csv" && resp.StatusCode == 200 && json.Valid(body) {
			t.Errorf("%s: the part sent is valid JSON", path)
		}
		fail.Store(2)
		if resp, body, err := get(path); err != nil || resp.StatusCode != 500 || !strings.Contains(string(body), `"internal error"`) {
			t.Errorf("%s, failing at the first page: %v %v %s", path, resp, err, body)
		}
	}
}

// synthRegister is the test repository with an incoming register of n
// generated documents in every year (no other document), so that a
// benchmark measures the handler's memory, not the repository's.
type synthRegister struct {
	*workflowtest.Repository
	n int
}

func (r synthRegister) doc(year, i int) *workflow.Document {
	at := time.Date(year, 1, 1, 2, 0, 0, 0, time.UTC).Add(time.Duration(i) * 15 * time.Minute)
	od := workflow.VietnamDate(at.AddDate(0, 0, -2))
	return &workflow.Document{ID: fmt.Sprintf("%013x%08x", at.UnixMicro(), i), Direction: workflow.Incoming, Type: workflow.CongVan,
		Subject: fmt.Sprintf("Về việc triển khai kế hoạch phòng chống thiên tai và tìm kiếm cứu nạn năm %d trên địa bàn quận Bình Thủy, số %d", year, i),
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Archived,
		Register: workflow.RegisterIncoming, Year: year, Number: i + 1, RegisteredAt: &at, CreatedAt: at,
		Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}, OriginalNumber: fmt.Sprintf("%d/UBND-VP", i+100), OriginalDate: &od}
}

func (r synthRegister) RegisterEntries(_ context.Context, k workflow.RegisterKind, y int) ([]*workflow.Document, error) {
	return r.RegisterEntriesAfter(context.Background(), k, y, 0, r.n)
}

func (r synthRegister) RegisterEntriesAfter(_ context.Context, k workflow.RegisterKind, y, after, limit int) ([]*workflow.Document, error) {
	var out []*workflow.Document
	for i := after; i < min(r.n, after+limit) && k == workflow.RegisterIncoming; i++ {
		out = append(out, r.doc(y, i))
	}
	return out, nil
}

// heapWriter is a ResponseWriter that keeps no body: it counts the bytes
// and measures the live heap at each write (after a collection: what the
// handler holds then, not the garbage a collection has yet to take).
type heapWriter struct {
	h     http.Header
	n     int64
	peak  uint64
	code  int
	sum   hash.Hash // of the body
	heap  bool      // measure the heap (a collection at each write)
	stats runtime.MemStats
}

func (w *heapWriter) Header() http.Header  { return w.h }
func (w *heapWriter) WriteHeader(code int) { w.code = code }
func (w *heapWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	w.sum.Write(b)
	if w.heap {
		runtime.GC()
		runtime.ReadMemStats(&w.stats)
		w.peak = max(w.peak, w.stats.HeapAlloc)
	}
	return len(b), nil
}

// BenchmarkRegisterYearJSON answers GET /api/v1/registers/incoming/{year}
// for a register of 28,013 lines (incoming 2025 of the 300,000-document
// history, BenchmarkAtSize) and reports the live heap it reached above
// the heap before it (heap-MB, live at a write of the response).
func BenchmarkRegisterYearJSON(b *testing.B) {
	f := newFixtureWith(b, 5<<20, func(s *workflow.Service) {
		s.Repo = synthRegister{s.Repo.(*workflowtest.Repository), 28013}
	})
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w := &heapWriter{h: http.Header{}, sum: sha256.New(), heap: true}
		req := httptest.NewRequest("GET", "/api/v1/registers/incoming/2025", nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["clerk"])
		f.srv.ServeHTTP(w, req)
		if w.code != 200 || w.n < 1<<20 {
			b.Fatalf("%d, %d bytes", w.code, w.n)
		}
		peak = max(peak, w.peak-min(w.peak, ms.HeapAlloc))
		b.ReportMetric(float64(w.n)/(1<<20), "body-MB")
		b.Logf("body sha256 %x", w.sum.Sum(nil))
	}
	b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
}

// BenchmarkRegisterYearJSONAtSize is BenchmarkRegisterYearJSON on a kept
// database with years of history (storage/gormdb's BenchmarkAtSize:
// VANTHU_SCALE_SQLITE names its directory, VANTHU_SCALE_PG its
// PostgreSQL database; skipped without them): register incoming 2025
// as a clerk (one made on the database, "bench-clerk"), through the
// server, the live heap at each write of the response.
func BenchmarkRegisterYearJSONAtSize(b *testing.B) {
	for _, backend := range []struct{ name, dsn, dir string }{
		{gormdb.SQLite, "", os.Getenv("VANTHU_SCALE_SQLITE")},
		{gormdb.Postgres, os.Getenv("VANTHU_SCALE_PG"), ""},
	} {
		b.Run(backend.name, func(b *testing.B) {
			if backend.dsn == "" && backend.dir == "" {
				b.Skip("no kept database: VANTHU_SCALE_SQLITE, VANTHU_SCALE_PG")
			}
			ctx := context.Background()
			dir := backend.dir
			if dir == "" {
				dir = b.TempDir()
			}
			db, err := gormdb.Open(ctx, backend.dsn, dir, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			accounts := &auth.Service{Repo: db, Cost: bcrypt.MinCost}
			if _, err := accounts.CreateUser(ctx, nil, auth.NewUser{Username: "bench-clerk", Password: "bench-clerk-pw",
				Roles: []workflow.Role{workflow.RoleClerk}}); err != nil && workflow.ErrorCode(err) != workflow.ECONFLICT {
				b.Fatal(err)
			}
			tok, _, _, err := accounts.Login(ctx, "bench-clerk", "bench-clerk-pw")
			if err != nil {
				b.Fatal(err)
			}
			srv := api.New(&api.Server{Docs: &workflow.Service{Repo: db}, Accounts: accounts, Directory: db}, nil)
			for _, heap := range []bool{false, true} {
				b.Run(map[bool]string{false: "time", true: "heap"}[heap], func(b *testing.B) { registerAtSize(b, srv, tok, heap) })
			}
		})
	}
}

// registerAtSize is one run of BenchmarkRegisterYearJSONAtSize: timed
// alone, or with the heap measured at each write.
func registerAtSize(b *testing.B, srv http.Handler, tok string, heap bool) {
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w := &heapWriter{h: http.Header{}, sum: sha256.New(), heap: heap}
		req := httptest.NewRequest("GET", "/api/v1/registers/incoming/2025", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		srv.ServeHTTP(w, req)
		if w.code != 200 || w.n < 1<<20 {
			b.Fatalf("%d, %d bytes", w.code, w.n)
		}
		peak = max(peak, w.peak-min(w.peak, ms.HeapAlloc))
		b.ReportMetric(float64(w.n)/(1<<20), "body-MB")
		b.Logf("body sha256 %x", w.sum.Sum(nil))
	}
	if heap {
		b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
	}
}
