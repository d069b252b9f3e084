package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/auth"
	"github.com/vanthu/vanthu/workflow"
)

// importedUserJSON is one user of POST /users/import's answer and the
// initial password, which no answer gives again.
type importedUserJSON struct {
	User            UserJSON `json:"user"`
	InitialPassword string   `json:"initial_password"`
}

// handleImportUsers is POST /users/import (admins): the users of a CSV
// file (README "Importing users"; the body text/csv, or the part "file"
// of multipart/form-data), created all or none: 201 with each and their
// initial password (temporary), 400 invalid with every bad row's problem
// in fields (field lines.N.column), 413 too_large beyond
// auth.MaxImportBytes or auth.MaxImportRows.
func (s *Server) handleImportUsers(c echo.Context) error {
	if err := RequireRole(c, workflow.RoleAdmin); err != nil {
		return err
	}
	im, ok := s.Accounts.(auth.UserImporter)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "this server cannot import users")
	}
	body, closer, err := importBody(c.Request())
	if err != nil {
		return err
	}
	defer closer()
	rows, err := auth.ParseUsersCSV(body)
	if err != nil {
		return err
	}
	created, err := im.ImportUsers(c.Request().Context(), Actor(c), rows)
	if err != nil {
		return err
	}
	users := make([]*workflow.User, len(created))
	for i, x := range created {
		users[i] = x.User
	}
	js, err := s.usersJSON(c, users)
	if err != nil {
		return err
	}
	out := make([]importedUserJSON, len(created))
	for i, x := range created {
		out[i] = importedUserJSON{User: js[i], InitialPassword: x.Password}
	}
	return c.JSON(http.StatusCreated, map[string]any{"items": out})
}

// importBody is the CSV file of an import request: its body (text/csv)
// or its multipart part "file"; EUNSUPPORTEDMEDIA otherwise.
func importBody(r *http.Request) (io.Reader, func(), error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err == nil && mt == "text/csv":
		return r.Body, func() {}, nil
	case err == nil && mt == "multipart/form-data" && params["boundary"] != "":
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, nil, workflow.Errorf(workflow.EINVALID, "the multipart body has no part \"file\"").On("file")
			}
			if err != nil {
				return nil, nil, workflow.Wrap(workflow.EINVALID, err, "cannot read the multipart upload: %v", err)
			}
			if p.FormName() == "file" {
				return p, func() { p.Close() }, nil
			}
			p.Close()
		}
	}
	return nil, nil, workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "POST /users/import takes text/csv, or multipart/form-data with the part file")
}
