package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/vanthu/vanthu/workflow"
)

// Actions that cannot be undone ask first. The button on the document
// page (or the admin's form) posts as before; without a `confirm` field
// naming that very action the server does nothing and answers with a
// confirmation page, which posts the same fields again with
// confirm=ACTION. It needs no JavaScript, and a stray click, a double
// click or a form sent again from the history without the field never
// acts. The confirmed form carries the version the first form carried,
// so a confirmation posted twice shows the action's result (repeated in
// documents.go) and one posted after somebody else changed the document
// is refused as stale.

// confirmText is what the confirmation page of an action says.
type confirmText struct {
	Heading string   // "Xác nhận phát hành văn bản"
	Button  string   // the confirming button
	Facts   []string // what follows that cannot be undone
	// Exchanged is what follows besides for a document received over
	// the exchange (the sender is told); not said of a paper one.
	Exchanged string
	Reason    bool // the comment is the required reason
	Danger    bool // the button is red (a refusal, a withdrawal)
	// Undo, when set, says what of it can be undone and how, in place of
	// "Thao tác này không hoàn tác được" (a disabled account can be
	// enabled again).
	Undo string
}

// irreversible are the workflow actions the web asks to confirm: each
// leaves a state with no way back to the one it left, takes a number
// that is never given again, signs, or tells another agency. The other
// actions (reversibleActions) are routine steps another user's action
// undoes or that change nothing outside the office;
// TestEveryActionDecidedForConfirmation keeps the two lists covering
// every action of both machines.
var irreversible = map[workflow.Action]confirmText{
	workflow.Sign: {Heading: "Xác nhận ký số văn bản", Button: "Xác nhận ký số", Facts: []string{
		"Văn bản được ký bằng khóa ký số cá nhân của đồng chí, đúng tệp đang hiển thị; chữ ký số không thể gỡ bỏ.",
		"Văn bản đã ký được văn thư kiểm tra, cấp số và phát hành; nếu trả lại để sửa, chữ ký này bị rút và văn bản phải trình, duyệt, ký lại."}},
	workflow.Issue: {Heading: "Xác nhận cấp số và phát hành văn bản", Button: "Xác nhận phát hành", Facts: []string{
		"Văn bản nhận số, ký hiệu kế tiếp của sổ và được ký số của cơ quan.",
		"Số đã cấp không thu hồi, không dùng lại được; văn bản đã phát hành không sửa được."}},
	workflow.Send: {Heading: "Xác nhận gửi văn bản liên thông", Button: "Xác nhận gửi", Facts: []string{
		"Văn bản được gửi ngay đến các nơi nhận qua trục liên thông; không hủy được việc gửi.",
		"Muốn rút lại văn bản đã gửi, chỉ có thể đề nghị thu hồi."}},
	workflow.Archive: {Heading: "Xác nhận lưu trữ văn bản", Button: "Xác nhận lưu trữ", Facts: []string{
		"Văn bản cùng các tệp, kết quả kiểm tra chữ ký và lịch sử xử lý được chuyển vào kho lưu trữ; văn bản không xử lý tiếp được.",
		"Hồ sơ lưu trữ không sửa, không xóa được trong thời hạn bảo quản."}},
	workflow.Register: {Heading: "Xác nhận vào sổ văn bản đến", Button: "Xác nhận vào sổ", Facts: []string{
		"Văn bản nhận số đến kế tiếp của sổ; số đã vào sổ không hủy được."},
		Exchanged: "Văn bản nhận qua liên thông: cơ quan gửi được thông báo đã tiếp nhận (mã 03)."},
	workflow.Reject: {Heading: "Xác nhận từ chối tiếp nhận văn bản", Button: "Xác nhận từ chối", Reason: true, Danger: true, Facts: []string{
		"Văn bản không được vào sổ và không xử lý tiếp được; việc từ chối không hủy được."},
		Exchanged: "Văn bản nhận qua liên thông: cơ quan gửi được thông báo từ chối (mã 02) kèm lý do."},
	workflow.Return: {Heading: "Xác nhận trả lại văn bản", Button: "Xác nhận trả lại", Danger: true, Facts: []string{
		"Văn bản trở về dự thảo; chuyên viên soạn thảo phải sửa và trình duyệt lại từ đầu."}},
	workflow.RequestRevoke: {Heading: "Xác nhận đề nghị thu hồi văn bản", Button: "Xác nhận đề nghị thu hồi", Reason: true, Danger: true, Facts: []string{
		"Đề nghị thu hồi (mã 13) được gửi ngay đến mọi nơi nhận liên thông, kèm lý do; không rút lại được."}},
	workflow.AcceptRevoke: {Heading: "Xác nhận đồng ý thu hồi văn bản", Button: "Xác nhận đồng ý thu hồi", Danger: true, Facts: []string{
		"Văn bản chuyển sang đã thu hồi và không xử lý tiếp được.",
		"Cơ quan gửi được thông báo đồng ý thu hồi (mã 15)."}},
	workflow.RefuseRevoke: {Heading: "Xác nhận từ chối thu hồi văn bản", Button: "Xác nhận từ chối thu hồi", Reason: true, Danger: true, Facts: []string{
		"Cơ quan gửi được thông báo từ chối thu hồi (mã 16) kèm lý do; không rút lại được."}},
	workflow.Assign: {Heading: "Xác nhận phân công xử lý", Button: "Xác nhận phân công", Facts: []string{
		"Văn bản được giao cho chuyên viên đã chọn với hạn xử lý đã nhập; không phân công lại hay đổi hạn được."},
		Exchanged: "Văn bản nhận qua liên thông: cơ quan gửi được thông báo đã phân công (mã 04)."},
	workflow.Complete: {Heading: "Xác nhận hoàn thành xử lý", Button: "Xác nhận hoàn thành", Facts: []string{
		"Văn bản chuyển sang đã xử lý xong và không mở lại để xử lý tiếp được."},
		Exchanged: "Văn bản nhận qua liên thông: cơ quan gửi được thông báo đã hoàn thành (mã 06)."},
}

// dangerAction says whether a's button is red, on the document page as
// on its confirmation: a refusal, a return, a withdrawal (irreversible's
// Danger; Return, which is confirmed only from officer_signed, always).
func dangerAction(a workflow.Action) bool {
	return irreversible[a].Danger
}

// returnSigned is the confirmation of a return from officer_signed: it
// withdraws layer 1 and needs its reason.
var returnSigned = confirmText{Heading: "Xác nhận trả lại văn bản đã ký", Button: "Xác nhận trả lại", Reason: true, Danger: true, Facts: []string{
	"Chữ ký số của lãnh đạo trên văn bản bị rút: bản đã ký được giữ trong danh sách tệp và lịch sử xử lý, nhưng không còn là bản hiện hành.",
	"Văn bản trở về dự thảo chưa ký; chuyên viên soạn thảo sửa, trình duyệt và lãnh đạo ký lại trước khi phát hành."}}

// reversibleActions are the actions applied at the first click: a step
// another user's action takes back (submit, approve: the official
// returns the draft), or start, which cannot be taken back either but
// only marks as begun the work the (confirmed) assignment gave the
// handler who presses it.
var reversibleActions = []workflow.Action{workflow.Submit, workflow.Approve, workflow.Start}

// formField is one posted field, sent again by the confirmation page.
type formField struct{ Name, Value string }

// confirmView is the confirmation page.
// link is a link a page offers: where it leads and what it says.
type link struct{ Href, Text string }

type confirmView struct {
	confirmText
	Subject string   // what the action is on
	Details []string // facts of this document (the number it would take)
	Post    string   // where the confirmed form posts
	Hidden  []formField
	Confirm string // the value of confirm that the server checks
	Back    string
	// Comment is the posted comment, editable; shown only when HasComment.
	Comment    string
	HasComment bool
	// Password: the page asks for a new password (a password reset's),
	// posted with the confirmation and never written into the page.
	Password bool
	// signerCheck: the password a signature asks (signer.go), and why
	// the last confirmed post was refused (Error, Invalid).
	signerCheck
	// Also is another way than the action, offered beside it (locking an
	// account: Chuyển việc cho… first).
	Also *link
	// Duplicates: before "Vào sổ", the incoming documents of the same
	// sender and number (duplicates.go), as the document page warns: the
	// clerk's last look before the number is taken.
	Duplicates     []*workflow.Document
	OriginalNumber string
}

// confirmed reports whether the post confirms key (an action, "disable").
func confirmed(r *http.Request, key string) bool {
	return r.PostFormValue("confirm") == key
}

// repost returns the posted fields to send again, but the CSRF token
// (the page carries its own), the confirmation and the fields in shown.
func repost(r *http.Request, shown ...string) []formField {
	var out []formField
	for name, vals := range r.PostForm {
		if name == "csrf_token" || name == "confirm" || name == signerPasswordField || slices.Contains(shown, name) {
			continue
		}
		for _, v := range vals {
			out = append(out, formField{Name: name, Value: v})
		}
	}
	slices.SortStableFunc(out, func(a, b formField) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// confirmAction answers an unconfirmed post of an irreversible action on
// document id: the confirmation page when the service would take the
// action with this input (workflow.Service.Precheck: the user's role, the
// document's state and version, the handler chosen, a signer or the
// exchange configured), else the error Apply would have returned, for
// the caller to show as it shows Apply's (a form posted again after its
// action: its result) — never a page whose confirmation would be
// refused. A missing reason is the one refusal the page itself mends: it
// asks for the reason. refused, when set, is why the confirmed post of a
// signature was not done (signer.go): the page again, saying so.
func (u *UI) confirmAction(w http.ResponseWriter, r *http.Request, s *Session, id string, a workflow.Action, in workflow.ActionInput, refused *signerRefusal) error {
	d, err := u.cfg.Docs.Get(r.Context(), s.User, id)
	if err != nil {
		return err
	}
	if err := u.cfg.Docs.Precheck(r.Context(), s.User, d, a, in); err != nil && !errors.Is(err, workflow.ErrNoReason) {
		return err
	}
	text := irreversible[a]
	if a == workflow.Return && d.State == workflow.OfficerSigned {
		text = returnSigned
	}
	v := confirmView{confirmText: text, Subject: d.Subject, Post: "/documents/" + id, Hidden: repost(r, "comment"),
		Confirm: string(a), Back: "/documents/" + id, Comment: r.PostFormValue("comment"), HasComment: true}
	if d.Notation != "" {
		v.Subject = d.Notation + " · " + d.Subject
	}
	if text.Exchanged != "" && d.ExternalID != "" {
		v.Facts = append(slices.Clip(v.Facts), text.Exchanged)
	}
	switch a {
	case workflow.Issue:
		_, notation, err := u.cfg.Docs.NextNotation(r.Context(), s.User, id)
		if err != nil {
			return err
		}
		v.Details = append(v.Details, "Số, ký hiệu dự kiến trong "+orName(registerNames, workflow.RegisterFor(d))+": "+notation+
			" (chưa giữ chỗ: nếu văn bản khác được phát hành trước, văn bản này nhận số kế tiếp).")
	case workflow.Sign:
		v.Details = stampPlaces(d.Layout)
	case workflow.Register:
		v.Details = append(v.Details, "Sổ đăng ký: "+orName(registerNames, workflow.RegisterFor(d))+".")
		if v.Duplicates, err = u.duplicates(r.Context(), s, d); err != nil {
			return err
		}
		v.OriginalNumber = d.OriginalNumber
	case workflow.Assign:
		v.Details = append(v.Details, u.assignment(r, in))
	}
	status := u.signerShown(w, r, s, a, refused, &v.signerCheck)
	u.render(w, r, s, status, "confirm", v.Heading, v)
	return nil
}

// assignment says whom an assignment names and by when.
func (u *UI) assignment(r *http.Request, in workflow.ActionInput) string {
	who := "(chưa chọn)"
	if in.AssigneeID != "" {
		if x, err := u.cfg.Directory.User(r.Context(), in.AssigneeID); err == nil {
			who = displayName(x)
		}
	}
	due := "không có"
	if in.DueDate != nil {
		due = fmtDate(*in.DueDate)
	}
	return "Chuyên viên xử lý: " + who + "; hạn xử lý: " + due + "."
}
