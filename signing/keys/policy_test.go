package keys

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/workflow"
)

func TestCertificateNames(t *testing.T) {
	u := &workflow.User{ID: "u1", Username: "quyet", FullName: "Trần  Văn Quyết"}
	withID := &workflow.User{ID: "u1", Username: "quyet", FullName: "Trần Văn Quyết", PersonalID: "092080001234"}
	cert := func(cn string, uids ...string) *x509.Certificate {
		n := pkix.Name{CommonName: cn}
		for _, id := range uids {
			n.Names = append(n.Names, pkix.AttributeTypeAndValue{Type: oidUserID, Value: id})
		}
		return &x509.Certificate{Subject: n}
	}
	for _, tc := range []struct {
		name string
		cert *x509.Certificate
		ok   bool
		user *workflow.User // nil = u
	}{
		{"SameName", cert("Trần Văn Quyết"), true, nil},
		{"CaseAndNFD", cert("TRA\u0302\u0300N VĂN QUYẾT"), true, nil},
		{"UIDUserID", cert("Trần Văn Quyết", "u1"), true, nil},
		{"UIDUsername", cert("Trần Văn Quyết", "quyet"), true, nil},
		{"ErrOtherName", cert("Trần Văn Quyến"), false, nil},
		{"ErrOtherUID", cert("Trần Văn Quyết", "u2"), false, nil},
		{"ErrNoCert", nil, false, nil},
		// A Vietnamese CA's UID names the person's ID card (CCCD, or an
		// older CMND), bound by the user's personal ID number.
		{"UIDCCCD", cert("Trần Văn Quyết", "CCCD:092080001234"), true, withID},
		{"UIDCCCDSpaced", cert("Trần Văn Quyết", "cccd: 0920 8000 1234"), true, withID},
		{"UIDBareNumber", cert("Trần Văn Quyết", "092080001234"), true, withID},
		{"UIDCCCDAmongOthers", cert("Trần Văn Quyết", "MST:0101234567", "CCCD:092080001234"), true, withID},
		{"ErrUIDOtherCCCD", cert("Trần Văn Quyết", "CCCD:092080001235"), false, withID},
		{"ErrUIDCCCDNoPersonalID", cert("Trần Văn Quyết", "CCCD:092080001234"), false, nil},
		{"ErrUIDNumberPrefix", cert("Trần Văn Quyết", "1:092080001234"), false, withID},
		{"ErrUIDLonger", cert("Trần Văn Quyết", "CCCD:0920800012345"), false, withID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user := u
			if tc.user != nil {
				user = tc.user
			}
			err := CertificateNames(tc.cert, user)
			if (err == nil) != tc.ok || (err != nil && workflow.ErrorCode(err) != workflow.EFORBIDDEN) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if err := CertificateNames(cert(""), &workflow.User{Username: "x"}); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
		t.Fatalf("user without a full name: %v", err)
	}
}

func TestPolicyLocate(t *testing.T) {
	keyDir, data, outside := t.TempDir(), t.TempDir(), t.TempDir()
	for _, f := range []string{filepath.Join(keyDir, "k.pem"), filepath.Join(outside, "k.pem"), filepath.Join(data, "k.pem")} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(filepath.Join(outside, "k.pem"), filepath.Join(keyDir, "out.pem"))
	os.Symlink(outside, filepath.Join(keyDir, "outdir"))
	p, err := NewPolicy([]string{keyDir, data}, "/usr/lib/softhsm/libsofthsm2.so", []string{"officers"})
	if err != nil {
		t.Fatal(err)
	}
	p.RefuseDir(data)
	p.Reserve("agency", "pkcs11:token=officers;object=agency", nil)
	for _, tc := range []struct {
		uri, code, want string
	}{
		{"file:" + filepath.Join(keyDir, "k.pem"), "", "file:" + filepath.Join(keyDir, "k.pem")},
		{"file://" + filepath.Join(keyDir, "k.pem"), "", "file:" + filepath.Join(keyDir, "k.pem")},
		{"file:" + filepath.Join(keyDir, "out.pem"), workflow.EFORBIDDEN, ""},
		{"file:" + filepath.Join(keyDir, "outdir", "k.pem"), workflow.EFORBIDDEN, ""},
		{"file:" + keyDir + "/../" + filepath.Base(outside) + "/k.pem", workflow.EFORBIDDEN, ""},
		{"file:" + filepath.Join(data, "k.pem"), workflow.EFORBIDDEN, ""},
		{"file:" + keyDir, workflow.EFORBIDDEN, ""},
		{"file:" + filepath.Join(keyDir, "missing.pem"), workflow.ENOTFOUND, ""},
		{"file:k.pem", workflow.EINVALID, ""},
		{"pkcs11:token=officers;object=a%20b", "", "pkcs11:token=officers;object=a%20b"},
		{"pkcs11:object=x;token=officers;id=%01", "", "pkcs11:token=officers;object=x;id=%01"},
		{"pkcs11:token=officers;object=agency", workflow.EFORBIDDEN, ""},
		{"pkcs11:token=agency;object=x", workflow.EFORBIDDEN, ""},
		{"pkcs11:token=officers;object=x;module-path=/tmp/x.so", workflow.EFORBIDDEN, ""},
		{"pkcs11:token=officers;object=x?pin-source=/etc/shadow", workflow.EFORBIDDEN, ""},
		{"pkcs11:token=officers;object=x;pin-value=1", workflow.EFORBIDDEN, ""},
		{"pkcs11:token=officers;object=x;pin-env=HOME", workflow.EFORBIDDEN, ""},
		{"pkcs11:serial=1;object=x", workflow.EFORBIDDEN, ""},
		{"https://example.com/k", workflow.EINVALID, ""},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			got, err := p.Locate(tc.uri)
			if workflow.ErrorCode(err) != tc.code || got != tc.want {
				t.Fatalf("Locate = %q, %v; want %q, code %q", got, err, tc.want, tc.code)
			}
		})
	}
	empty, _ := NewPolicy(nil, "", nil)
	for _, uri := range []string{"file:" + filepath.Join(keyDir, "k.pem"), "pkcs11:token=officers;object=x"} {
		if _, err := empty.Locate(uri); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
			t.Errorf("no allow-list, %s: %v", uri, err)
		}
	}
}

func TestLoadWithModuleRefusesOtherModule(t *testing.T) {
	_, err := LoadWithModule(context.Background(), "pkcs11:token=t;object=o;module-path=/tmp/evil.so", nil, "/usr/lib/softhsm/libsofthsm2.so")
	if workflow.ErrorCode(err) != workflow.EINVALID || !strings.Contains(err.Error(), "not the configured module") {
		t.Fatalf("err = %v", err)
	}
}
