package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// listRoutes registers the incoming and outgoing lists.
func (u *UI) listRoutes(mux *http.ServeMux) {
	mux.Handle("GET /incoming", u.auth(u.listPage(workflow.Incoming)))
	mux.Handle("GET /outgoing", u.auth(u.listPage(workflow.Outgoing)))
}

// listPageSize is the number of documents per page of a list.
const listPageSize = 50

type option struct {
	Value, Label string
	Selected     bool
}

type listView struct {
	Direction workflow.Direction
	Title     string
	States    []option
	Types     []option
	Sources   []option // incoming only: received over the exchange or by hand
	Dues      []option // Hạn xử lý: any, or overdue (dueOverdue)
	Q         string
	From, To  string
	Rows      []inboxRow
	Pager
	CanCreate bool
	CreateURL string
	Filtered  bool
	Error     string // a filter that does not read
	Invalid   Invalid
	// Mine is the view of what the user signed or issued (mine.go), ""
	// for the whole list; Views the links to the views offered her.
	Mine  string
	Views []option
}

// typeOptions lists the document types by name, the selected one marked.
func typeOptions(selected string) []option {
	out := make([]option, 0, len(workflow.DocTypes))
	for code, name := range workflow.DocTypes {
		out = append(out, option{Value: string(code), Label: name, Selected: string(code) == selected})
	}
	slices.SortFunc(out, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// sourceNames are the sources of an incoming document as the list's
// filter names them.
var sourceNames = map[workflow.Source]string{workflow.SourceExchange: "Liên thông", workflow.SourceManual: "Đăng ký thủ công"}

// sourceOptions lists the sources, the selected one marked.
func sourceOptions(selected workflow.Source) []option {
	out := make([]option, 0, len(workflow.Sources))
	for _, src := range workflow.Sources {
		out = append(out, option{Value: string(src), Label: sourceNames[src], Selected: src == selected})
	}
	return out
}

// badSourceFilter is shown above a list whose source is none of the
// choices (a URL written by hand).
const badSourceFilter = "Nguồn không hợp lệ: chọn Liên thông hoặc Đăng ký thủ công."

// dueOverdue is the list's Hạn xử lý filter (?due=overdue) that keeps
// the documents still to be handled whose due date has passed
// (workflow.DocumentFilter.OverdueOn): the office chief asking on Monday
// which documents are late, and with whom, read every page of the list
// for the red marks.
const dueOverdue = "overdue"

// dueOptions are the choices of the Hạn xử lý filter, the selected one
// marked.
func dueOptions(selected string) []option {
	return []option{{Value: dueOverdue, Label: "Quá hạn", Selected: selected == dueOverdue}}
}

// badDueFilter is shown above a list whose Hạn xử lý is none of the
// choices (a URL written by hand).
const badDueFilter = "Hạn xử lý không hợp lệ: chọn Tất cả hoặc Quá hạn."

// listFilter reads a list's filters on day now; a date that does not
// read is returned as an EINVALID error, the other filters read all the
// same.
func listFilter(dir workflow.Direction, q url.Values, now time.Time) (workflow.DocumentFilter, error) {
	f := workflow.DocumentFilter{Direction: dir, State: workflow.State(q.Get("state")), Type: workflow.DocType(q.Get("type")),
		Query: strings.TrimSpace(q.Get("q")), After: q.Get("cursor"), Limit: listPageSize}
	if dir == workflow.Incoming {
		f.Source = workflow.Source(q.Get("source"))
	}
	if q.Get("due") == dueOverdue {
		today := workflow.VietnamDate(now)
		f.OverdueOn = &today
	}
	from, ferr := parseFormDate("from", q.Get("from"))
	to, terr := parseFormDate("to", q.Get("to"))
	if ferr == nil && terr == nil {
		terr = workflow.CheckRange(from, to)
	}
	// Creation times from the start of the first day to the end of
	// the last, Vietnam days.
	if from != nil {
		start := from.Midnight(workflow.Vietnam)
		f.From = &start
	}
	if to != nil {
		end := to.AddDays(1).Midnight(workflow.Vietnam).Add(-time.Nanosecond)
		f.To = &end
	}
	return f, errors.Join(ferr, terr)
}

// dateFilterInputs are the date filters' inputs.
var dateFilterInputs = sameInputs("from", "to")

// badDateFilter is shown above a list whose date filter does not read.
const badDateFilter = "Ngày lọc không hợp lệ: nhập ngày có thật, dạng dd/mm/yyyy (ví dụ 20/11/2026)."

// badDateOrder is shown above a list whose date filter ends before it
// starts: the list would be empty without saying why.
const badDateOrder = "Khoảng ngày bị ngược: ngày bắt đầu sau ngày kết thúc. Hãy đổi chỗ hai ngày."

// dateFilterMessage is the message of a date filter's error: the days in
// the wrong order, or a date that does not read.
func dateFilterMessage(err error) string {
	if errors.Is(err, workflow.ErrRangeReversed) {
		return badDateOrder
	}
	return badDateFilter
}

func (u *UI) listPage(dir workflow.Direction) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, s *Session) error {
		q := r.URL.Query()
		if dir == workflow.Outgoing {
			mineWeek(q, u.now())
		}
		f, ferr := listFilter(dir, q, u.now())
		v := listView{Direction: dir, Title: directionNames[dir], Q: f.Query, From: q.Get("from"), To: q.Get("to"),
			Types: typeOptions(q.Get("type")), Dues: dueOptions(q.Get("due"))}
		v.Filtered = f.State != "" || f.Type != "" || f.Query != "" || q.Get("from") != "" || q.Get("to") != "" || f.Source != "" || q.Get("due") != ""
		if dir == workflow.Outgoing {
			v.Mine, v.Views = q.Get("mine"), mineLinks(s.User, q.Get("mine"))
			if title := mineTitle(v.Mine); title != "" {
				v.Title = title
				mineFilter(&f, v.Mine, s.User.ID)
			} else if v.Mine != "" && ferr == nil {
				ferr = workflow.Errorf(workflow.EINVALID, "mine %q", v.Mine).On("mine")
			}
		}
		if dir == workflow.Incoming {
			v.Sources = sourceOptions(f.Source)
		}
		for _, st := range workflow.States(dir) {
			v.States = append(v.States, option{Value: string(st), Label: stateNames[st], Selected: st == f.State})
		}
		if dir == workflow.Incoming {
			v.CanCreate, v.CreateURL = s.User.Has(workflow.RoleClerk), "/incoming/new"
		} else {
			v.CanCreate, v.CreateURL = s.User.Has(workflow.RoleHandler), "/outgoing/new"
		}
		if ferr != nil && workflow.ErrorField(ferr) == "mine" {
			v.Error, v.Mine = badMineFilter, ""
			_, p := problemOf(ferr)
			u.render(w, r, s, p.Status, "list", v.Title, v)
			return nil
		}
		if ferr != nil {
			v.Error = dateFilterMessage(ferr)
			v.Invalid = invalidOf(ferr, dateFilterInputs, nil, v.Error)
			_, p := problemOf(ferr)
			u.render(w, r, s, p.Status, "list", v.Title, v)
			return nil
		}
		if msg, err := badChoice(f, q); err != nil {
			v.Error = msg
			_, p := problemOf(err)
			u.render(w, r, s, p.Status, "list", v.Title, v)
			return nil
		}
		// The page and its total from one snapshot: "51–100 of 187" is
		// never off by a document created in between.
		docs, next, total, err := u.cfg.Docs.ListCount(r.Context(), s.User, f)
		if err != nil {
			return err
		}
		names, err := u.userNames(r)
		if err != nil {
			return err
		}
		since, err := u.stateSince(r, s, docs)
		if err != nil {
			return err
		}
		v.Rows = listRows(docs, names, since, u.now())
		v.Pager = pagerOf(r.URL.Path, q, next, len(v.Rows), total, "văn bản")
		u.render(w, r, s, http.StatusOK, "list", v.Title, v)
		return nil
	}
}

// badChoice says which of a list's choices (Nguồn, Hạn xử lý) is none of
// those offered — a URL written by hand — with its message; nil if none.
func badChoice(f workflow.DocumentFilter, q url.Values) (string, error) {
	if f.Source != "" && !slices.Contains(workflow.Sources, f.Source) {
		return badSourceFilter, workflow.Errorf(workflow.EINVALID, "source %q", f.Source).On("source")
	}
	if d := q.Get("due"); d != "" && d != dueOverdue {
		return badDueFilter, workflow.Errorf(workflow.EINVALID, "due %q", d).On("due")
	}
	return "", nil
}

// stateSince returns, for the documents of docs still to be handled
// (workflow.DueOpenStates), since when each is in its state: its last
// transition — the one into that state — read for the page at once
// (LatestEvents), or its creation when it has none (a draft never
// submitted, a letter not yet registered).
func (u *UI) stateSince(r *http.Request, s *Session, docs []*workflow.Document) (map[string]time.Time, error) {
	var open []*workflow.Document
	for _, d := range docs {
		if dueOpen[d.State] {
			open = append(open, d)
		}
	}
	if len(open) == 0 {
		return nil, nil
	}
	last, err := u.cfg.Docs.LatestEvents(r.Context(), s.User, open, workflow.EventTransition, "")
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(open))
	for _, d := range open {
		out[d.ID] = d.CreatedAt
		if e, ok := last[d.ID]; ok {
			out[d.ID] = e.At
		}
	}
	return out, nil
}

// sinceText says since when a document is in its state, in calendar
// days of Vietnam on day now: "từ 01/12/2026 (7 ngày)", "từ hôm nay" —
// the office chief reading Chờ duyệt in the list could not tell a draft
// submitted this morning from one a week old.
func sinceText(at, now time.Time) string {
	days := workflow.DaysLate(workflow.VietnamDate(at), workflow.VietnamDate(now))
	if days <= 0 {
		return "từ hôm nay"
	}
	return fmt.Sprintf("từ %s (%d ngày)", fmtDate(at), days)
}

// listRows are the rows of a list's documents on day now: who sent or
// signs each, its handler (an incoming one's), its due date, since when
// it is in its state when still to be handled (since).
func listRows(docs []*workflow.Document, names map[string]string, since map[string]time.Time, now time.Time) []inboxRow {
	rows := make([]inboxRow, 0, len(docs))
	for _, d := range docs {
		row := inboxRow{Doc: d, Overdue: overdue(d, now), DueLeft: dueLeft(d, now)}
		if at, ok := since[d.ID]; ok {
			row.Since = sinceText(at, now)
		}
		if d.Direction == workflow.Incoming && d.Sender != nil {
			row.Who = d.Sender.Name
		} else {
			row.Who = names[d.SignerID]
		}
		if d.Direction == workflow.Incoming && d.AssigneeID != "" {
			row.Handler = orDefault(names[d.AssigneeID], d.AssigneeID)
		}
		rows = append(rows, row)
	}
	return rows
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
