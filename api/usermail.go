package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// withMail adds the mail settings of u to j when the caller may see them
// (an admin, or u themself) and the server keeps them.
func (s *Server) withMail(c echo.Context, u *workflow.User, j UserJSON) (UserJSON, error) {
	actor := Actor(c)
	if s.Mail == nil || actor == nil || (actor.ID != u.ID && !actor.Has(workflow.RoleAdmin)) {
		return j, nil
	}
	m, err := s.Mail.UserMail(c.Request().Context(), u.ID)
	if err != nil {
		return j, err
	}
	on := !m.Off
	j.Email, j.Notifications = m.Email, &on
	return j, nil
}

// mailChange is the e-mail part of a user's create or update.
type mailChange struct {
	Email         *string `json:"email" null:"clear"`
	Notifications *bool   `json:"notifications"`
}

func (m mailChange) given() bool { return m.Email != nil || m.Notifications != nil }

// checked returns the change with its address normalised (400 on email).
func (m mailChange) checked() (mailChange, error) {
	if m.Email == nil {
		return m, nil
	}
	e, err := workflow.CheckEmail(*m.Email)
	m.Email = &e
	return m, err
}

// applyMail writes actor's change of user id's settings, audited (503
// when the server keeps none).
func (s *Server) applyMail(ctx context.Context, actor *workflow.User, id string, m mailChange) error {
	if !m.given() {
		return nil
	}
	if s.Mail == nil {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server keeps no e-mail addresses")
	}
	cur, err := s.Mail.UserMail(ctx, id)
	if err != nil {
		return err
	}
	if m.Email != nil {
		cur.Email = *m.Email
	}
	if m.Notifications != nil {
		cur.Off = !*m.Notifications
	}
	return s.Mail.SetUserMail(ctx, actor.ID, id, cur)
}

// MailFailedJSON is the latest mail to a user that the mail server
// refused for good and that was not sent again since.
type MailFailedJSON struct {
	Address string    `json:"address"` // the address it was refused at (compare with email: it may have changed since)
	Answer  string    `json:"answer"`  // the mail server's answer
	At      time.Time `json:"at"`
	More    int       `json:"more"` // how many other mails to the user were refused so (of the latest 50)
}

// failedMailLimit is how many refused mails GET /auth/me reads, as the
// web's account page.
const failedMailLimit = 50

// handleMe answers GET /auth/me: the caller's own account, with the
// e-mail settings and, when mail to them was refused for good, the
// latest refusal (mail_failed; workflow.UserFailedMail: one statement)
// — which only the admin's outbox said through the API.
func (s *Server) handleMe(c echo.Context) error {
	actor := Actor(c)
	out, err := s.usersJSON(c, []*workflow.User{actor})
	if err != nil {
		return err
	}
	me := out[0]
	if fm, ok := s.Mail.(workflow.UserFailedMail); ok {
		failed, err := fm.FailedMailTo(c.Request().Context(), actor.ID, failedMailLimit)
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			f := failed[0]
			me.MailFailed = &MailFailedJSON{Address: f.Address, Answer: f.LastError, At: f.FailedAt.UTC(), More: len(failed) - 1}
		}
	}
	return c.JSON(http.StatusOK, me)
}
