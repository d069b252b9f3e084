package verify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdfsign"
	"github.com/digitorus/pdfsign/revocation"
)

// signCertified certifies in with a DocMDP certification signature of
// permission p (1, 2 or 3), invisible (pdfsign makes only approval
// signatures visible).
func signCertified(tb testing.TB, in []byte, s signer, p pdfsign.Permission) []byte {
	tb.Helper()
	doc, err := pdfsign.Open(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		tb.Fatal(err)
	}
	doc.Sign(s.key, s.cert, s.chain...).
		Type(pdfsign.CertificationSignature).
		Permission(p).
		Format(pdfsign.PAdES_B).
		SignerName("Nguyễn Văn A")
	var out bytes.Buffer
	if _, err := doc.Write(&out); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// withDSSUpdate appends a /DSS with one certificate; extensions also
// declares the ADBE extension level 5 in the catalog, as iText 5's
// LtvVerification does.
func withDSSUpdate(tb testing.TB, pdf, cert []byte, extensions bool) []byte {
	tb.Helper()
	rootNum, r2, _ := rootUpdate(tb, pdf)
	_, _, size := page(tb, pdf, 1)
	r2["DSS"] = ref{size, 0}
	if extensions {
		r2["Extensions"] = dict{"ADBE": dict{"BaseVersion": name("1.7"), "ExtensionLevel": int64(5)}}
	}
	return appendUpdate(tb, pdf, map[int]string{
		rootNum:  serialize(r2),
		size:     fmt.Sprintf("<< /Certs [%d 0 R] >>", size+1),
		size + 1: streamObj("", string(cert)),
	})
}

// unlistedSigField appends an invisible, empty signature field with an
// appearance stream that only the form lists, no page: how PDFBox 2
// writes the widget of a signature it adds to a file that is already
// signed.
func unlistedSigField(tb testing.TB, pdf []byte) []byte {
	tb.Helper()
	rootNum, r2, st := rootUpdate(tb, pdf)
	pnum, _, size := page(tb, pdf, 1)
	listField(st, r2, ref{size, 0})
	return appendUpdate(tb, pdf, map[int]string{
		rootNum:  serialize(r2),
		size:     fmt.Sprintf("<< /FT /Sig /Type /Annot /Subtype /Widget /F 132 /T (Signature1) /P %d 0 R /Rect [0 0 0 0] /AP %d 0 R >>", pnum, size+1),
		size + 1: fmt.Sprintf("<< /N %d 0 R >>", size+2),
		size + 2: streamObj("/Type /XObject /Subtype /Form /BBox [0 0 0 0]", ""),
	})
}

// TestJavaProducerUpdates: updates that Java signing libraries write
// after a signature, and certification signatures (DocMDP).
func TestJavaProducerUpdates(t *testing.T) {
	fx := newFixture(t)
	opts := Options{Roots: fx.ca.pool}
	certified := func(p pdfsign.Permission) []byte { return signCertified(t, basePDF(), fx.officer, p) }
	p1, p2, p3 := certified(pdfsign.NoChanges), certified(pdfsign.AllowFormFilling), certified(pdfsign.AllowFormFillingAndAnnotations)
	tests := []struct {
		name, verdict, reason string
		pdf                   []byte
	}{
		{"OK/DSS with catalog /Extensions (iText LtvVerification)", Valid, "", withDSSUpdate(t, fx.twoLayers, fx.ca.cert.Raw, true)},
		{"OK/signature field only the form lists, with an appearance (PDFBox)", Valid, "", unlistedSigField(t, fx.twoLayers)},
		{"OK/certified P=1", Valid, "", p1},
		{"OK/certified P=1 then DSS", Valid, "", withDSSUpdate(t, p1, fx.ca.cert.Raw, true)},
		{"Invalid/certified P=1 then signed", Invalid, "certified with no changes allowed (DocMDP P=1), yet a later update added or changed signatures",
			signApproval(t, p1, fx.agency, "UBND Quận 1", 1, false)},
		{"Invalid/certified P=1 then annotation", Invalid, "(DocMDP P=1)", addAnnotation(t, p1)},
		{"OK/certified P=2 then signed", Valid, "", signApproval(t, p2, fx.agency, "UBND Quận 1", 1, false)},
		{"Invalid/certified P=2 then annotation", Invalid, "(DocMDP P=2), yet a later update added or changed annotations", addAnnotation(t, p2)},
		{"Indeterminate/certified P=3 then annotation", Indeterminate, "annotations added after signature", addAnnotation(t, p3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(context.Background(), tt.pdf, opts)
			if err != nil {
				t.Fatal(err)
			}
			reasons := strings.Join(r.Reasons, "\n")
			if r.Verdict != tt.verdict || !strings.Contains(reasons, tt.reason) {
				t.Fatalf("verdict %s, want %s with %q:\n%s", r.Verdict, tt.verdict, tt.reason, reasons)
			}
		})
	}
}

// TestArchivedRevocation: the CRL a signer embeds in its CMS's
// adbe-revocationInfoArchival attribute (iText 5's signDetached with a
// CrlClient) is revocation data, as the document's /DSS is.
func TestArchivedRevocation(t *testing.T) {
	ca := newCA(t, "Vanthu Test Root")
	key, cert := ca.leaf(t, "Lê Văn C", leafOpts{crlDP: []string{"http://127.0.0.1:1/root.crl"}})
	crl := func(revoked bool) []byte {
		rl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour)}
		if revoked {
			rl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: cert.SerialNumber, RevocationTime: time.Now().Add(-time.Hour)}}
		}
		der, err := x509.CreateRevocationList(rand.Reader, rl, ca.cert, ca.key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	signWith := func(crlDER []byte) []byte {
		doc, err := pdfsign.Open(bytes.NewReader(basePDF()), int64(len(basePDF())))
		if err != nil {
			t.Fatal(err)
		}
		doc.Sign(key, cert, ca.cert).Type(pdfsign.ApprovalSignature).SignerName("Lê Văn C").
			RevocationFunction(func(c, _ *x509.Certificate, i *revocation.InfoArchival) error {
				if c.Equal(cert) {
					return i.AddCRL(crlDER)
				}
				return nil
			})
		var out bytes.Buffer
		if _, err := doc.Write(&out); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	for _, tt := range []struct {
		name, verdict, reason string
		revoked               bool
	}{
		{"revoked", Invalid, "certificate revoked at", true},
		{"good", Valid, "certificate not revoked then (embedded crl)", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Verify(context.Background(), signWith(crl(tt.revoked)), Options{Roots: ca.pool})
			if err != nil {
				t.Fatal(err)
			}
			if reasons := strings.Join(r.Reasons, "\n"); r.Verdict != tt.verdict || !strings.Contains(reasons, tt.reason) {
				t.Fatalf("verdict %s, want %s with %q:\n%s", r.Verdict, tt.verdict, tt.reason, reasons)
			}
		})
	}
}
