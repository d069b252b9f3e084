package gormdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestRevocationLease: an answer "not revoked" is reused, but the
// instance that stores a revocation finds it at once, and another
// instance on the same database once RevocationLease has passed.
func TestRevocationLease(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			revoker, other := dbs[0], dbs[1]
			status := func(db *gormdb.DB) string {
				t.Helper()
				_, err := db.Revocation(ctx, "issuer-1", "0a")
				if code := workflow.ErrorCode(err); code != "" && code != workflow.ENOTFOUND {
					t.Fatal(err)
				}
				return workflow.ErrorCode(err)
			}
			for _, db := range dbs {
				if c := status(db); c != workflow.ENOTFOUND {
					t.Fatalf("before the revocation: %q, want ENOTFOUND", c)
				}
			}
			start := time.Now() // the other instance's answer is at most this old
			r := workflow.Revocation{Issuer: "issuer-1", Serial: "0a", Subject: "CN=x", UserID: "u1",
				Reason: workflow.ReasonKeyCompromise, RevokedAt: t0, Actor: "admin"}
			if err := revoker.Revoke(ctx, r, &workflow.Event{Kind: workflow.EventUser, At: t0, Comment: "revoke 0a"}); err != nil {
				t.Fatal(err)
			}
			if c := status(revoker); c != "" {
				t.Errorf("revoking instance right after Revoke: %q, want revoked", c)
			}
			time.Sleep(gormdb.RevocationLease - time.Since(start))
			if c := status(other); c != "" {
				t.Errorf("other instance RevocationLease after Revoke: %q, want revoked", c)
			}
		})
	}
}
