package gormdb_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/storage/gormdb"
	"github.com/vanthu/vanthu/storage/gormdb/gormdbtest"
	"github.com/vanthu/vanthu/workflow"
)

func enqueue(t *testing.T, db *gormdb.DB, ds ...*workflow.Delivery) {
	t.Helper()
	err := db.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error {
		for _, d := range ds {
			if err := tx.EnqueueDelivery(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAgencies(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		_, err := db.Agency(ctx, "000.00.31.H13")
		wantCode(t, err, workflow.ENOTFOUND)
		a := &exchange.Agency{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa", Endpoint: "https://127.0.0.1:8443",
			SigningCertPEM: "sign", TLSCertPEM: "tls"}
		if err := db.PutAgency(ctx, a); err != nil {
			t.Fatal(err)
		}
		a.Endpoint, a.Name = "https://10.0.0.31:8443", "Phường Long Hòa"
		if err := db.PutAgency(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := db.PutAgency(ctx, &exchange.Agency{OrgID: "000.00.01.H13", Name: "Z", Endpoint: "https://z:1"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Agency(ctx, "000.00.31.H13")
		if err != nil {
			t.Fatal(err)
		}
		if got.Endpoint != "https://10.0.0.31:8443" || got.Name != "Phường Long Hòa" || got.SigningCertPEM != "sign" || got.TLSCertPEM != "tls" || got.CreatedAt.IsZero() {
			t.Fatalf("agency = %+v", got)
		}
		all, err := db.Agencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].OrgID != "000.00.01.H13" {
			t.Fatalf("agencies = %+v", all)
		}
	})
}

func TestClaimDeliveries(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		d1 := &workflow.Delivery{ID: "a1", DocumentID: "doc1", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", NextAttempt: now.Add(-time.Minute)}
		d2 := &workflow.Delivery{ID: "a2", DocumentID: "doc1", Kind: workflow.DeliverDocument, OrgID: "000.00.32.H13", NextAttempt: now.Add(-time.Minute)}
		future := &workflow.Delivery{ID: "a3", DocumentID: "doc2", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", NextAttempt: now.Add(time.Hour)}
		// Status messages about one document to one agency go in order.
		s1 := &workflow.Delivery{ID: "b1", DocumentID: "in1", Kind: workflow.DeliverStatus, OrgID: "000.00.12.H13", StatusCode: "01", NextAttempt: now.Add(-time.Minute)}
		s2 := &workflow.Delivery{ID: "b2", DocumentID: "in1", Kind: workflow.DeliverStatus, OrgID: "000.00.12.H13", StatusCode: "03", NextAttempt: now.Add(-time.Minute)}
		enqueue(t, db, d1, d2, future, s1, s2)

		got, err := db.ClaimDeliveries(ctx, now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if ids := deliveryIDs(got); ids != "a1,a2,b1" {
			t.Fatalf("claimed %s, want a1,a2,b1", ids)
		}
		for _, d := range got {
			if d.Attempts != 1 || !d.NextAttempt.After(now.Add(59*time.Second)) {
				t.Fatalf("claimed %+v: attempts and lease not bumped", d)
			}
		}
		// Leased: nothing due now.
		if again, _ := db.ClaimDeliveries(ctx, now, time.Minute, 10); len(again) != 0 {
			t.Fatalf("claimed again: %s", deliveryIDs(again))
		}
		// b2 waits for b1 even once the lease has expired.
		if err := db.MarkRetry(ctx, "b1", now.Add(time.Hour), "connection refused"); err != nil {
			t.Fatal(err)
		}
		if again, _ := db.ClaimDeliveries(ctx, now.Add(2*time.Minute), time.Minute, 10); deliveryIDs(again) != "a1,a2" {
			t.Fatalf("after lease: %s, want a1,a2 (b2 behind b1)", deliveryIDs(again))
		}
		if err := db.MarkDelivered(ctx, "b1", now); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkFailed(ctx, "a1", now, "refused: 403"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.MarkDelivered(ctx, "a1", now), workflow.ECONFLICT)
		if again, _ := db.ClaimDeliveries(ctx, now.Add(4*time.Minute), time.Minute, 10); deliveryIDs(again) != "a2,b2" {
			t.Fatalf("after b1 delivered: %s, want a2,b2", deliveryIDs(again))
		}
		ds, err := db.Deliveries(ctx, "doc1")
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 2 || ds[0].State != workflow.DeliveryFailed || ds[0].LastError != "refused: 403" || ds[0].Attempts != 2 || ds[1].Attempts != 3 {
			t.Fatalf("deliveries = %+v", ds)
		}
	})
}

func deliveryIDs(ds []workflow.Delivery) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += ","
		}
		s += d.ID
	}
	return s
}

// TestClaimDeliveriesConcurrent: workers claiming at once (on PostgreSQL
// over several connections, FOR UPDATE SKIP LOCKED) never take the same
// delivery twice, and between them take every one.
func TestClaimDeliveriesConcurrent(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		now := time.Now().UTC()
		const n = 200
		var ds []*workflow.Delivery
		for i := range n {
			ds = append(ds, &workflow.Delivery{ID: fmt.Sprintf("d%04d", i), DocumentID: fmt.Sprintf("doc%d", i),
				Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", NextAttempt: now.Add(-time.Second)})
		}
		enqueue(t, db, ds...)
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := db.ClaimDeliveries(context.Background(), now, time.Hour, 7)
					if err != nil {
						if workflow.ErrorCode(err) == workflow.ECONFLICT {
							continue
						}
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						seen[d.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		var dup []string
		for id, c := range seen {
			if c != 1 {
				dup = append(dup, id)
			}
		}
		sort.Strings(dup)
		if len(seen) != n || len(dup) > 0 {
			t.Fatalf("claimed %d distinct of %d; twice: %v", len(seen), n, dup)
		}
	})
}

func TestRecordStatus(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		enqueue(t, db, &workflow.Delivery{ID: "x1", DocumentID: "doc1", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13"},
			&workflow.Delivery{ID: "x2", DocumentID: "doc1", Kind: workflow.DeliverDocument, OrgID: "000.00.32.H13"})
		if err := db.RememberSent(ctx, "000.00.12.H13,2026/11/20,01/QĐ-UBND", "doc1"); err != nil {
			t.Fatal(err)
		}
		if err := db.RememberSent(ctx, "000.00.12.H13,2026/11/20,01/QĐ-UBND", "doc1"); err != nil {
			t.Fatal(err)
		}
		// No document doc1 yet: the id is remembered, the document is not found.
		_, err := db.SentDocument(ctx, "000.00.12.H13,2026/11/20,01/QĐ-UBND")
		wantCode(t, err, workflow.ENOTFOUND)
		sent := incomingDoc("doc1", 0)
		sent.Direction, sent.State, sent.Sender = workflow.Outgoing, workflow.Sent, nil
		sent.Recipients = []workflow.Org{{OrgID: "000.00.31.H13", Name: "B"}, {OrgID: "000.00.32.H13", Name: "C"}}
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
			t.Fatal(err)
		}
		// Another document, not sent under that id, is not the answer.
		if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, incomingDoc("doc2", 1)) }); err != nil {
			t.Fatal(err)
		}
		got, err := db.SentDocument(ctx, "000.00.12.H13,2026/11/20,01/QĐ-UBND")
		if err != nil || got.ID != "doc1" || len(got.Recipients) != 2 || got.Recipients[1].OrgID != "000.00.32.H13" {
			t.Fatalf("sent = %+v, %v", got, err)
		}
		_, err = db.SentDocument(ctx, "nope")
		wantCode(t, err, workflow.ENOTFOUND)

		t1 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		for _, s := range []struct {
			code string
			at   time.Time
			new  bool
		}{
			{"01", t1, true},
			{"04", t1.Add(2 * time.Minute), true},
			{"03", t1.Add(time.Minute), true}, // arrives late: LastStatus stays 04
			{"04", t1.Add(2 * time.Minute), false},
		} {
			created, _, err := db.RecordStatus(ctx, exchange.ReceivedStatus{DocumentID: "doc1", OrgID: "000.00.31.H13", Code: s.code, At: s.at})
			if err != nil || created != s.new {
				t.Fatalf("record %s: %v %v", s.code, created, err)
			}
		}
		ds, _ := db.Deliveries(ctx, "doc1")
		if ds[0].LastStatus != "04" || !ds[0].LastStatusAt.Equal(t1.Add(2*time.Minute)) || ds[1].LastStatus != "" {
			t.Fatalf("deliveries = %+v", ds)
		}
		sts, err := db.Statuses(ctx, "doc1")
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, s := range sts {
			codes = append(codes, s.Code)
		}
		if fmt.Sprint(codes) != "[01 03 04]" {
			t.Fatalf("statuses = %v", codes)
		}
	})
}

// TestLastStatusOrder: a delivery's last status follows the stages of the
// recipient's processing (01 < 03 < 04 < 05 < 06), the peer's time only
// between two of the same stage, so a skewed clock or a replayed 01 does
// not hide a 06; a refusal (02) stays whatever follows, until a re-send
// (ResetDelivery), after which the recipient's answer replaces it; the
// answers to a revocation or an update (13, 15, 16) leave it as it was,
// and one stored as the last status by an older version gives way to the
// next stage. RecordStatus says a refusal made the delivery refused once
// per (re)send: copies of it, even eight at once, are not new refusals.
// On both databases.
func TestLastStatusOrder(t *testing.T) {
	// A step: a status (code, its time in minutes after base), "resend"
	// (failed, then sent again), or "=15" (the last status an older
	// version stored).
	type step struct {
		code string
		min  int
	}
	cases := []struct {
		name  string
		steps []step
		want  string // code@minute, or code@- for no time
		// refusals is how many statuses RecordStatus said made the
		// delivery refused (each a delivery_refused event and a mail).
		refusals int
	}{
		{"in order", []step{{"01", 1}, {"03", 2}, {"06", 3}}, "06@3", 0},
		{"a replayed 01 dated after the 06", []step{{"01", 1}, {"06", 3}, {"01", 5}}, "06@3", 0},
		{"a clock behind: the later stage dated earlier", []step{{"03", 5}, {"04", 2}}, "04@2", 0},
		{"the same stage: the later time", []step{{"05", 2}, {"05", 1}, {"05", 3}}, "05@3", 0},
		{"a refusal over a stage", []step{{"01", 1}, {"03", 2}, {"02", 3}}, "02@3", 1},
		{"a refusal dated before a stage", []step{{"03", 5}, {"02", 1}}, "02@1", 1},
		{"a refusal stays", []step{{"02", 3}, {"01", 5}, {"06", 6}}, "02@3", 1},
		{"a refusal stamped anew on each retry is one", []step{{"02", 3}, {"02", 4}, {"02", 5}}, "02@3", 1},
		{"a refusal stays against a second one dated earlier", []step{{"02", 3}, {"02", 1}}, "02@3", 1},
		{"revocation answers are no stage", []step{{"01", 1}, {"06", 2}, {"13", 3}, {"15", 4}}, "06@2", 0},
		{"a revocation answer alone", []step{{"16", 1}}, "@-", 0},
		{"re-sent: the refusal kept without its time", []step{{"02", 3}, {"resend", 0}}, "02@-", 1},
		{"re-sent: the answer replaces the refusal", []step{{"02", 3}, {"resend", 0}, {"01", 1}}, "01@1", 1},
		{"re-sent: refused again, a new refusal", []step{{"02", 3}, {"02", 4}, {"resend", 0}, {"02", 5}, {"06", 6}, {"02", 7}}, "02@5", 2},
		{"re-sent: the refusal repeated by the time it had", []step{{"02", 3}, {"resend", 0}, {"02", 3}}, "02@-", 1},
		{"an older version's last status gives way", []step{{"=15", 0}, {"01", 1}}, "01@1", 0},
	}
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		base := time.Now().Truncate(time.Second)
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				doc, org, id := fmt.Sprintf("doc-last-%d", i), "000.00.31.H13", fmt.Sprintf("x-last-%d", i)
				enqueue(t, db, &workflow.Delivery{ID: id, DocumentID: doc, Kind: workflow.DeliverDocument, OrgID: org})
				refusals := 0
				for _, s := range c.steps {
					var err error
					switch s.code {
					case "resend":
						if err = db.MarkFailed(ctx, id, base, "peer answered 409"); err != nil {
							break
						}
						err = db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
							_, ok, err := tx.(workflow.DeliveryResetter).ResetDelivery(ctx, doc, id, time.Time{}, base)
							if err == nil && !ok {
								err = fmt.Errorf("not reset")
							}
							return err
						})
					case "=15":
						err = db.Gorm().Exec("UPDATE deliveries SET last_status = '15', last_status_at = ? WHERE id = ?", base, id).Error
					default:
						var refused bool
						_, refused, err = db.RecordStatus(ctx, exchange.ReceivedStatus{DocumentID: doc, OrgID: org, Code: s.code,
							At: base.Add(time.Duration(s.min) * time.Minute)})
						if refused {
							refusals++
						}
					}
					if err != nil {
						t.Fatalf("%v: %v", s, err)
					}
				}
				ds, err := db.Deliveries(ctx, doc)
				if err != nil || len(ds) != 1 {
					t.Fatalf("deliveries %+v, %v", ds, err)
				}
				got := ds[0].LastStatus + "@-"
				if at := ds[0].LastStatusAt; at != nil {
					got = fmt.Sprintf("%s@%d", ds[0].LastStatus, int(at.Sub(base)/time.Minute))
				}
				if got != c.want || refusals != c.refusals {
					t.Errorf("last status %s, %d refusals; want %s, %d", got, refusals, c.want, c.refusals)
				}
			})
		}
		t.Run("a refusal's copies at once", func(t *testing.T) {
			doc, org := "doc-last-copies", "000.00.31.H13"
			enqueue(t, db, &workflow.Delivery{ID: "x-last-copies", DocumentID: doc, Kind: workflow.DeliverDocument, OrgID: org})
			var wg sync.WaitGroup
			refused := make(chan bool, 8)
			for i := range 8 {
				wg.Go(func() {
					_, r, err := db.RecordStatus(ctx, exchange.ReceivedStatus{DocumentID: doc, OrgID: org, Code: "02",
						At: base.Add(time.Duration(i) * time.Second)})
					if err != nil {
						t.Error(err)
					}
					refused <- r
				})
			}
			wg.Wait()
			close(refused)
			n := 0
			for r := range refused {
				if r {
					n++
				}
			}
			if n != 1 {
				t.Errorf("8 copies of a refusal at once made %d refusals, want 1", n)
			}
		})
	})
}

// TestDeliveryMarksOnTheInjectedClock: every Mark* stamps updated_at with
// the clock it is given (the argument, or the database's Now), never the
// machine's.
func TestDeliveryMarksOnTheInjectedClock(t *testing.T) {
	gormdbtest.Run(t, func(t *testing.T, db *gormdb.DB) {
		ctx := context.Background()
		clock := time.Date(2031, 12, 31, 16, 59, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		for _, id := range []string{"r1", "d1", "f1"} {
			enqueue(t, db, &workflow.Delivery{ID: id, DocumentID: "doc-" + id, Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13", NextAttempt: clock})
		}
		for _, tc := range []struct {
			id   string
			mark func() error
		}{
			{"r1", func() error { return db.MarkRetry(ctx, "r1", clock.Add(time.Hour), "connection refused") }},
			{"d1", func() error { return db.MarkDelivered(ctx, "d1", clock) }},
			{"f1", func() error { return db.MarkFailed(ctx, "f1", clock, "refused: 403") }},
		} {
			if err := tc.mark(); err != nil {
				t.Fatal(err)
			}
			ds, err := db.Deliveries(ctx, "doc-"+tc.id)
			if err != nil || len(ds) != 1 {
				t.Fatalf("deliveries of doc-%s: %v %+v", tc.id, err, ds)
			}
			if !ds[0].UpdatedAt.Equal(clock) {
				t.Errorf("%s: updated_at %v, want the injected clock's %v", tc.id, ds[0].UpdatedAt, clock)
			}
		}
	})
}

// BenchmarkRecordStatus records one new status message about a sent
// document (what the sender does for each status an agency sends back).
func BenchmarkRecordStatus(b *testing.B) {
	for _, backend := range gormdbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := gormdbtest.Open(b, backend)
			ctx := context.Background()
			err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
				return tx.EnqueueDelivery(ctx, &workflow.Delivery{ID: "x1", DocumentID: "doc1", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13"})
			})
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			b.ResetTimer()
			for i := range b.N {
				created, _, err := db.RecordStatus(ctx, exchange.ReceivedStatus{DocumentID: "doc1", OrgID: "000.00.31.H13", Code: "01",
					At: t0.Add(time.Duration(i) * time.Second)})
				if err != nil || !created {
					b.Fatal(created, err)
				}
			}
		})
	}
}

// BenchmarkStatusReads reads what a status message about a sent document
// needs before its status is recorded: the document sent under the
// message's DocumentId, with its recipients.
func BenchmarkStatusReads(b *testing.B) {
	for _, backend := range gormdbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := gormdbtest.Open(b, backend)
			ctx := context.Background()
			d := incomingDoc("doc1", 0)
			d.Direction, d.State, d.Sender = workflow.Outgoing, workflow.Sent, nil
			d.Recipients = []workflow.Org{{OrgID: "000.00.31.H13", Name: "B"}}
			if err := db.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
				b.Fatal(err)
			}
			if err := db.RememberSent(ctx, "000.00.12.H13,2026/11/20,01/QĐ-UBND", "doc1"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if got, err := db.SentDocument(ctx, "000.00.12.H13,2026/11/20,01/QĐ-UBND"); err != nil || len(got.Recipients) != 1 {
					b.Fatal(err)
				}
			}
		})
	}
}
