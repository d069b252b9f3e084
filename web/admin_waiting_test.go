package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// TestUsersListWaiting: the admin's list of users says, for each user,
// how many documents wait for them by name — an official's drafts to
// review or sign, a handler's incoming documents assigned or in progress
// (a classified one counted too) and the drafts he has not submitted —
// linked to the user page's Chuyển việc
// cho…, "Không có" for the others; counted once for the whole page, not
// once per user.
func TestUsersListWaiting(t *testing.T) {
	e := newTestEnv(t)
	handler, officer, admin := e.login("chuyenvien"), e.login("lanhdao"), e.login("quantri")
	e.outgoingThrough(t, handler, officer, workflow.Submit)
	e.outgoingThrough(t, handler, officer, workflow.Submit, workflow.Approve)
	e.outgoingThrough(t, handler, officer) // a draft: its signer is named already, its drafter waits
	e.outgoingThrough(t, handler, officer)
	cv2 := e.users["chuyenvien2"]
	err := e.repo.Atomic(t.Context(), func(ctx context.Context, tx workflow.Tx) error {
		for i, st := range []workflow.State{workflow.Assigned, workflow.InProgress, workflow.Completed} {
			d := &workflow.Document{ID: "d-wait-" + string(st), Direction: workflow.Incoming, Type: "CV", Subject: "Công văn mật",
				Urgency: workflow.UrgencyNormal, Confidentiality: workflow.Confidential, State: st, Version: 1, AssigneeID: cv2.ID,
				Sender: &workflow.Org{OrgID: "000.00.00.H13", Name: "UBND thành phố Cần Thơ"}, CreatedBy: e.users["vanthu"].ID,
				CreatedAt: e.now.Add(-time.Duration(i) * time.Hour), UpdatedAt: e.now}
			if err := tx.CreateDocument(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	counted := &workflowtest.WaitingCounted{Repository: e.repo}
	e.docs.Repo = counted
	p := admin.get("/admin/users")
	cell := func(username, inner string) string {
		return `<td data-label="Văn bản đang chờ" id="waiting-` + e.users[username].ID + `">` + inner + `</td>`
	}
	link := func(username, text string) string {
		return cell(username, `<a href="/admin/users/`+e.users[username].ID+`#reassign">`+text+`</a>`)
	}
	for _, want := range []string{
		link("lanhdao", "4 văn bản đi chờ duyệt, ký"),
		link("chuyenvien2", "2 văn bản chờ xử lý hoặc đang soạn"),
		link("chuyenvien", "2 văn bản chờ xử lý hoặc đang soạn"),
		cell("lanhdao2", `<span class="muted">Không có</span>`),
		`<th scope="col">Văn bản đang chờ</th>`,
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the list of users has no %s:\n%s", want, p.Body)
		}
	}
	if n := counted.Calls.Load(); n != 1 {
		t.Errorf("the page of %d users counted the waiting work %d times, want once", len(e.users), n)
	}
}
