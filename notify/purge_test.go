package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/vanthu/vanthu/notify"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestPurgeSent: the notifier deletes the mail sent more than KeepSent
// ago, at most once per PurgeEvery, and none with KeepSent 0.
func TestPurgeSent(t *testing.T) {
	ctx := context.Background()
	db := gormdbtest.Open(t, gormdb.SQLite)
	// The outbox dates a new mail by the wall clock: the notifier's clock
	// is set from it.
	now := time.Now().Truncate(time.Millisecond)
	seq := int64(0)
	sent := func(daysAgo int) {
		t.Helper()
		seq++
		err := db.EnqueueNotifications(ctx, []workflow.Notification{{EventSeq: seq, UserID: "u-1",
			Address: "u1@quan.vn", Subject: fmt.Sprintf("[vanthu] thư %d", seq), Body: "nội dung"}})
		if err != nil {
			t.Fatal(err)
		}
		due, err := db.DueNotifications(ctx, now.Add(time.Minute), 1)
		if err != nil || len(due) != 1 {
			t.Fatalf("due %d, %v", len(due), err)
		}
		if err := db.NotificationSent(ctx, due[0].ID, now.AddDate(0, 0, -daysAgo)); err != nil {
			t.Fatal(err)
		}
	}
	sentCount := func() int {
		t.Helper()
		c, err := db.CountMail(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return c.Sent
	}
	clock := now
	n := &notify.Notifier{Store: db, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return clock }}
	sent(120)
	sent(30)
	purge := func(want int) {
		t.Helper()
		if err := n.PurgeSent(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sentCount(); got != want {
			t.Fatalf("at %s: %d sent mails left, want %d", clock.Format(time.RFC3339), got, want)
		}
	}
	purge(2) // KeepSent 0: for ever
	n.KeepSent = 90 * 24 * time.Hour
	purge(1)
	sent(100)
	clock = now.Add(notify.PurgeEvery - time.Minute)
	purge(2) // purged less than an hour ago
	clock = now.Add(notify.PurgeEvery)
	purge(1)
}
