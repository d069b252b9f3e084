package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// Reassigner passes a user's waiting work to another
// (workflow.Service.Reassign).
type Reassigner interface {
	Reassign(ctx context.Context, actor *workflow.User, in workflow.ReassignInput) (workflow.ReassignResult, error)
}

type reassignRequest struct {
	Role string `json:"role"`
	To   string `json:"to"`
}

// ReassignJSON is the answer of a reassignment: the documents moved.
type ReassignJSON struct {
	Moved     int      `json:"moved"`
	Documents []string `json:"documents"`
}

// handleReassign passes what waits for user {id} in a role to another
// user (an admin; a clerk for a handler's documents): 200 with the
// documents moved, none when nothing waited.
func (s *Server) handleReassign(c echo.Context) error {
	var req reassignRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	r, ok := s.Docs.(Reassigner)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server cannot pass documents on")
	}
	if req.Role == "" {
		return workflow.Errorf(workflow.EINVALID, "role is required: officer or handler").On("role")
	}
	res, err := r.Reassign(c.Request().Context(), Actor(c), workflow.ReassignInput{From: c.Param("id"), To: req.To, Role: workflow.Role(req.Role)})
	if err != nil {
		return err
	}
	out := ReassignJSON{Moved: len(res.Moved), Documents: res.Moved}
	if out.Documents == nil {
		out.Documents = []string{}
	}
	return c.JSON(http.StatusOK, out)
}
