package gormdb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// seedChainEvents is how many events seedChain inserts per statement.
const seedChainEvents = 500

// chainEvents returns n events chained from the genesis, shaped as the
// service writes them (a create with its direction and type, uploads
// with a file's sum, name, kind and size, transitions with an empty map
// and now and then a comment, comments, failed logins with no data),
// from rng.
func chainEvents(rng *rand.Rand, n int) []*workflow.Event {
	kinds := []string{"QĐ", "CV", "TB", "KH", "BC"}
	comments := []string{"", "", "", "Đề nghị sửa trích yếu", "Đang xử lý", "đã nhận bản giấy"}
	at := time.Date(2020, 11, 20, 1, 0, 0, 0, time.UTC)
	events := make([]*workflow.Event, n)
	var prev *workflow.Event
	for i := range events {
		at = at.Add(time.Duration(rng.IntN(120_000_000)) * time.Microsecond)
		doc := fmt.Sprintf("%013x%08x", at.UnixMicro(), rng.IntN(1000))
		e := &workflow.Event{DocumentID: doc, Actor: fmt.Sprintf("u%03d", rng.IntN(48)), At: at}
		switch r := rng.IntN(10); {
		case r == 0:
			e.Kind, e.To = workflow.EventCreate, workflow.Draft
			e.Data = map[string]string{"direction": "outgoing", "type": kinds[rng.IntN(len(kinds))]}
		case r < 3:
			e.Kind = workflow.EventUpload
			e.Data = map[string]string{"sha256": fmt.Sprintf("%064x", rng.Uint64()), "name": "công văn số " + strconv.Itoa(i) + ".pdf",
				"kind": "main", "size": strconv.Itoa(rng.IntN(1 << 22))}
		case r < 8:
			e.Kind, e.Action, e.From, e.To = workflow.EventTransition, workflow.Submit, workflow.Draft, workflow.InReview
			e.Comment, e.Data = comments[rng.IntN(len(comments))], map[string]string{}
		case r < 9:
			e.Kind, e.Comment = workflow.EventComment, comments[3+rng.IntN(3)]
		default:
			e.DocumentID, e.Actor, e.Kind, e.Comment = "", "", workflow.EventLoginFailed, "username=admin"
		}
		workflow.Chain(prev, e)
		events[i], prev = e, e
	}
	return events
}

// seedChain inserts events (chained from the genesis) straight into the
// audit table, many rows per statement, and moves the head to the last.
func seedChain(tb testing.TB, db *gormdb.DB, events []*workflow.Event) {
	tb.Helper()
	g := db.Gorm()
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", 12), ", ") + ")"
	for i := 0; i < len(events); i += seedChainEvents {
		batch := events[i:min(i+seedChainEvents, len(events))]
		args := make([]any, 0, 12*len(batch))
		for _, e := range batch {
			data := "null"
			if e.Data != nil {
				data = mustJSON(tb, e.Data)
			}
			args = append(args, e.Seq, e.DocumentID, e.Actor, string(e.Kind), string(e.Action), string(e.From), string(e.To),
				e.Comment, data, e.At.UnixMicro(), e.PrevHash, e.Hash)
		}
		q := `INSERT INTO audit_events (seq, document_id, actor, kind, action, from_state, to_state, comment, data, at_micros, prev_hash, hash) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", len(batch)), ", ")
		if err := g.Exec(q, args...).Error; err != nil {
			tb.Fatal(err)
		}
	}
	last := events[len(events)-1]
	if err := g.Exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, last.Seq, last.Hash).Error; err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkVerifyAuditWalk times VerifyAudit (no anchors) on a chain of
// VANTHU_WALK_BENCH_EVENTS events (default 20,000) seeded straight into
// each backend, over the stored rows and over the Events (the walk
// before it), and reports the cost per event (ns/event, this process's
// CPU, allocs and bytes allocated per event) and the largest heap reached.
func BenchmarkVerifyAuditWalk(b *testing.B) {
	n := 20_000
	if v, _ := strconv.Atoi(os.Getenv("VANTHU_WALK_BENCH_EVENTS")); v > 0 {
		n = v
	}
	for _, backend := range gormdbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			if backend == gormdb.Postgres && os.Getenv(gormdbtest.EnvDatabaseURL) == "" {
				b.Skip(gormdbtest.EnvDatabaseURL + " not set")
			}
			db := gormdbtest.Open(b, backend)
			seedChain(b, db, chainEvents(rand.New(rand.NewPCG(1, 2)), n)) // not kept: the heap is the walk's
			// stored: the walk of the stored rows; events: the walk of
			// Events (as before it), on the same database.
			b.Run("stored", func(b *testing.B) { benchWalk(b, &workflow.Service{Repo: db}, int64(n)) })
			b.Run("events", func(b *testing.B) { benchWalk(b, &workflow.Service{Repo: eventsOnly{db}}, int64(n)) })
		})
	}
}

// benchWalk runs svc's VerifyAudit, which must find n events intact, and
// reports per event figures.
func benchWalk(b *testing.B, svc *workflow.Service, n int64) {
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { // the heap while verify runs
		defer close(done)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
	}()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start, cpu0 := time.Now(), processCPU()
	for b.Loop() {
		r, err := svc.VerifyAudit(context.Background())
		if err != nil || !r.OK || r.Events != n {
			b.Fatalf("%+v %v", r, err)
		}
	}
	elapsed, cpu := time.Since(start), processCPU()-cpu0
	runtime.ReadMemStats(&m1)
	close(stop)
	<-done
	per := float64(b.N) * float64(n)
	b.ReportMetric(float64(elapsed.Nanoseconds())/per, "ns/event")
	b.ReportMetric(float64(cpu.Nanoseconds())/per, "cpu-ns/event") // this process: not PostgreSQL's
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/per, "allocs/event")
	b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/per, "B/event")
	b.ReportMetric(float64(peak)/(1<<20), "heap-MB")
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// processCPU is the CPU time this process used so far (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
