package api

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/exchange"
	"github.com/vanthu/vanthu/workflow"
)

// Exchange is what the interagency exchange routes need (exchange.Service).
type Exchange interface {
	RegisterAgency(ctx context.Context, actor *workflow.User, a exchange.Agency) (*exchange.Agency, error)
	Agencies(ctx context.Context, actor *workflow.User) ([]*exchange.Agency, error)
	Deliveries(ctx context.Context, actor *workflow.User, docID string) ([]exchange.DeliveryReport, error)
	Revoke(ctx context.Context, actor *workflow.User, docID, reason string) (*workflow.Document, error)
	DecideRevocation(ctx context.Context, actor *workflow.User, docID string, accept bool, reason string) (*workflow.Document, error)
}

// ExchangeRoutes returns the registration (for Server.Extra) of the
// exchange's user-facing routes: connected agencies, deliveries of a
// document, revocation.
func ExchangeRoutes(x Exchange) func(g *echo.Group, s *Server) {
	return func(g *echo.Group, s *Server) {
		h := &exchangeHandlers{x: x, s: s}
		g.POST("/agencies", h.registerAgency)
		g.GET("/agencies", h.listAgencies)
		g.GET("/documents/:id/deliveries", h.deliveries)
		g.POST("/documents/:id/revoke", h.revoke)
		g.POST("/documents/:id/revocation", h.revocation)
	}
}

type exchangeHandlers struct {
	x Exchange
	s *Server // its Docs say which actions this server can take
}

// AgencyJSON is a connected agency.
type AgencyJSON struct {
	OrgID          string     `json:"org_id"`
	Name           string     `json:"name"`
	Endpoint       string     `json:"endpoint"`
	SigningCertPEM string     `json:"signing_cert_pem"`
	TLSCertPEM     string     `json:"tls_cert_pem"`
	CreatedAt      *time.Time `json:"created_at,omitempty"`
	UpdatedAt      *time.Time `json:"updated_at,omitempty"`
}

func toAgencyJSON(a *exchange.Agency) AgencyJSON {
	j := AgencyJSON{OrgID: a.OrgID, Name: a.Name, Endpoint: a.Endpoint, SigningCertPEM: a.SigningCertPEM, TLSCertPEM: a.TLSCertPEM}
	if !a.CreatedAt.IsZero() {
		j.CreatedAt, j.UpdatedAt = &a.CreatedAt, &a.UpdatedAt
	}
	return j
}

func (h *exchangeHandlers) registerAgency(c echo.Context) error {
	var in AgencyJSON
	if err := bind(c, &in); err != nil {
		return err
	}
	a, err := h.x.RegisterAgency(c.Request().Context(), Actor(c), exchange.Agency{OrgID: in.OrgID, Name: in.Name,
		Endpoint: in.Endpoint, SigningCertPEM: in.SigningCertPEM, TLSCertPEM: in.TLSCertPEM})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAgencyJSON(a))
}

func (h *exchangeHandlers) listAgencies(c echo.Context) error {
	as, err := h.x.Agencies(c.Request().Context(), Actor(c))
	if err != nil {
		return err
	}
	out := struct {
		Items []AgencyJSON `json:"items"`
	}{Items: make([]AgencyJSON, len(as))}
	for i, a := range as {
		out.Items[i] = toAgencyJSON(a)
	}
	return c.JSON(http.StatusOK, out)
}

// StatusJSON is a status message a recipient sent.
type StatusJSON struct {
	Code        string    `json:"code"`
	Description string    `json:"description,omitempty"`
	At          time.Time `json:"at"`
	ReceivedAt  time.Time `json:"received_at"`
}

// DeliveryJSON is one message to a connected agency and what it answered.
type DeliveryJSON struct {
	ID           string       `json:"id"`
	Kind         string       `json:"kind"` // document, status, revoke
	OrgID        string       `json:"org_id"`
	OrgName      string       `json:"org_name"`
	State        string       `json:"state"` // pending, delivered, failed
	Attempts     int          `json:"attempts"`
	NextAttempt  *time.Time   `json:"next_attempt,omitempty"`
	LastError    string       `json:"last_error,omitempty"`
	StatusCode   string       `json:"status_code,omitempty"` // of a status message we send
	LastStatus   string       `json:"last_status,omitempty"` // the last status the recipient reported
	LastStatusAt *time.Time   `json:"last_status_at,omitempty"`
	DealtAt      *time.Time   `json:"dealt_at,omitempty"` // a clerk marked it, failed or refused, dealt with
	Statuses     []StatusJSON `json:"statuses"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

func (h *exchangeHandlers) deliveries(c echo.Context) error {
	ds, err := h.x.Deliveries(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := struct {
		Items []DeliveryJSON `json:"items"`
	}{Items: make([]DeliveryJSON, len(ds))}
	for i, d := range ds {
		j := DeliveryJSON{ID: d.ID, Kind: string(d.Kind), OrgID: d.OrgID, OrgName: d.OrgName, State: string(d.State),
			Attempts: d.Attempts, LastError: d.LastError, StatusCode: d.StatusCode, LastStatus: d.LastStatus,
			LastStatusAt: d.LastStatusAt, DealtAt: d.DealtAt, Statuses: []StatusJSON{}, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
		if d.State == workflow.DeliveryPending {
			na := d.NextAttempt
			j.NextAttempt = &na
		}
		for _, st := range d.Statuses {
			j.Statuses = append(j.Statuses, StatusJSON{Code: st.Code, Description: st.Description, At: st.At, ReceivedAt: st.ReceivedAt})
		}
		out.Items[i] = j
	}
	return c.JSON(http.StatusOK, out)
}

func (h *exchangeHandlers) revoke(c echo.Context) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if err := checkReason(in.Reason); err != nil {
		return err
	}
	d, err := h.x.Revoke(c.Request().Context(), Actor(c), c.Param("id"), in.Reason)
	if err != nil {
		return asReason(err)
	}
	return h.s.writeDocumentJSON(c, http.StatusOK, d)
}

func (h *exchangeHandlers) revocation(c echo.Context) error {
	var in struct {
		Accept *bool  `json:"accept"`
		Reason string `json:"reason"` // why it is refused (required then)
	}
	if err := bind(c, &in); err != nil {
		return err
	}
	if in.Accept == nil {
		return workflow.Errorf(workflow.EINVALID, "accept (true or false) is required").On("accept")
	}
	if err := checkReason(in.Reason); err != nil {
		return err
	}
	d, err := h.x.DecideRevocation(c.Request().Context(), Actor(c), c.Param("id"), *in.Accept, in.Reason)
	if err != nil {
		return asReason(err)
	}
	return h.s.writeDocumentJSON(c, http.StatusOK, d)
}

// checkReason checks a revocation's reason as the action's comment it
// becomes is checked (length, characters), under the name this route
// gives it: the action's check named the field "comment", which these
// routes do not have.
func checkReason(reason string) error {
	if utf8.RuneCountInString(reason) > workflow.MaxComment {
		return workflow.Errorf(workflow.EINVALID, "reason is longer than %d characters", workflow.MaxComment).On("reason")
	}
	_, err := workflow.CleanLines("reason", reason)
	return err
}

// asReason is err, an action's refusal, with the field "reason" where
// the action named its comment: a revocation without its reason said
// "a revocation needs its reason in comment", field comment.
func asReason(err error) error {
	var e *workflow.Error
	if !errors.As(err, &e) || e.Field != "comment" {
		return err
	}
	msg := e.Message
	if errors.Is(err, workflow.ErrNoReason) {
		msg = "reason is required"
	}
	return &workflow.Error{Code: e.Code, Message: msg, Field: "reason", Err: err}
}
