package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vanthu/vanthu/internal/httpstatus"
	"github.com/vanthu/vanthu/workflow"
)

// MailOutbox shows the e-mail notifications' outbox to the admins and
// sends a mail refused for good again (workflow.MailAdmin).
type MailOutbox interface {
	Counts(ctx context.Context, actor *workflow.User) (workflow.MailCounts, error)
	List(ctx context.Context, actor *workflow.User, q workflow.MailQuery) ([]workflow.OutboxMail, string, error)
	Retry(ctx context.Context, actor *workflow.User, id int64, seen time.Time) (bool, error)
}

// mailPage is the size of a page of the outbox.
const mailPage = 50

type outboxView struct {
	Tabs   []adminTab
	Counts workflow.MailCounts
	State  workflow.MailState
	Rows   []outboxRow
	Next   string // the next page's URL
	First  string // the first page's URL when not on it
	Error  string
}

type outboxRow struct {
	workflow.OutboxMail
	Who      string // the user's name
	UserLink string
	Failed   bool
}

func (u *UI) mailRoutes(mux *http.ServeMux) {
	if u.cfg.Outbox == nil {
		return
	}
	mux.Handle("GET /admin/mail", u.auth(u.handleMail))
	mux.Handle("POST /admin/mail", u.auth(u.handleMailRetry, requireAdmin))
}

// handleMail is "Thư thông báo": the outbox's counts, then the mail
// refused for good, then the mail waiting, newest first, a page at a
// time.
func (u *UI) handleMail(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := requireAdmin(s); err != nil {
		return err
	}
	return u.renderMail(w, r, s, http.StatusOK, "")
}

func (u *UI) renderMail(w http.ResponseWriter, r *http.Request, s *Session, status int, problem string) error {
	q := r.URL.Query()
	v := outboxView{Tabs: u.adminTabs("/admin/mail"), State: workflow.MailState(q.Get("state")), Error: problem}
	c, err := u.cfg.Outbox.Counts(r.Context(), s.User)
	if err != nil {
		return err
	}
	v.Counts = c
	ms, next, err := u.cfg.Outbox.List(r.Context(), s.User, workflow.MailQuery{State: v.State, Cursor: q.Get("cursor"), Limit: mailPage})
	if err != nil {
		return err
	}
	names, err := u.userNames(r)
	if err != nil {
		return err
	}
	for _, m := range ms {
		row := outboxRow{OutboxMail: m, Who: names[m.UserID], Failed: m.State == workflow.MailFailed}
		if row.Who != "" {
			row.UserLink = "/admin/users/" + m.UserID
		}
		v.Rows = append(v.Rows, row)
	}
	page := url.Values{}
	if v.State != "" {
		page.Set("state", string(v.State))
	}
	if q.Get("cursor") != "" {
		v.First = "/admin/mail?" + page.Encode()
	}
	if next != "" {
		page.Set("cursor", next)
		v.Next = "/admin/mail?" + page.Encode()
	}
	u.render(w, r, s, status, "admin_mail", "Thư thông báo", v)
	return nil
}

// handleMailRetry sends a mail refused for good again ("Gửi lại"): due
// now, to its user's current address. The form names the failure the
// admin was shown (failed_at), so a second click, or a click on a page
// from before the mail failed again, changes nothing and says so.
func (u *UI) handleMailRetry(w http.ResponseWriter, r *http.Request, s *Session) error {
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil {
		return workflow.Errorf(workflow.EINVALID, "no mail to send again")
	}
	var seen time.Time
	if ms, err := strconv.ParseInt(r.PostFormValue("failed_at"), 10, 64); err == nil && ms > 0 {
		seen = time.UnixMilli(ms)
	}
	ok, err := u.cfg.Outbox.Retry(r.Context(), s.User, id, seen)
	switch {
	case workflow.ErrorCode(err) == workflow.ECONFLICT:
		status, _ := httpstatus.Of(workflow.ECONFLICT)
		return u.renderMail(w, r, s, status, "Không gửi lại được: người nhận hiện không có địa chỉ thư điện tử hoặc đã tắt nhận thông báo. "+
			"Sửa địa chỉ trên trang người dùng rồi bấm Gửi lại.")
	case err != nil:
		return err
	case ok:
		http.Redirect(w, r, "/admin/mail?ok=mail_retried", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/admin/mail?ok=mail_retried_already", http.StatusSeeOther)
	}
	return nil
}

// failedMail is how many mails the server refused for good, for the
// admin's notice ("N thư không gửi được"); 0 for other users, or with
// no outbox.
func (u *UI) failedMail(r *http.Request, s *Session) (int, error) {
	if u.cfg.Outbox == nil || !s.User.Has(workflow.RoleAdmin) {
		return 0, nil
	}
	c, err := u.cfg.Outbox.Counts(r.Context(), s.User)
	return c.Failed, err
}
