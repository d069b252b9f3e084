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
// stay; version is the one the caller saw (0 = any); remove_attachments
// names by SHA-256 attachments of the draft to remove.
type reviseRequest struct {
	Version           int             `json:"version"`
	Type              *string         `json:"type"`
	Subject           *string         `json:"subject"`
	Urgency           *string         `json:"urgency"`
	Confidentiality   *string         `json:"confidentiality"`
	SignerID          *string         `json:"signer_id"`
	Recipients        *[]workflow.Org `json:"recipients" null:"clear"`
	DraftingUnit      *string         `json:"drafting_unit" null:"clear"`
	Retention         *string         `json:"retention"`
	Notes             *string         `json:"notes" null:"clear"`
	Layout            *LayoutJSON     `json:"layout"`
	RemoveAttachments []string        `json:"remove_attachments"`
}

// handleRevise is PATCH /documents/{id}: a draft's fields corrected and
// attachments removed (application/json), and its PDF replaced and
// attachments added with them (multipart/form-data: part meta, the same
// JSON, then part file and parts attachment, read as a create's) — one
// request, one revision, one event, as a create is one request with its
// files.
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
	var files fileParts
	mt, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err == nil && mt == "multipart/form-data" && params["boundary"] != "" {
		up, err := s.limitUploads(c)
		if err != nil {
			return refuseUpload(c, err)
		}
		defer up.cleanup()
		if files, err = s.readReviseParts(c, multipart.NewReader(up.body, params["boundary"]), up, &req); err != nil {
			return err
		}
	} else if err := bind(c, &req); err != nil {
		return err
	}
	if req.Version, err = s.ifMatch(c, req.Version); err != nil {
		return err
	}
	d, err := dr.Revise(r.Context(), Actor(c), c.Param("id"), req.input(files))
	if err != nil {
		return s.preconditionFailed(c, err)
	}
	return s.writeDocumentJSON(c, http.StatusOK, d)
}

// readReviseParts reads a multipart revision: part meta (into req), at
// most one part file and any number of parts attachment, spooled to up
// as a create's (readFilePart).
func (s *Server) readReviseParts(c echo.Context, mr *multipart.Reader, up *uploads, req *reviseRequest) (fileParts, error) {
	var out fileParts
	meta := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, uploadErr(err)
		}
		if p.FormName() == "meta" {
			if meta {
				return out, workflow.Errorf(workflow.EINVALID, "only one part named meta is allowed")
			}
			meta = true
			if err := decodeJSON(p, req); err != nil {
				return out, refuseUpload(c, jsonBodyError("part meta", err))
			}
		} else if ok, err := s.readFilePart(p, up, &out); err != nil {
			return out, err
		} else if !ok {
			return out, workflow.Errorf(workflow.EINVALID, "unknown part %q: expected meta, file, attachment", p.FormName())
		}
		p.Close()
	}
}

// input is the service's input of the request and its files, its text
// (the files' names included) in NFC as a create's (composeText).
func (req *reviseRequest) input(files fileParts) workflow.ReviseInput {
	nfc := func(s *string) *string {
		if s == nil {
			return nil
		}
		v := norm.NFC.String(*s)
		return &v
	}
	in := workflow.ReviseInput{Version: req.Version, Subject: nfc(req.Subject), SignerID: req.SignerID,
		DraftingUnit: nfc(req.DraftingUnit), Retention: req.Retention, Notes: nfc(req.Notes), Layout: req.Layout.toDomain(),
		File: files.file, Attachments: files.attachments, RemoveAttachments: req.RemoveAttachments}
	if in.File != nil {
		in.File.Name = norm.NFC.String(in.File.Name)
	}
	for i := range in.Attachments {
		in.Attachments[i].Name = norm.NFC.String(in.Attachments[i].Name)
	}
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
