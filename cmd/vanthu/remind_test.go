package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/workflow"
)

// vanthu remind: --dry-run prints who would get what today (the clock's
// day, Vietnam) and queues nothing; without it the reminders are queued,
// once per user and day: a second run queues none; without
// VANTHU_SMTP_URL it warns that only a serve with one sends them. The
// clerk's reminder lists the document signed 3 days ago, waiting to be
// issued (VANTHU_REMINDER_WAIT's default, 2 days).
func TestRemindCLI(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"VANTHU_DATA_DIR": data, "VANTHU_LOG_LEVEL": "error", "VANTHU_ADMIN_PASSWORD": "admin-password-1",
		"VANTHU_PUBLIC_URL": "https://vanthu.binhthuy.test"}
	if code, out, stderr := runCLI(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s %s", code, out, stderr)
	}
	now := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC) // the 8th in Vietnam
	ctx := context.Background()
	db, err := gormdb.Open(ctx, "", data, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	u := &workflow.User{ID: "u-lan", Username: "lan", FullName: "Nguyễn Thị Lan", Roles: []workflow.Role{workflow.RoleHandler}, CreatedAt: now}
	due := workflow.NewDate(2026, 12, 8)
	d := &workflow.Document{ID: "d-due", Direction: workflow.Incoming, Type: workflow.CongVan, Subject: "Góp ý dự thảo",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.InProgress, Version: 1, AssigneeID: u.ID,
		DueDate: &due, CreatedBy: u.ID, CreatedAt: now, UpdatedAt: now}
	clerk := &workflow.User{ID: "u-thu", Username: "thu", FullName: "Trần Thị Thu", Roles: []workflow.Role{workflow.RoleClerk}, CreatedAt: now}
	signed := &workflow.Document{ID: "d-signed", Direction: workflow.Outgoing, Type: workflow.CongVan, Subject: "Công văn đôn đốc",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.OfficerSigned, Version: 1,
		CreatedBy: u.ID, CreatedAt: now, UpdatedAt: now}
	err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for _, x := range []*workflow.User{u, clerk} {
			if err := tx.CreateUser(ctx, x); err != nil {
				return err
			}
		}
		for _, x := range []*workflow.Document{d, signed} {
			if err := tx.CreateDocument(ctx, x); err != nil {
				return err
			}
		}
		return tx.AppendEvent(ctx, &workflow.Event{DocumentID: signed.ID, Actor: "u-boss", Kind: workflow.EventTransition,
			Action: workflow.Sign, From: workflow.Approved, To: workflow.OfficerSigned, At: now.Add(-72 * time.Hour)})
	})
	if err == nil {
		err = db.SetUserMail(ctx, "", u.ID, workflow.MailSettings{Email: "lan@binhthuy.test"})
	}
	if err == nil {
		err = db.SetUserMail(ctx, "", clerk.ID, workflow.MailSettings{Email: "thu@binhthuy.test"})
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	remind := func(args ...string) (int, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := runWith(ctx, options{now: func() time.Time { return now }}, append([]string{"remind"}, args...),
			func(k string) string { return env[k] }, &out, &errb)
		return code, out.String() + errb.String()
	}
	code, out := remind("--dry-run")
	if code != 0 || !strings.Contains(out, "reminders of 2026-12-08: 2") ||
		!strings.Contains(out, "TO u-thu (Trần Thị Thu) <thu@binhthuy.test> due, 1 documents: [vanthu] Nhắc việc: 1 văn bản đi chờ bạn xử lý") ||
		!strings.Contains(out, "  d-signed waits to issue since 2026-12-04T23:00:00Z") ||
		!strings.Contains(out, "TO u-lan (Nguyễn Thị Lan) <lan@binhthuy.test> due, 1 documents: [vanthu] Nhắc hạn xử lý: 1 văn bản sắp đến hạn") ||
		!strings.Contains(out, "  d-due due 2026-12-08") {
		t.Fatalf("dry run: %d\n%s", code, out)
	}
	for i, want := range []string{"reminders queued: 2", "reminders queued: 0"} {
		if code, out := remind(); code != 0 || !strings.Contains(out, want) {
			t.Fatalf("run %d: %d %s, want %q", i+1, code, out, want)
		} else if !strings.Contains(out, "warning: VANTHU_SMTP_URL is empty") {
			t.Fatalf("run %d without VANTHU_SMTP_URL does not warn that nothing here sends the mail:\n%s", i+1, out)
		}
	}
	env["VANTHU_SMTP_URL"] = "smtp://127.0.0.1:1"
	if _, out := remind(); strings.Contains(out, "warning") {
		t.Fatalf("a run with VANTHU_SMTP_URL warns:\n%s", out)
	}
}

// VANTHU_REMINDER_TIME: HH:MM or off; anything else refused.
func TestReminderTime(t *testing.T) {
	for _, c := range []struct {
		in  string
		at  time.Duration
		on  bool
		err bool
	}{
		{"07:30", 7*time.Hour + 30*time.Minute, true, false},
		{"00:00", 0, true, false},
		{"off", 0, false, false},
		{"7h30", 0, false, true},
		{"25:00", 0, false, true},
		{"", 0, false, true},
	} {
		at, on, err := reminderTime(c.in)
		if at != c.at || on != c.on || (err != nil) != c.err {
			t.Errorf("reminderTime(%q) = %v, %v, %v", c.in, at, on, err)
		}
	}
}

// VANTHU_REMINDER_WAIT: days (2d) or a Go duration (36h); 0 = never;
// anything else refused.
func TestReminderWait(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		wait time.Duration
		err  bool
	}{
		{"2d", 48 * time.Hour, false},
		{"36h", 36 * time.Hour, false},
		{"0", 0, false},
		{"-1h", 0, true},
		{"two days", 0, true},
		{"", 0, true},
	} {
		wait, err := reminderWait(c.in, now)
		if wait != c.wait || (err != nil) != c.err {
			t.Errorf("reminderWait(%q) = %v, %v", c.in, wait, err)
		}
	}
}
