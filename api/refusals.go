package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// RefusalDocs is implemented by document services that list the refused
// deliveries nobody has dealt with and mark them seen (workflow.Service).
type RefusalDocs interface {
	Refusals(ctx context.Context, actor *workflow.User, limit int) ([]workflow.RefusedDocument, int, error)
	SeeRefusals(ctx context.Context, actor *workflow.User, id string, through int64) error
}

// RefusedJSON is an outgoing document with refusals not yet dealt with.
type RefusedJSON struct {
	DocumentID      string      `json:"document_id"`
	Notation        string      `json:"notation"`
	Subject         string      `json:"subject"`
	Confidentiality string      `json:"confidentiality"`
	Refusals        []EventJSON `json:"refusals"`
}

// refusalDocs is s.Docs as RefusalDocs (EUNAVAILABLE when it is not).
func (s *Server) refusalDocs() (RefusalDocs, error) {
	if r, ok := s.Docs.(RefusalDocs); ok {
		return r, nil
	}
	return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this server does not list refused deliveries")
}

// handleRefusals lists the refused deliveries not yet dealt with, the
// document refused last first (clerks: the inbox's "Gửi bị từ chối").
func (s *Server) handleRefusals(c echo.Context) error {
	actor := Actor(c)
	if !workflow.SeesRefusals(actor) {
		return workflow.Errorf(workflow.EFORBIDDEN, "only a clerk deals with refused deliveries")
	}
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	rd, err := s.refusalDocs()
	if err != nil {
		return err
	}
	docs, n, err := rd.Refusals(c.Request().Context(), actor, orInt(limit, 50))
	if err != nil {
		return err
	}
	out := make([]RefusedJSON, 0, len(docs))
	for _, d := range docs {
		j := RefusedJSON{DocumentID: d.Doc.ID, Notation: d.Doc.Notation, Subject: d.Doc.Subject,
			Confidentiality: string(d.Doc.Confidentiality), Refusals: make([]EventJSON, 0, len(d.Refusals))}
		for _, e := range d.Refusals {
			j.Refusals = append(j.Refusals, toEventJSON(e))
		}
		out = append(out, j)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out, "total": n})
}

// handleSeeRefusals marks a document's refusals dealt with (204).
func (s *Server) handleSeeRefusals(c echo.Context) error {
	rd, err := s.refusalDocs()
	if err != nil {
		return err
	}
	var through int64
	if q := c.QueryParam("through"); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n < 1 {
			return workflow.Errorf(workflow.EINVALID, "through must be the seq of a refusal, a positive integer").On("through")
		}
		through = n
	}
	if err := rd.SeeRefusals(c.Request().Context(), Actor(c), c.Param("id"), through); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func orInt(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// DeliveryResender is implemented by document services that send again
// a delivery that failed for good (workflow.Service).
type DeliveryResender interface {
	ResendDelivery(ctx context.Context, actor *workflow.User, docID, id string, seen time.Time) (bool, error)
}

// handleResendDelivery sends again a delivery of a document that failed
// for good (clerk): due at once; {"resent": false} when it was not
// failed (sent again already): a second POST changes nothing.
func (s *Server) handleResendDelivery(c echo.Context) error {
	rs, ok := s.Docs.(DeliveryResender)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server does not send deliveries again")
	}
	resent, err := rs.ResendDelivery(c.Request().Context(), Actor(c), c.Param("id"), c.Param("delivery"), time.Time{})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"resent": resent})
}

// DeliveryDealer is implemented by document services that mark a
// delivery failed for good or refused dealt with (workflow.Service).
type DeliveryDealer interface {
	DealDelivery(ctx context.Context, actor *workflow.User, docID, id string, seen time.Time) (bool, error)
}

// handleDealtDelivery marks a delivery failed for good or refused dealt
// with (clerk; the web's Đã xử lý): {"dealt": false} when there was
// nothing to mark — marked already, neither failed nor refused, or, with
// seen (the delivery's updated_at as the client read it), changed since.
func (s *Server) handleDealtDelivery(c echo.Context) error {
	dd, ok := s.Docs.(DeliveryDealer)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server does not mark deliveries dealt with")
	}
	var seen time.Time
	if q := c.QueryParam("seen"); q != "" {
		t, err := time.Parse(time.RFC3339Nano, q)
		if err != nil {
			return workflow.Errorf(workflow.EINVALID, "seen must be the delivery's updated_at as listed (RFC 3339)").On("seen")
		}
		seen = t
	}
	dealt, err := dd.DealDelivery(c.Request().Context(), Actor(c), c.Param("id"), c.Param("delivery"), seen)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"dealt": dealt})
}
