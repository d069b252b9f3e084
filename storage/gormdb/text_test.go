package gormdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestTextTheDatabaseCannotHold: a client's text with a NUL character or
// bytes that are not UTF-8 (a path id, a query parameter, a JSON field
// with \u0000) is EINVALID where PostgreSQL refuses it (SQLSTATE 22021),
// and nothing is written; never an internal error. Before, every such
// request answered 500 on PostgreSQL (found by the API hunt: POST /users
// with "a\u0000b", GET /documents?type=%ff, GET /documents/%00, ...).
func TestTextTheDatabaseCannotHold(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		for _, text := range []string{"a\x00b", "\x00", "a\xffb", "\xc3"} {
			checks := map[string]func() error{
				"User":           func() error { _, err := db.User(ctx, text); return err },
				"UserByUsername": func() error { _, err := db.UserByUsername(ctx, text); return err },
				"Document":       func() error { _, err := db.Document(ctx, text); return err },
				// (A cursor is read as one before the database sees it:
				// such text is EINVALID on either, TestDocumentsOrderedByCreation.)
				"Documents": func() error {
					_, _, err := db.Documents(ctx, workflow.DocumentFilter{Type: workflow.DocType(text), Query: text})
					return err
				},
				"CreateUser": func() error {
					return db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
						return tx.CreateUser(ctx, &workflow.User{ID: "u-" + text, Username: text, FullName: text,
							Roles: []workflow.Role{workflow.RoleHandler}, CreatedAt: time.Now()})
					})
				},
			}
			for name, check := range checks {
				switch code := workflow.ErrorCode(check()); code {
				case "", workflow.ENOTFOUND:
				case workflow.EINVALID:
					if db.Dialect() != gormdb.Postgres {
						t.Errorf("%s(%q) on %s: EINVALID, though this database holds any text", name, text, db.Dialect())
					}
				default:
					t.Errorf("%s(%q) on %s: %s, want no error, ENOTFOUND or EINVALID", name, text, db.Dialect(), code)
				}
			}
		}
		users, err := db.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect() == gormdb.Postgres && len(users) != 0 {
			t.Errorf("PostgreSQL holds %d users after refusing them all", len(users))
		}
	})
}
