package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// benchDocs is the size of the office the page benchmarks render for.
const benchDocs = 10000

// benchUI is the interface on a SQLite database (the embedded default)
// holding benchDocs documents in every state, and a clerk's session.
func benchUI(b *testing.B) (http.Handler, *http.Cookie) {
	b.Helper()
	ctx := context.Background()
	db, err := gormdb.Open(ctx, "", b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
	db.Now = func() time.Time { return now }
	as := &auth.Service{Repo: db, Cost: 4, Now: func() time.Time { return now }}
	var users []*workflow.User
	for _, r := range []workflow.Role{workflow.RoleClerk, workflow.RoleOfficer, workflow.RoleHandler} {
		u, err := as.CreateUser(ctx, nil, auth.NewUser{Username: string(r), Password: "mat-khau-thu", FullName: "Người " + string(r), Roles: []workflow.Role{r}})
		if err != nil {
			b.Fatal(err)
		}
		users = append(users, u)
	}
	inStates := workflow.States(workflow.Incoming)
	outStates := workflow.States(workflow.Outgoing)
	urg := []workflow.Urgency{workflow.UrgencyNormal, workflow.UrgencyNormal, workflow.UrgencyUrgent, workflow.UrgencyVeryUrgent, workflow.UrgencyFlash}
	err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for i := range benchDocs {
			at := now.Add(-time.Duration(benchDocs-i) * time.Minute)
			d := &workflow.Document{ID: workflow.NewID(at), Type: "CV", Subject: fmt.Sprintf("Công văn số %d về việc quản lý đất đai và xây dựng tại phường Long Hòa", i),
				Urgency: urg[i%len(urg)], Confidentiality: workflow.Public, Version: 1, CreatedBy: users[i%3].ID, CreatedAt: at, UpdatedAt: at,
				Files: []workflow.File{{SHA256: fmt.Sprintf("%064x", i), Name: "vb.pdf", Size: 1000, Kind: workflow.FileMain, CreatedAt: at}}}
			// An office's documents are mostly done: 80% archived, the
			// rest spread over every state.
			if i%2 == 0 {
				d.Direction, d.State = workflow.Incoming, inStates[i/2%len(inStates)]
				if i%10 < 8 {
					d.State = workflow.Archived
				}
				d.Sender = &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}
				d.OriginalNumber = fmt.Sprintf("%d/UBND-VP", i)
				d.AssigneeID = users[2].ID
			} else {
				d.Direction, d.State = workflow.Outgoing, outStates[i/2%len(outStates)]
				if i%10 < 8 {
					d.State = workflow.Archived
				}
				d.SignerID = users[1].ID
			}
			if i%3 == 0 {
				due := workflow.VietnamDate(now).AddDays(i%20 - 10)
				d.DueDate = &due
			}
			if i%50 == 0 {
				d.Confidentiality = workflow.Confidential
			}
			if err := tx.CreateDocument(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	docs := &workflow.Service{Repo: db, Blobs: workflowtest.TempBlobs(b), Now: func() time.Time { return now }}
	ui, err := New(Config{Docs: docs, Accounts: as, Directory: db, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	token, _, _, err := as.Login(ctx, "clerk", "mat-khau-thu")
	if err != nil {
		b.Fatal(err)
	}
	return ui, &http.Cookie{Name: sessionCookie, Value: token}
}

// benchPage renders path b.N times and reports the p50 and p99 latency
// of one render (the whole handler: session, queries, template).
func benchPage(b *testing.B, path string) {
	h, cookie := benchUI(b)
	lat := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookie)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		lat = append(lat, time.Since(start))
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, w.Code)
		}
		io.Copy(io.Discard, w.Body)
	}
	b.StopTimer()
	// CPU time per render: on a shared machine the wall-clock quantiles
	// include the time other processes hold the cores.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// BenchmarkInboxPage renders the clerk's "Việc cần xử lý" with 10,000
// documents in the database (thousands waiting for a clerk).
func BenchmarkInboxPage(b *testing.B) { benchPage(b, "/") }

// BenchmarkListPage renders the first page of incoming documents, and a
// subject search without diacritics, with 10,000 documents.
func BenchmarkListPage(b *testing.B) {
	b.Run("first", func(b *testing.B) { benchPage(b, "/incoming") })
	b.Run("search", func(b *testing.B) { benchPage(b, "/incoming?q=long+hoa&state=received") })
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRegisterLines is the size of the register year of
// BenchmarkRegisterPage: a district's incoming register of a busy year.
const benchRegisterLines = 30000

// benchRegisterUI is the interface on a SQLite database holding an
// incoming register of benchRegisterLines documents in 2026, and a
// clerk's session.
func benchRegisterUI(b *testing.B) (http.Handler, *http.Cookie) {
	b.Helper()
	ctx := context.Background()
	db, err := gormdb.Open(ctx, "", b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 30, 9, 0, 0, 0, workflow.Vietnam)
	as := &auth.Service{Repo: db, Cost: 4, Now: func() time.Time { return now }}
	clerk, err := as.CreateUser(ctx, nil, auth.NewUser{Username: "clerk", Password: "mat-khau-thu", FullName: "Người văn thư", Roles: []workflow.Role{workflow.RoleClerk}})
	if err != nil {
		b.Fatal(err)
	}
	err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		start := time.Date(2026, 1, 2, 7, 0, 0, 0, workflow.Vietnam)
		for i := range benchRegisterLines {
			n, err := tx.NextNumber(ctx, workflow.RegisterIncoming, 2026)
			if err != nil {
				return err
			}
			at := start.Add(time.Duration(i) * 17 * time.Minute)
			od := workflow.VietnamDate(at.AddDate(0, 0, -2))
			d := &workflow.Document{ID: workflow.NewID(at), Direction: workflow.Incoming, Type: "CV", State: workflow.Archived,
				Subject: fmt.Sprintf("Về việc triển khai kế hoạch phòng chống thiên tai và tìm kiếm cứu nạn trên địa bàn quận, số %d", i),
				Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, Version: 1, CreatedBy: clerk.ID, CreatedAt: at, UpdatedAt: at,
				Register: workflow.RegisterIncoming, Year: 2026, Number: n, RegisteredAt: &at, AssigneeID: clerk.ID,
				Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}, OriginalNumber: fmt.Sprintf("%d/UBND-VP", i+100), OriginalDate: &od,
				Files: []workflow.File{{SHA256: fmt.Sprintf("%064x", i), Name: "vb.pdf", Size: 1000, Kind: workflow.FileMain, CreatedAt: at}}}
			if err := tx.CreateDocument(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	docs := &workflow.Service{Repo: db, Blobs: workflowtest.TempBlobs(b), Now: func() time.Time { return now }}
	ui, err := New(Config{Docs: docs, Accounts: as, Directory: db, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	token, _, _, err := as.Login(ctx, "clerk", "mat-khau-thu")
	if err != nil {
		b.Fatal(err)
	}
	return ui, &http.Cookie{Name: sessionCookie, Value: token}
}

// heapAtWrite is a ResponseWriter that keeps no body and measures the
// live heap at each write (after a collection: what the handler holds
// then — a page is rendered into a buffer and written at once, so at its
// write the page's lines and its HTML are alive).
type heapAtWrite struct {
	h       http.Header
	code    int
	n       int64
	peak    uint64
	measure bool
}

func (w *heapAtWrite) Header() http.Header  { return w.h }
func (w *heapAtWrite) WriteHeader(code int) { w.code = code }
func (w *heapAtWrite) Write(p []byte) (int, error) {
	if w.measure {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		w.peak = max(w.peak, ms.HeapAlloc)
	}
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkRegisterPage renders the register page of a year of
// benchRegisterLines incoming documents — its first page, and a page at
// the end of the year — and reports the time of a render (cpu-ms, wall
// ms, renders without collections), the live heap one more render
// reached above the heap before it (heap-MB, measured at its write) and
// the size of the page (body-KB).
func BenchmarkRegisterPage(b *testing.B) {
	h, cookie := benchRegisterUI(b)
	render := func(b *testing.B, path string, w *heapAtWrite) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookie)
		h.ServeHTTP(w, req)
		if w.code != 0 && w.code != http.StatusOK {
			b.Fatalf("%s: %d", path, w.code)
		}
	}
	for _, path := range []string{"/registers/incoming/2026", fmt.Sprintf("/registers/incoming/2026?page=%d", benchRegisterLines/100)} {
		b.Run(strings.TrimPrefix(path, "/registers/incoming/2026"), func(b *testing.B) {
			var wall time.Duration
			cpu0, renders := cpuTime(), 0
			for b.Loop() {
				start := time.Now()
				render(b, path, &heapAtWrite{h: http.Header{}})
				wall, renders = wall+time.Since(start), renders+1
			}
			cpu := cpuTime() - cpu0
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			w := &heapAtWrite{h: http.Header{}, measure: true}
			render(b, path, w)
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(renders), "cpu-ms/op")
			b.ReportMetric(float64(wall.Microseconds())/1000/float64(renders), "wall-ms/op")
			b.ReportMetric(float64(w.peak-min(w.peak, ms.HeapAlloc))/(1<<20), "heap-MB")
			b.ReportMetric(float64(w.n)/1024, "body-KB")
		})
	}
}
