package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitorus/pdfsign"
)

// pdfsignRefuses lists the interop fixtures pdfsign cannot sign, with
// why. TestVerifySignedFixtures fails when pdfsign refuses any other file
// and when it starts signing one of these (then drop it from the list),
// so a refusal is a checked fact, not a skipped test.
var pdfsignRefuses = map[string]string{
	// "%PDF-" comes after a comment line (the fixture checks that readers
	// accept a header offset); pdfsign wants the header at byte 0.
	"pdf20-withOffsetStart.pdf": "not a PDF file: invalid header",
}

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
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			err = checkSignedTwice(t, b, off, ca)
			want, refused := pdfsignRefuses[filepath.Base(p)]
			switch {
			case refused && err == nil:
				t.Errorf("pdfsign now signs this file: remove it from pdfsignRefuses")
			case refused && !strings.Contains(err.Error(), want):
				t.Errorf("pdfsign refuses with %q, want %q", err, want)
			case !refused && err != nil:
				t.Errorf("pdfsign cannot sign this file: %v", err)
			}
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
			if err := checkSignedTwice(t, in.data, off, ca); err != nil {
				t.Fatalf("pdfsign cannot sign our own input: %v", err)
			}
		})
	}
}

// checkSignedTwice signs b with two approval signatures and checks the
// verdicts. It returns an error, and checks nothing, when pdfsign cannot
// open or sign b or panics; the caller decides whether that is expected.
func checkSignedTwice(t *testing.T, b []byte, off signer, ca *testCA) error {
	t.Helper()
	doc, err := pdfsign.Open(strings.NewReader(string(b)), int64(len(b)))
	if err != nil {
		return fmt.Errorf("pdfsign cannot open: %w", err)
	}
	n := doc.Reader().NumPage()
	if n < 1 {
		return errors.New("no pages")
	}
	out, err := signTwice(b, off, n)
	if err != nil {
		return err
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
	return nil
}

// signTwice adds layer 1 on page n and layer 2 (with initials); a panic
// inside pdfsign comes back as an error.
func signTwice(b []byte, off signer, n int) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pdfsign panicked: %v", r)
		}
	}()
	out, err = trySign(b, off, "A", n, false)
	if err != nil {
		return nil, fmt.Errorf("pdfsign refuses layer 1: %w", err)
	}
	out, err = trySign(out, off, "B", n, true)
	if err != nil {
		return nil, fmt.Errorf("pdfsign refuses layer 2: %w", err)
	}
	return out, nil
}
