package gormdb_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

var _ auth.HeldStore = (*gormdb.DB)(nil)

const heldCSV = "username,initial_password\nlan,Bi-Mat-Ban-Dau-9x7Q\n"

// heldRows reads held_secrets as stored.
func heldRows(t *testing.T, db *gormdb.DB) []struct {
	ID, SessionHash string
	Sealed          []byte
} {
	t.Helper()
	var rows []struct {
		ID, SessionHash string
		Sealed          []byte
	}
	if err := db.Gorm().Raw("SELECT id, session_hash, sealed FROM held_secrets ORDER BY id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestHeldSecrets: a secret held for a session (auth.Service.Hold over
// the database) is stored sealed — its row has the session token's hash
// and bytes without the secret's text — and taken once by that session;
// another session finds nothing and leaves it; at its expiry it is not
// taken and is deleted, as is any expired row at the next hold and at
// serve's sweep of expired sessions.
func TestHeldSecrets(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		svc := &auth.Service{Repo: db, Now: func() time.Time { return now }}
		id, err := svc.Hold(ctx, "token-a", []byte(heldCSV))
		if err != nil {
			t.Fatal(err)
		}
		rows := heldRows(t, db)
		if len(rows) != 1 || rows[0].ID != id || rows[0].SessionHash != auth.HashToken("token-a") ||
			bytes.Contains(rows[0].Sealed, []byte("Bi-Mat")) || bytes.Contains(rows[0].Sealed, []byte("username")) {
			t.Fatalf("stored: %+v", rows)
		}
		if _, err := svc.Take(ctx, "token-b", id); workflow.ErrorCode(err) != workflow.ENOTFOUND || len(heldRows(t, db)) != 1 {
			t.Fatalf("another session's take: %v, rows left %d", err, len(heldRows(t, db)))
		}
		got, err := svc.Take(ctx, "token-a", id)
		if err != nil || string(got) != heldCSV {
			t.Fatalf("take: %q %v", got, err)
		}
		if _, err := svc.Take(ctx, "token-a", id); workflow.ErrorCode(err) != workflow.ENOTFOUND || len(heldRows(t, db)) != 0 {
			t.Fatalf("a second take: %v", err)
		}

		late, _ := svc.Hold(ctx, "token-a", []byte(heldCSV))
		now = now.Add(auth.HeldTTL)
		if _, err := svc.Take(ctx, "token-a", late); workflow.ErrorCode(err) != workflow.ENOTFOUND || len(heldRows(t, db)) != 0 {
			t.Fatalf("expired take: %v, rows %d", err, len(heldRows(t, db)))
		}
		abandoned, _ := svc.Hold(ctx, "token-b", []byte(heldCSV))
		now = now.Add(auth.HeldTTL)
		next, _ := svc.Hold(ctx, "token-a", []byte(heldCSV))
		if rows := heldRows(t, db); len(rows) != 1 || rows[0].ID != next || abandoned == next {
			t.Fatalf("after an expired row, a hold: %+v", rows)
		}
		now = now.Add(auth.HeldTTL)
		db.Now = func() time.Time { return now }
		if _, err := db.DeleteExpiredSessions(ctx); err != nil || len(heldRows(t, db)) != 0 {
			t.Fatalf("serve's sweep left an expired held secret: %v %d", err, len(heldRows(t, db)))
		}
	})
}

// TestHeldSecretTakenOnce: takes of one held secret racing from two
// instances on one database — one click reaching both — give it exactly
// once.
func TestHeldSecretTakenOnce(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			svcs := []*auth.Service{{Repo: dbs[0]}, {Repo: dbs[1]}}
			id, err := svcs[0].Hold(ctx, "token-a", []byte(heldCSV))
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var got, missed int
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					b, err := svcs[i%2].Take(ctx, "token-a", id)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil && string(b) == heldCSV:
						got++
					case workflow.ErrorCode(err) == workflow.ENOTFOUND:
						missed++
					default:
						t.Errorf("take: %q %v", b, err)
					}
				})
			}
			wg.Wait()
			if got != 1 || missed != 7 {
				t.Fatalf("taken %d times, missed %d", got, missed)
			}
		})
	}
}
