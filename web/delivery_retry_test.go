package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/workflow"
)

// TestDeliveryRetrySaysWhen: a delivery the exchange keeps retrying (the
// recipient's server down) says on the sent document's page how many
// times it was tried, when last, and when it is tried again by itself —
// the clerk read 'Đang thử lại: …' with an empty Cập nhật and could not
// tell a minute's hiccup from a day's outage (walk 11, the exchange
// clerk); the screen reader's sentence (data-said) does not change with
// each attempt. A delivery that went through says none of it.
func TestDeliveryRetrySaysWhen(t *testing.T) {
	e := newTestEnv(t)
	at := e.now
	last, next := at.Add(-2*time.Minute), at.Add(3*time.Minute)
	down := workflow.Delivery{ID: "dl-1", DocumentID: "sent1", OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa",
		Kind: workflow.DeliverDocument, State: workflow.DeliveryPending, Attempts: 4, LastError: "dial tcp 10.0.0.9:8443: connect: connection refused",
		NextAttempt: next, CreatedAt: at.Add(-time.Hour), UpdatedAt: last}
	up := workflow.Delivery{ID: "dl-2", DocumentID: "sent1", OrgID: "000.00.32.H13", OrgName: "UBND phường An Thới",
		Kind: workflow.DeliverDocument, State: workflow.DeliveryDelivered, Attempts: 1, LastStatus: "01", LastStatusAt: &at,
		NextAttempt: next, UpdatedAt: at}
	e.remount(t, Config{Exchange: deliveriesOnly{reps: []exchange.DeliveryReport{{Delivery: down}, {Delivery: up}}}})
	d := &workflow.Document{ID: "sent1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định gửi hai phường",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6,
		Recipients: []workflow.Org{{OrgID: down.OrgID}, {OrgID: up.OrgID}}, CreatedBy: e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
	if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
		t.Fatal(err)
	}
	sec := deliveriesSection.FindString(e.login("vanthu").get("/documents/sent1").Body)
	rows := strings.Split(sec, "<tr data-delivery=")
	if len(rows) != 3 {
		t.Fatalf("%d rows:\n%s", len(rows)-1, sec)
	}
	want := "Đã thử 4 lần, lần gần nhất " + fmtDateTime(last) + "; tự động thử lại lúc " + fmtDateTime(next) + "."
	if !strings.Contains(rows[1], "Đang thử lại: Máy chủ liên thông của cơ quan nhận không nhận kết nối") || !strings.Contains(rows[1], want) {
		t.Errorf("the retried delivery does not say %q:\n%s", want, rows[1])
	}
	if said := rows[1][:strings.Index(rows[1], ">")]; strings.Contains(said, "Đã thử") {
		t.Errorf("the screen reader's sentence changes with each attempt: %s", said)
	}
	if strings.Contains(rows[2], "Đã thử") || strings.Contains(rows[2], "thử lại") {
		t.Errorf("the delivered one speaks of retries:\n%s", rows[2])
	}
}

// TestDeliveryStatusesBefore: a sent document's delivery shows, under the
// recipient's last status, the ones it reported before with their times
// (Trước đó: 01 · Đã đến (…); 03 · Đã tiếp nhận (vào sổ) (…)) — the
// clerk read '05 · Đang xử lý' alone and could not tell when her
// document was registered or assigned there (walk 11, the exchange
// clerk); a delivery with its one status says nothing more. The statuses
// dated after the one shown, which the last status does not follow (the
// answers to a revocation, an earlier stage sent again), are under Sau
// đó, not among those before it.
func TestDeliveryStatusesBefore(t *testing.T) {
	e := newTestEnv(t)
	at := e.now
	st := func(code string, m int) workflow.ReceivedStatus {
		return workflow.ReceivedStatus{DocumentID: "sent1", OrgID: "000.00.31.H13", Code: code, At: at.Add(time.Duration(m) * time.Minute)}
	}
	five := at.Add(50 * time.Minute)
	one := at.Add(time.Minute)
	reps := []exchange.DeliveryReport{
		{Delivery: workflow.Delivery{ID: "dl-1", DocumentID: "sent1", OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa",
			Kind: workflow.DeliverDocument, State: workflow.DeliveryDelivered, Attempts: 1, LastStatus: "05", LastStatusAt: &five, UpdatedAt: at},
			Statuses: []workflow.ReceivedStatus{st("01", 1), st("03", 20), st("04", 35), st("05", 50)}},
		{Delivery: workflow.Delivery{ID: "dl-2", DocumentID: "sent1", OrgID: "000.00.32.H13", OrgName: "UBND phường An Thới",
			Kind: workflow.DeliverDocument, State: workflow.DeliveryDelivered, Attempts: 1, LastStatus: "01", LastStatusAt: &one, UpdatedAt: at},
			Statuses: []workflow.ReceivedStatus{{DocumentID: "sent1", OrgID: "000.00.32.H13", Code: "01", At: one}}},
		{Delivery: workflow.Delivery{ID: "dl-3", DocumentID: "sent1", OrgID: "000.00.33.H13", OrgName: "UBND phường An Hòa",
			Kind: workflow.DeliverDocument, State: workflow.DeliveryDelivered, Attempts: 1, LastStatus: "06", LastStatusAt: &five, UpdatedAt: at},
			Statuses: []workflow.ReceivedStatus{st("01", 1), st("06", 50), st("13", 55), st("15", 60), st("01", 70)}},
	}
	e.remount(t, Config{Exchange: deliveriesOnly{reps: reps}})
	d := &workflow.Document{ID: "sent1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định gửi hai phường",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6,
		Recipients: []workflow.Org{{OrgID: "000.00.31.H13"}, {OrgID: "000.00.32.H13"}, {OrgID: "000.00.33.H13"}}, CreatedBy: e.users["vanthu"].ID, CreatedAt: at, UpdatedAt: at}
	if err := e.repo.Atomic(context.Background(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, d) }); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(deliveriesSection.FindString(e.login("vanthu").get("/documents/sent1").Body), "<tr data-delivery=")
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows)-1)
	}
	want := "Trước đó: 01 · Đã đến (" + fmtDateTime(at.Add(time.Minute)) + "); 03 · Đã tiếp nhận (vào sổ) (" +
		fmtDateTime(at.Add(20*time.Minute)) + "); 04 · Đã phân công (" + fmtDateTime(at.Add(35*time.Minute)) + ")"
	if !strings.Contains(rows[1], "05 · Đang xử lý") || !strings.Contains(rows[1], want) {
		t.Errorf("Long Hòa's row does not say %q:\n%s", want, rows[1])
	}
	if strings.Contains(rows[2], "Trước đó") || strings.Contains(rows[2], "Sau đó") {
		t.Errorf("An Thới's one status is said twice:\n%s", rows[2])
	}
	before := "Trước đó: 01 · Đã đến (" + fmtDateTime(at.Add(time.Minute)) + ")<"
	after := "Sau đó: 13 · Đề nghị thu hồi (" + fmtDateTime(at.Add(55*time.Minute)) + "); 15 · Đồng ý thu hồi (" +
		fmtDateTime(at.Add(60*time.Minute)) + "); 01 · Đã đến (" + fmtDateTime(at.Add(70*time.Minute)) + ")"
	if !strings.Contains(rows[3], "06 · Hoàn thành") || !strings.Contains(rows[3], before) || !strings.Contains(rows[3], after) {
		t.Errorf("An Hòa's row does not say %q and %q:\n%s", before, after, rows[3])
	}
}
