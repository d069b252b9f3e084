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

// waitUsers creates the users of the outgoing reminder tests: officials
// u-o1 and u-o2, clerk u-c1, a disabled clerk u-c2, a clerk u-c3 who
// wants no mail, handler u-h1; all with addresses.
func waitUsers(t *testing.T, db *gormdb.DB) {
	t.Helper()
	ctx := context.Background()
	for _, u := range []*workflow.User{
		{ID: "u-o1", Roles: []workflow.Role{workflow.RoleOfficer}},
		{ID: "u-o2", Roles: []workflow.Role{workflow.RoleOfficer}},
		{ID: "u-c1", Roles: []workflow.Role{workflow.RoleArchivist, workflow.RoleClerk}},
		{ID: "u-c2", Roles: []workflow.Role{workflow.RoleClerk}, Disabled: true},
		{ID: "u-c3", Roles: []workflow.Role{workflow.RoleClerk}},
		{ID: "u-h1", Roles: []workflow.Role{workflow.RoleHandler}},
	} {
		u.Username, u.FullName, u.CreatedAt = u.ID, "Người dùng "+u.ID, t0
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateUser(ctx, u) }); err != nil {
			t.Fatal(err)
		}
		if err := db.SetUserMail(ctx, "", u.ID, workflow.MailSettings{Email: u.ID + "@quan.test", Off: u.ID == "u-c3"}); err != nil {
			t.Fatal(err)
		}
	}
}

// step is a transition of a test document's history, days before now.
type step struct {
	action   workflow.Action
	from, to workflow.State
	daysAgo  float64
}

// TestWaitingOutgoing: the outgoing documents that entered their state
// (their last transition into it) 2 days or more before now, each for
// whom it waits on, read in SQL on both databases: a review and a
// signature for the named signer only, an issue for each clerk wanting
// mail; nothing that waited less (a draft submitted again yesterday
// after a return), a draft, an issued document; a classified document
// only to whom may see it.
func TestWaitingOutgoing(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	submit := func(ago float64) step { return step{workflow.Submit, workflow.Draft, workflow.InReview, ago} }
	approve := func(ago float64) step { return step{workflow.Approve, workflow.InReview, workflow.Approved, ago} }
	sign := func(ago float64) step { return step{workflow.Sign, workflow.Approved, workflow.OfficerSigned, ago} }
	cases := []struct {
		name   string
		state  workflow.State
		signer string
		conf   workflow.Confidentiality
		steps  []step
		want   []string // who it waits on
	}{
		{"in review 3 days", workflow.InReview, "u-o1", workflow.Public, []step{submit(3)}, []string{"u-o1"}},
		{"in review 1 day", workflow.InReview, "u-o1", workflow.Public, []step{submit(1)}, nil},
		{"in review 1 day, first submitted 5 days ago and returned", workflow.InReview, "u-o1", workflow.Public,
			[]step{submit(5), {workflow.Return, workflow.InReview, workflow.Draft, 4}, submit(1)}, nil},
		{"approved 3 days, submitted 6", workflow.Approved, "u-o2", workflow.Public, []step{submit(6), approve(3)}, []string{"u-o2"}},
		{"approved 1 day, submitted 6", workflow.Approved, "u-o2", workflow.Public, []step{submit(6), approve(1)}, nil},
		{"signed 4 days", workflow.OfficerSigned, "u-o1", workflow.Public, []step{submit(6), approve(5), sign(4)}, []string{"u-c1"}},
		{"signed 2 days exactly", workflow.OfficerSigned, "u-o2", workflow.Public, []step{sign(2)}, []string{"u-c1"}},
		{"secret, in review 3 days", workflow.InReview, "u-o2", workflow.Secret, []step{submit(3)}, []string{"u-o2"}},
		{"secret, signed 3 days", workflow.OfficerSigned, "u-o1", workflow.Secret, []step{sign(3)}, []string{"u-c1"}},
		{"draft 10 days", workflow.Draft, "u-o1", workflow.Public, []step{submit(12), {workflow.Return, workflow.InReview, workflow.Draft, 10}}, nil},
		{"issued 10 days", workflow.Issued, "u-o1", workflow.Public, []step{sign(11), {workflow.Issue, workflow.OfficerSigned, workflow.Issued, 10}}, nil},
	}
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		waitUsers(t, db)
		want := map[string][]string{}
		for i, c := range cases {
			d := &workflow.Document{ID: docID(i), Direction: workflow.Outgoing, Type: workflow.CongVan, State: c.state, Version: 1,
				Subject: c.name, Urgency: workflow.UrgencyNormal, Confidentiality: c.conf, SignerID: c.signer,
				CreatedBy: "u-h1", CreatedAt: t0, UpdatedAt: t0}
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				if err := tx.CreateDocument(ctx, d); err != nil {
					return err
				}
				for _, s := range c.steps {
					at := now.Add(-time.Duration(s.daysAgo * float64(24*time.Hour)))
					e := &workflow.Event{DocumentID: d.ID, Actor: "u-o1", Kind: workflow.EventTransition, Action: s.action,
						From: s.from, To: s.to, At: at}
					if err := tx.AppendEvent(ctx, e); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range c.want {
				want[u] = append(want[u], d.ID)
			}
		}
		got, err := db.WaitingOutgoing(ctx, now.Add(-48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		have := map[string][]string{}
		for _, w := range got {
			have[w.UserID] = append(have[w.UserID], w.Document.ID)
			if w.Address != w.UserID+"@quan.test" || w.UserName != "Người dùng "+w.UserID {
				t.Errorf("%s: user %s %q <%s>", w.Document.ID, w.UserID, w.UserName, w.Address)
			}
			if wa := workflow.WaitingStates[w.Document.State]; w.Action != wa {
				t.Errorf("%s (%s): waits to %s, want %s", w.Document.ID, w.Document.State, w.Action, wa)
			}
		}
		// u-c1's longest waiting first: signed 4 days, 3 days (secret), 2.
		want["u-c1"] = []string{docID(5), docID(8), docID(6)}
		if !reflect.DeepEqual(have, want) {
			for i, c := range cases {
				t.Logf("%s: %s", docID(i), c.name)
			}
			t.Errorf("waiting %v, want %v", have, want)
		}
		for _, w := range got {
			if w.Document.ID == docID(0) && !w.Since.Equal(now.Add(-72*time.Hour)) {
				t.Errorf("%s waits since %s, want %s", w.Document.ID, w.Since, now.Add(-72*time.Hour))
			}
		}
	})
}

// TestPurgeReminders: the rows of the days before the one given go,
// oldest first, at most limit a statement; that day's and later stay.
func TestPurgeReminders(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		day := workflow.NewDate(2026, 12, 7)
		for _, q := range []struct {
			user string
			days int
			kind workflow.ReminderKind
		}{{"u-1", -90, workflow.RemindDue}, {"u-1", -61, workflow.RemindDue}, {"u-2", -61, workflow.RemindOverdue},
			{"u-1", -60, workflow.RemindDue}, {"u-2", 0, workflow.RemindDue}} {
			n := workflow.Notification{UserID: q.user, Address: q.user + "@quan.test", Subject: "s", Body: "b"}
			if ok, err := db.QueueReminder(ctx, day.AddDays(q.days), q.kind, 1, n); err != nil || !ok {
				t.Fatalf("queue: %v %v", ok, err)
			}
		}
		before := day.AddDays(-60)
		for _, s := range []struct {
			limit int
			n     int64
			left  []string
		}{
			{2, 2, []string{"u-2 2026-10-07 overdue", "u-1 2026-10-08 due", "u-2 2026-12-07 due"}},
			{2, 1, []string{"u-1 2026-10-08 due", "u-2 2026-12-07 due"}},
			{2, 0, []string{"u-1 2026-10-08 due", "u-2 2026-12-07 due"}},
		} {
			n, err := db.PurgeReminders(ctx, before, s.limit)
			if err != nil {
				t.Fatal(err)
			}
			left, err := gormdb.ReminderRows(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if n != s.n || !reflect.DeepEqual(left, s.left) {
				t.Errorf("purge before %s, limit %d: %d deleted, left %v; want %d, %v", before, s.limit, n, left, s.n, s.left)
			}
		}
	})
}
