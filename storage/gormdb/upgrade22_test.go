package gormdb_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// outboxV22 is a mail_outbox row as the code of migration 22 wrote it.
type outboxV22 struct {
	ID, EventSeq                   int64
	UserID, Address, Subject, Body string
	Attempts                       int
	NextAt, SentAt                 int64
	LastError                      string
	CreatedAt                      int64
	FailedAt                       int64 // read after the upgrade only
}

// TestMigrateFromV22WithRows: a database at migration 22 as its code made
// it — mail_outbox without failed_at, password_history without seq —
// with rows in both, migrates to the latest version (23 and 24, each a
// guarded ADD COLUMN) with every row as it was: the outbox's pending and
// sent mail, none failed (failed_at 0), the pending still due in order;
// the password history in its old order. The new columns work: a
// notification refused for good is due no more, and a password replaced
// with the clock stepped back before the old ones is the newest of the
// history (seq), the oldest trimmed. The schema ends as a fresh
// database's.
func TestMigrateFromV22WithRows(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := openV22(t, backend)
			rows := seedV22(t, db)
			from, to, err := db.Migrate(ctx)
			if err != nil || from != 22 || to != gormdb.SchemaVersion() {
				t.Fatalf("Migrate: from %d to %d (%v), want 22 to %d", from, to, err, gormdb.SchemaVersion())
			}
			var got []outboxV22
			if err := db.Gorm().Table("mail_outbox").Order("id").Find(&got).Error; err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, rows) {
				t.Fatalf("mail_outbox after the upgrade:\n%+v\nwant\n%+v", got, rows)
			}
			checkV22Usable(t, db)
			fresh := gormdbtest.Open(t, backend)
			if g, w := readSchema(t, db.Gorm()), readSchema(t, fresh.Gorm()); !reflect.DeepEqual(g, w) {
				t.Errorf("upgraded schema differs from a fresh one:\nupgraded %v\nfresh    %v", g, w)
			}
		})
	}
}

// openV22 is a database at migration 22 as that code left it. mailV22
// and passwordHistoryV20 create their tables from today's row structs,
// with the columns 23 and 24 add: those are dropped.
func openV22(t *testing.T, backend string) *gormdb.DB {
	t.Helper()
	db, _, _ := openAt(t, backend, 22, nil)
	g := db.Gorm()
	for _, c := range [][2]string{{"mail_outbox", "failed_at"}, {"password_history", "seq"}} {
		if err := g.Exec("ALTER TABLE " + c[0] + " DROP COLUMN " + c[1]).Error; err != nil {
			t.Fatal(err)
		}
		if g.Migrator().HasColumn(c[0], c[1]) {
			t.Fatalf("%s.%s still there", c[0], c[1])
		}
	}
	return db
}

// seedV22 writes a user, three previous passwords (h1 oldest) and three
// mails (two pending, one sent) with the columns of migration 22, and
// returns the mails as they must read after the upgrade.
func seedV22(t *testing.T, db *gormdb.DB) []outboxV22 {
	t.Helper()
	ctx := context.Background()
	err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		return tx.CreateUser(ctx, &workflow.User{ID: "u-hoa", Username: "hoa", FullName: "Lê Thị Hoa", Roles: []workflow.Role{workflow.RoleClerk}, CreatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	g := db.Gorm()
	for i, h := range []string{"h1", "h2", "h3"} {
		err := g.Exec(`INSERT INTO password_history (id, user_id, password_hash, replaced_at) VALUES (?, ?, ?, ?)`,
			"ph-"+h, "u-hoa", h, t0.Add(time.Duration(i)*time.Hour)).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	at := t0.UnixMilli()
	rows := []outboxV22{
		{1, 10, "u-hoa", "hoa@example.vn", "Văn bản chờ cấp số", "Kính gửi chị Hoa", 0, at, 0, "", at, 0},
		{2, 11, "u-hoa", "hoa@example.vn", "Văn bản gửi liên thông bị từ chối", "Sở Nội vụ: sai địa chỉ", 2, at + 60_000, 0, "421 try later", at, 0},
		{3, 9, "u-hoa", "hoa@example.vn", "Văn bản đã gửi", "Đã gửi", 1, at, at + 5_000, "", at, 0},
	}
	for _, r := range rows {
		err := g.Exec(`INSERT INTO mail_outbox (id, event_seq, user_id, address, subject, body, attempts, next_at, sent_at, last_error, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.EventSeq, r.UserID, r.Address, r.Subject, r.Body, r.Attempts, r.NextAt, r.SentAt, r.LastError, r.CreatedAt).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

// checkV22Usable uses the columns migrations 23 and 24 added.
func checkV22Usable(t *testing.T, db *gormdb.DB) {
	t.Helper()
	ctx := context.Background()
	due := func() []int64 {
		t.Helper()
		ns, err := db.DueNotifications(ctx, t0.Add(time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, n := range ns {
			ids = append(ids, n.ID)
		}
		return ids
	}
	if got := due(); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("due after the upgrade: %v, want [1 2]", got)
	}
	if err := db.NotificationRefused(ctx, 1, 1, t0, "550 5.1.1 no such user"); err != nil {
		t.Fatal(err)
	}
	if got := due(); !slices.Equal(got, []int64{2}) {
		t.Fatalf("due after 1 was refused for good: %v, want [2]", got)
	}
	history := func() []string {
		t.Helper()
		hs, err := db.PreviousPasswordHashes(ctx, "u-hoa", 10)
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	if got := history(); !slices.Equal(got, []string{"h3", "h2", "h1"}) {
		t.Fatalf("password history after the upgrade: %v, want [h3 h2 h1]", got)
	}
	err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		w := tx.(interface {
			AddPreviousPassword(ctx context.Context, userID, hash string, at time.Time, keep int) error
		})
		return w.AddPreviousPassword(ctx, "u-hoa", "h4", t0.Add(-time.Hour), 3)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := history(); !slices.Equal(got, []string{"h4", "h3", "h2"}) {
		t.Fatalf("password history after a change with the clock stepped back: %v, want [h4 h3 h2]", got)
	}
}
