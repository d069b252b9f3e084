package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestListOverdueWithWhom: Hạn xử lý › Quá hạn on Văn bản đến keeps the
// documents still to be handled whose due date has passed — not one due
// today, nor one completed late — and each row says with whom it is
// (Người xử lý); the choice stays chosen and in the pager's links, and
// another value is a 400 saying so. The office chief asking on Monday
// which letters are late and with whom read every page of the list for
// the red marks and opened each to see its handler (walk 12).
func TestListOverdueWithWhom(t *testing.T) {
	e := newTestEnv(t)
	clerk, officer := e.login("vanthu"), e.login("lanhdao")
	today := workflow.VietnamDate(e.now)
	assigned := func(subject, handler string, due workflow.Date, steps ...workflow.Action) string {
		t.Helper()
		id := e.newIncoming(clerk, subject, nil)
		act(t, clerk, id, workflow.Register, nil)
		if p := act(t, officer, id, workflow.Assign, url.Values{"assignee_id": {e.users[handler].ID}, "due_date": {due.String()}}); p.Status != http.StatusSeeOther {
			t.Fatalf("assign %s: %d\n%s", subject, p.Status, p.Body)
		}
		for _, a := range steps {
			if _, err := e.docs.Apply(t.Context(), e.users[handler], id, a, workflow.ActionInput{}); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	assigned("Về việc báo cáo cải cách hành chính", "chuyenvien", today.AddDays(-12), workflow.Start)
	assigned("Về việc rà soát hộ nghèo", "chuyenvien2", today.AddDays(-1))
	assigned("Về việc chuyển đổi số", "chuyenvien", today)
	assigned("Về việc thi đua khen thưởng", "chuyenvien2", today.AddDays(3))
	assigned("Về việc an toàn thực phẩm", "chuyenvien", today.AddDays(-8), workflow.Start, workflow.Complete)
	e.newIncoming(clerk, "Về việc mời họp", nil)

	chief := e.login("lanhdao2")
	p := chief.get("/incoming?due=overdue")
	if p.Status != http.StatusOK {
		t.Fatalf("overdue: %d\n%s", p.Status, p.Body)
	}
	for _, tc := range []struct {
		subject, handler string
		listed           bool
	}{
		{"Về việc báo cáo cải cách hành chính", "Lê Chuyên Viên", true},
		{"Về việc rà soát hộ nghèo", "Võ Chuyên Viên Hai", true},
		{"Về việc chuyển đổi số", "", false},       // due today
		{"Về việc thi đua khen thưởng", "", false}, // not yet due
		{"Về việc an toàn thực phẩm", "", false},   // completed late: handled
		{"Về việc mời họp", "", false},             // no due date
	} {
		row := rowOf(p.Body, tc.subject)
		if (row != "") != tc.listed {
			t.Errorf("%s: listed %v, want %v", tc.subject, row != "", tc.listed)
		}
		if tc.listed && !strings.Contains(row, "Người xử lý: "+tc.handler) {
			t.Errorf("%s: its row does not say with whom it is (%s):\n%s", tc.subject, tc.handler, row)
		}
	}
	if !strings.Contains(p.Body, "Hiển thị 2 trong 2 văn bản") && !strings.Contains(p.Body, "trong 2 văn bản") {
		t.Errorf("the count is not of the overdue ones:\n%s", p.Body)
	}
	if !strings.Contains(p.Body, `<option value="overdue" selected>`) {
		t.Error("Quá hạn is not shown chosen")
	}
	// Without the filter every row with a handler names them.
	all := chief.get("/incoming").Body
	if row := rowOf(all, "Về việc thi đua khen thưởng"); !strings.Contains(row, "Người xử lý: Võ Chuyên Viên Hai") {
		t.Errorf("the whole list's row does not name the handler:\n%s", row)
	}
	if row := rowOf(all, "Về việc mời họp"); strings.Contains(row, "Người xử lý") {
		t.Errorf("a document not assigned names a handler:\n%s", row)
	}
	if p := chief.get("/incoming?due=late"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, badDueFilter) {
		t.Errorf("due=late: %d", p.Status)
	}
}

// TestListOverdueKeptAcrossPages: the pager's link of an overdue list
// keeps the filter.
func TestListOverdueKeptAcrossPages(t *testing.T) {
	e := newTestEnv(t)
	clerk, officer := e.login("vanthu"), e.login("lanhdao")
	late := workflow.VietnamDate(e.now).AddDays(-2)
	for range listPageSize + 1 {
		id := e.newIncoming(clerk, "Về việc quá hạn", nil)
		act(t, clerk, id, workflow.Register, nil)
		act(t, officer, id, workflow.Assign, url.Values{"assignee_id": {e.users["chuyenvien"].ID}, "due_date": {late.String()}})
	}
	e.newIncoming(clerk, "Về việc chưa phân công", nil)
	p := officer.get("/incoming?due=overdue")
	m := regexp.MustCompile(`href="(/incoming\?[^"]+)">Trang sau`).FindStringSubmatch(p.Body)
	if m == nil || !strings.Contains(m[1], "due=overdue") {
		t.Fatalf("next page link %v does not keep Hạn xử lý", m)
	}
	p2 := officer.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if n := strings.Count(p2.Body, ">Về việc quá hạn<"); n != 1 || strings.Contains(p2.Body, "chưa phân công") {
		t.Errorf("second page: %d overdue, want 1 and nothing else", n)
	}
}

// rowOf is the table row of body whose subject link reads subject ("" if
// none).
func rowOf(body, subject string) string {
	i := strings.Index(body, ">"+subject+"</a>")
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(body[:i], "<tr")
	end := strings.Index(body[i:], "</tr>")
	return body[start : i+end]
}
