package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
)

// Bearer adds the session token (from Login) to a request.
func Bearer(token string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// NamedPDF is a PDF to upload and its file name.
type NamedPDF struct {
	Name string
	PDF  io.Reader
}

// NewDocumentBody builds the multipart body of CreateDocument: the meta
// part as JSON first, then the PDF, then the attachments, in order. It
// returns the Content-Type (with the boundary) and the body.
func NewDocumentBody(meta DocumentMeta, file NamedPDF, attachments ...NamedPDF) (string, io.Reader, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	mb, err := json.Marshal(meta)
	if err != nil {
		return "", nil, err
	}
	part := func(name, file, ctype string) (io.Writer, error) {
		h := textproto.MIMEHeader{}
		params := map[string]string{"name": name}
		if file != "" {
			params["filename"] = file
		}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", params))
		h.Set("Content-Type", ctype)
		return w.CreatePart(h)
	}
	pw, err := part("meta", "", "application/json")
	if err != nil {
		return "", nil, err
	}
	pw.Write(mb)
	if pw, err = part("file", file.Name, "application/pdf"); err != nil {
		return "", nil, err
	}
	if _, err := io.Copy(pw, file.PDF); err != nil {
		return "", nil, err
	}
	for _, a := range attachments {
		if pw, err = part("attachment", a.Name, "application/pdf"); err != nil {
			return "", nil, err
		}
		if _, err := io.Copy(pw, a.PDF); err != nil {
			return "", nil, err
		}
	}
	if err := w.Close(); err != nil {
		return "", nil, err
	}
	return w.FormDataContentType(), &buf, nil
}
