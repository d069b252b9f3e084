package main

import (
	"context"
	"testing"
	"time"

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
