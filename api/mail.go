package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// MailOutbox shows the e-mail notifications' outbox to the admins and
// sends a mail refused for good again (workflow.MailAdmin).
type MailOutbox interface {
	Counts(ctx context.Context, actor *workflow.User) (workflow.MailCounts, error)
	List(ctx context.Context, actor *workflow.User, q workflow.MailQuery) ([]workflow.OutboxMail, string, error)
	Retry(ctx context.Context, actor *workflow.User, id int64, seen time.Time) (bool, error)
}

// MailJSON is one notification of the outbox: never its body.
type MailJSON struct {
	ID        int64      `json:"id"`
	UserID    string     `json:"user_id"`
	Address   string     `json:"address"`
	Subject   string     `json:"subject"`
	State     string     `json:"state"`
	CreatedAt time.Time  `json:"created_at"`
	FailedAt  *time.Time `json:"failed_at,omitempty"`
	NextAt    *time.Time `json:"next_at,omitempty"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
}

// MailCountsJSON are the outbox's counts.
type MailCountsJSON struct {
	Pending   int       `json:"pending"`
	Failed    int       `json:"failed"`
	Sent      int       `json:"sent"`
	SentSince time.Time `json:"sent_since"`
}

// MailListJSON is a page of the outbox, with its counts.
type MailListJSON struct {
	Counts     MailCountsJSON `json:"counts"`
	Items      []MailJSON     `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func (s *Server) outbox() (MailOutbox, error) {
	if s.Outbox == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this server keeps no mail outbox")
	}
	return s.Outbox, nil
}

// handleMail lists the outbox (admin): the counts, then a page of the
// unsent mail, the failed first, each newest first.
func (s *Server) handleMail(c echo.Context) error {
	o, err := s.outbox()
	if err != nil {
		return err
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	ctx, actor := c.Request().Context(), Actor(c)
	q := workflow.MailQuery{State: workflow.MailState(c.QueryParam("state")), Cursor: c.QueryParam("cursor"), Limit: limit}
	ms, next, err := o.List(ctx, actor, q)
	if err != nil {
		return err
	}
	n, err := o.Counts(ctx, actor)
	if err != nil {
		return err
	}
	out := MailListJSON{Counts: MailCountsJSON{Pending: n.Pending, Failed: n.Failed, Sent: n.Sent, SentSince: n.SentSince.UTC()},
		Items: make([]MailJSON, 0, len(ms)), NextCursor: next}
	for _, m := range ms {
		j := MailJSON{ID: m.ID, UserID: m.UserID, Address: m.Address, Subject: m.Subject, State: string(m.State),
			CreatedAt: m.CreatedAt.UTC(), Attempts: m.Attempts, LastError: m.LastError}
		if m.State == workflow.MailFailed {
			at := m.FailedAt.UTC()
			j.FailedAt = &at
		} else {
			at := m.NextAt.UTC()
			j.NextAt = &at
		}
		out.Items = append(out.Items, j)
	}
	return c.JSON(http.StatusOK, out)
}

// handleRetryMail sends a mail refused for good again (admin): due now,
// to its user's current address; {"retried": false} when it was not
// failed (already sent again).
func (s *Server) handleRetryMail(c echo.Context) error {
	o, err := s.outbox()
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return workflow.Errorf(workflow.ENOTFOUND, "no mail %q", c.Param("id"))
	}
	ok, err := o.Retry(c.Request().Context(), Actor(c), id, time.Time{})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"retried": ok})
}
