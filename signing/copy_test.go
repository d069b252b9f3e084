package signing

import (
	"bytes"
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/keys"
	"github.com/vanthu/vanthu/workflow"
)

// TestIntegrationSignCopy: a copy of a document signed in two layers
// is an incremental update of its bytes, and pdfsig finds the official's
// and the agency's signatures and the copy's, all three valid, the
// copy's covering the whole file (checkPdfsigCopy: what it says of the
// copy's certificate); mutool finds each intact, the copy's last and
// nothing after it; our verifier finds every signature valid and every
// chain trusted. A copy of an unsigned scan (a letter registered from
// paper) carries the copy's signature alone. qpdf --check passes on
// both; the copy's text is drawn in black at the top right of page 1.
func TestIntegrationSignCopy(t *testing.T) {
	needTool(t, "pdfsig")
	p := newTestPKI(t, "rsa")
	nss := nssDB(t, p.RootPEM())
	_, signed, err := twoLayers(t, smallPDF(), p)
	if err != nil {
		t.Fatal(err)
	}
	svc := copyService(t, p)
	c := &workflow.Copy{Form: workflow.CopySaoY, Notation: "07/SY-UBND"}
	for _, tc := range []struct {
		name string
		in   []byte
		sigs int
	}{
		{"signed in two layers", signed, 3},
		{"a paper letter's scan", smallPDF(), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := svc.SignCopy(context.Background(), c, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.sigs > 1 && !bytes.HasPrefix(out, tc.in) {
				t.Error("the copy rewrote the original's bytes")
			}
			file := writeTemp(t, "copy.pdf", out)
			checkPdfsigCopy(t, file, nss, tc.sigs)
			checkMutool(t, file, append(slices.Repeat([]string{mutoolWant[0]}, tc.sigs-1), mutoolWant[1])...)
			checkQpdf(t, file)
			ink, red, _ := inkIn(t, file, 1, 842, [4]float64{595 - 28 - 210, 842 - 70, 595 - 28, 842 - 20})
			if ink < 80 || red > 0 {
				t.Errorf("the copy's text at the top right: %d inked pixels, %d red; want black text", ink, red)
			}
			v, err := svc.Verify(context.Background(), out)
			if err != nil || v.Verdict != workflow.VerdictValid {
				t.Errorf("Verify: %v %s %v", err, v.Verdict, v.Reasons)
			}
		})
	}
	if _, err := SignCopy(context.Background(), signed, CopyLayer{AgencyLayer: agencyLayer(p)}); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Errorf("no form: %v, want EINVALID", err)
	}
}

// copyService is the service that signs and verifies copies in these
// tests: p's agency key, its root trusted, the official's key p's. It
// signs now, after the layers it copies (a fixed date would fall before
// them, and a year on before the test PKI's certificates).
func copyService(t *testing.T, p *testPKI) *Service {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	now := time.Now().In(ict).Truncate(time.Second)
	svc, err := NewService(Config{Agency: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy",
		Officer: func(context.Context, *workflow.User) (keys.Key, []byte, error) { return p.Officer, nil, nil },
		Roots:   roots, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// checkPdfsigCopy is checkPdfsig for a copy with n signatures, the last
// the copy's. pdfsig 22.12 validates each signature's certificate in
// the same NSS session, and calls the second signature made with one
// certificate in a file "Unknown issue with Certificate or corrupted
// data" whatever the file (two copies' signatures stacked on a scan, the
// same signature time or not; with another key both are "Trusted"): the
// copy of an issued document is signed with the agency certificate of
// its layer 2. So every signature must be "Signature is Valid.", the
// last cover the whole file, and every certificate be "Trusted" but the
// copy's, which may be that and only that when an earlier signature has
// the same signer.
func checkPdfsigCopy(tb testing.TB, file, nss string, n int) {
	tb.Helper()
	out, err := run(tb, "pdfsig", "-nssdir", nss, file)
	if err != nil {
		tb.Fatalf("pdfsig: %v\n%s", err, out)
	}
	blocks := strings.Split(out, "Signature #")[1:]
	if len(blocks) != n {
		tb.Fatalf("pdfsig lists %d signatures, want %d\n%s", len(blocks), n, out)
	}
	for i, b := range blocks {
		if !strings.Contains(b, "Signature Validation: Signature is Valid.") || !strings.Contains(b, "Signature Type: ETSI.CAdES.detached") {
			tb.Errorf("pdfsig: signature %d not valid\n%s", i+1, out)
		}
		if strings.Contains(b, "Total document signed") != (i == n-1) {
			tb.Errorf("pdfsig: signature %d: covers the whole file = %v, want only the last\n%s", i+1, !(i == n-1), out)
		}
		trusted := strings.Contains(b, "Certificate Validation: Certificate is Trusted.")
		quirk := i == n-1 && i > 0 && strings.Contains(b, "Certificate Validation: Unknown issue with Certificate or corrupted data.") &&
			signerOf(b) == signerOf(blocks[i-1])
		if !trusted && !quirk {
			tb.Errorf("pdfsig: signature %d's certificate not trusted\n%s", i+1, out)
		}
	}
}

func signerOf(block string) string {
	_, after, _ := strings.Cut(block, "Signer full Distinguished Name: ")
	name, _, _ := strings.Cut(after, "\n")
	return name
}
