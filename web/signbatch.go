package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// Batch signing (ký hàng loạt). An official back from days away finds
// several approved drafts under Chờ ký; each took opening it, Ký số and
// the confirmation. The tab Chờ ký of his inbox has a checkbox for each
// document he may sign now and a button that posts the chosen IDs, each
// with the version the inbox showed, to /sign-batch: the confirmation
// page lists them (subject, type, urgency, where the stamps go) with the
// facts of one signature's confirmation and its password field — one
// check for the batch (signer.go: the same TTL, one failure when wrong).
// Confirmed, each is signed as one signature is (workflow Apply with its
// version), one after another — the signing workers bound the
// concurrency anyway — and a refusal of one (changed meanwhile, another
// signer's, not approved) leaves the others; the result page says, for
// each, signed or why not. No JavaScript: "Chọn tất cả" is a link that
// shows the tab with the boxes ticked.

// signBatchMax is the most documents one batch signs. Each signature
// is done within the request, one after another, and each may wait for
// the time-stamp authority (up to 5 s): twenty finish within the
// request's default limit (VANTHU_HTTP_TIMEOUT, 2 min) even then, and a
// list of twenty is one the official still reads before he signs.
const signBatchMax = 20

// signBatchConfirm is the value of confirm that signs the batch.
const signBatchConfirm = "sign-batch"

// signBatchRoutes registers the batch's confirmation and signing.
func (u *UI) signBatchRoutes(mux *http.ServeMux) {
	mux.Handle("POST /sign-batch", u.auth(u.handleSignBatch))
}

// batchItem is one document of a batch: as posted (ID@version), as read,
// and what became of it.
type batchItem struct {
	ID      string
	Version int
	Doc     *workflow.Document // nil: not readable by the user
	Stamp   []string           // where its stamps go
	Signed  bool
	Problem string // why it will not be, or was not, signed
}

// Value is the item as the form posts it.
func (it batchItem) Value() string { return it.ID + "@" + strconv.Itoa(it.Version) }

// signBatchView is the batch's confirmation (Done false) or result page.
type signBatchView struct {
	Facts       []string
	Items       []batchItem // to sign, or signed and not
	Refused     []batchItem // on the confirmation: those that cannot be signed
	Hidden      []formField
	Confirm     string
	signerCheck // as confirmView's
	Done        bool
	Signed      int
	Back        nextLink
}

// batchItems reads the posted documents ("ID@version"), each once, in
// the order posted; one posted without a version is refused as such.
func batchItems(vals []string) []batchItem {
	var out []batchItem
	seen := map[string]bool{}
	for _, v := range vals {
		id, ver, _ := strings.Cut(strings.TrimSpace(v), "@")
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		it := batchItem{ID: id}
		if n, err := strconv.Atoi(ver); err == nil && n > 0 {
			it.Version = n
		} else {
			it.Problem = "Không rõ văn bản được chọn ở phiên bản nào: mở lại Chờ ký và chọn lại."
		}
		out = append(out, it)
	}
	return out
}

// handleSignBatch answers the inbox's "Ký số các văn bản đã chọn": the
// confirmation page, or, confirmed with the signer present, the
// signatures and their result.
func (u *UI) handleSignBatch(w http.ResponseWriter, r *http.Request, s *Session) error {
	items := batchItems(r.PostForm["doc"])
	back := nextLink{"/?task=" + string(workflow.Sign), "Về Việc cần xử lý: " + tabNames[workflow.Sign]}
	switch {
	case len(items) == 0:
		return u.signBatchError(w, r, s, back, "Chưa chọn văn bản nào: đánh dấu các văn bản cần ký trong Chờ ký rồi bấm lại.")
	case len(items) > signBatchMax:
		return u.signBatchError(w, r, s, back, fmt.Sprintf("Đã chọn %d văn bản: mỗi lần ký tối đa %d văn bản (các chữ ký được thực hiện lần lượt "+
			"trong một lần bấm). Chưa ký văn bản nào; bỏ chọn bớt rồi bấm lại.", len(items), signBatchMax))
	case !confirmed(r, signBatchConfirm):
		return u.signBatchConfirmPage(w, r, s, items, nil)
	}
	refused, err := u.signerAbsent(r, s, workflow.Sign)
	if err != nil {
		return err
	}
	if refused != nil {
		return u.signBatchConfirmPage(w, r, s, items, refused)
	}
	v := signBatchView{Items: items, Done: true, Back: back}
	for i := range v.Items {
		it := &v.Items[i]
		if it.Problem != "" {
			continue
		}
		d, err := u.cfg.Docs.Apply(r.Context(), s.User, it.ID, workflow.Sign, workflow.ActionInput{Version: it.Version})
		if err == nil {
			it.Doc, it.Signed = d, true
		} else {
			u.signBatchRefused(r, s, it, err)
		}
		if it.Signed {
			v.Signed++
		}
	}
	u.render(w, r, s, http.StatusOK, "signbatch", "Kết quả ký số hàng loạt", v)
	return nil
}

// signBatchError is the page of a batch refused as a whole (none chosen,
// too many): nothing signed, the way back to Chờ ký.
func (u *UI) signBatchError(w http.ResponseWriter, r *http.Request, s *Session, back nextLink, msg string) error {
	u.render(w, r, s, statusOf(workflow.EINVALID), "signbatch", "Ký số hàng loạt", signBatchView{signerCheck: signerCheck{Error: msg}, Back: back})
	return nil
}

// signBatchConfirmPage is the batch's confirmation: the documents that
// can be signed (workflow.Service.Precheck at the version posted), those
// that cannot and why, the password field unless the session's check
// holds; refused, when set, is why the confirmed post signed nothing.
func (u *UI) signBatchConfirmPage(w http.ResponseWriter, r *http.Request, s *Session, items []batchItem, refused *signerRefusal) error {
	text := irreversible[workflow.Sign]
	v := signBatchView{Facts: text.Facts, Confirm: signBatchConfirm,
		Back: nextLink{"/?task=" + string(workflow.Sign), "Quay lại, không ký"}}
	for _, it := range items {
		if it.Problem == "" {
			u.signBatchCheck(r, s, &it)
		}
		if it.Problem != "" {
			v.Refused = append(v.Refused, it)
			continue
		}
		it.Stamp = stampPlaces(it.Doc.Layout)
		v.Items = append(v.Items, it)
		v.Hidden = append(v.Hidden, formField{Name: "doc", Value: it.Value()})
	}
	a := workflow.Sign
	if len(v.Items) == 0 {
		a = "" // nothing to sign: no password asked
	}
	status := u.signerShown(w, r, s, a, refused, &v.signerCheck)
	u.render(w, r, s, status, "signbatch", "Xác nhận ký số các văn bản đã chọn", v)
	return nil
}

// signBatchCheck reads it and says in its Problem why it cannot be
// signed now, as its signature would be refused.
func (u *UI) signBatchCheck(r *http.Request, s *Session, it *batchItem) {
	d, err := u.cfg.Docs.Get(r.Context(), s.User, it.ID)
	if err == nil {
		err = u.cfg.Docs.Precheck(r.Context(), s.User, d, workflow.Sign, workflow.ActionInput{Version: it.Version})
	}
	if err == nil {
		err = u.cfg.Docs.Available(d, workflow.Sign)
	}
	if err != nil {
		if u.signBatchRefused(r, s, it, err); it.Signed {
			it.Signed, it.Problem = false, "Đồng chí vừa ký văn bản này; không cần ký lại."
		}
		return
	}
	it.Doc = d
}

// signBatchRefused fills in it's Problem from err, its signature's
// refusal, and its Doc when the user may read it: a document changed
// since the inbox showed it says what changed; a repeated post of a
// batch just signed finds its own signature (repeated) and says signed.
func (u *UI) signBatchRefused(r *http.Request, s *Session, it *batchItem, err error) {
	code := workflow.ErrorCode(err)
	if code == workflow.ECONFLICT || code == workflow.EILLEGAL {
		if u.repeatedAt(r, s, it.ID, workflow.Sign, code, it.Version, "") {
			it.Signed = true
		}
	}
	d, gerr := u.cfg.Docs.Get(r.Context(), s.User, it.ID)
	if gerr != nil {
		it.Problem = "Không tìm thấy văn bản, hoặc đồng chí không được xem văn bản này."
		it.Signed = false
		return
	}
	it.Doc = d
	switch {
	case it.Signed:
	case d.Version != it.Version && (code == workflow.ECONFLICT || code == workflow.EILLEGAL || code == workflow.EPRECONDITION):
		it.Problem = u.batchChanged(r, s, d)
	case code == workflow.EFORBIDDEN && d.SignerID != s.User.ID:
		it.Problem = "Đồng chí không phải người ký được giao của văn bản này; chỉ người ký được giao mới ký được."
	case code == workflow.EILLEGAL:
		it.Problem = fmt.Sprintf("Văn bản không ở trạng thái chờ ký (trạng thái hiện tại “%s”).", orName(stateNames, d.State))
	default:
		if _, p := problemOf(err); p.Status >= 500 {
			u.log.ErrorContext(r.Context(), "sign batch", "doc_id", it.ID, "err", err)
		}
		it.Problem = actionProblem(workflow.Sign, err)
	}
}

// batchChanged says that d changed after the inbox showed it: its last
// change (who, what, when) and its state now.
func (u *UI) batchChanged(r *http.Request, s *Session, d *workflow.Document) string {
	msg := "văn bản đã thay đổi sau khi đồng chí chọn"
	if evs, err := u.cfg.Docs.Events(r.Context(), s.User, d.ID); err == nil && len(evs) > 0 {
		if names, err := u.userNames(r); err == nil {
			e := evs[len(evs)-1]
			msg += fmt.Sprintf(" — %s: %s, lúc %s", orDefault(names[e.Actor], "Hệ thống"), eventText(e, names), fmtDateTime(e.At))
		}
	}
	return msg + fmt.Sprintf(". Trạng thái hiện tại “%s”: mở văn bản để xem lại.", orName(stateNames, d.State))
}
