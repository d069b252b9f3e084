package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// fieldsOf are the fields of every problem in err, in order.
func fieldsOf(err error) []string {
	var out []string
	for _, p := range workflow.Problems(err) {
		out = append(out, p.Field)
	}
	return out
}

// TestCreateReportsEveryProblem: a new document with several fields at
// fault is refused with every one's problem, in the fields' order, the
// first one the one a single-problem check named (ErrorField, Code).
func TestCreateReportsEveryProblem(t *testing.T) {
	e := newEnv(t)
	file := &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}
	handler, clerk := e.users[workflow.RoleHandler], e.users[workflow.RoleClerk]
	day := workflow.NewDate(2026, 11, 20)
	incoming := func(f func(*workflow.CreateInput)) workflow.CreateInput {
		in := workflow.CreateInput{Direction: "incoming", Type: "CV", Subject: "s", Sender: &workflow.Org{Name: "UBND thành phố Cần Thơ"},
			OriginalNumber: "1/UBND", OriginalDate: &day, File: file}
		f(&in)
		return in
	}
	outgoing := func(f func(*workflow.CreateInput)) workflow.CreateInput {
		in := workflow.CreateInput{Direction: "outgoing", Type: "QĐ", Subject: "s", SignerID: "u-officer", File: file}
		f(&in)
		return in
	}
	badDate := workflow.Errorf(workflow.EINVALID, "original_date must be a date like 20/11/2026").On("original_date")
	tests := []struct {
		name   string
		actor  *workflow.User
		in     workflow.CreateInput
		fields []string
	}{
		{"incoming/subject, sender, date", clerk, incoming(func(in *workflow.CreateInput) {
			in.Subject, in.Sender, in.OriginalDate = " ", &workflow.Org{OrgID: "H13", Name: "x"}, nil
		}), []string{"subject", "sender.org_id", "original_date"}},
		{"incoming/date unread first, then the rest", clerk, incoming(func(in *workflow.CreateInput) {
			in.Subject, in.Sender, in.OriginalDate, in.Problems = "", nil, nil, []error{badDate}
		}), []string{"original_date", "subject", "sender.name"}},
		{"incoming/four", clerk, incoming(func(in *workflow.CreateInput) {
			in.Type, in.Urgency, in.OriginalNumber, in.File = "XX", "now", "", nil
		}), []string{"type", "urgency", "file", "original_number"}},
		{"incoming/one problem per field", clerk, incoming(func(in *workflow.CreateInput) {
			in.Subject, in.Notes = "a\x01"+strings.Repeat("b", 600), strings.Repeat("n", workflow.MaxComment+1)
		}), []string{"subject", "notes"}},
		{"outgoing/type, retention, signer", handler, outgoing(func(in *workflow.CreateInput) {
			in.Type, in.Retention, in.SignerID = "XX", "7y", ""
		}), []string{"type", "retention", "signer_id"}},
		{"outgoing/drafting unit, layout, replaces, recipients", handler, outgoing(func(in *workflow.CreateInput) {
			in.DraftingUnit, in.Layout = strings.Repeat("V", 21), &workflow.Layout{Signature: &workflow.Box{W: -1, H: 1}}
			in.Replaces, in.Recipients = "d-nothing", []workflow.Org{{OrgID: "abc", Name: "x"}}
		}), []string{"drafting_unit", "layout.signature", "replaces", "recipients"}},
		{"outgoing/confidentiality, unknown signer", handler, outgoing(func(in *workflow.CreateInput) {
			in.Confidentiality, in.SignerID = "x", "u-nobody"
		}), []string{"confidentiality", "signer_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Create(context.Background(), tt.actor, tt.in)
			if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Fatalf("problems on %q, want %q (%v)", got, tt.fields, err)
			}
			if workflow.ErrorCode(err) != workflow.EINVALID || workflow.ErrorField(err) != tt.fields[0] {
				t.Errorf("first: %s on %q, want invalid on %q", workflow.ErrorCode(err), workflow.ErrorField(err), tt.fields[0])
			}
			for _, p := range workflow.Problems(err) {
				if p.Code != workflow.EINVALID || p.Message == "" {
					t.Errorf("problem %+v: want code invalid and a message", p)
				}
			}
		})
	}
}

// TestImportReportsEveryProblem: Import refuses every text field at
// fault at once.
func TestImportReportsEveryProblem(t *testing.T) {
	e := newEnv(t)
	file := &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}
	tests := []struct {
		name   string
		in     workflow.CreateInput
		fields []string
	}{
		{"subject, number", workflow.CreateInput{Type: "CV", Subject: "", OriginalNumber: strings.Repeat("1", workflow.MaxNotation+1), File: file},
			[]string{"subject", "original_number"}},
		{"subject, number, notes, sender", workflow.CreateInput{Type: "CV", Subject: "a\u202eb", OriginalNumber: "1\x02",
			Notes: strings.Repeat("n", workflow.MaxComment+1), Sender: &workflow.Org{Name: strings.Repeat("ư", workflow.MaxOrgName+1)}, File: file},
			[]string{"subject", "original_number", "notes", "sender.name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Import(context.Background(), e.users[workflow.RoleClerk], tt.in, "import.csv", nil)
			if got := fieldsOf(err); !slices.Equal(got, tt.fields) {
				t.Fatalf("problems on %q, want %q (%v)", got, tt.fields, err)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	a := workflow.Errorf(workflow.EINVALID, "a").On("a")
	b := workflow.Errorf(workflow.EINVALID, "b").On("b")
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"nil", nil, nil},
		{"not ours", context.Canceled, nil},
		{"one", a, []string{"a"}},
		{"joined", errors.Join(a, b), []string{"a", "b"}},
		{"wrapped join", fmt.Errorf("create: %w", errors.Join(a, b)), []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldsOf(tt.err); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestActionReportsEveryProblem: an action's input with several problems
// (the assignment: the due date the caller could not read, the comment,
// the assignee) is refused with every one, in that order, by Apply and
// Precheck alike and without a change; an actor who may not take the
// action learns only of the comment, as before.
func TestActionReportsEveryProblem(t *testing.T) {
	long := strings.Repeat("ý", workflow.MaxComment+1)
	badDate := workflow.Errorf(workflow.EINVALID, "due_date must be a date like 20/11/2026").On("due_date")
	tests := []struct {
		name   string
		actor  workflow.Role
		in     workflow.ActionInput
		fields []string
		code   string
	}{
		{"comment, assignee", workflow.RoleOfficer, workflow.ActionInput{Comment: long}, []string{"comment", "assignee_id"}, workflow.EINVALID},
		{"due date, comment, assignee", workflow.RoleOfficer, workflow.ActionInput{Comment: long, AssigneeID: "u-none", Problems: []error{badDate}},
			[]string{"due_date", "comment", "assignee_id"}, workflow.EINVALID},
		{"due date, assignee not a handler", workflow.RoleClerk, workflow.ActionInput{AssigneeID: "u-clerk", Problems: []error{badDate}},
			[]string{"due_date", "assignee_id"}, workflow.EINVALID},
		{"not allowed: the comment alone", workflow.RoleHandler, workflow.ActionInput{Comment: long}, []string{"comment"}, workflow.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			d := e.walkTo(t, workflow.Incoming, workflow.Registered)
			actor := e.users[tt.actor]
			pre := e.svc.Precheck(context.Background(), actor, d, workflow.Assign, tt.in)
			_, err := e.svc.Apply(context.Background(), actor, d.ID, workflow.Assign, tt.in)
			for name, err := range map[string]error{"Apply": err, "Precheck": pre} {
				if got := fieldsOf(err); !slices.Equal(got, tt.fields) || workflow.ErrorCode(err) != tt.code {
					t.Errorf("%s: %s on %q, want %s on %q (%v)", name, workflow.ErrorCode(err), got, tt.code, tt.fields, err)
				}
			}
			if after, _ := e.svc.Get(context.Background(), e.users[workflow.RoleClerk], d.ID); after.State != workflow.Registered || after.Version != d.Version {
				t.Errorf("refused assignment changed the document: %s v%d", after.State, after.Version)
			}
		})
	}
}

// TestLayoutReportsEveryProblem: a layout with several boxes or blanks
// at fault is refused with each one's problem, in order, one per field.
func TestLayoutReportsEveryProblem(t *testing.T) {
	box := func(page int, w float64) *workflow.Box { return &workflow.Box{Page: page, X: 10, Y: 10, W: w, H: 10} }
	tests := []struct {
		name   string
		l      workflow.Layout
		fields []string
	}{
		{"two boxes", workflow.Layout{Signature: box(1, -1), Number: box(1, 0)}, []string{"layout.signature", "layout.number"}},
		{"a box and its page", workflow.Layout{Number: box(2, 10), Date: box(1, -1)}, []string{"layout.date", "layout.number.page"}},
		{"box, blanks, flags", workflow.Layout{Signature: box(0, -5), DateBlanks: []float64{1, 2}, DateShortYear: true, NumberOnly: true},
			[]string{"layout.signature", "layout.date_blanks", "layout.date_short_year", "layout.number_only"}},
		{"one box at fault once", workflow.Layout{Date: box(3, -1)}, []string{"layout.date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldsOf(tt.l.Validate()); !slices.Equal(got, tt.fields) {
				t.Fatalf("problems on %q, want %q", got, tt.fields)
			}
		})
	}
}

// TestCreateLayoutProblemsEach: a new draft's layout with two boxes at
// fault is two problems of the draft, beside its others.
func TestCreateLayoutProblemsEach(t *testing.T) {
	e := newEnv(t)
	file := &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}
	in := workflow.CreateInput{Direction: "outgoing", Type: "QĐ", Subject: "", SignerID: "u-officer", File: file,
		Layout: &workflow.Layout{Signature: &workflow.Box{W: -1, H: 1}, Number: &workflow.Box{Page: 2, W: 1, H: 1}}}
	_, err := e.svc.Create(context.Background(), e.users[workflow.RoleHandler], in)
	if got, want := fieldsOf(err), []string{"subject", "layout.signature", "layout.number.page"}; !slices.Equal(got, want) {
		t.Fatalf("problems on %q, want %q", got, want)
	}
}
