package testpdf_test

import (
	"bytes"
	"testing"

	"github.com/vanthu/vanthu/internal/testpdf"
	"github.com/vanthu/vanthu/signing"
)

// WriteLarge writes what it says and the intake accepts it as a PDF.
func TestWriteLarge(t *testing.T) {
	var buf bytes.Buffer
	n, err := testpdf.WriteLarge(&buf, 20<<20, "large (test)")
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("wrote %d, counted %d: %v", buf.Len(), n, err)
	}
	if n < 20<<20 || n > 21<<20 {
		t.Fatalf("%d bytes, want about 20 MiB", n)
	}
	info, err := signing.Inspect(bytes.NewReader(buf.Bytes()), n)
	if err != nil {
		t.Fatalf("intake refuses it: %v", err)
	}
	if info.Pages != 1 {
		t.Fatalf("info %+v: want one page", info)
	}
}
