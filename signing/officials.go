package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image/png"
	"strings"

	"github.com/vanthu/vanthu/workflow"
)

// MaxSignatureImage is the largest signature image Officials accepts.
const MaxSignatureImage = 5 << 20

// Officials sets officials' signing keys and signature images (admins
// only): the rules behind PUT /api/v1/users/{id}/signing-key, PUT
// /api/v1/users/{id}/signature-image and the web interface's
// administration page.
type Officials struct {
	// Users reads the official.
	Users interface {
		User(ctx context.Context, id string) (*workflow.User, error)
	}
	// Accounts updates the official (auth.Service).
	Accounts interface {
		UpdateUser(ctx context.Context, actor *workflow.User, id string, fn func(*workflow.User) error) (*workflow.User, error)
	}
	// CheckKey checks that keyURI with its certificate chain may be
	// official u's signing key (the server's allow-list of key locations,
	// the certificate names u, the key is nobody else's) and returns the
	// canonical URI to store. Errors: EFORBIDDEN (not allowed, not u's),
	// EINVALID, ENOTFOUND, EUNAVAILABLE, EUNAUTHORIZED. Nil: keys cannot be
	// set (EUNAVAILABLE).
	CheckKey func(ctx context.Context, u *workflow.User, keyURI string, certPEM []byte) (string, error)
	// Blobs stores signature images.
	Blobs workflow.Blobs
}

// SetSigningKey sets official id's signing key URI and certificate chain
// after checking that the key can be used. EFORBIDDEN for a non-admin
// actor; EINVALID for a missing field, a URI that is not file: or
// pkcs11:, or a user who is not an official; CheckKey's errors.
func (o *Officials) SetSigningKey(ctx context.Context, actor *workflow.User, id, keyURI, certPEM string) (*workflow.User, error) {
	if !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "this needs role admin")
	}
	if keyURI == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "key_uri and cert_pem are required").On("key_uri")
	}
	if certPEM == "" {
		return nil, workflow.Errorf(workflow.EINVALID, "key_uri and cert_pem are required").On("cert_pem")
	}
	if !strings.HasPrefix(keyURI, "file:") && !strings.HasPrefix(keyURI, "pkcs11:") {
		return nil, workflow.Errorf(workflow.EINVALID, "key_uri must start with file: or pkcs11:").On("key_uri")
	}
	if o.CheckKey == nil || o.Users == nil {
		return nil, workflow.Errorf(workflow.EUNAVAILABLE, "signing keys cannot be checked on this server")
	}
	target, err := o.Users.User(ctx, id)
	if err != nil {
		return nil, err
	}
	if !target.Has(workflow.RoleOfficer) {
		return nil, workflow.Errorf(workflow.EINVALID, "%s is not an official (role officer)", target.Username)
	}
	uri, err := o.CheckKey(ctx, target, keyURI, []byte(certPEM))
	if err != nil {
		return nil, err
	}
	return o.Accounts.UpdateUser(ctx, actor, target.ID, func(u *workflow.User) error {
		if !u.Has(workflow.RoleOfficer) {
			return workflow.Errorf(workflow.EINVALID, "%s is not an official (role officer)", u.Username)
		}
		if u.FullName != target.FullName {
			return workflow.Errorf(workflow.ECONFLICT, "%s changed meanwhile: try again", u.Username)
		}
		u.SigningKeyURI, u.CertPEM = uri, certPEM
		return nil
	})
}

// SetSignatureImage checks official id's signature image (a PNG of at
// most MaxSignatureImage bytes, 16x8 to 4000x4000 pixels), stores it and
// records it on the user. EFORBIDDEN for a non-admin actor; ETOOLARGE,
// EUNSUPPORTEDMEDIA (not a PNG), EINVALID (size in pixels, not an
// official).
func (o *Officials) SetSignatureImage(ctx context.Context, actor *workflow.User, id string, b []byte) (*workflow.User, error) {
	if !actor.Has(workflow.RoleAdmin) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "this needs role admin")
	}
	if len(b) > MaxSignatureImage {
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
	if _, err := o.Blobs.Put(ctx, workflow.BlobKey(hexsum), bytes.NewReader(b), int64(len(b)), hexsum,
		workflow.PutOptions{ContentType: "image/png"}); err != nil {
		return nil, err
	}
	return o.Accounts.UpdateUser(ctx, actor, id, func(u *workflow.User) error {
		if !u.Has(workflow.RoleOfficer) {
			return workflow.Errorf(workflow.EINVALID, "%s is not an official (role officer)", u.Username)
		}
		u.SignatureImage = hexsum
		return nil
	})
}
