package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/vanthu/vanthu/workflow"
)

// tabRefused is the inbox tab of the outgoing documents whose delivery
// over the exchange was refused (status 02) or failed for good, which no
// clerk has dealt with yet (workflow.Service.Refusals). Not an action of
// the machines: its rows are documents already sent.
const tabRefused workflow.Action = "refused"

// refusedRow is a document of the tab with its refusals not yet seen.
type refusedRow struct {
	Doc      *workflow.Document
	Refusals []refusalLine
	Through  int64 // the seq of the newest refusal shown: the mark covers up to it
	Again    bool  // refused again after the clerk last looked (her mark was refused)
}

// refusalLine is one refusal: the agency, what happened and why — no
// reason for a classified document (as the clerks' mail: its reason may
// quote it).
type refusalLine struct {
	Agency string
	What   string
	Reason string
	Hidden bool // the reason of a classified document, not shown
	At     string
}

// refusedTab adds the tab of refused deliveries to v for a clerk (none
// for the other roles), its rows when it is the tab open; the tab shows
// only when something waits in it, or when it is open.
func (u *UI) refusedTab(r *http.Request, s *Session, action workflow.Action, v *inboxView) error {
	if !workflow.SeesRefusals(s.User) {
		return nil
	}
	open := action == tabRefused
	limit := 0 // the tab's count alone, unless it is open
	if open {
		limit = inboxLimit
	}
	docs, n, err := u.cfg.Docs.Refusals(r.Context(), s.User, limit)
	if err != nil {
		return err
	}
	if n > 0 || open {
		v.Tabs = append(v.Tabs, inboxTab{Action: tabRefused, Label: tabNames[tabRefused], Count: n, Active: open})
	}
	if !open {
		return nil
	}
	v.Refused = true
	for _, d := range docs {
		row := refusedRow{Doc: d.Doc, Again: d.Doc.ID == r.URL.Query().Get("again")}
		if len(d.Refusals) > 0 {
			row.Through = d.Refusals[0].Seq
		}
		for _, e := range d.Refusals {
			l := refusalLine{Agency: orDefault(e.Data["org_name"], e.Data["org_id"]), At: fmtDateTime(e.At)}
			l.What = "Từ chối tiếp nhận"
			if e.Data["status"] == "" {
				l.What = "Gửi thất bại, không gửi lại"
			}
			if l.Hidden = d.Doc.Confidentiality.Classified(); !l.Hidden {
				l.Reason = e.Comment
			}
			row.Refusals = append(row.Refusals, l)
		}
		v.RefusedRows = append(v.RefusedRows, row)
	}
	if len(v.RefusedRows) < n {
		v.Shown = len(v.RefusedRows)
	}
	return nil
}

// handleRefusalsSeen marks the refusals of a document seen (dealt with)
// and leads back to the tab: the document leaves it.
func (u *UI) handleRefusalsSeen(w http.ResponseWriter, r *http.Request, s *Session) error {
	through, _ := strconv.ParseInt(r.PostFormValue("through"), 10, 64)
	err := u.cfg.Docs.SeeRefusals(r.Context(), s.User, r.PathValue("id"), max(through, 0))
	if workflow.ErrorCode(err) == workflow.ECONFLICT {
		// Refused again since the page was shown: show the new refusal.
		http.Redirect(w, r, "/?task="+string(tabRefused)+"&again="+url.QueryEscape(r.PathValue("id")), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/?task="+string(tabRefused), http.StatusSeeOther)
	return nil
}
