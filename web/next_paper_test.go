package web

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestRegisterLeadsToTheNextPaper: after "Vào sổ" of a paper document
// the clerk lands on the form of the next one, the focus on its first
// field (autofocus, the file input, nothing else focused), and the page
// says that it was registered, as a status (announced, not taking the
// focus), and which document took which number, linking it. A document received over the exchange
// leads back to its own page, as the next one is not typed in; so does
// the form opened with a document the user may not name.
func TestRegisterLeadsToTheNextPaper(t *testing.T) {
	e := newTestEnv(t)
	clerk := e.login("vanthu")
	paper := e.newIncoming(clerk, "Về việc chuẩn bị hội nghị", nil)
	p := act(t, clerk, paper, workflow.Register, nil)
	if p.Status != 303 || p.Location != "/incoming/new?done=register&registered="+paper {
		t.Fatalf("Vào sổ of a paper document: %d %q, want the next form", p.Status, p.Location)
	}
	body := clerk.get(p.Location).Body
	if !strings.Contains(body, `<p class="flash" role="status">Đã vào sổ văn bản đến.</p>`) {
		t.Error("the registration is not announced (role=status)")
	}
	next := nextRe.FindStringSubmatch(body)
	if next == nil || !strings.Contains(next[1], "Số đến 1/") ||
		!strings.Contains(next[1], `<a href="/documents/`+paper+`">Về việc chuẩn bị hội nghị</a>`) {
		t.Errorf("the form does not name the registered document: %q", next)
	}
	if got := regexp.MustCompile(`<[^>]* autofocus[ >]`).FindAllString(body, -1); len(got) != 1 || !strings.Contains(got[0], `id="file"`) {
		t.Errorf("autofocus on %q, want the file input alone", got)
	}

	day := workflow.NewDate(2026, 11, 20)
	received, _, err := e.docs.Receive(t.Context(), workflow.ReceiveInput{ExternalID: "ext-next-1", CreateInput: workflow.CreateInput{
		Type: "CV", Subject: "Về việc nhận qua liên thông", Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
		OriginalNumber: "13/UBND-VP", OriginalDate: &day, Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
		File: &workflow.Upload{Name: "cv.pdf", Size: int64(len(fakePDF)), Content: bytes.NewReader(fakePDF)}}})
	if err != nil {
		t.Fatal(err)
	}
	if p := act(t, clerk, received.ID, workflow.Register, nil); p.Location != "/documents/"+received.ID+"?done=register" {
		t.Errorf("Vào sổ of an exchanged document leads to %q", p.Location)
	}
	unregistered := e.newIncoming(clerk, "Về việc chưa vào sổ", nil)
	for _, id := range []string{unregistered, "no-such-document"} {
		if body := clerk.get("/incoming/new?registered=" + id).Body; nextRe.MatchString(body) {
			t.Errorf("?registered=%s names a document", id)
		}
	}
}
