package api

import (
	"context"

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
