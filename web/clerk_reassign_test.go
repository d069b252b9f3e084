package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// TestClerkReassignsHandler: a clerk who finds an incoming document
// waiting for a handler follows "Chuyển việc cho…" beside the handler's
// name to the admin's user page reduced to Chuyển việc cho… for the
// handler's documents (no account forms, no official's drafts), passes
// them — his incoming documents and his draft, not his submitted one —
// to another handler after the confirmation, and reads how many moved
// and to whom; each document's history says which person changed, the
// draft's page names its new drafter beside its creator; the admin keeps
// her page (/users/{id} sends her
// there), with the official's part; other roles and the clerk's other
// forms are refused.
func TestClerkReassignsHandler(t *testing.T) {
	e := newTestEnv(t)
	handler, officer, admin, clerk := e.login("chuyenvien"), e.login("lanhdao"), e.login("quantri"), e.login("vanthu")
	submitted := e.outgoingThrough(t, handler, officer, workflow.Submit)
	draft := e.outgoingThrough(t, handler, officer)
	cv, cv2, ld := e.users["chuyenvien"], e.users["chuyenvien2"], e.users["lanhdao"]
	var ids []string
	err := e.repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error {
		for i, st := range []workflow.State{workflow.Assigned, workflow.InProgress} {
			d := &workflow.Document{ID: "d-away-" + string(st), Direction: workflow.Incoming, Type: "CV", Subject: "Công văn chờ xử lý",
				Urgency: workflow.UrgencyNormal, Confidentiality: []workflow.Confidentiality{workflow.Public, workflow.Confidential}[i],
				State: st, Version: 1, AssigneeID: cv.ID, Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"},
				CreatedBy: e.users["vanthu"].ID, CreatedAt: e.now.Add(-time.Hour), UpdatedAt: e.now}
			ids = append(ids, d.ID)
			if err := tx.CreateDocument(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	path := "/users/" + cv.ID
	if p := clerk.get("/documents/" + ids[0]); !strings.Contains(p.Body, `<a href="`+path+`#reassign" id="assignee-work">`) {
		t.Errorf("the clerk's document page does not link the handler's Chuyển việc cho…:\n%s", p.Body)
	}
	if p := handler.get("/documents/" + ids[0]); strings.Contains(p.Body, `id="assignee-work"`) {
		t.Errorf("the handler is offered to pass his own work on")
	}
	p := clerk.get(path)
	option := func(u *workflow.User) string { return `<option value="` + u.ID + `">` }
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "3 văn bản đến giao người này xử lý, chưa hoàn thành, hoặc dự thảo người này soạn, chưa trình") || !strings.Contains(p.Body, `action="`+path+`"`) ||
		!strings.Contains(p.Body, option(cv2)) || strings.Contains(p.Body, option(cv)) ||
		strings.Contains(p.Body, "Đặt lại mật khẩu") || strings.Contains(p.Body, "Thông tin và vai trò") || strings.Contains(p.Body, `aria-label="Quản trị"`) {
		t.Fatalf("the clerk's page of a handler: %d, want his 3 documents offered to the other handler and nothing else:\n%s", p.Status, p.Body)
	}
	if p := clerk.get("/users/" + ld.ID); strings.Contains(p.Body, "văn bản đi người này là người ký") || !strings.Contains(p.Body, `id="reassign-none"`) {
		t.Errorf("the clerk is offered an official's drafts:\n%s", p.Body)
	}
	for _, x := range []struct {
		name string
		c    *client
		do   func(c *client) page
	}{
		{"clerk under /admin", clerk, func(c *client) page { return c.get("/admin/users/" + cv.ID) }},
		{"clerk's update", clerk, func(c *client) page {
			return c.post(path, url.Values{"action": {"update"}, "roles": {"handler"}, "disabled": {"true"}})
		}},
		{"clerk moves an official's drafts", clerk, func(c *client) page {
			return c.post("/users/"+ld.ID, url.Values{"action": {"reassign"}, "role": {"officer"}, "to": {e.users["lanhdao2"].ID}})
		}},
		{"handler", handler, func(c *client) page { return c.get(path) }},
	} {
		if p := x.do(x.c); p.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", x.name, p.Status)
		}
	}
	asked := clerk.post(path, url.Values{"action": {"reassign"}, "role": {"handler"}, "to": {cv2.ID}})
	cf, ok := confirmForm(asked, "reassign")
	if !ok || !strings.Contains(asked.Body, "Dự thảo chưa trình (kể cả dự thảo bị trả lại) chuyển cho người nhận soạn tiếp") {
		t.Fatalf("the clerk's hand-over did not ask first, or did not say what becomes of the drafts:\n%s", asked.Body)
	}
	if p = clerk.post(path, cf); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, path+"?ok=reassign&") {
		t.Fatalf("confirmed: %d %s", p.Status, p.Location)
	}
	if done := clerk.get(p.Location).Body; !strings.Contains(done, "Đã chuyển 3 văn bản cho Võ Chuyên Viên Hai") {
		t.Errorf("the clerk is not told how many moved and to whom:\n%s", done)
	}
	for _, id := range ids {
		if d, _ := e.repo.Document(t.Context(), id); d.AssigneeID != cv2.ID {
			t.Errorf("%s: assignee %s, want %s", id, d.AssigneeID, cv2.ID)
		}
		if page := clerk.get("/documents/" + id); !strings.Contains(page.Body, "Chuyển người xử lý: Lê Chuyên Viên → Võ Chuyên Viên Hai") {
			t.Errorf("%s: the history does not say its handler changed:\n%s", id, page.Body)
		}
	}
	if d, _ := e.repo.Document(t.Context(), draft); d.CreatedBy != cv2.ID {
		t.Errorf("the draft's drafter is %s, want %s", d.CreatedBy, cv2.ID)
	}
	if d, _ := e.repo.Document(t.Context(), submitted); d.CreatedBy != cv.ID {
		t.Errorf("the submitted draft moved to %s", d.CreatedBy)
	}
	page := clerk.get("/documents/" + draft)
	for _, want := range []string{"Chuyển người soạn thảo: Lê Chuyên Viên → Võ Chuyên Viên Hai", "<dt>Người tạo</dt><dd>Lê Chuyên Viên · ",
		`<dt>Người soạn thảo</dt><dd id="drafter">Võ Chuyên Viên Hai (được chuyển việc)</dd>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the draft's page has no %s:\n%s", want, page.Body)
		}
	}
	if p = admin.get("/users/" + ld.ID); p.Status != http.StatusSeeOther || p.Location != "/admin/users/"+ld.ID {
		t.Errorf("the admin on /users/{id}: %d %s, want her own page", p.Status, p.Location)
	}
	if p = admin.get("/admin/users/" + ld.ID); !strings.Contains(p.Body, "2 văn bản đi người này là người ký") {
		t.Errorf("the admin's page lost the official's part:\n%s", p.Body)
	}
}
