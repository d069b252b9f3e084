package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// usersJSON converts users for the caller: with their status
// (last_login_at, locked_until) when the caller is an admin and Accounts
// is an auth.AccountAdmin (else no status; an unlock is then 503).
func (s *Server) usersJSON(c echo.Context, users []*workflow.User) ([]UserJSON, error) {
	out := make([]UserJSON, len(users))
	for i, u := range users {
		j, err := s.withMail(c, u, ToUserJSON(u))
		if err != nil {
			return nil, err
		}
		out[i] = j
	}
	a, ok := s.Accounts.(auth.AccountAdmin)
	if actor := Actor(c); !ok || !actor.Has(workflow.RoleAdmin) {
		return out, nil
	}
	st, err := a.AccountStatuses(c.Request().Context(), Actor(c), users)
	if err != nil {
		return nil, err
	}
	for i, u := range users {
		out[i] = out[i].withStatus(st[u.ID])
	}
	return out, nil
}

// userJSON answers status with u as usersJSON converts it.
func (s *Server) userJSON(c echo.Context, status int, u *workflow.User) error {
	out, err := s.usersJSON(c, []*workflow.User{u})
	if err != nil {
		return err
	}
	return c.JSON(status, out[0])
}

// handleUnlockUser ends the lockout of a user's account that failed
// logins caused (admins; auth.Service.UnlockAccount): 200 with the user.
func (s *Server) handleUnlockUser(c echo.Context) error {
	if err := RequireRole(c, workflow.RoleAdmin); err != nil {
		return err
	}
	a, ok := s.Accounts.(auth.AccountAdmin)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server cannot unlock accounts")
	}
	u, err := a.UnlockAccount(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return s.userJSON(c, http.StatusOK, u)
}
