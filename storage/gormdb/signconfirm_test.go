package gormdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestSignConfirmed: a session's signature confirmation set on one
// instance is read on another; it is none for a session without one, an
// expired or ended one; forgetting a user's clears their sessions' (in a
// transaction too), not another user's.
func TestSignConfirmed(t *testing.T) {
	var _ auth.SignConfirmStore = (*gormdb.DB)(nil)
	for _, b := range gormdbtest.Backends {
		t.Run(b, func(t *testing.T) {
			ctx := context.Background()
			dbs := gormdbtest.OpenInstances(t, b, 2)
			one, two := dbs[0], dbs[1]
			t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, workflow.Vietnam)
			now := t0
			for _, db := range dbs {
				db.Now = func() time.Time { return now }
			}
			err := one.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for _, s := range []*workflow.Session{{TokenHash: "a1", UserID: "u1"}, {TokenHash: "a2", UserID: "u1"}, {TokenHash: "b1", UserID: "u2"}} {
					s.CreatedAt, s.ExpiresAt = t0, t0.Add(time.Hour)
					if err := tx.CreateSession(ctx, s); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			at := t0.Add(90*time.Second + 123*time.Millisecond)
			for _, h := range []string{"a1", "a2", "b1", "gone"} {
				if err := one.SetSignConfirmed(ctx, h, at); err != nil {
					t.Fatalf("SetSignConfirmed %s: %v", h, err)
				}
			}
			want := func(db *gormdb.DB, h string, w time.Time) {
				t.Helper()
				if got, err := db.SignConfirmed(ctx, h); err != nil || !got.Equal(w) {
					t.Errorf("SignConfirmed %s = %v, %v; want %v", h, got, err, w)
				}
			}
			want(two, "a1", at)
			want(two, "gone", time.Time{})
			err = two.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.(interface {
					ForgetSignConfirmed(context.Context, string) error
				}).ForgetSignConfirmed(ctx, "u1")
			})
			if err != nil {
				t.Fatal(err)
			}
			want(one, "a1", time.Time{})
			want(one, "a2", time.Time{})
			want(one, "b1", at)
			if err := one.ForgetSignConfirmed(ctx, "u2"); err != nil {
				t.Fatal(err)
			}
			want(two, "b1", time.Time{})
			if err := one.SetSignConfirmed(ctx, "a1", at); err != nil {
				t.Fatal(err)
			}
			now = t0.Add(time.Hour) // the session expired
			want(two, "a1", time.Time{})
			now = t0
			if err := two.DeleteSession(ctx, "a1"); err != nil {
				t.Fatal(err)
			}
			want(one, "a1", time.Time{})
		})
	}
}
