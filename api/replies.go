package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// Replier lists every reply drafted to a letter (workflow.Service.Replies:
// one statement, none for a letter never answered).
type Replier interface {
	Replies(ctx context.Context, actor *workflow.User, letter *workflow.Document) ([]workflow.Reply, error)
}

// ReplyJSON is one reply to a letter: its ID, and the document when the
// caller may see it (a classified reply is named by its ID alone to who
// may see the letter but not the reply, as on the letter's web page).
type ReplyJSON struct {
	ID       string        `json:"id"`
	Document *DocumentJSON `json:"document,omitempty"`
}

// handleReplies answers GET /documents/{id}/replies: every reply drafted
// to letter {id}, oldest first (a document's replied_by names the latest
// alone). Empty for a letter never answered and for an outgoing
// document.
func (s *Server) handleReplies(c echo.Context) error {
	rp, ok := s.Docs.(Replier)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server lists no replies")
	}
	ctx, actor := c.Request().Context(), Actor(c)
	letter, err := s.Docs.Get(ctx, actor, c.Param("id"))
	if err != nil {
		return err
	}
	rs, err := rp.Replies(ctx, actor, letter)
	if err != nil {
		return err
	}
	out := make([]ReplyJSON, len(rs))
	for i, r := range rs {
		out[i].ID = r.ID
		if r.Doc != nil {
			j := toDocumentJSON(r.Doc, actor, s.Docs)
			out[i].Document = &j
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}
