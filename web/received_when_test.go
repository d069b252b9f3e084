package web

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestReceivedSaysWhenItArrived: a document received over the exchange
// says when it arrived (Nhận qua liên thông: its time) among its details
// — it said 'Người tạo: Liên thông văn bản · …', as if a colleague of
// that name had typed it in, and the clerk asked when it came (walk 11,
// the exchange clerk); one the clerk registered from paper still names
// who created it.
func TestReceivedSaysWhenItArrived(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	paper := e.newIncoming(clerk, "Về việc nhận văn bản giấy", nil)
	day := workflow.NewDate(2026, 11, 20)
	arrived := e.now.Add(-3 * time.Hour)
	e.now = arrived
	received, _, err := e.docs.Receive(t.Context(), workflow.ReceiveInput{ExternalID: "ext-when-1", CreateInput: workflow.CreateInput{
		Type: "CV", Subject: "Về việc nhận qua liên thông", Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
		OriginalNumber: "12/UBND-VP", OriginalDate: &day, Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
		File: &workflow.Upload{Name: "cv.pdf", Size: int64(len(fakePDF)), Content: bytes.NewReader(fakePDF)}}})
	if err != nil {
		t.Fatal(err)
	}
	e.now = arrived.Add(3 * time.Hour)
	p := clerk.get("/documents/" + received.ID)
	if want := "<dt>Nhận qua liên thông</dt><dd>" + fmtDateTime(arrived) + "</dd>"; !strings.Contains(p.Body, want) || strings.Contains(p.Body, "<dt>Người tạo</dt>") {
		t.Errorf("the received document does not say %q, or names a creator:\n%s", want, p.Body)
	}
	if p := clerk.get("/documents/" + paper); !strings.Contains(p.Body, "<dt>Người tạo</dt>") || strings.Contains(p.Body, "Nhận qua liên thông</dt>") {
		t.Errorf("the paper document's creator:\n%s", p.Body)
	}
}
