package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/archive"
	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/internal/dn"
	"github.com/vanthu/vanthu/internal/mediatype"
	"github.com/vanthu/vanthu/workflow"
)

// documentRoutes registers a document's page and its file.
func (u *UI) documentRoutes(mux *http.ServeMux) {
	mux.Handle("GET /documents/{id}", u.auth(u.handleDocument))
	mux.Handle("POST /documents/{id}", u.auth(u.handleDocumentPost))
	mux.Handle("GET /documents/{id}/file", u.auth(u.handleFile))
	mux.Handle("GET /documents/{id}/deliveries", u.auth(u.handleDeliveries))
	mux.Handle("POST /documents/{id}/refusals-seen", u.auth(u.handleRefusalsSeen))
}

// docView is the document page.
type docView struct {
	Doc       *workflow.Document
	Main      workflow.File
	HasMain   bool
	PageImage *pageImage // the first page, for touch screens (reader.go)
	Signer    string
	Creator   string
	// Arrived: the document was created by the exchange (received from a
	// connected agency): its page says when it arrived, not who created it.
	Arrived bool
	// Drafter is an outgoing document's drafter when it is no longer who
	// created it (its drafts passed on: Chuyển việc cho…).
	Drafter     string
	Assignee    string
	Actions     []workflow.Action // buttons of the main form (all allowed but assign)
	Reasoned    []workflow.Action // those of Actions that need a reason in the comment, which its label names
	Unavailable []workflow.Action // allowed, but this server lacks what they need
	CanAssign   bool
	Handlers    []*workflow.User
	Events      []eventRow
	Report      *sigReport
	ReportNote  string // why there is no report
	Deliveries  []deliveryRow
	ShowDeliver bool
	Pending     bool
	// Watch: no delivery is pending, but a recipient may still report a
	// status (settled); Refresh the pace of the refreshes, in ms.
	Watch   bool
	Refresh [3]int64
	// DeliveriesRead is when the deliveries section was read (the page, or
	// app.js refreshing the section alone): what its lines say.
	DeliveriesRead time.Time
	Record         *archive.Record
	Overdue        bool
	DueLeft        string // days to the due date (dueLeft)
	CompletedLate  string // "Hoàn thành quá hạn N ngày" (completedLate)
	Error          string // the problem of the last post, shown above the actions
	NextNumber     int    // before "Phát hành": the number it would take (a peek)
	NextNotation   string
	Stamp          []string // before "Ký số": where the stamps go
	NeedOverride   bool     // registering needs the override (invalid signatures)
	Comment        string
	CanAmend       bool // a handler may draft a replacement or an update of this sent document
	CanReply       bool // its handler may draft an outgoing reply to this incoming document
	// Invalid is the input at fault, with Error; Assign what the
	// assignment form held when it came back with a problem.
	Invalid Invalid
	Assign  *assignForm
	Next    *nextStep // after an action or a save: what comes next
	// Replaces, Updates, ReplacedBy and UpdatedBy are the documents
	// linked to this one by a replacement or an update (nil: none).
	Replaces, Updates, ReplacedBy, UpdatedBy *relatedDoc
	// RepliesTo is the incoming letter this draft answers (nil: none),
	// Replies every reply drafted to this letter, oldest first.
	RepliesTo *relatedDoc
	Replies   []*relatedDoc
	// Returned is the return that sent this draft back, while it is
	// one: who, when and why, shown at the top of the page.
	Returned *eventRow
	// Directive is the leader's direction on an incoming document
	// (lastDirective), at the page's top.
	Directive *eventRow
	// MovedAway: a hand-over took the document from the viewer
	// (lastMovedAway), said at the page's top.
	MovedAway *movedAway
	// ReturnedBefore: a draft in review or approved that was returned
	// before — how often, the last return, and whether its drafter
	// revised it since — shown at the top to the official who reads it
	// again (nil: never returned, or no longer before its signature).
	ReturnedBefore *returnedBefore
	// LayoutReset says why the stamp layout set by hand was dropped when
	// the draft's PDF was replaced, until the layout is set again; to
	// those who may set it (layoutReset).
	LayoutReset string
	// CanRevise: the user may revise this draft ("Sửa dự thảo").
	CanRevise bool
	// Removed are the attachments a revision removed, by SHA-256: a
	// superseded file that is one is said so, not as an earlier PDF.
	Removed map[string]bool
	// Duplicates: before "Vào sổ", the other incoming documents of the
	// same sender and notation (duplicates.go).
	Duplicates []*workflow.Document
	// CanCopy: the clerk may make a copy of it (copies.go).
	CanCopy bool

	// AssigneeWork is the page where the viewer passes the assignee's
	// waiting documents to another handler (Chuyển việc cho…), while this
	// one waits for the assignee and the viewer may ("": not).
	AssigneeWork string
}

// assignForm is what was typed in the assignment form.
type assignForm struct{ AssigneeID, DueDate, Comment string }

type eventRow struct {
	At      time.Time
	Actor   string
	Text    string
	Comment string
	// linkID is the document a link event names (its reply, replacement
	// or update), and Link that document named by number and subject
	// (linkEvents): the history said its ID alone.
	linkID string
	Link   *relatedDoc
}

type deliveryRow struct {
	Org      string
	OrgID    string
	Kind     string
	State    string
	StateCls string
	Code     string
	CodeText string
	At       *time.Time
	Attempts int
	Note     string
	// Retry says, of a delivery being retried, how many times it was
	// tried, when last, and when it is tried again by itself — not in
	// Said: a screen reader is not told each new attempt.
	Retry string
	// Before lists the statuses the recipient reported before its last
	// (Code), each with its time: "01 · Đã đến (08:05 08/12/2026); 03 · …";
	// After those dated after it, which it does not follow (statusesAround).
	Before, After string
	// Raw is the delivery's last error as the exchange worker wrote it
	// (English, for the administrator), Note saying it in Vietnamese.
	Raw string
	// Revocation is the recipient's latest answer to a revocation request
	// (15 or 16, with a refusal's reason); "" when it gave none.
	Revocation string
	// Reason is why the recipient refused the document (the description
	// of its status 02), when Code is 02.
	Reason string
	// Key names the delivery (its ID) and Said is its state in a
	// sentence: app.js compares them before and after a refresh and has
	// the page's live region say the rows whose state changed.
	Key, Said string
	// Doc names the delivery's document (number and subject) on the
	// admin's queue; "" when it cannot be read.
	Doc string
	// Resend is the Gửi lại button of a delivery failed for good (clerks).
	Resend *resendForm
}

// statusCodes are the edXML status codes (QCVN 102:2016) in Vietnamese.
var statusCodes = map[string]string{
	"01": "Đã đến", "02": "Từ chối tiếp nhận", "03": "Đã tiếp nhận (vào sổ)", "04": "Đã phân công",
	"05": "Đang xử lý", "06": "Hoàn thành", "13": "Đề nghị thu hồi", "15": "Đồng ý thu hồi", "16": "Từ chối thu hồi",
}

var deliveryStates = map[workflow.DeliveryState]string{
	workflow.DeliveryPending: "Đang gửi", workflow.DeliveryDelivered: "Đã gửi đến", workflow.DeliveryFailed: "Gửi thất bại",
}

func (u *UI) handleDocument(w http.ResponseWriter, r *http.Request, s *Session) error {
	d, err := u.cfg.Docs.Get(r.Context(), s.User, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := u.documentView(r, s, d)
	if err != nil {
		return err
	}
	u.render(w, r, s, http.StatusOK, "document", d.Subject, v)
	return nil
}

// assigneeWork is docView.AssigneeWork: where a clerk (or an admin) who
// finds a document waiting for a handler who is away passes that
// handler's work on — from the document, where she sees it waits.
func assigneeWork(s *Session, d *workflow.Document) string {
	if !workflow.WaitsByName(d, workflow.RoleHandler, d.AssigneeID) || !workflow.MayReassign(s.User, workflow.RoleHandler) {
		return ""
	}
	return userPagePath(s, d.AssigneeID) + "#reassign"
}

func (u *UI) documentView(r *http.Request, s *Session, d *workflow.Document) (*docView, error) {
	ctx := r.Context()
	names, err := u.userNames(r)
	if err != nil {
		return nil, err
	}
	v := &docView{Doc: d, Signer: names[d.SignerID], Creator: names[d.CreatedBy], Assignee: names[d.AssigneeID],
		Overdue: overdue(d, u.now()), DueLeft: dueLeft(d, u.now()), AssigneeWork: assigneeWork(s, d)}
	v.Main, v.HasMain = d.MainFile()
	v.PageImage = firstPageImage(d)
	v.CanReply = d.Direction == workflow.Incoming && (d.State == workflow.InProgress || d.State == workflow.Completed) &&
		d.AssigneeID == s.User.ID && s.User.Has(workflow.RoleHandler)
	v.CanAmend = d.Direction == workflow.Outgoing && (d.State == workflow.Sent || d.State == workflow.Revoked) && s.User.Has(workflow.RoleHandler)
	for _, a := range workflow.AllowedActions(d, s.User) {
		if a == workflow.Assign {
			v.CanAssign = true
			continue
		}
		// A button this server can never take (no signer, no exchange:
		// EUNAVAILABLE whatever the input) is not shown; the page says
		// why.
		if err := u.cfg.Docs.Available(d, a); err != nil {
			v.Unavailable = append(v.Unavailable, a)
			continue
		}
		v.Actions = append(v.Actions, a)
		if needsReason(d, a) {
			v.Reasoned = append(v.Reasoned, a)
		}
	}
	sortActions(v.Actions)
	if v.CanAssign {
		if v.Handlers, err = u.assignees(ctx); err != nil {
			return nil, err
		}
	}
	evs, err := u.cfg.Docs.Events(ctx, s.User, d.ID)
	if err != nil {
		return nil, err
	}
	v.history(d, evs, names)
	v.CompletedLate = completedLate(d, evs)
	v.Returned, v.CanRevise, v.Removed = lastReturn(d, evs, names), u.mayRevise(d, s), removedAttachments(evs)
	v.ReturnedBefore, v.Directive = earlierReturns(d, evs, names), lastDirective(d, evs, names)
	v.MovedAway = lastMovedAway(evs, s.User.ID, names)
	if sig, nd := workflow.CanEditLayout(d, s.User); sig || nd {
		v.LayoutReset = layoutReset(evs)
	}
	u.related(ctx, s, d, v)
	v.CanCopy = copyable(d, s)
	if err := u.signatureReport(r, s, d, v); err != nil {
		return nil, err
	}
	if err := u.actionPreviews(ctx, s, d, v); err != nil {
		return nil, err
	}
	next(r, s, d, v)
	if err := u.nextWaiting(r, s, d, v); err != nil {
		return nil, err
	}
	if u.showsDeliveries(d) {
		if err := u.deliveries(ctx, s, d, v); err != nil {
			return nil, err
		}
	}
	if d.State == workflow.Archived && u.cfg.Archive != nil {
		rec, err := u.cfg.Archive.Get(ctx, s.User, d.ID)
		switch workflow.ErrorCode(err) {
		case "":
			v.Record = rec
		case workflow.ENOTFOUND, workflow.EFORBIDDEN:
		default:
			return nil, err
		}
	}
	return v, nil
}

// assignees are the users a document can be assigned to: the handlers
// whose account is enabled.
func (u *UI) assignees(ctx context.Context) ([]*workflow.User, error) {
	users, err := u.cfg.Directory.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []*workflow.User
	for _, x := range users {
		if x.Has(workflow.RoleHandler) && !x.Disabled {
			out = append(out, x)
		}
	}
	return out, nil
}

// actionPreviews fills in what the page says before an action: the number
// issuing would take, where signing puts its stamps, whether registering
// needs the override and what it may duplicate.
func (u *UI) actionPreviews(ctx context.Context, s *Session, d *workflow.Document, v *docView) error {
	for _, a := range v.Actions {
		switch a {
		case workflow.Issue:
			n, notation, err := u.cfg.Docs.NextNotation(ctx, s.User, d.ID)
			if err != nil {
				return err
			}
			v.NextNumber, v.NextNotation = n, notation
		case workflow.Sign:
			v.Stamp = stampPlaces(d.Layout)
		case workflow.Register:
			v.NeedOverride = v.Report != nil && v.Report.Verdict == workflow.VerdictInvalid
			var err error
			if v.Duplicates, err = u.duplicates(ctx, s, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliveries fills in the exchange deliveries of the document (packages
// and status notices), and whether one is still pending.
func (u *UI) deliveries(ctx context.Context, s *Session, d *workflow.Document, v *docView) error {
	v.ShowDeliver = true
	v.DeliveriesRead = u.now()
	rf := u.cfg.Refresh
	v.Refresh = [3]int64{rf.Pending.Milliseconds(), rf.Slow.Milliseconds(), rf.SlowMax.Milliseconds()}
	reps, err := u.cfg.Exchange.Deliveries(ctx, s.User, d.ID)
	if err != nil {
		return err
	}
	for _, rep := range reps {
		v.Watch = v.Watch || !exchange.Settled(rep.Delivery, rep.Statuses, d)
		row := deliveryRow{Org: rep.OrgName, OrgID: rep.OrgID, State: orName(deliveryStates, rep.State),
			StateCls: "d-" + string(rep.State), Attempts: rep.Attempts, Code: rep.StatusCode}
		if rep.Kind == workflow.DeliverDocument {
			row.Kind, row.Code, row.At = "Văn bản", rep.LastStatus, rep.LastStatusAt
			row.Before, row.After = statusesAround(rep.Statuses, rep.LastStatus, rep.LastStatusAt)
		} else {
			row.Kind = "Thông báo trạng thái"
			row.At = &rep.UpdatedAt
		}
		row.CodeText = statusCodes[row.Code]
		if d.RevokeState != "" {
			// An answer to our revocation; a 15 or 16 of a document we
			// never asked to revoke (an update's answer, or unprompted) is
			// among the statuses only (exchange.Settled).
			row.Revocation = revocationAnswer(rep.Statuses)
		}
		if row.Code == "02" {
			row.Reason = refusalReason(rep.Statuses)
		}
		row.Key = rep.ID
		if rep.State == workflow.DeliveryPending {
			v.Pending = true
			if rep.LastError != "" {
				row.Note = "Đang thử lại: " + deliveryProblem(rep.LastError)
				row.Retry = retrySaid(rep.Delivery)
			}
		}
		if rep.State == workflow.DeliveryFailed {
			row.Note, row.Raw = deliveryProblem(rep.LastError), rep.LastError
			if rep.Kind != workflow.DeliverStatus {
				row.Resend = resendOf(s, rep.Delivery, "doc")
			}
		}
		row.Said = row.said()
		v.Deliveries = append(v.Deliveries, row)
	}
	return nil
}

// retrySaid says of a delivery being retried how many times it was
// tried, when last and when it is tried again by itself: "Đã thử 3 lần,
// lần gần nhất 08:05 08/12/2026; tự động thử lại lúc 08:07 08/12/2026."
func retrySaid(d workflow.Delivery) string {
	s := fmt.Sprintf("Đã thử %d lần, lần gần nhất %s", d.Attempts, fmtDateTime(d.UpdatedAt))
	if !d.NextAttempt.IsZero() {
		s += "; tự động thử lại lúc " + fmtDateTime(d.NextAttempt)
	}
	return s + "."
}

// statusesAround lists, in the order they came, the statuses a recipient
// reported besides the one the row shows (last at at: the delivery's
// LastStatus, its furthest stage or its refusal; at nil, the latest of
// that code), each with when it says it happened: those dated before it
// (the clerk sees when her document was registered and assigned there,
// not only that it is now being handled), and those after it — the
// answers to a revocation or an update, an earlier stage sent again or
// dated by a clock ahead, which the last status does not follow. "" for
// none.
func statusesAround(sts []workflow.ReceivedStatus, last string, at *time.Time) (before, after string) {
	shown := -1
	for i, st := range sts {
		if st.Code == last && (at == nil || st.At.Equal(*at)) {
			shown = i
		}
	}
	var b, a []string
	for i, st := range sts {
		if i == shown {
			continue
		}
		p := st.Code
		if t := statusCodes[st.Code]; t != "" {
			p += " · " + t
		}
		if !st.At.IsZero() {
			p += " (" + fmtDateTime(st.At) + ")"
		}
		if shown >= 0 && i > shown {
			a = append(a, p)
		} else {
			b = append(b, p)
		}
	}
	return strings.Join(b, "; "), strings.Join(a, "; ")
}

// said is the row's state as one sentence, what a screen reader is told
// when it changes: "Văn bản gửi UBND phường Long Hòa: Đã gửi đến, 03 ·
// Đã tiếp nhận (vào sổ)."
func (r deliveryRow) said() string {
	s := r.Kind + " gửi " + r.Org + ": " + r.State
	if r.Note != "" {
		s += " (" + r.Note + ")"
	}
	if r.Code != "" {
		s += ", " + r.Code
		if r.CodeText != "" {
			s += " · " + r.CodeText
		}
	}
	if r.Reason != "" {
		s += ", lý do: " + r.Reason
	}
	if r.Revocation != "" {
		s += ", thu hồi: " + r.Revocation
	}
	return s + "."
}

// revocationAnswer is a recipient's latest answer to a revocation request
// among its statuses (in the order it says they happened): each recipient
// answers for itself, so the sender sees every answer, a refusal's reason
// included, whatever the document's state became.
func revocationAnswer(sts []workflow.ReceivedStatus) string {
	for i := len(sts) - 1; i >= 0; i-- {
		switch st := sts[i]; st.Code {
		case "15":
			return statusCodes[st.Code]
		case "16":
			return strings.TrimSuffix(statusCodes[st.Code]+": "+strings.TrimSpace(st.Description), ": ")
		case "13":
			return "" // asked again: no answer yet to the latest request
		}
	}
	return ""
}

// refusalReason is the reason the recipient gave with its latest 02
// (refused on receipt or by its clerk); "" if it gave none.
func refusalReason(sts []workflow.ReceivedStatus) string {
	for i := len(sts) - 1; i >= 0; i-- {
		if sts[i].Code == "02" {
			return strings.TrimSpace(sts[i].Description)
		}
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// stampPlaces says in words where the stamps of layer 1 and 2 go.
func stampPlaces(l *workflow.Layout) []string {
	var out []string
	box := func(what string, b *workflow.Box, def string) {
		if b == nil {
			out = append(out, what+": "+def)
			return
		}
		page := "trang cuối"
		if b.Page > 0 {
			page = "trang " + strconv.Itoa(b.Page)
		}
		const mm = 25.4 / 72
		out = append(out, fmt.Sprintf("%s: %s, cách lề trái %.0f mm, cách mép dưới %.0f mm, khung %.0f × %.0f mm",
			what, page, b.X*mm, b.Y*mm, b.W*mm, b.H*mm))
	}
	if l == nil {
		l = &workflow.Layout{}
	}
	box("Chữ ký của lãnh đạo và dấu cơ quan", l.Signature, "góc dưới bên phải của trang cuối (mặc định)")
	box("Số, ký hiệu", l.Number, "dòng “Số:” mới dưới dòng “Số:” của dự thảo, trang 1 (mặc định)")
	box("Ngày ban hành", l.Date, "dòng ngày tháng mới dưới dòng ngày của dự thảo, trang 1 (mặc định)")
	return out
}

// eventText says what an audit event records, in Vietnamese.
func eventText(e workflow.Event, names map[string]string) string {
	switch e.Kind {
	case workflow.EventCreate:
		switch {
		case e.Actor == workflow.Exchange.ID:
			return "Nhận văn bản qua trục liên thông"
		case e.Data["import_file"] != "":
			return "Nhập văn bản từ kho lưu trữ có sẵn (tệp “" + e.Data["import_file"] + "”)"
		}
		return "Tạo văn bản"
	case workflow.EventUpload:
		kind := map[string]string{"main": "văn bản", "attachment": "phụ lục", "signed": "bản đã ký"}[e.Data["kind"]]
		return fmt.Sprintf("Tải lên tệp %s “%s”", orDefault(kind, "tệp"), e.Data["name"])
	case workflow.EventComment:
		return "Cho ý kiến"
	case workflow.EventTransition:
		t := orName(actionNames, e.Action) + " (" + orName(stateNames, e.From) + " → " + orName(stateNames, e.To) + ")"
		if n := e.Data["notation"]; n != "" {
			t += "; số, ký hiệu " + n
		} else if n := e.Data["number"]; n != "" && e.Action == workflow.Register {
			t += "; số đến " + n
		}
		if a := e.Data["assignee_id"]; a != "" {
			t += "; người xử lý: " + orDefault(names[a], a)
		}
		if vd := e.Data["verdict"]; vd != "" {
			t += "; chữ ký số: " + orName(verdictNames, vd)
		}
		if e.Data["override"] == "true" {
			t += " (vào sổ dù chữ ký không hợp lệ)"
		}
		return t
	case workflow.EventArchive, workflow.EventArchiveUse:
		return archiveEventText(e)
	case workflow.EventLayout:
		return "Điều chỉnh vị trí số, ngày tháng và chữ ký"
	case workflow.EventRevise:
		return reviseEventText(e)
	case workflow.EventNumberVoided:
		return fmt.Sprintf("Hủy số %s (%s năm %s) do phát hành không thành công", orDefault(e.Data["notation"], e.Data["number"]),
			strings.ToLower(orName(registerNames, workflow.RegisterKind(e.Data["register"]))), e.Data["year"])
	case "revoke":
		return "Thu hồi văn bản"
	case workflow.EventDeliveryRefused:
		org := orDefault(e.Data["org_name"], e.Data["org_id"])
		if e.Data["status"] == "" {
			return "Gửi liên thông đến " + org + " thất bại, không gửi lại"
		}
		return org + " từ chối tiếp nhận văn bản gửi liên thông"
	case workflow.EventDeliveryResent:
		return "Gửi lại liên thông đến " + orDefault(e.Data["org_name"], e.Data["org_id"]) + " (lần gửi trước thất bại)"
	case workflow.EventDeliveryDealt:
		why := "bị từ chối tiếp nhận"
		if e.Data["watch"] == string(workflow.WatchFailed) {
			why = "gửi thất bại"
		}
		return "Đánh dấu đã xử lý lượt gửi liên thông đến " + orDefault(e.Data["org_name"], e.Data["org_id"]) + " (" + why + ")"
	case workflow.EventReassigned:
		who := reassignedWho[e.Data["party"]]
		if who == "" { // written before events named the party
			who = map[string]string{string(workflow.RoleOfficer): "người ký", string(workflow.RoleHandler): "người xử lý"}[e.Data["role"]]
		}
		from, to := e.Data["from"], e.Data["to"]
		return fmt.Sprintf("Chuyển %s: %s → %s", orDefault(who, "việc"), orDefault(names[from], from), orDefault(names[to], to))
	case workflow.EventRefusalsSeen:
		return "Đánh dấu đã xử lý việc gửi liên thông bị từ chối"
	case workflow.EventCopied:
		return copiedEventText(e)
	case workflow.EventLink:
		if id := e.Data["replaced_by"]; id != "" {
			return "Được thay thế bởi văn bản " + id
		}
		if id := e.Data["replied_by"]; id != "" {
			return "Có văn bản trả lời " + id
		}
		return "Được cập nhật bởi văn bản " + e.Data["updated_by"]
	}
	return string(e.Kind)
}

// history fills v's history (newest first) and its creator from d's
// events: who created it (a received document has no CreatedBy), and an
// outgoing document's drafter when its drafts were passed on since.
func (v *docView) history(d *workflow.Document, evs []workflow.Event, names map[string]string) {
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		v.Events = append(v.Events, eventRow{At: e.At, Actor: orDefault(names[e.Actor], "Hệ thống"), Text: eventText(e, names), Comment: personComment(e), linkID: linkedID(e)})
		if e.Kind == workflow.EventCreate {
			v.Creator = orDefault(names[e.Actor], "Hệ thống")
			v.Arrived = e.Actor == workflow.Exchange.ID
			if d.Direction == workflow.Outgoing && d.CreatedBy != "" && d.CreatedBy != e.Actor {
				v.Drafter = orDefault(names[d.CreatedBy], d.CreatedBy)
			}
		}
	}
}

// reassignedWho names, by the party a reassigned event moved, the person
// its history line says was changed.
var reassignedWho = map[string]string{
	string(workflow.NamedSigner): "người ký", string(workflow.TheAssignee): "người xử lý", string(workflow.TheDrafter): "người soạn thảo",
}

// archiveEventText says what an archive event records: the archival, a
// legal hold set or lifted, a use of the record (read, exported).
func archiveEventText(e workflow.Event) string {
	switch {
	case e.Data["legal_hold"] == "on":
		return "Đặt phong tỏa pháp lý hồ sơ lưu trữ"
	case e.Data["legal_hold"] == "off":
		return "Gỡ phong tỏa pháp lý hồ sơ lưu trữ"
	case e.Kind == workflow.EventArchive:
		return "Lưu trữ"
	case e.Data["use"] == "export":
		return "Xuất gói hồ sơ lưu trữ (BagIt)"
	case e.Data["name"] != "":
		return "Khai thác hồ sơ lưu trữ: mở tệp “" + e.Data["name"] + "”"
	}
	return "Khai thác hồ sơ lưu trữ"
}

// sigReport is the signature report as the page shows it (decoded from
// the verifier's JSON report).
type sigReport struct {
	Verdict    string
	Reasons    []string
	Signatures []sigRow
}

type sigRow struct {
	Index int
	// Stamp: a document time-stamp (/SubFilter ETSI.RFC3161), whose
	// "signer" is the time-stamping authority, not a person or an agency.
	Stamp       bool
	Who         string
	Subject     string
	Issuer      string
	Serial      string
	Valid       string
	When        string
	Timestamp   string
	Chain       string
	ChainOK     bool
	Covers      string
	Verdict     string
	Changes     []string
	Errors      []string
	ValidPeriod string
}

type reportJSON struct {
	Verdict    string   `json:"verdict"`
	Reasons    []string `json:"reasons"`
	Size       int64    `json:"size"`
	Signatures []struct {
		Index       int    `json:"index"`
		Name        string `json:"name"`
		SubFilter   string `json:"subfilter"`
		SigningTime string `json:"signing_time"`
		Signer      *struct {
			Subject   string `json:"subject"`
			Issuer    string `json:"issuer"`
			Serial    string `json:"serial"`
			NotBefore string `json:"not_before"`
			NotAfter  string `json:"not_after"`
		} `json:"signer"`
		ChainTrusted    bool    `json:"chain_trusted"`
		ChainError      string  `json:"chain_error"`
		ByteRange       []int64 `json:"byte_range"`
		CoversWholeFile bool    `json:"covers_whole_file"`
		SignatureValid  bool    `json:"signature_valid"`
		Timestamp       *struct {
			Time      string `json:"time"`
			Authority string `json:"authority"`
			Trusted   bool   `json:"trusted"`
		} `json:"timestamp"`
		LaterChanges []struct {
			Object  string `json:"object"`
			Kind    string `json:"kind"`
			Allowed bool   `json:"allowed"`
			Detail  string `json:"detail"`
		} `json:"later_changes"`
		Errors []string `json:"errors"`
	} `json:"signatures"`
}

// decodeReport turns a verification into the page's report.
func decodeReport(v *workflow.Verification) *sigReport {
	out := &sigReport{Verdict: v.Verdict, Reasons: reasonsVI(v)}
	var rj reportJSON
	if len(v.Report) == 0 || json.Unmarshal(v.Report, &rj) != nil {
		return out
	}
	for _, sg := range rj.Signatures {
		row := sigRow{Index: sg.Index + 1, When: rfcToVN(sg.SigningTime), ChainOK: sg.ChainTrusted, Errors: sg.Errors, Who: sg.Name,
			Stamp: sg.SubFilter == docTimeStampSubFilter}
		if sg.Signer != nil {
			row.Subject, row.Issuer, row.Serial = dnVI(sg.Signer.Subject), dnVI(sg.Signer.Issuer), sg.Signer.Serial
			if cn := commonName(sg.Signer.Subject); cn != "" {
				row.Who = cn
			}
			row.ValidPeriod = rfcToVN(sg.Signer.NotBefore) + " – " + rfcToVN(sg.Signer.NotAfter)
		}
		if sg.Timestamp != nil {
			row.Timestamp = rfcToVN(sg.Timestamp.Time)
			if !sg.Timestamp.Trusted {
				row.Timestamp += " (dấu thời gian chưa được tin cậy)"
			}
		}
		if sg.ChainTrusted {
			row.Chain = "Chuỗi chứng thư tin cậy"
		} else {
			row.Chain = "Chuỗi chứng thư không tin cậy"
			if sg.ChainError != "" {
				row.Chain += ": " + sg.ChainError
			}
		}
		if sg.CoversWholeFile {
			row.Covers = "Toàn bộ tệp"
		} else if len(sg.ByteRange) == 4 {
			row.Covers = fmt.Sprintf("Một phần tệp (%d byte đầu, phiên bản trước các cập nhật sau đó)", sg.ByteRange[2]+sg.ByteRange[3])
		} else {
			row.Covers = "Không xác định"
		}
		forbidden, allowed := false, 0
		for _, c := range sg.LaterChanges {
			if c.Allowed {
				allowed++
				continue
			}
			txt := c.Object + " " + c.Kind
			if c.Detail != "" {
				txt += ": " + c.Detail
			}
			row.Changes = append(row.Changes, txt+" (không được phép)")
			forbidden = true
		}
		if allowed > 0 {
			row.Changes = append([]string{fmt.Sprintf("%d đối tượng thêm sau chữ ký, đều được phép (chữ ký, hình dấu, chú thích)", allowed)}, row.Changes...)
		}
		switch {
		case !sg.SignatureValid || forbidden:
			row.Verdict = workflow.VerdictInvalid
		case sg.ChainTrusted && len(sg.Errors) == 0:
			row.Verdict = workflow.VerdictValid
		default:
			row.Verdict = workflow.VerdictIndeterminate
		}
		out.Signatures = append(out.Signatures, row)
	}
	return out
}

func commonName(subject string) string { return dn.First(subject, "CN") }

func rfcToVN(s string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(workflow.Vietnam).Format("15:04:05 02/01/2006")
}

// signatureReport fills the report: the stored one (registration, issue),
// else — for a file still in progress, or an incoming document before
// registration — a fresh check of the current file.
func (u *UI) signatureReport(r *http.Request, s *Session, d *workflow.Document, v *docView) error {
	if d.Verification != nil && !(d.State == workflow.OfficerSigned) {
		v.Report = decodeReport(d.Verification)
		return nil
	}
	if u.cfg.Verify == nil || !v.HasMain {
		return nil
	}
	if d.Direction == workflow.Outgoing && v.Main.Kind != workflow.FileSigned {
		v.ReportNote = "Dự thảo chưa được ký số."
		return nil
	}
	rc, _, f, err := u.cfg.Docs.OpenFile(r.Context(), s.User, d.ID, "")
	if code := workflow.ErrorCode(err); code == workflow.ENOTFOUND || code == workflow.EUNAVAILABLE {
		// The document is the user's to see (d was read for them): its
		// file is missing from the store or the store is down. The page
		// says so and shows the rest (it answered "Không tìm thấy").
		u.log.WarnContext(r.Context(), "document file unreadable", "doc_id", d.ID, "err", err)
		v.ReportNote = fileUnreadable
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	release, err := u.hold(r.Context(), f.Size)
	if err != nil {
		return err
	}
	defer release()
	pdf, err := readSized(rc, f.Size, max(f.Size, u.cfg.MaxUpload)) // stored: a signed revision may pass the upload limit
	if err != nil {
		return fmt.Errorf("read file of %s: %w", d.ID, err)
	}
	ver, err := u.cfg.Verify(r.Context(), pdf)
	if code := workflow.ErrorCode(err); code == workflow.EUNPROCESSABLE || code == workflow.EUNSUPPORTEDMEDIA {
		ver, err = workflow.Verification{Verdict: workflow.VerdictIndeterminate, Reasons: []string{"Không phân tích được tệp để kiểm tra chữ ký."}}, nil
	}
	if err != nil {
		return err
	}
	v.Report = decodeReport(&ver)
	return nil
}

// handleDocumentPost applies the posted action (or adds a comment) and
// goes back to the document page; an action that cannot be undone is
// applied only when the post confirms it (confirm.go), else the
// confirmation page is shown. A problem with the input is shown on
// the page; a document the user may not see, or an action the user may
// not take, is the error page (not found, forbidden).
func (u *UI) handleDocumentPost(w http.ResponseWriter, r *http.Request, s *Session) error {
	id := r.PathValue("id")
	ctx := r.Context()
	action := workflow.Action(r.PostFormValue("action"))
	comment := r.PostFormValue("comment")
	var err error
	if action == "comment" {
		err = u.cfg.Docs.Comment(ctx, s.User, id, comment)
	} else {
		in := workflow.ActionInput{Comment: comment, AssigneeID: r.PostFormValue("assignee_id"),
			Override: r.PostFormValue("override") == "true"}
		if vs := r.PostFormValue("version"); vs != "" {
			in.Version, _ = strconv.Atoi(vs)
		}
		_, ask := irreversible[action]
		// A due date that cannot be read is refused with the input's other
		// problems (ActionInput.Problems): the form shows them all at once.
		if in.DueDate, err = parseFormDate("due_date", r.PostFormValue("due_date")); err != nil {
			in.Problems = append(in.Problems, err)
		}
		switch {
		case ask && !confirmed(r, string(action)):
			// Not confirmed: the confirmation page, or why it cannot be done.
			if err = u.confirmAction(w, r, s, id, action, in, nil); err == nil {
				return nil
			}
		default:
			var answered bool
			if answered, err = u.applyAction(w, r, s, id, action, in); answered {
				return nil
			}
		}
	}
	if err == nil {
		q := "?done=" + string(action)
		if action == "comment" {
			q = "?ok=comment"
		}
		http.Redirect(w, r, "/documents/"+id+q, http.StatusSeeOther)
		return nil
	}
	err = u.fileLost(r, s, id, err)
	code, p := problemOf(err)
	if (code == workflow.ECONFLICT || code == workflow.EILLEGAL) && action != "comment" && u.repeated(r, s, id, action, code) {
		// The page the first post led to (a double click shows the
		// second's answer).
		to := "/documents/" + id + "?done=" + string(action)
		if d, gerr := u.cfg.Docs.Get(ctx, s.User, id); gerr == nil && nextPaper(d, action) {
			to = nextPaperURL(id)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	if code == workflow.EFORBIDDEN || code == workflow.ENOTFOUND || code == workflow.EUNAUTHORIZED || p.Status >= 500 && code != workflow.EUNAVAILABLE {
		return err
	}
	d, gerr := u.cfg.Docs.Get(ctx, s.User, id)
	if gerr != nil {
		return gerr
	}
	v, verr := u.documentView(r, s, d)
	if verr != nil {
		return verr
	}
	inputs := map[string]string{"comment": "comment"}
	if action == workflow.Assign {
		v.Assign = &assignForm{AssigneeID: r.PostFormValue("assignee_id"), DueDate: r.PostFormValue("due_date"), Comment: comment}
		inputs = map[string]string{"comment": "assign_comment", "assignee_id": "assignee_id", "due_date": "due_date"}
	} else {
		v.Comment = comment
	}
	v.Error, v.Invalid = formProblems(err, inputIn(inputs), func(err error) string { return actionProblem(action, err) })
	if changed := changedMeanwhile(r, code, action, d, v); changed != "" {
		v.Error = changed
	}
	u.render(w, r, s, p.Status, "document", d.Subject, v)
	return nil
}

// applyAction applies a posted action (confirmed, if it asks first): a
// signature only with its signer present (signer.go: the confirmation
// page again, answered, when not). answered: the page is answered (the
// confirmation again, the next paper document's form); else err is
// Apply's, nil when done.
func (u *UI) applyAction(w http.ResponseWriter, r *http.Request, s *Session, id string, action workflow.Action, in workflow.ActionInput) (answered bool, err error) {
	refused, err := u.signerAbsent(r, s, action)
	if refused != nil {
		if err = u.confirmAction(w, r, s, id, action, in, refused); err == nil {
			return true, nil
		}
	}
	if err != nil {
		return false, err
	}
	d, err := u.cfg.Docs.Apply(r.Context(), s.User, id, action, in)
	if err == nil && nextPaper(d, action) {
		http.Redirect(w, r, nextPaperURL(id), http.StatusSeeOther)
		return true, nil
	}
	return false, err
}

// changedMeanwhile is the message of an action refused because the
// document changed after the user opened its page (someone else returned
// it, signed it, commented): what the action did not do, the last change
// (who, what, when) and the state now, and that the comment typed is
// kept. The table's text ("Vui lòng tải lại trang") asked to reload the
// page the user was already reading again. "" when the document is at
// the version the form was posted with (another cause).
func changedMeanwhile(r *http.Request, code string, action workflow.Action, d *workflow.Document, v *docView) string {
	posted, _ := strconv.Atoi(r.PostFormValue("version"))
	if code != workflow.EILLEGAL && code != workflow.ECONFLICT && code != workflow.EPRECONDITION || posted == 0 || posted == d.Version {
		return ""
	}
	msg := fmt.Sprintf("Chưa thực hiện “%s”: văn bản đã thay đổi sau khi bạn mở trang", orName(actionNames, action))
	if len(v.Events) > 0 {
		e := v.Events[0] // the newest
		msg += fmt.Sprintf(" — %s: %s, lúc %s", e.Actor, e.Text, fmtDateTime(e.At))
	}
	msg += fmt.Sprintf(". Dưới đây là văn bản hiện tại (trạng thái “%s”)", orName(stateNames, d.State))
	if slices.Contains(v.Actions, action) {
		msg += fmt.Sprintf("; xem lại rồi bấm “%s” lần nữa nếu vẫn muốn", orName(actionNames, action))
	}
	if strings.TrimSpace(r.PostFormValue("comment")) != "" {
		msg += "; ý kiến bạn đã nhập vẫn còn trong ô Ý kiến"
	}
	return msg + "."
}

// nextPaper says whether "Vào sổ" leads to the form of the next incoming
// document rather than back to the registered one: a paper document
// typed in by hand (not received over the exchange), as a clerk takes
// them from the pile one after the other; the form names the one just
// registered, with its link.
func nextPaper(d *workflow.Document, a workflow.Action) bool {
	return a == workflow.Register && d != nil && d.Direction == workflow.Incoming && d.ExternalID == ""
}

func nextPaperURL(id string) string { return "/incoming/new?done=register&registered=" + id }

// Repeated submissions: how long a second click waits for the first
// one's work (a signature, a reserved number), and how recent the user's
// own action must be to count as the one the click repeats.
const (
	repeatWait   = time.Minute
	repeatWindow = 10 * time.Minute
)

// repeated reports whether a posted action that the service refused as
// stale (ECONFLICT) or illegal in the document's state (EILLEGAL) is this
// user's own action applied a moment ago: a double click on "Cấp số", a
// form sent again from the back button or after a reload. Such a click
// shows the action's result, not an error about the state its own first
// click changed. While the document is still at the version the form
// was posted with (the first click's signature or number in progress),
// it waits for it, up to repeatWait.
func (u *UI) repeated(r *http.Request, s *Session, id string, action workflow.Action, code string) bool {
	posted, _ := strconv.Atoi(r.PostFormValue("version"))
	return u.repeatedAt(r, s, id, action, code, posted, r.PostFormValue("assignee_id"))
}

// repeatedAt is repeated of a form posted with version posted (and, for
// an assignment, assignee): a batch's signature posts its own.
func (u *UI) repeatedAt(r *http.Request, s *Session, id string, action workflow.Action, code string, posted int, assignee string) bool {
	ctx := r.Context()
	deadline := time.Now().Add(repeatWait)
	for {
		d, err := u.cfg.Docs.Get(ctx, s.User, id)
		if err != nil {
			return false
		}
		if posted == 0 || d.Version != posted {
			break
		}
		if code != workflow.ECONFLICT || time.Now().After(deadline) {
			return false // unchanged since the form: not a repeat
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(200 * time.Millisecond):
		}
	}
	evs, err := u.cfg.Docs.Events(ctx, s.User, id)
	if err != nil {
		return false
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Kind != workflow.EventTransition {
			continue
		}
		return e.Action == action && e.Actor == s.User.ID && u.now().Sub(e.At) <= repeatWindow &&
			(action != workflow.Assign || e.Data["assignee_id"] == assignee)
	}
	return false
}

// actionProblem is the message of a failed action: specific where the
// cause is known, else the table's.
func actionProblem(a workflow.Action, err error) string {
	code, field := workflow.ErrorCode(err), workflow.ErrorField(err)
	switch {
	case code == workflow.EINVALID && field == "comment" && !errors.Is(err, workflow.ErrNoReason) && a != "comment":
		return "Ý kiến tối đa 4000 ký tự."
	case code == workflow.EINVALID && field == "due_date":
		return "Hạn xử lý không hợp lệ: nhập một ngày có thật, dạng dd/mm/yyyy (ví dụ 31/12/2026)."
	case code == workflow.EINVALID && field == "assignee_id":
		return "Phân công cần chọn một chuyên viên đang hoạt động."
	case a == workflow.Reject && code == workflow.EINVALID:
		return "Từ chối văn bản cần ghi rõ lý do trong ô Ý kiến."
	case a == workflow.Assign && code == workflow.EINVALID:
		return "Phân công cần chọn một chuyên viên đang hoạt động và hạn xử lý hợp lệ."
	case a == workflow.Register && code == workflow.EUNPROCESSABLE:
		return "Chữ ký số của văn bản không hợp lệ. Chỉ vào sổ khi đánh dấu “Vẫn vào sổ” và ghi lý do trong ô Ý kiến."
	case a == workflow.Send && code == workflow.EINVALID:
		return "Văn bản không có nơi nhận liên thông: hãy lưu trữ thay vì gửi."
	case a == "comment" && code == workflow.EINVALID:
		return "Ý kiến không được để trống (tối đa 4000 ký tự)."
	case errors.Is(err, errFileLost):
		return "Không đọc được tệp văn bản trong kho lưu trữ lúc này nên chưa thực hiện được thao tác. Báo quản trị hệ thống."
	case errors.Is(err, workflow.ErrNoReason):
		return "Thao tác này cần ghi rõ lý do trong ô Ý kiến."
	}
	return Message(err)
}

// handleFile streams a document's file: inline for the viewer in the
// document page (same-origin frame only), as a download with ?download=1.
//
// A HEAD is answered from the file's record and its blob's info, reading
// none of it (before, the whole file was read for a discarded body).
func (u *UI) handleFile(w http.ResponseWriter, r *http.Request, s *Session) error {
	var typ string
	var d *workflow.Document
	var f workflow.File
	var body io.Reader
	if r.Method == http.MethodHead {
		var oi workflow.ObjectInfo
		var err error
		if d, f, oi, err = u.cfg.Docs.HeadFile(r.Context(), s.User, r.PathValue("id"), r.URL.Query().Get("sha256")); err != nil {
			return err
		}
		typ = mediatype.Recorded(oi.ContentType, f.Name)
	} else {
		rc, od, of, err := u.cfg.Docs.OpenFile(r.Context(), s.User, r.PathValue("id"), r.URL.Query().Get("sha256"))
		if err != nil {
			return u.fileError(r, s, err)
		}
		defer rc.Close()
		d, f = od, of
		if typ, body, err = mediatype.Sniff(rc, f.Name); err != nil {
			return fmt.Errorf("read file %s: %w", f.SHA256, err)
		}
	}
	disp := "inline"
	if r.URL.Query().Get("download") != "" || !mediatype.Inline(typ) {
		disp = "attachment" // a received .docx or .zip is downloaded, never shown here
	}
	h := w.Header()
	allowSameOriginFrame(h)
	h.Set("Content-Type", typ)
	h.Set("Content-Disposition", mediatype.Disposition(disp, workflow.DownloadName(d, f)))
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("X-Content-SHA256", f.SHA256)
	h.Set("Cache-Control", "private, no-store")
	if body == nil {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if _, err := io.Copy(w, body); err != nil && !errors.Is(err, r.Context().Err()) {
		u.log.WarnContext(r.Context(), "stream file", "doc_id", r.PathValue("id"), "err", err)
	}
	return nil
}

// needsReason reports whether action a on d is refused without its
// reason in the comment (workflow's ErrNoReason): a rejection, a
// revocation's request or refusal, the return of a signed document.
// TestCommentLabelNamesReasonedActions checks it against the service.
func needsReason(d *workflow.Document, a workflow.Action) bool {
	switch a {
	case workflow.Reject, workflow.RequestRevoke, workflow.RefuseRevoke:
		return true
	case workflow.Return:
		return d.State == workflow.OfficerSigned
	}
	return false
}

// personComment is an event's comment as the history shows it: what a
// person wrote; the note the service writes itself on a document's
// creation over the exchange or by an import ("received over the
// exchange", in English) is not shown — eventText says it in Vietnamese.
// lastReturn is the event of the return that made d a draft again —
// its latest transition, while d is a draft — else nil: the drafter sees
// who returned it and why without reading the history to its end.
func lastReturn(d *workflow.Document, evs []workflow.Event, names map[string]string) *eventRow {
	if d.State != workflow.Draft {
		return nil
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Kind != workflow.EventTransition {
			continue
		}
		if e.Action != workflow.Return {
			return nil
		}
		return &eventRow{At: e.At, Actor: orDefault(names[e.Actor], "Hệ thống"), Comment: e.Comment}
	}
	return nil
}

// returnedBefore is what an official reads again of a draft returned
// before: how many times, the last return, and whether the drafter
// revised the draft since (Revised) or submitted it again unchanged.
type returnedBefore struct {
	Times   int
	Last    eventRow
	Revised bool
}

// earlierReturns is d's returnedBefore while d is in review or approved
// (nil when it was never returned): the history said it at the page's
// foot only, below the fold of a laptop (walk 8).
func earlierReturns(d *workflow.Document, evs []workflow.Event, names map[string]string) *returnedBefore {
	if d.State != workflow.InReview && d.State != workflow.Approved {
		return nil
	}
	var rb *returnedBefore
	for _, e := range evs {
		switch {
		case e.Kind == workflow.EventTransition && e.Action == workflow.Return:
			if rb == nil {
				rb = &returnedBefore{}
			}
			rb.Times++
			rb.Last, rb.Revised = eventRow{At: e.At, Actor: orDefault(names[e.Actor], "Hệ thống"), Comment: e.Comment}, false
		case e.Kind == workflow.EventRevise && rb != nil:
			rb.Revised = true
		}
	}
	return rb
}

func personComment(e workflow.Event) string {
	if e.Kind == workflow.EventCreate && (e.Actor == workflow.Exchange.ID || e.Data["import_file"] != "") {
		return ""
	}
	if e.Kind == workflow.EventTransition && e.Action == workflow.Archive && e.Comment == "import" && strings.HasPrefix(e.Actor, "system:") {
		// `vanthu archive import` archived it with the comment "import"
		// (before walk 12): the archivist read an English word quoted
		// under Lưu trữ in every imported record; the line above says
		// it was imported.
		return ""
	}
	if e.Kind == workflow.EventNumberVoided {
		return upperFirst(voidCause(e.Comment))
	}
	return e.Comment
}

// relatedDoc is a document linked to the one shown (it replaces or
// updates it, or is replaced or updated by it, answers it or is answered
// by it), named by its number and subject, with its state; by its id
// only (no state) when the user may not see it.
type relatedDoc struct {
	ID, Label string
	State     workflow.State
	// Due is an incoming letter's due date (hạn xử lý): a reply's page
	// and form say it (Hạn trả lời), so its reviewers and signer see how
	// urgent the answer is.
	Due *workflow.Date
}

// linkedID is the document a link event names ("" for other events).
func linkedID(e workflow.Event) string {
	if e.Kind != workflow.EventLink {
		return ""
	}
	return orDefault(e.Data["replaced_by"], orDefault(e.Data["replied_by"], e.Data["updated_by"]))
}

// linkEvents names the document of each link event of the history by
// its number and subject, linked, as related named it (its ID when the
// user may not see it).
func (v *docView) linkEvents() {
	known := map[string]*relatedDoc{}
	for _, r := range append([]*relatedDoc{v.ReplacedBy, v.UpdatedBy}, v.Replies...) {
		if r != nil {
			known[r.ID] = r
		}
	}
	for i := range v.Events {
		row := &v.Events[i]
		if r := known[row.linkID]; row.linkID != "" && r != nil && strings.HasSuffix(row.Text, " "+row.linkID) {
			row.Text, row.Link = strings.TrimSuffix(row.Text, " "+row.linkID), r
		}
	}
}

// related names the documents linked to d: the page showed their ids
// alone, and a clerk could not tell which document a replacement
// replaces without opening it; and the history's link events with them
// (linkEvents).
func (u *UI) related(ctx context.Context, s *Session, d *workflow.Document, v *docView) {
	name := func(id string) *relatedDoc {
		if id == "" {
			return nil
		}
		r := &relatedDoc{ID: id, Label: id}
		x, err := u.cfg.Docs.Get(ctx, s.User, id)
		if err != nil {
			return r
		}
		return relatedOf(x, x.RepliesTo == d.ID)
	}
	v.Replaces, v.Updates, v.ReplacedBy, v.UpdatedBy = name(d.Replaces), name(d.Updates), name(d.ReplacedBy), name(d.UpdatedBy)
	v.RepliesTo = name(d.RepliesTo)
	v.Replies = u.replies(ctx, s, d)
	if v.Replies == nil && d.RepliedBy != "" {
		v.Replies = []*relatedDoc{name(d.RepliedBy)}
	}
	v.linkEvents()
}

// relatedOf names x, a document the user may see: its number (an
// incoming one's the sender's; "chưa có số" for a reply, unnumbered)
// and subject, its state.
func relatedOf(x *workflow.Document, reply bool) *relatedDoc {
	number := x.Notation
	if x.Direction == workflow.Incoming {
		number = x.OriginalNumber
	} else if number == "" && reply {
		number = "chưa có số"
	}
	r := &relatedDoc{ID: x.ID, Label: x.Subject, State: x.State}
	if x.Direction == workflow.Incoming {
		r.Due = x.DueDate
	}
	if number != "" {
		r.Label = number + " — " + x.Subject
	}
	return r
}

// replier is the document service's list of a letter's replies
// (workflow.Service.Replies).
type replier interface {
	Replies(ctx context.Context, actor *workflow.User, letter *workflow.Document) ([]workflow.Reply, error)
}

// replies names every reply drafted to letter, oldest first: each one
// the user may see by number or "chưa có số", subject and state (a
// draft says Dự thảo: none is left out, as none can be thrown away);
// a classified one she may not see by its ID alone. nil when the
// service cannot list them, or failed to (logged: the page then names
// the latest reply alone, as before).
func (u *UI) replies(ctx context.Context, s *Session, letter *workflow.Document) []*relatedDoc {
	rp, ok := u.cfg.Docs.(replier)
	if !ok {
		return nil
	}
	rs, err := rp.Replies(ctx, s.User, letter)
	if err != nil {
		u.log.WarnContext(ctx, "list replies", "doc_id", letter.ID, "err", err)
		return nil
	}
	var out []*relatedDoc
	for _, x := range rs {
		if x.Doc == nil {
			out = append(out, &relatedDoc{ID: x.ID, Label: x.ID})
			continue
		}
		out = append(out, relatedOf(x.Doc, true))
	}
	return out
}

// sortActions puts the step forward first, the red refusals and
// withdrawals after it ("Trả lại" came before "Ký số").
func sortActions(as []workflow.Action) {
	slices.SortStableFunc(as, func(a, b workflow.Action) int {
		switch da, db := dangerAction(a), dangerAction(b); {
		case da == db:
			return 0
		case da:
			return 1
		}
		return -1
	})
}

// errFileLost marks an action refused because the store lost the
// document's file (fileLost).
var errFileLost = errors.New("the document's file is missing from the store")

// fileLost is err of an action on document id, except that ENOTFOUND
// of a document the user sees whose file the store has lost (the action
// read it: register, sign, issue) is EUNAVAILABLE (errFileLost), shown on
// the document's page — it answered "Không tìm thấy … không tồn tại",
// as if the document were gone.
func (u *UI) fileLost(r *http.Request, s *Session, id string, err error) error {
	if workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return err
	}
	if _, _, _, herr := u.cfg.Docs.HeadFile(r.Context(), s.User, id, ""); workflow.ErrorCode(herr) != workflow.ENOTFOUND {
		return err
	}
	if _, gerr := u.cfg.Docs.Get(r.Context(), s.User, id); gerr != nil {
		return err
	}
	u.log.WarnContext(r.Context(), "action on a document whose file is missing from the store", "doc_id", id, "err", err)
	return workflow.Wrap(workflow.EUNAVAILABLE, errors.Join(errFileLost, err), "the document's file cannot be read from the store")
}

// fileUnreadable is what a document's page says when the store cannot
// give its file.
const fileUnreadable = "Không đọc được tệp văn bản trong kho lưu trữ lúc này, nên chưa kiểm tra được chữ ký số. Các thông tin khác của văn bản vẫn đúng; báo quản trị hệ thống nếu tình trạng kéo dài."

// fileError is the error of a file the store did not give: ENOTFOUND of
// a document the user may see (its file missing from the store) is
// EUNAVAILABLE — the page said the document did not exist or was not
// theirs to see; other errors, and a document not theirs, are as they
// were.
func (u *UI) fileError(r *http.Request, s *Session, err error) error {
	if workflow.ErrorCode(err) != workflow.ENOTFOUND {
		return err
	}
	if _, gerr := u.cfg.Docs.Get(r.Context(), s.User, r.PathValue("id")); gerr != nil {
		return err
	}
	u.log.WarnContext(r.Context(), "document file missing from the store", "doc_id", r.PathValue("id"), "err", err)
	return workflow.Wrap(workflow.EUNAVAILABLE, err, "the document's file cannot be read from the store")
}

// layoutPartNames are the layout page's names of a layout's boxes.
var layoutPartNames = map[string]string{"signature": "Chữ ký, dấu", "number": "Số", "date": "Ngày tháng"}

// layoutReset says why the last replacement of the draft's PDF dropped
// the layout set by hand (the draft_revised event's layout_reset,
// workflow.LayoutMisfit), unless the layout was set since; "" when it
// did not.
func layoutReset(evs []workflow.Event) string {
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		switch {
		case e.Kind == workflow.EventLayout, e.Kind == workflow.EventRevise && strings.Contains(" "+e.Data["fields"]+" ", " layout "):
			return ""
		case e.Kind != workflow.EventRevise || e.Data["new_sha256"] == "":
			continue
		}
		part := e.Data["layout_reset"]
		if part == "" {
			return ""
		}
		why := "không đọc được kích thước các trang của tệp mới"
		if name, ok := layoutPartNames[part]; ok && e.Data["layout_reset_missing"] == "true" {
			why = fmt.Sprintf("ô “%s” ở trang %s, nhưng tệp mới chỉ có %s trang", name, e.Data["layout_reset_page"], e.Data["layout_reset_pages"])
		} else if ok {
			why = fmt.Sprintf("ô “%s” nằm ra ngoài trang %s của tệp mới (khổ giấy hoặc hướng trang khác)", name, e.Data["layout_reset_page"])
		}
		return "Vị trí số, ngày tháng, chữ ký đã đặt bằng tay không còn hợp với tệp PDF mới của dự thảo nên đã được đặt lại theo tệp mới: " + why + "."
	}
	return ""
}
