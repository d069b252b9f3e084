package web

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/vanthu/vanthu/workflow"
)

// inboxLimit is how many waiting documents the inbox shows (the most
// urgent and nearest to their due date); the tabs count them all.
const inboxLimit = 50

type inboxRow struct {
	Doc     *workflow.Document
	Overdue bool
	DueLeft string // days to the due date (dueLeft)
	Who     string // sender (incoming), signer (outgoing), or drafter when the signer is the reader
	// Handler: the lists' incoming document's handler (Người xử lý),
	// under its state — with whom it is.
	Handler string
	// Since: the lists' document still to be handled, since when it is
	// in its state (sinceText).
	Since string
	// Returned: the return that made the draft one again (lastReturn),
	// so its drafter sees which drafts came back, by whom and why.
	Returned *eventRow
	// Directive: the leader's direction on an incoming document being
	// handled (lastDirective).
	Directive *eventRow
	// Waits is what waits for the reader when the state alone reads as
	// if nothing did (rowWaits); "": the state says it.
	Waits string
	// Signable: under Chờ ký, the reader may sign it now (its checkbox
	// for batch signing, signbatch.go); Checked: ticked by Chọn tất cả.
	Signable, Checked bool
}

type inboxTab struct {
	Action workflow.Action
	Label  string
	Count  int
	Active bool
}

type inboxView struct {
	Tabs  []inboxTab
	Total int
	All   bool
	Rows  []inboxRow
	Shown int // rows shown when fewer than the tab's count
	// Refused: the tab of refused deliveries is open (its rows).
	Refused     bool
	RefusedRows []refusedRow
	// MailFailed: to an admin, the notifications refused for good.
	MailFailed int
	// Batch: the tab Chờ ký holds documents the reader may sign now,
	// with their checkboxes and the batch's button (signbatch.go);
	// AllChecked: Chọn tất cả was pressed; SelectAll its label.
	Batch      bool
	AllChecked bool
	SelectAll  string
	BatchMax   int
	// Done links to the lists of what the reader did (mine.go): what
	// an official signed, what a clerk issued.
	Done []option
}

// tabNames are the inbox tabs, by the action that waits.
var tabNames = map[workflow.Action]string{
	workflow.Register: "Chờ vào sổ", workflow.Assign: "Chờ phân công", workflow.Start: "Chờ xử lý",
	workflow.Complete: "Đang xử lý", workflow.Submit: "Dự thảo của tôi", workflow.Approve: "Chờ duyệt",
	workflow.Sign: "Chờ ký", workflow.Issue: "Chờ phát hành", workflow.Send: "Chờ gửi",
	workflow.Archive: "Chờ lưu trữ", workflow.AcceptRevoke: "Đề nghị thu hồi chờ trả lời",
	tabRefused: "Gửi bị từ chối",
}

// handleInbox is "Việc cần xử lý": what waits for this user, most urgent
// first, then by due date, overdue marked; one tab per kind of work.
func (u *UI) handleInbox(w http.ResponseWriter, r *http.Request, s *Session) error {
	action := workflow.Action(r.URL.Query().Get("task"))
	docs, tabs, total, err := u.cfg.Docs.Work(r.Context(), s.User, action, inboxLimit)
	if err != nil {
		return err
	}
	v := inboxView{All: action == "", Total: total}
	if views := mineLinks(s.User, ""); views != nil {
		v.Done = views[1:]
	}
	if v.MailFailed, err = u.failedMail(r, s); err != nil {
		return err
	}
	rememberTab(w, r, action)
	for _, t := range tabs {
		v.Tabs = append(v.Tabs, inboxTab{Action: t.Action, Label: orName(tabNames, t.Action), Count: t.Count, Active: t.Action == action})
	}
	if err := u.refusedTab(r, s, action, &v); err != nil {
		return err
	}
	names, err := u.userNames(r)
	if err != nil {
		return err
	}
	now := u.now()
	for _, d := range docs {
		row := inboxRow{Doc: d, Overdue: overdue(d, now), DueLeft: dueLeft(d, now), Waits: rowWaits(s.User, d)}
		switch {
		case d.Direction == workflow.Incoming && d.Sender != nil:
			row.Who = d.Sender.Name
		case d.SignerID == s.User.ID && d.CreatedBy != "":
			// The official's own drafts to approve and sign: who sent
			// them, not himself.
			row.Who = "Người soạn: " + names[d.CreatedBy]
		case d.SignerID != "":
			row.Who = names[d.SignerID]
		}
		v.Rows = append(v.Rows, row)
	}
	if err := u.rowNotices(r, s, v.Rows, names); err != nil {
		return err
	}
	if action == workflow.Sign {
		u.batchRows(r, s, &v)
	}
	count := v.Total
	for _, t := range v.Tabs {
		if t.Active {
			count = t.Count
		}
	}
	if len(v.Rows) < count && !v.Refused {
		v.Shown = len(v.Rows)
	}
	u.render(w, r, s, http.StatusOK, "inbox", "Việc cần xử lý", v)
	return nil
}

// batchRows marks, under Chờ ký, the rows the reader may sign now (the
// action allowed him, the named signer, and this server able to sign)
// for batch signing; with ?chon=tat-ca (Chọn tất cả, a link: no
// JavaScript) the first signBatchMax of them come ticked.
func (u *UI) batchRows(r *http.Request, s *Session, v *inboxView) {
	v.AllChecked, v.BatchMax = r.URL.Query().Get("chon") == "tat-ca", signBatchMax
	n := 0
	for i := range v.Rows {
		d := v.Rows[i].Doc
		if !slices.Contains(workflow.AllowedActions(d, s.User), workflow.Sign) || u.cfg.Docs.Available(d, workflow.Sign) != nil {
			continue
		}
		n++
		v.Rows[i].Signable, v.Rows[i].Checked = true, v.AllChecked && n <= signBatchMax
	}
	v.Batch = n > 0
	v.SelectAll = "Chọn tất cả"
	if n > signBatchMax {
		v.SelectAll = fmt.Sprintf("Chọn %d văn bản đầu", signBatchMax)
	}
}

// rowWaits is inboxRow.Waits: an approved draft, to the official who is
// to sign it, is "Chờ ký" — its state "Đã duyệt" read as if nothing
// waited, under the tab "Chờ ký". The state stays beside it, and on the
// lists and the document's page.
func rowWaits(u *workflow.User, d *workflow.Document) string {
	if d.State == workflow.Approved && workflow.WaitsFor(u, d, workflow.Sign) {
		return tabNames[workflow.Sign]
	}
	return ""
}

// rowNotices sets the rows' Returned (lastReturn, of a draft that has
// moved before: a draft never submitted has version 1) and Directive
// (lastDirective, of an incoming document being handled: assigned or in
// progress — the rows a handler works through), from the latest events
// of the page's documents read at once (Documents.LatestEvents): two
// statements for the page, not a history a row.
func (u *UI) rowNotices(r *http.Request, s *Session, rows []inboxRow, names map[string]string) error {
	var drafts, handled []*workflow.Document
	for _, row := range rows {
		d := row.Doc
		switch {
		case d.State == workflow.Draft && d.Version > 1:
			drafts = append(drafts, d)
		case d.Direction == workflow.Incoming && (d.State == workflow.Assigned || d.State == workflow.InProgress):
			handled = append(handled, d)
		}
	}
	var last, assigned map[string]workflow.Event
	var err error
	if len(drafts) > 0 {
		if last, err = u.cfg.Docs.LatestEvents(r.Context(), s.User, drafts, workflow.EventTransition, ""); err != nil {
			return err
		}
	}
	if len(handled) > 0 {
		if assigned, err = u.cfg.Docs.LatestEvents(r.Context(), s.User, handled, workflow.EventTransition, workflow.Assign); err != nil {
			return err
		}
	}
	for i := range rows {
		d := rows[i].Doc
		if e, ok := last[d.ID]; ok {
			rows[i].Returned = lastReturn(d, []workflow.Event{e}, names)
		}
		if e, ok := assigned[d.ID]; ok {
			rows[i].Directive = lastDirective(d, []workflow.Event{e}, names)
		}
	}
	return nil
}

// userNames maps user IDs to display names.
func (u *UI) userNames(r *http.Request) (map[string]string, error) {
	users, err := u.cfg.Directory.Users(r.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(users)+1)
	for _, x := range users {
		out[x.ID] = displayName(x)
	}
	// The exchange creates the documents it receives, and acts on them.
	out[workflow.Exchange.ID] = displayName(workflow.Exchange)
	return out, nil
}

func displayName(x *workflow.User) string {
	if x.FullName != "" {
		return x.FullName
	}
	return x.Username
}

// tabCookie holds the inbox tab the user last opened (its action), so
// that the document page, after an action, leads back to that tab
// rather than to "Tất cả": a handler working through "Chờ xử lý" was
// taken to the whole inbox after each document.
const tabCookie = "vanthu_tab"

// rememberTab keeps the inbox tab of action ("": all of them).
func rememberTab(w http.ResponseWriter, r *http.Request, action workflow.Action) {
	if _, ok := tabNames[action]; ok {
		setCookie(w, r, tabCookie, string(action), 0)
	} else if _, err := r.Cookie(tabCookie); err == nil {
		clearCookie(w, r, tabCookie)
	}
}

// inboxLink is the way back to the inbox tab the user last opened.
func inboxLink(r *http.Request) nextLink {
	if tab := rememberedTab(r); tab != "" {
		return nextLink{"/?task=" + string(tab), "Về Việc cần xử lý: " + tabNames[tab]}
	}
	return nextLink{"/", "Về Việc cần xử lý"}
}

// rememberedTab is the inbox tab the user last opened (tabCookie), ""
// for the whole inbox or none.
func rememberedTab(r *http.Request) workflow.Action {
	if c, err := r.Cookie(tabCookie); err == nil {
		if _, ok := tabNames[workflow.Action(c.Value)]; ok {
			return workflow.Action(c.Value)
		}
	}
	return ""
}
