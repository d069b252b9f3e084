package web

import (
	"context"
	"net/http"

	"github.com/vanthu/vanthu/workflow"
)

// notificationsPath is where the account page's notification form posts.
const notificationsPath = "/account/notifications"

// mailView is the account page's section on e-mail notifications.
type mailView struct {
	Email string
	On    bool
}

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
	return &mailView{Email: m.Email, On: !m.Off}, nil
}

// handleNotifications turns the user's own notifications on or off (the
// box "notifications"); the address is the admin's to set.
func (u *UI) handleNotifications(w http.ResponseWriter, r *http.Request, s *Session) error {
	if u.cfg.Mail == nil {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server keeps no e-mail settings")
	}
	m, err := u.cfg.Mail.UserMail(r.Context(), s.User.ID)
	if err != nil {
		return err
	}
	m.Off = r.PostFormValue("notifications") != "on"
	if err := u.cfg.Mail.SetUserMail(r.Context(), s.User.ID, m); err != nil {
		return err
	}
	ok := "notifications_on"
	if m.Off {
		ok = "notifications_off"
	}
	http.Redirect(w, r, withOK(passwordPath, ok), http.StatusSeeOther)
	return nil
}
