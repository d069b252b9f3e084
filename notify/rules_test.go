package notify

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

func TestTargets(t *testing.T) {
	d := &workflow.Document{ID: "d-1", SignerID: "u-signer", CreatedBy: "u-drafter", AssigneeID: "u-old"}
	tr := func(a workflow.Action, actor string, data map[string]string) workflow.Event {
		return workflow.Event{Kind: workflow.EventTransition, Action: a, Actor: actor, DocumentID: "d-1", Data: data}
	}
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
		{"sign tells nobody", tr(workflow.Sign, "u-signer", nil), nil},
		{"issue tells nobody", tr(workflow.Issue, "u-clerk", nil), nil},
		{"a comment tells nobody", workflow.Event{Kind: workflow.EventComment, Action: workflow.Submit, Actor: "u-x"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Targets(c.e, d); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Targets = %v, want %v", got, c.want)
			}
		})
	}
	if got := Targets(tr(workflow.Submit, "u-drafter", nil), &workflow.Document{CreatedBy: "u-drafter"}); got != nil {
		t.Errorf("a draft with no signer: Targets = %v, want none", got)
	}
}

func TestCompose(t *testing.T) {
	actor := &workflow.User{Username: "tp", FullName: "Trần Văn Phúc"}
	d := &workflow.Document{ID: "d-7", Type: "QĐ", Notation: "05/QĐ-UBND", Subject: "Về việc\nthành lập tổ công tác",
		Confidentiality: workflow.Public}
	m := Compose(ToSign, d, actor, "", "https://vanthu.example.gov.vn/")
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
	m = Compose(Returned, &secret, actor, "Sai thể thức: thiếu nơi nhận", "https://x")
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
	m = Compose(Assigned, in, actor, "", "")
	if want := "[vanthu] Văn bản được giao xử lý: Công văn số 125/UBND-VP — Về việc tổng kết năm"; m.Subject != want {
		t.Errorf("incoming subject %q, want %q", m.Subject, want)
	}
	for _, s := range []string{"Cơ quan gửi: UBND thành phố Cần Thơ\n", "Số đến: 42\n", "Số, ký hiệu: 125/UBND-VP\n"} {
		if !strings.Contains(m.Body, s) {
			t.Errorf("incoming body lacks %q:\n%s", s, m.Body)
		}
	}

	m = Compose(Returned, d, nil, "Sai thể thức", "")
	if !strings.Contains(m.Body, "Lý do: Sai thể thức\n") || strings.Contains(m.Body, "Xem văn bản") || strings.Contains(m.Body, "Người thực hiện") {
		t.Errorf("a return without a public URL nor actor:\n%s", m.Body)
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
