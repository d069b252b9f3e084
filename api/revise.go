package api

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/workflow"
)

// DraftReviser revises drafts (workflow.Service); a Docs without it
// answers 503.
type DraftReviser interface {
	Revise(ctx context.Context, actor *workflow.User, id string, in workflow.ReviseInput) (*workflow.Document, error)
}

// reviseRequest is the body of PATCH /documents/{id} (JSON), or its part
// meta (multipart): the fields given replace the draft's, those left out
// stay; version is the one the caller saw (0 = any).
type reviseRequest struct {
	Version         int             `json:"version"`
	Type            *string         `json:"type"`
	Subject         *string         `json:"subject"`
	Urgency         *string         `json:"urgency"`
	Confidentiality *string         `json:"confidentiality"`
	SignerID        *string         `json:"signer_id"`
	Recipients      *[]workflow.Org `json:"recipients"`
	DraftingUnit    *string         `json:"drafting_unit"`
	Retention       *string         `json:"retention"`
	Notes           *string         `json:"notes"`
	Layout          *LayoutJSON     `json:"layout"`
}

// handleRevise is PATCH /documents/{id}: a draft's fields corrected
// (application/json), and its PDF replaced with them (multipart/form-data:
// part meta, the same JSON, then part file) — one request, one revision,
// one event, as a create is one request with its file.
func (s *Server) handleRevise(c echo.Context) error {
	dr, ok := s.Docs.(DraftReviser)
	if !ok {
		return workflow.Errorf(workflow.EUNAVAILABLE, "revising drafts is not available")
	}
	if !Actor(c).Has(workflow.RoleHandler) {
		// Only a draft's drafting handler revises it: refused before a
		// byte of the body is read, as a create is.
		return refuseUpload(c, workflow.Errorf(workflow.EFORBIDDEN, "only the handler who drafted a document may revise it"))
	}
	r := c.Request()
	var req reviseRequest
	var file *workflow.Upload
	mt, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err == nil && mt == "multipart/form-data" && params["boundary"] != "" {
		r.Body = http.MaxBytesReader(c.Response(), r.Body, s.MaxUpload+(1<<20))
		up := uploads{budget: &s.uploadMemory, body: &countingReader{r: r.Body}, size: r.ContentLength}
		defer up.cleanup()
		if file, err = s.readReviseParts(c, multipart.NewReader(up.body, params["boundary"]), &up, &req); err != nil {
			return err
		}
	} else if err := bind(c, &req); err != nil {
		return err
	}
	d, err := dr.Revise(r.Context(), Actor(c), c.Param("id"), req.input(file))
	if err != nil {
		return err
	}
	return s.writeDocumentJSON(c, http.StatusOK, d)
}

// readReviseParts reads a multipart revision: part meta (into req), then
// at most one part file, spooled to up as a create's.
func (s *Server) readReviseParts(c echo.Context, mr *multipart.Reader, up *uploads, req *reviseRequest) (*workflow.Upload, error) {
	var file *workflow.Upload
	meta := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return file, nil
		}
		if err != nil {
			return nil, uploadErr(err)
		}
		switch p.FormName() {
		case "meta":
			if meta {
				return nil, workflow.Errorf(workflow.EINVALID, "only one part named meta is allowed")
			}
			meta = true
			if err := decodeJSON(p, req); err != nil {
				return nil, refuseUpload(c, jsonBodyError("part meta", err))
			}
		case "file":
			if file != nil {
				return nil, workflow.Errorf(workflow.EINVALID, "only one part named file is allowed")
			}
			if file, err = up.spool(p, s.MaxUpload); err != nil {
				return nil, workflow.OnField(err, "file")
			}
			file.Name = norm.NFC.String(file.Name)
		default:
			return nil, workflow.Errorf(workflow.EINVALID, "unknown part %q: expected meta and file", p.FormName())
		}
		p.Close()
	}
}

// input is the service's input of the request, its text in NFC as a
// create's (composeText).
func (req *reviseRequest) input(file *workflow.Upload) workflow.ReviseInput {
	nfc := func(s *string) *string {
		if s == nil {
			return nil
		}
		v := norm.NFC.String(*s)
		return &v
	}
	in := workflow.ReviseInput{Version: req.Version, Subject: nfc(req.Subject), SignerID: req.SignerID,
		DraftingUnit: nfc(req.DraftingUnit), Retention: req.Retention, Notes: nfc(req.Notes), Layout: req.Layout.toDomain(), File: file}
	if req.Type != nil {
		in.Type = (*workflow.DocType)(req.Type)
	}
	if req.Urgency != nil {
		in.Urgency = (*workflow.Urgency)(req.Urgency)
	}
	if req.Confidentiality != nil {
		in.Confidentiality = (*workflow.Confidentiality)(req.Confidentiality)
	}
	if req.Recipients != nil {
		rs := make([]workflow.Org, len(*req.Recipients))
		for i, o := range *req.Recipients {
			rs[i] = workflow.Org{OrgID: o.OrgID, Name: norm.NFC.String(o.Name)}
		}
		in.Recipients = &rs
	}
	return in
}
