package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/vanthu/vanthu/workflow"
)

// Signing is what the signing routes need (signing.Service and the key
// loader, wired by cmd).
type Signing struct {
	// Verify validates a PDF's signatures.
	Verify func(ctx context.Context, pdf []byte) (workflow.Verification, error)
	// CheckKey checks that keyURI with its certificate chain may be
	// official u's signing key (the server's allow-list of key locations,
	// the certificate names u, the key is nobody else's) and returns the
	// canonical URI to store. Errors: EFORBIDDEN (not allowed, not u's),
	// EINVALID, ENOTFOUND, EUNAVAILABLE, EUNAUTHORIZED.
	CheckKey func(ctx context.Context, u *workflow.User, keyURI string, certPEM []byte) (string, error)
	// TrustAnchorsPEM are the CAs verification trusts.
	TrustAnchorsPEM []byte
	// Blobs stores signature images.
	Blobs workflow.Blobs
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
		return c.JSONBlob(http.StatusOK, d.Verification.Report)
	}
	rc, _, err := s.Docs.OpenFile(ctx, Actor(c), d.ID, "")
	if err != nil {
		return err
	}
	defer rc.Close()
	pdf, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	v, err := sg.Verify(ctx, pdf)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, v.Report)
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
		pdf, err := io.ReadAll(io.LimitReader(p, s.MaxUpload+1))
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
	u, err := s.SetSigningKey(c.Request().Context(), Actor(c), c.Param("id"), req.KeyURI, req.CertPEM)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ToUserJSON(u))
}

// SetSigningKey sets an official's signing key URI and certificate chain
// (admins only), after checking that the key can be used: the one
// implementation behind PUT /users/{id}/signing-key and the web
// interface's administration page.
func (s *Server) SetSigningKey(ctx context.Context, actor *workflow.User, id, keyURI, certPEM string) (*workflow.User, error) {
	if !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "this needs role admin")
	}
	sg, err := s.signing()
	if err != nil {
		return nil, err
	}
	req := signingKeyRequest{KeyURI: keyURI, CertPEM: certPEM}
	if req.KeyURI == "" || req.CertPEM == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "key_uri and cert_pem are required")
	}
	if !strings.HasPrefix(req.KeyURI, "file:") && !strings.HasPrefix(req.KeyURI, "pkcs11:") {
		return nil, workflow.Errorf(workflow.EINVALID, "key_uri must start with file: or pkcs11:")
	}
	if sg.CheckKey == nil || s.Directory == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "signing keys cannot be checked on this server")
	}
	target, err := s.Directory.User(ctx, id)
	if err != nil {
		return nil, err
	}
	if !target.Has(workflow.RoleOfficer) {
		return nil, workflow.Errorf(workflow.EINVALID, "%s is not an official (role officer)", target.Username)
	}
	uri, err := sg.CheckKey(ctx, target, req.KeyURI, []byte(req.CertPEM))
	if err != nil {
		return nil, err
	}
	return s.Accounts.UpdateUser(ctx, actor, target.ID, func(u *workflow.User) error {
		if !u.Has(workflow.RoleOfficer) {
			return workflow.Errorf(workflow.EINVALID, "%s is not an official (role officer)", u.Username)
		}
		if u.FullName != target.FullName {
			return workflow.Errorf(workflow.ECONFLICT, "%s changed meanwhile: try again", u.Username)
		}
		u.SigningKeyURI, u.CertPEM = uri, req.CertPEM
		return nil
	})
}

func (s *Server) handleSignatureImage(c echo.Context) error {
	if err := RequireRole(c, workflow.RoleAdmin); err != nil {
		return err
	}
	if ct, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); ct != "image/png" {
		return workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "send the signature image as the body with Content-Type image/png")
	}
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, 5<<20+1))
	if err != nil {
		return uploadErr(err)
	}
	u, err := s.SetSignatureImage(c.Request().Context(), Actor(c), c.Param("id"), b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ToUserJSON(u))
}

// SetSignatureImage checks and stores an official's signature image (a
// PNG) and records it on the user (admins only): the one implementation
// behind PUT /users/{id}/signature-image and the web interface.
func (s *Server) SetSignatureImage(ctx context.Context, actor *workflow.User, id string, b []byte) (*workflow.User, error) {
	if !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "this needs role admin")
	}
	sg, err := s.signing()
	if err != nil {
		return nil, err
	}
	if len(b) > 5<<20 {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "signature image is larger than 5 MiB")
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, workflow.Errorf(workflow.EUNSUPPORTEDMEDIA, "not a PNG image: %v", err)
	}
	if bd := img.Bounds(); bd.Dx() < 16 || bd.Dy() < 8 || bd.Dx() > 4000 || bd.Dy() > 4000 {
		return nil, workflow.Errorf(workflow.EINVALID, "signature image must be between 16x8 and 4000x4000 pixels")
	}
	sum := sha256.Sum256(b)
	hexsum := hex.EncodeToString(sum[:])
	if _, err := sg.Blobs.Put(ctx, workflow.BlobKey(hexsum), bytes.NewReader(b), int64(len(b)), hexsum,
		workflow.PutOptions{ContentType: "image/png"}); err != nil {
		return nil, err
	}
	return s.Accounts.UpdateUser(ctx, actor, id, func(u *workflow.User) error {
		if !u.Has(workflow.RoleOfficer) {
			return workflow.Errorf(workflow.EINVALID, "%s is not an official (role officer)", u.Username)
		}
		u.SignatureImage = hexsum
		return nil
	})
}
