package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
)

// TestIntegrationFixityTurn: three instances on one database take turns at
// the fixity audit: of three asking at once, one runs, and the others do
// not get a turn until its lease expires; the runner keeps its turn.
// Before the lease, every instance audited on its own timer.
func TestIntegrationFixityTurn(t *testing.T) {
	for _, backend := range []string{gormdb.SQLite, gormdb.Postgres} {
		t.Run(backend, func(t *testing.T) {
			db := gormdbtest.Open(t, backend)
			ctx := context.Background()
			turns := []func(context.Context) (bool, func(), error){newFixityTurn(db, time.Hour), newFixityTurn(db, time.Hour), newFixityTurn(db, time.Hour)}
			runner := -1
			for i, turn := range turns {
				mine, done, err := turn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if mine {
					if runner >= 0 {
						t.Fatalf("instances %d and %d both audit", runner, i)
					}
					runner = i
					defer done()
				}
			}
			if runner != 0 {
				t.Fatalf("runner = %d, want the first to ask", runner)
			}
			if mine, done, err := turns[0](ctx); err != nil || !mine {
				t.Fatalf("the runner lost its turn: %v %v", mine, err)
			} else {
				done()
			}
			db.Now = func() time.Time { return time.Now().Add(time.Hour) } // its lease (54 min) has expired
			if mine, done, err := turns[2](ctx); err != nil || !mine {
				t.Fatalf("no turn after the lease expired: %v %v", mine, err)
			} else {
				done()
			}
		})
	}
}

// TestIntegrationLoadtestThreeInstances spreads a short load over three
// instances on one PostgreSQL and MinIO (each action of a lifecycle goes
// to the next instance): no error, every document archived, registers
// gapless and unique, and the audit chain verifies.
func TestIntegrationLoadtestThreeInstances(t *testing.T) {
	dsn := gormdbtest.CreatePostgresDatabase(t)
	env := sharedS3Env(t)
	env["VANTHU_DATABASE_URL"] = dsn
	servers := []*server{startServer(t, env), startServer(t, env), startServer(t, env)}
	checkLoadtest(t, servers, 15, 3)
	for _, s := range servers {
		var audit struct {
			OK     bool `json:"ok"`
			Events int  `json:"events"`
		}
		if code := s.login(t, "admin", "admin-password-1").call("GET", "/api/v1/audit/verify", nil, &audit); code != 200 || !audit.OK {
			t.Fatalf("audit verify on %s: %d %+v", s.base, code, audit)
		}
	}
}

// TestIntegrationEvidenceTurn: the renewal job has its own lease: of two
// instances one renews, and the fixity audit's turn is not taken by it.
func TestIntegrationEvidenceTurn(t *testing.T) {
	for _, backend := range []string{gormdb.SQLite, gormdb.Postgres} {
		t.Run(backend, func(t *testing.T) {
			db := gormdbtest.Open(t, backend)
			ctx := context.Background()
			a, b := newLeaseTurn(db, evidenceLeaseName, time.Hour), newLeaseTurn(db, evidenceLeaseName, time.Hour)
			mine, done, err := a(ctx)
			if err != nil || !mine {
				t.Fatalf("first instance: %v %v", mine, err)
			}
			defer done()
			if mine, _, err := b(ctx); err != nil || mine {
				t.Fatalf("second instance renews too: %v %v", mine, err)
			}
			if mine, done, err := newFixityTurn(db, time.Hour)(ctx); err != nil || !mine {
				t.Fatalf("fixity has no turn while renewal runs: %v %v", mine, err)
			} else {
				done()
			}
		})
	}
}

// TestIntegrationEvidenceThreeInstances: three instances on one
// PostgreSQL and MinIO, each running the renewal job every 300 ms: every
// record archived by a short load gets exactly one archive time-stamp
// (never two), trusted, and keeps one once nothing is due.
func TestIntegrationEvidenceThreeInstances(t *testing.T) {
	dsn := gormdbtest.CreatePostgresDatabase(t)
	env := sharedS3Env(t)
	env["VANTHU_DATABASE_URL"] = dsn
	env["VANTHU_EVIDENCE_INTERVAL"] = "300ms"
	servers := []*server{startServer(t, env), startServer(t, env), startServer(t, env)}
	checkLoadtest(t, servers, 6, 1)
	admin := servers[0].login(t, "admin", "admin-password-1")
	var list struct {
		Items []struct {
			DocumentID string `json:"document_id"`
		}
	}
	if code := admin.call("GET", "/api/v1/archive?limit=100", nil, &list); code != 200 || len(list.Items) != 6 {
		t.Fatalf("archive search: %d, %d records", code, len(list.Items))
	}
	type report struct {
		Verdict    string
		TimeStamps []struct{ Trusted bool } `json:"time_stamps"`
	}
	stamps := func(i int, id string) report {
		var r report
		if code := servers[i%3].login(t, "admin", "admin-password-1").call("GET", "/api/v1/archive/"+id+"/evidence", nil, &r); code != 200 {
			t.Fatalf("evidence of %s: %d", id, code)
		}
		return r
	}
	deadline := time.Now().Add(30 * time.Second)
	for i, it := range list.Items {
		for {
			r := stamps(i, it.DocumentID)
			if len(r.TimeStamps) > 1 {
				t.Fatalf("%s has %d time-stamps", it.DocumentID, len(r.TimeStamps))
			}
			if len(r.TimeStamps) == 1 {
				if !r.TimeStamps[0].Trusted {
					t.Fatalf("%s: untrusted time-stamp %+v", it.DocumentID, r)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s got no time-stamp", it.DocumentID)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	time.Sleep(1500 * time.Millisecond) // several more runs: nothing is due
	for i, it := range list.Items {
		if r := stamps(i+1, it.DocumentID); len(r.TimeStamps) != 1 {
			t.Fatalf("%s has %d time-stamps after more runs", it.DocumentID, len(r.TimeStamps))
		}
	}
}

// TestIntegrationThreeInstancesSendOnce: three instances of one agency on
// one PostgreSQL and MinIO, each with its exchange listener and delivery
// worker, send outgoing documents to a peer agency: the peer's endpoint
// is posted each document exactly once (the three workers never send one
// delivery twice), and every document is received once.
func TestIntegrationThreeInstancesSendOnce(t *testing.T) {
	var mu sync.Mutex
	posts := 0
	var a []*peer
	dsn := gormdbtest.CreatePostgresDatabase(t)
	s3 := sharedS3Env(t)
	for i := range 3 {
		p := newPeer(t, fmt.Sprintf("a%d", i+1), "000.00.12.H13", "UBND quận Bình Thủy", "UBND")
		p.env["VANTHU_DATABASE_URL"] = dsn
		for k, v := range s3 {
			p.env[k] = v
		}
		a = append(a, p)
	}
	b := newPeer(t, "b", "000.00.31.H13", "UBND phường Long Hòa", "UBND")
	fastExchange(append(a, b)...)
	for _, p := range a {
		p.env["VANTHU_EXCHANGE_LEASE"] = "1m"
	}
	b.opts.exchangeHandler = func(_ string, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == exchange.PathEdXML {
				mu.Lock()
				posts++
				mu.Unlock()
			}
			h.ServeHTTP(w, r)
		})
	}
	b.start(t)
	var urls []string
	for _, p := range a {
		p.srv = p.serve(t)
		urls = append(urls, p.srv.base)
	}
	connect(t, a[0], b) // a1's registry is the database all three share
	const n = 12
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"loadtest", "--url", strings.Join(urls, ","), "--admin-password", "admin-password-1",
		"--quiet", "--users-per-role", "3", "--count", fmt.Sprint(n), "--mix", "outgoing=1", "--send", "--send-to", b.orgID},
		func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("loadtest exited %d: %s\n%s", code, stderr.String(), stdout.String())
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		seen := map[string]int{}
		for _, d := range b.incoming(t) {
			if s, _ := d["subject"].(string); strings.HasPrefix(s, "Quyết định thử tải số ") {
				seen[s]++
			}
		}
		if len(seen) == n {
			for s, k := range seen {
				if k != 1 {
					t.Fatalf("%q received %d times", s, k)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("peer received %d of %d documents", len(seen), n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // a duplicate send would arrive by now
	mu.Lock()
	defer mu.Unlock()
	if posts != n {
		t.Fatalf("the peer's endpoint was posted %d packages for %d documents", posts, n)
	}
}
