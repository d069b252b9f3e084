package notify_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/notify"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestIntegrationReminderOnce: two instances on one database run the
// day's reminders at once, twice; each handler with work due gets one
// mail through the real path (outbox, notifier, SMTP to Mailpit) listing
// it, most late first; the handler with nothing due gets none; the
// official who assigned the overdue document, one summary of it.
func TestIntegrationReminderOnce(t *testing.T) {
	smtp, api := os.Getenv("VANTHU_TEST_MAILPIT_SMTP"), os.Getenv("VANTHU_TEST_MAILPIT_API")
	if smtp == "" || api == "" {
		t.Skip("VANTHU_TEST_MAILPIT_SMTP not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) { testReminderOnce(t, backend, smtp, api) })
	}
}

func testReminderOnce(t *testing.T, backend, smtp, api string) {
	dbs := gormdbtest.OpenInstances(t, backend, 2)
	db, ctx := dbs[0], context.Background()
	now := time.Date(2026, 12, 7, 7, 31, 0, 0, workflow.Vietnam)
	today := workflow.VietnamDate(now)
	var tag [6]byte
	rand.Read(tag[:])
	addr := map[string]string{}
	for _, id := range []string{"u-h1", "u-h2", "u-idle", "u-boss"} {
		u := &workflow.User{ID: id, Username: id, FullName: "Chuyên viên " + id, Roles: []workflow.Role{workflow.RoleHandler}, CreatedAt: now}
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		addr[id] = id + "-" + hex.EncodeToString(tag[:]) + "@quan.test"
		if err := db.SetUserMail(ctx, "", id, workflow.MailSettings{Email: addr[id]}); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range []struct {
		id, assignee string
		days         int
	}{{"d-h1-today", "u-h1", 0}, {"d-h1-late", "u-h1", -2}, {"d-h2-tomorrow", "u-h2", 1}, {"d-idle-later", "u-idle", 3}} {
		due := today.AddDays(d.days)
		doc := &workflow.Document{ID: d.id, Direction: workflow.Incoming, Type: workflow.CongVan, Subject: "Trích yếu " + d.id,
			Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Assigned, Version: 1,
			AssigneeID: d.assignee, DueDate: &due, OriginalNumber: "10" + string(rune('0'+i)) + "/UBND-VP",
			CreatedBy: "u-clerk", CreatedAt: now, UpdatedAt: now}
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			if err := tx.CreateDocument(ctx, doc); err != nil {
				return err
			}
			return tx.AppendEvent(ctx, &workflow.Event{DocumentID: doc.ID, Actor: "u-boss", Kind: workflow.EventTransition,
				Action: workflow.Assign, From: workflow.Registered, To: workflow.Assigned, At: now})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sender, err := notify.ParseSMTP("smtp://"+smtp, "Văn thư <vanthu@quan.test>")
	if err != nil {
		t.Fatal(err)
	}
	// The outbox times its rows by the database's clock: the notifier sends by the wall clock.
	n := &notify.Notifier{Store: db, Sender: sender, Log: slog.New(slog.DiscardHandler)}
	e := &mailEnv{api: api}
	for round := range 2 {
		var wg sync.WaitGroup
		for _, inst := range dbs {
			r := &notify.Reminder{Store: inst, PublicURL: publicURL, Now: func() time.Time { return now }, At: 7*time.Hour + 30*time.Minute}
			wg.Go(func() {
				if err := r.RunDue(ctx); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			})
		}
		wg.Wait()
		if err := n.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h1 := e.waitMails(t, addr["u-h1"], 1)
	if len(h1) != 1 {
		t.Fatalf("u-h1 got %d reminders, want 1", len(h1))
	}
	m := h1[0]
	late, due := strings.Index(m.Text, "d-h1-late"), strings.Index(m.Text, "d-h1-today")
	if m.Subject != "[vanthu] Nhắc hạn xử lý: 1 văn bản quá hạn, 1 văn bản sắp đến hạn" || late < 0 || due < late ||
		!strings.Contains(m.Text, "Quá hạn 2 ngày (hạn xử lý 05/12/2026)") || !strings.Contains(m.Text, publicURL+"/documents/d-h1-today") {
		t.Errorf("u-h1's reminder %q:\n%s", m.Subject, m.Text)
	}
	if h2 := e.waitMails(t, addr["u-h2"], 1); len(h2) != 1 || !strings.Contains(h2[0].Text, "Đến hạn ngày mai") {
		t.Errorf("u-h2 got %+v, want one reminder of the document due tomorrow", h2)
	}
	boss := e.waitMails(t, addr["u-boss"], 1)
	if len(boss) != 1 || boss[0].Subject != "[vanthu] Văn bản quá hạn xử lý: 1 văn bản do bạn giao" ||
		!strings.Contains(boss[0].Text, "d-h1-late") || !strings.Contains(boss[0].Text, "Người xử lý: Chuyên viên u-h1") {
		t.Errorf("u-boss got %+v, want one summary of d-h1-late", boss)
	}
	if idle := e.mails(t, addr["u-idle"]); len(idle) != 0 {
		t.Errorf("u-idle, nothing due by tomorrow, got %d mails", len(idle))
	}
}
