package workflow_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

type fakeOutbox struct{ n int }

func (o *fakeOutbox) Transitioned(ctx context.Context, tx workflow.Tx, d *workflow.Document, t workflow.Transition, _ *workflow.Event) error {
	if t.Action == workflow.Reject && d.Sender != nil && d.ExternalID != "" {
		return tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverStatus, OrgID: d.Sender.OrgID, StatusCode: "02",
			Description: d.RejectReason})
	}
	if t.Action == workflow.Send {
		o.n++
		for _, r := range d.Recipients {
			if err := tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverDocument, OrgID: r.OrgID}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (o *fakeOutbox) Received(ctx context.Context, tx workflow.Tx, d *workflow.Document) error {
	return tx.EnqueueDelivery(ctx, &workflow.Delivery{DocumentID: d.ID, Kind: workflow.DeliverStatus, OrgID: d.Sender.OrgID, StatusCode: "01"})
}

type env struct {
	svc   *workflow.Service
	repo  *workflowtest.Repository
	users map[workflow.Role]*workflow.User
	other *workflow.User // a second officer and handler: not the named party
	now   time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{repo: workflowtest.NewRepository(), users: map[workflow.Role]*workflow.User{},
		now: time.Date(2026, 11, 25, 10, 0, 0, 0, workflow.Vietnam)}
	e.svc = &workflow.Service{Repo: e.repo, Blobs: workflowtest.TempBlobs(t), Signer: workflowtest.Signer{}, Outbox: &fakeOutbox{},
		Agency: workflow.Agency{OrgID: "000.00.12.H13", Name: "UBND quận Bình Thủy", Abbr: "UBND"},
		Now:    func() time.Time { return e.now }}
	ctx := context.Background()
	err := e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		for _, r := range workflow.Roles {
			u := &workflow.User{ID: "u-" + string(r), Username: string(r), Roles: []workflow.Role{r}}
			e.users[r] = u
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		e.users[workflow.RoleExchange] = workflow.Exchange
		e.other = &workflow.User{ID: "u-other", Username: "other", Roles: []workflow.Role{workflow.RoleOfficer, workflow.RoleHandler}}
		return tx.CreateUser(ctx, e.other)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var minimalPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func (e *env) create(t *testing.T, dir workflow.Direction, conf workflow.Confidentiality) *workflow.Document {
	t.Helper()
	in := workflow.CreateInput{Direction: dir, Type: "QĐ", Subject: "Về việc thử nghiệm Bình Thủy", Confidentiality: conf,
		File: &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}}
	actor := e.users[workflow.RoleHandler]
	if dir == workflow.Outgoing {
		in.SignerID = e.users[workflow.RoleOfficer].ID
		in.Recipients = []workflow.Org{{OrgID: "000.00.31.H13", Name: "UBND phường Long Hòa"}}
	} else {
		actor = e.users[workflow.RoleClerk]
		d := workflow.NewDate(2026, 11, 20)
		in.Sender, in.OriginalNumber, in.OriginalDate = &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}, "125/UBND-VP", &d
	}
	d, err := e.svc.Create(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return d
}

// walkTo moves a fresh document to state s along the happy path.
func (e *env) walkTo(t *testing.T, dir workflow.Direction, s workflow.State) *workflow.Document {
	t.Helper()
	d := e.create(t, dir, workflow.Public)
	path := map[workflow.State][]workflow.Action{
		workflow.Draft: {}, workflow.InReview: {"submit"}, workflow.Approved: {"submit", "approve"},
		workflow.OfficerSigned: {"submit", "approve", "sign"}, workflow.Issued: {"submit", "approve", "sign", "issue"},
		workflow.Sent: {"submit", "approve", "sign", "issue", "send"}, workflow.Received: {},
		workflow.Registered: {"register"}, workflow.Assigned: {"register", "assign"},
		workflow.InProgress: {"register", "assign", "start"}, workflow.Completed: {"register", "assign", "start", "complete"},
		workflow.Rejected: {"reject"},
	}
	if s == workflow.Revoked {
		if dir == workflow.Outgoing {
			path[s] = append(append([]workflow.Action{}, path[workflow.Sent]...), "request_revoke", "accept_revoke")
		} else {
			path[s] = []workflow.Action{"request_revoke", "accept_revoke"}
		}
	}
	if s == workflow.Archived {
		if dir == workflow.Outgoing {
			path[s] = append(path[workflow.Sent], "archive")
		} else {
			path[s] = append(path[workflow.Completed], "archive")
		}
	}
	steps, ok := path[s]
	if !ok {
		t.Fatalf("no path to %s", s)
	}
	for _, a := range steps {
		var err error
		d, err = e.svc.Apply(context.Background(), e.actorFor(d, a), d.ID, a, e.inputFor(a))
		if err != nil {
			t.Fatalf("walk %s to %s: %s: %v", d.ID, s, a, err)
		}
	}
	return d
}

// walkToRow moves a fresh document to where transition tr applies: its
// From state, and a pending revocation when tr needs one.
func (e *env) walkToRow(t *testing.T, dir workflow.Direction, tr workflow.Transition) *workflow.Document {
	t.Helper()
	d := e.walkTo(t, dir, tr.From)
	if tr.If == workflow.RevokePending {
		var err error
		if d, err = e.svc.Apply(context.Background(), e.actorFor(d, workflow.RequestRevoke), d.ID, workflow.RequestRevoke, e.inputFor(workflow.RequestRevoke)); err != nil {
			t.Fatalf("request revocation: %v", err)
		}
	}
	return d
}

func (e *env) actorFor(d *workflow.Document, a workflow.Action) *workflow.User {
	t, _ := workflow.Next(d.Direction, d.State, a)
	switch t.Party {
	case workflow.NamedSigner:
		return e.users[workflow.RoleOfficer]
	case workflow.TheAssignee:
		return e.users[workflow.RoleHandler]
	}
	return e.users[t.Roles[0]]
}

func (e *env) inputFor(a workflow.Action) workflow.ActionInput {
	in := workflow.ActionInput{Comment: "ok"}
	if a == workflow.Assign {
		in.AssigneeID = e.users[workflow.RoleHandler].ID
	}
	return in
}

func TestTransitionsEveryRow(t *testing.T) {
	for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, tr := range workflow.Machine(dir) {
			t.Run(fmt.Sprintf("%s/%s-%s->%s", dir, tr.From, tr.Action, tr.To), func(t *testing.T) {
				e := newEnv(t)
				d := e.walkToRow(t, dir, tr)
				got, err := e.svc.Apply(context.Background(), e.actorFor(d, tr.Action), d.ID, tr.Action, e.inputFor(tr.Action))
				if err != nil {
					t.Fatalf("apply: %v", err)
				}
				if got.State != tr.To || got.Version != d.Version+1 {
					t.Fatalf("state %s version %d, want %s version %d", got.State, got.Version, tr.To, d.Version+1)
				}
				evs, _ := e.repo.Events(context.Background(), d.ID)
				last := evs[len(evs)-1]
				if last.Action != tr.Action || last.From != tr.From || last.To != tr.To {
					t.Fatalf("last event %+v", last)
				}
			})
		}
	}
}

func TestTransitionsIllegalPairs(t *testing.T) {
	for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, s := range workflow.States(dir) {
			for _, a := range workflow.Actions(dir) {
				if _, ok := workflow.Next(dir, s, a); ok {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s-%s", dir, s, a), func(t *testing.T) {
					e := newEnv(t)
					d := e.walkTo(t, dir, s)
					roles := workflow.RolesFor(dir, a)
					actor := &workflow.User{ID: e.users[workflow.RoleOfficer].ID, Roles: roles} // holds every role the action needs
					before, _ := e.repo.Events(context.Background(), d.ID)
					_, err := e.svc.Apply(context.Background(), actor, d.ID, a, e.inputFor(a))
					if workflow.ErrorCode(err) != workflow.EILLEGAL {
						t.Fatalf("got %v, want %s", err, workflow.EILLEGAL)
					}
					after, _ := e.repo.Document(context.Background(), d.ID)
					evs, _ := e.repo.Events(context.Background(), d.ID)
					if after.State != s || after.Version != d.Version || len(evs) != len(before) {
						t.Fatalf("an illegal action changed the document: %s v%d, %d events", after.State, after.Version, len(evs))
					}
				})
			}
		}
	}
}

func TestTransitionsEveryRolePerAction(t *testing.T) {
	for _, dir := range []workflow.Direction{workflow.Outgoing, workflow.Incoming} {
		for _, tr := range workflow.Machine(dir) {
			for _, r := range workflow.Roles {
				t.Run(fmt.Sprintf("%s/%s-%s/%s", dir, tr.From, tr.Action, r), func(t *testing.T) {
					e := newEnv(t)
					d := e.walkToRow(t, dir, tr)
					actor := e.users[r]
					_, err := e.svc.Apply(context.Background(), actor, d.ID, tr.Action, e.inputFor(tr.Action))
					allowed := false
					for _, x := range tr.Roles {
						allowed = allowed || x == r
					}
					if allowed {
						if err != nil {
							t.Fatalf("role %s refused: %v", r, err)
						}
						return
					}
					if workflow.ErrorCode(err) != workflow.EFORBIDDEN {
						t.Fatalf("role %s: got %v, want forbidden", r, err)
					}
				})
			}
		}
	}
}

func TestPartyGuards(t *testing.T) {
	e := newEnv(t)
	draft := e.create(t, workflow.Outgoing, workflow.Public)
	if _, err := e.svc.Apply(context.Background(), e.other, draft.ID, workflow.Submit, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("submit by a handler who does not draft it: %v", err)
	}
	if acts := workflow.AllowedActions(draft, e.other); len(acts) != 0 {
		t.Fatalf("another handler is offered %v on the draft", acts)
	}
	d := e.walkTo(t, workflow.Outgoing, workflow.Approved)
	if _, err := e.svc.Apply(context.Background(), e.other, d.ID, workflow.Sign, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("sign by another officer: %v", err)
	}
	in := e.walkTo(t, workflow.Incoming, workflow.Assigned)
	if _, err := e.svc.Apply(context.Background(), e.other, in.ID, workflow.Start, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("start by another handler: %v", err)
	}
}

func TestWrongRoleBeatsIllegalState(t *testing.T) {
	e := newEnv(t)
	d := e.create(t, workflow.Outgoing, workflow.Public) // draft: issue is illegal here
	_, err := e.svc.Apply(context.Background(), e.users[workflow.RoleHandler], d.ID, workflow.Issue, workflow.ActionInput{})
	if workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("got %v, want forbidden", err)
	}
}

func TestStaleVersionConflict(t *testing.T) {
	e := newEnv(t)
	d := e.create(t, workflow.Outgoing, workflow.Public)
	_, err := e.svc.Apply(context.Background(), e.users[workflow.RoleHandler], d.ID, workflow.Submit, workflow.ActionInput{Version: d.Version + 5})
	if workflow.ErrorCode(err) != workflow.ECONFLICT {
		t.Fatalf("got %v, want conflict", err)
	}
}

func TestSigningNotConfigured(t *testing.T) {
	e := newEnv(t)
	e.svc.Signer = nil
	d := e.walkTo(t, workflow.Outgoing, workflow.Approved)
	_, err := e.svc.Apply(context.Background(), e.users[workflow.RoleOfficer], d.ID, workflow.Sign, workflow.ActionInput{})
	if workflow.ErrorCode(err) != workflow.EUNAVAILABLE || !strings.Contains(err.Error(), "signing is not configured") {
		t.Fatalf("got %v", err)
	}
}

func TestNumberingNotation(t *testing.T) {
	e := newEnv(t)
	a := e.walkTo(t, workflow.Outgoing, workflow.Issued)
	b := e.walkTo(t, workflow.Outgoing, workflow.Issued)
	if a.Notation != "01/QĐ-UBND" || b.Notation != "02/QĐ-UBND" {
		t.Fatalf("notations %q %q", a.Notation, b.Notation)
	}
	if a.Register != workflow.RegisterOutgoing || a.Year != 2026 {
		t.Fatalf("register %s year %d", a.Register, a.Year)
	}
}

func TestNotation(t *testing.T) {
	tests := []struct {
		n          int
		typ        workflow.DocType
		unit, want string
	}{
		{15, "QĐ", "", "15/QĐ-UBND"},
		{3, "TB", "", "03/TB-UBND"},
		{12, "CV", "VP", "12/UBND-VP"},
		{7, "CV", "", "07/UBND"},
		{120, "TTr", "", "120/TTr-UBND"},
	}
	for _, tt := range tests {
		if got := workflow.Notation(tt.n, tt.typ, "UBND", tt.unit); got != tt.want {
			t.Errorf("Notation(%d,%s,%s) = %q, want %q", tt.n, tt.typ, tt.unit, got, tt.want)
		}
	}
}

func TestNumberingYearBoundary(t *testing.T) {
	e := newEnv(t)
	e.now = time.Date(2026, 12, 31, 23, 59, 0, 0, workflow.Vietnam)
	a := e.walkTo(t, workflow.Incoming, workflow.Registered)
	b := e.walkTo(t, workflow.Incoming, workflow.Registered)
	e.now = time.Date(2027, 1, 1, 0, 0, 30, 0, workflow.Vietnam) // 2026-12-31 17:00 UTC: still New Year in Vietnam
	c := e.walkTo(t, workflow.Incoming, workflow.Registered)
	if a.Number != 1 || b.Number != 2 || a.Year != 2026 {
		t.Fatalf("2026: %d %d (%d)", a.Number, b.Number, a.Year)
	}
	if c.Number != 1 || c.Year != 2027 {
		t.Fatalf("2027: number %d year %d, want 1 in 2027", c.Number, c.Year)
	}
}

func TestConfidentialRegisterAndVisibility(t *testing.T) {
	e := newEnv(t)
	conf := e.create(t, workflow.Outgoing, workflow.Confidential)
	if workflow.CanSee(conf, e.users[workflow.RoleArchivist]) {
		t.Fatal("archivist sees a confidential document")
	}
	if !workflow.CanSee(conf, e.users[workflow.RoleHandler]) || !workflow.CanSee(conf, e.users[workflow.RoleOfficer]) || !workflow.CanSee(conf, e.users[workflow.RoleClerk]) {
		t.Fatal("creator, signer or clerk cannot see it")
	}
	if _, err := e.svc.Get(context.Background(), e.other, conf.ID); workflow.ErrorCode(err) != workflow.ENOTFOUND {
		t.Fatalf("other officer: %v", err)
	}
	for _, a := range []workflow.Action{"submit", "approve", "sign", "issue"} {
		var err error
		conf, err = e.svc.Apply(context.Background(), e.actorFor(conf, a), conf.ID, a, workflow.ActionInput{})
		if err != nil {
			t.Fatal(err)
		}
	}
	pub := e.walkTo(t, workflow.Outgoing, workflow.Issued)
	if conf.Register != workflow.RegisterConfidential || conf.Number != 1 || pub.Number != 1 {
		t.Fatalf("confidential %s #%d, public #%d", conf.Register, conf.Number, pub.Number)
	}
}

func TestRegisterInvalidSignatureNeedsOverride(t *testing.T) {
	e := newEnv(t)
	e.svc.Signer = workflowtest.Signer{Verdict: workflow.VerdictInvalid}
	d := e.create(t, workflow.Incoming, workflow.Public)
	clerk := e.users[workflow.RoleClerk]
	_, err := e.svc.Apply(context.Background(), clerk, d.ID, workflow.Register, workflow.ActionInput{})
	if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE {
		t.Fatalf("without override: %v", err)
	}
	got, err := e.svc.Apply(context.Background(), clerk, d.ID, workflow.Register, workflow.ActionInput{Override: true, Comment: "checked by phone with the sender"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != 1 || got.Verification == nil || got.Verification.Verdict != workflow.VerdictInvalid {
		t.Fatalf("%+v", got)
	}
	evs, _ := e.repo.Events(context.Background(), d.ID)
	if evs[len(evs)-1].Data["override"] != "true" {
		t.Fatalf("event does not record the override: %+v", evs[len(evs)-1])
	}
}

// TestRegistrationsNumberedInOrder: registrations one after another take
// 1, 2, 3... The in-memory fake serialises everything behind one mutex, so
// concurrency cannot be tested here; the races are tested on SQLite and
// PostgreSQL by internal/integration's TestIntegrationConcurrentRegistrationsGapless.
func TestRegistrationsNumberedInOrder(t *testing.T) {
	e := newEnv(t)
	for want := 1; want <= 5; want++ {
		d := e.create(t, workflow.Incoming, workflow.Public)
		got, err := e.svc.Apply(context.Background(), e.users[workflow.RoleClerk], d.ID, workflow.Register, workflow.ActionInput{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Number != want {
			t.Fatalf("registration %d got number %d", want, got.Number)
		}
	}
}

func TestAuditChainDetectsEdit(t *testing.T) {
	e := newEnv(t)
	e.walkTo(t, workflow.Outgoing, workflow.Issued)
	r, err := e.svc.VerifyAudit(context.Background())
	if err != nil || !r.OK || r.Events < 5 {
		t.Fatalf("clean chain: %+v %v", r, err)
	}
	var evs []workflow.Event
	_ = e.repo.WalkEvents(context.Background(), func(ev workflow.Event) error { evs = append(evs, ev); return nil })
	ev := evs[2]
	ev.Comment = "forged"
	e.repo.SetEvent(2, ev)
	r, _ = e.svc.VerifyAudit(context.Background())
	if r.OK || r.FirstBroken == nil || r.FirstBroken.Seq != evs[2].Seq {
		t.Fatalf("edited event not named: %+v", r)
	}
}

// TestCreateValidation: each refused input has its code and names the
// field at fault as the API names it (Error.Field), which the API's JSON
// and the web forms show it beside.
func TestCreateValidation(t *testing.T) {
	e := newEnv(t)
	file := &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}
	handler, clerk := e.users[workflow.RoleHandler], e.users[workflow.RoleClerk]
	day := workflow.NewDate(2026, 11, 20)
	sender := &workflow.Org{Name: "UBND thành phố Cần Thơ"}
	incoming := func(f func(*workflow.CreateInput)) workflow.CreateInput {
		in := workflow.CreateInput{Direction: "incoming", Type: "CV", Subject: "s", Sender: sender, OriginalNumber: "1/UBND", OriginalDate: &day, File: file}
		f(&in)
		return in
	}
	outgoing := func(f func(*workflow.CreateInput)) workflow.CreateInput {
		in := workflow.CreateInput{Direction: "outgoing", Type: "QĐ", Subject: "s", SignerID: "u-officer", File: file}
		f(&in)
		return in
	}
	tests := []struct {
		name  string
		actor *workflow.User
		in    workflow.CreateInput
		code  string
		field string
	}{
		{"ErrBadType", handler, outgoing(func(in *workflow.CreateInput) { in.Type = "XX" }), workflow.EINVALID, "type"},
		{"ErrNoSubject", handler, outgoing(func(in *workflow.CreateInput) { in.Subject = " " }), workflow.EINVALID, "subject"},
		{"ErrLongSubject", handler, outgoing(func(in *workflow.CreateInput) { in.Subject = strings.Repeat("ă", 501) }), workflow.EINVALID, "subject"},
		{"ErrBadUrgency", handler, outgoing(func(in *workflow.CreateInput) { in.Urgency = "now" }), workflow.EINVALID, "urgency"},
		{"ErrBadConfidentiality", handler, outgoing(func(in *workflow.CreateInput) { in.Confidentiality = "x" }), workflow.EINVALID, "confidentiality"},
		{"ErrBadRetention", handler, outgoing(func(in *workflow.CreateInput) { in.Retention = "7y" }), workflow.EINVALID, "retention"},
		{"ErrLongDraftingUnit", handler, outgoing(func(in *workflow.CreateInput) { in.DraftingUnit = strings.Repeat("V", 21) }), workflow.EINVALID, "drafting_unit"},
		{"ErrLongNotes", handler, outgoing(func(in *workflow.CreateInput) { in.Notes = strings.Repeat("n", workflow.MaxComment+1) }), workflow.EINVALID, "notes"},
		{"ErrNoSigner", handler, outgoing(func(in *workflow.CreateInput) { in.SignerID = "" }), workflow.EINVALID, "signer_id"},
		{"ErrUnknownSigner", handler, outgoing(func(in *workflow.CreateInput) { in.SignerID = "u-nobody" }), workflow.EINVALID, "signer_id"},
		{"ErrSignerNotOfficer", handler, outgoing(func(in *workflow.CreateInput) { in.SignerID = "u-clerk" }), workflow.EINVALID, "signer_id"},
		{"ErrBadRecipient", handler, outgoing(func(in *workflow.CreateInput) { in.Recipients = []workflow.Org{{OrgID: "abc"}} }), workflow.EINVALID, "recipients"},
		{"ErrBadLayout", handler, outgoing(func(in *workflow.CreateInput) { in.Layout = &workflow.Layout{Signature: &workflow.Box{W: -1, H: 1}} }), workflow.EINVALID, "layout.signature"},
		{"ErrDateNotOnPage1", handler, outgoing(func(in *workflow.CreateInput) { in.Layout = &workflow.Layout{Date: &workflow.Box{Page: 2, W: 1, H: 1}} }), workflow.EINVALID, "layout.date.page"},
		{"ErrUnknownReplaced", handler, outgoing(func(in *workflow.CreateInput) { in.Replaces = "d-nothing" }), workflow.EINVALID, "replaces"},
		{"ErrClerkDraftsOutgoing", clerk, outgoing(func(*workflow.CreateInput) {}), workflow.EFORBIDDEN, ""},
		{"ErrHandlerReceives", handler, incoming(func(*workflow.CreateInput) {}), workflow.EFORBIDDEN, ""},
		{"ErrNoSender", clerk, incoming(func(in *workflow.CreateInput) { in.Sender = nil }), workflow.EINVALID, "sender.name"},
		{"ErrLongSenderName", clerk, incoming(func(in *workflow.CreateInput) { in.Sender = &workflow.Org{Name: strings.Repeat("ư", 501)} }), workflow.EINVALID, "sender.name"},
		{"ErrBadSenderCode", clerk, incoming(func(in *workflow.CreateInput) { in.Sender = &workflow.Org{OrgID: "H13", Name: "x"} }), workflow.EINVALID, "sender.org_id"},
		{"ErrNoOriginalNumber", clerk, incoming(func(in *workflow.CreateInput) { in.OriginalNumber = "" }), workflow.EINVALID, "original_number"},
		{"ErrNoOriginalDate", clerk, incoming(func(in *workflow.CreateInput) { in.OriginalDate = nil }), workflow.EINVALID, "original_date"},
		{"ErrNoFile", handler, outgoing(func(in *workflow.CreateInput) { in.File = nil }), workflow.EINVALID, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Create(context.Background(), tt.actor, tt.in)
			if workflow.ErrorCode(err) != tt.code || workflow.ErrorField(err) != tt.field {
				t.Fatalf("got %v (field %q), want %s on %q", err, workflow.ErrorField(err), tt.code, tt.field)
			}
		})
	}
}

func TestReceiveIdempotentAndRejectsInvalid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := workflow.NewDate(2026, 11, 20)
	in := workflow.ReceiveInput{ExternalID: "000.00.00.H13,2026/11/20,125/UBND-VP", CreateInput: workflow.CreateInput{
		Type: "CV", Subject: "Công văn liên thông", Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
		OriginalNumber: "125/UBND-VP", OriginalDate: &d,
		File: &workflow.Upload{Name: "a.pdf", Size: int64(len(minimalPDF)), Content: bytes.NewReader(minimalPDF)}}}
	first, created, err := e.svc.Receive(ctx, in)
	if err != nil || !created || first.State != workflow.Received {
		t.Fatalf("first: %v %v %+v", created, err, first)
	}
	again, created, err := e.svc.Receive(ctx, in)
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("redelivery created a document: %v %v", created, err)
	}
	e.svc.Signer = workflowtest.Signer{Verdict: workflow.VerdictInvalid}
	in.ExternalID = "000.00.00.H13,2026/11/20,126/UBND-VP"
	bad, _, err := e.svc.Receive(ctx, in)
	if err != nil || bad.State != workflow.Rejected || !strings.Contains(bad.RejectReason, "invalid signature") || bad.Notes != "" {
		t.Fatalf("invalid: %v %+v", err, bad)
	}
	dl := e.repo.Deliveries
	if len(dl) != 2 || dl[0].StatusCode != "01" || dl[1].StatusCode != "02" || dl[1].Description != bad.RejectReason {
		t.Fatalf("status messages queued: %+v", dl)
	}
	// The rejection on receipt is the machine's reject row, by the exchange.
	evs, _ := e.repo.Events(ctx, bad.ID)
	if len(evs) < 2 || evs[0].Kind != workflow.EventCreate || evs[0].To != workflow.Received {
		t.Fatalf("events %+v", evs)
	}
	last := evs[len(evs)-1]
	if last.Kind != workflow.EventTransition || last.Action != workflow.Reject || last.Actor != workflow.Exchange.ID ||
		last.From != workflow.Received || last.To != workflow.Rejected || last.Comment != bad.RejectReason {
		t.Fatalf("rejection event %+v", last)
	}
}

// TestRevocationConditions: accept_revoke and refuse_revoke need a pending
// request, and request_revoke needs none pending (409 otherwise, nothing
// changes); no user may act as the exchange.
func TestRevocationConditions(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	clerk := e.users[workflow.RoleClerk]
	in := e.walkTo(t, workflow.Incoming, workflow.Registered)
	for _, a := range []workflow.Action{workflow.AcceptRevoke, workflow.RefuseRevoke} {
		if _, err := e.svc.Apply(ctx, clerk, in.ID, a, workflow.ActionInput{Comment: "x"}); workflow.ErrorCode(err) != workflow.EILLEGAL {
			t.Fatalf("%s with nothing pending: %v", a, err)
		}
	}
	if _, err := e.svc.Apply(ctx, clerk, in.ID, workflow.RequestRevoke, workflow.ActionInput{Comment: "x"}); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("a clerk records the sender's request: %v", err)
	}
	d, err := e.svc.Apply(ctx, workflow.Exchange, in.ID, workflow.RequestRevoke, workflow.ActionInput{Comment: "Ban hành nhầm"})
	if err != nil || d.State != workflow.Registered || d.RevokeState != workflow.RevokeRequested || d.RevokeReason != "Ban hành nhầm" {
		t.Fatalf("request: %v %+v", err, d)
	}
	if _, err := e.svc.Apply(ctx, workflow.Exchange, in.ID, workflow.RequestRevoke, workflow.ActionInput{Comment: "again"}); workflow.ErrorCode(err) != workflow.EILLEGAL {
		t.Fatalf("second request: %v", err)
	}
	if _, err := e.svc.Apply(ctx, clerk, in.ID, workflow.RefuseRevoke, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("refusal without a reason: %v", err)
	}
	d, err = e.svc.Apply(ctx, clerk, in.ID, workflow.RefuseRevoke, workflow.ActionInput{Comment: "Đã thi hành"})
	if err != nil || d.State != workflow.Registered || d.RevokeState != workflow.RevokeRefused || d.RevokeAnswer != "Đã thi hành" {
		t.Fatalf("refuse: %v %+v", err, d)
	}
	if acts := workflow.AllowedActions(d, clerk); strings.Contains(fmt.Sprint(acts), "revoke") {
		t.Fatalf("clerk may still %v", acts)
	}
	if workflow.RoleExchange.Valid() {
		t.Fatal("a user could be given the exchange's role")
	}
}

type unreadableSigner struct{ workflowtest.Signer }

func (unreadableSigner) Verify(context.Context, []byte) (workflow.Verification, error) {
	return workflow.Verification{}, workflow.Errorf(workflow.EUNPROCESSABLE, "damaged cross-reference data")
}

func TestRegisterWhenSignaturesCannotBeChecked(t *testing.T) {
	e := newEnv(t)
	e.svc.Signer = unreadableSigner{}
	d := e.create(t, workflow.Incoming, workflow.Public)
	got, err := e.svc.Apply(context.Background(), e.users[workflow.RoleClerk], d.ID, workflow.Register, workflow.ActionInput{})
	if err != nil {
		t.Fatalf("registration blocked by the verifier: %v", err)
	}
	if got.Verification == nil || got.Verification.Verdict != workflow.VerdictIndeterminate || !strings.Contains(got.Verification.Reasons[0], "damaged") {
		t.Fatalf("verification %+v", got.Verification)
	}
}

// TestConfidentialIncomingRegister: a classified incoming document is
// numbered in a register of its own, which only clerks and admins see, so
// the incoming register stays gapless for everyone; a classified row left
// in the incoming register (numbered before that register existed) is
// shown only to those who may see the document.
func TestConfidentialIncomingRegister(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk, officer := e.users[workflow.RoleClerk], e.other
	register := func(d *workflow.Document) *workflow.Document {
		t.Helper()
		d, err := e.svc.Apply(ctx, clerk, d.ID, workflow.Register, workflow.ActionInput{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	pub1 := register(e.create(t, workflow.Incoming, workflow.Public))
	sec := register(e.create(t, workflow.Incoming, workflow.Secret))
	pub2 := register(e.create(t, workflow.Incoming, workflow.Public))
	if sec.Register != workflow.RegisterConfidentialIncoming || sec.Number != 1 ||
		pub1.Register != workflow.RegisterIncoming || pub1.Number != 1 || pub2.Number != 2 {
		t.Fatalf("secret %s #%d, public %s #%d and #%d", sec.Register, sec.Number, pub1.Register, pub1.Number, pub2.Number)
	}
	year := workflow.RegisterYear(e.now)
	if _, err := e.svc.Register(ctx, officer, workflow.RegisterConfidentialIncoming, year); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("officer reads the confidential incoming register: %v", err)
	}
	got, err := e.svc.Register(ctx, clerk, workflow.RegisterConfidentialIncoming, year)
	if err != nil || len(got) != 1 || got[0].ID != sec.ID {
		t.Fatalf("clerk's confidential incoming register: %v %v", got, err)
	}

	// A legacy row: a secret incoming document numbered in "incoming".
	legacy := e.create(t, workflow.Incoming, workflow.Secret)
	err = e.repo.Atomic(ctx, func(ctx context.Context, tx workflow.Tx) error {
		d, err := tx.LockDocument(ctx, legacy.ID)
		if err != nil {
			return err
		}
		prev := d.Version
		d.State, d.Register, d.Year, d.Number, d.Version = workflow.Registered, workflow.RegisterIncoming, year, 3, d.Version+1
		return tx.UpdateDocument(ctx, d, prev)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		who  *workflow.User
		want []string
	}{
		{officer, []string{pub1.ID, pub2.ID}},
		{e.users[workflow.RoleArchivist], []string{pub1.ID, pub2.ID}},
		{clerk, []string{pub1.ID, pub2.ID, legacy.ID}},
		{e.users[workflow.RoleAdmin], []string{pub1.ID, pub2.ID, legacy.ID}},
	} {
		docs, err := e.svc.Register(ctx, tt.who, workflow.RegisterIncoming, year)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range docs {
			ids = append(ids, d.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
			t.Errorf("%s's incoming register: %v, want %v", tt.who.Username, ids, tt.want)
		}
	}
}

// TestNotFoundSameForHiddenAndMissing: the service's answer for a document
// the actor may not see is the same error as for one that does not exist.
func TestNotFoundSameForHiddenAndMissing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sec := e.create(t, workflow.Incoming, workflow.Secret)
	missing := workflow.NewID(e.now)
	for _, call := range []struct {
		name string
		fn   func(id string) error
	}{
		{"Get", func(id string) error { _, err := e.svc.Get(ctx, e.other, id); return err }},
		{"Events", func(id string) error { _, err := e.svc.Events(ctx, e.other, id); return err }},
		{"OpenFile", func(id string) error { _, _, _, err := e.svc.OpenFile(ctx, e.other, id, ""); return err }},
		{"Apply", func(id string) error {
			_, err := e.svc.Apply(ctx, e.other, id, workflow.Assign, workflow.ActionInput{AssigneeID: e.other.ID})
			return err
		}},
		// The defaults (no layout): no PDF read before the transaction,
		// whose own answers differed ("document X not found" against the
		// store's "lock document X: not found").
		{"SetLayout", func(id string) error { _, err := e.svc.SetLayout(ctx, e.other, id, 0, nil); return err }},
	} {
		hidden, absent := call.fn(sec.ID), call.fn(missing)
		if workflow.ErrorCode(hidden) != workflow.ENOTFOUND || workflow.ErrorCode(absent) != workflow.ENOTFOUND ||
			workflow.ErrorMessage(hidden) != workflow.ErrorMessage(absent) {
			t.Errorf("%s: hidden %v, nonexistent %v", call.name, hidden, absent)
		}
	}
}

// TestIssueOnlyWhenValid: issue completes only when the verifier calls
// the issued file valid; anything else rolls back with the reason and the
// register number stays free for the next document.
func TestIssueOnlyWhenValid(t *testing.T) {
	for _, verdict := range []string{workflow.VerdictInvalid, workflow.VerdictIndeterminate, workflow.VerdictUnsigned} {
		t.Run(verdict, func(t *testing.T) {
			e := newEnv(t)
			d := e.walkTo(t, workflow.Outgoing, workflow.OfficerSigned)
			e.svc.Signer = workflowtest.Signer{Verdict: verdict}
			_, err := e.svc.Apply(context.Background(), e.users[workflow.RoleClerk], d.ID, workflow.Issue, workflow.ActionInput{})
			if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || !strings.Contains(err.Error(), verdict) || !strings.Contains(err.Error(), "fake "+verdict) {
				t.Fatalf("issue with verdict %s: %v", verdict, err)
			}
			got, err := e.svc.Get(context.Background(), e.users[workflow.RoleClerk], d.ID)
			if err != nil || got.State != workflow.OfficerSigned || got.Number != 0 {
				t.Fatalf("after the refused issue: %v state %s number %d", err, got.State, got.Number)
			}
			e.svc.Signer = workflowtest.Signer{}
			got, err = e.svc.Apply(context.Background(), e.users[workflow.RoleClerk], d.ID, workflow.Issue, workflow.ActionInput{})
			if err != nil || got.State != workflow.Issued || got.Number != 1 {
				t.Fatalf("issue once valid: %v %+v", err, got)
			}
		})
	}
}

// TestIssueWhileRevocationUnavailable: a verification that is
// indeterminate only because the revocation service did not answer is an
// outage (EUNAVAILABLE, 503), not a refusal of the document; the number
// stays free and the issue succeeds when it is tried again.
func TestIssueWhileRevocationUnavailable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	clerk := e.users[workflow.RoleClerk]
	d := e.walkTo(t, workflow.Outgoing, workflow.OfficerSigned)
	e.svc.Signer = workflowtest.Signer{Verdict: workflow.VerdictIndeterminate, Unavailable: true}
	_, err := e.svc.Apply(ctx, clerk, d.ID, workflow.Issue, workflow.ActionInput{})
	if workflow.ErrorCode(err) != workflow.EUNAVAILABLE || !strings.Contains(err.Error(), "fake indeterminate") {
		t.Fatalf("issue while the revocation service is down: %v (code %s), want %s", err, workflow.ErrorCode(err), workflow.EUNAVAILABLE)
	}
	got, err := e.svc.Get(ctx, clerk, d.ID)
	if err != nil || got.State != workflow.OfficerSigned || got.Number != 0 {
		t.Fatalf("after the outage: %v state %s number %d", err, got.State, got.Number)
	}
	e.svc.Signer = workflowtest.Signer{}
	if got, err = e.svc.Apply(ctx, clerk, d.ID, workflow.Issue, workflow.ActionInput{}); err != nil || got.State != workflow.Issued || got.Number != 1 {
		t.Fatalf("issue once the service answers: %v %+v", err, got)
	}
}

// TestWorkPendingRevocation: a document waits for the clerk's answer to a
// revocation only while one is pending (not every sent or received
// document), and the inbox total counts it once.
func TestWorkPendingRevocation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	clerk := e.users[workflow.RoleClerk]
	quiet := e.walkTo(t, workflow.Incoming, workflow.Completed)
	asked := e.walkTo(t, workflow.Incoming, workflow.Completed)
	inProgress := e.walkTo(t, workflow.Incoming, workflow.InProgress)
	e.walkTo(t, workflow.Outgoing, workflow.Sent)
	for _, id := range []string{asked.ID, inProgress.ID} {
		if _, err := e.svc.Apply(ctx, workflow.Exchange, id, workflow.RequestRevoke, workflow.ActionInput{Comment: "Ban hành nhầm"}); err != nil {
			t.Fatal(err)
		}
	}
	docs, tabs, total, err := e.svc.Work(ctx, clerk, workflow.AcceptRevoke, 50)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	if len(ids) != 2 || slices.Contains(ids, quiet.ID) {
		t.Fatalf("waiting for accept_revoke: %v (quiet %s)", ids, quiet.ID)
	}
	for _, tab := range tabs {
		if tab.Action == workflow.RequestRevoke || tab.Action == workflow.RefuseRevoke {
			t.Errorf("tab %s", tab.Action)
		}
	}
	// archive: quiet and asked (completed) and the sent one; accept_revoke:
	// asked (counted there already) and inProgress.
	if total != 4 {
		t.Fatalf("total %d, want 4 (tabs %+v)", total, tabs)
	}
}

// readCounter counts the document reads made outside a transaction.
type readCounter struct {
	*workflowtest.Repository
	reads int
}

func (r *readCounter) Document(ctx context.Context, id string) (*workflow.Document, error) {
	r.reads++
	return r.Repository.Document(ctx, id)
}

// TestApplyWithoutPrework: an action with no work before its transaction
// reads the document once, locked in the transaction, and answers as one
// read first: the same error for a document the actor may not see as for
// a missing one, nothing changed on a refusal.
func TestApplyWithoutPrework(t *testing.T) {
	e := newEnv(t)
	rc := &readCounter{Repository: e.repo}
	e.svc.Repo = rc
	ctx := context.Background()
	d := e.create(t, workflow.Outgoing, workflow.Confidential)
	rc.reads = 0
	_, hidden := e.svc.Apply(ctx, e.other, d.ID, workflow.Submit, workflow.ActionInput{})
	_, missing := e.svc.Apply(ctx, e.other, "no-such-document", workflow.Submit, workflow.ActionInput{})
	if hidden == nil || missing == nil || hidden.Error() != missing.Error() || workflow.ErrorCode(hidden) != workflow.ENOTFOUND {
		t.Fatalf("submit by another handler: %v; of a missing document: %v; want the same not-found answer", hidden, missing)
	}
	if _, err := e.svc.Apply(ctx, e.users[workflow.RoleOfficer], d.ID, workflow.Approve, workflow.ActionInput{}); workflow.ErrorCode(err) != workflow.EILLEGAL {
		t.Fatalf("approve a draft: %v, want %s", err, workflow.EILLEGAL)
	}
	got, err := e.svc.Apply(ctx, e.users[workflow.RoleHandler], d.ID, workflow.Submit, workflow.ActionInput{Version: d.Version})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != workflow.InReview || got.Version != d.Version+1 {
		t.Fatalf("after submit: %s v%d, want in_review v%d (the refusals changed nothing)", got.State, got.Version, d.Version+1)
	}
	if rc.reads != 0 {
		t.Errorf("%d document reads outside the transaction, want 0", rc.reads)
	}
}
