package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

// TestDirectiveShownWhereTheHandlerWorks: the leader's direction written
// when assigning an incoming document (bút phê) stands in the handler's
// inbox row and at the top of the document's page, while she handles it
// — the history at the page's foot was the only place it was (walk 9). A
// document assigned without one shows none.
func TestDirectiveShownWhereTheHandlerWorks(t *testing.T) {
	e := newTestEnv(t)
	clerk, officer, handler := e.login("vanthu"), e.login("lanhdao"), e.login("chuyenvien")
	hid := e.users["chuyenvien"].ID
	assign := func(subject, comment string) string {
		t.Helper()
		id := e.newIncoming(clerk, subject, nil)
		act(t, clerk, id, workflow.Register, nil)
		if p := act(t, officer, id, workflow.Assign, url.Values{"assignee_id": {hid}, "comment": {comment}}); p.Status != 303 {
			t.Fatalf("assign: %d\n%s", p.Status, p.Body)
		}
		return id
	}
	with := assign("Về việc báo cáo thu ngân sách quý IV", "Giao chị Chuyên chủ trì,\nbáo cáo trước ngày 10/12")
	without := assign("Về việc tổng kết thi đua", "")
	notice := func(id string) string {
		body := handler.get("/documents/" + id).Body
		i := strings.Index(body, `id="directive"`)
		if i < 0 {
			return ""
		}
		return body[i : i+strings.Index(body[i:], "</p>")]
	}
	if n := notice(with); !strings.Contains(n, "Ý kiến chỉ đạo của") || !strings.Contains(n, "Giao chị Chuyên chủ trì,\nbáo cáo trước ngày 10/12") {
		t.Errorf("the document's page: %q", n)
	}
	if n := notice(without); n != "" {
		t.Errorf("assigned without a direction: %q", n)
	}
	inbox := handler.get("/").Body
	if !strings.Contains(inbox, `<span class="directive"><strong>Ý kiến chỉ đạo</strong> (`) || !strings.Contains(inbox, "báo cáo trước ngày 10/12") {
		t.Errorf("the inbox lacks the direction:\n%s", inbox)
	}
	if strings.Count(inbox, `class="directive"`) != 1 {
		t.Errorf("the inbox shows %d directions, want 1", strings.Count(inbox, `class="directive"`))
	}
	if _, err := e.docs.Apply(context.Background(), e.users["chuyenvien"], with, workflow.Start, workflow.ActionInput{}); err != nil {
		t.Fatal(err)
	}
	if n := notice(with); !strings.Contains(n, "Giao chị Chuyên chủ trì") {
		t.Errorf("in progress: %q", n)
	}
}
