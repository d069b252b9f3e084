package gormdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

// TestWatchedDeliveries: the page of outgoing deliveries that need
// attention reads, in one statement per page on every backend, the
// waiting, retried, failed and refused deliveries of outgoing documents
// (not one delivered and not refused, not a status message, not an
// incoming document's), newest change first, each with its document's
// subject and the recipient's latest refusal reason; a viewer who may not
// see a classified document does not get its row; a watch and an agency
// narrow it; the cursor pages without losing or repeating a row, newest
// first by creation — a row retried while the pages are read keeps its
// place (by its last change, it jumped ahead of the cursor and was never
// shown). ResetDelivery makes a failed delivery due again once: a second
// call, or one naming another failure time, changes nothing.
// DealDelivery marks a failed or refused delivery dealt with once (not a
// pending one, not one changed since seen), and it leaves the list; a
// copy of its refusal does not bring it back, a re-send does;
// DealDeliveries marks a document's, UndealtDeliveries counts them.
func TestWatchedDeliveries(t *testing.T) {
	for _, backend := range gormdbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db, buf := openLogged(t, backend)
			ctx := context.Background()
			var docs []*workflow.Document
			for i := range 4 {
				d := incomingDoc(docID(i), i)
				if i < 3 {
					d.Direction, d.Sender, d.State = workflow.Outgoing, nil, workflow.Sent
				}
				docs = append(docs, d)
			}
			docs[2].Confidentiality = workflow.Secret
			create(t, db, docs...)
			dl := func(id string, doc int, org string, kind workflow.DeliveryKind, state workflow.DeliveryState, lastErr string, m int) *workflow.Delivery {
				return &workflow.Delivery{ID: id, DocumentID: docs[doc].ID, Kind: kind, OrgID: org, OrgName: "Phường " + org, State: state,
					Attempts: 2, LastError: lastErr, NextAttempt: t0.Add(time.Hour), CreatedAt: t0.Add(time.Duration(m) * time.Second),
					UpdatedAt: t0.Add(time.Duration(m) * time.Minute)}
			}
			doc, status := workflow.DeliverDocument, workflow.DeliverStatus
			all := []*workflow.Delivery{
				dl("w1", 0, "000.00.31.H13", doc, workflow.DeliveryPending, "", 1),
				dl("r1", 0, "000.00.32.H13", doc, workflow.DeliveryPending, "connection refused", 2),
				dl("f1", 1, "000.00.31.H13", doc, workflow.DeliveryFailed, "peer answered 403", 3),
				dl("x1", 1, "000.00.32.H13", doc, workflow.DeliveryDelivered, "", 4), // refused below
				dl("s1", 2, "000.00.31.H13", "revoke", workflow.DeliveryFailed, "peer answered 400", 5),
				dl("ok", 0, "000.00.33.H13", doc, workflow.DeliveryDelivered, "", 6),
				dl("st", 3, "000.00.31.H13", status, workflow.DeliveryFailed, "peer answered 400", 7),
			}
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				for _, d := range all {
					if err := tx.EnqueueDelivery(ctx, d); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range []workflow.ReceivedStatus{
				{DocumentID: docs[1].ID, OrgID: "000.00.32.H13", Code: "01", At: t0.Add(time.Minute)},
				{DocumentID: docs[1].ID, OrgID: "000.00.32.H13", Code: "02", Description: "Sai nơi nhận", At: t0.Add(2 * time.Minute)},
				{DocumentID: docs[0].ID, OrgID: "000.00.33.H13", Code: "03", At: t0.Add(3 * time.Minute)},
			} {
				if _, _, err := db.RecordStatus(ctx, st); err != nil {
					t.Fatal(i, err)
				}
			}
			ids := func(q workflow.DeliveryQuery) string {
				t.Helper()
				rows, err := db.WatchedDeliveries(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range rows {
					s := r.ID + ":" + string(r.Watch)
					if r.Reason != "" {
						s += ":" + r.Reason
					}
					out = append(out, s)
				}
				return strings.Join(out, " ")
			}
			clerk := workflow.DeliveryQuery{ViewerID: "u-clerk", SeeAll: true, Limit: 10}
			db.SetSlowQueryThreshold(0)
			before := strings.Count(buf.String(), "slow query")
			if got, want := ids(clerk), "s1:failed x1:refused:Sai nơi nhận f1:failed r1:retrying w1:waiting"; got != want {
				t.Errorf("clerk: %q, want %q", got, want)
			}
			if n := strings.Count(buf.String(), "slow query") - before; n != 1 {
				t.Errorf("a page took %d statements, want 1", n)
			}
			other := workflow.DeliveryQuery{ViewerID: "u-other", Limit: 10}
			if got, want := ids(other), "x1:refused:Sai nơi nhận f1:failed r1:retrying w1:waiting"; got != want {
				t.Errorf("a viewer not cleared: %q, want %q", got, want)
			}
			for q, want := range map[workflow.DeliveryQuery]string{
				{SeeAll: true, Watch: workflow.WatchFailed}:                          "s1:failed f1:failed",
				{SeeAll: true, Watch: workflow.WatchRefused}:                         "x1:refused:Sai nơi nhận",
				{SeeAll: true, Watch: workflow.WatchRetrying}:                        "r1:retrying",
				{SeeAll: true, OrgID: "000.00.32.H13"}:                               "x1:refused:Sai nơi nhận r1:retrying",
				{SeeAll: true, Watch: workflow.WatchWaiting, OrgID: "000.00.32.H13"}: "",
			} {
				if got := ids(q); got != want {
					t.Errorf("%+v: %q, want %q", q, got, want)
				}
			}
			var paged []string
			q := workflow.DeliveryQuery{SeeAll: true, Limit: 2}
			for page := range 5 {
				rows, err := db.WatchedDeliveries(ctx, q)
				if err != nil || len(rows) == 0 {
					break
				}
				for _, r := range rows {
					paged = append(paged, r.ID)
				}
				last := rows[len(rows)-1]
				q.After = &workflow.ListCursor{At: last.CreatedAt, ID: last.ID}
				if page == 0 { // r1 tried again meanwhile: its last change is now the newest
					db.Now = func() time.Time { return t0.Add(time.Hour) }
					if err := db.MarkRetry(ctx, "r1", t0.Add(2*time.Hour), "connection refused"); err != nil {
						t.Fatal(err)
					}
				}
			}
			if got := strings.Join(paged, " "); got != "s1 x1 f1 r1 w1" {
				t.Errorf("paged: %q", got)
			}
			reset := func(id string, seen time.Time) bool {
				t.Helper()
				var ok bool
				err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					var err error
					_, ok, err = tx.(workflow.DeliveryResetter).ResetDelivery(ctx, docs[1].ID, id, seen, t0.Add(time.Hour))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			if reset("f1", t0.Add(99*time.Minute)) || reset("x1", time.Time{}) {
				t.Errorf("reset a delivery failed at another time, or one not failed")
			}
			if !reset("f1", t0.Add(3*time.Minute)) || reset("f1", time.Time{}) {
				t.Errorf("reset f1 not once")
			}
			if got := ids(workflow.DeliveryQuery{SeeAll: true, OrgID: "000.00.31.H13", Watch: workflow.WatchWaiting}); got != "f1:waiting w1:waiting" {
				t.Errorf("after the reset: %q", got)
			}
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				_, _, err := tx.(workflow.DeliveryResetter).ResetDelivery(ctx, docs[0].ID, "f1", time.Time{}, t0)
				return err
			})
			wantCode(t, err, workflow.ENOTFOUND)

			deal := func(doc int, id string, seen time.Time) bool {
				t.Helper()
				var ok bool
				err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					var err error
					_, ok, err = tx.(workflow.DeliveryDealer).DealDelivery(ctx, docs[doc].ID, id, seen, t0.Add(2*time.Hour))
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			undealt := func(doc int) int {
				t.Helper()
				var n int
				err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
					var err error
					n, err = tx.(workflow.DeliveryDealer).UndealtDeliveries(ctx, docs[doc].ID)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := undealt(1); n != 1 {
				t.Errorf("doc 1 has %d deliveries to deal with, want 1 (x1, refused; f1 sent again)", n)
			}
			if deal(1, "x1", t0.Add(99*time.Minute)) || deal(0, "w1", time.Time{}) || deal(0, "ok", time.Time{}) {
				t.Errorf("marked a delivery changed since it was seen, a pending one or one delivered and not refused")
			}
			if !deal(1, "x1", t0.Add(4*time.Minute)) || deal(1, "x1", time.Time{}) {
				t.Errorf("x1 not marked once")
			}
			if n := undealt(1); n != 0 {
				t.Errorf("doc 1 still has %d deliveries to deal with", n)
			}
			if got, want := ids(clerk), "s1:failed f1:waiting r1:retrying w1:waiting"; got != want {
				t.Errorf("after x1 dealt with: %q, want %q", got, want)
			}
			if ds, _ := db.Deliveries(ctx, docs[1].ID); len(ds) != 2 || ds[1].ID != "x1" || ds[1].DealtAt == nil || !ds[1].DealtAt.Equal(t0.Add(2*time.Hour)) {
				t.Errorf("x1's mark: %+v", ds)
			}
			// The same refusal stamped anew: still dealt with.
			if _, _, err := db.RecordStatus(ctx, workflow.ReceivedStatus{DocumentID: docs[1].ID, OrgID: "000.00.32.H13", Code: "02",
				Description: "Sai nơi nhận", At: t0.Add(5 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
			if got := ids(workflow.DeliveryQuery{SeeAll: true, Watch: workflow.WatchRefused}); got != "" {
				t.Errorf("a copy of the refusal listed it again: %q", got)
			}
			// s1 (a revocation, failed) by its document's mark; then sent
			// again and failed anew: listed again.
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.(workflow.DeliveryDealer).DealDeliveries(ctx, docs[2].ID, t0.Add(2*time.Hour))
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(workflow.DeliveryQuery{SeeAll: true, Watch: workflow.WatchFailed}); got != "" {
				t.Errorf("after the document's mark: %q", got)
			}
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				_, ok, err := tx.(workflow.DeliveryResetter).ResetDelivery(ctx, docs[2].ID, "s1", time.Time{}, t0.Add(3*time.Hour))
				if err == nil && !ok {
					t.Error("s1 not reset")
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MarkFailed(ctx, "s1", t0.Add(4*time.Hour), "peer answered 400"); err != nil {
				t.Fatal(err)
			}
			if got := ids(workflow.DeliveryQuery{SeeAll: true, Watch: workflow.WatchFailed}); got != "s1:failed" {
				t.Errorf("s1 failed again after a re-send: %q", got)
			}
			err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				_, _, err := tx.(workflow.DeliveryDealer).DealDelivery(ctx, docs[0].ID, "x1", time.Time{}, t0)
				return err
			})
			wantCode(t, err, workflow.ENOTFOUND)
		})
	}
}
