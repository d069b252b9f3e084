package signing_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/workflow"
	"github.com/vanthu/vanthu/workflow/workflowtest"
)

// fakeUsers holds users by id for Officials.
type fakeUsers map[string]*workflow.User

func (f fakeUsers) User(_ context.Context, id string) (*workflow.User, error) {
	if u, ok := f[id]; ok {
		c := *u
		return &c, nil
	}
	return nil, workflow.Errorf(workflow.ENOTFOUND, "no user %s", id)
}

func (f fakeUsers) UpdateUser(ctx context.Context, _ *workflow.User, id string, fn func(*workflow.User) error) (*workflow.User, error) {
	u, err := f.User(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := fn(u); err != nil {
		return nil, err
	}
	f[id] = u
	return u, nil
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestOfficials: the checks of signing keys and signature images (they
// were in the API's handlers, which the web interface called).
func TestOfficials(t *testing.T) {
	admin := &workflow.User{ID: "adm", Roles: []workflow.Role{workflow.RoleAdmin}}
	clerk := &workflow.User{ID: "clk", Roles: []workflow.Role{workflow.RoleClerk}}
	users := fakeUsers{"off": {ID: "off", Username: "off", FullName: "Trần Văn Quyết", Roles: []workflow.Role{workflow.RoleOfficer}},
		"clk": {ID: "clk", Username: "clk", Roles: []workflow.Role{workflow.RoleClerk}}}
	o := &signing.Officials{Users: users, Accounts: users, Blobs: workflowtest.TempBlobs(t),
		CheckKey: func(_ context.Context, u *workflow.User, uri string, _ []byte) (string, error) {
			return uri + ";canonical", nil
		}}
	ctx := context.Background()
	keys := []struct {
		name       string
		actor      *workflow.User
		id, uri    string
		cert, want string
		field      string // the input at fault (workflow.ErrorField)
	}{
		{"OK", admin, "off", "pkcs11:token=a;object=b", "PEM", "", ""},
		{"ErrForbidden", clerk, "off", "pkcs11:token=a;object=b", "PEM", workflow.EFORBIDDEN, ""},
		{"ErrMissingURI", admin, "off", "", "PEM", workflow.EINVALID, "key_uri"},
		{"ErrMissingCert", admin, "off", "file:/k.p12", "", workflow.EINVALID, "cert_pem"},
		{"ErrScheme", admin, "off", "https://example.org/key", "PEM", workflow.EINVALID, "key_uri"},
		{"ErrNotOfficial", admin, "clk", "file:/k.p12", "PEM", workflow.EINVALID, ""},
		{"ErrNoUser", admin, "nobody", "file:/k.p12", "PEM", workflow.ENOTFOUND, ""},
	}
	for _, tc := range keys {
		t.Run("key/"+tc.name, func(t *testing.T) {
			u, err := o.SetSigningKey(ctx, tc.actor, tc.id, tc.uri, tc.cert)
			if workflow.ErrorCode(err) != tc.want || workflow.ErrorField(err) != tc.field {
				t.Fatalf("err %v (field %q), want code %q on %q", err, workflow.ErrorField(err), tc.want, tc.field)
			}
			if err == nil && (u.SigningKeyURI != tc.uri+";canonical" || u.CertPEM != tc.cert) {
				t.Errorf("stored %q %q", u.SigningKeyURI, u.CertPEM)
			}
		})
	}
	images := []struct {
		name  string
		actor *workflow.User
		id    string
		img   []byte
		want  string
	}{
		{"OK", admin, "off", pngOf(t, 200, 80), ""},
		{"ErrForbidden", clerk, "off", pngOf(t, 200, 80), workflow.EFORBIDDEN},
		{"ErrNotPNG", admin, "off", []byte("GIF89a"), workflow.EUNSUPPORTEDMEDIA},
		{"ErrTooSmall", admin, "off", pngOf(t, 10, 80), workflow.EINVALID},
		{"ErrTooLarge", admin, "off", make([]byte, signing.MaxSignatureImage+1), workflow.ETOOLARGE},
		{"ErrNotOfficial", admin, "clk", pngOf(t, 200, 80), workflow.EINVALID},
	}
	for _, tc := range images {
		t.Run("image/"+tc.name, func(t *testing.T) {
			u, err := o.SetSignatureImage(ctx, tc.actor, tc.id, tc.img)
			if workflow.ErrorCode(err) != tc.want {
				t.Fatalf("err %v, want code %q", err, tc.want)
			}
			if err == nil && len(u.SignatureImage) != 64 {
				t.Errorf("stored image key %q", u.SignatureImage)
			}
		})
	}
}
