package gormdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestMigrateReplies: migration 26 adds documents.replies_to and
// replied_by to a database of migration 25 on both dialects; a letter
// stored before it reads with neither, and then keeps the reply a later
// transaction links to it, and the reply the letter it answers.
func TestMigrateReplies(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db, _, _ := openAt(t, backend, 25, nil)
			if err := gormdb.CreateV25Document(ctx, db, incomingDoc("letter", 0)); err != nil {
				t.Fatal(err)
			}
			if _, to, err := db.Migrate(ctx); err != nil || to != gormdb.SchemaVersion() {
				t.Fatalf("Migrate: to %d, %v", to, err)
			}
			if got, err := db.Document(ctx, "letter"); err != nil || got.RepliesTo != "" || got.RepliedBy != "" {
				t.Fatalf("letter before any reply: %v replies_to=%q replied_by=%q", err, got.RepliesTo, got.RepliedBy)
			}
			reply := incomingDoc("reply", 1)
			reply.Direction, reply.Sender, reply.RepliesTo = workflow.Outgoing, nil, "letter"
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				l, err := tx.LockDocument(ctx, "letter")
				if err != nil {
					return err
				}
				prev := l.Version
				l.RepliedBy, l.Version = "reply", l.Version+1
				if err := tx.UpdateDocument(ctx, l, prev); err != nil {
					return err
				}
				return tx.CreateDocument(ctx, reply)
			})
			if err != nil {
				t.Fatal(err)
			}
			l, err := db.Document(ctx, "letter")
			if err != nil || l.RepliedBy != "reply" {
				t.Errorf("letter: %v replied_by=%q, want reply", err, l.RepliedBy)
			}
			r, err := db.Document(ctx, "reply")
			if err != nil || r.RepliesTo != "letter" {
				t.Errorf("reply: %v replies_to=%q, want letter", err, r.RepliesTo)
			}
		})
	}
}

// TestReplies: a letter's replies — the outgoing documents whose
// replies_to names it, classified included, oldest first, not another
// letter's — in one statement on every backend; and the service's
// Replies names a classified one by its ID alone to who may not see it.
func TestReplies(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, buf := openLogged(t, backend)
			ctx := context.Background()
			letter, other := incomingDoc("letter", 0), incomingDoc("other", 1)
			reply := func(id string, i int, to string, conf workflow.Confidentiality) *workflow.Document {
				d := incomingDoc(id, i)
				d.Direction, d.Sender, d.State, d.RepliesTo, d.Confidentiality, d.CreatedBy = workflow.Outgoing, nil, workflow.Draft, to, conf, "u-drafter"
				return d
			}
			// Created out of order: the page lists them by creation.
			docs := []*workflow.Document{letter, other, reply("r-late", 9, "letter", workflow.Public), reply("r-secret", 5, "letter", workflow.Secret),
				reply("r-first", 3, "letter", workflow.Public), reply("r-other", 4, "other", workflow.Public)}
			letter.RepliedBy = "r-late"
			create(t, db, docs...)
			db.SetSlowQueryThreshold(0)
			before := strings.Count(buf.String(), "slow query")
			got, err := db.Replies(ctx, "letter")
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(buf.String(), "slow query") - before; n != 1 {
				t.Errorf("%d statements, want 1", n)
			}
			if ids := docIDs(got); strings.Join(ids, " ") != "r-first r-secret r-late" {
				t.Errorf("replies %v, want r-first r-secret r-late", ids)
			}
			svc := &workflow.Service{Repo: db, Now: func() time.Time { return t0 }}
			rs, err := svc.Replies(ctx, &workflow.User{ID: "u-other", Roles: []workflow.Role{workflow.RoleHandler}}, letter)
			if err != nil || len(rs) != 3 || rs[0].Doc == nil || rs[1].Doc != nil || rs[1].ID != "r-secret" || rs[2].Doc == nil {
				t.Errorf("Replies to a handler who may not see r-secret: %+v, %v", rs, err)
			}
			if rs, _ := svc.Replies(ctx, &workflow.User{ID: "u-drafter", Roles: []workflow.Role{workflow.RoleHandler}}, letter); len(rs) != 3 || rs[1].Doc == nil {
				t.Errorf("Replies to its drafter: %+v", rs)
			}
		})
	}
}

// TestRepliesPlan: a letter's replies are read from documents_replies_to
// (migration 28), not from every outgoing document, on both databases.
func TestRepliesPlan(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		var docs []*workflow.Document
		for i := range 300 {
			d := incomingDoc(docID(i), i)
			d.Direction, d.Sender, d.State = workflow.Outgoing, nil, workflow.Issued
			if i%50 == 0 {
				d.RepliesTo = "letter"
			}
			docs = append(docs, d)
		}
		create(t, db, docs...)
		if err := db.Gorm().Exec("ANALYZE").Error; err != nil {
			t.Fatal(err)
		}
		q := gormdb.RepliesSQL("letter")
		if plan := explain(t, db, q, false); !strings.Contains(plan, "documents_replies_to") {
			t.Errorf("the replies are not read from documents_replies_to:\n%s\n%s", q, plan)
		}
	})
}
