package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestVoidedNumberSaysWhyInVietnamese: a voided number's line in the
// register a clerk prints and files, and in its CSV, says in Vietnamese
// that the number is voided and never given again, and which step
// failed — it read "Số đã hủy (voided): the signature of document
// 66208… failed after its number was reserved: …", the reason the
// service writes for the record (walk 8, the clerk at month's end); the
// document's history says the cause too. A reason the service does not
// write (given in Vietnamese) is kept.
func TestVoidedNumberSaysWhyInVietnamese(t *testing.T) {
	e := newTestEnv(t)
	reasons := []struct{ reason, want string }{
		{"the signature of document doc-001 failed after its number was reserved: signing: the HSM did not answer",
			"Số đã hủy, không cấp lại: ký số văn bản không thành công sau khi đã lấy số"},
		{"the issue of document doc-002 failed after its number was reserved: storage: unavailable",
			"Số đã hủy, không cấp lại: phát hành văn bản không thành công sau khi đã lấy số"},
		{"the issue that reserved this number did not finish within 5m0s (the server stopped or the request was lost)",
			"Số đã hủy, không cấp lại: việc phát hành không hoàn tất trong thời gian cho phép (máy chủ dừng hoặc yêu cầu bị mất)"},
		{"the issue that reserved this number did not finish: the server running it stopped (no sign of life for 1m0s)",
			"Số đã hủy, không cấp lại: máy chủ đang phát hành văn bản đã dừng trước khi phát hành xong"},
		{"thiết bị ký bị rút ra giữa chừng", "Số đã hủy, không cấp lại: thiết bị ký bị rút ra giữa chừng"},
	}
	err := e.repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error {
		for i, r := range reasons {
			num, err := tx.NextNumber(ctx, workflow.RegisterOutgoing, 2026)
			if err != nil {
				return err
			}
			at := time.Date(2026, 11, 2+i, 8, 0, 0, 0, workflow.Vietnam)
			d := &workflow.Document{ID: fmt.Sprintf("doc-%03d", num), Direction: workflow.Outgoing, Type: "QĐ",
				Subject: fmt.Sprintf("Quyết định %d", num), Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
				State: workflow.OfficerSigned, Version: 1, CreatedAt: at, UpdatedAt: at, SignerID: e.users["lanhdao"].ID}
			if err := tx.CreateDocument(ctx, d); err != nil {
				return err
			}
			res := &workflow.Reservation{ID: fmt.Sprintf("r%d", num), Register: workflow.RegisterOutgoing, Year: 2026, Number: num,
				Notation: fmt.Sprintf("%02d/QĐ-UBND", num), DocumentID: d.ID, State: workflow.NumberReserved, CreatedAt: at}
			if err := tx.CreateReservation(ctx, res); err != nil {
				return err
			}
			if err := tx.VoidReservation(ctx, res.ID, r.reason, at); err != nil {
				return err
			}
			if err := tx.AppendEvent(ctx, &workflow.Event{DocumentID: d.ID, Kind: workflow.EventNumberVoided, At: at, Comment: r.reason,
				Data: map[string]string{"register": "outgoing", "year": "2026", "number": fmt.Sprint(num), "notation": res.Notation}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clerk := e.login("vanthu")
	page, csv := clerk.get("/registers/outgoing/2026?month=11"), clerk.get("/registers/outgoing/2026/csv")
	if page.Status != http.StatusOK || csv.Status != http.StatusOK {
		t.Fatalf("register: %d, CSV: %d", page.Status, csv.Status)
	}
	for i, r := range reasons {
		if !strings.Contains(page.Body, "<td>"+r.want+"</td>") {
			t.Errorf("number %d: the register page lacks %q", i+1, r.want)
		}
		if !strings.Contains(csv.Body, r.want) {
			t.Errorf("number %d: the CSV lacks %q", i+1, r.want)
		}
	}
	for _, english := range []string{"(voided)", "failed after", "did not finish"} {
		for what, body := range map[string]string{"page": page.Body, "CSV": csv.Body} {
			if strings.Contains(body, english) {
				t.Errorf("the register's %s says %q", what, english)
			}
		}
	}
	doc := clerk.get("/documents/doc-001")
	if !strings.Contains(doc.Body, "Ký số văn bản không thành công sau khi đã lấy số") || strings.Contains(doc.Body, "failed after") {
		t.Errorf("the document's history does not say why its number was voided in Vietnamese:\n%s", doc.Body)
	}
}
