package auth_test

import (
	"context"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestLoginNameNotText: on SQLite and PostgreSQL, a login whose name holds
// a NUL or bytes that are not UTF-8 fails as an unknown user's does (401,
// counted towards the lockout, audited) — PostgreSQL refused the look-up
// (a 400 the guess did not count towards).
func TestLoginNameNotText(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		s := &auth.Service{Repo: db, Cost: bcrypt.MinCost}
		for _, name := range []string{"ad\x00min", "admin\xff", "\xc3\x28"} {
			before := countLoginFailed(t, db)
			_, _, _, err := s.LoginFrom(ctx, "192.0.2.7", name, "whatever")
			if workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				t.Fatalf("login as %q: %v, want unauthorized", name, err)
			}
			if got := countLoginFailed(t, db); got != before+1 {
				t.Fatalf("login as %q: %d failures audited, want %d", name, got, before+1)
			}
		}
	})
}

func countLoginFailed(t *testing.T, db *gormdb.DB) int {
	t.Helper()
	n := 0
	if err := db.WalkEvents(context.Background(), func(e workflow.Event) error {
		if e.Kind == workflow.EventLoginFailed {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
