package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// reassigner is the document service's reassignment (workflow.Service):
// what waits for a user by name, passed to a colleague.
type reassigner interface {
	Reassign(ctx context.Context, actor *workflow.User, in workflow.ReassignInput) (workflow.ReassignResult, error)
	WaitingByName(ctx context.Context, userID string) (map[workflow.Role]int, error)
}

// waitingCounter is the document service's count of what waits for
// every user by name (workflow.Service.WaitingByUser): one statement for
// the admin's whole list of users.
type waitingCounter interface {
	WaitingByUser(ctx context.Context) (map[string]map[workflow.Role]int, error)
}

// waitingShort names, by role, the documents counted on the list of
// users.
var waitingShort = map[workflow.Role]string{
	workflow.RoleOfficer: "văn bản đi chờ duyệt, ký",
	workflow.RoleHandler: "văn bản chờ xử lý hoặc đang soạn",
}

// waitingByUser says, by user ID, what waits for each user on the admin's
// list ("3 văn bản đi chờ duyệt, ký; 1 văn bản đến chờ xử lý"), so that
// she sees who has work before locking an account; nil when the service
// cannot count it.
func (u *UI) waitingByUser(ctx context.Context) (map[string]string, error) {
	wc, ok := u.cfg.Docs.(waitingCounter)
	if !ok {
		return nil, nil
	}
	counts, err := wc.WaitingByUser(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for id, byRole := range counts {
		var parts []string
		for _, role := range workflow.ReassignRoles() {
			if n := byRole[role]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, waitingShort[role]))
			}
		}
		if len(parts) > 0 {
			out[id] = strings.Join(parts, "; ")
		}
	}
	return out, nil
}

// reassignOffer is one role's "Chuyển việc cho…" on the user page: how
// many documents wait for the user in it, and who may take them.
type reassignOffer struct {
	Role  workflow.Role
	Count int
	What  string
	To    []option
}

// reassignWhat names, by role, the documents that move.
var reassignWhat = map[workflow.Role]string{
	workflow.RoleOfficer: "văn bản đi người này là người ký, đang chờ duyệt hoặc ký",
	workflow.RoleHandler: "văn bản đến giao người này xử lý, chưa hoàn thành, hoặc dự thảo người này soạn, chưa trình",
}

// reassignOffers lists the user page's offers for target: one per role
// something waits for them in that actor may pass on (a clerk: a
// handler's; none when the service cannot move them).
func (u *UI) reassignOffers(ctx context.Context, actor, target *workflow.User) ([]reassignOffer, error) {
	ra, ok := u.cfg.Docs.(reassigner)
	if !ok {
		return nil, nil
	}
	counts, err := ra.WaitingByName(ctx, target.ID)
	if err != nil || len(counts) == 0 {
		return nil, err
	}
	users, err := u.cfg.Directory.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []reassignOffer
	for _, role := range workflow.ReassignRoles() {
		if counts[role] == 0 || !workflow.MayReassign(actor, role) {
			continue
		}
		o := reassignOffer{Role: role, Count: counts[role], What: reassignWhat[role]}
		for _, x := range users {
			if x.ID != target.ID && !x.Disabled && x.Has(role) {
				o.To = append(o.To, option{Value: x.ID, Label: userLabel(x)})
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// reassign applies the user page's action=reassign to target: checked,
// then its confirmation page (asked: the page was shown, nothing moved),
// then the move (moved: the documents' IDs).
func (u *UI) reassign(w http.ResponseWriter, r *http.Request, s *Session, target *workflow.User) (asked bool, moved []string, err error) {
	ra, ok := u.cfg.Docs.(reassigner)
	if !ok {
		return false, nil, workflow.Errorf(workflow.EUNAVAILABLE, "reassign")
	}
	role := workflow.Role(r.PostFormValue("role"))
	to, err := u.cfg.Directory.User(r.Context(), r.PostFormValue("to"))
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		return false, nil, workflow.Errorf(workflow.EINVALID, "choose the user the documents move to").On("to")
	} else if err != nil {
		return false, nil, err
	}
	if err := workflow.CheckReassign(s.User, target, to, role); err != nil {
		return false, nil, err
	}
	if confirmed(r, "reassign") {
		res, err := ra.Reassign(r.Context(), s.User, workflow.ReassignInput{From: target.ID, To: to.ID, Role: role})
		return false, res.Moved, err
	}
	counts, err := ra.WaitingByName(r.Context(), target.ID)
	if err != nil {
		return false, nil, err
	}
	v := confirmView{confirmText: confirmText{Heading: "Xác nhận chuyển việc", Button: "Xác nhận chuyển việc",
		Facts: []string{fmt.Sprintf("%d %s sẽ chờ %s thay cho %s.", counts[role], reassignWhat[role], userLabel(to), userLabel(target)),
			"Văn bản đã ký, đã phát hành hoặc đã hoàn thành không chuyển: đó là việc người này đã làm.",
			"Lịch sử của mỗi văn bản ghi lại việc chuyển; người nhận được báo qua thư điện tử (nếu có địa chỉ)."},
		Undo: "Có thể chuyển lại sau, bằng “Chuyển việc cho…” trên trang của người nhận (khi đó mọi văn bản đang chờ người nhận cùng chuyển)."},
		Subject: "Người dùng " + userLabel(target), Post: userPagePath(s, target.ID), Hidden: repost(r), Confirm: "reassign",
		Back: userPagePath(s, target.ID) + "#reassign"}
	if role == workflow.RoleHandler {
		v.Facts = append(v.Facts, "Dự thảo chưa trình (kể cả dự thảo bị trả lại) chuyển cho người nhận soạn tiếp: người nhận sửa và trình như dự thảo của mình; "+
			"trang văn bản vẫn ghi người tạo ban đầu. Dự thảo đã trình không chuyển.")
	}
	u.render(w, r, s, http.StatusOK, "confirm", v.Heading, v)
	return true, nil, nil
}

// movedListed is how many of the documents a hand-over moved the page
// after it names (the redirect's URL carries their IDs).
const movedListed = 20

// reassignedQuery is the redirect's query after a hand-over to to: how
// many moved, to whom, and the first movedListed of them.
func reassignedQuery(moved []string, to string) string {
	q := fmt.Sprintf("reassign&moved=%d&to=%s", len(moved), url.QueryEscape(to))
	if len(moved) > 0 {
		q += "&docs=" + url.QueryEscape(strings.Join(moved[:min(len(moved), movedListed)], ","))
	}
	return q
}

// movedDocs names the documents a hand-over moved (?ok=reassign&docs=…),
// each by number and subject, linked, read as the viewer may see it (an
// admin or a clerk sees every classified one; an ID not found is left
// out) — the page said only how many moved (walk 9, the admin on a
// staff change). More is how many moved beyond those named. Nil for a
// viewer who may not pass work on.
func (u *UI) movedDocs(r *http.Request, s *Session) (docs []*relatedDoc, more int) {
	q := r.URL.Query()
	if q.Get("ok") != "reassign" || q.Get("docs") == "" || !workflow.MayReassign(s.User, workflow.RoleHandler) {
		return nil, 0
	}
	ids := strings.Split(q.Get("docs"), ",")
	if len(ids) > movedListed {
		ids = ids[:movedListed]
	}
	for _, id := range ids {
		d, err := u.cfg.Docs.Get(r.Context(), s.User, id)
		if err != nil {
			continue
		}
		docs = append(docs, relatedOf(d, false))
	}
	if n, err := strconv.Atoi(q.Get("moved")); err == nil && n > len(ids) {
		more = n - len(ids)
	}
	return docs, more
}

// reassignedFlash is the confirmation after a hand-over (?ok=reassign
// &moved=N&to=ID): how many documents moved, and to whom — the name read
// from the directory, for an admin or a clerk (who may pass a handler's
// work on) only, never text from the URL; def when the URL does not say.
func (u *UI) reassignedFlash(r *http.Request, s *Session, def string) string {
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("moved"))
	if err != nil || n < 0 || s.User == nil || !workflow.MayReassign(s.User, workflow.RoleHandler) {
		return def
	}
	if n == 0 {
		return "Không có văn bản nào được chuyển: không còn văn bản chờ người dùng này (có thể đã được xử lý hoặc chuyển trước đó)."
	}
	to, err := u.cfg.Directory.User(r.Context(), q.Get("to"))
	if err != nil {
		return def
	}
	return fmt.Sprintf("Đã chuyển %d văn bản cho %s: các văn bản này nay chờ người được chọn.", n, userLabel(to))
}

// reassignProblem says in Vietnamese why a reassignment was refused
// (CheckReassign's refusals on "to").
func reassignProblem(err error) string {
	msg := workflow.ErrorMessage(err)
	switch {
	case strings.Contains(msg, "locked"):
		return "Tài khoản người nhận đang bị khóa: hãy chọn người đang làm việc."
	case strings.Contains(msg, "does not hold the role"):
		return "Người nhận không có vai trò cần thiết (lãnh đạo để duyệt, ký; chuyên viên để xử lý, soạn thảo)."
	case strings.Contains(msg, "already wait"):
		return "Văn bản đã chờ chính người này: hãy chọn người khác."
	}
	return "Hãy chọn người nhận việc trong danh sách."
}
