package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// PKI is the development PKI's services (signing/pki.Authority, wired by
// cmd when the development PKI is in use); nil on a server with
// configured keys, whose CA runs its own.
type PKI struct {
	// Handler serves GET /pki/ca.crt, /pki/crl, /pki/tsa.crt,
	// /pki/ocsp/{request} and POST /pki/ocsp, /pki/tsa.
	Handler http.Handler
	// Revoke revokes a certificate the development PKI issued, by serial
	// (hex) or as the official userID's current certificate. Errors:
	// EFORBIDDEN, EINVALID, ENOTFOUND, ECONFLICT (already revoked).
	Revoke func(ctx context.Context, actor *workflow.User, serial, userID string, reason workflow.RevocationReason, comment string) (workflow.Revocation, error)
	// Revocations lists the revocations, oldest first.
	Revocations func(ctx context.Context) ([]workflow.Revocation, error)
}

// pkiRoutes are the development PKI's public routes: relying parties
// (other agencies' validators, pdfsig, openssl) reach them without a
// token, at the URLs the certificates name.
var pkiRoutes = []struct{ method, path string }{
	{http.MethodGet, "/pki/ca.crt"},
	{http.MethodGet, "/pki/tsa.crt"},
	{http.MethodGet, "/pki/crl"},
	{http.MethodPost, "/pki/ocsp"},
	{http.MethodGet, "/pki/ocsp/:request"},
	{http.MethodPost, "/pki/tsa"},
}

func (s *Server) pkiRoutes(e *echo.Echo, g *echo.Group) {
	for _, r := range pkiRoutes {
		e.Add(r.method, r.path, s.handlePKIService)
	}
	g.POST("/pki/revocations", s.handleRevoke)
	g.GET("/pki/revocations", s.handleRevocations)
}

func (s *Server) pki() (*PKI, error) {
	if s.PKI == nil || s.PKI.Handler == nil {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "the development PKI's services are off on this server (it uses configured keys): the CA named in the certificates runs them")
	}
	return s.PKI, nil
}

func (s *Server) handlePKIService(c echo.Context) error {
	p, err := s.pki()
	if err != nil {
		return err
	}
	p.Handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

type revokeRequest struct {
	Serial  string `json:"serial"`
	UserID  string `json:"user_id"`
	Reason  string `json:"reason"`
	Comment string `json:"comment"`
}

// RevocationJSON is a revoked certificate.
type RevocationJSON struct {
	Serial     string    `json:"serial"`
	Issuer     string    `json:"issuer"`
	Subject    string    `json:"subject"`
	UserID     string    `json:"user_id,omitempty"`
	Reason     string    `json:"reason"`
	ReasonCode int       `json:"reason_code"`
	RevokedAt  time.Time `json:"revoked_at"`
	Actor      string    `json:"actor,omitempty"`
	Comment    string    `json:"comment,omitempty"`
}

func toRevocationJSON(r workflow.Revocation) RevocationJSON {
	return RevocationJSON{Serial: r.Serial, Issuer: r.Issuer, Subject: r.Subject, UserID: r.UserID, Reason: string(r.Reason),
		ReasonCode: r.Reason.Code(), RevokedAt: r.RevokedAt.UTC(), Actor: r.Actor, Comment: r.Comment}
}

func (s *Server) handleRevoke(c echo.Context) error {
	if err := RequireRole(c, workflow.RoleAdmin); err != nil {
		return err
	}
	p, err := s.pki()
	if err != nil {
		return err
	}
	var req revokeRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	reason, err := workflow.ParseRevocationReason(req.Reason)
	if err != nil {
		return err
	}
	r, err := p.Revoke(c.Request().Context(), Actor(c), req.Serial, req.UserID, reason, req.Comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toRevocationJSON(r))
}

func (s *Server) handleRevocations(c echo.Context) error {
	if err := RequireRole(c, workflow.RoleAdmin); err != nil {
		return err
	}
	p, err := s.pki()
	if err != nil {
		return err
	}
	list, err := p.Revocations(c.Request().Context())
	if err != nil {
		return err
	}
	items := make([]RevocationJSON, 0, len(list))
	for _, r := range list {
		items = append(items, toRevocationJSON(r))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}
