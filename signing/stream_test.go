package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing/verify"
)

// TestStreamSignerCopiesNothing: what signing both layers and writing the
// results out (the CLI's path) allocates does not grow with the document:
// between a 2 MB and an 8 MB scan, each layer's allocations grow by less
// than a quarter of the 6 MB difference (one copy of the document would be
// all of it; stamp images, the update and the compressors are the same for
// both, give or take a pooled compressor). pdfsign's engine alone allocated
// about four times the document per signature (its buffer, the copied
// signed ranges grown by append, their ASN.1 copy, the rewrite).
func TestStreamSignerCopiesNothing(t *testing.T) {
	p := newTestPKI(t, "rsa")
	// The stamp images (seal, the name as signature) are prepared once per
	// process and cached: warm the cache on a small document.
	if _, _, err := twoLayers(t, smallPDF(), p); err != nil {
		t.Fatal(err)
	}
	layers := func(in []byte) (a1, a2 int64) {
		var l1 bytes.Buffer
		l1.Grow(len(in) + 1<<20)
		a1 = int64(testpdf.Allocated(func() {
			s, err := SignOfficerStream(context.Background(), in, OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn Sĩ", Title: "Chủ tịch", Time: at})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := s.WriteTo(&l1); err != nil {
				t.Error(err)
			}
		}))
		a2 = int64(testpdf.Allocated(func() {
			s, err := SignAgencyStream(context.Background(), l1.Bytes(), AgencyLayer{Key: p.Agency, AgencyName: "Ủy ban nhân dân quận Bình Thủy", Place: "Bình Thủy", Notation: "15/QĐ-UBND", IssueDate: at, Time: at})
			if err != nil {
				t.Error(err)
				return
			}
			n, err := s.WriteTo(io.Discard)
			if err != nil || n <= int64(l1.Len()) {
				t.Errorf("layer 2 wrote %d bytes (%v), layer 1 had %d", n, err, l1.Len())
			}
		}))
		return a1, a2
	}
	// TotalAlloc counts every goroutine of the process (a test server or
	// time-stamp client left by an earlier test): other goroutines can
	// only add, so the least of three runs is the signer's own figure.
	least := func(in []byte) (m1, m2 int64) {
		for i := range 3 {
			a1, a2 := layers(in)
			if i == 0 || a1 < m1 {
				m1 = a1
			}
			if i == 0 || a2 < m2 {
				m2 = a2
			}
		}
		return m1, m2
	}
	small, large := scannedPDF(t, 1, 2), scannedPDF(t, 1, 8)
	s1, s2 := least(small)
	b1, b2 := least(large)
	diff := int64(len(large) - len(small))
	t.Logf("allocated: layer 1 %d / %d bytes, layer 2 %d / %d bytes for %d / %d-byte documents", s1, b1, s2, b2, len(small), len(large))
	if b1-s1 > diff/4 || b2-s2 > diff/4 {
		t.Errorf("allocations grow with the document: layer 1 +%d, layer 2 +%d bytes for +%d document bytes (want < a quarter)", b1-s1, b2-s2, diff)
	}
	// The engine path, for comparison (what the test guards against).
	e := testpdf.Allocated(func() {
		if _, _, err := signEngine(context.Background(), docParts{large}, signParams{key: p.Officer, name: "A", time: at}); err != nil {
			t.Error(err)
		}
	})
	t.Logf("pdfsign's engine alone: %.1fx the document allocated", float64(e)/float64(len(large)))
}

// TestStreamSignerOutput: the streamed file is the input followed by the
// update, its byte range covers all of it but the signature value, and
// the verifier finds it valid — for a classic cross-reference table, an
// xref stream, and a header raised in place (three-part document).
func TestStreamSignerOutput(t *testing.T) {
	for _, alg := range []string{"rsa", "ec"} {
		p := newTestPKI(t, alg)
		roots := x509.NewCertPool()
		roots.AddCert(p.Root)
		for _, name := range []string{"v13.pdf", "objstm.pdf", "small"} {
			in := smallPDF()
			if name != "small" {
				in = readFile(t, "testdata/"+name)
			}
			t.Run(alg+"/"+name, func(t *testing.T) {
				s, err := SignOfficerStream(context.Background(), in, OfficerLayer{Key: p.Officer, Name: "Nguyễn Văn Sĩ", Time: at})
				if err != nil {
					t.Fatal(err)
				}
				var w bytes.Buffer
				if n, err := s.WriteTo(&w); err != nil || n != s.Len() {
					t.Fatalf("WriteTo: %d, %v (Len %d)", n, err, s.Len())
				}
				out := s.Bytes()
				if !bytes.Equal(out, w.Bytes()) {
					t.Fatal("Bytes and WriteTo differ")
				}
				if !bytes.Equal(out[8:len(in)], in[8:]) {
					t.Error("the output does not start with the input")
				}
				rep, err := verify.Verify(context.Background(), out, verify.Options{Roots: roots})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Verdict != verify.Valid || len(rep.Signatures) != 1 || !rep.Signatures[0].CoversWholeFile {
					t.Fatalf("verdict %s, reasons %v", rep.Verdict, rep.Reasons)
				}
				br := rep.Signatures[0].ByteRange
				if br[0] != 0 || br[2]+br[3] != int64(len(out)) || br[1] <= int64(len(in)) {
					t.Errorf("byte range %v for %d input and %d output bytes", br, len(in), len(out))
				}
			})
		}
	}
}

// TestEngineStopsBeforeItsCMS: pdfsign's engine is stopped where its own
// CMS would start (standIn), after the update is complete: the update's
// /Contents hole is still the engine's placeholder, all zeros (a CMS the
// engine had made, which the signer would overwrite, starts "30"), for
// both key kinds and both kinds of cross-reference section, and the
// signed file is valid. An engine that fails before that point (here on a
// page the document does not have) still fails the signature.
func TestEngineStopsBeforeItsCMS(t *testing.T) {
	for _, alg := range []string{"rsa", "ec"} {
		p := newTestPKI(t, alg)
		for _, name := range []string{"small", "objstm.pdf"} {
			in := smallPDF()
			if name != "small" {
				in = readFile(t, "testdata/"+name)
			}
			t.Run(alg+"/"+name, func(t *testing.T) {
				doc := docParts{in}
				u, err := buildUpdate(context.Background(), doc, doc.size(), signParams{key: p.Officer, name: "A", time: at}, 0)
				if err != nil {
					t.Fatal(err)
				}
				hole := u.bytes[u.holeStart+1 : u.holeEnd-1]
				if len(hole) == 0 || strings.Trim(string(hole), "0") != "" {
					t.Errorf("the hole holds %.16q..., want the placeholder (all zeros)", hole)
				}
				if _, err := signStream(context.Background(), doc, signParams{key: p.Officer, name: "A", time: at, page: 7}); err == nil {
					t.Error("a visible signature on page 7 of a 1-page document was made")
				}
			})
		}
	}
}

// TestStreamSignerPlaceholderTooSmall: when our CMS does not fit the
// placeholder (here: the timestamp token's room taken away — the TSA's
// first, so the reserve — so only the CMS without its token fits, and the
// engine's throwaway CMS, which has neither token nor chain), the update is written
// again with room for it, the TSA is asked again, and the signature is
// valid with its timestamp.
func TestStreamSignerPlaceholderTooSmall(t *testing.T) {
	p := newTestPKI(t, "rsa")
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	tsa := startTSA(t, p, time.Now)
	s, err := signStreamSized(context.Background(), docParts{smallPDF()}, signParams{key: p.Officer, name: "A", time: at, tsaURL: tsa.URL}, -2*tsaReserve)
	if err != nil {
		t.Fatal(err)
	}
	if n := tsa.Requests.Load(); n != 2 {
		t.Errorf("TSA answered %d requests, want 2 (the first token did not fit)", n)
	}
	rep, err := verify.Verify(context.Background(), s.Bytes(), verify.Options{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.Valid || rep.Signatures[0].Timestamp == nil {
		t.Fatalf("verdict %s, reasons %v, timestamp %v", rep.Verdict, rep.Reasons, rep.Signatures[0].Timestamp)
	}
}

// TestBuildCMS: the CMS we build parses and verifies with the CMS library
// pdfsign uses, carries the PAdES attributes and no signingTime.
func TestBuildCMS(t *testing.T) {
	for _, alg := range []string{"rsa", "ec"} {
		t.Run(alg, func(t *testing.T) {
			p := newTestPKI(t, alg)
			content := []byte("the signed byte ranges")
			d := sha256.Sum256(content)
			der, err := buildCMS(context.Background(), d[:], signParams{key: p.Officer})
			if err != nil {
				t.Fatal(err)
			}
			p7, err := pkcs7.Parse(der)
			if err != nil {
				t.Fatal(err)
			}
			p7.Content = content
			if err := p7.Verify(); err != nil {
				t.Errorf("verify: %v", err)
			}
			p7.Content = []byte("other bytes")
			if err := p7.Verify(); err == nil {
				t.Error("verifies over other content")
			}
			si := p7.Signers[0]
			has := map[string]bool{}
			for _, a := range si.AuthenticatedAttributes {
				has[a.Type.String()] = true
			}
			for _, oid := range []string{oidContentType.String(), oidMessageDigest.String(), oidSigningCertificateV2.String()} {
				if !has[oid] {
					t.Errorf("signed attribute %s missing", oid)
				}
			}
			if has["1.2.840.113549.1.9.5"] {
				t.Error("signingTime present (PAdES forbids it)")
			}
			if len(p7.Certificates) != len(p.Officer.Chain) {
				t.Errorf("%d certificates, want the chain's %d", len(p7.Certificates), len(p.Officer.Chain))
			}
		})
	}
}
