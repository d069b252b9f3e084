package notify_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/notify"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestIntegrationReminderWaiting: through the real path (the store's
// SQL, the outbox, the notifier, SMTP to Mailpit), on both databases: an
// official with a draft in review for 3 days and an incoming document
// due gets ONE mail listing both, not the draft submitted yesterday nor
// another official's secret draft; the clerk, the signed documents
// waiting to be issued, a secret one without its subject; a user with
// nothing waiting gets nothing.
func TestIntegrationReminderWaiting(t *testing.T) {
	smtp, api := os.Getenv("VANTHU_TEST_MAILPIT_SMTP"), os.Getenv("VANTHU_TEST_MAILPIT_API")
	if smtp == "" || api == "" {
		t.Skip("VANTHU_TEST_MAILPIT_SMTP not set: source scripts/setup/mail.sh (or run ./scripts/test)")
	}
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) { testReminderWaiting(t, backend, smtp, api) })
	}
}

func testReminderWaiting(t *testing.T, backend, smtp, api string) {
	db, ctx := gormdbtest.Open(t, backend), context.Background()
	now := time.Date(2026, 12, 7, 7, 31, 0, 0, workflow.Vietnam)
	var tag [6]byte
	rand.Read(tag[:])
	addr := map[string]string{}
	for id, role := range map[string]workflow.Role{"u-o1": workflow.RoleOfficer, "u-o2": workflow.RoleOfficer,
		"u-clerk": workflow.RoleClerk, "u-idle": workflow.RoleOfficer, "u-h1": workflow.RoleHandler} {
		u := &workflow.User{ID: id, Username: id, FullName: "Người dùng " + id, Roles: []workflow.Role{role}, CreatedAt: now}
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		addr[id] = id + "-" + hex.EncodeToString(tag[:]) + "@quan.test"
		if err := db.SetUserMail(ctx, "", id, workflow.MailSettings{Email: addr[id]}); err != nil {
			t.Fatal(err)
		}
	}
	due := workflow.VietnamDate(now)
	for _, d := range []struct {
		id       string
		dir      workflow.Direction
		state    workflow.State
		signer   string
		conf     workflow.Confidentiality
		action   workflow.Action
		daysAgo  int
		assignee string
	}{
		{"d-in-due", workflow.Incoming, workflow.Assigned, "", workflow.Public, workflow.Assign, 1, "u-o1"},
		{"d-review-3", workflow.Outgoing, workflow.InReview, "u-o1", workflow.Public, workflow.Submit, 3, ""},
		{"d-review-1", workflow.Outgoing, workflow.InReview, "u-o1", workflow.Public, workflow.Submit, 1, ""},
		{"d-secret-o2", workflow.Outgoing, workflow.Approved, "u-o2", workflow.Secret, workflow.Approve, 3, ""},
		{"d-signed-4", workflow.Outgoing, workflow.OfficerSigned, "u-o1", workflow.Public, workflow.Sign, 4, ""},
		{"d-signed-secret", workflow.Outgoing, workflow.OfficerSigned, "u-o2", workflow.Secret, workflow.Sign, 2, ""},
	} {
		doc := &workflow.Document{ID: d.id, Direction: d.dir, Type: workflow.CongVan, Subject: "Trích yếu " + d.id,
			Urgency: workflow.UrgencyNormal, Confidentiality: d.conf, State: d.state, Version: 1, SignerID: d.signer,
			AssigneeID: d.assignee, CreatedBy: "u-h1", CreatedAt: now, UpdatedAt: now}
		if d.dir == workflow.Incoming {
			doc.DueDate = &due
		}
		err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
			if err := tx.CreateDocument(ctx, doc); err != nil {
				return err
			}
			return tx.AppendEvent(ctx, &workflow.Event{DocumentID: doc.ID, Actor: "u-h1", Kind: workflow.EventTransition,
				Action: d.action, To: d.state, At: now.AddDate(0, 0, -d.daysAgo)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	r := &notify.Reminder{Store: db, PublicURL: publicURL, Now: func() time.Time { return now }, At: 7*time.Hour + 30*time.Minute,
		Wait: 48 * time.Hour}
	if err := r.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	sender, err := notify.ParseSMTP("smtp://"+smtp, "Văn thư <vanthu@quan.test>")
	if err != nil {
		t.Fatal(err)
	}
	if err := (&notify.Notifier{Store: db, Sender: sender, Log: slog.New(slog.DiscardHandler)}).SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	e := &mailEnv{api: api}
	o1 := e.waitMails(t, addr["u-o1"], 1)
	if len(o1) != 1 || o1[0].Subject != "[vanthu] Nhắc hạn xử lý: 1 văn bản sắp đến hạn; 1 văn bản đi chờ bạn xử lý" ||
		!strings.Contains(o1[0].Text, "d-in-due") || !strings.Contains(o1[0].Text, "Chờ duyệt đã 3 ngày") ||
		!strings.Contains(o1[0].Text, "Trích yếu: Trích yếu d-review-3") || !strings.Contains(o1[0].Text, publicURL+"/documents/d-review-3") ||
		strings.Contains(o1[0].Text, "d-review-1") || strings.Contains(o1[0].Text, "d-secret-o2") || strings.Contains(o1[0].Text, "d-signed") {
		t.Errorf("u-o1 got %d mails, want one with the due document and the draft in review 3 days: %+v", len(o1), o1)
	}
	c := e.waitMails(t, addr["u-clerk"], 1)
	if len(c) != 1 || c[0].Subject != "[vanthu] Nhắc việc: 2 văn bản đi chờ bạn xử lý" ||
		!strings.Contains(c[0].Text, "1. Chờ phát hành đã 4 ngày") || !strings.Contains(c[0].Text, "Trích yếu d-signed-4") ||
		!strings.Contains(c[0].Text, "/documents/d-signed-secret") || strings.Contains(c[0].Text, "Trích yếu d-signed-secret") {
		t.Errorf("u-clerk got %+v, want one mail of the two signed documents, the secret one's subject not in it", c)
	}
	if o2 := e.waitMails(t, addr["u-o2"], 1); len(o2) != 1 || !strings.Contains(o2[0].Text, "Chờ ký đã 3 ngày") ||
		strings.Contains(o2[0].Text, "Trích yếu d-secret-o2") {
		t.Errorf("u-o2 got %+v, want one mail of the secret document to sign, without its subject", o2)
	}
	if idle := e.mails(t, addr["u-idle"]); len(idle) != 0 {
		t.Errorf("u-idle, nothing waiting, got %d mails", len(idle))
	}
}
