package verify

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitorus/pdfsign"
)

// TestVerifySignedFixtures signs the fixtures from other producers with
// two layers (as the app does) and expects "valid": the change classifier
// must accept what pdfsign writes on files nobody here wrote. They come
// from the interop corpus; TestVerifySignedOwn runs the same checks on
// our own corpus.
func TestVerifySignedFixtures(t *testing.T) {
	ca := newCA(t, "Root")
	k1, c1 := ca.leaf(t, "Officer", leafOpts{})
	off := signer{k1, c1, []*x509.Certificate{ca.cert}}
	for _, p := range fixtureFiles(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, _ := os.ReadFile(p)
			checkSignedTwice(t, b, off, ca)
		})
	}
}

// TestVerifySignedOwn: our own inputs (PDF 1.3 to 2.0, both kinds of
// cross-reference), signed twice, are valid; a forgery after the
// signatures is invalid, an unsigned annotation is never plain valid.
func TestVerifySignedOwn(t *testing.T) {
	ca := newCA(t, "Root")
	k1, c1 := ca.leaf(t, "Officer", leafOpts{})
	off := signer{k1, c1, []*x509.Certificate{ca.cert}}
	for _, in := range ownInputs(t) {
		t.Run(in.name, func(t *testing.T) {
			if !checkSignedTwice(t, in.data, off, ca) {
				t.Fatal("our own input could not be signed")
			}
		})
	}
}

// checkSignedTwice signs b with two approval signatures and checks the
// verdicts; false when pdfsign cannot sign b (the test is then skipped).
func checkSignedTwice(t *testing.T, b []byte, off signer, ca *testCA) (signed bool) {
	t.Helper()
	doc, err := pdfsign.Open(strings.NewReader(string(b)), int64(len(b)))
	if err != nil {
		t.Skipf("pdfsign cannot open: %v", err)
	}
	n := doc.Reader().NumPage()
	if n < 1 {
		t.Skip("no pages")
	}
	var out []byte
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Skipf("pdfsign panicked: %v", r)
			}
		}()
		out = signApprovalOrSkip(t, b, off, "A", n, false)
		if out != nil {
			out = signApprovalOrSkip(t, out, off, "B", n, true)
		}
	}()
	if out == nil {
		return false
	}
	r, err := Verify(context.Background(), out, Options{Roots: ca.pool})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Valid || len(r.Signatures) != 2 {
		t.Fatalf("verdict %s with %d signatures: %s", r.Verdict, len(r.Signatures), strings.Join(r.Reasons, "\n"))
	}
	// And the forgery is caught on every producer's file, and an
	// annotation added without a signature is never plain valid.
	for _, c := range []struct {
		pdf  []byte
		want string
	}{{forgeContent(t, out), Invalid}, {addAnnotation(t, out), Indeterminate}} {
		r, err := Verify(context.Background(), c.pdf, Options{Roots: ca.pool})
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != c.want {
			t.Errorf("verdict %s, want %s: %s", r.Verdict, c.want, strings.Join(r.Reasons, "\n"))
		}
	}
	return true
}
