package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

func TestTargets(t *testing.T) {
	d := &workflow.Document{ID: "d-1", Direction: workflow.Outgoing, State: workflow.Issued, SignerID: "u-signer", CreatedBy: "u-drafter",
		AssigneeID: "u-old"}
	tr := func(a workflow.Action, actor string, data map[string]string) workflow.Event {
		return workflow.Event{Kind: workflow.EventTransition, Action: a, Actor: actor, DocumentID: "d-1", Data: data}
	}
	user := func(id string, roles ...workflow.Role) *workflow.User { return &workflow.User{ID: id, Roles: roles} }
	gone := user("u-clerk-gone", workflow.RoleClerk)
	gone.Disabled = true
	users := []*workflow.User{user("u-signer", workflow.RoleOfficer), user("u-drafter", workflow.RoleHandler),
		user("u-clerk", workflow.RoleClerk), user("u-admin", workflow.RoleAdmin), gone, user("u-clerk2", workflow.RoleHandler, workflow.RoleClerk)}
	moved := func(st workflow.State, to string) workflow.Event {
		return workflow.Event{Kind: workflow.EventReassigned, Actor: "u-admin", DocumentID: "d-1",
			Data: map[string]string{"role": "officer", "from": "u-signer", "to": to, "state": string(st)}}
	}
	redrafted := func(to string) workflow.Event {
		return workflow.Event{Kind: workflow.EventReassigned, Actor: "u-admin", DocumentID: "d-1",
			Data: map[string]string{"role": "handler", "party": "drafter", "from": "u-drafter", "to": to, "state": string(workflow.Draft)}}
	}
	signed := tr(workflow.Sign, "u-signer", nil)
	signed.From, signed.To = workflow.Approved, workflow.OfficerSigned
	refused := *workflow.DeliveryRefused(workflow.Delivery{DocumentID: "d-1", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13"}, "02", "Sai địa chỉ", time.Now())
	for _, c := range []struct {
		name string
		e    workflow.Event
		want []Target
	}{
		{"submit tells the signer", tr(workflow.Submit, "u-drafter", nil), []Target{{"u-signer", ToApprove}}},
		{"approve by another official tells the signer", tr(workflow.Approve, "u-deputy", nil), []Target{{"u-signer", ToSign}}},
		{"approve by the signer tells nobody", tr(workflow.Approve, "u-signer", nil), nil},
		{"return tells the drafter", tr(workflow.Return, "u-signer", nil), []Target{{"u-drafter", Returned}}},
		{"assign tells the assignee the event names", tr(workflow.Assign, "u-clerk", map[string]string{"assignee_id": "u-new"}), []Target{{"u-new", Assigned}}},
		{"assign to oneself tells nobody", tr(workflow.Assign, "u-new", map[string]string{"assignee_id": "u-new"}), nil},
		// As the signature left it (officer_signed), though issued since.
		{"sign tells the clerks who can issue, not a disabled one", signed, []Target{{"u-clerk", ToIssue}, {"u-clerk2", ToIssue}}},
		{"sign by a clerk-official tells the other clerks", func() workflow.Event { e := signed; e.Actor = "u-clerk2"; return e }(), []Target{{"u-clerk", ToIssue}}},
		{"issue tells nobody", tr(workflow.Issue, "u-clerk", nil), nil},
		{"a refused delivery tells the clerks", refused, []Target{{"u-clerk", DeliveryRefused}, {"u-clerk2", DeliveryRefused}}},
		{"passed on in review tells the new signer, as a submit", moved(workflow.InReview, "u-deputy"), []Target{{"u-deputy", ToApprove}}},
		{"passed on approved tells the new signer, as an approval", moved(workflow.Approved, "u-deputy"), []Target{{"u-deputy", ToSign}}},
		{"passed on assigned tells the new assignee", moved(workflow.Assigned, "u-new"), []Target{{"u-new", Assigned}}},
		{"passed on in progress tells the new assignee", moved(workflow.InProgress, "u-new"), []Target{{"u-new", Assigned}}},
		{"a draft passed on tells nobody: nothing waits for the signer yet", moved(workflow.Draft, "u-deputy"), nil},
		{"a draft passed to a new drafter tells her", redrafted("u-h2"), []Target{{"u-h2", Redrafted}}},
		{"a draft passed to the actor tells nobody", redrafted("u-admin"), nil},
		{"passed on to the actor tells nobody", moved(workflow.Assigned, "u-admin"), nil},
		{"a comment tells nobody", workflow.Event{Kind: workflow.EventComment, Action: workflow.Submit, Actor: "u-x"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Targets(c.e, d, users); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Targets = %v, want %v", got, c.want)
			}
			if want := c.e.Kind == workflow.EventDeliveryRefused || c.e.Action == workflow.Sign; NeedsUsers(c.e) != want {
				t.Errorf("NeedsUsers = %v, want %v", !want, want)
			}
		})
	}
	if got := Targets(tr(workflow.Submit, "u-drafter", nil), &workflow.Document{CreatedBy: "u-drafter"}, users); got != nil {
		t.Errorf("a draft with no signer: Targets = %v, want none", got)
	}
	in := &workflow.Document{ID: "d-2", Direction: workflow.Incoming, State: workflow.Received}
	if got := Targets(signed, in, users); got != nil {
		t.Errorf("a sign that leaves nothing to issue: Targets = %v, want none", got)
	}
}

func TestCompose(t *testing.T) {
	actor := &workflow.User{Username: "tp", FullName: "Trần Văn Phúc"}
	d := &workflow.Document{ID: "d-7", Type: "QĐ", Notation: "05/QĐ-UBND", Subject: "Về việc\nthành lập tổ công tác",
		Confidentiality: workflow.Public}
	m := Compose(ToSign, d, actor, workflow.Event{}, "https://vanthu.example.gov.vn/")
	if want := "[vanthu] Văn bản chờ ký: Quyết định số 05/QĐ-UBND — Về việc thành lập tổ công tác"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	for _, s := range []string{"Loại văn bản: Quyết định\n", "Số, ký hiệu: 05/QĐ-UBND\n", "Trích yếu: Về việc thành lập tổ công tác\n",
		"Người thực hiện: Trần Văn Phúc\n", "Xem văn bản: https://vanthu.example.gov.vn/documents/d-7\n"} {
		if !strings.Contains(m.Body, s) {
			t.Errorf("body lacks %q:\n%s", s, m.Body)
		}
	}

	secret := *d
	secret.Confidentiality = workflow.Confidential
	secret.Notation = ""
	m = Compose(Returned, &secret, actor, workflow.Event{Comment: "Sai thể thức: thiếu nơi nhận"}, "https://x")
	if want := "[vanthu] Dự thảo bị trả lại: Quyết định"; m.Subject != want {
		t.Errorf("confidential subject %q, want %q", m.Subject, want)
	}
	for _, leak := range []string{"thành lập", "tổ công tác", "Sai thể thức"} {
		if strings.Contains(m.Subject+m.Body, leak) {
			t.Errorf("a confidential document's mail says %q:\n%s\n%s", leak, m.Subject, m.Body)
		}
	}
	if !strings.Contains(m.Body, "văn bản mật") || !strings.Contains(m.Body, "https://x/documents/d-7") {
		t.Errorf("confidential body:\n%s", m.Body)
	}

	in := &workflow.Document{ID: "d-8", Direction: workflow.Incoming, Type: "CV", OriginalNumber: "125/UBND-VP", Number: 42,
		Subject: "Về việc tổng kết năm", Sender: &workflow.Org{Name: "UBND thành phố Cần Thơ"}}
	m = Compose(Assigned, in, actor, workflow.Event{}, "")
	if want := "[vanthu] Văn bản được giao xử lý: Công văn số 125/UBND-VP — Về việc tổng kết năm"; m.Subject != want {
		t.Errorf("incoming subject %q, want %q", m.Subject, want)
	}
	for _, s := range []string{"Cơ quan gửi: UBND thành phố Cần Thơ\n", "Số đến: 42\n", "Số, ký hiệu: 125/UBND-VP\n"} {
		if !strings.Contains(m.Body, s) {
			t.Errorf("incoming body lacks %q:\n%s", s, m.Body)
		}
	}

	m = Compose(Returned, d, nil, workflow.Event{Comment: "Sai thể thức"}, "")
	if !strings.Contains(m.Body, "Lý do: Sai thể thức\n") || strings.Contains(m.Body, "Xem văn bản") || strings.Contains(m.Body, "Người thực hiện") {
		t.Errorf("a return without a public URL nor actor:\n%s", m.Body)
	}
}

func TestComposeClerks(t *testing.T) {
	d := &workflow.Document{ID: "d-9", Type: "CV", Notation: "12/UBND-VP", Subject: "Về việc báo cáo quý IV", Confidentiality: workflow.Public}
	refused := *workflow.DeliveryRefused(workflow.Delivery{DocumentID: "d-9", Kind: workflow.DeliverDocument, OrgID: "000.00.31.H13",
		OrgName: "UBND phường Long Hòa"}, "02", "Không đúng thẩm quyền", time.Now())
	for _, c := range []struct {
		name    string
		r       Reason
		e       workflow.Event
		conf    workflow.Confidentiality
		subject string
		body    []string
		never   []string
	}{
		{"to issue", ToIssue, workflow.Event{Kind: workflow.EventTransition, Action: workflow.Sign}, workflow.Public,
			"[vanthu] Văn bản chờ cấp số và đóng dấu: Công văn số 12/UBND-VP — Về việc báo cáo quý IV",
			[]string{"Văn bản chờ cấp số và đóng dấu.\n", "Trích yếu: Về việc báo cáo quý IV\n", "https://x/documents/d-9\n"}, nil},
		{"refused", DeliveryRefused, refused, workflow.Public,
			"[vanthu] Văn bản gửi liên thông bị từ chối: Công văn số 12/UBND-VP — Về việc báo cáo quý IV",
			[]string{"Cơ quan nhận: UBND phường Long Hòa (000.00.31.H13)\n", "Nội dung gửi: văn bản\n", "Lý do: Không đúng thẩm quyền\n"}, nil},
		{"classified to issue", ToIssue, workflow.Event{Kind: workflow.EventTransition, Action: workflow.Sign}, workflow.Secret,
			"[vanthu] Văn bản chờ cấp số và đóng dấu: Công văn số 12/UBND-VP", []string{"văn bản mật"}, []string{"báo cáo quý"}},
		{"classified refused", DeliveryRefused, refused, workflow.Secret,
			"[vanthu] Văn bản gửi liên thông bị từ chối: Công văn số 12/UBND-VP", []string{"Cơ quan nhận: UBND phường Long Hòa"},
			[]string{"báo cáo quý", "thẩm quyền", "Lý do"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dd := *d
			dd.Confidentiality = c.conf
			m := Compose(c.r, &dd, nil, c.e, "https://x")
			if m.Subject != c.subject {
				t.Errorf("subject %q, want %q", m.Subject, c.subject)
			}
			for _, s := range c.body {
				if !strings.Contains(m.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, m.Body)
				}
			}
			for _, s := range c.never {
				if strings.Contains(m.Subject+m.Body, s) {
					t.Errorf("mail says %q:\n%s\n%s", s, m.Subject, m.Body)
				}
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n     int
		first time.Duration
		want  time.Duration
	}{
		{1, 0, 30 * time.Second}, {2, 0, time.Minute}, {3, 0, 2 * time.Minute}, {8, 0, time.Hour}, {50, 0, time.Hour},
		{1, time.Second, time.Second}, {4, time.Second, 8 * time.Second},
	} {
		if got := Backoff(c.n, c.first); got != c.want {
			t.Errorf("Backoff(%d, %v) = %v, want %v", c.n, c.first, got, c.want)
		}
	}
}

// TestRefusedOnlySMTPAnswers: what is not go-mail's report of a 5xx to
// RCPT or DATA is not final — an error that merely reads like one, a
// connection refused, a context ended (the 5xx itself:
// TestIntegrationMailRefusedForGood, against Mailpit).
func TestRefusedOnlySMTPAnswers(t *testing.T) {
	for _, err := range []error{nil, errors.New("550 5.1.1 mailbox unavailable"), &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED},
		context.DeadlineExceeded, fmt.Errorf("send: %w", context.Canceled)} {
		if Refused(err) {
			t.Errorf("Refused(%v) = true", err)
		}
	}
}

func TestParseSMTP(t *testing.T) {
	for _, c := range []struct {
		url, from string
		ok        bool
		host      string
		port      int
		implicit  bool
		user      string
	}{
		{"smtp://u:p%40ss@mail.example:2525", "vanthu@example", true, "mail.example", 2525, false, "u"},
		{"smtps://mail.example", "vanthu@example", true, "mail.example", 465, true, ""},
		{"smtp://mail.example", "vanthu@example", true, "mail.example", 587, false, ""},
		{"http://mail.example", "vanthu@example", false, "", 0, false, ""},
		{"smtp://mail.example", "", false, "", 0, false, ""},
		{"smtp://mail.example:x", "vanthu@example", false, "", 0, false, ""},
	} {
		s, err := ParseSMTP(c.url, c.from)
		if (err == nil) != c.ok {
			t.Errorf("ParseSMTP(%q, %q): err %v", c.url, c.from, err)
			continue
		}
		if c.ok && (s.host != c.host || s.port != c.port || s.implicit != c.implicit || s.user != c.user) {
			t.Errorf("ParseSMTP(%q) = %+v", c.url, s)
		}
	}
	if s, _ := ParseSMTP("smtp://u:p%40ss@h:25", "a@b"); s.pass != "p@ss" {
		t.Errorf("password %q, want p@ss", s.pass)
	}
}
