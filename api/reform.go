package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/auth"

	"github.com/vanthu/vanthu/internal/csvsafe"
	"github.com/vanthu/vanthu/internal/ratelimit"
	"github.com/vanthu/vanthu/workflow"
)

// Routes for the stamp layout correction, the reform report and the
// public lookup of verification codes (README: "Stamps, public
// verification and the reform report"). The services are
// found on Docs (workflow.Service implements them); a Docs without them
// answers 503.

// LayoutEditor corrects a document's stamp layout.
type LayoutEditor interface {
	SetLayout(ctx context.Context, actor *workflow.User, id string, version int, l *workflow.Layout) (*workflow.Document, error)
}

// ReformReporter computes the administrative reform report.
type ReformReporter interface {
	ReformReport(ctx context.Context, actor *workflow.User, from, to time.Time) (*workflow.ReformReport, error)
}

// CodeVerifier looks up public verification codes.
type CodeVerifier interface {
	VerifyCode(ctx context.Context, code string) (*workflow.PublicDocument, error)
}

// codeLimiter bounds public code lookups per client address: 30 a
// minute, enough for a person, too few to enumerate codes.
var codeLimiter = ratelimit.New(30, time.Minute)

func (s *Server) reformRoutes(e *echo.Echo, g *echo.Group) {
	g.PUT("/documents/:id/layout", s.handleSetLayout)
	g.GET("/reports/reform", s.handleReform)
	e.GET("/api/v1/public/verify/:code", s.handlePublicVerify)
}

type layoutRequest struct {
	Layout  *LayoutJSON `json:"layout" null:"omit"`
	Version int         `json:"version"`
}

func (s *Server) handleSetLayout(c echo.Context) error {
	le, ok := s.Docs.(LayoutEditor)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "layout editing is not available")
	}
	var req layoutRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	version, err := s.ifMatch(c, req.Version)
	if err != nil {
		return err
	}
	d, err := le.SetLayout(c.Request().Context(), Actor(c), c.Param("id"), version, req.Layout.toDomain())
	if err != nil {
		return s.preconditionFailed(c, err)
	}
	return s.writeDocumentJSON(c, http.StatusOK, d)
}

// ReformFigureJSON is one figure of the reform report.
type ReformFigureJSON struct {
	Key         string  `json:"key"`
	Label       string  `json:"label"`
	Numerator   int     `json:"numerator"`
	Denominator int     `json:"denominator"`
	Percent     float64 `json:"percent"`
	Target      float64 `json:"target"`
	Met         bool    `json:"met"`
}

// ReformJSON is the reform report.
type ReformJSON struct {
	From    string             `json:"from"`
	To      string             `json:"to"` // inclusive, as asked
	Figures []ReformFigureJSON `json:"figures"`
}

// ParsePeriod reads from/to (yyyy-mm-dd, inclusive) with defaults: the
// current year up to today.
func ParsePeriod(fromS, toS string, now time.Time) (from, toExcl time.Time, err error) {
	n := now.In(workflow.Vietnam)
	from = time.Date(n.Year(), 1, 1, 0, 0, 0, 0, workflow.Vietnam)
	to := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, workflow.Vietnam)
	if p, err := parseDate("from", fromS); err != nil {
		return from, to, err
	} else if p != nil {
		from = *p
	}
	if p, err := parseDate("to", toS); err != nil {
		return from, to, err
	} else if p != nil {
		to = *p
	}
	if to.Before(from) {
		return from, to, workflow.Errorf(workflow.EINVALID, "to must not be before from").On("to")
	}
	return from, to.AddDate(0, 0, 1), nil
}

func (s *Server) handleReform(c echo.Context) error {
	rr, ok := s.Docs.(ReformReporter)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "the reform report is not available")
	}
	from, to, err := ParsePeriod(c.QueryParam("from"), c.QueryParam("to"), s.now())
	if err != nil {
		return err
	}
	if err := checkFormat(c); err != nil {
		return err
	}
	rep, err := rr.ReformReport(c.Request().Context(), Actor(c), from, to)
	if err != nil {
		return err
	}
	out := ReformJSON{From: from.Format(dateLayout), To: to.AddDate(0, 0, -1).Format(dateLayout), Figures: []ReformFigureJSON{}}
	for _, f := range rep.Figures {
		out.Figures = append(out.Figures, ReformFigureJSON{Key: f.Key, Label: f.Label, Numerator: f.Numerator,
			Denominator: f.Denominator, Percent: f.Percent, Target: f.Target, Met: f.Met})
	}
	if c.QueryParam("format") == "csv" {
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=reform-%s-%s.csv", out.From, out.To))
		c.Response().WriteHeader(http.StatusOK)
		c.Response().Write([]byte("\ufeff"))
		w := csvsafe.NewWriter(c.Response())
		w.Write([]string{"from", "to", "key", "label", "numerator", "denominator", "percent", "target", "met"})
		for _, f := range out.Figures {
			w.Write([]string{out.From, out.To, f.Key, f.Label, strconv.Itoa(f.Numerator), strconv.Itoa(f.Denominator),
				strconv.FormatFloat(f.Percent, 'f', 1, 64), strconv.FormatFloat(f.Target, 'f', 0, 64), strconv.FormatBool(f.Met)})
		}
		w.Flush()
		return w.Error()
	}
	return c.JSON(http.StatusOK, out)
}

// PublicDocumentJSON is what a verification code reveals.
type PublicDocumentJSON struct {
	Code       string     `json:"code"`
	Classified bool       `json:"classified"`
	Notation   string     `json:"notation,omitempty"`
	Type       string     `json:"type,omitempty"`
	Subject    string     `json:"subject,omitempty"`
	IssuedAt   *time.Time `json:"issued_at,omitempty"`
	Issuer     string     `json:"issuer"`
	SHA256     string     `json:"sha256,omitempty"`
	Size       int64      `json:"size,omitempty"`
	Revoked    bool       `json:"revoked,omitempty"`
}

func (s *Server) handlePublicVerify(c echo.Context) error {
	// The client as the login throttle sees it: X-Forwarded-For only from
	// trusted proxies, so a forged header does not reset the limit.
	if !codeLimiter.Allow(auth.ClientAddr(c.Request(), s.TrustedProxies)) {
		c.Response().Header().Set("Retry-After", "60")
		return workflow.Errorf(workflow.ETOOMANY, "too many lookups; try again in a minute")
	}
	cv, ok := s.Docs.(CodeVerifier)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "verification codes are not available")
	}
	p, err := cv.VerifyCode(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, PublicDocumentJSON{Code: p.Code, Classified: p.Classified, Notation: p.Notation,
		Type: string(p.Type), Subject: p.Subject, IssuedAt: p.IssuedAt, Issuer: p.Issuer, SHA256: p.SHA256, Size: p.Size, Revoked: p.Revoked})
}
