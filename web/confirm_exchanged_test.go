package web

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestConfirmSaysSenderToldOnlyWhenExchanged: the page that asks a clerk
// to confirm registering (or refusing) an incoming document, an official
// to confirm its assignment, a handler its completion, says the sending
// agency is told (status 03, 02, 04, 06) only of a document received
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
	// Each one again, registered: to be assigned; and assigned and
	// started: to be completed.
	ahead := map[string]string{}
	for _, exchanged := range []bool{false, true} {
		for _, a := range []workflow.Action{workflow.Assign, workflow.Complete} {
			ahead[string(a)+map[bool]string{true: " exchanged", false: " paper"}[exchanged]] = incomingBefore(t, e, clerk, a, exchanged)
		}
	}
	tests := []struct {
		id, who, action, told string
		exchanged             bool
	}{
		{paper, "vanthu", "register", "mã 03", false},
		{paper, "vanthu", "reject", "mã 02", false},
		{received.ID, "vanthu", "register", "mã 03", true},
		{received.ID, "vanthu", "reject", "mã 02", true},
		{ahead["assign paper"], "lanhdao", "assign", "mã 04", false},
		{ahead["assign exchanged"], "lanhdao", "assign", "mã 04", true},
		{ahead["complete paper"], "chuyenvien", "complete", "mã 06", false},
		{ahead["complete exchanged"], "chuyenvien", "complete", "mã 06", true},
	}
	for _, tt := range tests {
		t.Run(tt.action+map[bool]string{true: " exchanged", false: " paper"}[tt.exchanged], func(t *testing.T) {
			c := e.login(tt.who)
			c.get("/documents/" + tt.id)
			form := url.Values{"action": {tt.action}, "comment": {"Sai nơi nhận"}}
			if tt.action == "assign" {
				form["assignee_id"], form["due_date"] = []string{e.users["chuyenvien"].ID}, []string{"31/12/2026"}
			}
			p := c.post("/documents/"+tt.id, form)
			if _, ok := confirmForm(p, tt.action); !ok {
				t.Fatalf("no confirmation page: %d\n%s", p.Status, p.Body)
			}
			if got := strings.Contains(p.Body, tt.told); got != tt.exchanged {
				t.Errorf("says the sender is told (%s): %v, want %v:\n%s", tt.told, got, tt.exchanged, p.Body)
			}
		})
	}
}

// incomingBefore returns a new incoming document, uploaded by clerk from
// paper or received over the exchange, in the state where action a is
// next: registered for an assignment, assigned to chuyenvien and started
// for a completion.
func incomingBefore(t *testing.T, e *testEnv, clerk *client, a workflow.Action, exchanged bool) string {
	t.Helper()
	id := e.newIncoming(clerk, "Về việc chờ "+string(a), nil)
	if exchanged {
		day := workflow.NewDate(2026, 11, 20)
		d, _, err := e.docs.Receive(t.Context(), workflow.ReceiveInput{ExternalID: "ext-before-" + string(a), CreateInput: workflow.CreateInput{
			Type: "CV", Subject: "Về việc chờ " + string(a) + " qua liên thông", Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Public,
			OriginalNumber: "13/UBND-VP", OriginalDate: &day, Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
			File: &workflow.Upload{Name: "cv.pdf", Size: int64(len(fakePDF)), Content: bytes.NewReader(fakePDF)}}})
		if err != nil {
			t.Fatal(err)
		}
		id = d.ID
	}
	due := workflow.NewDate(2026, 12, 31)
	steps := []struct {
		who string
		a   workflow.Action
		in  workflow.ActionInput
	}{{"vanthu", workflow.Register, workflow.ActionInput{}},
		{"lanhdao", workflow.Assign, workflow.ActionInput{AssigneeID: e.users["chuyenvien"].ID, DueDate: &due}},
		{"chuyenvien", workflow.Start, workflow.ActionInput{}}}
	if a == workflow.Assign {
		steps = steps[:1]
	}
	for _, st := range steps {
		if _, err := e.docs.Apply(t.Context(), e.users[st.who], id, st.a, st.in); err != nil {
			t.Fatalf("%s %s: %v", st.who, st.a, err)
		}
	}
	return id
}
