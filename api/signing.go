package api

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// Signing is what the signing routes need (signing.Service and the key
// loader, wired by cmd).
type Signing struct {
	// Verify validates a PDF's signatures.
	Verify func(ctx context.Context, pdf []byte) (workflow.Verification, error)
	// TrustAnchorsPEM are the CAs verification trusts.
	TrustAnchorsPEM []byte
	// Officials sets officials' signing keys and signature images
	// (signing.Officials); nil: they cannot be set here (503).
	Officials Officials
	// Hold takes n bytes of the memory budget of PDF checks in flight
	// (signing.Intake.Hold) while a verification holds a file of n bytes,
	// waiting until ctx is done (EUNAVAILABLE); nil: no bound.
	Hold func(ctx context.Context, n int64) (release func(), err error)
}

// hold is Hold, or nothing without it.
func (sg *Signing) hold(ctx context.Context, n int64) (release func(), err error) {
	if sg.Hold == nil {
		return func() {}, nil
	}
	return sg.Hold(ctx, n)
}

// Officials sets officials' signing keys and signature images, with the
// checks (signing.Officials).
type Officials interface {
	SetSigningKey(ctx context.Context, actor *workflow.User, id, keyURI, certPEM string) (*workflow.User, error)
	SetSignatureImage(ctx context.Context, actor *workflow.User, id string, png []byte) (*workflow.User, error)
}

// officials returns the Officials, or EUNAVAILABLE.
func (s *Server) officials() (Officials, error) {
	sg, err := s.signing()
	if err != nil {
		return nil, err
	}
	if sg.Officials == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "signing keys cannot be checked on this server")
	}
	return sg.Officials, nil
}

func (s *Server) signingRoutes(g *echo.Group) {
	g.GET("/documents/:id/verification", s.handleDocumentVerification)
	g.POST("/verify", s.handleVerifyUpload)
	g.GET("/pki/trust-anchors", s.handleTrustAnchors)
	g.PUT("/users/:id/signing-key", s.handleSigningKey)
	g.PUT("/users/:id/signature-image", s.handleSignatureImage)
}

func (s *Server) signing() (*Signing, error) {
	if s.Signing == nil || s.Signing.Verify == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "signing is not configured on this server")
	}
	return s.Signing, nil
}

func (s *Server) handleDocumentVerification(c echo.Context) error {
	sg, err := s.signing()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	d, err := s.Docs.Get(ctx, Actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	f, ok := d.MainFile()
	if ok && d.Verification != nil && len(d.Verification.Report) > 0 && f.Kind == workflow.FileSigned && d.State != workflow.OfficerSigned {
		// Its length said, on the GET as on the HEAD, whatever its size.
		if c.Request().Method == http.MethodHead {
			return jsonHeaders(c, len(d.Verification.Report))
		}
		c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(d.Verification.Report)))
		return c.JSONBlob(http.StatusOK, d.Verification.Report)
	}
	if c.Request().Method == http.MethodHead {
		// No stored report: the GET would read the PDF and verify it,
		// which a HEAD does not do (it is costly). The file's record and
		// a stat of its blob give the GET's status where no check of
		// the content decides it (404 for a missing file); the GET's
		// Content-Type, no Content-Length (the report is not made).
		if _, _, err := s.Docs.StatFile(ctx, Actor(c), d.ID, ""); err != nil {
			return err
		}
		return jsonHeaders(c, -1)
	}
	rc, _, stored, err := s.Docs.OpenFile(ctx, Actor(c), d.ID, "")
	if err != nil {
		return err
	}
	defer rc.Close()
	release, err := sg.hold(ctx, stored.Size)
	if err != nil {
		return err
	}
	defer release()
	// One buffer of the file's size (io.ReadAll grew one by copying:
	// about twice a scan's size allocated on every call).
	var pdf []byte
	if stored.Size > 0 {
		pdf, err = readAtMost(rc, stored.Size, stored.Size)
	} else {
		pdf, err = io.ReadAll(rc)
	}
	if err != nil {
		return err
	}
	v, err := sg.Verify(ctx, pdf)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, v.Report)
}

// jsonHeaders answers a HEAD with the headers of a JSON answer of n bytes
// (n < 0: of a length not known without making it).
func jsonHeaders(c echo.Context, n int) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	if n >= 0 {
		h.Set(echo.HeaderContentLength, strconv.Itoa(n))
	}
	return c.NoContent(http.StatusOK)
}

func (s *Server) handleVerifyUpload(c echo.Context) error {
	sg, err := s.signing()
	if err != nil {
		return err
	}
	r := c.Request()
	mt, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || mt != "multipart/form-data" {
		return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "POST /verify takes multipart/form-data with a part named file")
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, s.MaxUpload+(1<<20))
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return workflow.Errorf(workflow.EINVALID, "part file is required")
		}
		if err != nil {
			return uploadErr(err)
		}
		if p.FormName() != "file" {
			continue
		}
		n := r.ContentLength
		if n < 0 || n > s.MaxUpload {
			n = s.MaxUpload
		}
		release, err := sg.hold(r.Context(), n)
		if err != nil {
			return err
		}
		defer release()
		// A buffer of the body's size at once (io.ReadAll grew one by
		// copying: about twice the file's size allocated).
		pdf, err := readAtMost(p, s.MaxUpload+1, r.ContentLength)
		if err != nil {
			return uploadErr(err)
		}
		if int64(len(pdf)) > s.MaxUpload {
			return workflow.Errorf(workflow.ETOOLARGE, "file is larger than the limit of %d MiB", s.MaxUpload>>20)
		}
		v, err := sg.Verify(r.Context(), pdf)
		if err != nil {
			return err
		}
		return c.JSONBlob(http.StatusOK, v.Report)
	}
}

func (s *Server) handleTrustAnchors(c echo.Context) error {
	sg, err := s.signing()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/x-pem-file", sg.TrustAnchorsPEM)
}

type signingKeyRequest struct {
	KeyURI  string `json:"key_uri"`
	CertPEM string `json:"cert_pem"`
}

func (s *Server) handleSigningKey(c echo.Context) error {
	var req signingKeyRequest
	if err := RequireRole(c, workflow.RoleAdmin); err != nil {
		return err
	}
	if err := bind(c, &req); err != nil {
		return err
	}
	o, err := s.officials()
	if err != nil {
		return err
	}
	u, err := o.SetSigningKey(c.Request().Context(), Actor(c), c.Param("id"), req.KeyURI, req.CertPEM)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ToUserJSON(u))
}

func (s *Server) handleSignatureImage(c echo.Context) error {
	if err := RequireRole(c, workflow.RoleAdmin); err != nil {
		return err
	}
	if ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); ct != "image/png" {
		return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "send the signature image as the body with Content-Type image/png")
	}
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, 5<<20+1)) // one byte over the limit: ETOOLARGE
	if err != nil {
		return uploadErr(err)
	}
	o, err := s.officials()
	if err != nil {
		return err
	}
	u, err := o.SetSignatureImage(c.Request().Context(), Actor(c), c.Param("id"), b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ToUserJSON(u))
}
