package workflow_test

import (
	"bytes"
	"context"
	"fmt"
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

// TestReplyDefaults: the one rule of what a reply takes from its letter,
// which fills the web's reply form and the API's reply: the letter's
// urgency, confidentiality and due date (a copy, nil when it has none);
// nothing from a document that is no incoming letter.
func TestReplyDefaults(t *testing.T) {
	due := workflow.NewDate(2026, 12, 31)
	for _, tc := range []struct {
		name   string
		letter *workflow.Document
		want   workflow.ReplyFields
	}{
		{"OK/flash secret with due date", &workflow.Document{Direction: workflow.Incoming, Urgency: workflow.UrgencyFlash,
			Confidentiality: workflow.Secret, DueDate: &due}, workflow.ReplyFields{workflow.UrgencyFlash, workflow.Secret, &due}},
		{"OK/urgent confidential", &workflow.Document{Direction: workflow.Incoming, Urgency: workflow.UrgencyUrgent,
			Confidentiality: workflow.Confidential}, workflow.ReplyFields{workflow.UrgencyUrgent, workflow.Confidential, nil}},
		{"OK/normal public", &workflow.Document{Direction: workflow.Incoming, Urgency: workflow.UrgencyNormal,
			Confidentiality: workflow.Public}, workflow.ReplyFields{workflow.UrgencyNormal, workflow.Public, nil}},
		{"outgoing document", &workflow.Document{Direction: workflow.Outgoing, Urgency: workflow.UrgencyFlash,
			Confidentiality: workflow.Secret, DueDate: &due}, workflow.ReplyFields{}},
		{"no letter", nil, workflow.ReplyFields{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := workflow.ReplyDefaults(tc.letter)
			if got.Urgency != tc.want.Urgency || got.Confidentiality != tc.want.Confidentiality || dateOf(got.DueDate) != dateOf(tc.want.DueDate) {
				t.Errorf("ReplyDefaults = %s %s %q, want %s %s %q", got.Urgency, got.Confidentiality, dateOf(got.DueDate),
					tc.want.Urgency, tc.want.Confidentiality, dateOf(tc.want.DueDate))
			}
			if got.DueDate != nil && got.DueDate == tc.letter.DueDate {
				t.Error("the reply's due date is the letter's own, not a copy")
			}
		})
	}
}

// TestReplyTakesFromLetter: a reply created with its urgency and
// confidentiality left out ("": the API's request without them) takes
// the letter's, and its due date too with DueFromLetter (the API's
// due_date left out); each value given wins; one without DueFromLetter
// keeps the due date it was given, none included (the web's form
// cleared). A draft answering nothing is thường, not classified, as
// before. The letter: Hỏa tốc, Mật, due 31/12/2026, assigned to the
// handler (who may then see it).
func TestReplyTakesFromLetter(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	handler, clerk := e.users[workflow.RoleHandler], e.users[workflow.RoleClerk]
	due, given := workflow.NewDate(2026, 12, 31), workflow.NewDate(2027, 1, 15)
	lin := e.draftInput("", "Về việc cần trả lời", minimalPDF)
	od := workflow.NewDate(2026, 11, 20)
	lin.Direction, lin.SignerID, lin.Sender, lin.OriginalNumber, lin.OriginalDate, lin.DueDate = workflow.Incoming, "",
		&workflow.Org{Name: "UBND thành phố Cần Thơ"}, "1/UBND", &od, &due
	lin.Urgency, lin.Confidentiality = workflow.UrgencyFlash, workflow.Confidential
	letter, err := e.svc.Create(ctx, clerk, lin)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []struct {
		a  workflow.Action
		in workflow.ActionInput
	}{{workflow.Register, workflow.ActionInput{}}, {workflow.Assign, workflow.ActionInput{AssigneeID: handler.ID}}} {
		if letter, err = e.svc.Apply(ctx, clerk, letter.ID, st.a, st.in); err != nil {
			t.Fatalf("%s: %v", st.a, err)
		}
	}
	for _, tc := range []struct {
		name       string
		repliesTo  string
		urgency    workflow.Urgency
		conf       workflow.Confidentiality
		fromLetter bool
		given      *workflow.Date
		want       string // urgency confidentiality due
	}{
		{"OK/all from the letter", letter.ID, "", "", true, nil, "flash confidential 2026-12-31"},
		{"OK/given win", letter.ID, workflow.UrgencyUrgent, workflow.Public, true, &given, "urgent normal 2027-01-15"},
		{"OK/urgency given", letter.ID, workflow.UrgencyNormal, "", true, nil, "normal confidential 2026-12-31"},
		{"OK/confidentiality given", letter.ID, "", workflow.Secret, false, nil, "flash secret "},
		{"OK/due date cleared", letter.ID, workflow.UrgencyFlash, workflow.Confidential, false, nil, "flash confidential "},
		{"OK/no letter", "", "", "", true, nil, "normal normal "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := e.draftInput("", "Về việc trả lời", minimalPDF)
			in.RepliesTo, in.Urgency, in.Confidentiality, in.DueFromLetter, in.DueDate = tc.repliesTo, tc.urgency, tc.conf, tc.fromLetter, tc.given
			reply, err := e.svc.Create(ctx, handler, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []*workflow.Document{reply, mustDocument(t, e, reply.ID)} {
				if got := fmt.Sprintf("%s %s %s", d.Urgency, d.Confidentiality, dateOf(d.DueDate)); got != tc.want {
					t.Errorf("reply: %q, want %q", got, tc.want)
				}
			}
			if reply.DueDate != nil && reply.DueDate == letter.DueDate {
				t.Error("the reply's due date is the letter's own, not a copy")
			}
		})
	}
}

// dateOf is d as YYYY-MM-DD, "" for none.
func dateOf(d *workflow.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func mustDocument(t *testing.T, e *env, id string) *workflow.Document {
	t.Helper()
	d, err := e.repo.Document(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
