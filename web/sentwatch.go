package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// The clerks' page of outgoing deliveries that need attention (Theo dõi
// gửi liên thông): waiting for the recipient's server, being retried,
// failed for good, refused by the recipient — what she sent, across her
// documents, where the document's page shows one document's alone.

func (u *UI) sentWatchRoutes(mux *http.ServeMux) {
	if u.cfg.Exchange != nil {
		mux.Handle("GET /deliveries", u.auth(u.handleSentWatch))
		mux.Handle("POST /documents/{id}/deliveries/{delivery}/resend", u.auth(u.handleResend))
		mux.Handle("POST /documents/{id}/deliveries/{delivery}/dealt", u.auth(u.handleDealt))
	}
}

// watchNames are the watches as the page names them (its filter, each
// row's state).
var watchNames = map[workflow.DeliveryWatch]string{
	workflow.WatchWaiting:  "Chờ cơ quan nhận xác nhận",
	workflow.WatchRetrying: "Đang thử lại",
	workflow.WatchFailed:   "Gửi thất bại",
	workflow.WatchRefused:  "Bị từ chối tiếp nhận",
}

// sentWatchView is the page.
type sentWatchView struct {
	Watches  []option
	Agencies []option
	Rows     []sentWatchRow
	Pager    Pager
	Filtered bool
}

// sentWatchRow is a delivery as the page lists it.
type sentWatchRow struct {
	DocID    string
	Doc      string // the document: notation and subject
	Org      string
	OrgID    string
	What     string // document or revocation
	Watch    workflow.DeliveryWatch
	State    string
	Problem  string // why, in Vietnamese (failed, retrying)
	Raw      string // the worker's error as it was
	Retry    string // tries, last, next (retrying)
	Reason   string // the recipient's reason (refused)
	Hidden   bool   // the reason of a classified document, not shown
	Changed  time.Time
	Attempts int
	Resend   *resendForm
	Dealt    *resendForm // the Đã xử lý button (failed or refused, clerks)
}

func (u *UI) handleSentWatch(w http.ResponseWriter, r *http.Request, s *Session) error {
	q := r.URL.Query()
	dq := workflow.DeliveryQuery{Watch: workflow.DeliveryWatch(q.Get("state")), OrgID: strings.TrimSpace(q.Get("org")), Limit: cmp.Or(u.watchPage, listPageSize)}
	if _, ok := watchNames[dq.Watch]; !ok {
		dq.Watch = ""
	}
	dq.After = parseWatchCursor(q.Get("cursor"))
	rows, next, err := u.cfg.Docs.WatchedDeliveries(r.Context(), s.User, dq)
	if err != nil {
		return err
	}
	v := sentWatchView{Filtered: dq.Watch != "" || dq.OrgID != ""}
	for _, wch := range workflow.DeliveryWatches {
		v.Watches = append(v.Watches, option{Value: string(wch), Label: watchNames[wch], Selected: wch == dq.Watch})
	}
	if orgs, err := u.cfg.Exchange.Recipients(r.Context(), s.User); err == nil {
		for _, o := range orgs {
			v.Agencies = append(v.Agencies, option{Value: o.OrgID, Label: o.Name + " (" + o.OrgID + ")", Selected: o.OrgID == dq.OrgID})
		}
	}
	for _, d := range rows {
		row := u.sentWatchRow(d)
		row.Resend = resendOf(s, d.Delivery, "list")
		row.Dealt = dealtOf(s, d)
		v.Rows = append(v.Rows, row)
	}
	cursor := ""
	if next != nil {
		cursor = next.String()
	}
	v.Pager = pagerOf("/deliveries", q, cursor, len(v.Rows), 0, "lượt gửi")
	u.render(w, r, s, http.StatusOK, "sentwatch", "Theo dõi gửi liên thông", v)
	return nil
}

// sentWatchRow is the row of d.
func (u *UI) sentWatchRow(d workflow.WatchedDelivery) sentWatchRow {
	row := sentWatchRow{DocID: d.DocumentID, Doc: strings.TrimSpace(d.Notation + " " + d.Subject), Org: orDefault(d.OrgName, d.OrgID),
		OrgID: d.OrgID, What: "Văn bản", Watch: d.Watch, State: watchNames[d.Watch], Changed: d.UpdatedAt, Attempts: d.Attempts}
	if d.Kind != workflow.DeliverDocument {
		row.What = "Đề nghị thu hồi"
	}
	switch d.Watch {
	case workflow.WatchRetrying:
		row.Problem, row.Raw = deliveryProblem(d.LastError), d.LastError
		row.Retry = retrySaid(d.Delivery)
	case workflow.WatchFailed:
		row.Problem, row.Raw = deliveryProblem(d.LastError), d.LastError
	case workflow.WatchRefused:
		if row.Hidden = d.Confidentiality.Classified(); !row.Hidden {
			row.Reason = d.Reason
		}
		if d.ReasonAt != nil {
			row.Changed = *d.ReasonAt
		}
	}
	return row
}

// parseWatchCursor reads a cursor of the page, a workflow.ListCursor of
// the creation order as the lists' (nil: the first page, also for one
// that is not: a bare ID, or the page's own format before it).
func parseWatchCursor(s string) *workflow.ListCursor {
	c, bare, err := workflow.ParseListCursor(s)
	if s == "" || err != nil || bare || c.Order != workflow.OrderCreated {
		return nil
	}
	return &c
}

// resendForm is the Gửi lại button of a delivery that failed for good,
// for a clerk: it names the failure she was shown (Seen, its time), so a
// second click, or one on a page from before it failed again, changes
// nothing and says so; From is the page to come back to (list or doc).
type resendForm struct {
	CSRF, DocID, ID, Org, From string
	Seen                       int64
}

// resendOf is the form of delivery dl for s's user on page from, nil
// when she cannot send it again (not a clerk, not failed).
func resendOf(s *Session, dl workflow.Delivery, from string) *resendForm {
	if dl.State != workflow.DeliveryFailed || !s.User.Has(workflow.RoleClerk) {
		return nil
	}
	return &resendForm{CSRF: s.CSRF, DocID: dl.DocumentID, ID: dl.ID, Org: orDefault(dl.OrgName, dl.OrgID), From: from,
		Seen: dl.UpdatedAt.UnixNano()}
}

// dealtOf is the Đã xử lý button of row d for s's user, nil when she
// cannot mark it (not a clerk, neither failed nor refused): it names the
// delivery's last change she was shown (Seen), so a click on a page
// drawn before it was sent again changes nothing.
func dealtOf(s *Session, d workflow.WatchedDelivery) *resendForm {
	if d.Watch != workflow.WatchFailed && d.Watch != workflow.WatchRefused || !workflow.SeesRefusals(s.User) {
		return nil
	}
	return &resendForm{CSRF: s.CSRF, DocID: d.DocumentID, ID: d.ID, Org: orDefault(d.OrgName, d.OrgID), From: "list",
		Seen: d.UpdatedAt.UnixNano()}
}

// handleDealt marks a delivery failed for good or refused dealt with (Đã
// xử lý): it leaves the page, which says so.
func (u *UI) handleDealt(w http.ResponseWriter, r *http.Request, s *Session) error {
	var seen time.Time
	if n, err := strconv.ParseInt(r.PostFormValue("seen"), 10, 64); err == nil && n > 0 {
		seen = time.Unix(0, n)
	}
	ok, err := u.cfg.Docs.DealDelivery(r.Context(), s.User, r.PathValue("id"), r.PathValue("delivery"), seen)
	if err != nil {
		return err
	}
	msg := "delivery_dealt"
	if !ok {
		msg = "delivery_dealt_already"
	}
	http.Redirect(w, r, "/deliveries?ok="+msg, http.StatusSeeOther)
	return nil
}

// handleResend sends a delivery that failed for good again (Gửi lại) and
// leads back to the page it was asked from, saying whether it did.
func (u *UI) handleResend(w http.ResponseWriter, r *http.Request, s *Session) error {
	var seen time.Time
	if n, err := strconv.ParseInt(r.PostFormValue("seen"), 10, 64); err == nil && n > 0 {
		seen = time.Unix(0, n)
	}
	docID := r.PathValue("id")
	ok, err := u.cfg.Docs.ResendDelivery(r.Context(), s.User, docID, r.PathValue("delivery"), seen)
	if err != nil {
		return err
	}
	msg := "delivery_resent"
	if !ok {
		msg = "delivery_resent_already"
	}
	back := "/documents/" + url.PathEscape(docID) + "?ok=" + msg + "#deliveries"
	if r.PostFormValue("from") == "list" {
		back = "/deliveries?ok=" + msg
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
