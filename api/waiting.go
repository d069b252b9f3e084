package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// WaitingCounter counts what waits for every user by name
// (workflow.Service.WaitingByUser: one statement for the whole list, as
// the web's list of users).
type WaitingCounter interface {
	WaitingByUser(ctx context.Context) (map[string]map[workflow.Role]int, error)
}

// withWaiting sets, for an admin, what waits for each user of out (zero
// counts included); nothing for the other roles, or when the document
// service cannot count it.
func (s *Server) withWaiting(c echo.Context, out []UserJSON) error {
	wc, ok := s.Docs.(WaitingCounter)
	if !ok || !Actor(c).Has(workflow.RoleAdmin) {
		return nil
	}
	counts, err := wc.WaitingByUser(c.Request().Context())
	if err != nil {
		return err
	}
	for i := range out {
		byRole := counts[out[i].ID]
		out[i].Waiting = &WaitingJSON{Officer: byRole[workflow.RoleOfficer], Handler: byRole[workflow.RoleHandler]}
	}
	return nil
}
