package api

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// Copier makes and reads copies (bản sao) of documents
// (workflow.Service: copy.go).
type Copier interface {
	MakeCopy(ctx context.Context, actor *workflow.User, id string, in workflow.CopyInput) (*workflow.Copy, error)
	Copies(ctx context.Context, actor *workflow.User, id string) ([]workflow.Copy, error)
	OpenCopy(ctx context.Context, actor *workflow.User, copyID string) (io.ReadCloser, *workflow.Copy, *workflow.Document, error)
}

type copyRequest struct {
	Form         string `json:"form"`
	RequestedFor string `json:"requested_for"`
	Pages        string `json:"pages"`
}

// CopyJSON is a copy of a document.
type CopyJSON struct {
	ID           string    `json:"id"`
	DocumentID   string    `json:"document_id"`
	Form         string    `json:"form"`
	Year         int       `json:"year"`
	Number       int       `json:"number"`
	Notation     string    `json:"notation"`
	RequestedFor string    `json:"requested_for"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	SHA256       string    `json:"sha256"`
	Size         int64     `json:"size"`
	Pages        string    `json:"pages,omitempty"`
}

func toCopyJSON(c *workflow.Copy) CopyJSON {
	return CopyJSON{ID: c.ID, DocumentID: c.DocumentID, Form: string(c.Form), Year: c.Year, Number: c.Number,
		Notation: c.Notation, RequestedFor: c.RequestedFor, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.UTC(),
		SHA256: c.SHA256, Size: c.Size, Pages: c.Pages}
}

func (s *Server) copier() (Copier, error) {
	cp, ok := s.Docs.(Copier)
	if !ok {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "this server makes no copies")
	}
	return cp, nil
}

// copyRoutes: POST and GET /documents/{id}/copies, GET /copies/{id}/file.
func (s *Server) copyRoutes(g *echo.Group) {
	g.POST("/documents/:id/copies", s.handleMakeCopy)
	g.GET("/documents/:id/copies", s.handleCopies)
	g.GET("/copies/:id/file", s.handleCopyFile)
}

// handleMakeCopy makes a copy of document {id}: 201 with the copy.
func (s *Server) handleMakeCopy(c echo.Context) error {
	var req copyRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	cp, err := s.copier()
	if err != nil {
		return err
	}
	made, err := cp.MakeCopy(c.Request().Context(), Actor(c), c.Param("id"), workflow.CopyInput{Form: workflow.CopyForm(req.Form), RequestedFor: req.RequestedFor, Pages: req.Pages})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", apiPrefix+"/copies/"+made.ID+"/file")
	return c.JSON(http.StatusCreated, toCopyJSON(made))
}

// handleCopies lists the copies of document {id}, by number.
func (s *Server) handleCopies(c echo.Context) error {
	cp, err := s.copier()
	if err != nil {
		return err
	}
	cs, err := cp.Copies(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]CopyJSON, 0, len(cs))
	for i := range cs {
		out = append(out, toCopyJSON(&cs[i]))
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// handleCopyFile sends copy {id}'s signed PDF, named after the copy and
// its original (workflow.CopyDownloadName).
func (s *Server) handleCopyFile(c echo.Context) error {
	cp, err := s.copier()
	if err != nil {
		return err
	}
	rc, made, d, err := cp.OpenCopy(c.Request().Context(), Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	name := workflow.CopyDownloadName(d, made)
	if c.Request().Method == http.MethodHead {
		return blobHeaders(c, workflow.PDFType, name, made.SHA256, made.Size, nil)
	}
	return blobHeaders(c, workflow.PDFType, name, made.SHA256, made.Size, rc)
}
