package workflow_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestReplyValidation: an outgoing draft replies only to an incoming
// document its creator may see (EINVALID on replies_to: none such, an
// outgoing one, a classified letter the handler is not party to, and
// replies_to on an incoming document); a valid one is recorded in the
// creation: the draft names the letter, its create event says so, and
// the letter names its latest reply with a link event.
func TestReplyValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	letter := e.create(t, workflow.Incoming, workflow.Public)
	secret := e.create(t, workflow.Incoming, workflow.Secret)
	sent := e.walkTo(t, workflow.Outgoing, workflow.Sent)
	draft := func(dir workflow.Direction, to string) workflow.CreateInput {
		in := e.draftInput("", "Về việc trả lời Bình Thủy", minimalPDF)
		in.Direction, in.RepliesTo = dir, to
		if dir == workflow.Incoming {
			d := workflow.NewDate(2026, 11, 20)
			in.SignerID, in.Sender, in.OriginalNumber, in.OriginalDate = "", &workflow.Org{Name: "UBND thành phố Cần Thơ"}, "1/UBND", &d
		}
		return in
	}
	handler, clerk := e.users[workflow.RoleHandler], e.users[workflow.RoleClerk]
	for _, tc := range []struct {
		name  string
		actor *workflow.User
		in    workflow.CreateInput
	}{
		{"no such document", handler, draft(workflow.Outgoing, "d-nothing")},
		{"an outgoing document", handler, draft(workflow.Outgoing, sent.ID)},
		{"a classified letter not shown to the handler", handler, draft(workflow.Outgoing, secret.ID)},
		{"an incoming document replying", clerk, draft(workflow.Incoming, letter.ID)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.Create(ctx, tc.actor, tc.in)
			if workflow.ErrorCode(err) != workflow.EINVALID || !slices.Equal(fieldsOf(err), []string{"replies_to"}) {
				t.Fatalf("err = %v on %q, want EINVALID on replies_to", err, fieldsOf(err))
			}
		})
	}
	in := draft(workflow.Outgoing, " "+letter.ID+" ")
	in.File = &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}
	reply, err := e.svc.Create(ctx, handler, in)
	if err != nil {
		t.Fatal(err)
	}
	if reply.RepliesTo != letter.ID {
		t.Errorf("reply.RepliesTo = %q, want %q", reply.RepliesTo, letter.ID)
	}
	got, err := e.repo.Document(ctx, letter.ID)
	if err != nil || got.RepliedBy != reply.ID || got.Version != letter.Version+1 {
		t.Fatalf("letter: %v replied_by=%q version %d, want %q and %d", err, got.RepliedBy, got.Version, reply.ID, letter.Version+1)
	}
	evs, _ := e.repo.Events(ctx, letter.ID)
	if last := evs[len(evs)-1]; last.Kind != workflow.EventLink || last.Data["replied_by"] != reply.ID {
		t.Errorf("letter's last event %s %v, want link replied_by %s", last.Kind, last.Data, reply.ID)
	}
	evs, _ = e.repo.Events(ctx, reply.ID)
	if evs[0].Kind != workflow.EventCreate || evs[0].Data["replies_to"] != letter.ID {
		t.Errorf("reply's create event %s %v, want replies_to %s", evs[0].Kind, evs[0].Data, letter.ID)
	}
}

// TestReplyDue: a reply created with DueFromLetter (the API's due_date
// left out) takes its letter's due date, a copy; a date given wins; one
// without DueFromLetter keeps what it was given, none included (the
// web's form cleared). ReplyDue gives nothing for an outgoing document.
func TestReplyDue(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	handler, clerk := e.users[workflow.RoleHandler], e.users[workflow.RoleClerk]
	due, given := workflow.NewDate(2026, 12, 31), workflow.NewDate(2027, 1, 15)
	lin := e.draftInput("", "Về việc cần trả lời", minimalPDF)
	od := workflow.NewDate(2026, 11, 20)
	lin.Direction, lin.SignerID, lin.Sender, lin.OriginalNumber, lin.OriginalDate, lin.DueDate = workflow.Incoming, "",
		&workflow.Org{Name: "UBND thành phố Cần Thơ"}, "1/UBND", &od, &due
	letter, err := e.svc.Create(ctx, clerk, lin)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		fromLetter bool
		given      *workflow.Date
		want       string
	}{
		{"from the letter", true, nil, "2026-12-31"},
		{"given wins", true, &given, "2027-01-15"},
		{"none given, not from the letter", false, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := e.draftInput("", "Về việc trả lời", minimalPDF)
			in.RepliesTo, in.DueFromLetter, in.DueDate = letter.ID, tc.fromLetter, tc.given
			reply, err := e.svc.Create(ctx, handler, in)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if reply.DueDate != nil {
				got = reply.DueDate.String()
			}
			if got != tc.want || (reply.DueDate != nil && reply.DueDate == letter.DueDate) {
				t.Errorf("reply's due date %q, want %q (a copy)", got, tc.want)
			}
		})
	}
	if d := workflow.ReplyDue(&workflow.Document{Direction: workflow.Outgoing, DueDate: &due}); d != nil {
		t.Errorf("ReplyDue of an outgoing document: %v", d)
	}
}
