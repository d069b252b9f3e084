package gormdb_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// remindUsers creates the handlers of the reminder tests: u-h1 and u-h2
// with addresses, u-gone disabled, u-off with notifications off, u-none
// without an address.
func remindUsers(t *testing.T, db *gormdb.DB) {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"u-h1", "u-h2", "u-gone", "u-off", "u-none"} {
		u := &workflow.User{ID: id, Username: id, FullName: "Chuyên viên " + id, Roles: []workflow.Role{workflow.RoleHandler},
			Disabled: id == "u-gone", CreatedAt: t0}
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		if id == "u-none" {
			continue
		}
		if err := db.SetUserMail(ctx, "", id, workflow.MailSettings{Email: id + "@quan.test", Off: id == "u-off"}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDueWork: the documents a handler is reminded of on a day — incoming,
// assigned or in progress, due today, tomorrow or before — read in SQL on
// both databases, by handler then most late first; nothing completed,
// unassigned, due later or without a date, nor a disabled handler's or
// one who wants no mail.
func TestDueWork(t *testing.T) {
	today := workflow.NewDate(2026, 12, 7)
	due := func(days int) *workflow.Date { d := today.AddDays(days); return &d }
	cases := []struct {
		name     string
		state    workflow.State
		assignee string
		due      *workflow.Date
		conf     workflow.Confidentiality
		want     bool
	}{
		{"overdue 3 days", workflow.InProgress, "u-h1", due(-3), workflow.Public, true},
		{"due today", workflow.Assigned, "u-h1", due(0), workflow.Public, true},
		{"due tomorrow", workflow.InProgress, "u-h1", due(1), workflow.Public, true},
		{"due the day after tomorrow", workflow.Assigned, "u-h1", due(2), workflow.Public, false},
		{"no due date", workflow.Assigned, "u-h1", nil, workflow.Public, false},
		{"completed, overdue", workflow.Completed, "u-h1", due(-5), workflow.Public, false},
		{"archived, overdue", workflow.Archived, "u-h1", due(-5), workflow.Public, false},
		{"registered, unassigned", workflow.Registered, "", due(-1), workflow.Public, false},
		{"classified, overdue: listed (its subject is not mailed)", workflow.Assigned, "u-h2", due(-1), workflow.Secret, true},
		{"a disabled handler's", workflow.Assigned, "u-gone", due(-1), workflow.Public, false},
		{"a handler with notifications off", workflow.Assigned, "u-off", due(-1), workflow.Public, false},
		{"a handler without an address", workflow.Assigned, "u-none", due(-1), workflow.Public, false},
	}
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		remindUsers(t, db)
		var want []string
		for i, c := range cases {
			d := incomingDoc(docID(i), i)
			d.State, d.AssigneeID, d.DueDate, d.Confidentiality, d.Subject = c.state, c.assignee, c.due, c.conf, c.name
			create(t, db, d)
			if c.want {
				want = append(want, d.ID)
			}
		}
		out := workflow.Document{ID: "d-out", Direction: workflow.Outgoing, Type: workflow.CongVan, State: workflow.Draft, Version: 1,
			Subject: "outgoing", Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, AssigneeID: "u-h1", DueDate: due(-1),
			CreatedBy: "u-h1", CreatedAt: t0, UpdatedAt: t0}
		create(t, db, &out)
		got, err := db.DueWork(context.Background(), today.AddDays(1))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, w := range got {
			ids = append(ids, w.Document.ID)
			if w.Address != w.UserID+"@quan.test" || w.UserName != "Chuyên viên "+w.UserID || w.Document.AssigneeID != w.UserID {
				t.Errorf("%s: user %s %q <%s>", w.Document.ID, w.UserID, w.UserName, w.Address)
			}
		}
		if !reflect.DeepEqual(ids, want) {
			for i, c := range cases {
				t.Logf("%s: %s", docID(i), c.name)
			}
			t.Errorf("due work %v, want %v", ids, want)
		}
	})
}

// TestQueueReminderOncePerDay: two instances on one database queueing the
// same user's reminder of a day at once queue one mail; the summary of
// the same day is another; the next day queues the next.
func TestQueueReminderOncePerDay(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			dbs := gormdbtest.OpenInstances(t, backend, 2)
			ctx := context.Background()
			day := workflow.NewDate(2026, 12, 7)
			n := workflow.Notification{UserID: "u-h1", Address: "h1@quan.test", Subject: "[vanthu] Nhắc hạn xử lý", Body: "…"}
			queued := make(chan bool, 2*len(dbs))
			errs := make(chan error, 2*len(dbs))
			for range 2 {
				for _, db := range dbs {
					go func() {
						ok, err := db.QueueReminder(ctx, day, workflow.RemindDue, 1, n)
						queued <- ok
						errs <- err
					}()
				}
			}
			total := 0
			for range 2 * len(dbs) {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
				if <-queued {
					total++
				}
			}
			if total != 1 {
				t.Errorf("%d reminders queued of one user and day, want 1", total)
			}
			if ok, err := dbs[0].QueueReminder(ctx, day, workflow.RemindOverdue, 1, n); err != nil || !ok {
				t.Errorf("the day's summary of the overdue: queued %v, %v; want queued", ok, err)
			}
			if ok, err := dbs[0].QueueReminder(ctx, day.AddDays(1), workflow.RemindDue, 1, n); err != nil || !ok {
				t.Errorf("the next day's: queued %v, %v; want queued", ok, err)
			}
			mail, err := dbs[1].DueNotifications(ctx, time.Now().Add(time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, m := range mail {
				seqs = append(seqs, m.EventSeq)
			}
			if want := []int64{-202612070, -202612071, -202612080}; !reflect.DeepEqual(seqs, want) ||
				gormdb.ReminderSeq(day, workflow.RemindDue) != want[0] {
				t.Errorf("outbox seqs %v, want %v: the reminder and the summary of 7 December, the reminder of the 8th", seqs, want)
			}
		})
	}
}

// TestOverdueByAssigner: the overdue documents each for whoever last
// assigned it (an assignment taken back and given again: the last), with
// its handler's name, on both databases; nothing due today, completed,
// nor for an assigner disabled or without mail.
func TestOverdueByAssigner(t *testing.T) {
	today := workflow.NewDate(2026, 12, 7)
	due := func(days int) *workflow.Date { d := today.AddDays(days); return &d }
	cases := []struct {
		name      string
		state     workflow.State
		due       *workflow.Date
		assigners []string // the assign events, in order
		want      string   // who is told ("": nobody)
	}{
		{"overdue 2 days", workflow.InProgress, due(-2), []string{"u-h2"}, "u-h2"},
		{"overdue 4 days, assigned again by another", workflow.Assigned, due(-4), []string{"u-off", "u-h2"}, "u-h2"},
		{"overdue 1 day, by a user who wants no mail", workflow.Assigned, due(-1), []string{"u-h2", "u-off"}, ""},
		{"overdue, by a disabled user", workflow.Assigned, due(-1), []string{"u-gone"}, ""},
		{"due today: not overdue", workflow.Assigned, due(0), []string{"u-h2"}, ""},
		{"completed, overdue", workflow.Completed, due(-3), []string{"u-h2"}, ""},
		{"overdue 1 day, by the handler's own head", workflow.InProgress, due(-1), []string{"u-h1"}, "u-h1"},
	}
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		remindUsers(t, db)
		var want []string
		for i, c := range cases {
			d := incomingDoc(docID(i), i)
			d.State, d.AssigneeID, d.DueDate, d.Subject = c.state, "u-none", c.due, c.name
			create(t, db, d)
			err := db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
				for _, a := range c.assigners {
					e := &workflow.Event{DocumentID: d.ID, Actor: a, Kind: workflow.EventTransition, Action: workflow.Assign,
						From: workflow.Registered, To: workflow.Assigned, At: t0}
					if err := tx.AppendEvent(ctx, e); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if c.want != "" {
				want = append(want, c.want+" "+d.ID)
			}
		}
		got, err := db.OverdueByAssigner(context.Background(), today)
		if err != nil {
			t.Fatal(err)
		}
		var pairs []string
		for _, w := range got {
			pairs = append(pairs, w.UserID+" "+w.Document.ID)
			if w.Handler != "Chuyên viên u-none" || w.Address != w.UserID+"@quan.test" {
				t.Errorf("%s: handler %q, address %q", w.Document.ID, w.Handler, w.Address)
			}
		}
		// By assigner, most late first: u-h1's, then u-h2's 4 days then 2.
		if wantSorted := []string{want[2], want[1], want[0]}; !reflect.DeepEqual(pairs, wantSorted) {
			t.Errorf("overdue by assigner %v, want %v", pairs, wantSorted)
		}
	})
}
