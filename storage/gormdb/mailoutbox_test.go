package gormdb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestMailOutbox: the admin's view of the outbox — counts (pending,
// failed, sent since), pages of the failed first then the pending, each
// newest first, across cursors and by state; a retry makes a failed mail
// due again at its user's current address with one mail_retried event,
// and a second retry of the same failure does nothing.
func TestMailOutbox(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Now().Truncate(time.Millisecond)
		due := enqueueDue(t, db, now, 900, 7)
		id := func(i int) int64 { return due[i].ID }
		// 0 sent long ago, 1 sent now, 2 and 4 and 5 refused, 3 and 6 pending.
		mustDo(t, db.NotificationSent(ctx, id(0), now.AddDate(0, 0, -30)))
		mustDo(t, db.NotificationSent(ctx, id(1), now))
		for _, i := range []int{2, 4, 5} {
			mustDo(t, db.NotificationRefused(ctx, id(i), 1, now, "550 5.1.1 no such mailbox"))
		}
		mustDo(t, db.NotificationFailed(ctx, id(6), 2, now.Add(time.Hour), "connection refused"))

		c, err := db.CountMail(ctx, now.AddDate(0, 0, -7))
		if err != nil || c.Pending != 2 || c.Failed != 3 || c.Sent != 1 {
			t.Fatalf("counts %+v, %v; want 2 pending, 3 failed, 1 sent", c, err)
		}
		for _, tc := range []struct {
			state workflow.MailState
			limit int
			want  []int
		}{
			{"", 2, []int{5, 4, 2, 6, 3}},
			{"", 10, []int{5, 4, 2, 6, 3}},
			{workflow.MailFailed, 2, []int{5, 4, 2}},
			{workflow.MailPending, 1, []int{6, 3}},
		} {
			var got []int64
			cur, pages := "", 0
			for {
				ms, next, err := db.ListMail(ctx, workflow.MailQuery{State: tc.state, Cursor: cur, Limit: tc.limit})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range ms {
					got = append(got, m.ID)
					if m.Body != "" || (m.State == workflow.MailFailed) != (m.LastError == "550 5.1.1 no such mailbox") {
						t.Errorf("mail %d: %+v", m.ID, m)
					}
				}
				pages++
				if cur = next; cur == "" || pages > 10 {
					break
				}
			}
			var want []int64
			for _, i := range tc.want {
				want = append(want, id(i))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("state %q by %d: %v, want %v", tc.state, tc.limit, got, want)
			}
		}
		if _, _, err := db.ListMail(ctx, workflow.MailQuery{Cursor: "x1", Limit: 5}); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("bad cursor: %v", err)
		}

		// Retry 2: its user has corrected the address.
		mustDo(t, db.SetUserMail(ctx, "admin", "u-2", workflow.MailSettings{Email: "u2@dung.vn"}))
		head, _ := db.AuditHead(ctx)
		later := now.Add(time.Minute)
		for click, want := range []bool{true, false} {
			ok, err := db.RetryMail(ctx, "admin", id(2), now, later)
			if err != nil || ok != want {
				t.Fatalf("click %d: %v, %v; want %v", click, ok, err, want)
			}
		}
		got, err := db.DueNotifications(ctx, later, 100)
		if err != nil {
			t.Fatal(err)
		}
		var retried *workflow.Notification
		for i := range got {
			if got[i].ID == id(2) {
				retried = &got[i]
			}
		}
		if retried == nil || retried.Address != "u2@dung.vn" || retried.Attempts != 0 || retried.Body != "nội dung" {
			t.Fatalf("retried mail %+v, want due to u2@dung.vn", retried)
		}
		evs, err := db.EventsAfter(ctx, head.Seq, 10)
		if err != nil || len(evs) != 1 || evs[0].Kind != workflow.EventMailRetried || evs[0].Actor != "admin" ||
			evs[0].Data["address"] != "u2@dung.vn" || evs[0].Data["refused_address"] != "u2@sai.vn" || evs[0].Data["mail"] != fmt.Sprint(id(2)) {
			t.Fatalf("events %+v, %v; want one mail_retried", evs, err)
		}
		// A user with no address, or notifications off: refused, nothing changes.
		mustDo(t, db.SetUserMail(ctx, "admin", "u-5", workflow.MailSettings{Email: "u5@dung.vn", Off: true}))
		for _, i := range []int{4, 5} {
			if _, err := db.RetryMail(ctx, "admin", id(i), time.Time{}, later); workflow.ErrorCode(err) != workflow.ECONFLICT {
				t.Errorf("retry %d: %v, want ECONFLICT", i, err)
			}
		}
		// A failure other than the one shown, a pending or a missing mail: nothing.
		mustDo(t, db.SetUserMail(ctx, "admin", "u-4", workflow.MailSettings{Email: "u4@dung.vn"}))
		for _, tc := range []struct {
			id   int64
			seen time.Time
			code string
		}{{id(4), now.Add(-time.Hour), ""}, {id(6), time.Time{}, ""}, {id(6) + 100, time.Time{}, workflow.ENOTFOUND}} {
			if ok, err := db.RetryMail(ctx, "admin", tc.id, tc.seen, later); ok || workflow.ErrorCode(err) != tc.code {
				t.Errorf("retry %d: %v, %v; want nothing, %q", tc.id, ok, err, tc.code)
			}
		}
		if c, err := db.CountMail(ctx, now.AddDate(0, 0, -7)); err != nil || c.Pending != 3 || c.Failed != 2 {
			t.Errorf("counts after %+v, %v; want 3 pending, 2 failed", c, err)
		}
	})
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// enqueueDue queues n mails, user u-i and event seqFrom+i each, and
// returns them as DueNotifications hands them out at now, in order.
func enqueueDue(t *testing.T, db *gormdb.DB, now time.Time, seqFrom, n int) []workflow.Notification {
	t.Helper()
	var ns []workflow.Notification
	for i := range n {
		ns = append(ns, workflow.Notification{EventSeq: int64(seqFrom + i), UserID: fmt.Sprintf("u-%d", i),
			Address: fmt.Sprintf("u%d@sai.vn", i), Subject: fmt.Sprintf("[vanthu] thư %d", i), Body: "nội dung"})
	}
	mustDo(t, db.EnqueueNotifications(context.Background(), ns))
	due, err := db.DueNotifications(context.Background(), now.Add(time.Minute), 100)
	if err != nil || len(due) != n {
		t.Fatalf("due %d, %v; want %d", len(due), err, n)
	}
	return due
}

// TestPurgeSentMail: only mail sent before the cut is deleted, oldest
// first, at most limit at a time; mail waiting or refused for good stays
// whatever its age.
func TestPurgeSentMail(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Now().Truncate(time.Millisecond)
		due := enqueueDue(t, db, now, 700, 6)
		// 0 sent 100 days ago, 1 sent 95, 2 sent 10; 3 refused and 4 failed
		// 200 days ago; 5 waiting.
		mustDo(t, db.NotificationSent(ctx, due[0].ID, now.AddDate(0, 0, -100)))
		mustDo(t, db.NotificationSent(ctx, due[1].ID, now.AddDate(0, 0, -95)))
		mustDo(t, db.NotificationSent(ctx, due[2].ID, now.AddDate(0, 0, -10)))
		mustDo(t, db.NotificationRefused(ctx, due[3].ID, 1, now.AddDate(0, 0, -200), "550 5.1.1 no such mailbox"))
		mustDo(t, db.NotificationFailed(ctx, due[4].ID, 3, now.AddDate(0, 0, -200), "connection refused"))
		cut := now.AddDate(0, 0, -90)
		for _, want := range []int64{1, 1, 0} {
			n, err := db.PurgeSentMail(ctx, cut, 1)
			if err != nil || n != want {
				t.Fatalf("PurgeSentMail: %d, %v; want %d", n, err, want)
			}
		}
		c, err := db.CountMail(ctx, time.Time{})
		if err != nil || c.Sent != 1 || c.Failed != 1 || c.Pending != 2 {
			t.Fatalf("after the purge: %+v, %v; want 1 sent (10 days old), 1 refused, 2 waiting", c, err)
		}
	})
}

// TestFailedMailTo: a user's own mail refused for good, newest refusal
// first, up to the limit — not another user's, not the pending or sent,
// not one an admin retried — in one statement on every backend.
func TestFailedMailTo(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, buf := openLogged(t, backend)
			ctx := context.Background()
			now := time.Now().Truncate(time.Millisecond)
			users := []string{"u-a", "u-a", "u-a", "u-a", "u-a", "u-b"}
			var ns []workflow.Notification
			for i, u := range users {
				ns = append(ns, workflow.Notification{EventSeq: int64(700 + i), UserID: u, Address: u + "@sai", Subject: fmt.Sprint("thư ", i), Body: "b"})
			}
			mustDo(t, db.SetUserMail(ctx, "u-a", "u-a", workflow.MailSettings{Email: "u-a@dung.vn"}))
			mustDo(t, db.EnqueueNotifications(ctx, ns))
			due, err := db.DueNotifications(ctx, now.Add(time.Minute), 100)
			if err != nil || len(due) != len(users) {
				t.Fatalf("due %d, %v", len(due), err)
			}
			// 0, 1 and 3 refused (1 the latest), 2 sent, 4 pending, 5 another's refused; then 3 retried.
			mustDo(t, db.NotificationRefused(ctx, due[0].ID, 1, now.Add(-2*time.Hour), "550 first"))
			mustDo(t, db.NotificationRefused(ctx, due[1].ID, 1, now.Add(-time.Minute), "550 latest"))
			mustDo(t, db.NotificationSent(ctx, due[2].ID, now))
			mustDo(t, db.NotificationRefused(ctx, due[3].ID, 1, now.Add(-time.Hour), "550 retried"))
			mustDo(t, db.NotificationRefused(ctx, due[5].ID, 1, now, "550 other"))
			if ok, err := db.RetryMail(ctx, "u-admin", due[3].ID, time.Time{}, now); err != nil || !ok {
				t.Fatalf("retry: %v %v", ok, err)
			}
			db.SetSlowQueryThreshold(0)
			for _, tc := range []struct {
				limit int
				want  []string
			}{{10, []string{"550 latest", "550 first"}}, {1, []string{"550 latest"}}} {
				before := strings.Count(buf.String(), "slow query")
				got, err := db.FailedMailTo(ctx, "u-a", tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if n := strings.Count(buf.String(), "slow query") - before; n != 1 {
					t.Errorf("limit %d: %d statements, want 1", tc.limit, n)
				}
				var errs []string
				for _, m := range got {
					errs = append(errs, m.LastError)
					if m.State != workflow.MailFailed || m.Address != "u-a@sai" || m.FailedAt.IsZero() {
						t.Errorf("%+v: want failed, to u-a@sai, with its time", m)
					}
				}
				if fmt.Sprint(errs) != fmt.Sprint(tc.want) {
					t.Errorf("limit %d: %v, want %v", tc.limit, errs, tc.want)
				}
			}
		})
	}
}
