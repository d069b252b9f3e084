package web

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestConfirmSaysSenderToldOnlyWhenExchanged: the page that asks a clerk
// to confirm registering (or refusing) an incoming document says the
// sending agency is told (status 03, 02) only of a document received
// over the exchange — of one the clerk uploaded from paper it said so
// too, though nobody is told anything.
func TestConfirmSaysSenderToldOnlyWhenExchanged(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	paper := e.newIncoming(clerk, "Về việc nhận văn bản giấy", nil)
	day := workflow.NewDate(2026, 11, 20)
	received, _, err := e.docs.Receive(t.Context(), workflow.ReceiveInput{ExternalID: "ext-confirm-1", CreateInput: workflow.CreateInput{
		Type: "CV", Subject: "Về việc nhận qua liên thông", Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
		OriginalNumber: "12/UBND-VP", OriginalDate: &day, Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
		File: &workflow.Upload{Name: "cv.pdf", Size: int64(len(fakePDF)), Content: bytes.NewReader(fakePDF)}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, action, told string
		exchanged        bool
	}{
		{paper, "register", "mã 03", false},
		{paper, "reject", "mã 02", false},
		{received.ID, "register", "mã 03", true},
		{received.ID, "reject", "mã 02", true},
	}
	for _, tt := range tests {
		t.Run(tt.action+map[bool]string{true: " exchanged", false: " paper"}[tt.exchanged], func(t *testing.T) {
			clerk.get("/documents/" + tt.id)
			p := clerk.post("/documents/"+tt.id, url.Values{"action": {tt.action}, "comment": {"Sai nơi nhận"}})
			if _, ok := confirmForm(p, tt.action); !ok {
				t.Fatalf("no confirmation page: %d\n%s", p.Status, p.Body)
			}
			if got := strings.Contains(p.Body, tt.told); got != tt.exchanged {
				t.Errorf("says the sender is told (%s): %v, want %v:\n%s", tt.told, got, tt.exchanged, p.Body)
			}
		})
	}
}
