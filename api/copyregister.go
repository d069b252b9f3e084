package api

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/internal/csvsafe"
	"github.com/vanthu/vanthu/workflow"
)

// CopyRegisterReader reads the register of copies (sổ đăng ký bản sao)
// of a year (workflow.Service.CopyRegister: clerks and admins; the lines
// of originals the actor may not see are left out), as the web's
// register page does.
type CopyRegisterReader interface {
	CopyRegister(ctx context.Context, actor *workflow.User, year int) ([]workflow.CopyLine, error)
}

// CopyRegisterEntry is a line of the register of copies: a copy made,
// or a number no copy carries (status reserved, or voided with the
// reason in notes) — then only its number, notation, original, clerk and
// time.
type CopyRegisterEntry struct {
	Number           int       `json:"number"`
	Notation         string    `json:"notation"`
	Date             string    `json:"date"` // the day of the copy, Vietnam time
	Form             string    `json:"form,omitempty"`
	CopyID           string    `json:"copy_id,omitempty"`
	DocumentID       string    `json:"document_id"`
	OriginalNotation string    `json:"original_notation,omitempty"`
	OriginalSubject  string    `json:"original_subject"`
	RequestedFor     string    `json:"requested_for,omitempty"`
	Pages            string    `json:"pages,omitempty"` // a trích sao's
	CreatedBy        string    `json:"created_by"`
	CreatedByName    string    `json:"created_by_name"`
	CreatedAt        time.Time `json:"created_at"`
	Status           string    `json:"status,omitempty"`
	Notes            string    `json:"notes"`
}

// CopyRegisterJSON is the register of copies of a year.
type CopyRegisterJSON struct {
	Register string              `json:"register"`
	Year     int                 `json:"year"`
	Items    []CopyRegisterEntry `json:"items"`
}

// copyRegisterEntries reads the register of copies of year for the
// request's user, with the clerks' names (one read of the users).
func (s *Server) copyRegisterEntries(c echo.Context, year int) ([]CopyRegisterEntry, error) {
	r, ok := s.Docs.(CopyRegisterReader)
	if !ok {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this server keeps no register of copies")
	}
	ctx := c.Request().Context()
	lines, err := r.CopyRegister(ctx, Actor(c), year)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	if len(lines) > 0 {
		users, err := s.Directory.Users(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			names[u.ID] = cmp.Or(u.FullName, u.Username) // as the web names them
		}
	}
	out := make([]CopyRegisterEntry, 0, len(lines))
	for _, l := range lines {
		e := CopyRegisterEntry{Number: l.Number, Notation: l.Notation, Date: workflow.VietnamDate(l.CreatedAt).String(),
			Form: string(l.Form), CopyID: l.ID, DocumentID: l.DocumentID, RequestedFor: l.RequestedFor, Pages: l.Pages,
			CreatedBy: l.CreatedBy, CreatedByName: names[l.CreatedBy], CreatedAt: l.CreatedAt.UTC(),
			Status: string(l.State), Notes: l.Note()}
		if e.CreatedByName == "" {
			e.CreatedByName = l.CreatedBy
		}
		if l.Original != nil {
			e.OriginalNotation, e.OriginalSubject = l.Original.Notation, l.Original.Subject
		}
		out = append(out, e)
	}
	return out, nil
}

// handleCopyRegister answers GET /registers/copies/{year}: the register
// of copies as JSON, or ?format=csv. A register of copies is read by
// year: ?month is refused.
func (s *Server) handleCopyRegister(c echo.Context, year int) error {
	if c.QueryParam("month") != "" {
		return workflow.Errorf(workflow.EINVALID, "the register of copies is read by year, not by month").On("month")
	}
	items, err := s.copyRegisterEntries(c, year)
	if err != nil {
		return err
	}
	if c.QueryParam("format") != "csv" {
		return c.JSON(http.StatusOK, CopyRegisterJSON{Register: string(workflow.RegisterCopies), Year: year, Items: items})
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=register-copies-%d.csv", year))
	c.Response().WriteHeader(http.StatusOK)
	c.Response().Write([]byte("\ufeff"))
	w := csvsafe.NewWriter(c.Response())
	w.Write([]string{"number", "notation", "date", "form", "original_notation", "original_subject", "requested_for", "created_by", "status", "notes", "document_id", "copy_id", "pages"})
	for _, e := range items {
		w.Write([]string{strconv.Itoa(e.Number), e.Notation, e.Date, e.Form, e.OriginalNotation, e.OriginalSubject,
			e.RequestedFor, e.CreatedByName, e.Status, e.Notes, e.DocumentID, e.CopyID, e.Pages})
	}
	w.Flush()
	return w.Error()
}
