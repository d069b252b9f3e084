package signing

import (
	"bytes"
	"context"
	"crypto/x509"
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

func TestSafelyTurnsPanicsIntoErrors(t *testing.T) {
	_, err := safely("layer 1", func() ([]byte, error) { panic("index out of range") })
	if workflow.ErrorCode(err) != workflow.EUNPROCESSABLE || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("got %v", err)
	}
}
