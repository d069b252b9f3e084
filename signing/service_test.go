package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

func TestService(t *testing.T) {
	p := newTestPKI(t, "rsa")
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	officer := &workflow.User{ID: "u1", FullName: "Nguyễn Văn Sĩ", Title: "Chủ tịch"}
	svc, err := NewService(Config{
		Agency: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy",
		Officer: func(_ context.Context, u *workflow.User) (keys.Key, []byte, error) {
			if u.ID != "u1" {
				return keys.Key{}, nil, workflow.Errorf(workflow.EUNAVAILABLE, "no key for %s", u.ID)
			}
			return p.Officer, nil, nil
		},
		Roots: roots,
		Now:   func() time.Time { return at },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := svc.InspectPDF(ctx, bytes.NewReader([]byte("x")), 1); workflow.ErrorCode(err) != workflow.EUNSUPPORTEDMEDIA {
		t.Errorf("InspectPDF: %v", err)
	}
	d := &workflow.Document{ID: "d1"}
	if _, err := svc.SignOfficial(ctx, d, &workflow.User{ID: "u2"}, smallPDF()); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("unknown officer: %v", err)
	}
	l1, err := svc.SignOfficial(ctx, d, officer, smallPDF())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignAgency(ctx, d, l1); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Errorf("no notation: %v", err)
	}
	d.Notation = "15/QĐ-UBND"
	issued := at
	d.IssuedAt = &issued
	l2, err := svc.SignAgency(ctx, d, l1)
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.Verify(ctx, l2)
	if err != nil {
		t.Fatal(err)
	}
	if v.Verdict != workflow.VerdictValid || !bytes.Contains(v.Report, []byte(`"verdict":"valid"`)) {
		t.Errorf("Verify = %s %v\n%s", v.Verdict, v.Reasons, v.Report)
	}
	if v, _ := svc.Verify(ctx, smallPDF()); v.Verdict != workflow.VerdictUnsigned {
		t.Errorf("unsigned: %s", v.Verdict)
	}
	att, err := svc.SignAttachment(ctx, d, smallPDF())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := svc.Verify(ctx, att); v.Verdict != workflow.VerdictValid {
		t.Errorf("attachment: %s %v", v.Verdict, v.Reasons)
	}
}

func TestRunSignCLI(t *testing.T) {
	p := newTestPKI(t, "ec")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	keyPEM := func(k keys.Key) string {
		der, err := x509.MarshalPKCS8PrivateKey(k.Signer)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	certPEM := func(k keys.Key) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Chain[0].Raw})
	}
	ok := write("officer.key", []byte(keyPEM(p.Officer)))
	oc := write("officer.pem", certPEM(p.Officer))
	ak := write("agency.key", []byte(keyPEM(p.Agency)))
	ac := write("agency.pem", certPEM(p.Agency))
	chain := write("root.pem", p.RootPEM())
	in := write("in.pdf", smallPDF())
	l1, l2 := filepath.Join(dir, "l1.pdf"), filepath.Join(dir, "l2.pdf")
	var out, errb bytes.Buffer
	ctx := context.Background()
	if code := RunSignCLI(ctx, []string{"--layer", "officer", "--key", "file:" + ok, "--cert", oc, "--chain", chain, "--title", "Chủ tịch", in, l1}, &out, &errb); code != 0 {
		t.Fatalf("officer: exit %d: %s", code, errb.String())
	}
	if code := RunSignCLI(ctx, []string{"--layer", "agency", "--key", "file:" + ak, "--cert", ac, "--chain", chain, "--number", "15", "--notation", "QĐ-UBND", "--place", "Bình Thủy", "--date", "2026-11-25", l1, l2}, &out, &errb); code != 0 {
		t.Fatalf("agency: exit %d: %s", code, errb.String())
	}
	signed, _ := os.ReadFile(l2)
	info, err := inspectBytes(signed)
	if err != nil || info.Signatures != 2 {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	// Layer 2 on an unsigned file: exit 2 with a clear message.
	errb.Reset()
	if code := RunSignCLI(ctx, []string{"--layer", "agency", "--key", "file:" + ak, "--cert", ac, "--notation", "1/QĐ-UBND", in, l2}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "layer 1") {
		t.Errorf("agency on unsigned: exit %d, %q", code, errb.String())
	}
	if code := RunSignCLI(ctx, []string{"--layer", "officer"}, &out, &errb); code != 2 {
		t.Errorf("missing args: exit %d", code)
	}
}

func TestSafelyTurnsPanicsIntoErrors(t *testing.T) {
	_, err := safely("layer 1", func() ([]byte, error) { panic("index out of range") })
	if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("got %v", err)
	}
}
