package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/workflow"
)

// TestDeliveryProblem: a delivery's last error, the exchange worker's
// English (Go's network and TLS errors, a peer's HTTP answer), is said in
// Vietnamese; one it does not know is said to have failed, never left
// as the English alone.
func TestDeliveryProblem(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`Post "https://127.0.0.1:37905/exchange/v1/edxml": dial tcp 127.0.0.1:37905: connect: connection refused`, "không nhận kết nối (có thể đang tắt)"},
		{`Post "https://vanthu.longhoa.example:8443/exchange/v1/edxml": dial tcp: lookup vanthu.longhoa.example: no such host`, "Không tìm thấy máy chủ liên thông"},
		{`Post "https://10.0.0.9:8443/exchange/v1/edxml": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, "quá thời gian chờ"},
		{`Post "https://10.0.0.9:8443/exchange/v1/edxml": tls: failed to verify certificate: x509: certificate signed by unknown authority`, "chứng thư của máy chủ đó không khớp"},
		{`Post "https://10.0.0.9:8443/exchange/v1/edxml": read tcp 10.0.0.1:5000->10.0.0.9:8443: read: connection reset by peer`, "bị ngắt giữa chừng"},
		{`Post "https://10.0.0.9:8443/exchange/v1/edxml": EOF`, "bị ngắt giữa chừng"},
		{`peer answered 503: service unavailable`, "từ chối gói tin (mã HTTP 503)"},
		{`000.00.31.H13 is not a connected agency`, "không có trong danh sách cơ quan liên thông"},
		{`cannot build the package: file missing`, "Không tạo được gói tin"},
		{`something else went wrong`, "Gửi không thành công"},
		{"", ""},
	} {
		got := deliveryProblem(tc.raw)
		if (tc.want == "" && got != "") || !strings.Contains(got, tc.want) {
			t.Errorf("deliveryProblem(%q) = %q, want it to say %q", tc.raw, got, tc.want)
		}
	}
}

// queueOnly is an exchange whose queue is fixed.
type queueOnly struct {
	deliveriesOnly
	q exchange.QueueState
}

func (x queueOnly) Queue(context.Context, *workflow.User, int) (*exchange.QueueState, error) {
	return &x.q, nil
}

// TestQueueSaysWhyInVietnamese: the admin's exchange queue, with a peer
// down, says why in Vietnamese, the worker's error beside it marked as
// English — it showed `Post "https://…": dial tcp …: connect: connection
// refused` alone (found by the second walk, B stopped).
func TestQueueSaysWhyInVietnamese(t *testing.T) {
	e := newTestEnv(t)
	raw := `Post "https://127.0.0.1:37905/exchange/v1/edxml": dial tcp 127.0.0.1:37905: connect: connection refused`
	dl := workflow.Delivery{ID: "d1", DocumentID: "sent3", OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa",
		Kind: workflow.DeliverDocument, State: workflow.DeliveryPending, Attempts: 7, LastError: raw, UpdatedAt: e.now}
	x := queueOnly{q: exchange.QueueState{Counts: map[workflow.DeliveryState]int{workflow.DeliveryPending: 1}, Waiting: []workflow.Delivery{dl}}}
	e.remount(t, Config{Exchange: x})
	p := e.login("quantri").get("/admin/exchange")
	want := `Máy chủ liên thông của cơ quan nhận không nhận kết nối (có thể đang tắt).<br><code class="muted" lang="en">`
	if p.Status != http.StatusOK || !strings.Contains(p.Body, want) {
		t.Errorf("the queue does not say why in Vietnamese: %d\n%s", p.Status, p.Body)
	}
}

// TestQueueFailedFirst: the admin's exchange queue says what its figures
// count and what a failure means, lists the failed deliveries (which
// need someone) before the waiting ones (retried by themselves), and
// names each delivery's document by number and subject — each row's
// document read "mở" alone, and the failures came last (walk 7).
func TestQueueFailedFirst(t *testing.T) {
	e := newTestEnv(t)
	sent := &workflow.Document{ID: "sent1", Direction: workflow.Outgoing, Type: "QĐ", Subject: "Quyết định đã gửi", Notation: "07/QĐ-UBND",
		Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public, State: workflow.Sent, Version: 6,
		SignerID: e.users["lanhdao"].ID, CreatedBy: e.users["chuyenvien"].ID, CreatedAt: e.now, UpdatedAt: e.now}
	if err := e.repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error { return tx.CreateDocument(ctx, sent) }); err != nil {
		t.Fatal(err)
	}
	dl := func(id, doc string, st workflow.DeliveryState) workflow.Delivery {
		return workflow.Delivery{ID: id, DocumentID: doc, OrgID: "000.00.31.H13", OrgName: "UBND phường Long Hòa",
			Kind: workflow.DeliverDocument, State: st, Attempts: 3, LastError: "HTTP 400", UpdatedAt: e.now}
	}
	x := queueOnly{q: exchange.QueueState{Counts: map[workflow.DeliveryState]int{workflow.DeliveryPending: 1, workflow.DeliveryFailed: 1},
		Waiting: []workflow.Delivery{dl("d1", "khong-co", workflow.DeliveryPending)}, Failed: []workflow.Delivery{dl("d2", "sent1", workflow.DeliveryFailed)}}}
	e.remount(t, Config{Exchange: x})
	p := e.login("quantri").get("/admin/exchange")
	failed, waiting := strings.Index(p.Body, "<h3>Gửi thất bại</h3>"), strings.Index(p.Body, "<h3>Đang chờ gửi</h3>")
	if p.Status != http.StatusOK || failed < 0 || waiting < 0 || failed > waiting {
		t.Errorf("the failed deliveries (at %d) are not listed before the waiting ones (at %d): %d", failed, waiting, p.Status)
	}
	for _, want := range []string{`<a href="/documents/sent1">07/QĐ-UBND — Quyết định đã gửi</a>`, `<a href="/documents/khong-co">mở</a>`,
		"được thử lại tự động", "cơ quan nhận đã từ chối hẳn, không gửi lại"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the queue lacks %s", want)
		}
	}
}

// TestAgenciesSayBothSides: the connected agencies' page tells the admin
// adding an agency that it must add this one too, and how — it said how
// to add theirs only, and an admin who did so found nothing coming back
// (walk 7, the admin's first week).
func TestAgenciesSayBothSides(t *testing.T) {
	e := newTestEnv(t)
	e.remount(t, Config{Exchange: agenciesOnly{}})
	p := e.login("quantri").get("/admin/agencies")
	n := byID(parseHTML(t, p.Body), "agency-both")
	if p.Status != http.StatusOK || n == nil || !strings.Contains(textOf(n), "cơ quan kia cũng phải thêm cơ quan mình — chạy lệnh vanthu agency export trên máy chủ này") {
		t.Errorf("the agencies' page does not say both sides add each other: %d", p.Status)
	}
}
