package signing

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/signing/verify"
)

// Both layers signed with keys that live on a SoftHSM2 token (PKCS#11),
// RSA-2048 and ECDSA P-256, certified by a development PKI over the
// token's public keys; checked by pdfsig (trusted through an NSS db),
// qpdf, MuPDF and signing/verify.
func TestIntegrationPKCS11TwoLayers(t *testing.T) {
	if os.Getenv("VANTHU_PKCS11_MODULE") == "" {
		t.Skip("VANTHU_PKCS11_MODULE not set (source scripts/setup/signing.sh for a SoftHSM2 token)")
	}
	token := os.Getenv("VANTHU_TEST_PKCS11_TOKEN")
	if token == "" {
		token = "vanthu-test"
	}
	ctx := context.Background()
	pki, err := keys.OpenDevPKI(t.TempDir(), "UBND quận Bình Thủy", "000.00.00.H13", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(pki.Root())
	nss := ""
	if _, err := lookPath("pdfsig"); err == nil {
		nss = nssDB(t, pki.RootPEM())
	}
	load := func(t *testing.T, object, cn string) keys.Key {
		t.Helper()
		uri := "pkcs11:token=" + token + ";object=" + object
		signer, err := keys.LoadSigner(ctx, uri)
		if err != nil {
			t.Fatalf("load %s: %v", keys.RedactURI(uri), err)
		}
		chain, err := pki.CertifyPublicKey(cn, signer.Public())
		if err != nil {
			t.Fatal(err)
		}
		var certPEM bytes.Buffer
		for _, c := range chain {
			_ = pem.Encode(&certPEM, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		k, err := keys.Load(ctx, uri, certPEM.Bytes())
		if err != nil {
			t.Fatalf("load %s with its certificate: %v", keys.RedactURI(uri), err)
		}
		return k
	}
	for _, alg := range []struct{ name, suffix string }{{"RSA-2048", "rsa"}, {"ECDSA-P256", "ec"}} {
		t.Run(alg.name, func(t *testing.T) {
			now := time.Now()
			officer := load(t, "officer-"+alg.suffix, "Nguyễn Văn Sĩ")
			agency := load(t, "agency-"+alg.suffix, "UBND quận Bình Thủy")
			switch pub := officer.Chain[0].PublicKey.(type) {
			case *rsa.PublicKey:
				if alg.suffix != "rsa" || pub.N.BitLen() != 2048 {
					t.Fatalf("officer key: RSA-%d", pub.N.BitLen())
				}
			case *ecdsa.PublicKey:
				if alg.suffix != "ec" || pub.Curve.Params().Name != "P-256" {
					t.Fatalf("officer key: ECDSA %s", pub.Curve.Params().Name)
				}
			}
			l1, err := SignOfficer(ctx, smallPDF(), OfficerLayer{Key: officer, Name: "Nguyễn Văn Sĩ", Title: "Chủ tịch", Time: now})
			if err != nil {
				t.Fatalf("layer 1 on the token: %v", err)
			}
			l2, err := SignAgency(ctx, l1, AgencyLayer{Key: agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy", Notation: "15/QĐ-UBND", IssueDate: now, Time: now})
			if err != nil {
				t.Fatalf("layer 2 on the token: %v", err)
			}
			rep, err := verify.Verify(ctx, l2, verify.Options{Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != verify.Valid || len(rep.Signatures) != 2 {
				t.Fatalf("signing/verify: %s with %d signatures: %v", rep.Verdict, len(rep.Signatures), rep.Reasons)
			}
			if bad := CheckLayers(rep, LayerRule{ExpectTwoLayers: true}); len(bad) > 0 {
				t.Errorf("layer rule: %v", bad)
			}
			if nss == "" {
				t.Skip("pdfsig not installed")
			}
			file := writeTemp(t, "token.pdf", l2)
			checkPdfsig(t, file, nss, 2)
			checkQpdf(t, file)
			checkMutool(t, file, mutoolWant...)
		})
	}
}
