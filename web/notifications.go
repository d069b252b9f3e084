package web

import (
	"context"
	"net/http"
	"time"

	"github.com/vanthu/vanthu/workflow"
)

// notificationsPath is where the account page's notification form posts.
const notificationsPath = "/account/notifications"

// mailView is the account page's section on e-mail notifications.
type mailView struct {
	Email string
	On    bool
	// Error and Invalid: an address refused (shown as typed).
	Error   string
	Invalid Invalid
	// Failed: the latest notification to the user the SMTP server
	// refused for good (nil: none, or the store cannot say).
	Failed *failedMail
}

// failedMail is the account page's notice of mail refused for good: the
// latest refusal (the address it went to, the server's answer, when),
// how many more wait refused, and whether the user has changed the
// address since (a refused mail goes again only when an admin retries
// it).
type failedMail struct {
	Address, Answer string
	At              time.Time
	More            int
	Changed         bool
}

// failedMailLimit is how many refused mails the account page reads.
const failedMailLimit = 50

// emailProblem is the text of an address workflow.CheckEmail refuses,
// on the admin's user forms and the user's account page alike.
const emailProblem = "Địa chỉ thư điện tử không hợp lệ: ghi một địa chỉ, như tranthibinh@binhthuy.gov.vn."

// accountMail is the user's section, nil when the server keeps no
// settings.
func (u *UI) accountMail(ctx context.Context, s *Session) (*mailView, error) {
	if u.cfg.Mail == nil {
		return nil, nil
	}
	m, err := u.cfg.Mail.UserMail(ctx, s.User.ID)
	if err != nil {
		return nil, err
	}
	v := &mailView{Email: m.Email, On: !m.Off}
	if fm, ok := u.cfg.Mail.(workflow.UserFailedMail); ok {
		failed, err := fm.FailedMailTo(ctx, s.User.ID, failedMailLimit)
		if err != nil || len(failed) == 0 {
			return v, err
		}
		f := failed[0]
		v.Failed = &failedMail{Address: f.Address, Answer: f.LastError, At: f.FailedAt, More: len(failed) - 1, Changed: f.Address != m.Email}
	}
	return v, nil
}

// handleNotifications sets the user's own address (the input "email",
// checked as the admin's forms check it: the page comes back with the
// address as typed when it is refused; a post without it keeps the
// address) and turns their notifications on or off (the box
// "notifications"). The change is audited (MailSettingsStore).
func (u *UI) handleNotifications(w http.ResponseWriter, r *http.Request, s *Session) error {
	if u.cfg.Mail == nil {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server keeps no e-mail settings")
	}
	m, err := u.cfg.Mail.UserMail(r.Context(), s.User.ID)
	if err != nil {
		return err
	}
	was := m.Email
	m.Off = r.PostFormValue("notifications") != "on"
	if _, given := r.PostForm["email"]; given {
		if m.Email, err = workflow.CheckEmail(r.PostFormValue("email")); err != nil {
			v := passwordView{Next: "/", Mail: &mailView{Email: r.PostFormValue("email"), On: !m.Off, Error: emailProblem,
				Invalid: one("email", emailProblem)}}
			_, p := problemOf(err)
			u.render(w, r, s, p.Status, "password", "Tài khoản", v)
			return nil
		}
	}
	if err := u.cfg.Mail.SetUserMail(r.Context(), s.User.ID, s.User.ID, m); err != nil {
		return err
	}
	ok := "notifications_on"
	switch {
	case m.Off:
		ok = "notifications_off"
	case m.Email != was:
		ok = "mail_saved"
	}
	http.Redirect(w, r, withOK(passwordPath, ok), http.StatusSeeOther)
	return nil
}
